/**
 * Odoo command lines and odoo.conf files with what Odoo 18 makes of them: the effective option
 * values, or the error it stops with. The pack's reader (policy/lib/ odooConfig) is tested
 * against this table (test/policy-lib.test.ts), and the contract suite holds the table to a real
 * Odoo's own parser (options.contract.ts). Observed on Odoo 18.0-20250421 (source tree, Python
 * 3.11). `{conf}` stands for the path of the case's odoo.conf.
 */
import { OdooValue } from "../../policy/lib";

export interface OptionsCase {
    readonly title: string;
    /** Odoo's arguments (what follows `odoo`). */
    readonly args: readonly string[];
    /** The odoo.conf at `{conf}`; ODOO_RC names it unless the case's env says otherwise. */
    readonly conf?: string;
    readonly env?: Readonly<Record<string, string>>;
    /** Effective values by destination, or the error (command line: optparse's exact message). */
    readonly expect:
        { readonly values: Readonly<Record<string, OdooValue>> } | { readonly error: string };
}

const CONF = (body: string) => `[options]\nadmin_passwd = a-long-master-password\n${body}`;

export const OPTIONS_CASES: readonly OptionsCase[] = [
    // optparse: the last of a repeated option wins, in either form
    {
        title: "the last of two --max-cron-threads",
        args: ["--max-cron-threads=0", "--max-cron-threads=2"],
        expect: { values: { max_cron_threads: 2 } },
    },
    {
        title: "--opt value after --opt=value",
        args: ["--max-cron-threads=0", "--max-cron-threads", "2"],
        expect: { values: { max_cron_threads: 2 } },
    },
    {
        title: "a value that starts with a dash is still the value",
        args: ["--smtp", "--smtp-port=1025"],
        expect: { values: { smtp_server: "--smtp-port=1025", smtp_port: 25 } },
    },
    {
        title: "the last --smtp",
        args: ["--smtp=mailpit", "--smtp=smtp.example.com"],
        expect: { values: { smtp_server: "smtp.example.com" } },
    },
    {
        title: "the last --load",
        args: ["--load=base,web,session_redis", "--load=base,web"],
        expect: { values: { server_wide_modules: "base,web" } },
    },
    {
        title: "the last --db_host in the separate-word form",
        args: ["--db_host=a", "--db_host", "b"],
        expect: { values: { db_host: "b" } },
    },
    // unique prefixes of long options
    {
        title: "--max-cron for --max-cron-threads",
        args: ["--max-cron=2"],
        expect: { values: { max_cron_threads: 2 } },
    },
    {
        title: "--smtp-us for --smtp-user",
        args: ["--smtp-us=odoo@example.com"],
        expect: { values: { smtp_user: "odoo@example.com" } },
    },
    {
        title: "--no-database for --no-database-list",
        args: ["--no-database"],
        expect: { values: { list_db: false } },
    },
    {
        title: "--stop-after for --stop-after-init",
        args: ["--stop-after"],
        expect: { values: { stop_after_init: true } },
    },
    {
        title: "an exact option that is also a prefix of others (--smtp)",
        args: ["--smtp=relay"],
        expect: { values: { smtp_server: "relay" } },
    },
    {
        title: "an ambiguous prefix",
        args: ["--smtp-p=587"],
        expect: { error: "ambiguous option: --smtp-p (--smtp-password, --smtp-port?)" },
    },
    {
        title: "an ambiguous prefix of flags",
        args: ["--no-"],
        expect: { error: "ambiguous option: --no- (--no-database-list, --no-http, --no-xmlrpc?)" },
    },
    // options Odoo 18 does not have, and misuse
    {
        title: "a positive --db-list (Odoo 18 has only --no-database-list)",
        args: ["--no-database-list", "--db-list"],
        expect: { error: "no such option: --db-list" },
    },
    {
        title: "an underscore spelling of a dashed option",
        args: ["--max_cron_threads=0"],
        expect: { error: "no such option: --max_cron_threads" },
    },
    {
        title: "a value given to a flag",
        args: ["--no-database-list=1"],
        expect: { error: "--no-database-list option does not take a value" },
    },
    {
        title: "an option without its value",
        args: ["--smtp"],
        expect: { error: "--smtp option requires 1 argument" },
    },
    {
        title: "a stray word",
        args: ["--workers=2", "start"],
        expect: { error: "unrecognized parameters: 'start'" },
    },
    {
        title: "options after --",
        args: ["--", "--workers=2"],
        expect: { error: "unrecognized parameters: '--workers=2'" },
    },
    {
        title: "a choice Odoo does not offer",
        args: ["--log-level=verbose"],
        expect: {
            error:
                "option --log-level: invalid choice: 'verbose' (choose from 'info', 'debug_rpc', " +
                "'warn', 'test', 'critical', 'runbot', 'debug_sql', 'error', 'debug', " +
                "'debug_rpc_answer', 'notset')",
        },
    },
    // optparse's integers: 0x, 0b, a leading 0 is octal, Python's int() around it
    {
        title: "octal 00",
        args: ["--max-cron-threads=00"],
        expect: { values: { max_cron_threads: 0 } },
    },
    {
        title: "octal 010",
        args: ["--max-cron-threads=010"],
        expect: { values: { max_cron_threads: 8 } },
    },
    {
        title: "hexadecimal 0x0",
        args: ["--max-cron-threads=0x0"],
        expect: { values: { max_cron_threads: 0 } },
    },
    {
        title: "binary 0b10",
        args: ["--max-cron-threads=0b10"],
        expect: { values: { max_cron_threads: 2 } },
    },
    { title: "underscores 1_0", args: ["--workers=1_0"], expect: { values: { workers: 10 } } },
    {
        title: "a blank before the digits",
        args: ["--max-cron-threads= 2"],
        expect: { values: { max_cron_threads: 2 } },
    },
    {
        title: "a sign",
        args: ["--max-cron-threads=-0"],
        expect: { values: { max_cron_threads: 0 } },
    },
    {
        title: "08, no octal number",
        args: ["--max-cron-threads=08"],
        expect: { error: "option --max-cron-threads: invalid integer value: '08'" },
    },
    // short options
    {
        title: "-d and -p as separate words",
        args: ["-d", "odoo", "-p", "8070"],
        expect: { values: { db_name: "odoo", http_port: 8070 } },
    },
    {
        title: "-d with its value attached",
        args: ["-dodoo"],
        expect: { values: { db_name: "odoo" } },
    },
    { title: "-u all", args: ["-u", "all"], expect: { values: { update: "all" } } },
    {
        title: "-r and -w",
        args: ["-r", "odoo", "-w", "x"],
        expect: { values: { db_user: "odoo", db_password: "x" } },
    },
    {
        title: "an unreadable -p",
        args: ["-p", "x"],
        expect: { error: "option -p: invalid integer value: 'x'" },
    },
    {
        title: "-x, which Odoo does not have",
        args: ["-x"],
        expect: { error: "no such option: -x" },
    },
    // odoo.conf, then the command line over it
    {
        title: "crons from odoo.conf",
        args: [],
        conf: CONF("max_cron_threads = 2\n"),
        expect: { values: { max_cron_threads: 2 } },
    },
    {
        title: "the command line over odoo.conf",
        args: ["--max-cron-threads=0"],
        conf: CONF("max_cron_threads = 2\n"),
        expect: { values: { max_cron_threads: 0 } },
    },
    {
        title: "list_db = True without the flag",
        args: [],
        conf: CONF("list_db = True\n"),
        expect: { values: { list_db: true } },
    },
    {
        title: "--no-database-list over list_db = True",
        args: ["--no-database-list"],
        conf: CONF("list_db = True\n"),
        expect: { values: { list_db: false } },
    },
    {
        title: "list_db = false (lower case)",
        args: [],
        conf: CONF("list_db = false\n"),
        expect: { values: { list_db: false } },
    },
    {
        title: "list_db = 0, a text Python takes as true",
        args: [],
        conf: CONF("list_db = 0\n"),
        expect: { values: { list_db: "0" } },
    },
    {
        title: "list_db with an empty value",
        args: [],
        conf: CONF("list_db =\n"),
        expect: { values: { list_db: "" } },
    },
    {
        title: "smtp_user = False",
        args: [],
        conf: CONF("smtp_user = False\n"),
        expect: { values: { smtp_user: false } },
    },
    {
        title: "a key in capitals and a colon",
        args: [],
        conf: CONF("SMTP_Server: relay\n"),
        expect: { values: { smtp_server: "relay" } },
    },
    {
        title: "no inline comments",
        args: [],
        conf: CONF("smtp_server = mailpit ; relay\n"),
        expect: { values: { smtp_server: "mailpit ; relay" } },
    },
    {
        title: "a commented line",
        args: [],
        conf: CONF("; smtp_server = relay\n  # smtp_port = 25\n"),
        expect: { values: { smtp_server: "localhost", smtp_port: 25 } },
    },
    {
        title: "an indented line continues the value before it",
        args: [],
        conf: CONF("smtp_user = a\n  smtp_password = b\n"),
        expect: { values: { smtp_user: "a\nsmtp_password = b", smtp_password: false } },
    },
    {
        title: "[DEFAULT] under [options]",
        args: [],
        conf: "[DEFAULT]\nsmtp_server = relay\n[options]\nadmin_passwd = a-long-master-password\n",
        expect: { values: { smtp_server: "relay" } },
    },
    {
        title: "an odoo.conf without [options]",
        args: [],
        conf: "[other]\nsmtp_server = relay\n",
        expect: { values: { smtp_server: "localhost", admin_passwd: "admin" } },
    },
    {
        title: "xmlrpc_port, the old name of http_port",
        args: [],
        conf: CONF("xmlrpc_port = 8070\n"),
        expect: { values: { http_port: 8070 } },
    },
    {
        title: "a typed value read like the command line's",
        args: [],
        conf: CONF("smtp_port = 0x401\n"),
        expect: { values: { smtp_port: 1025 } },
    },
    {
        title: "-u in odoo.conf, which Odoo ignores",
        args: [],
        conf: CONF("update = all\n"),
        expect: { values: { update: "" } },
    },
    {
        title: "a key twice",
        args: [],
        conf: CONF("smtp_server = a\nsmtp_server = b\n"),
        expect: { error: "odoo.conf" },
    },
    {
        title: "a section twice",
        args: [],
        conf: "[options]\nadmin_passwd = x\n[options]\n",
        expect: { error: "odoo.conf" },
    },
    {
        title: "an option before any section",
        args: [],
        conf: "smtp_server = relay\n",
        expect: { error: "odoo.conf" },
    },
    {
        title: "a line without a value",
        args: [],
        conf: CONF("list_db\n"),
        expect: { error: "odoo.conf" },
    },
    {
        title: "an unreadable typed value",
        args: [],
        conf: CONF("max_cron_threads = two\n"),
        expect: { error: "odoo.conf" },
    },
    // which file
    {
        title: "-c names the file",
        args: ["-c", "{conf}"],
        conf: CONF("smtp_server = relay\n"),
        env: {},
        expect: { values: { smtp_server: "relay" } },
    },
    {
        title: "OPENERP_SERVER when ODOO_RC is empty",
        args: [],
        conf: CONF("smtp_server = relay\n"),
        env: { ODOO_RC: "", OPENERP_SERVER: "{conf}" },
        expect: { values: { smtp_server: "relay" } },
    },
    {
        title: "no file at all",
        args: [],
        env: {},
        expect: { values: { admin_passwd: "admin", max_cron_threads: 2, list_db: true } },
    },
];

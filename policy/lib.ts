/**
 * What every policy of the pack shares: the stack's stage, and readers for what is actually
 * deployed (container command, env and uploads, firewall rules). Self-contained on purpose: the
 * pack runs unchanged under the real CLI and imports nothing from the program.
 */
import * as fs from "fs";
import * as path from "path";
import { PolicyResource } from "@pulumi/policy";
import { NON_PUBLIC, parseRange, reachesWorld } from "./net";

export type Stage = "production" | "staging" | "preview";
export const STAGES: Stage[] = ["production", "staging", "preview"];
export const STAGE_TAG = "odoo-platform:stage";

export const T = {
    container: "docker:index/container:Container",
    remoteImage: "docker:index/remoteImage:RemoteImage",
    firewall: "digitalocean:index/firewall:Firewall",
    droplet: "digitalocean:index/droplet:Droplet",
    volume: "digitalocean:index/volume:Volume",
    vpc: "digitalocean:index/vpc:Vpc",
    reservedIp: "digitalocean:index/reservedIp:ReservedIp",
    bucket: "digitalocean:index/spacesBucket:SpacesBucket",
    databaseCluster: "digitalocean:index/databaseCluster:DatabaseCluster",
    databaseFirewall: "digitalocean:index/databaseFirewall:DatabaseFirewall",
    app: "digitalocean:index/app:App",
    dnsRecord: "cloudflare:index/dnsRecord:DnsRecord",
    zoneSetting: "cloudflare:index/zoneSetting:ZoneSetting",
    bucketPolicy: "digitalocean:index/spacesBucketPolicy:SpacesBucketPolicy",
    bucketObject: "digitalocean:index/spacesBucketObject:SpacesBucketObject",
    bucketCors: "digitalocean:index/spacesBucketCorsConfiguration:SpacesBucketCorsConfiguration",
    githubEnvironment: "github:index/repositoryEnvironment:RepositoryEnvironment",
    githubEnvironmentSecret: "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
    githubEnvironmentVariable: "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
    githubDeploymentPolicy:
        "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
    apiToken: "cloudflare:index/apiToken:ApiToken",
} as const;

/**
 * Whether a GitHub environment name is `production`: GitHub compares environment names without
 * regard to case ("Environment names are not case sensitive", GitHub Docs, Managing environments
 * for deployment).
 */
export function isProductionEnvironment(name: unknown): boolean {
    return typeof name === "string" && name.trim().toLowerCase() === "production";
}

/** The stack name in a URN: `urn:pulumi:<stack>::<project>::...`. */
export function stackOfUrn(urn: string): string {
    return urn.split("::")[0].split(":")[2] ?? "";
}

export function stageOfStackName(stack: string): Stage | undefined {
    if (stack === "prod") return "production";
    if (stack === "staging") return "staging";
    if (/^pr-[1-9]\d*$/.test(stack)) return "preview";
    return undefined;
}

/** The number of a preview stack, `pr-42` → 42. */
export function prNumber(stack: string): number | undefined {
    const m = /^pr-([1-9]\d*)$/.exec(stack);
    return m ? Number(m[1]) : undefined;
}

interface StageSources {
    readonly urn: string;
    readonly config: { stage?: string };
    readonly stackTags: ReadonlyMap<string, string>;
}

/**
 * A stack's stage: policy config `stage` wins, then the stack tag `odoo-platform:stage`, then the
 * stack name (`prod`, `staging`, `pr-<N>`). Unknown stacks get the strictest non-prod rules.
 */
export function stageOf(s: StageSources): Stage {
    const fromConfig = s.config.stage;
    if (fromConfig !== undefined && (STAGES as string[]).includes(fromConfig)) {
        return fromConfig as Stage;
    }
    const tag = s.stackTags.get(STAGE_TAG);
    if (tag !== undefined && (STAGES as string[]).includes(tag)) return tag as Stage;
    return stageOfStackName(stackOfUrn(s.urn)) ?? "staging";
}

export const stageSchema = {
    stage: {
        type: "string" as const,
        enum: STAGES,
        description: "Overrides the stage read from the stack name or the stack tag.",
    },
};

export interface ContainerProps {
    name?: string;
    command?: string[];
    envs?: string[];
    uploads?: { file: string; content?: string }[];
    labels?: { label: string; value: string }[];
    ports?: { internal: number; external?: number }[];
    memory?: number;
    entrypoints?: string[];
}

/** An Odoo container is one whose command starts with `odoo`. */
export function isOdoo(c: ContainerProps): boolean {
    return Array.isArray(c.command) && c.command[0] === "odoo";
}

export function isMailpit(c: ContainerProps): boolean {
    return (
        Object.keys(envOf(c.envs)).some((k) => k.startsWith("MP_")) ||
        /-mailpit$/.test(c.name ?? "")
    );
}

/**
 * A container's environment as Docker builds it from `NAME=value` items: a name given twice keeps
 * the last value (items without `=` pass the host's value through, which a plan cannot know).
 */
export function envOf(items: readonly unknown[] | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    for (const item of items ?? []) {
        if (typeof item !== "string") continue;
        const i = item.indexOf("=");
        if (i > 0) out[item.slice(0, i)] = item.slice(i + 1);
    }
    return out;
}

/* ---------------------------------------------------------------------------------------------
 * Odoo's effective options, read as Odoo 18 reads them: odoo.conf first (Python's RawConfigParser
 * through `configmanager.load`), then the command line over it (optparse: the last of a repeated
 * option wins, a unique prefix of a long option names it, `--opt=value` and `--opt value`, short
 * options), then Odoo's defaults. Source: odoo/tools/config.py of Odoo 18.0-20250421, and
 * Python 3.11's optparse and configparser; a contract test holds this reader to the real parser.
 * ------------------------------------------------------------------------------------------- */

/** A value as Odoo holds it in `config.options`. */
export type OdooValue = string | number | boolean | string[];

type OptionKind =
    | "string"
    | "int"
    | "float"
    | "choice"
    | "true"
    | "false"
    | "append"
    | "appendConst"
    | "testEnable"
    | "exit";

interface OptionSpec {
    readonly dest: string;
    readonly kind: OptionKind;
    readonly choices?: readonly string[];
    /** The value an append_const option appends. */
    readonly constant?: string;
}

const str = (dest: string): OptionSpec => ({ dest, kind: "string" });
const int = (dest: string): OptionSpec => ({ dest, kind: "int" });
const on = (dest: string): OptionSpec => ({ dest, kind: "true" });
const off = (dest: string): OptionSpec => ({ dest, kind: "false" });

/**
 * Every long option of Odoo 18.0's parser (configmanager.__init__, POSIX) with optparse's own
 * --help and --version: optparse resolves a prefix against this whole list, so it is complete.
 */
export const ODOO_LONG_OPTIONS: Readonly<Record<string, OptionSpec>> = {
    "--version": { dest: "version", kind: "exit" },
    "--help": { dest: "help", kind: "exit" },
    "--config": str("config"),
    "--save": on("save"),
    "--init": str("init"),
    "--update": str("update"),
    "--without-demo": str("without_demo"),
    "--import-partial": str("import_partial"),
    "--pidfile": str("pidfile"),
    "--addons-path": str("addons_path"),
    "--upgrade-path": str("upgrade_path"),
    "--pre-upgrade-scripts": str("pre_upgrade_scripts"),
    "--load": str("server_wide_modules"),
    "--data-dir": str("data_dir"),
    "--http-interface": str("http_interface"),
    "--http-port": int("http_port"),
    "--gevent-port": int("gevent_port"),
    "--no-http": off("http_enable"),
    "--proxy-mode": on("proxy_mode"),
    "--x-sendfile": on("x_sendfile"),
    "--xmlrpc-interface": str("http_interface"),
    "--xmlrpc-port": int("http_port"),
    "--no-xmlrpc": off("http_enable"),
    "--db-filter": str("dbfilter"),
    "--test-file": str("test_file"),
    "--test-enable": { dest: "test_tags", kind: "testEnable" },
    "--test-tags": str("test_tags"),
    "--screencasts": str("screencasts"),
    "--screenshots": str("screenshots"),
    "--logfile": str("logfile"),
    "--syslog": on("syslog"),
    "--log-handler": { dest: "log_handler", kind: "append" },
    "--log-web": { dest: "log_handler", kind: "appendConst", constant: "odoo.http:DEBUG" },
    "--log-sql": { dest: "log_handler", kind: "appendConst", constant: "odoo.sql_db:DEBUG" },
    "--log-db": str("log_db"),
    "--log-db-level": str("log_db_level"),
    "--log-level": {
        dest: "log_level",
        kind: "choice",
        choices: [
            "info",
            "debug_rpc",
            "warn",
            "test",
            "critical",
            "runbot",
            "debug_sql",
            "error",
            "debug",
            "debug_rpc_answer",
            "notset",
        ],
    },
    "--email-from": str("email_from"),
    "--from-filter": str("from_filter"),
    "--smtp": str("smtp_server"),
    "--smtp-port": int("smtp_port"),
    "--smtp-ssl": on("smtp_ssl"),
    "--smtp-user": str("smtp_user"),
    "--smtp-password": str("smtp_password"),
    "--smtp-ssl-certificate-filename": str("smtp_ssl_certificate_filename"),
    "--smtp-ssl-private-key-filename": str("smtp_ssl_private_key_filename"),
    "--database": str("db_name"),
    "--db_user": str("db_user"),
    "--db_password": str("db_password"),
    "--pg_path": str("pg_path"),
    "--db_host": str("db_host"),
    "--db_replica_host": str("db_replica_host"),
    "--db_port": int("db_port"),
    "--db_replica_port": int("db_replica_port"),
    "--db_sslmode": {
        dest: "db_sslmode",
        kind: "choice",
        choices: ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"],
    },
    "--db_maxconn": int("db_maxconn"),
    "--db_maxconn_gevent": int("db_maxconn_gevent"),
    "--db-template": str("db_template"),
    "--load-language": str("load_language"),
    "--language": str("language"),
    "--i18n-export": str("translate_out"),
    "--i18n-import": str("translate_in"),
    "--i18n-overwrite": on("overwrite_existing_translations"),
    "--modules": str("translate_modules"),
    "--no-database-list": off("list_db"),
    "--dev": str("dev_mode"),
    "--shell-interface": str("shell_interface"),
    "--stop-after-init": on("stop_after_init"),
    "--osv-memory-count-limit": int("osv_memory_count_limit"),
    "--transient-age-limit": { dest: "transient_age_limit", kind: "float" },
    "--max-cron-threads": int("max_cron_threads"),
    "--limit-time-worker-cron": int("limit_time_worker_cron"),
    "--unaccent": on("unaccent"),
    "--geoip-city-db": str("geoip_city_db"),
    "--geoip-db": str("geoip_city_db"),
    "--geoip-country-db": str("geoip_country_db"),
    "--workers": int("workers"),
    "--limit-memory-soft": int("limit_memory_soft"),
    "--limit-memory-soft-gevent": int("limit_memory_soft_gevent"),
    "--limit-memory-hard": int("limit_memory_hard"),
    "--limit-memory-hard-gevent": int("limit_memory_hard_gevent"),
    "--limit-time-cpu": int("limit_time_cpu"),
    "--limit-time-real": int("limit_time_real"),
    "--limit-time-real-cron": int("limit_time_real_cron"),
    "--limit-request": int("limit_request"),
};

/** Odoo 18.0's short options and the long option each one is. */
export const ODOO_SHORT_OPTIONS: Readonly<Record<string, string>> = {
    "-h": "--help",
    "-c": "--config",
    "-s": "--save",
    "-i": "--init",
    "-u": "--update",
    "-P": "--import-partial",
    "-D": "--data-dir",
    "-p": "--http-port",
    "-d": "--database",
    "-r": "--db_user",
    "-w": "--db_password",
    "-l": "--language",
};

/** The canonical long option of each destination (the first declared), for messages. */
const LONG_OF_DEST: Record<string, string> = {};
for (const [long, spec] of Object.entries(ODOO_LONG_OPTIONS)) LONG_OF_DEST[spec.dest] ??= long;

/** The kind of the value each destination holds, for casting odoo.conf values. */
const KIND_OF_DEST: Record<string, OptionSpec> = {};
for (const spec of Object.values(ODOO_LONG_OPTIONS)) KIND_OF_DEST[spec.dest] ??= spec;

/**
 * Odoo 18.0's defaults (`my_default`, and configmanager's own options) for what the pack reads;
 * `false` is Odoo's "not set".
 */
export const ODOO_DEFAULTS: Readonly<Record<string, OdooValue>> = {
    admin_passwd: "admin",
    addons_path: "",
    db_host: false,
    init: "",
    list_db: true,
    max_cron_threads: 2,
    server_wide_modules: "base,web",
    smtp_password: false,
    smtp_port: 25,
    smtp_server: "localhost",
    smtp_ssl: false,
    smtp_user: false,
    stop_after_init: false,
    update: "",
    workers: 0,
};

/** Python's repr of a string, as optparse's messages print it. */
function pyRepr(s: string): string {
    if (s.includes("'") && !s.includes('"')) return `"${s}"`;
    return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/**
 * optparse's integer reading (`_parse_num`): `0x` hexadecimal, `0b` binary, a leading `0` octal
 * (so `08` is no number and `010` is 8), else decimal; then Python's `int(text, radix)`, which
 * allows surrounding blanks, a sign and single underscores between digits.
 */
export function optparseInt(text: string): number | undefined {
    let radix = 10;
    let body = text;
    if (text.slice(0, 2).toLowerCase() === "0x") radix = 16;
    else if (text.slice(0, 2).toLowerCase() === "0b") {
        radix = 2;
        body = text.slice(2) === "" ? "0" : text.slice(2);
    } else if (text.slice(0, 1) === "0") radix = 8;
    const digits = { 2: "[01]", 8: "[0-7]", 10: "[0-9]", 16: "[0-9a-fA-F]" }[radix];
    const prefix = { 2: "(?:0[bB])?", 8: "(?:0[oO])?", 10: "", 16: "(?:0[xX])?" }[radix];
    const m = new RegExp(
        `^[ \\t\\n\\r\\f\\v]*([+-]?)${prefix}(_?${digits}(?:_?${digits})*)[ \\t\\n\\r\\f\\v]*$`,
    ).exec(body);
    if (m === null) return undefined;
    const clean = m[2].replace(/_/g, "");
    if (prefix === "" && m[2].startsWith("_")) return undefined;
    const value = parseInt(clean, radix);
    return m[1] === "-" && value !== 0 ? -value : value;
}

/** Python's `float(text)` for the plain decimal forms. */
function pythonFloat(text: string): number | undefined {
    const t = text.trim();
    return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) ? Number(t) : undefined;
}

/** A value of a typed option, as optparse's type checker turns it, or the message it fails with. */
function checkValue(spec: OptionSpec, opt: string, text: string): OdooValue | { problem: string } {
    if (spec.kind === "int") {
        const v = optparseInt(text);
        return v ?? { problem: `option ${opt}: invalid integer value: ${pyRepr(text)}` };
    }
    if (spec.kind === "float") {
        const v = pythonFloat(text);
        return v ?? { problem: `option ${opt}: invalid floating-point value: ${pyRepr(text)}` };
    }
    if (spec.kind === "choice" && !(spec.choices ?? []).includes(text)) {
        const choices = (spec.choices ?? []).map(pyRepr).join(", ");
        return {
            problem: `option ${opt}: invalid choice: ${pyRepr(text)} (choose from ${choices})`,
        };
    }
    return text;
}

interface Given {
    readonly value: OdooValue;
    /** How a reader finds it: `--max-cron-threads=2`, `max_cron_threads = 2 in odoo.conf`. */
    readonly source: string;
}

/** An Odoo command line as optparse reads it: the options given (last wins) and the errors. */
export function parseOdooArgs(args: readonly string[]): {
    given: Record<string, Given>;
    problems: string[];
} {
    const given: Record<string, Given> = {};
    const problems: string[] = [];
    const rest = [...args];
    const positional: string[] = [];
    const longs = Object.keys(ODOO_LONG_OPTIONS);
    const take = (long: string, spec: OptionSpec, opt: string, value: string | undefined) => {
        const shown = (v: OdooValue) => (v === true || v === false ? long : `${long}=${String(v)}`);
        switch (spec.kind) {
            case "true":
            case "false": {
                const v = spec.kind === "true";
                given[spec.dest] = { value: v, source: long };
                return;
            }
            case "exit":
                problems.push(`${long} makes Odoo print and exit instead of serving`);
                return;
            case "testEnable":
                if (given["test_tags"] === undefined) {
                    given["test_tags"] = { value: "+standard", source: long };
                }
                return;
            case "appendConst":
            case "append": {
                const before = given[spec.dest]?.value;
                const list = Array.isArray(before) ? before : [];
                const item = spec.kind === "append" ? (value as string) : (spec.constant as string);
                given[spec.dest] = { value: [...list, item], source: `${long}=${item}` };
                return;
            }
            default: {
                const v = checkValue(spec, opt, value as string);
                if (typeof v === "object" && !Array.isArray(v)) problems.push(v.problem);
                else given[spec.dest] = { value: v, source: shown(v) };
            }
        }
    };
    const takesValue = (spec: OptionSpec) =>
        !["true", "false", "exit", "testEnable", "appendConst"].includes(spec.kind);
    while (rest.length > 0 && problems.length === 0) {
        const arg = rest.shift() as string;
        if (arg === "--") {
            positional.push(...rest.splice(0));
        } else if (arg.startsWith("--")) {
            const eq = arg.indexOf("=");
            const written = eq >= 0 ? arg.slice(0, eq) : arg;
            if (eq >= 0) rest.unshift(arg.slice(eq + 1));
            let long = written;
            if (ODOO_LONG_OPTIONS[written] === undefined) {
                const hits = longs.filter((l) => l.startsWith(written)).sort();
                if (hits.length === 0) {
                    problems.push(`no such option: ${written}`);
                    break;
                }
                if (hits.length > 1) {
                    problems.push(`ambiguous option: ${written} (${hits.join(", ")}?)`);
                    break;
                }
                long = hits[0];
            }
            const spec = ODOO_LONG_OPTIONS[long];
            if (takesValue(spec)) {
                if (rest.length === 0) {
                    problems.push(`${long} option requires 1 argument`);
                    break;
                }
                take(long, spec, long, rest.shift());
            } else if (eq >= 0) {
                problems.push(`${long} option does not take a value`);
            } else {
                take(long, spec, long, undefined);
            }
        } else if (arg.startsWith("-") && arg.length > 1) {
            for (let i = 1; i < arg.length; i++) {
                const opt = `-${arg[i]}`;
                const long = ODOO_SHORT_OPTIONS[opt];
                if (long === undefined) {
                    problems.push(`no such option: ${opt}`);
                    break;
                }
                const spec = ODOO_LONG_OPTIONS[long];
                if (!takesValue(spec)) {
                    take(long, spec, opt, undefined);
                    continue;
                }
                if (i + 1 < arg.length) rest.unshift(arg.slice(i + 1));
                if (rest.length === 0) {
                    problems.push(`${opt} option requires 1 argument`);
                    break;
                }
                take(long, spec, opt, rest.shift());
                break;
            }
        } else {
            positional.push(arg);
        }
    }
    if (problems.length === 0 && positional.length > 0) {
        problems.push(`unrecognized parameters: '${positional.join(" ")}'`);
    }
    return { given, problems };
}

/**
 * An odoo.conf as Odoo 18 loads it: Python's RawConfigParser (`key = value` or `key: value`,
 * keys lower-cased, `#` and `;` comment whole lines only, indented lines continue a value, a key
 * or section given twice is an error), the `[options]` section with `[DEFAULT]` under it, then
 * `True`/`true` and `False`/`false` become booleans and xmlrpc_* keys their http_* names.
 */
export function parseOdooConf(text: string): {
    given: Record<string, Given>;
    problems: string[];
} {
    const problems: string[] = [];
    const sections = new Map<string, Map<string, string[]>>();
    let current: Map<string, string[]> | undefined;
    let section = "";
    let option: string | undefined;
    let indent = Number.MAX_SAFE_INTEGER;
    const seenSections = new Set<string>();
    const lines = text.split(/\r\n|\n|\r/);
    if (lines[lines.length - 1] === "") lines.pop();
    for (let n = 0; n < lines.length; n++) {
        const line = lines[n];
        const comment = /^\s*[#;]/.test(line);
        const value = comment ? "" : line.trim();
        if (value === "") {
            if (!comment && current !== undefined && option !== undefined) {
                current.get(option)?.push("");
            }
            continue;
        }
        const level = /\S/.exec(line)?.index ?? 0;
        if (current !== undefined && option !== undefined && level > indent) {
            current.get(option)?.push(value);
            continue;
        }
        indent = level;
        const header = /^\[(.+)\]/.exec(value);
        if (header !== null) {
            section = header[1];
            if (seenSections.has(section)) {
                problems.push(`odoo.conf: section "[${section}]" given twice (line ${n + 1})`);
                break;
            }
            seenSections.add(section);
            current = sections.get(section) ?? new Map();
            sections.set(section, current);
            option = undefined;
            continue;
        }
        if (current === undefined) {
            problems.push(`odoo.conf: line ${n + 1} comes before any section header`);
            break;
        }
        const m = /^(.*?)\s*([=:])\s*(.*)$/.exec(value);
        if (m === null || m[1] === "") {
            problems.push(`odoo.conf: line ${n + 1} is neither a section, an option nor a comment`);
            option = undefined;
            continue;
        }
        const key = m[1].trimEnd().toLowerCase();
        if (current.has(key)) {
            problems.push(
                `odoo.conf: option "${key}" in section "[${section}]" given twice (line ${n + 1})`,
            );
            break;
        }
        current.set(key, [m[3].trim()]);
        option = key;
    }
    const given: Record<string, Given> = {};
    const options = sections.get("options");
    if (problems.length > 0 || options === undefined) return { given, problems };
    const outdated: Record<string, string> = {
        xmlrpc_port: "http_port",
        xmlrpc_interface: "http_interface",
        xmlrpc: "http_enable",
    };
    const merged = new Map([...(sections.get("DEFAULT") ?? new Map()), ...options]);
    for (const [key, parts] of merged) {
        const raw = parts.join("\n").trimEnd();
        const name = outdated[key] ?? key;
        let value: OdooValue =
            raw === "True" || raw === "true"
                ? true
                : raw === "False" || raw === "false"
                  ? false
                  : raw;
        // Odoo casts a typed option's text with optparse's checker (configmanager._parse_config);
        // a value it cannot read stops Odoo at start.
        const spec = KIND_OF_DEST[name];
        if (typeof value === "string" && spec !== undefined) {
            const checked = checkValue(spec, name, value);
            if (typeof checked === "object" && !Array.isArray(checked)) {
                problems.push(`odoo.conf: ${checked.problem}`);
                continue;
            }
            value = checked;
        }
        given[name] = { value, source: `${key} = ${raw} in odoo.conf` };
    }
    return { given, problems };
}

/** Python's truth of a value: an empty text, 0 and False are false; any other text is true. */
export function truthy(v: OdooValue | undefined): boolean {
    if (v === undefined || v === false || v === "" || v === 0) return false;
    return !(Array.isArray(v) && v.length === 0);
}

/** Odoo's effective options of one process, and why Odoo would refuse to start with them. */
export interface OdooConfig {
    /** Empty when Odoo starts; else the errors Odoo stops with. */
    readonly problems: readonly string[];
    /** The effective value: command line over odoo.conf over Odoo's default. */
    value(dest: string): OdooValue | undefined;
    /**
     * Where the effective value comes from, as a reader looks for it (`--max-cron-threads=2`,
     * `max_cron_threads = 2 in odoo.conf`, `ODOO_SMTP_PASSWORD env (smtp_password in
     * odoo.conf)`), or undefined when it is Odoo's default.
     */
    source(dest: string): string | undefined;
}

/**
 * Reads Odoo's arguments (what follows `odoo`) with the odoo.conf it loads: `--config`, else
 * `$ODOO_RC`, is the file; a file the plan does not hold counts as empty.
 */
export function odooConfig(
    argv: readonly string[],
    environment: Readonly<Record<string, string>>,
    files: Readonly<Record<string, string>>,
    origins: Readonly<Record<string, string>> = {},
): OdooConfig {
    const args = [...argv];
    if (args[0] === "server") args.shift();
    const problems: string[] = [];
    if (args.length > 0 && !args[0].startsWith("-")) {
        problems.push(`the pack reads Odoo's server only, not its "${args[0]}" command`);
    }
    const cli = parseOdooArgs(args);
    problems.push(...cli.problems);
    // Python's `opt.config or ODOO_RC or OPENERP_SERVER`: an empty value counts as unset.
    const file = [
        cli.given["config"]?.value,
        environment["ODOO_RC"],
        environment["OPENERP_SERVER"],
    ].find((v) => typeof v === "string" && v !== "");
    const conf =
        typeof file === "string" && files[file] !== undefined
            ? parseOdooConf(files[file])
            : { given: {}, problems: [] };
    problems.push(...conf.problems);
    const pick = (dest: string): Given | undefined => {
        // -i/-u come from the command line only (configmanager._parse_config).
        if (dest === "init" || dest === "update") return cli.given[dest];
        return cli.given[dest] ?? conf.given[dest];
    };
    return {
        problems,
        value: (dest) => {
            const v = pick(dest)?.value ?? ODOO_DEFAULTS[dest];
            // configmanager._parse_config: an empty or "None" module list is Odoo's default.
            if (dest === "server_wide_modules" && (v === "" || v === "None")) return "base,web";
            return v;
        },
        source: (dest) => {
            const g = pick(dest);
            if (g === undefined) return undefined;
            const origin = origins[dest];
            return cli.given[dest] === undefined && origin !== undefined
                ? `${origin} env (${dest} in odoo.conf)`
                : g.source;
        },
    };
}

/** The long option that sets a destination, for messages: `max_cron_threads` → `--max-cron-threads`. */
export function optionOf(dest: string): string {
    return LONG_OF_DEST[dest] ?? dest;
}

/** The official image's `ODOO_RC` (odoo/docker 18.0 Dockerfile: `ENV ODOO_RC /etc/odoo/odoo.conf`). */
export const OFFICIAL_ODOO_RC = "/etc/odoo/odoo.conf";

/** `${A:=${B:=...}}`: the first set, non-empty variable of the chain, else the default. */
function firstSet(e: Readonly<Record<string, string>>, names: readonly string[], fallback: string) {
    for (const n of names) {
        const v = e[n];
        if (v !== undefined && v !== "") return v;
    }
    return fallback;
}

/**
 * What the official image's entrypoint hands Odoo for `odoo <args>` (odoo/docker 18.0
 * entrypoint.sh, 65242a59): the arguments, then `--db_host`, `--db_port`, `--db_user`,
 * `--db_password` from HOST/PORT/USER/PASSWORD (and their fallbacks) unless `$ODOO_RC` has a line
 * `<param> =`. The appended values come last, so they win over the same options in `<args>`.
 */
export function officialEntrypointArgs(
    args: readonly string[],
    environment: Readonly<Record<string, string>>,
    odooRc: string,
): string[] {
    if (args[0] === "scaffold") return [...args];
    const values: [string, string][] = [
        ["db_host", firstSet(environment, ["HOST", "DB_PORT_5432_TCP_ADDR", "PGHOST"], "db")],
        ["db_port", firstSet(environment, ["PORT", "DB_PORT_5432_TCP_PORT", "PGPORT"], "5432")],
        [
            "db_user",
            firstSet(
                environment,
                ["USER", "DB_ENV_POSTGRES_USER", "POSTGRES_USER", "PGUSER"],
                "odoo",
            ),
        ],
        [
            "db_password",
            firstSet(
                environment,
                ["PASSWORD", "DB_ENV_POSTGRES_PASSWORD", "POSTGRES_PASSWORD", "PGPASSWORD"],
                "odoo",
            ),
        ],
    ];
    const out = [...args];
    for (const [param, value] of values) {
        if (!new RegExp(`^\\s*\\b${param}\\b\\s*=`, "m").test(odooRc))
            out.push(`--${param}`, value);
    }
    return out;
}

/** One Odoo process of the plan, container or App Platform component, read alike. */
export interface OdooProcess {
    /** `Odoo container` or `Odoo <role> component`. */
    readonly what: string;
    readonly name: string;
    /** The App Platform role (web, cron, upgrade); undefined for a container. */
    readonly role?: string;
    /** The image reference, where the plan names it. */
    readonly image?: string;
    /** The environment, last value of a repeated name winning. */
    readonly env: Readonly<Record<string, string>>;
    readonly config: OdooConfig;
}

/**
 * The database hosts an Odoo process connects to: a `postgresql://` URI given as the database
 * carries its own; else `db_host` (and `db_replica_host` when set, for read-only cursors), and
 * where one is empty, libpq's PGHOST: Odoo passes no host to psycopg2 then (odoo/sql_db.py,
 * connection_info_for).
 */
export function databaseHosts(p: OdooProcess): string[] {
    const db = p.config.value("db_name");
    if (typeof db === "string" && /^postgres(ql)?:\/\//.test(db)) {
        const m = /^postgres(?:ql)?:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/?]*)/.exec(db);
        return m === null || m[1] === "" ? [] : [m[1]];
    }
    const libpq = (p.env["PGHOST"] ?? "").split(",").filter((h) => h !== "");
    const host = (v: OdooValue | undefined) => (truthy(v) ? [String(v)] : libpq);
    // The read-only pool exists only when db_replica_host is set at all (odoo/modules/registry.py).
    const replica = p.config.value("db_replica_host");
    const hosts = [
        ...host(p.config.value("db_host")),
        ...(replica === false || replica === undefined ? [] : host(replica)),
    ];
    return [...new Set(hosts)];
}

/** The files a container is given, by path; a path uploaded twice keeps the last content. */
function uploadsOf(c: ContainerProps): Record<string, string> {
    const out: Record<string, string> = {};
    for (const u of c.uploads ?? []) {
        if (typeof u?.file === "string")
            out[u.file] = typeof u.content === "string" ? u.content : "";
    }
    return out;
}

/**
 * A container's Odoo as it runs: through the official image's entrypoint (both the official
 * image and the platform's build keep it) unless the container sets its own entrypoint.
 */
export function containerOdoo(c: ContainerProps, image?: string): OdooProcess | undefined {
    const own = (c.entrypoints ?? []).length > 0;
    const full = own ? [...(c.entrypoints ?? []), ...(c.command ?? [])] : (c.command ?? []);
    if (full[0] !== "odoo") return undefined;
    const environment = { ODOO_RC: OFFICIAL_ODOO_RC, ...envOf(c.envs) };
    const files = uploadsOf(c);
    const args = full.slice(1);
    const argv = own
        ? args
        : officialEntrypointArgs(args, environment, files[environment.ODOO_RC] ?? "");
    return {
        what: "Odoo container",
        name: c.name ?? "",
        image,
        env: environment,
        config: odooConfig(argv, environment, files),
    };
}

export interface FirewallRule {
    protocol?: string;
    portRange?: string;
    sourceAddresses?: string[];
    destinationAddresses?: string[];
}

/**
 * Whether a rule's port range covers the port: no range, "all" or "0" is every port; a range
 * written backwards covers the ports between its ends; a range the pack cannot read covers every
 * port, so that a spelling never makes a rule look narrower than it is.
 */
export function coversPort(rule: FirewallRule, port: number): boolean {
    const range = (rule.portRange ?? "").trim();
    if (range === "" || range === "all" || range === "0") return true;
    const m = /^(\d+)\s*(?:-\s*(\d+))?$/.exec(range);
    if (m === null) return true;
    const [a, b] = [Number(m[1]), Number(m[2] ?? m[1])];
    return port >= Math.min(a, b) && port <= Math.max(a, b);
}

/**
 * What a list of firewall addresses reaches, judged by the addresses the ranges cover: the
 * families whose whole public space they reach together, the entries that take part in it (those
 * with a public address of such a family), and the entries that are no address at all.
 */
export function worldReach(addresses: readonly string[]): {
    families: (4 | 6)[];
    reaching: string[];
    unreadable: string[];
} {
    const parsed = addresses.map((a) => ({ a, c: parseRange(a) }));
    const ranges = parsed.flatMap(({ c }) => (c === undefined ? [] : [c]));
    const families = reachesWorld(ranges);
    const reaching = parsed
        .filter(({ c }) => c !== undefined && families.includes(c.family))
        .filter(
            ({ c }) =>
                !NON_PUBLIC.some(
                    (n) => n.family === c?.family && n.first <= c.first && c.last <= n.last,
                ),
        )
        .map(({ a }) => a);
    return {
        families,
        reaching,
        unreadable: parsed.filter(({ c }) => c === undefined).map(({ a }) => a),
    };
}

/** "the whole IPv4 internet", "the whole IPv6 internet", or both. */
export function wholeInternet(families: readonly (4 | 6)[]): string {
    return families.length === 2
        ? "the whole internet, IPv4 and IPv6"
        : `the whole IPv${families[0]} internet`;
}

/** Whether a rule is TCP, however its protocol is spelled. */
export function isTcp(rule: FirewallRule): boolean {
    return (rule.protocol ?? "").trim().toLowerCase() === "tcp";
}

/**
 * Where the official `odoo` image keeps Odoo's core addons (the program's CORE_ADDONS_PATH, held
 * equal by a test): the only addons path that image starts with.
 */
export const CORE_ADDONS_PATH = "/usr/lib/python3/dist-packages/odoo/addons";

const OFFICIAL_IMAGE =
    /^(?:(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\/)?(?:library\/)?odoo(?::[A-Za-z0-9_.-]+)?(?:@sha256:[0-9a-f]{64})?$/;

/** Whether an image reference names Docker's official Odoo image (by tag or digest). */
export function isOfficialImage(image: string): boolean {
    return OFFICIAL_IMAGE.test(image);
}

/** The canonical addons path shipped with the repository, used when no policy config gives one. */
export function repositoryAddonsPath(): string[] | undefined {
    const file = path.join(__dirname, "..", "stacks", "addons-path.json");
    if (!fs.existsSync(file)) return undefined;
    return JSON.parse(fs.readFileSync(file, "utf8")) as string[];
}

/** The short kind of a resource type: `digitalocean:index/droplet:Droplet` → `Droplet`. */
export function kind(type: string): string {
    return type.split(":").pop() ?? type;
}

/** The entrypoint of the App Platform image; its first argument is the process's role. */
export const APP_ENTRYPOINT = "odoo-platform-entrypoint";

export interface AppImageSpec {
    registryType?: string;
    registry?: string;
    repository?: string;
    tag?: string;
    digest?: string;
}

interface AppComponentProps {
    name?: string;
    kind?: string;
    runCommand?: string;
    instanceCount?: number;
    image?: AppImageSpec;
    envs?: { key?: string; value?: string }[];
}

/** An App Platform image source as an image reference (`ghcr.io/owner/repo@sha256:...`). */
export function appImageRef(i: AppImageSpec | undefined): string | undefined {
    if (i === undefined || i.repository === undefined) return undefined;
    const version = i.digest !== undefined ? `@${i.digest}` : `:${i.tag ?? "latest"}`;
    const host =
        i.registryType === "GHCR"
            ? `ghcr.io/${i.registry ?? ""}/`
            : i.registryType === "DOCR"
              ? `registry.digitalocean.com/${i.registry ?? "<account>"}/`
              : `docker.io/${i.registry ?? "library"}/`;
    return `${host}${i.repository}${version}`;
}

export interface AppProps {
    spec?: {
        envs?: { key?: string; value?: string }[];
        databases?: { clusterName?: string }[];
        domainNames?: { name?: string }[];
        services?: AppComponentProps[];
        workers?: AppComponentProps[];
        jobs?: AppComponentProps[];
    };
}

/** Every component of an app with the list it sits in. */
export function appComponents(props: AppProps) {
    const spec = props.spec ?? {};
    return [
        ...(spec.services ?? []).map((c) => ({ list: "services" as const, ...c })),
        ...(spec.workers ?? []).map((c) => ({ list: "workers" as const, ...c })),
        ...(spec.jobs ?? []).map((c) => ({ list: "jobs" as const, ...c })),
    ];
}

/** Where the platform image's entrypoint writes its odoo.conf (tools/odoo-image). */
const APP_CONF_DIR = "/tmp/odoo-platform";

/**
 * The odoo.conf the platform image's entrypoint writes from the environment, and which env each
 * key comes from (tools/odoo-image/odoo-platform-entrypoint, write_conf): `admin_passwd` from
 * ODOO_ADMIN_PASSWD, `smtp_password` from ODOO_SMTP_PASSWORD when it is not empty.
 */
export const ENTRYPOINT_CONF_ENVS: Readonly<Record<string, string>> = {
    admin_passwd: "ODOO_ADMIN_PASSWD",
    smtp_password: "ODOO_SMTP_PASSWORD",
};

function entrypointConf(environment: Readonly<Record<string, string>>): string {
    const lines = ["[options]"];
    for (const [key, name] of Object.entries(ENTRYPOINT_CONF_ENVS)) {
        const v = environment[name];
        if (v !== undefined && v !== "") lines.push(`${key} = ${v}`);
    }
    return `${lines.join("\n")}\n`;
}

/**
 * The Odoo processes of an App Platform app, read like containers: the run command's options
 * after the role, run by the platform image's entrypoint as `odoo --config=<its odoo.conf>
 * <options>`; the environment is the app's, then the component's (a component's value wins).
 */
export function appOdooProcesses(props: AppProps): AppOdooProcess[] {
    const appEnvs = (props.spec?.envs ?? []).map((e) => `${e.key}=${e.value}`);
    return appComponents(props)
        .map((c) => ({ c, argv: (c.runCommand ?? "").trim().split(/\s+/) }))
        .filter(({ argv }) => argv[0] === APP_ENTRYPOINT)
        .map(({ c, argv }) => {
            const environment = envOf([
                ...appEnvs,
                ...(c.envs ?? []).map((e) => `${e.key}=${e.value}`),
            ]);
            const dir = environment["ODOO_PLATFORM_CONF_DIR"] ?? APP_CONF_DIR;
            const conf = `${dir}/odoo.conf`;
            const role = argv[1] ?? "";
            return {
                what: `Odoo ${role} component`,
                name: c.name ?? "",
                role,
                image: appImageRef(c.image),
                env: environment,
                config: odooConfig(
                    [`--config=${conf}`, ...argv.slice(2)],
                    environment,
                    { [conf]: entrypointConf(environment) },
                    ENTRYPOINT_CONF_ENVS,
                ),
            };
        });
}

export interface AppOdooProcess extends OdooProcess {
    readonly role: string;
}

/** Names of an app's Mailpit services (those configured with MP_ variables). */
export function appMailpits(props: AppProps): string[] {
    return appComponents(props)
        .filter((c) => (c.envs ?? []).some((e) => (e.key ?? "").startsWith("MP_")))
        .map((c) => c.name ?? "");
}

/**
 * The image reference a container runs: the Docker provider gives the container the pulled
 * image's id (`sha256:...`), so the reference is the `name` of the RemoteImage it came from.
 * Undefined while unknown (a preview before the image was pulled).
 */
export function containerImage(r: PolicyResource): string | undefined {
    const source = (r.propertyDependencies["image"] ?? []).find((d) => d.type === T.remoteImage);
    const name = source?.props["name"];
    if (typeof name === "string") return name;
    const image = r.props["image"];
    return typeof image === "string" && !image.startsWith("sha256:") ? image : undefined;
}

/** Every Odoo process of a stack, containers and App Platform components alike. */
export function stackOdooProcesses(
    resources: readonly PolicyResource[],
): { r: PolicyResource; p: OdooProcess }[] {
    return resources.flatMap((r) => {
        if (r.type === T.container) {
            const p = containerOdoo(r.props as ContainerProps, containerImage(r));
            return p === undefined ? [] : [{ r, p }];
        }
        if (r.type === T.app) return appOdooProcesses(r.props as AppProps).map((p) => ({ r, p }));
        return [];
    });
}

/** The Odoo processes of one resource (resource policies see no dependencies, so no image). */
export function resourceOdooProcesses(type: string, props: unknown): OdooProcess[] {
    if (type === T.container) {
        const p = containerOdoo(props as ContainerProps);
        return p === undefined ? [] : [p];
    }
    return type === T.app ? appOdooProcesses(props as AppProps) : [];
}

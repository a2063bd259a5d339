/** Odoo 18.0's options as its configmanager declares them: long and short names, kinds, defaults. */

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

export interface OptionSpec {
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
export const LONG_OF_DEST: Record<string, string> = {};
for (const [long, spec] of Object.entries(ODOO_LONG_OPTIONS)) LONG_OF_DEST[spec.dest] ??= long;

/** The kind of the value each destination holds, for casting odoo.conf values. */
export const KIND_OF_DEST: Record<string, OptionSpec> = {};
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

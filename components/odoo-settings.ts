/**
 * Odoo settings as pure functions: stage settings → command-line flags, environment, and the
 * secret-only odoo.conf. Non-secret options are flags so that `docker inspect`, `pulumi preview`
 * and the policy pack all see exactly what runs; secrets go into the uploaded odoo.conf only.
 */

export type OdooStage = "production" | "staging" | "preview";

/** Where Odoo sends mail: the real server in production, Mailpit everywhere else. */
export interface SmtpTarget {
    readonly host: string;
    readonly port: number;
    readonly user?: string;
    /**
     * `starttls` renders `--smtp-ssl`, which Odoo takes as STARTTLS (its help text: "encrypted
     * with SSL (STARTTLS)"); no flag speaks implicit TLS. @default none
     */
    readonly encryption?: "starttls" | "none";
    readonly from?: string;
}

export interface OdooSettings {
    readonly stage: OdooStage;
    /** The one database this environment serves; `dbfilter` is pinned to it. */
    readonly database: string;
    readonly workers: number;
    readonly maxCronThreads: number;
    readonly addonsPath: readonly string[];
    readonly limitMemorySoftMb: number;
    readonly limitMemoryHardMb: number;
    readonly limitTimeCpu: number;
    readonly limitTimeReal: number;
    readonly smtp: SmtpTarget;
    /** Modules to update at start (`-u`); only for preview environments. */
    readonly updateModules?: readonly string[];
    /**
     * `require` with a managed cluster. Odoo hands every connection its own `db_sslmode`
     * (default `prefer`: plain text if TLS fails), so libpq's PGSSLMODE never reaches it (Odoo 18
     * `sql_db.connection_info_for`); only `--db_sslmode` does.
     */
    readonly dbSslMode?: "require";
}

export const ODOO_HTTP_PORT = 8069;
/** With workers > 0 Odoo serves `/websocket` on the gevent port, which must be routed there. */
export const ODOO_GEVENT_PORT = 8072;
export const ODOO_CONF_PATH = "/etc/odoo/odoo.conf";
export const ODOO_DATA_DIR = "/var/lib/odoo";
/** Port of Mailpit's SMTP listener. */
export const MAILPIT_SMTP_PORT = 1025;

const MB = 1024 * 1024;

/** The container command: `odoo` followed by every non-secret option as a flag. */
export function odooFlags(s: OdooSettings): string[] {
    if (s.stage !== "production" && s.maxCronThreads !== 0) {
        throw new Error(
            `odooMaxCronThreads must be 0 on a ${s.stage} stack, got ${s.maxCronThreads}`,
        );
    }
    const flags = [
        "odoo",
        `--config=${ODOO_CONF_PATH}`,
        `--database=${s.database}`,
        `--db-filter=^${s.database}$`,
        "--no-database-list",
        "--proxy-mode",
        `--workers=${s.workers}`,
        `--max-cron-threads=${s.maxCronThreads}`,
        `--gevent-port=${ODOO_GEVENT_PORT}`,
        `--http-port=${ODOO_HTTP_PORT}`,
        `--addons-path=${s.addonsPath.join(",")}`,
        `--data-dir=${ODOO_DATA_DIR}`,
        `--limit-memory-soft=${s.limitMemorySoftMb * MB}`,
        `--limit-memory-hard=${s.limitMemoryHardMb * MB}`,
        `--limit-time-cpu=${s.limitTimeCpu}`,
        `--limit-time-real=${s.limitTimeReal}`,
        `--smtp=${s.smtp.host}`,
        `--smtp-port=${s.smtp.port}`,
    ];
    if (s.smtp.user !== undefined) flags.push(`--smtp-user=${s.smtp.user}`);
    if (s.smtp.encryption === "starttls") flags.push("--smtp-ssl");
    if (s.smtp.from !== undefined) flags.push(`--email-from=${s.smtp.from}`);
    if (s.dbSslMode !== undefined) flags.push(`--db_sslmode=${s.dbSslMode}`);
    if (s.updateModules !== undefined && s.updateModules.length > 0) {
        flags.push(`--update=${s.updateModules.join(",")}`);
    }
    return flags;
}

/** Non-secret environment of the Odoo container; the database password is added as a secret. */
export function odooEnv(s: OdooSettings, dbHost: string, dbUser: string): string[] {
    return [`HOST=${dbHost}`, "PORT=5432", `USER=${dbUser}`, `ODOO_STAGE=${s.stage}`];
}

function confValue(name: string, value: string): string {
    if (/[\r\n]/.test(value)) {
        throw new Error(`${name} must be a single line: odoo.conf cannot hold a line break`);
    }
    return value;
}

/**
 * The uploaded odoo.conf. It carries only what must not appear in a command line: the master
 * password (`admin_passwd`, required everywhere) and, in production, the SMTP password.
 */
export function renderOdooConf(secrets: { adminPassword: string; smtpPassword?: string }): string {
    if (secrets.adminPassword.length === 0) {
        throw new Error(
            "adminPassword must not be empty: an empty admin_passwd opens /web/database",
        );
    }
    const lines = [
        "[options]",
        `admin_passwd = ${confValue("adminPassword", secrets.adminPassword)}`,
    ];
    if (secrets.smtpPassword !== undefined) {
        lines.push(`smtp_password = ${confValue("smtpPassword", secrets.smtpPassword)}`);
    }
    return lines.join("\n") + "\n";
}

/** Reads back a flag's value from a rendered command (`--name=value`), as the policy pack does. */
export function flagValue(command: readonly string[], name: string): string | undefined {
    const prefix = `--${name}=`;
    const hit = command.find((c) => c.startsWith(prefix));
    return hit === undefined ? undefined : hit.slice(prefix.length);
}

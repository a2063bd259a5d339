/**
 * The App Platform runtime as pure functions: the Odoo processes (web, cron, upgrade job) as run
 * commands of the image's `odoo-platform-entrypoint`, their environment, their health checks and
 * the ingress. Same stage settings as the droplet runtime (`odooFlags`); no secret is ever part of
 * a run command or a GENERAL env.
 */
import { MAILPIT_SMTP_PORT, ODOO_HTTP_PORT, OdooSettings, odooFlags } from "./odoo-settings";

/** The entrypoint script every image of the platform's build carries (tools/odoo-image/). */
export const APP_ENTRYPOINT = "odoo-platform-entrypoint";

/** Component names: also their host names on the app's private network. */
export const APP_COMPONENTS = {
    web: "web",
    cron: "cron",
    upgrade: "upgrade",
    mailpit: "mailpit",
    /** Production's off-site backup worker (odoo-platform-entrypoint backup). */
    backup: "backup",
    db: "db",
} as const;

export type AppRole = "web" | "cron" | "upgrade";

/** Odoo major version as configured (`odooVersion`), e.g. "18.0". */
export type OdooVersion = string;

const major = (v: OdooVersion) => Number(v.split(".")[0]);

/**
 * Server-wide modules: Odoo's own defaults (`base,web`; 19 adds `rpc`, which `--load` would
 * otherwise drop, and with it XML-RPC and JSON-RPC) and the Redis session store.
 */
export function serverWideModules(version: OdooVersion): string[] {
    return ["base", ...(major(version) >= 19 ? ["rpc"] : []), "web", "session_redis"];
}

/**
 * Where attachments live on App Platform: in the database. An instance's disk does not outlive a
 * deploy, and no maintained module stores Odoo 17-19 attachments in S3 (camptocamp's
 * attachment_s3 stops at 15.0; its maintainers point to OCA/storage).
 */
export const APP_ATTACHMENT_LOCATION = "db";

/**
 * Health checks of the web component. Readiness asks for the login page: it renders only when
 * the registry and every server-wide module loaded (observed on Odoo 18: with a `--load` module
 * that cannot be imported `/web/health` answers 200 and `/web/login` 500). Liveness asks
 * `/web/health`, which answers while the process serves at all: a broken deploy is kept from
 * traffic, not restarted in a loop.
 */
export const APP_HEALTH = {
    readiness: { httpPath: "/web/login", port: ODOO_HTTP_PORT },
    liveness: { httpPath: "/web/health", port: ODOO_HTTP_PORT },
} as const;

/**
 * Flags each role sets itself, and `--db-filter`: with `--database` alone Odoo serves exactly that
 * database without listing the server's, so the pin is the same.
 */
const DROP = new Set([
    "--update",
    "--workers",
    "--max-cron-threads",
    "--http-port",
    "--gevent-port",
    "--db-filter",
    "--config",
]);

/** The droplet runtime's flags as the entrypoint takes them: no `odoo`, no flag a role sets. */
function entrypointFlags(s: OdooSettings): string[] {
    return odooFlags(s)
        .slice(1) // "odoo"
        .filter((f) => !DROP.has(f.split("=")[0]));
}

/** Demo data: 17 and 18 load it unless told not to; 19 loads it only when asked (no such flag). */
const withoutDemo = (version: OdooVersion) => (major(version) < 19 ? ["--without-demo=all"] : []);

/**
 * The droplet runtime's one-shot first start (`OdooContainers`): the entrypoint's `init` role
 * with the stack's flags; it initializes an empty database with base and no demo data, and sets
 * the admin login's password, or does nothing when the database already holds an Odoo.
 */
export function initRunCommand(s: OdooSettings, version: OdooVersion): string[] {
    return [
        APP_ENTRYPOINT,
        "init",
        ...entrypointFlags(s),
        "--workers=0",
        "--max-cron-threads=0",
        "--no-http",
        ...withoutDemo(version),
        "--stop-after-init",
    ];
}

/**
 * The run command of one Odoo process. Every role starts from the droplet runtime's flags (stage,
 * database, addons path, limits, mail) and differs only where its job does:
 * - web: the threaded server, HTTP and `/websocket` on 8069, no crons. App Platform routes a
 *   component to one port, and the prefork server starts a gevent process for `/websocket` on
 *   another port beside its workers whenever it serves HTTP (Odoo 18 `PreforkServer`); threaded,
 *   one process serves both, and instances, not workers, scale it out;
 * - cron: no HTTP, the stage's cron threads; the only process that runs crons;
 * - upgrade: the PRE_DEPLOY job, `--update` of the release's modules (or the first deploy's
 *   initialization), `--stop-after-init`.
 */
export function appRunCommand(
    role: AppRole,
    s: OdooSettings,
    version: OdooVersion,
    webMaxConn?: number,
): string[] {
    const base = entrypointFlags(s);
    const load = `--load=${serverWideModules(version).join(",")}`;
    const byRole: Record<AppRole, string[]> = {
        web: [
            "--workers=0",
            "--max-cron-threads=0",
            `--http-port=${ODOO_HTTP_PORT}`,
            ...(webMaxConn === undefined ? [] : [`--db_maxconn=${webMaxConn}`]),
        ],
        cron: ["--workers=0", `--max-cron-threads=${s.maxCronThreads}`, "--no-http"],
        upgrade: [
            "--workers=0",
            "--max-cron-threads=0",
            "--no-http",
            // Exactly the modules whose version changed (the release's plan), never all of them.
            ...(s.updateModules !== undefined && s.updateModules.length > 0
                ? [`--update=${s.updateModules.join(",")}`]
                : []),
            // The entrypoint initializes the empty database of a first deploy: without demo data.
            ...withoutDemo(version),
            "--stop-after-init",
        ],
    };
    return [APP_ENTRYPOINT, role, ...base, load, ...byRole[role]];
}

/** A run command as App Platform stores it: one line; the arguments hold no blanks or quotes. */
export function commandLine(argv: readonly string[]): string {
    for (const a of argv) {
        if (!/^[A-Za-z0-9_./:=,^$@+-]+$/.test(a)) {
            throw new Error(
                `run command argument ${JSON.stringify(a)} needs quoting; keep it plain`,
            );
        }
    }
    return argv.join(" ");
}

export interface AppEnv<V = string> {
    readonly key: string;
    readonly value: V;
    readonly scope: "RUN_TIME";
    readonly type: "GENERAL" | "SECRET";
}

export const general = <V = string>(key: string, value: V): AppEnv<V> => ({
    key,
    value,
    scope: "RUN_TIME",
    type: "GENERAL",
});

/**
 * PostgreSQL connection of a process as libpq variables. The values are App Platform bindable
 * variables of the attached cluster (`${db.PASSWORD}`), resolved when the container starts: the
 * password never appears in the spec, so it cannot cause the encrypted-secret diff. Every process
 * connects directly: Odoo's bus and cron threads LISTEN on the `postgres` database.
 */
export function databaseEnv(database: string): AppEnv[] {
    const db = APP_COMPONENTS.db;
    return [
        general("PGHOST", `\${${db}.HOSTNAME}`),
        general("PGPORT", `\${${db}.PORT}`),
        general("PGUSER", `\${${db}.USERNAME}`),
        general("PGPASSWORD", `\${${db}.PASSWORD}`),
        general("PGDATABASE", database),
        general("PGSSLMODE", "require"),
    ];
}

/** Connections each web instance may hold at least; fewer and requests queue for one. */
export const MIN_WEB_CONNECTIONS = 8;

/**
 * Connections one web instance may open (`--db_maxconn`): the cluster's backend connections,
 * less what the cron worker (its threads and two) and the upgrade job (four) hold, shared by the
 * instances. Odoo's own default, 64 per process, would let a few instances exhaust the cluster.
 */
export function webMaxConnections(o: {
    connectionLimit: number;
    instances: number;
    cronThreads: number;
}): number {
    const others = (o.cronThreads > 0 ? o.cronThreads + 2 : 0) + 4;
    return Math.floor((o.connectionLimit - others) / o.instances);
}

/**
 * App-level environment, seen by every component (Mailpit included), so never a secret: the
 * stage, where attachments live, and the session store switch.
 */
export function appLevelEnv(stage: string): AppEnv[] {
    return [
        general("ODOO_STAGE", stage),
        general("ODOO_ATTACHMENT_LOCATION", APP_ATTACHMENT_LOCATION),
        general("ODOO_SESSION_REDIS", "1"),
        general("ODOO_SESSION_REDIS_PREFIX", stage),
    ];
}

/** App Platform region of a DigitalOcean datacenter: `fra1` → `fra`. */
export function appRegion(region: string): string {
    return region.replace(/\d+$/, "");
}

export interface ImageSource<S = string> {
    readonly registryType: "DOCR" | "GHCR" | "DOCKER_HUB";
    readonly registry?: string;
    readonly repository: string;
    readonly tag?: string;
    readonly digest?: string;
    /** `<user>:<token>` for a private GHCR or Docker Hub image (DOCR needs none). */
    readonly registryCredentials?: S;
}

/** An image reference as App Platform's image source: registry type, registry, repository, tag or digest. */
export function imageSource(ref: string): ImageSource {
    const at = ref.indexOf("@");
    const digest = at >= 0 ? ref.slice(at + 1) : undefined;
    const name = at >= 0 ? ref.slice(0, at) : ref;
    const colon = name.lastIndexOf(":");
    const tagged = colon > name.lastIndexOf("/");
    const tag = tagged ? name.slice(colon + 1) : undefined;
    const path = (tagged ? name.slice(0, colon) : name).split("/");
    const version = digest ? { digest } : { tag: tag ?? "latest" };
    if (path[0] === "registry.digitalocean.com") {
        // DOCR: the registry is implied by the account; the repository follows the registry name.
        return { registryType: "DOCR", repository: path.slice(2).join("/"), ...version };
    }
    if (path[0] === "ghcr.io") {
        return {
            registryType: "GHCR",
            registry: path[1],
            repository: path.slice(2).join("/"),
            ...version,
        };
    }
    const hub = path[0] === "docker.io" ? path.slice(1) : path;
    const [registry, repository] =
        hub.length === 1 ? ["library", hub[0]] : [hub[0], hub.slice(1).join("/")];
    return { registryType: "DOCKER_HUB", registry, repository, ...version };
}

/** Mail target of an App Platform stack outside production: the app's own Mailpit service. */
export function appMailpitSmtp() {
    return { host: APP_COMPONENTS.mailpit, port: MAILPIT_SMTP_PORT };
}

export interface IngressRule {
    readonly component: { name: string; preservePathPrefix?: boolean };
    readonly match: { authority?: { exact: string }; path: { prefix: string } };
}

/**
 * Routes, most specific first: the Mailpit UI by host name (non-production), everything else of
 * Odoo's host, `/websocket` included, to the web service with its path kept (App Platform strips a
 * matched prefix unless told not to).
 */
export function ingressRules(odooHost: string, mailpitHost?: string): IngressRule[] {
    const rules: IngressRule[] = [];
    if (mailpitHost !== undefined) {
        rules.push({
            component: { name: APP_COMPONENTS.mailpit },
            match: { authority: { exact: mailpitHost }, path: { prefix: "/" } },
        });
    }
    rules.push({
        component: { name: APP_COMPONENTS.web, preservePathPrefix: true },
        match: { authority: { exact: odooHost }, path: { prefix: "/" } },
    });
    return rules;
}

/**
 * Runs a real Odoo with exactly the container command and environment the project renders: from
 * a source tree, with the image's paths mapped to local folders and the image's entrypoint
 * reproduced, or from the official image with `docker run` and the command unchanged. Every
 * difference from the container is a named Rewrite, so that a report can list it.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import {
    ODOO_CONF_PATH,
    ODOO_DATA_DIR,
    ODOO_GEVENT_PORT,
    ODOO_HTTP_PORT,
    renderOdooConf,
} from "../../components/odoo-settings";
import { APP_ENTRYPOINT } from "../../components/app-spec";
import { IMAGE_SOURCE_ROOT } from "../../stacks/addons";
import { PgServer, psql, startPostgres } from "../doubles/pg";
import { entrypointExec, envOf } from "./entrypoint";
import { RealOdoo } from "./real-odoo";

/**
 * Core addons in the official image: its Dockerfile (odoo/docker, 18.0/Dockerfile) installs
 * Odoo's nightly .deb, whose Python package lives in python3's dist-packages.
 */
export const IMAGE_CORE_ADDONS = "/usr/lib/python3/dist-packages/odoo/addons";
/** The image's folder for extra addons (Dockerfile: `mkdir -p /mnt/extra-addons`, a VOLUME). */
export const IMAGE_EXTRA_ADDONS = "/mnt/extra-addons";
/**
 * The team's Odoo repository that stands in for what the platform's build copies into the image
 * at IMAGE_SOURCE_ROOT: the example repository, or ODOO_REPOSITORY.
 */
export const ODOO_REPOSITORY = path.resolve(
    process.env.ODOO_REPOSITORY ?? path.join(__dirname, "..", "..", "examples", "odoo-repository"),
);
/** The scripts every image of the platform's build carries (tools/odoo-image/), by name. */
const IMAGE_TOOLS = path.join(__dirname, "..", "..", "tools", "odoo-image");
export const PLATFORM_SCRIPTS = [APP_ENTRYPOINT, "odoo-platform-test"] as const;
/** Where image mode mounts the local cluster's socket folder. */
const IMAGE_PG_SOCKETS = "/run/postgresql-contract";
/** The login role Odoo connects as: Odoo refuses the `postgres` superuser. */
export const DB_ROLE = "odoo";

/** One way the local run differs from the container, with the reason. */
export interface Rewrite {
    readonly what: string;
    readonly container: string;
    readonly local: string;
    readonly why: string;
}

export interface OdooProcess {
    /** `http://127.0.0.1:<port>` of the HTTP port. */
    readonly baseUrl: string;
    /** `http://127.0.0.1:<port>` of the gevent (websocket) port. */
    readonly geventUrl: string;
    /** Host pid of the Odoo server process (the prefork master with workers > 0). */
    readonly pid: number;
    /** The command that ran: the local argv, or `docker run ...`. */
    readonly argv: readonly string[];
    readonly rewrites: readonly Rewrite[];
    /** Everything Odoo wrote to stdout and stderr so far. */
    log(): string;
    /** Exit status once the process has ended. */
    exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
    stop(): Promise<void>;
}

export interface HttpAnswer {
    readonly status: number;
    readonly headers: http.IncomingHttpHeaders;
    readonly body: string;
}

/** A GET with a timeout; the answer whatever its status. */
export function get(
    url: string,
    headers: Record<string, string> = {},
    timeoutMs = 30_000,
): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
        const req = http.get(url, { headers, timeout: timeoutMs }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () =>
                resolve({
                    status: res.statusCode ?? 0,
                    headers: res.headers,
                    body: Buffer.concat(chunks).toString("utf8"),
                }),
            );
            res.on("error", reject);
        });
        req.on("timeout", () => req.destroy(new Error(`GET ${url}: no answer in ${timeoutMs} ms`)));
        req.on("error", reject);
    });
}

export interface UpgradeAnswer {
    readonly status: number;
    readonly headers: Record<string, string>;
    /** For 101: whether Sec-WebSocket-Accept is the one RFC 6455 derives from our key. */
    readonly acceptMatches: boolean;
    /** The body of a refusal (as much as arrived), empty for 101. */
    readonly body: string;
}

/**
 * A raw HTTP/1.1 websocket handshake (`GET /websocket` with Upgrade headers) over a plain socket;
 * resolves with the status line's code once the headers (and a refusal's body) have arrived.
 * `origin: null` leaves the Origin header out.
 */
export function websocketUpgrade(
    url: string,
    opts: { origin?: string | null; timeoutMs?: number } = {},
): Promise<UpgradeAnswer> {
    const u = new URL(url);
    const key = crypto.randomBytes(16).toString("base64");
    const origin = opts.origin === undefined ? `${u.protocol}//${u.host}` : opts.origin;
    const lines = [
        `GET ${u.pathname}${u.search} HTTP/1.1`,
        `Host: ${u.host}`,
        "Upgrade: websocket",
        "Connection: Upgrade",
        `Sec-WebSocket-Key: ${key}`,
        "Sec-WebSocket-Version: 13",
        ...(origin === null ? [] : [`Origin: ${origin}`]),
    ];
    const expected = crypto
        .createHash("sha1")
        .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest("base64");
    return new Promise((resolve, reject) => {
        const socket = net.connect(Number(u.port), u.hostname);
        let buf = Buffer.alloc(0);
        let done = false;
        const finish = (err: Error | undefined, answer?: UpgradeAnswer) => {
            if (done) return;
            done = true;
            socket.destroy();
            if (err) reject(err);
            else resolve(answer as UpgradeAnswer);
        };
        const parse = (final: boolean) => {
            const end = buf.indexOf("\r\n\r\n");
            if (end < 0) {
                if (final) finish(new Error(`${url}: connection closed before the headers`));
                return;
            }
            const [statusLine, ...rest] = buf.subarray(0, end).toString("latin1").split("\r\n");
            const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? NaN);
            const headers: Record<string, string> = {};
            for (const h of rest) {
                const i = h.indexOf(":");
                headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
            }
            const body = buf.subarray(end + 4);
            const length = Number(headers["content-length"] ?? NaN);
            if (status !== 101 && !final && !(body.length >= length)) return;
            finish(undefined, {
                status,
                headers,
                acceptMatches: headers["sec-websocket-accept"] === expected,
                body: status === 101 ? "" : body.toString("utf8"),
            });
        };
        socket.setTimeout(opts.timeoutMs ?? 30_000, () =>
            finish(new Error(`${url}: no handshake answer in time`)),
        );
        socket.on("connect", () => socket.write(lines.join("\r\n") + "\r\n\r\n"));
        socket.on("data", (d: Buffer) => {
            buf = Buffer.concat([buf, d]);
            parse(false);
        });
        socket.on("end", () => parse(true));
        socket.on("error", (e) => finish(e));
    });
}

/** Memory of a process from /proc/<pid>/status, in kB. */
export function procMemory(pid: number): { vmSizeKb: number; vmRssKb: number } {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (name: string) => {
        const m = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
        if (m === null) throw new Error(`/proc/${pid}/status has no ${name}`);
        return Number(m[1]);
    };
    return { vmSizeKb: kb("VmSize"), vmRssKb: kb("VmRSS") };
}

export type ChildRole = "http" | "cron" | "gevent" | "unknown";

export interface ChildProcessInfo {
    readonly pid: number;
    /** The pid as Odoo logs it (inside a container's pid namespace: `NSpid`'s last value). */
    readonly odooPid: number;
    readonly cmdline: readonly string[];
    readonly role: ChildRole;
}

/**
 * Roles by pid, from Odoo's own log lines (Odoo 18, odoo/service/server.py): a prefork worker
 * logs `Worker WorkerHTTP (<pid>) alive` / `Worker WorkerCron (<pid>) alive` when it starts; the
 * gevent process logs `Evented Service (longpolling) running on ...` with its pid in the line's
 * pid field (log format `%(asctime)s %(pid)s %(levelname)s ...`). Process titles are no help:
 * without python3-setproctitle every fork keeps the master's command line.
 */
export function rolesFromLog(log: string): Map<number, ChildRole> {
    const roles = new Map<number, ChildRole>();
    const line = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (\d+) \w+ \S+ odoo\.service\.server: (.*)$/gm;
    for (const m of log.matchAll(line)) {
        const worker = /^Worker (WorkerHTTP|WorkerCron) \((\d+)\) alive/.exec(m[2]);
        if (worker !== null) {
            roles.set(Number(worker[2]), worker[1] === "WorkerCron" ? "cron" : "http");
        } else if (m[2].startsWith("Evented Service (longpolling) running on")) {
            roles.set(Number(m[1]), "gevent");
        }
    }
    return roles;
}

/** Direct children of a process, from /proc, with their role in Odoo's log. */
export function childrenOf(pid: number, log: string): ChildProcessInfo[] {
    const roles = rolesFromLog(log);
    const out: ChildProcessInfo[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        let stat: string;
        let status: string;
        let cmdline: string[];
        try {
            stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            status = fs.readFileSync(`/proc/${entry}/status`, "utf8");
            cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
        } catch {
            continue; // ended while we looked
        }
        // Field 4 of stat, after the command name in parentheses (which may hold blanks).
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        if (ppid !== pid) continue;
        const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1].trim().split(/\s+/) ?? [entry];
        const odooPid = Number(nspid[nspid.length - 1]);
        if (cmdline[cmdline.length - 1] === "") cmdline.pop();
        out.push({ pid: Number(entry), odooPid, cmdline, role: roles.get(odooPid) ?? "unknown" });
    }
    return out.sort((a, b) => a.pid - b.pid);
}

/**
 * The children of a started Odoo once they have settled: every child has announced its role in
 * the log and the set has not changed for a second (workers log `alive` right after the fork).
 */
export async function settledChildren(
    odoo: OdooProcess,
    timeoutMs = 60_000,
): Promise<ChildProcessInfo[]> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    let since = Date.now();
    for (;;) {
        const children = childrenOf(odoo.pid, odoo.log());
        const key = children.map((c) => `${c.pid}:${c.role}`).join(",");
        if (key !== last) {
            last = key;
            since = Date.now();
        } else if (Date.now() - since >= 1_000 && children.every((c) => c.role !== "unknown")) {
            return children;
        }
        if (Date.now() > deadline) {
            throw new Error(`Odoo's processes did not settle: ${key}\n${tail(odoo.log())}`);
        }
        await sleep(250);
    }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether a promise settles within a time; the timer never outlives it. */
async function endsWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    try {
        return await Promise.race([promise.then(() => true as const), late]);
    } finally {
        clearTimeout(timer);
    }
}

/** The last lines of a log, for failure messages. */
export function tail(log: string, lines = 40): string {
    return log.trimEnd().split("\n").slice(-lines).join("\n");
}

/** Whether a GET answers 200 (false while nothing listens yet). */
async function answers200(url: string): Promise<boolean> {
    try {
        return (await get(url, {}, 5_000)).status === 200;
    } catch {
        return false;
    }
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
    });
}

/** `--name=value` → [name, value]; anything else → undefined. */
function splitFlag(arg: string): [string, string] | undefined {
    const m = /^--([^=]+)=(.*)$/s.exec(arg);
    return m === null ? undefined : [m[1], m[2]];
}

interface Launch {
    readonly argv: string[];
    readonly env: NodeJS.ProcessEnv;
    readonly rewrites: Rewrite[];
    readonly httpPort: number;
    readonly geventPort: number;
    /** Image mode: the container's name. */
    readonly container?: string;
}

/** Odoo's JSON-RPC login as `admin`: the user id, or the name of the error Odoo answered. */
export async function login(
    baseUrl: string,
    db: string,
    password: string,
): Promise<number | string> {
    const r = await fetch(`${baseUrl}/web/session/authenticate`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
            jsonrpc: "2.0",
            method: "call",
            params: { db, login: "admin", password },
        }),
    });
    const body = (await r.json()) as {
        result?: { uid?: number };
        error?: { data?: { name?: string } };
    };
    return body.result?.uid ?? body.error?.data?.name ?? JSON.stringify(body);
}

export class OdooRunner {
    readonly extraAddons: string;
    readonly dataDir: string;
    private readonly dir: string;
    private readonly running = new Set<{ kill(): void }>();
    private readonly usedPorts = new Set<number>();
    private serial = 0;
    private closed = false;
    private template?: Promise<string>;

    private constructor(
        readonly real: RealOdoo,
        readonly pg: PgServer,
    ) {
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-contract-"));
        this.extraAddons = path.join(this.dir, "extra-addons");
        this.dataDir = path.join(this.dir, "data");
        fs.mkdirSync(this.extraAddons);
        fs.mkdirSync(this.dataDir);
        if (real.kind === "image") {
            // The image runs Odoo as its own `odoo` user: it must write the data folder.
            fs.chmodSync(this.dataDir, 0o777);
            fs.chmodSync(this.dir, 0o755);
        }
    }

    /** A PostgreSQL cluster (test/doubles/pg.ts), the `odoo` login role, and the folders. */
    static create(real: RealOdoo): OdooRunner {
        const pg = startPostgres();
        try {
            psql(
                pg.env,
                "postgres",
                `DO $$ BEGIN
                   IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${DB_ROLE}') THEN
                     -- As in the database container: the official postgres image makes
                     -- POSTGRES_USER a superuser, and the platform sets POSTGRES_USER=odoo.
                     CREATE ROLE ${DB_ROLE} LOGIN SUPERUSER;
                   END IF;
                 END $$;`,
            );
            const runner = new OdooRunner(real, pg);
            if (real.kind === "image" && (pg.env.PGHOST ?? "").startsWith("/")) {
                // The container reaches the cluster through its socket folder, mounted.
                fs.chmodSync(pg.env.PGHOST as string, 0o755);
            }
            return runner;
        } catch (e) {
            pg.stop();
            throw e;
        }
    }

    /** The database connection as the container sees it, as the entrypoint's env variables. */
    dbEnv(): string[] {
        const host = this.pg.env.PGHOST ?? "localhost";
        const containerHost =
            this.real.kind === "image" && host.startsWith("/") ? IMAGE_PG_SOCKETS : host;
        return [
            `HOST=${containerHost}`,
            `PORT=${this.pg.env.PGPORT ?? "5432"}`,
            `USER=${DB_ROLE}`,
            // Unused by the cluster (trust authentication), passed on like any password.
            `PASSWORD=${DB_ROLE}`,
        ];
    }

    /**
     * Turns a container command, its env items and its odoo.conf into what runs here. The only
     * rewrites, each recorded: the image's paths (see PATHS), the database connection, the
     * ports, and the HTTP interface. The addons path is passed on as rendered: Odoo itself
     * refuses an entry that is missing or holds no module.
     */
    private async launch(
        command: readonly string[],
        envItems: readonly string[],
        conf: string,
        opts: { repository?: string; ownRole?: boolean } = {},
    ): Promise<Launch> {
        const repository = opts.repository ?? ODOO_REPOSITORY;
        const n = ++this.serial;
        const rewrites: Rewrite[] = [];
        const confFile = path.join(this.dir, `odoo-${n}.conf`);
        fs.writeFileSync(confFile, conf, { mode: 0o644 });
        const image = this.real.kind === "image";
        const source = this.real.kind === "source" ? this.real.source : undefined;

        /**
         * The image's paths and their local stand-ins; nothing else in a flag is rewritten.
         * In image mode the last three are mounted at the image's own paths instead.
         */
        const PATHS: { image: string; local: string; why: string }[] = [
            // odoo/docker 18.0/Dockerfile installs Odoo's nightly .deb, which puts the `odoo`
            // package (core addons in odoo/addons) in python3's dist-packages; a nightly source
            // tree holds the same package at its root (a git checkout keeps most addons in
            // addons/ instead).
            {
                image: IMAGE_CORE_ADDONS,
                local: source === undefined ? IMAGE_CORE_ADDONS : path.join(source, "odoo/addons"),
                why: "core addons: the image's python3 dist-packages (odoo/docker Dockerfile, Odoo's .deb); a source tree's odoo/addons",
            },
            // The platform's build copies the team's repository there (build/Dockerfile); the
            // repository itself stands in for it.
            {
                image: IMAGE_SOURCE_ROOT,
                local: repository,
                why: "the team's repository, which the platform's build copies into the image",
            },
            // odoo/docker 18.0/Dockerfile: `mkdir -p /mnt/extra-addons`, VOLUME; shipped empty.
            {
                image: IMAGE_EXTRA_ADDONS,
                local: this.extraAddons,
                why: "extra addons: a VOLUME the image ships empty (odoo/docker Dockerfile); an empty temporary folder here",
            },
            // odoo/docker 18.0/Dockerfile: ENV ODOO_RC=/etc/odoo/odoo.conf; the project uploads
            // renderOdooConf's output there (OdooContainers, PreviewEnvironment).
            {
                image: ODOO_CONF_PATH,
                local: confFile,
                why: "the odoo.conf the project uploads (renderOdooConf); a temporary file with the same content",
            },
            // odoo/docker 18.0/Dockerfile: VOLUME /var/lib/odoo (filestore, sessions); the
            // project bind-mounts its data folder there and passes --data-dir.
            {
                image: ODOO_DATA_DIR,
                local: this.dataDir,
                why: "data dir: the image's VOLUME, the project's bind mount; a temporary folder",
            },
        ];
        const localPath = (p: string) => {
            for (const m of PATHS) {
                if (p === m.image || p.startsWith(`${m.image}/`)) {
                    return m.local + p.slice(m.image.length);
                }
            }
            return p;
        };
        // In image mode the container sees its own paths: the local folders are mounted there.
        const mapPath = (p: string) => (image ? p : localPath(p));
        if (!image) {
            for (const m of PATHS) {
                rewrites.push({ what: "path", container: m.image, local: m.local, why: m.why });
            }
        }

        // The database: the container's host name and port → the local cluster.
        const env = envOf(envItems);
        const db = envOf(this.dbEnv());
        // A script of the platform's image (the App Platform entrypoint, the test build) rather
        // than Odoo itself: it runs as it is, with Odoo reached through ODOO_BIN.
        const platform = (PLATFORM_SCRIPTS as readonly string[]).includes(command[0]);
        if (platform) this.rewriteLibpq(env, rewrites);
        // With ownRole, Odoo logs in as the role the container names (a preview's own role,
        // which the PR script made in this cluster).
        const keys = ["HOST", "PORT", ...(opts.ownRole ? [] : ["USER"])];
        for (const key of platform ? [] : keys) {
            if (env[key] !== undefined && env[key] !== db[key]) {
                rewrites.push({
                    what: `env ${key}`,
                    container: env[key],
                    local: db[key],
                    why: "the database container → the local PostgreSQL cluster",
                });
                env[key] = db[key];
            }
        }

        let httpPort = ODOO_HTTP_PORT;
        let geventPort = ODOO_GEVENT_PORT;
        const ports = new Map<string, number>();
        const args: string[] = [];
        for (const arg of command) {
            const flag = splitFlag(arg);
            if (flag === undefined) {
                args.push(arg);
                continue;
            }
            const [name, value] = flag;
            if (/^db_(host|port|user|password)$/.test(name)) {
                const local = envOf(this.dbEnv());
                const key =
                    { db_host: "HOST", db_port: "PORT", db_user: "USER" }[name] ?? "PASSWORD";
                args.push(`--${name}=${local[key]}`);
                if (value !== local[key]) {
                    rewrites.push({
                        what: `--${name}`,
                        container: value,
                        local: local[key],
                        why: "the job's PostgreSQL → the local PostgreSQL cluster",
                    });
                }
                continue;
            }
            if (name === "http-port" || name === "gevent-port") {
                if (name === "http-port") httpPort = Number(value);
                else geventPort = Number(value);
                if (image) {
                    args.push(arg);
                } else {
                    const port = await this.port();
                    ports.set(name, port);
                    args.push(`--${name}=${port}`);
                    rewrites.push({
                        what: `--${name}`,
                        container: value,
                        local: String(port),
                        why: "a free local port, so that several Odoos can run",
                    });
                }
                continue;
            }
            args.push(`--${name}=${value.split(",").map(mapPath).join(",")}`);
        }

        if (image) {
            const name = `odoo-contract-${process.pid}-${n}`;
            const hostHttp = await this.port();
            const hostGevent = await this.port();
            ports.set("http-port", hostHttp);
            ports.set("gevent-port", hostGevent);
            rewrites.push({
                what: "published ports",
                container: `${httpPort}, ${geventPort}`,
                local: `127.0.0.1:${hostHttp}, 127.0.0.1:${hostGevent}`,
                why: "free local ports on loopback, so that several Odoos can run",
            });
            const pgHost = this.pg.env.PGHOST ?? "";
            const argv = [
                "docker",
                "run",
                "--rm",
                "--name",
                name,
                "-p",
                `127.0.0.1:${hostHttp}:${httpPort}`,
                "-p",
                `127.0.0.1:${hostGevent}:${geventPort}`,
                "-v",
                `${confFile}:${ODOO_CONF_PATH}:ro`,
                "-v",
                `${this.dataDir}:${ODOO_DATA_DIR}`,
                "-v",
                `${this.extraAddons}:${IMAGE_EXTRA_ADDONS}:ro`,
                "-v",
                `${repository}:${IMAGE_SOURCE_ROOT}:ro`,
                ...(pgHost.startsWith("/") ? ["-v", `${pgHost}:${IMAGE_PG_SOCKETS}`] : []),
                // The platform's script, on top of the official image.
                ...(platform
                    ? [
                          "-v",
                          `${path.join(IMAGE_TOOLS, command[0])}:/usr/local/bin/${command[0]}:ro`,
                      ]
                    : []),
                ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
                (this.real as { image: string }).image,
                ...args,
            ];
            return {
                argv,
                env: process.env,
                rewrites,
                httpPort: hostHttp,
                geventPort: hostGevent,
                container: name,
            };
        }

        args.push("--http-interface=127.0.0.1");
        rewrites.push({
            what: "--http-interface",
            container: "(all interfaces)",
            local: "127.0.0.1",
            why: "loopback only on a shared machine",
        });
        if (platform) return this.platformLaunch(n, args, env, rewrites, ports);
        const exec = entrypointExec(args, env, conf, (f) => fs.readFileSync(localPath(f), "utf8"));
        if (exec[0] !== "odoo") {
            throw new Error(`the container command does not run Odoo: ${command.join(" ")}`);
        }
        const real = this.real as { source: string; python: string };
        rewrites.push({
            what: "executable",
            container: "odoo",
            local: `${real.python} ${path.join(real.source, "odoo-bin")}`,
            why: "the image's odoo script (from Odoo's .deb) is odoo-bin of the source tree",
        });
        const processEnv: NodeJS.ProcessEnv = {
            ...env,
            // Docker sets HOME to the image user's home, /var/lib/odoo, and the image has
            // ENV ODOO_RC=/etc/odoo/odoo.conf; both are paths above.
            HOME: this.dataDir,
            ODOO_RC: confFile,
            PATH: process.env.PATH,
            LANG: "C.UTF-8",
        };
        rewrites.push({
            what: "env LANG",
            container: "en_US.UTF-8",
            local: "C.UTF-8",
            why: "the image generates en_US.UTF-8 (ENV LANG in its Dockerfile); this machine has C.UTF-8",
        });
        return {
            argv: [real.python, path.join(real.source, "odoo-bin"), ...exec.slice(1)],
            env: processEnv,
            rewrites,
            httpPort: ports.get("http-port") ?? (await this.port()),
            geventPort: ports.get("gevent-port") ?? (await this.port()),
        };
    }

    /**
     * App Platform components reach the cluster through libpq's variables, whose values are the
     * app's bindable variables (`${db.HOSTNAME}`): they become the local cluster, without TLS.
     */
    private rewriteLibpq(env: Record<string, string>, rewrites: Rewrite[]): void {
        const host = this.pg.env.PGHOST ?? "localhost";
        const local: Record<string, string> = {
            PGHOST: this.real.kind === "image" && host.startsWith("/") ? IMAGE_PG_SOCKETS : host,
            PGPORT: this.pg.env.PGPORT ?? "5432",
            PGUSER: DB_ROLE,
            PGPASSWORD: DB_ROLE,
            PGSSLMODE: "disable",
            // The upgrade job grants Odoo's role its database as the cluster's admin role.
            ...(env.PGADMIN_USER === undefined
                ? {}
                : { PGADMIN_USER: this.pg.env.PGUSER ?? "postgres" }),
        };
        for (const [key, value] of Object.entries(local)) {
            if (env[key] === undefined || env[key] === value) continue;
            rewrites.push({
                what: `env ${key}`,
                container: env[key],
                local: value,
                why:
                    key === "PGSSLMODE"
                        ? "the local cluster speaks no TLS; the managed cluster requires it"
                        : key === "PGADMIN_USER"
                          ? "the managed cluster's admin role → the local cluster's superuser"
                          : "the managed cluster (a bindable variable) → the local PostgreSQL cluster",
            });
            env[key] = value;
        }
    }

    /**
     * Source mode of an App Platform component: the image's entrypoint script runs as it is, with
     * ODOO_BIN pointing at the source tree's odoo-bin and its private odoo.conf in a folder here.
     */
    private async platformLaunch(
        n: number,
        args: string[],
        env: Record<string, string>,
        rewrites: Rewrite[],
        ports: Map<string, number>,
    ): Promise<Launch> {
        const real = this.real as { source: string; python: string };
        const bin = path.join(this.dir, `odoo-bin-${n}`);
        fs.writeFileSync(
            bin,
            `#!/bin/sh\nexec '${real.python}' '${path.join(real.source, "odoo-bin")}' "$@"\n`,
            { mode: 0o755 },
        );
        rewrites.push({
            what: "executable",
            container: "odoo",
            local: `${real.python} ${path.join(real.source, "odoo-bin")} (ODOO_BIN)`,
            why: "the image's odoo script (from Odoo's .deb) is odoo-bin of the source tree",
        });
        return {
            argv: ["sh", path.join(IMAGE_TOOLS, args[0]), ...args.slice(1)],
            env: {
                ...env,
                ODOO_BIN: bin,
                ODOO_PLATFORM_CONF_DIR: path.join(this.dir, `platform-conf-${n}`),
                HOME: this.dataDir,
                PATH: process.env.PATH,
                LANG: "C.UTF-8",
            },
            rewrites,
            httpPort: ports.get("http-port") ?? (await this.port()),
            geventPort: ports.get("gevent-port") ?? (await this.port()),
        };
    }

    private async port(): Promise<number> {
        for (;;) {
            const p = await freePort();
            if (!this.usedPorts.has(p)) {
                this.usedPorts.add(p);
                return p;
            }
        }
    }

    private spawn(launch: Launch) {
        const child = spawn(launch.argv[0], launch.argv.slice(1), {
            env: launch.env,
            stdio: ["ignore", "pipe", "pipe"],
            // Its own process group: stopping it reaches every worker it forked.
            detached: true,
        });
        let log = "";
        const append = (d: Buffer) => {
            log += d.toString("utf8");
        };
        child.stdout?.on("data", append);
        child.stderr?.on("data", append);
        let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
        const exited = new Promise<void>((resolve) => {
            child.on("exit", (code, signal) => {
                exit = { code, signal };
                resolve();
            });
            child.on("error", (e) => {
                log += `\n${e.message}\n`;
                exit = { code: -1, signal: null };
                resolve();
            });
        });
        const kill = () => {
            if (launch.container !== undefined) {
                spawnSync("docker", ["rm", "-f", launch.container], { stdio: "ignore" });
            }
            killGroup(child);
        };
        const entry = { kill };
        this.running.add(entry);
        void exited.then(() => {
            if (launch.container === undefined) killGroup(child);
            this.running.delete(entry);
        });
        return { child, log: () => log, exit: () => exit, exited, kill };
    }

    /**
     * Starts Odoo with a container command (`odooFlags()`), its env items and its odoo.conf, and
     * waits until `/web/health` answers; fails with the log's tail if Odoo exits first.
     */
    async start(
        command: readonly string[],
        envItems: readonly string[],
        opts: { conf?: string; timeoutMs?: number; http?: boolean; ownRole?: boolean } = {},
    ): Promise<OdooProcess> {
        const launch = await this.launch(command, envItems, opts.conf ?? this.defaultConf(), {
            ownRole: opts.ownRole,
        });
        const p = this.spawn(launch);
        const baseUrl = `http://127.0.0.1:${launch.httpPort}`;
        const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
        // A process without HTTP (--no-http) is started once its registry has loaded.
        const loaded = () =>
            /Registry loaded in|odoo\.modules\.loading: Modules loaded/.test(p.log());
        for (;;) {
            const exit = p.exit();
            if (exit !== undefined) {
                throw new Error(
                    `Odoo exited (status ${exit.code}, signal ${exit.signal}) before /web/health answered:\n${tail(p.log())}`,
                );
            }
            if (Date.now() > deadline) {
                p.kill();
                throw new Error(`/web/health did not answer in time:\n${tail(p.log())}`);
            }
            if (opts.http === false ? loaded() : await answers200(`${baseUrl}/web/health`)) break;
            await sleep(300);
        }
        // With workers, the prefork master spawns the gevent process after binding the HTTP port,
        // and that process needs seconds to listen: wait until it answers too. (A TCP connect
        // proves nothing in image mode, where Docker's proxy accepts on the published port.)
        const workers = Number(
            [...command]
                .reverse()
                .find((c) => c.startsWith("--workers="))
                ?.slice(10) ?? 0,
        );
        while (
            workers > 0 &&
            !(await answers200(`http://127.0.0.1:${launch.geventPort}/web/health`))
        ) {
            if (p.exit() !== undefined || Date.now() > deadline) {
                p.kill();
                throw new Error(`the gevent port never answered /web/health:\n${tail(p.log())}`);
            }
            await sleep(300);
        }
        const pid =
            launch.container === undefined
                ? (p.child.pid as number)
                : containerPid(launch.container);
        return {
            baseUrl,
            geventUrl: `http://127.0.0.1:${launch.geventPort}`,
            pid,
            argv: launch.argv,
            rewrites: launch.rewrites,
            log: p.log,
            exit: p.exit,
            stop: async () => {
                if (p.exit() !== undefined) return;
                if (launch.container !== undefined) {
                    spawnSync("docker", ["stop", "-t", "30", launch.container], {
                        stdio: "ignore",
                    });
                } else {
                    p.child.kill("SIGTERM");
                }
                if (!(await endsWithin(p.exited, 40_000))) p.kill();
                await p.exited;
            },
        };
    }

    /**
     * Runs a container command to its end (e.g. `--stop-after-init`); its log, or an error.
     * `repository` stands in for the team's repository in the image (default ODOO_REPOSITORY).
     */
    async run(
        command: readonly string[],
        envItems: readonly string[],
        conf = this.defaultConf(),
        opts: { repository?: string } = {},
    ): Promise<string> {
        const p = this.spawn(await this.launch(command, envItems, conf, opts));
        await p.exited;
        const exit = p.exit();
        if (exit?.code !== 0) {
            throw new Error(
                `${command.join(" ")} ended with status ${exit?.code}, signal ${exit?.signal}:\n${tail(p.log())}`,
            );
        }
        return p.log();
    }

    /**
     * A container command as one shell line that runs it here (the same rewrites as `start`),
     * for the rendered scripts' command hooks: the argument `__DB__` becomes `"$1"`.
     */
    async shellCommand(command: readonly string[], envItems: readonly string[]): Promise<string> {
        const launch = await this.launch(command, envItems, this.defaultConf());
        const quote = (v: string) => (v === "__DB__" ? '"$1"' : `'${v.replace(/'/g, "'\\''")}'`);
        const env = Object.entries(launch.env)
            .filter((e): e is [string, string] => e[1] !== undefined)
            .map(([k, v]) => `${k}=${quote(v)}`);
        // Image mode: `docker run` with the container's own environment (-e), from this shell.
        if (launch.container !== undefined) return launch.argv.map(quote).join(" ");
        return ["env", "-i", ...env, ...launch.argv.map(quote)].join(" ");
    }

    /**
     * `odoo -d <db> -i <modules> --stop-after-init`, without demo data unless asked, with the
     * core addons only unless an (image) addons path is given.
     */
    initDatabase(
        db: string,
        modules: readonly string[],
        opts: { demo?: boolean; addonsPath?: readonly string[] } = {},
    ) {
        return this.run(
            [
                "odoo",
                `--config=${ODOO_CONF_PATH}`,
                `--addons-path=${(opts.addonsPath ?? [IMAGE_CORE_ADDONS]).join(",")}`,
                `--data-dir=${ODOO_DATA_DIR}`,
                `--database=${db}`,
                `--init=${modules.join(",")}`,
                ...(opts.demo === true ? [] : ["--without-demo=all"]),
                "--stop-after-init",
            ],
            this.dbEnv(),
        );
    }

    /**
     * One database with base and web, initialized once per runner (about 20 s) and reused. Odoo
     * adds the modules that install themselves with them, among them bus (auto_install, depends
     * on base and web), which serves /websocket.
     */
    baseDatabase(): Promise<string> {
        this.template ??= this.initDatabase("contract_base", ["base", "web"]).then(
            () => "contract_base",
        );
        return this.template;
    }

    /** A copy of a database (CREATE DATABASE ... TEMPLATE) with its filestore. */
    cloneDatabase(template: string, db: string): void {
        psql(
            this.pg.env,
            "postgres",
            `DROP DATABASE IF EXISTS "${db}"; CREATE DATABASE "${db}" TEMPLATE "${template}" OWNER ${DB_ROLE};`,
        );
        const from = path.join(this.dataDir, "filestore", template);
        const to = path.join(this.dataDir, "filestore", db);
        fs.rmSync(to, { recursive: true, force: true });
        if (fs.existsSync(from)) fs.cpSync(from, to, { recursive: true });
        // The image's `odoo` user writes the copy (asset bundles are attachments).
        if (this.real.kind === "image" && fs.existsSync(to)) openUp(to);
    }

    private defaultConf(): string {
        return renderOdooConf({ adminPassword: crypto.randomBytes(18).toString("base64url") });
    }

    /** Stops every Odoo still running, then the cluster, and removes the folders. */
    async close(): Promise<void> {
        this.closeSync();
    }

    /** The same, synchronously: also what a process exit runs if the suite did not. */
    closeSync(): void {
        if (this.closed) return;
        this.closed = true;
        for (const r of [...this.running]) r.kill();
        this.running.clear();
        try {
            this.pg.stop();
        } finally {
            fs.rmSync(this.dir, { recursive: true, force: true });
        }
    }
}

/** chmod a+rwX, recursively. */
function openUp(p: string): void {
    const st = fs.statSync(p);
    fs.chmodSync(p, st.isDirectory() ? 0o777 : 0o666);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) openUp(path.join(p, e));
}

function killGroup(child: ChildProcess): void {
    if (child.pid === undefined) return;
    try {
        process.kill(-child.pid, "SIGKILL");
    } catch {
        // the group is gone
    }
}

function containerPid(name: string): number {
    const r = spawnSync("docker", ["inspect", "-f", "{{.State.Pid}}", name], { encoding: "utf8" });
    const pid = Number(r.stdout.trim());
    if (r.status !== 0 || !(pid > 0)) throw new Error(`docker inspect ${name}: ${r.stderr}`);
    return pid;
}

let shared: OdooRunner | undefined;

/** The suite's one runner (one cluster, one base database), created on first use. */
export function sharedRunner(real: RealOdoo): OdooRunner {
    if (shared === undefined) {
        shared = OdooRunner.create(real);
        const runner = shared;
        process.once("exit", () => runner.closeSync());
    }
    return shared;
}

export async function closeSharedRunner(): Promise<void> {
    const runner = shared;
    shared = undefined;
    await runner?.close();
}

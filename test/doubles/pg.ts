/**
 * A PostgreSQL server for the backup tests, the drill and the benchmark: the one named by the
 * usual PG* variables, or, when none answers, a private throwaway cluster started here.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface PgServer {
    /** Environment for psql, pg_dump, pg_restore and the rendered scripts. */
    readonly env: NodeJS.ProcessEnv;
    stop(): void;
}

export function psql(env: NodeJS.ProcessEnv, db: string, sql: string): string {
    const r = spawnSync("psql", ["-X", "-v", "ON_ERROR_STOP=1", "-Atq", "-d", db], {
        env,
        input: sql,
        encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`psql on ${db} failed: ${r.stderr}`);
    return r.stdout.trim();
}

/** Whether a database of that name exists on the server. */
export function databaseExists(env: NodeJS.ProcessEnv, db: string): boolean {
    return (
        psql(
            env,
            "postgres",
            `SELECT count(*) FROM pg_database WHERE datname = '${db.replace(/'/g, "''")}'`,
        ) !== "0"
    );
}

function answers(env: NodeJS.ProcessEnv): boolean {
    return (
        spawnSync("psql", ["-X", "-Atqc", "SELECT 1", "-d", "postgres"], {
            env,
            encoding: "utf8",
        }).stdout?.trim() === "1"
    );
}

/** The bin directory of the newest PostgreSQL server installed here. */
export function pgBin(): string {
    const root = "/usr/lib/postgresql";
    const versions = fs.existsSync(root)
        ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a))
        : [];
    for (const v of versions) {
        const bin = path.join(root, v, "bin");
        if (fs.existsSync(path.join(bin, "initdb"))) return bin;
    }
    throw new Error(
        "no PostgreSQL server found: apt-get install postgresql (or set PGHOST/PGPORT/PGUSER)",
    );
}

export interface PostgresOptions {
    /**
     * A private cluster that authenticates TCP connections on 127.0.0.1 with scram-sha-256, as
     * the official postgres image does (its socket stays trusted); never the PG* server.
     */
    readonly passwordOverTcp?: boolean;
    /**
     * Server settings (`-c name=value`) of a private cluster started here; a server given by the
     * PG* variables is used as it is.
     */
    readonly settings?: Readonly<Record<string, string>>;
}

/** Uses the server of the PG* variables if it answers, else starts a private one. */
export function startPostgres(opts: PostgresOptions = {}): PgServer {
    const given = { ...process.env };
    if (!opts.passwordOverTcp && (given.PGHOST || given.PGPORT || given.PGUSER) && answers(given)) {
        return { env: given, stop: () => undefined };
    }
    const bin = pgBin();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-platform-pg-"));
    const data = path.join(dir, "data");
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const asRoot = process.getuid?.() === 0;
    // initdb refuses to run as root: the cluster then belongs to the postgres system user.
    const run = (cmd: string, args: string[]) =>
        asRoot
            ? execFileSync("runuser", ["-u", "postgres", "--", cmd, ...args], { stdio: "pipe" })
            : execFileSync(cmd, args, { stdio: "pipe" });
    if (asRoot) execFileSync("chown", ["postgres:postgres", dir]);
    const auth = opts.passwordOverTcp
        ? ["--auth-local=trust", "--auth-host=scram-sha-256"]
        : ["-A", "trust"];
    run(path.join(bin, "initdb"), ["-D", data, ...auth, "-U", "postgres", "--no-sync"]);
    run(path.join(bin, "pg_ctl"), [
        "-D",
        data,
        "-w",
        "-l",
        path.join(dir, "log"),
        "-o",
        `-p ${port} -k ${dir} -c listen_addresses='${opts.passwordOverTcp ? "127.0.0.1" : ""}' -c fsync=off` +
            Object.entries(opts.settings ?? {})
                .map(([k, v]) => ` -c ${k}=${v}`)
                .join(""),
        "start",
    ]);
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        PGHOST: dir,
        PGPORT: port,
        PGUSER: "postgres",
    };
    delete env.PGPASSWORD;
    delete env.PGDATABASE;
    return {
        env,
        stop: () => {
            try {
                run(path.join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "stop"]);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        },
    };
}

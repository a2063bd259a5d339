/**
 * `npm run bench` (full) or `npm run bench -- --quick` (a small run): every figure is a median of
 * runs interleaved with its floor in the same run, so machine noise hits both sides alike; the
 * spread (min-max) is printed beside it. Goals are ratios, the machine being shared.
 *  - `npm run preview` of staging, prod and pr-42, the whole process (npm, the program, the
 *    policy pack's process, the plan printed) against the floor: a plain Node program replaying
 *    the same resources through the same mocks (tools/bench-floor.ts); goal <= 2.
 *  - pr-42: resources and the longest dependency chain of the offline plan; goals <= 6 and <= 3.
 *  - on a generated Odoo-shaped database of BENCH_DB_MB (default 1024; --quick 64) MB plus a
 *    tenth of that in filestore, on PostgreSQL 15 and restic 0.18: the rendered odoo-backup
 *    (into a new, empty repository each run) against a bare `pg_dump -Fc`, goal <= 1.3; the rendered
 *    odoo-restore against a bare `pg_restore -j2` of that dump, goal <= 1.2; a template clone with
 *    STRATEGY FILE_COPY against WAL_LOG at two sizes (the database and an eighth of it).
 *    BENCH_SKIP_DB=1 skips this part.
 * BENCH_RUNS (preview runs, default 11; --quick 5) and BENCH_DB_RUNS (default 5: the machine is
 * shared, and three runs gave medians a stray slow run could move) override counts.
 */
import "../test/setup"; // restic 0.18.0 first on the PATH, as the tests run it
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderBackupScript, renderRestoreScript } from "../components/backup-scripts";
import { createOdooDatabase } from "../test/doubles/odoo-fixture";
import { psql, startPostgres } from "../test/doubles/pg";
import { backupEnv } from "../test/doubles/script-env";
import { runProgram } from "../test/doubles/mock-cloud";
import { dependencyStats } from "./plan";
import { stagingReference } from "./preview";
import { loadStackConfig } from "./stack-config";
import { RecordedPlan } from "./bench-floor";
import { stageOfStack } from "../stacks/config";

const ROOT = path.resolve(__dirname, "..");

export function median(xs: readonly number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median and spread of a series, e.g. "2.31 s (2.20-2.64)". */
function summary(xs: readonly number[], unit: string, digits = 2): string {
    const f = (x: number) => x.toFixed(digits);
    return `${f(median(xs))} ${unit} (${f(Math.min(...xs))}-${f(Math.max(...xs))})`;
}

function verdict(ratio: number, goal: number): string {
    return `ratio ${ratio.toFixed(2)} (goal <= ${goal})${ratio <= goal ? "  ok" : "  ABOVE GOAL"}`;
}

/** Wall seconds of a whole process; fails loudly when it does. */
function processSeconds(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: "utf8", maxBuffer: 1 << 28 });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) {
        throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}${r.stdout}`);
    }
    return s;
}

/** The stack's offline plan, as the floor replays it. */
export async function recordPlan(stack: string): Promise<RecordedPlan> {
    const cfg = loadStackConfig(stack);
    const stackReferences =
        stageOfStack(stack) === "preview" ? await stagingReference() : undefined;
    const run = await runProgram({
        stack,
        config: cfg.config,
        secretKeys: cfg.secretKeys,
        stackReferences,
    });
    return {
        stack,
        config: cfg.config,
        secretKeys: cfg.secretKeys,
        resources: run.resources,
        stackReferences,
    };
}

/** `npm run preview -- --stack <stack>` against the floor replaying its plan, interleaved. */
export async function benchPreview(stack: string, runs: number, dir: string) {
    const plan = await recordPlan(stack);
    const file = path.join(dir, `${stack}.plan.json`);
    fs.writeFileSync(file, JSON.stringify(plan));
    const preview = () =>
        processSeconds("npm", ["run", "--silent", "preview", "--", "--stack", stack]);
    const floor = () =>
        processSeconds(process.execPath, [
            "--require",
            path.join(ROOT, "tools", "transpile-register.js"),
            path.join(ROOT, "tools", "bench-floor.ts"),
            file,
        ]);
    preview(); // warm-up: the transpile cache, the file system cache
    floor();
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < runs; i++) {
        a.push(preview());
        b.push(floor());
    }
    return { stack, resources: plan.resources.length, preview: a, floor: b };
}

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv): void {
    const r = spawnSync(cmd, args, { env, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}${r.stdout}`);
}

function seconds(fn: () => void): number {
    const t0 = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Rows of about 1 KiB: partners for a database of `mb` MB. */
const partnersFor = (mb: number) => Math.round((mb * 1024 * 1024) / 1100);

export function benchDatabase(dbMb: number, runs: number, log: (s: string) => void) {
    // Without autovacuum: it would vacuum each freshly loaded copy during whichever run comes
    // next, on either side of a comparison.
    const pg = startPostgres({ settings: { autovacuum: "off" } });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-platform-bench-"));
    const src = "odoo_bench_source";
    const small = "odoo_bench_small";
    const dbs = [src, small, "odoo_bench_restored", "odoo_bench_restored_previous"];
    dbs.push("odoo_bench_plain", "odoo_bench_clone");
    try {
        const env: NodeJS.ProcessEnv = {
            ...backupEnv(pg.env, dir, src),
            // The host's layout (components/backup-job.ts): the spool and the filestore side by
            // side as on the data volume, /mnt/odoo-data/backups and /mnt/odoo-data/odoo/filestore.
            FILESTORE_ROOT: path.join(dir, "odoo", "filestore"),
            SPOOL: path.join(dir, "backups"),
            JOBS: "2",
        };
        const built = seconds(() =>
            createOdooDatabase(env, src, env.FILESTORE_ROOT!, {
                partners: partnersFor(dbMb),
                attachments: Math.max(1, Math.round(dbMb / 10)),
                fileBytes: 1024 * 1024,
                partnerPadding: 900,
            }),
        );
        const sizeOf = (db: string) =>
            psql(env, "postgres", `SELECT pg_size_pretty(pg_database_size('${db}'))`);
        const size = sizeOf(src);
        log(
            `built ${size} database and ${Math.round(dbMb / 10)} MB filestore in ${built.toFixed(0)} s`,
        );
        const backup = path.join(dir, "odoo-backup");
        const restore = path.join(dir, "odoo-restore");
        fs.writeFileSync(backup, renderBackupScript());
        fs.writeFileSync(restore, renderRestoreScript());
        const dump = path.join(dir, "bare.dump");

        // Backup: the rendered script into a new repository each run (no earlier snapshot to
        // deduplicate against: the costliest night; `restic init`, once in a repository's life,
        // is not timed) against a bare pg_dump -Fc.
        const backups: number[] = [];
        const dumps: number[] = [];
        for (let i = 0; i < runs; i++) {
            log(`backup run ${i + 1}/${runs}`);
            fs.rmSync(env.RESTIC_REPOSITORY!, { recursive: true, force: true });
            sh("restic", ["init", "-q"], env);
            psql(env, "postgres", "CHECKPOINT"); // each side starts with no dirty buffers
            backups.push(seconds(() => sh("sh", [backup], env)));
            fs.rmSync(dump, { force: true });
            psql(env, "postgres", "CHECKPOINT");
            dumps.push(
                seconds(() =>
                    sh("pg_dump", ["-Fc", "--no-owner", "--no-acl", "-f", dump, src], env),
                ),
            );
        }

        // Restore: the rendered script (restic restore, pg_restore, filestore, switch) against a
        // bare pg_restore -j2 of the pg_dump -Fc dump into a new database.
        const restores: number[] = [];
        const plain: number[] = [];
        for (let i = 0; i < runs; i++) {
            log(`restore run ${i + 1}/${runs}`);
            psql(env, "postgres", "CHECKPOINT");
            restores.push(
                seconds(() =>
                    sh("sh", [restore, "latest", "odoo_bench_restored", "production"], env),
                ),
            );
            psql(env, "postgres", 'DROP DATABASE IF EXISTS "odoo_bench_plain"');
            psql(env, "postgres", "CHECKPOINT");
            plain.push(
                seconds(() => {
                    psql(env, "postgres", 'CREATE DATABASE "odoo_bench_plain"');
                    sh(
                        "pg_restore",
                        ["-j", "2", "--no-owner", "--no-acl", "-d", "odoo_bench_plain", dump],
                        env,
                    );
                }),
            );
        }

        // Clones: FILE_COPY against WAL_LOG, from the full database and from an eighth of it.
        log(`building the small clone source (${Math.round(dbMb / 8)} MB)`);
        createOdooDatabase(env, small, env.FILESTORE_ROOT!, {
            partners: partnersFor(dbMb / 8),
            attachments: 1,
            fileBytes: 1024,
            partnerPadding: 900,
        });
        const clones = [];
        for (const template of [src, small]) {
            const fileCopy: number[] = [];
            const walLog: number[] = [];
            const clone = (strategy: string) => {
                psql(env, "postgres", 'DROP DATABASE IF EXISTS "odoo_bench_clone"');
                psql(env, "postgres", "CHECKPOINT");
                return seconds(() =>
                    psql(
                        env,
                        "postgres",
                        `CREATE DATABASE "odoo_bench_clone" TEMPLATE "${template}" STRATEGY ${strategy}`,
                    ),
                );
            };
            for (let i = 0; i < runs; i++) {
                fileCopy.push(clone("FILE_COPY"));
                walLog.push(clone("WAL_LOG"));
            }
            clones.push({ size: sizeOf(template), fileCopy, walLog });
        }
        return { size, built, backups, dumps, restores, plain, clones };
    } finally {
        try {
            for (const db of dbs) psql(pg.env, "postgres", `DROP DATABASE IF EXISTS "${db}"`);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
            pg.stop();
        }
    }
}

export async function benchPreviewStack() {
    return dependencyStats((await recordPlan("pr-42")).resources);
}

async function main() {
    const quick = process.argv.slice(2).includes("--quick");
    const unknown = process.argv.slice(2).filter((a) => a !== "--quick");
    if (unknown.length > 0)
        throw new Error(`unknown argument ${unknown.join(" ")}: npm run bench [-- --quick]`);
    const runs = Number(process.env.BENCH_RUNS ?? (quick ? 5 : 11));
    const dbRuns = Number(process.env.BENCH_DB_RUNS ?? 5);
    const mb = Number(process.env.BENCH_DB_MB ?? (quick ? 64 : 1024));
    console.log(
        `odoo-platform benchmark${quick ? " (--quick)" : ""}: medians of interleaved runs, ` +
            `spread (min-max) in brackets; ${os.cpus().length} cores, load ${os
                .loadavg()
                .map((l) => l.toFixed(2))
                .join(" ")}`,
    );
    console.log(
        `\nnpm run preview (whole process) vs a plain Node program replaying the same resources through the same mocks, ${runs} runs`,
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-platform-bench-plans-"));
    try {
        for (const stack of ["staging", "prod", "pr-42"]) {
            const r = await benchPreview(stack, runs, dir);
            console.log(
                `  ${stack.padEnd(8)} ${String(r.resources).padStart(3)} resources  preview ${summary(r.preview, "s")}  ` +
                    `floor ${summary(r.floor, "s")}  ${verdict(median(r.preview) / median(r.floor), 2)}`,
            );
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    const pr = await benchPreviewStack();
    console.log(
        `\npr-42 offline: ${pr.resources} resources (goal <= 6), longest dependency chain ${pr.longestChain} ` +
            `(goal <= 3)${pr.resources <= 6 && pr.longestChain <= 3 ? "  ok" : "  ABOVE GOAL"}`,
    );
    if (process.env.BENCH_SKIP_DB === "1") return;
    console.log(
        `\nbackup, restore and clones on PostgreSQL 15 and restic, ${dbRuns} interleaved runs each`,
    );
    console.log(
        `  .. WARNING: generating a ${mb} MB database and ${Math.round(mb / 10)} MB of filestore first` +
            (mb >= 512
                ? ` (about ${Math.max(1, Math.round(mb / 100))} s on this project's 2 cores, the whole part about ${Math.max(1, Math.round((mb / 1024) * (0.4 + 0.85 * dbRuns)))} min; npm run bench -- --quick uses 64 MB)`
                : ""),
    );
    const t0 = Date.now();
    const r = benchDatabase(mb, dbRuns, (s) => console.log(`  .. ${s}`));
    console.log(`  database ${r.size}`);
    console.log(
        `  backup   odoo-backup ${summary(r.backups, "s", 1)}  pg_dump -Fc ${summary(r.dumps, "s", 1)}  ` +
            verdict(median(r.backups) / median(r.dumps), 1.3),
    );
    console.log(
        `  restore  odoo-restore ${summary(r.restores, "s", 1)}  pg_restore -j2 ${summary(r.plain, "s", 1)}  ` +
            verdict(median(r.restores) / median(r.plain), 1.2),
    );
    for (const c of r.clones) {
        console.log(
            `  clone of ${c.size.padEnd(7)} STRATEGY FILE_COPY ${summary(c.fileCopy, "s")}  WAL_LOG ${summary(c.walLog, "s")}  ` +
                `FILE_COPY takes ${(median(c.fileCopy) / median(c.walLog)).toFixed(2)}x WAL_LOG's time`,
        );
    }
    console.log(`  (database part took ${((Date.now() - t0) / 60000).toFixed(1)} min)`);
}

if (require.main === module) {
    main().catch((e) => {
        console.error(e);
        process.exit(1);
    });
}

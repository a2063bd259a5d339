/**
 * `npm run bench`: medians measured in one run, on this machine.
 *  - offline preview (program under mocks) of staging and prod, against a bare mocked program
 *    registering the same resources (type, name, inputs) flat; goal ratio <= 1.5.
 *  - pr-42: resources and the longest dependency chain of the offline plan; goals <= 6 and <= 3.
 *  - restore pipeline (restic restore + pg_restore -j2 + filestore + switch) against a plain
 *    `pg_restore -j2` of the same dump, on a generated database of BENCH_DB_MB (default 1024) MB
 *    plus filestore; goal ratio <= 1.3. And a template clone against that restore.
 *    BENCH_SKIP_RESTORE=1 skips this part.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { renderBackupScript, renderRestoreScript } from "../components/backup-scripts";
import { createOdooDatabase } from "../test/doubles/odoo-fixture";
import { psql, startPostgres } from "../test/doubles/pg";
import { RecordedResource, inputsOf, runProgram } from "../test/doubles/mock-cloud";
import { dependencyStats } from "./plan";
import { stagingReference } from "./preview";
import { loadStackConfig } from "./stack-config";

export function median(xs: readonly number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
    const t0 = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - t0) / 1e6;
}

type ResourceClass = new (name: string, args: pulumi.Inputs) => pulumi.Resource;

/** The provider SDK class of a type token, e.g. `docker:index/container:Container`. */
function classOf(type: string): ResourceClass {
    const [pkg, mod, cls] = type.split(":");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (pkg === "pulumi" && mod === "providers") return require(`@pulumi/${cls}`).Provider;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sdk = require(`@pulumi/${pkg}`);
    const ns = mod === "index" || mod.startsWith("index/") ? sdk : sdk[mod];
    return ns[cls.split("/").pop() ?? cls];
}

/**
 * The bare program: registers the very same resources, with the same provider SDK classes and
 * the same inputs, flat under the stack; none of the program's config validation, components,
 * rendering or applies. The ratio against it is the cost of the program's own logic.
 */
function replayProgram(resources: readonly RecordedResource[]) {
    const custom = resources.filter((r) => r.custom);
    const classes = custom.map((r) => classOf(r.type));
    const components = resources.filter((r) => !r.custom && r.type !== "pulumi:pulumi:Stack");
    return () => {
        for (const c of components) new pulumi.ComponentResource(c.type, `${c.name}-bare`, {});
        custom.forEach((r, i) => new classes[i](r.name, inputsOf(r) as pulumi.Inputs));
        return {};
    };
}

export async function benchPreview(stack: "staging" | "prod", runs: number) {
    const cfg = loadStackConfig(stack);
    const real = () => runProgram({ stack, config: cfg.config, secretKeys: cfg.secretKeys });
    const first = await real(); // warm-up: loads the provider SDKs once
    const count = first.resources.length;
    const bare = () =>
        runProgram({
            stack,
            config: cfg.config,
            secretKeys: cfg.secretKeys,
            program: replayProgram(first.resources),
        });
    const replayed = (await bare()).resources.length;
    if (replayed !== count) throw new Error(`bare program registered ${replayed}, not ${count}`);
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < runs; i++) {
        // Interleaved so that machine noise hits both sides alike.
        a.push(await timed(real));
        b.push(await timed(bare));
    }
    return {
        stack,
        resources: count,
        programMs: median(a),
        bareMs: median(b),
        ratio: median(a) / median(b),
    };
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

export function benchRestore(dbMb: number, runs: number, log: (s: string) => void) {
    const pg = startPostgres();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-platform-bench-"));
    const src = "odoo_bench_source";
    try {
        const env: NodeJS.ProcessEnv = {
            ...pg.env,
            TOOLS: "local",
            PGDATABASE: src,
            FILESTORE_ROOT: path.join(dir, "filestore"),
            SPOOL: path.join(dir, "spool"),
            RESTIC_REPOSITORY: path.join(dir, "repository"),
            RESTIC_PASSWORD: "bench-repository-password",
            RESTIC_CACHE_DIR: path.join(dir, "cache"),
            JOBS: "2",
        };
        // About 1 KiB per partner row; the filestore is a tenth of the database.
        const partners = Math.round((dbMb * 1024 * 1024) / 1100);
        log(
            `generating ${dbMb} MB database (${partners} partners) and ${Math.round(dbMb / 10)} MB filestore`,
        );
        createOdooDatabase(env, src, env.FILESTORE_ROOT!, {
            partners,
            attachments: Math.max(1, Math.round(dbMb / 10)),
            fileBytes: 1024 * 1024,
            partnerPadding: 900,
        });
        const size = psql(env, "postgres", `SELECT pg_size_pretty(pg_database_size('${src}'))`);
        const backup = path.join(dir, "odoo-backup");
        const restore = path.join(dir, "odoo-restore");
        fs.writeFileSync(backup, renderBackupScript());
        fs.writeFileSync(restore, renderRestoreScript());
        log(`backing up (${size})`);
        const backupS = seconds(() => sh("sh", [backup], env));
        const dump = path.join(dir, "same.dump");
        sh("pg_dump", ["-Fc", "--no-owner", "--no-acl", "-f", dump, src], env);
        const pipeline: number[] = [];
        const plain: number[] = [];
        const clone: number[] = [];
        for (let i = 0; i < runs; i++) {
            log(`run ${i + 1}/${runs}`);
            pipeline.push(
                seconds(() =>
                    sh("sh", [restore, "latest", "odoo_bench_restored", "production"], env),
                ),
            );
            plain.push(
                seconds(() => {
                    psql(
                        env,
                        "postgres",
                        'DROP DATABASE IF EXISTS "odoo_bench_plain"; CREATE DATABASE "odoo_bench_plain";',
                    );
                    sh(
                        "pg_restore",
                        ["-j", "2", "--no-owner", "--no-acl", "-d", "odoo_bench_plain", dump],
                        env,
                    );
                }),
            );
            psql(env, "postgres", 'DROP DATABASE IF EXISTS "odoo_bench_clone"');
            clone.push(
                seconds(() =>
                    psql(
                        env,
                        "postgres",
                        'CREATE DATABASE "odoo_bench_clone" TEMPLATE "odoo_bench_plain"',
                    ),
                ),
            );
        }
        return {
            size,
            backupS,
            pipeline: median(pipeline),
            plain: median(plain),
            clone: median(clone),
        };
    } finally {
        try {
            for (const db of [
                src,
                "odoo_bench_restored",
                "odoo_bench_restored_previous",
                "odoo_bench_plain",
                "odoo_bench_clone",
            ]) {
                psql(pg.env, "postgres", `DROP DATABASE IF EXISTS "${db}"`);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
            pg.stop();
        }
    }
}

export async function benchPreviewStack() {
    const cfg = loadStackConfig("pr-42");
    const run = await runProgram({
        stack: "pr-42",
        config: cfg.config,
        secretKeys: cfg.secretKeys,
        stackReferences: await stagingReference(),
    });
    return dependencyStats(run.resources);
}

async function main() {
    const runs = Number(process.env.BENCH_RUNS ?? 15);
    console.log(`odoo-platform benchmark (${runs} interleaved runs each, medians)`);
    console.log(
        "\noffline preview vs a bare mocked program replaying the same resources (goal <= 1.5)",
    );
    for (const stack of ["staging", "prod"] as const) {
        const r = await benchPreview(stack, runs);
        console.log(
            `  ${stack.padEnd(8)} ${String(r.resources).padStart(3)} resources  ` +
                `program ${r.programMs.toFixed(1)} ms  bare ${r.bareMs.toFixed(1)} ms  ratio ${r.ratio.toFixed(2)}` +
                (r.ratio <= 1.5 ? "  ok" : "  ABOVE GOAL"),
        );
    }
    const pr = await benchPreviewStack();
    console.log(
        `\npr-42 offline: ${pr.resources} resources (goal <= 6), longest dependency chain ${pr.longestChain} ` +
            `(goal <= 3)${pr.resources <= 6 && pr.longestChain <= 3 ? "  ok" : "  ABOVE GOAL"}`,
    );
    if (process.env.BENCH_SKIP_RESTORE === "1") return;
    const mb = Number(process.env.BENCH_DB_MB ?? 1024);
    const restoreRuns = Number(process.env.BENCH_RESTORE_RUNS ?? 3);
    console.log(
        `\nrestore pipeline vs plain pg_restore -j2 of the same dump (goal <= 1.3), ${restoreRuns} runs`,
    );
    const r = benchRestore(mb, restoreRuns, (s) => console.log(`  .. ${s}`));
    const ratio = r.pipeline / r.plain;
    console.log(`  database ${r.size}, backup ${r.backupS.toFixed(1)} s`);
    console.log(
        `  pipeline ${r.pipeline.toFixed(1)} s  pg_restore -j2 ${r.plain.toFixed(1)} s  ratio ${ratio.toFixed(2)}` +
            (ratio <= 1.3 ? "  ok" : "  ABOVE GOAL"),
    );
    console.log(
        `  template clone ${r.clone.toFixed(2)} s vs restore ${r.plain.toFixed(1)} s: ` +
            `clone is ${(r.plain / r.clone).toFixed(0)}x faster (why PR environments clone)`,
    );
}

if (require.main === module) {
    main().catch((e) => {
        console.error(e);
        process.exit(1);
    });
}

/**
 * `npm run drill`: the whole backup → restore round trip on this machine, against the PostgreSQL
 * of the usual PG* variables (or a private throwaway cluster when none answers): an Odoo-shaped
 * database and filestore, the rendered odoo-backup into a fresh local restic repository, the
 * rendered odoo-restore into a new database as a staging refresh (which compares every table's rows
 * and checksum and every file's hash with the manifest the backup stored in its snapshot, and
 * refuses a snapshot without one here), then a comparison of every row and file with the source.
 * Prints rows, files, the manifest's verdict and seconds; exits non-zero when anything differs.
 *
 * `odoo neutralize` needs Odoo; here it is replaced by NEUTRALIZE_EMULATION_SQL (same effects on
 * these tables), and the drill says so.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderBackupScript, renderRestoreScript } from "../components/backup-scripts";
import {
    FixtureSize,
    SMALL,
    TABLES,
    createOdooDatabase,
    filestoreFingerprints,
    tableFingerprints,
} from "../test/doubles/odoo-fixture";
import { psql, startPostgres } from "../test/doubles/pg";
import { backupEnv, refreshEnv } from "../test/doubles/script-env";
// restic 0.18.0 where npm test's pretest puts it, first on the PATH, as for the suite.
import "../test/setup";

export interface DrillReport {
    readonly rows: Record<string, number>;
    readonly files: number;
    /** odoo-restore's verdict on the snapshot's manifest ("manifest: N tables (M rows) and ..."). */
    readonly manifest: string;
    readonly backupSeconds: number;
    readonly restoreSeconds: number;
    readonly problems: string[];
}

/** Tables the neutralization changes on purpose; compared by row count only. */
const NEUTRALIZED = new Set([
    "ir_config_parameter",
    "ir_cron",
    "ir_mail_server",
    "fetchmail_server",
]);

export function runDrill(
    size: FixtureSize = SMALL,
    log: (s: string) => void = () => undefined,
): DrillReport {
    const pg = startPostgres();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-platform-drill-"));
    const source = `odoo_drill_source_${process.pid}`;
    const target = `odoo_drill_${process.pid}`;
    try {
        const scripts = {
            backup: path.join(dir, "odoo-backup"),
            restore: path.join(dir, "odoo-restore"),
        };
        fs.writeFileSync(scripts.backup, renderBackupScript());
        fs.writeFileSync(scripts.restore, renderRestoreScript());
        const env: NodeJS.ProcessEnv = {
            ...backupEnv(pg.env, dir, source),
            RESTIC_PASSWORD: `drill-${process.pid}-${Date.now()}`,
            // The drill compares every row with the backup's: nothing may be rewritten.
            ...refreshEnv(dir, "off"),
            REQUIRE_MANIFEST: "1",
        };
        log(`creating ${source}: ${size.partners} partners, ${size.attachments} files`);
        createOdooDatabase(env, source, env.FILESTORE_ROOT!, size);
        const before = tableFingerprints(env, source);
        const beforeFiles = filestoreFingerprints(path.join(env.FILESTORE_ROOT!, source));

        const timed = (script: string, args: string[]) => {
            const t0 = Date.now();
            const r = spawnSync("sh", [script, ...args], { env, encoding: "utf8" });
            if (r.status !== 0)
                throw new Error(`${path.basename(script)} failed:\n${r.stdout}${r.stderr}`);
            return { seconds: (Date.now() - t0) / 1000, out: r.stdout };
        };
        log("backing up into a new local restic repository");
        const backupSeconds = timed(scripts.backup, []).seconds;
        log(
            `restoring the latest snapshot into ${target} as a staging refresh (odoo neutralize emulated)`,
        );
        const restore = timed(scripts.restore, ["latest", target, "staging"]);
        const restoreSeconds = restore.seconds;
        const manifest = /manifest: .*/.exec(restore.out)?.[0] ?? "";

        const after = tableFingerprints(env, target);
        const afterFiles = filestoreFingerprints(path.join(env.FILESTORE_ROOT!, target));
        const problems: string[] = [];
        for (const t of TABLES) {
            if (after[t].rows < before[t].rows)
                problems.push(`${t}: ${after[t].rows} of ${before[t].rows} rows`);
            else if (!NEUTRALIZED.has(t) && after[t].md5 !== before[t].md5)
                problems.push(`${t}: rows differ`);
        }
        for (const [f, h] of Object.entries(beforeFiles)) {
            if (afterFiles[f] !== h)
                problems.push(`filestore ${f}: ${afterFiles[f] ? "differs" : "missing"}`);
        }
        const neutral = psql(
            env,
            target,
            "SELECT value FROM ir_config_parameter WHERE key = 'database.is_neutralized'",
        );
        // What Odoo writes: the text `true` (see test/doubles/odoo-fixture.ts).
        if (neutral !== "true") problems.push("database.is_neutralized is not set");
        return {
            rows: Object.fromEntries(TABLES.map((t) => [t, after[t].rows])),
            files: Object.keys(afterFiles).length,
            manifest,
            backupSeconds,
            restoreSeconds,
            problems,
        };
    } finally {
        try {
            for (const db of [source, target, `${target}_previous`, `${target}_restoring`]) {
                psql(pg.env, "postgres", `DROP DATABASE IF EXISTS "${db}"`);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
            pg.stop();
        }
    }
}

if (require.main === module) {
    try {
        const r = runDrill(SMALL, (s) => console.log(`drill: ${s}`));
        const total = Object.values(r.rows).reduce((a, b) => a + b, 0);
        console.log(
            `rows restored: ${total} (${Object.entries(r.rows)
                .map(([t, n]) => `${t} ${n}`)
                .join(", ")})`,
        );
        console.log(`files restored: ${r.files}`);
        console.log(r.manifest);
        console.log(
            `seconds: backup ${r.backupSeconds.toFixed(1)}, restore ${r.restoreSeconds.toFixed(1)}`,
        );
        if (r.problems.length > 0) {
            console.error(`DRILL FAILED:\n  ${r.problems.join("\n  ")}`);
            process.exit(1);
        }
        console.log("drill passed: every row and file came back, neutralized and verified");
    } catch (e) {
        console.error(`DRILL FAILED: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
    }
}

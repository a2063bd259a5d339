/**
 * Backups and restores for real: a PostgreSQL server (the one of the PG* variables, or a private
 * cluster is started here), a local restic repository, and the scripts exactly as the program
 * renders them. The one step that needs Odoo itself, `odoo neutralize`, is replaced by an
 * injected command (NEUTRALIZE_CMD) running NEUTRALIZE_EMULATION_SQL, which has the effects of
 * the modules' neutralize.sql files on these tables. Everything else is the real pipeline.
 */
import { strict as assert } from "assert";
import { execFile, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    RETENTION,
    prelude,
    renderBackupScript,
    renderHealthCgi,
    renderRestoreScript,
} from "../components/backup-scripts";
import { BACKUP_IMAGES } from "../components/backup-job";
import { COMMON_DEFAULTS } from "../stacks/config";
import {
    NEUTRALIZE_EMULATION_SQL,
    PRODUCTION_SECRET,
    PRODUCTION_UUID,
    createOdooDatabase,
    filestoreFingerprints,
    tableFingerprints,
} from "./doubles/odoo-fixture";
import { PgServer, databaseExists, psql, startPostgres } from "./doubles/pg";
import { cheapenRepositoryKey } from "./doubles/restic-key";
import { refuseLocks } from "./doubles/snapshots";
import { backupEnv, refreshEnv } from "./doubles/script-env";

type Env = NodeJS.ProcessEnv;

describe("backup and restore on a real PostgreSQL and restic", function () {
    this.timeout(300_000);
    let pg: PgServer;
    let dir: string;
    let env: Env;
    let backupScript: string;
    let restoreScript: string;
    const run = (script: string, args: string[], extra: Env = {}) => {
        const r = spawnSync("sh", [script, ...args], {
            env: { ...env, ...extra },
            encoding: "utf8",
        });
        return { status: r.status, out: `${r.stdout}${r.stderr}` };
    };
    const params = (db: string, key: string) =>
        psql(env, db, `SELECT value FROM ir_config_parameter WHERE key = '${key}'`);

    before(() => {
        pg = startPostgres();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-platform-backup-"));
        backupScript = path.join(dir, "odoo-backup");
        restoreScript = path.join(dir, "odoo-restore");
        fs.writeFileSync(backupScript, renderBackupScript());
        fs.writeFileSync(restoreScript, renderRestoreScript());
        env = {
            ...backupEnv(pg.env, dir, "odoo_test"),
            // This file proves the restore keeps every row; test/anonymization.test.ts anonymizes.
            ...refreshEnv(dir, "off"),
        };
        createOdooDatabase(env, "odoo_test", env.FILESTORE_ROOT!);
    });
    after(() => {
        pg?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    let source: ReturnType<typeof tableFingerprints>;
    let sourceFiles: Record<string, string>;

    it("backs up the database and the filestore into a new restic repository", () => {
        source = tableFingerprints(env, "odoo_test");
        sourceFiles = filestoreFingerprints(path.join(env.FILESTORE_ROOT!, "odoo_test"));
        assert.equal(source.res_partner.rows, 2000);
        assert.equal(Object.keys(sourceFiles).length, 60);
        const r = run(backupScript, []);
        assert.equal(r.status, 0, r.out);
        assert.match(r.out, /initialising restic repository/);
        const snaps = JSON.parse(
            spawnSync("restic", ["snapshots", "--json"], { env, encoding: "utf8" }).stdout,
        );
        assert.equal(snaps.length, 1);
        assert.deepEqual(snaps[0].tags.sort(), ["db:odoo_test", "odoo"]);
        assert.ok(fs.existsSync(path.join(env.SPOOL!, "last-success")));
        assert.ok(!fs.existsSync(path.join(env.SPOOL!, "current")), "the dump is not left on disk");
        // The tests below open this repository with restic some forty times: a cheap key (see
        // test/doubles/restic-key.ts), so that they spend their time on what they test.
        cheapenRepositoryKey(env.RESTIC_REPOSITORY!, env.RESTIC_PASSWORD!);
    });

    it("restores into a new production database with every row and every file", () => {
        const r = run(restoreScript, ["latest", "odoo_restored", "production"]);
        assert.equal(r.status, 0, r.out);
        assert.deepEqual(tableFingerprints(env, "odoo_restored"), source);
        assert.deepEqual(
            filestoreFingerprints(path.join(env.FILESTORE_ROOT!, "odoo_restored")),
            sourceFiles,
        );
        // Production restores are not neutralized.
        assert.equal(params("odoo_restored", "database.enterprise_code"), "M-PRODUCTION-CODE");
    });

    it("refreshes staging: neutralize, platform extras, gate, then the switch", () => {
        createOdooDatabase(env, "odoo_staging", env.FILESTORE_ROOT!, {
            partners: 10,
            attachments: 2,
            fileBytes: 64,
        });
        const oldStaging = tableFingerprints(env, "odoo_staging");
        const r = run(restoreScript, ["latest", "odoo_staging", "staging"]);
        assert.equal(r.status, 0, r.out);
        assert.match(r.out, /neutralizing odoo_staging_restoring/);
        assert.match(r.out, /verifying neutralization/);
        // Data came back...
        const now = tableFingerprints(env, "odoo_staging");
        assert.deepEqual(now.res_partner, source.res_partner);
        assert.deepEqual(now.ir_attachment, source.ir_attachment);
        assert.deepEqual(
            filestoreFingerprints(path.join(env.FILESTORE_ROOT!, "odoo_staging")),
            sourceFiles,
        );
        // ...neutralized as Odoo 18 leaves it (the text `true`), with the platform's extras...
        assert.equal(params("odoo_staging", "database.is_neutralized"), "true");
        assert.equal(params("odoo_staging", "web.base.url"), "https://staging.example.com");
        assert.equal(params("odoo_staging", "web.base.url.freeze"), "True");
        assert.equal(params("odoo_staging", "database.enterprise_code"), "");
        // ...a new identity: the secret signs sessions and tokens, production's must not work here.
        const uuid = params("odoo_staging", "database.uuid");
        const secret = params("odoo_staging", "database.secret");
        assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.match(
            secret,
            /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        );
        assert.notEqual(uuid, PRODUCTION_UUID);
        assert.notEqual(secret, PRODUCTION_SECRET);
        assert.notEqual(uuid, secret);
        // ...only Mailpit active, and no credential left on any mail server, active or not.
        assert.equal(
            psql(
                env,
                "odoo_staging",
                "SELECT string_agg(smtp_host || ':' || smtp_port || ':' || smtp_encryption, ',') FROM ir_mail_server WHERE active",
            ),
            "staging-mailpit:1025:none",
        );
        assert.equal(
            psql(
                env,
                "odoo_staging",
                "SELECT count(*) FROM ir_mail_server WHERE smtp_user IS NOT NULL OR smtp_pass IS NOT NULL OR smtp_ssl_certificate IS NOT NULL OR smtp_ssl_private_key IS NOT NULL",
            ),
            "0",
        );
        assert.equal(psql(env, "odoo_staging", "SELECT count(*) FROM ir_mail_server"), "3");
        assert.equal(
            psql(
                env,
                "odoo_staging",
                'SELECT count(*) FROM fetchmail_server WHERE active OR password IS NOT NULL OR "user" IS NULL',
            ),
            "0",
        );
        assert.equal(
            psql(
                env,
                "odoo_staging",
                "SELECT string_agg(cron_name, ',') FROM ir_cron WHERE active",
            ),
            "Base: Auto-vacuum internal data",
        );
        // ...and the previous staging kept aside, untouched.
        assert.deepEqual(tableFingerprints(env, "odoo_staging_previous"), oldStaging);
        assert.ok(!databaseExists(env, "odoo_staging_restoring"));
    });

    it("stops at the gate when neutralization did not happen, leaving the target untouched", () => {
        const before = tableFingerprints(env, "odoo_staging");
        const r = run(restoreScript, ["latest", "odoo_staging", "staging"], {
            NEUTRALIZE_CMD: "true",
        });
        assert.notEqual(r.status, 0);
        assert.match(r.out, /gate: database\.is_neutralized is not set/);
        assert.match(r.out, /gate: active mail server smtp\.example\.com:587 is not Mailpit/);
        assert.match(r.out, /gate: active cron \d+ is not the autovacuum/);
        assert.match(r.out, /restore failed; odoo_staging is untouched/);
        assert.deepEqual(tableFingerprints(env, "odoo_staging"), before);
        assert.ok(!databaseExists(env, "odoo_staging_restoring"));
        assert.ok(!fs.existsSync(path.join(env.FILESTORE_ROOT!, "odoo_staging_restoring")));
    });

    it("refuses a copy marked neutralized the way only a stand-in would (the text True)", () => {
        const sql = path.join(dir, "neutralize-capital.sql");
        fs.writeFileSync(
            sql,
            NEUTRALIZE_EMULATION_SQL.replace(/\btrue\)\n/, "'True')\n").replace(
                "SET value = true",
                "SET value = 'True'",
            ),
        );
        const r = run(restoreScript, ["latest", "odoo_staging", "staging"], {
            NEUTRALIZE_CMD: `psql -X -q -v ON_ERROR_STOP=1 -d "$1" -f '${sql}'`,
        });
        assert.notEqual(r.status, 0, r.out);
        assert.match(r.out, /gate: database\.is_neutralized is not set/);
        assert.doesNotMatch(r.out, /gate: (active|mail server|incoming)/);
    });

    it("gate names every credential and identity a copy kept", () => {
        psql(env, "postgres", 'DROP DATABASE IF EXISTS "gate_probe"');
        createOdooDatabase(env, "gate_probe", path.join(dir, "gate-fs"), {
            partners: 1,
            attachments: 0,
            fileBytes: 0,
        });
        psql(env, "gate_probe", NEUTRALIZE_EMULATION_SQL);
        // Mail pointed at Mailpit, but nothing else of the platform's extras.
        psql(
            env,
            "gate_probe",
            "UPDATE ir_mail_server SET smtp_host = 'staging-mailpit' WHERE active",
        );
        const gate = path.join(dir, "gate.sh");
        fs.writeFileSync(
            gate,
            `${prelude()}\nverify_neutralized gate_probe ${PRODUCTION_UUID} ${PRODUCTION_SECRET}\n`,
        );
        const r = run(gate, []);
        assert.notEqual(r.status, 0);
        const lines = r.out
            .split("\n")
            .filter((l) => l.includes("gate:"))
            .map((l) => l.trim())
            .sort();
        assert.deepEqual(lines, [
            "gate: database.enterprise_code is kept",
            "gate: database.secret is the source database's",
            "gate: database.uuid is the source database's",
            "gate: incoming mail server 1 is active or keeps its credentials",
            "gate: mail server 1 (Production relay) keeps its credentials",
            "gate: mail server 2 (Marketing relay) keeps its credentials",
            "gate: web.base.url is https://erp.example.com, not https://staging.example.com",
            "gate: web.base.url.freeze is not set",
        ]);
    });

    it("restores from a repository it cannot write: the workflows' read-only key", () => {
        // backup-restore, restore-drill and the release rehearsal give odoo-restore a key that
        // only reads the bucket, where restic cannot write its lock.
        const copy = path.join(dir, "repo-read-only");
        fs.cpSync(env.RESTIC_REPOSITORY!, copy, { recursive: true });
        const readOnly = { RESTIC_REPOSITORY: copy, RESTIC_CACHE_DIR: path.join(dir, "cache-ro") };
        refuseLocks(copy, { ...env, ...readOnly });
        // Bounded: a restic that tries to lock would retry here for minutes.
        const r = spawnSync("sh", [restoreScript, "latest", "odoo_read_only", "production"], {
            env: { ...env, ...readOnly },
            encoding: "utf8",
            timeout: 60_000,
        });
        assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
        assert.deepEqual(tableFingerprints(env, "odoo_read_only"), source);
        assert.deepEqual(
            filestoreFingerprints(path.join(env.FILESTORE_ROOT!, "odoo_read_only")),
            sourceFiles,
        );
    });

    it("fails loudly on a missing snapshot, leaving the target untouched", () => {
        const before = tableFingerprints(env, "odoo_staging");
        const r = run(restoreScript, ["deadbeef", "odoo_staging", "staging"]);
        assert.notEqual(r.status, 0);
        assert.match(r.out, /deadbeef/);
        assert.match(r.out, /restore failed; odoo_staging is untouched/);
        assert.deepEqual(tableFingerprints(env, "odoo_staging"), before);
    });

    it("fails loudly on a corrupted repository, leaving the target untouched", () => {
        const copy = path.join(dir, "repo-corrupt");
        fs.cpSync(env.RESTIC_REPOSITORY!, copy, { recursive: true });
        const packs: string[] = [];
        const walk = (d: string) => {
            for (const e of fs.readdirSync(d, { withFileTypes: true })) {
                const p = path.join(d, e.name);
                if (e.isDirectory()) walk(p);
                else packs.push(p);
            }
        };
        walk(path.join(copy, "data"));
        assert.ok(packs.length > 0);
        for (const p of packs) {
            fs.chmodSync(p, 0o600);
            const buf = fs.readFileSync(p);
            buf.fill(0x41, 0, Math.min(buf.length, 4096));
            fs.writeFileSync(p, buf);
        }
        const before = tableFingerprints(env, "odoo_staging");
        const r = run(restoreScript, ["latest", "odoo_staging", "staging"], {
            RESTIC_REPOSITORY: copy,
            RESTIC_CACHE_DIR: path.join(dir, "cache2"),
        });
        assert.notEqual(r.status, 0, r.out);
        assert.match(r.out, /restore failed; odoo_staging is untouched/);
        assert.deepEqual(tableFingerprints(env, "odoo_staging"), before);
    });

    it("runs the restic release the backup job deploys", () => {
        const deployed = BACKUP_IMAGES.restic.split(":")[1];
        const tested = /^restic (\d+\.\d+\.\d+) /.exec(
            spawnSync("restic", ["version"], { encoding: "utf8" }).stdout,
        )?.[1];
        assert.equal(
            tested,
            deployed,
            `the tests run restic ${tested} but the backup job deploys ${BACKUP_IMAGES.restic}: ` +
                "test with the deployed release (README, Development) or move the pin",
        );
    });

    it("runs the PostgreSQL major release the database container deploys", () => {
        const tested = Math.floor(Number(psql(env, "postgres", "SHOW server_version_num")) / 10000);
        const deployed = Number(/^postgres:(\d+)/.exec(COMMON_DEFAULTS.postgresImage)?.[1]);
        assert.equal(
            tested,
            deployed,
            `the tests run PostgreSQL ${tested} but the default image is ${COMMON_DEFAULTS.postgresImage}`,
        );
    });

    it("refuses names that would reach into SQL", () => {
        const r = run(restoreScript, ["latest", 'odoo"; DROP DATABASE x; --', "staging"]);
        assert.notEqual(r.status, 0);
        assert.match(r.out, /invalid database name/);
    });

    it("--if-exists skips a database that does not exist yet", () => {
        const r = run(backupScript, ["--if-exists"], { PGDATABASE: "odoo_not_there" });
        assert.equal(r.status, 0, r.out);
        assert.match(r.out, /does not exist yet: nothing to back up/);
    });

    it(`keeps ${RETENTION.daily} daily, ${RETENTION.weekly} weekly and ${RETENTION.monthly} monthly snapshots`, async () => {
        const repo = path.join(dir, "repo-retention");
        const e = { ...env, RESTIC_REPOSITORY: repo };
        assert.equal(spawnSync("restic", ["init"], { env: e }).status, 0);
        // Sixty-odd restic commands follow: each opens the repository, and under the key's
        // calibrated scrypt cost that is most of their time. A cheap key (test repository only).
        cheapenRepositoryKey(repo, env.RESTIC_PASSWORD!);
        // 60 daily snapshots ending on 2026-11-24, one a day as the nightly job makes them,
        // created four at a time (restic allows concurrent backups to one repository).
        const last = Date.UTC(2026, 10, 24, 2, 15);
        const small = path.join(dir, "small");
        fs.mkdirSync(small, { recursive: true });
        fs.writeFileSync(path.join(small, "x"), "x");
        const days = Array.from({ length: 60 }, (_, d) => d);
        for (let i = 0; i < days.length; i += 4) {
            const batch = days.slice(i, i + 4).map((d) => {
                const t = new Date(last - d * 86400_000)
                    .toISOString()
                    .replace("T", " ")
                    .slice(0, 19);
                const args = [
                    "backup",
                    "-q",
                    "--tag",
                    "odoo",
                    "--host",
                    "odoo-platform",
                    "--time",
                    t,
                    small,
                ];
                return new Promise<void>((resolve, reject) =>
                    execFile("restic", args, { env: e }, (err) => (err ? reject(err) : resolve())),
                );
            });
            await Promise.all(batch);
        }
        // The retention step of the rendered script, exactly as written there.
        const forget = /rs forget ([^\n]*\\\n[^\n]*)/
            .exec(renderBackupScript())![1]
            .replace(/\\\n\s*/, "")
            .split(/\s+/);
        const r = spawnSync("restic", ["forget", ...forget], { env: e, encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        const kept = (
            JSON.parse(
                spawnSync("restic", ["snapshots", "--json"], { env: e, encoding: "utf8" }).stdout,
            ) as { time: string }[]
        )
            .map((s) => s.time.slice(0, 10))
            .sort();
        // Each rule counts on its own: the last snapshot of 7 days (Nov 18-24), of 4 ISO weeks
        // (Nov 24, and Sundays Nov 22, 15, 8) and of 3 months (Nov 24, Oct 31, Sep 30).
        assert.deepEqual(kept, [
            "2026-09-30",
            "2026-10-31",
            "2026-11-08",
            "2026-11-15",
            "2026-11-18",
            "2026-11-19",
            "2026-11-20",
            "2026-11-21",
            "2026-11-22",
            "2026-11-23",
            "2026-11-24",
        ]);
    });

    it("health endpoint says fresh, then stale after a day without backup", () => {
        const cgi = path.join(dir, "backup-health");
        fs.writeFileSync(cgi, renderHealthCgi());
        const stamp = path.join(env.SPOOL!, "last-success");
        let r = spawnSync("sh", [cgi], { env: { ...env }, encoding: "utf8" });
        assert.match(r.stdout, /^Status: 200 OK\r\n/);
        fs.writeFileSync(stamp, String(Math.floor(Date.now() / 1000) - 27 * 3600));
        r = spawnSync("sh", [cgi], { env: { ...env }, encoding: "utf8" });
        assert.match(r.stdout, /^Status: 503 Service Unavailable\r\n/);
        fs.rmSync(stamp);
        r = spawnSync("sh", [cgi], { env: { ...env }, encoding: "utf8" });
        assert.match(r.stdout, /^Status: 503/);
    });
});

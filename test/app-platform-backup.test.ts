/**
 * App Platform production's off-site backups: the app's `backup` worker (App Platform schedules no
 * jobs; a worker of the app is admitted by the cluster's firewall, which trusts the app) runs the
 * droplet runtime's odoo-backup from the image once a day into a restic repository on a bucket in
 * another region, with the same 7/4/3 retention. The worker's exact spec, the bucket, the config,
 * and the entrypoint's `backup` role for real: odoo-backup as the image holds it, against a real
 * PostgreSQL and restic, and a restore that checks the snapshot's manifest.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { APP_ENTRYPOINT } from "../components/app-spec";
import { BACKUP_IMAGES } from "../components/backup-job";
import { renderBackupScript, renderRestoreScript } from "../components/backup-scripts";
import { AppProps, appOdooProcesses } from "../policy/lib/odoo-processes";
import { dailyTime } from "../stacks/environment";
import { ProgramRun, inputsOf, isSecret, mockId } from "./doubles/mock-cloud";
import { createOdooDatabase } from "./doubles/odoo-fixture";
import { PgServer, startPostgres } from "./doubles/pg";
import { ROOT, ofType, one, runAppStack } from "./helpers";

const T = {
    app: "digitalocean:index/app:App",
    bucket: "digitalocean:index/spacesBucket:SpacesBucket",
    key: "digitalocean:index/spacesKey:SpacesKey",
    dbFirewall: "digitalocean:index/databaseFirewall:DatabaseFirewall",
};
const IMAGE_DIR = path.join(ROOT, "tools", "odoo-image");

type Env = { key: string; value: unknown; type: string; scope: string };
type Worker = { name: string; envs: Env[]; runCommand: string; image: unknown };

const workerOf = (run: ProgramRun, name: string) => {
    const spec = ofType(run.resources, T.app)[0].rawInputs["spec"] as { workers: Worker[] };
    return spec.workers.find((w) => w.name === name);
};

describe("App Platform production: off-site backups by the app's backup worker", function () {
    this.timeout(300_000);
    let prod: ProgramRun;
    before(async () => {
        prod = await runAppStack("prod");
    });

    it("the image holds odoo-backup exactly as the program renders it, and restic 0.18.0", () => {
        assert.equal(
            fs.readFileSync(path.join(IMAGE_DIR, "odoo-backup"), "utf8"),
            renderBackupScript(),
            "tools/odoo-image/odoo-backup is stale: npx ts-node tools/render-backup-script.ts",
        );
        assert.ok(fs.statSync(path.join(IMAGE_DIR, "odoo-backup")).mode & 0o100, "not executable");
        const dockerfile = fs.readFileSync(path.join(IMAGE_DIR, "Dockerfile"), "utf8");
        assert.match(dockerfile, new RegExp(`^FROM ${BACKUP_IMAGES.restic} AS restic$`, "m"));
        assert.match(
            dockerfile,
            /^COPY --from=restic \/usr\/bin\/restic \/usr\/local\/bin\/restic$/m,
        );
        assert.match(dockerfile, /^COPY .*\bodoo-backup \/usr\/local\/bin\/$/m);
        const build = fs.readFileSync(path.join(ROOT, "tools", "ci", "odoo-build.sh"), "utf8");
        assert.match(build, /platform\/tools\/odoo-image\/odoo-backup context\//);
    });

    it("runs the backup worker with the database binding, the repository and the time, secrets secret", () => {
        const w = workerOf(prod, "backup");
        assert.ok(w, "no backup worker");
        const web = (ofType(prod.resources, T.app)[0].rawInputs["spec"] as { services: Worker[] })
            .services[0];
        assert.deepEqual(w.image, web.image, "the backup worker runs the Odoo image");
        assert.equal(w.runCommand, `${APP_ENTRYPOINT} backup`);
        const plain = (
            inputsOf(ofType(prod.resources, T.app)[0])["spec"] as { workers: Worker[] }
        ).workers.find((x) => x.name === "backup")!;
        assert.deepEqual(
            plain.envs.map((e) => [e.key, e.type, e.scope]),
            [
                ["PGHOST", "GENERAL", "RUN_TIME"],
                ["PGPORT", "GENERAL", "RUN_TIME"],
                ["PGUSER", "GENERAL", "RUN_TIME"],
                ["PGPASSWORD", "GENERAL", "RUN_TIME"],
                ["PGDATABASE", "GENERAL", "RUN_TIME"],
                ["PGSSLMODE", "GENERAL", "RUN_TIME"],
                ["ODOO_BACKUP_AT", "GENERAL", "RUN_TIME"],
                ["RESTIC_REPOSITORY", "GENERAL", "RUN_TIME"],
                ["RESTIC_PASSWORD", "SECRET", "RUN_TIME"],
                ["AWS_ACCESS_KEY_ID", "SECRET", "RUN_TIME"],
                ["AWS_SECRET_ACCESS_KEY", "SECRET", "RUN_TIME"],
            ],
        );
        const value = (k: string) => plain.envs.find((e) => e.key === k)?.value;
        assert.equal(value("PGHOST"), "${db.HOSTNAME}");
        assert.equal(value("PGSSLMODE"), "require");
        assert.equal(value("PGDATABASE"), "odoo");
        assert.equal(value("ODOO_BACKUP_AT"), "02:15");
        assert.equal(
            value("RESTIC_REPOSITORY"),
            "s3:https://ams3.digitaloceanspaces.com/example-com-odoo-backups/restic",
        );
        for (const k of ["RESTIC_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
            const raw = w.envs.find((e) => e.key === k)!;
            assert.ok(isSecret(raw.value), `${k} is not secret`);
        }
    });

    it("backs up into a private, versioned bucket in another region, through a key for that bucket alone", () => {
        const bucket = one(prod.resources, T.bucket, "prod-backup-bucket");
        assert.equal(bucket.inputs["region"], "ams3");
        assert.notEqual(bucket.inputs["region"], "fra1");
        assert.equal(bucket.inputs["acl"], "private");
        assert.deepEqual(bucket.inputs["versioning"], { enabled: true });
        assert.equal(bucket.resource.protect, true);
        assert.deepEqual(one(prod.resources, T.key, "prod-backup-key").inputs["grants"], [
            { bucket: "example-com-odoo-backups", permission: "readwrite" },
        ]);
        // The cluster still admits the app alone: the worker is part of it.
        const app = ofType(prod.resources, T.app)[0];
        assert.deepEqual(one(prod.resources, T.dbFirewall, "prod-db-firewall").inputs["rules"], [
            { type: "app", value: mockId(app.type, app.name) },
        ]);
    });

    it("the policy pack reads the backup worker as no Odoo, and every other role still as one", () => {
        const spec = inputsOf(ofType(prod.resources, T.app)[0]) as AppProps;
        const roles = appOdooProcesses(spec).map((p) => `${p.name}:${p.role}`);
        assert.deepEqual(roles, ["web:web", "cron:cron", "upgrade:upgrade"]);
        // A role the entrypoint does not know is still checked as an Odoo.
        const odd = JSON.parse(JSON.stringify(spec)) as AppProps;
        odd.spec!.workers![1].runCommand = `${APP_ENTRYPOINT} backups`;
        assert.ok(appOdooProcesses(odd).some((p) => p.role === "backups"));
    });

    it("takes its time of day from backupSchedule, which must be daily there", async () => {
        const run = await runAppStack("prod", { backupSchedule: "30 4 * * *" });
        const w = workerOf(run, "backup")!;
        assert.equal(w.envs.find((e) => e.key === "ODOO_BACKUP_AT")?.value, "04:30");
        for (const [schedule, at] of [
            ["15 2 * * *", "02:15"],
            ["0 0 * * *", "00:00"],
            [" 59 23 * * * ", "23:59"],
        ]) {
            assert.equal(dailyTime(schedule), at);
        }
        for (const schedule of ["0 3 * * 0", "*/30 * * * *", "60 1 * * *", "0 24 * * *"]) {
            assert.throws(() => dailyTime(schedule), /must be daily/);
        }
    });

    describe("the entrypoint's backup role, for real", () => {
        let pg: PgServer;
        let dir: string;
        let env: NodeJS.ProcessEnv;
        before(() => {
            pg = startPostgres();
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-platform-app-backup-"));
            // A sleep that returns at once from the wait for the time of day and says how long it
            // was asked to wait; odoo-backup's own short waits really sleep.
            fs.mkdirSync(path.join(dir, "bin"));
            const realSleep = spawnSync("sh", ["-c", "command -v sleep"], {
                encoding: "utf8",
            }).stdout.trim();
            fs.writeFileSync(
                path.join(dir, "bin", "sleep"),
                `#!/bin/sh\nif [ "$1" -gt 10 ]; then echo "$1" >>'${path.join(dir, "slept")}'; else exec ${realSleep} "$1"; fi\n`,
                { mode: 0o755 },
            );
            env = {
                ...pg.env,
                PATH: `${path.join(dir, "bin")}:${process.env.PATH}`,
                PGDATABASE: "odoo",
                RESTIC_REPOSITORY: path.join(dir, "repo"),
                RESTIC_PASSWORD: "app-platform-backup-password",
                RESTIC_CACHE_DIR: path.join(dir, "cache"),
                SPOOL: path.join(dir, "spool"),
                FILESTORE_ROOT: path.join(dir, "filestore"),
                ODOO_BACKUP: path.join(IMAGE_DIR, "odoo-backup"),
                ODOO_BACKUP_RUNS: "1",
            };
            // App Platform keeps attachments in the database: no filestore is created.
            createOdooDatabase(env, "odoo", path.join(dir, "elsewhere"), {
                partners: 100,
                attachments: 0,
                fileBytes: 0,
            });
        });
        after(() => {
            pg?.stop();
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        });
        const entrypoint = (extra: NodeJS.ProcessEnv) =>
            spawnSync("sh", [path.join(IMAGE_DIR, APP_ENTRYPOINT), "backup"], {
                env: { ...env, ...extra },
                encoding: "utf8",
            });

        it("waits until ODOO_BACKUP_AT, then backs up with the image's odoo-backup; the snapshot restores, checked", () => {
            const soon = new Date(Date.now() + 3 * 60_000);
            const at = soon.toISOString().slice(11, 16);
            const r = entrypoint({ ODOO_BACKUP_AT: at });
            assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
            const waited = Number(fs.readFileSync(path.join(dir, "slept"), "utf8").trim());
            assert.ok(waited > 60 && waited <= 180, `waited ${waited} s for ${at}`);
            assert.match(r.stdout, new RegExp(`next backup at ${at} UTC, in ${waited} s`));
            assert.match(r.stdout, /snapshot [0-9a-f]{64} saved/);
            assert.match(r.stdout, /applying retention 7 daily \/ 4 weekly \/ 3 monthly/);
            const restore = path.join(dir, "odoo-restore");
            fs.writeFileSync(restore, renderRestoreScript());
            const back = spawnSync("sh", [restore, "latest", "odoo_back", "production"], {
                env: { ...env, TOOLS: "local", REQUIRE_MANIFEST: "1" },
                encoding: "utf8",
            });
            assert.equal(back.status, 0, `${back.stdout}${back.stderr}`);
            assert.match(
                back.stdout,
                /manifest: 8 tables \(\d+ rows\) and 0 files match the backup/,
            );
        });

        it("a time of day that has passed today is tomorrow's", () => {
            fs.rmSync(path.join(dir, "slept"), { force: true });
            const past = new Date(Date.now() - 2 * 60_000).toISOString().slice(11, 16);
            const r = entrypoint({ ODOO_BACKUP_AT: past });
            assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
            const waited = Number(fs.readFileSync(path.join(dir, "slept"), "utf8").trim());
            assert.ok(waited > 86_400 - 180 && waited <= 86_400 - 60, `waited ${waited} s`);
        });

        it("refuses a time that is not HH:MM and a missing repository before waiting", () => {
            const bad = entrypoint({ ODOO_BACKUP_AT: "2:15" });
            assert.equal(bad.status, 64);
            assert.match(bad.stderr, /ODOO_BACKUP_AT must be HH:MM \(UTC\), got '2:15'/);
            const none = entrypoint({ ODOO_BACKUP_AT: "02:15", RESTIC_REPOSITORY: "" });
            assert.notEqual(none.status, 0);
            assert.match(none.stderr, /RESTIC_REPOSITORY is not set/);
        });
    });
});

/**
 * The backup container runs the rendered scripts in the official `docker` CLI image, which is
 * Alpine's: its shell and every tool the scripts call outside PostgreSQL and restic (find, sort,
 * awk, sed, the file hashes, sleep, mkfifo…) are BusyBox applets, not coreutils. Here the scripts
 * run under `busybox sh` with a PATH that holds only BusyBox's applets, PostgreSQL's client and
 * server binaries and restic (which the container starts from their own images): a backup, a
 * staging refresh compared with its manifest, and the preview template's refresh.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderBackupScript, renderRestoreScript } from "../components/backup-scripts";
import { renderTemplateRefreshScript } from "../components/preview-scripts";
import { createOdooDatabase } from "./doubles/odoo-fixture";
import { PgServer, databaseExists, pgBin, psql, startPostgres } from "./doubles/pg";
import { backupEnv, refreshEnv } from "./doubles/script-env";

type Env = NodeJS.ProcessEnv;

describe("the backup scripts under BusyBox, as the backup container runs them", function () {
    this.timeout(300_000);
    let pg: PgServer;
    let dir: string;
    let env: Env;
    let busybox: string;
    const run = (script: string, args: string[], extra: Env = {}) => {
        const file = path.join(dir, `script-${Math.random().toString(16).slice(2)}`);
        fs.writeFileSync(file, script);
        const r = spawnSync(busybox, ["sh", file, ...args], {
            env: { ...env, ...extra },
            encoding: "utf8",
        });
        return { status: r.status, out: `${r.stdout}${r.stderr}` };
    };

    before(() => {
        pg = startPostgres();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-platform-busybox-"));
        const applets = path.join(dir, "busybox");
        fs.mkdirSync(applets);
        busybox = spawnSync("sh", ["-c", "command -v busybox"], { encoding: "utf8" }).stdout.trim();
        assert.ok(busybox, "busybox is not installed: sudo sh tools/test-tools.sh install");
        const installed = spawnSync(busybox, ["--install", "-s", applets], { encoding: "utf8" });
        assert.equal(installed.status, 0, installed.stderr);
        const restic = spawnSync("sh", ["-c", "command -v restic"], { encoding: "utf8" });
        env = {
            ...backupEnv(pg.env, dir, "odoo_bb"),
            ...refreshEnv(dir, "off"),
            PATH: [applets, pgBin(), path.dirname(restic.stdout.trim())].join(path.delimiter),
        };
        createOdooDatabase(env, "odoo_bb", env.FILESTORE_ROOT!);
    });
    after(() => {
        pg?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("has nothing but BusyBox for the tools the scripts call", () => {
        for (const tool of ["sh", "find", "sort", "awk", "sed", "sha512sum", "sleep", "mkfifo"]) {
            const r = spawnSync(busybox, ["sh", "-c", `command -v ${tool}`], {
                env,
                encoding: "utf8",
            });
            const found = r.stdout.trim();
            assert.ok(found.startsWith(env.PATH!.split(path.delimiter)[0]), `${tool} is ${found}`);
            assert.match(fs.readlinkSync(found), /busybox$/, `${tool} is ${found}`);
        }
    });

    it("backs up, and refreshes staging from the snapshot, compared with its manifest", () => {
        const backup = run(renderBackupScript(), []);
        assert.equal(backup.status, 0, backup.out);
        assert.match(backup.out, /snapshot [0-9a-f]{64} saved/);
        const restore = run(renderRestoreScript(), ["latest", "odoo_bb_staging", "staging"]);
        assert.equal(restore.status, 0, restore.out);
        assert.match(restore.out, /restoring snapshot [0-9a-f]{8}\n/);
        assert.match(
            restore.out,
            /manifest: 8 tables \([0-9]+ rows\) and 60 files match the backup/,
        );
        assert.match(restore.out, /restored odoo_bb into odoo_bb_staging/);
        assert.equal(
            psql(
                env,
                "odoo_bb_staging",
                "SELECT value FROM ir_config_parameter WHERE key = 'web.base.url'",
            ),
            "https://staging.example.com",
        );
    });

    it("stops a backup that could not hash the filestore, rather than compare no file", () => {
        const applets = env.PATH!.split(path.delimiter)[0];
        const without = path.join(dir, "without-sha512sum");
        fs.mkdirSync(without);
        for (const name of fs.readdirSync(applets).filter((n) => n !== "sha512sum")) {
            fs.symlinkSync(fs.readlinkSync(path.join(applets, name)), path.join(without, name));
        }
        const paths = env.PATH!.split(path.delimiter).slice(1);
        const r = run(renderBackupScript(), [], { PATH: [without, ...paths].join(path.delimiter) });
        assert.notEqual(r.status, 0, r.out);
        assert.match(r.out, /sha512sum is not installed: no file could be compared/);
        assert.doesNotMatch(r.out, /saved/);
    });

    it("refreshes the preview template from staging", () => {
        const r = run(renderTemplateRefreshScript(), [], { PGDATABASE: "odoo_bb_staging" });
        assert.equal(r.status, 0, r.out);
        assert.ok(databaseExists(env, "odoo_pr_template"));
        assert.equal(
            fs.readdirSync(path.join(env.FILESTORE_ROOT!, "odoo_pr_template")).length,
            fs.readdirSync(path.join(env.FILESTORE_ROOT!, "odoo_bb_staging")).length,
        );
    });
});

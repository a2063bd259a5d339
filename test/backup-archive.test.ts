/**
 * `odoo-archive` (the backup-download workflow's archive) on a real PostgreSQL and restic: a
 * snapshot written by the rendered odoo-backup becomes a zip that holds dump.sql and filestore/
 * (Odoo's own backup layout); dump.sql loads with psql into a database equal row for row to the
 * source, the filestore byte for byte; a snapshot whose filestore differs from its manifest is
 * refused with the file named.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderArchiveScript } from "../components/backup-archive";
import { renderBackupScript } from "../components/backup-scripts";
import {
    createOdooDatabase,
    filestoreFingerprints,
    tableFingerprints,
} from "./doubles/odoo-fixture";
import { PgServer, psql, startPostgres } from "./doubles/pg";
import { odooBackupArgs } from "./doubles/snapshots";
import { backupEnv } from "./doubles/script-env";

describe("odoo-archive: a snapshot as Odoo's backup zip (real PostgreSQL and restic)", function () {
    this.timeout(300_000);
    let pg: PgServer;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    const db = "odoo_archive";
    const sh = (script: string, args: string[]) => {
        const r = spawnSync("sh", [script, ...args], { env, encoding: "utf8" });
        return { status: r.status, out: `${r.stdout}${r.stderr}` };
    };

    before(() => {
        pg = startPostgres();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-platform-archive-"));
        fs.writeFileSync(path.join(dir, "odoo-backup"), renderBackupScript());
        fs.writeFileSync(path.join(dir, "odoo-archive"), renderArchiveScript());
        env = backupEnv(pg.env, dir, db);
        createOdooDatabase(env, db, env.FILESTORE_ROOT!, {
            partners: 200,
            attachments: 8,
            fileBytes: 300,
        });
        const b = sh(path.join(dir, "odoo-backup"), []);
        assert.equal(b.status, 0, b.out);
    });
    after(() => {
        pg?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("holds dump.sql and filestore/ that load into an equal database and filestore", () => {
        const zip = path.join(dir, "odoo-backup.zip");
        const r = sh(path.join(dir, "odoo-archive"), ["latest", zip]);
        assert.equal(r.status, 0, r.out);
        assert.match(r.out, /filestore: 8 files match the manifest/);
        const listing = spawnSync("unzip", ["-Z1", zip], { encoding: "utf8" }).stdout.split("\n");
        assert.ok(listing.includes("dump.sql"));
        assert.ok(listing.includes("odoo-platform/tables"));
        assert.equal(
            listing.filter((f) => /^filestore\/[0-9a-f]{2}\/[0-9a-f]{40}$/.test(f)).length,
            8,
        );
        const out = path.join(dir, "unzipped");
        assert.equal(spawnSync("unzip", ["-q", zip, "-d", out]).status, 0);
        // What Odoo's restore does with the zip: an empty database, then psql -f dump.sql.
        psql(env, "postgres", "CREATE DATABASE odoo_from_zip");
        const load = spawnSync(
            "psql",
            [
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                "odoo_from_zip",
                "-f",
                path.join(out, "dump.sql"),
            ],
            { env, encoding: "utf8" },
        );
        assert.equal(load.status, 0, load.stderr);
        assert.deepEqual(tableFingerprints(env, "odoo_from_zip"), tableFingerprints(env, db));
        assert.deepEqual(
            filestoreFingerprints(path.join(out, "filestore")),
            filestoreFingerprints(path.join(env.FILESTORE_ROOT!, db)),
        );
        assert.ok(
            !fs.readdirSync(env.SPOOL!).some((f) => f.startsWith("archive-")),
            "work removed",
        );
    });

    it("refuses a snapshot whose filestore differs from its manifest, naming the file", () => {
        // A snapshot with the last manifest and an altered filestore, at odoo-backup's paths.
        const current = path.join(env.SPOOL!, "current");
        const restored = path.join(dir, "restored");
        const restic = (args: string[]) => {
            const r = spawnSync("restic", args, { env, encoding: "utf8" });
            assert.equal(r.status, 0, r.stderr);
        };
        restic(["restore", "latest", "--target", restored, "--include", current]);
        fs.cpSync(path.join(restored, current), current, { recursive: true });
        const fsDir = path.join(env.FILESTORE_ROOT!, db);
        const victim = Object.keys(filestoreFingerprints(fsDir)).sort()[3];
        fs.appendFileSync(path.join(fsDir, victim), "x");
        restic(odooBackupArgs(db, current, fsDir));
        const zip = path.join(dir, "tampered.zip");
        const r = sh(path.join(dir, "odoo-archive"), ["latest", zip]);
        assert.notEqual(r.status, 0);
        assert.match(
            r.out,
            new RegExp(`differs: file \\./${victim}: content differs from the backup`),
        );
        assert.ok(!fs.existsSync(zip));
    });

    it("refuses a relative archive path and a snapshot that is not an id", () => {
        assert.match(
            sh(path.join(dir, "odoo-archive"), ["latest", "out.zip"]).out,
            /absolute path ending in \.zip/,
        );
        assert.match(
            sh(path.join(dir, "odoo-archive"), ["latest;id", "/tmp/x.zip"]).out,
            /invalid snapshot/,
        );
    });
});

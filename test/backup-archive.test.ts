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

/** A real pg_dump 17.12 archive (test/fixtures/pg-dump/README.md). */
const NEWER_DUMP = path.join(__dirname, "fixtures", "pg-dump", "pg_dump-17.12-of-15.20.dump");

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

    it("reads a newer pg_dump's archive with that release's image, or names what is missing", () => {
        // A real pg_dump 17.12 archive (archive version 1.16: the local pg_restore 15 refuses it)
        // beside odoo-backup's own manifest, as App Platform's backup worker writes them with the
        // Odoo image's newest pg_dump; filestore left out.
        const restored = path.join(dir, "restored-17");
        const current = path.join(dir, "newer", "current");
        const restic = (args: string[]) => {
            const r = spawnSync("restic", args, { env, encoding: "utf8" });
            assert.equal(r.status, 0, r.stderr);
            return r.stdout;
        };
        restic(["restore", "latest", "--target", restored, "--include", env.SPOOL!]);
        fs.mkdirSync(current, { recursive: true });
        fs.copyFileSync(
            path.join(restored, env.SPOOL!, "current", "manifest"),
            path.join(current, "manifest"),
        );
        fs.copyFileSync(NEWER_DUMP, path.join(current, "database.dump"));
        const id = /"snapshot_id":"([0-9a-f]{64})"/.exec(
            restic([...odooBackupArgs(db, current), "--json"]),
        )?.[1];
        assert.ok(id);
        const zip = path.join(dir, "newer.zip");
        // The tools this script runs, and a docker that logs its call and writes what the
        // postgres:17 image's pg_restore would (there is no Docker engine here).
        const bin = path.join(dir, "newer-bin");
        fs.mkdirSync(bin);
        // Only these on the PATH: whether this machine has a docker must not matter.
        const tools = ["restic", "pg_restore", "zip", "sha512sum", "od", "awk", "id", "date"];
        tools.push("grep", "sed", "cut", "head", "tr", "wc", "sort", "find", "dirname", "basename");
        tools.push("mkdir", "rm", "mv", "cp", "cat", "mktemp", "sh");
        for (const tool of tools) {
            const found = spawnSync("sh", ["-c", `command -v ${tool}`], {
                env,
                encoding: "utf8",
            }).stdout.trim();
            assert.ok(found, tool);
            fs.symlinkSync(found, path.join(bin, tool));
        }
        const archive = (extra: string) =>
            spawnSync("sh", [path.join(dir, "odoo-archive"), id, zip], {
                env: { ...env, PATH: `${extra}${bin}` },
                encoding: "utf8",
            });
        const refused = archive("");
        assert.equal(refused.status, 1, refused.stderr);
        assert.match(
            refused.stderr,
            /error: database\.dump was written by pg_dump 17\.12 \(Debian 17\.12-0\+deb13u1\), which this pg_restore \(PostgreSQL\) 15\.\d+ .*cannot read: install PostgreSQL 17's client, or run where Docker runs the postgres:17 image/,
        );
        assert.ok(!fs.existsSync(zip));
        const stub = path.join(dir, "docker-bin");
        fs.mkdirSync(stub);
        const calls = path.join(dir, "docker-calls");
        fs.writeFileSync(
            path.join(stub, "docker"),
            `#!/bin/sh\necho "$*" >>"${calls}"\n` +
                'while [ $# -gt 0 ]; do [ "$1" = -f ] && { echo "-- dump.sql" >"$2"; break; }; shift; done\n',
            { mode: 0o755 },
        );
        const read = archive(`${stub}:`);
        assert.equal(read.status, 0, read.stderr);
        assert.match(
            read.stdout,
            /writing dump\.sql of odoo_archive \(dumped by pg_dump 17\.12 \(Debian 17\.12-0\+deb13u1\)\)/,
        );
        const [call] = fs.readFileSync(calls, "utf8").trim().split("\n");
        const work = /-v (\S+):\1 /.exec(call)?.[1];
        assert.ok(work?.startsWith(path.join(env.SPOOL!, "archive-")), call);
        assert.equal(
            call,
            `run --rm --user ${process.getuid?.()}:${process.getgid?.()} -v ${work}:${work} postgres:17 ` +
                `pg_restore --no-owner --no-acl -f ${work}/zip/dump.sql ${work}/restored${current}/database.dump`,
        );
        const listing = spawnSync("unzip", ["-Z1", zip], { encoding: "utf8" }).stdout.split("\n");
        assert.ok(listing.includes("dump.sql"), listing.join(" "));
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

/**
 * The manifest a backup writes into its own snapshot (every table's rows and content checksum,
 * every filestore file's SHA-512) and the comparison every restore makes against it, on a real
 * PostgreSQL and a real restic repository, with the scripts exactly as the program renders them.
 * A tampered snapshot (a changed row, a missing row, a changed and a missing file) is refused with
 * the table and file named, and the target stays untouched. Manifests written before the
 * `checksums=` line (md5 of printed rows, sha256 of files) still restore and compare.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    CHECKSUM_SETTINGS_SQL,
    CHECKSUM_VERSION,
    LEGACY_TABLE_CHECKSUMS_SQL,
    TABLE_CHECKSUMS_SQL,
    renderBackupScript,
    renderRestoreScript,
} from "../components/backup-scripts";
import {
    createOdooDatabase,
    filestoreFingerprints,
    tableFingerprints,
} from "./doubles/odoo-fixture";
import { PgServer, databaseExists, psql, startPostgres } from "./doubles/pg";
import { odooBackupArgs } from "./doubles/snapshots";
import { backupEnv, refreshEnv } from "./doubles/script-env";

type Env = NodeJS.ProcessEnv;

describe("backup manifest: every table and file checked on restore (real PostgreSQL and restic)", function () {
    this.timeout(300_000);
    let pg: PgServer;
    let dir: string;
    let env: Env;
    let backupScript: string;
    let restoreScript: string;
    const db = "odoo_manifest";
    const run = (script: string, args: string[], extra: Env = {}) => {
        const r = spawnSync("sh", [script, ...args], {
            env: { ...env, ...extra },
            encoding: "utf8",
        });
        return { status: r.status, out: `${r.stdout}${r.stderr}` };
    };
    const restic = (args: string[]) => {
        const r = spawnSync("restic", args, { env, encoding: "utf8" });
        assert.equal(r.status, 0, `restic ${args.join(" ")}: ${r.stderr}`);
        return r.stdout;
    };
    const snapshots = (): { id: string; time: string }[] =>
        JSON.parse(restic(["snapshots", "--json", "--host", "odoo-platform", "--tag", "odoo"]));

    before(() => {
        pg = startPostgres();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-platform-manifest-"));
        backupScript = path.join(dir, "odoo-backup");
        restoreScript = path.join(dir, "odoo-restore");
        fs.writeFileSync(backupScript, renderBackupScript());
        fs.writeFileSync(restoreScript, renderRestoreScript());
        env = {
            ...backupEnv(pg.env, dir, db),
            // The manifest's proofs compare every row with the backup's: nothing rewritten after.
            ...refreshEnv(dir, "off"),
        };
        createOdooDatabase(env, db, env.FILESTORE_ROOT!, {
            partners: 300,
            attachments: 10,
            fileBytes: 256,
        });
        // Types whose text depends on session settings: the checksums must not.
        psql(
            env,
            db,
            `CREATE TABLE account_move (id serial PRIMARY KEY, date timestamptz, amount float8,
               total numeric(16,2), payload jsonb, blob bytea, span interval);
             INSERT INTO account_move (date, amount, total, payload, blob, span)
               SELECT now() - i * interval '1 day', i / 3.0, i * 1.5, jsonb_build_object('i', i),
                      decode(md5(i::text), 'hex'), i * interval '90 minutes'
                 FROM generate_series(1, 50) i;`,
        );
        // Types PostgreSQL does not hash by value alone (json, xml, point and tsvector have no hash;
        // an enum hashes its label's oid, which a restore changes): their table is checksummed
        // as printed rows. A domain, arrays and varchar hash as stored.
        psql(
            env,
            db,
            `CREATE TYPE move_state AS ENUM ('draft', 'posted');
             CREATE TABLE ir_odd_types (id serial PRIMARY KEY, doc json, arch xml, spot point,
               words tsvector, state move_state);
             INSERT INTO ir_odd_types (doc, arch, spot, words, state)
               SELECT json_build_object('i', i), xmlelement(name v, i), point(i, -i),
                      to_tsvector('simple', 'partner ' || i),
                      CASE WHEN i % 2 = 0 THEN 'draft' ELSE 'posted' END::move_state
                 FROM generate_series(1, 20) i;
             CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
             CREATE TABLE ir_even_types (id serial PRIMARY KEY, qty positive, tags text[],
               refs int[], code varchar(8), moves jsonb[]);
             INSERT INTO ir_even_types (qty, tags, refs, code, moves)
               SELECT i, ARRAY['t' || i], ARRAY[i, i + 1], 'C' || i, ARRAY[jsonb_build_object('i', i)]
                 FROM generate_series(1, 20) i;`,
        );
    });
    let manifestRows = 0;
    const TABLES = 11;
    after(() => {
        pg?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("hashes a table as stored when PostgreSQL can hash every column, else as printed rows", () => {
        // The generated statements, printed instead of run.
        const statements = psql(env, db, TABLE_CHECKSUMS_SQL.replace("\\gexec", ";")).split("\n");
        const of = (table: string) =>
            statements.find((l) => l.startsWith(`SELECT 'public.${table}'`));
        assert.match(of("ir_odd_types") ?? "", /hashtextextended\(t::text, 0\)/);
        for (const table of ["ir_even_types", "account_move", "res_partner", "ir_attachment"]) {
            assert.match(of(table) ?? "", /hash_record_extended\(t, 0\)/, table);
        }
        assert.equal(statements.length, TABLES);
    });

    it("writes the manifest into the snapshot: rows and checksum per table, SHA-512 per file", () => {
        const r = run(backupScript, []);
        assert.equal(r.status, 0, r.out);
        const [snap] = snapshots();
        const current = path.join(env.SPOOL!, "current");
        const tables = restic(["dump", snap.id, path.join(current, "tables")])
            .trim()
            .split("\n");
        // Every table of the database, with its real row count (what count(*) says now).
        const counts = psql(
            env,
            db,
            `SELECT string_agg(n.nspname || '.' || c.relname, ',' ORDER BY n.nspname, c.relname)
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind = 'r' AND n.nspname = 'public'`,
        ).split(",");
        assert.deepEqual(
            tables.map((l) => l.split("|")[0]),
            counts.map((t) => t),
        );
        for (const line of tables) {
            const [table, rows, sum] = line.split("|");
            assert.equal(rows, psql(env, db, `SELECT count(*) FROM ${table}`), table);
            assert.match(sum, /^-?[0-9]+$/);
        }
        assert.ok(tables.some((l) => l.startsWith("public.res_partner|300|")));
        manifestRows = tables.reduce((n, l) => n + Number(l.split("|")[1]), 0);
        const files = restic(["dump", snap.id, path.join(current, "files")])
            .trim()
            .split("\n");
        const expected = filestoreFingerprints(path.join(env.FILESTORE_ROOT!, db), "sha512");
        assert.equal(files.length, 10);
        assert.deepEqual(
            Object.fromEntries(
                files.map((l) => [l.slice(130).replace(/^\.\//, ""), l.slice(0, 128)]),
            ),
            expected,
        );
        const manifest = restic(["dump", snap.id, path.join(current, "manifest")]);
        assert.match(manifest, new RegExp(`^database=${db}$`, "m"));
        assert.match(manifest, new RegExp(`^tables=${counts.length}$`, "m"));
        assert.match(manifest, /^files=10$/m);
        assert.match(manifest, new RegExp(`^checksums=${CHECKSUM_VERSION}$`, "m"));
    });

    it("a restore compares every table and file with it, under other session settings", () => {
        const r = run(restoreScript, ["latest", "odoo_checked", "production"], {
            // A server or client with another time zone and date style renders rows differently;
            // the comparison sets its own.
            PGTZ: "America/New_York",
            PGDATESTYLE: "SQL, DMY",
        });
        assert.equal(r.status, 0, r.out);
        assert.match(
            r.out,
            new RegExp(
                `manifest: ${TABLES} tables \\(${manifestRows} rows\\) and 10 files match the backup`,
            ),
        );
        // The snapshot restic restored, as it named it (the only one there is).
        const [snap] = snapshots();
        assert.match(r.out, new RegExp(`restoring snapshot ${snap.id.slice(0, 8)}\n`));
    });

    it("describes the dump, not the live database, when Odoo writes during the backup", () => {
        // A pg_dump that lets a write land after the snapshot was exported and before it dumps:
        // the manifest must describe what the dump holds, so the restore still matches it.
        const realPgDump = spawnSync("sh", ["-c", "command -v pg_dump"], {
            env,
            encoding: "utf8",
        }).stdout.trim();
        const shims = path.join(dir, "shims");
        fs.mkdirSync(shims, { recursive: true });
        fs.writeFileSync(
            path.join(shims, "pg_dump"),
            `#!/bin/sh\npsql -X -q -d ${db} -c "INSERT INTO res_partner (name) VALUES ('written during the backup')" >/dev/null\nexec ${realPgDump} "$@"\n`,
            { mode: 0o755 },
        );
        const shimmed = { PATH: `${shims}:${env.PATH}` };
        const b = run(backupScript, [], shimmed);
        assert.equal(b.status, 0, b.out);
        assert.equal(psql(env, db, "SELECT count(*) FROM res_partner"), "301");
        const r = run(restoreScript, ["latest", "odoo_during", "production"]);
        assert.equal(r.status, 0, r.out);
        assert.equal(psql(env, "odoo_during", "SELECT count(*) FROM res_partner"), "300");
        assert.match(r.out, new RegExp(`manifest: ${TABLES} tables .* match the backup`));
    });

    it("refuses a tampered snapshot, naming every table and file that differs; target untouched", () => {
        // A snapshot whose dump and filestore do not match its manifest: the manifest of the last
        // backup kept, the dump made from an altered copy, the filestore altered. Paths are those
        // odoo-backup uses, so odoo-restore reads it like any other snapshot.
        const current = path.join(env.SPOOL!, "current");
        const [last] = snapshots().slice(-1);
        fs.rmSync(current, { recursive: true, force: true });
        const extracted = path.join(dir, "extracted");
        restic(["restore", last.id, "--target", extracted, "--include", current]);
        fs.cpSync(path.join(extracted, current), current, { recursive: true });
        psql(env, "postgres", `CREATE DATABASE odoo_altered TEMPLATE ${db}`);
        psql(
            env,
            "odoo_altered",
            `DELETE FROM res_partner WHERE name = 'written during the backup';
             UPDATE res_partner SET email = 'changed@example.com'
              WHERE id = (SELECT min(id) FROM res_partner);
             DELETE FROM ir_attachment WHERE id = (SELECT max(id) FROM ir_attachment);`,
        );
        const dump = spawnSync(
            "pg_dump",
            [
                "-Fc",
                "--no-owner",
                "--no-acl",
                "-f",
                path.join(current, "database.dump"),
                "odoo_altered",
            ],
            { env, encoding: "utf8" },
        );
        assert.equal(dump.status, 0, dump.stderr);
        const fsDir = path.join(env.FILESTORE_ROOT!, db);
        const files = Object.keys(filestoreFingerprints(fsDir)).sort();
        const changed = files[0];
        const removed = files[1];
        const bytes = fs.readFileSync(path.join(fsDir, changed));
        bytes[bytes.length - 1] ^= 0xff;
        fs.writeFileSync(path.join(fsDir, changed), bytes);
        fs.rmSync(path.join(fsDir, removed));
        restic(odooBackupArgs(db, current, fsDir));
        fs.rmSync(current, { recursive: true, force: true });

        createOdooDatabase(env, "odoo_target", env.FILESTORE_ROOT!, {
            partners: 5,
            attachments: 1,
            fileBytes: 16,
        });
        const before = tableFingerprints(env, "odoo_target");
        const r = run(restoreScript, ["latest", "odoo_target", "staging"]);
        assert.notEqual(r.status, 0, r.out);
        assert.match(
            r.out,
            /differs: table public\.res_partner: content differs from the backup \(300 rows\)/,
        );
        assert.match(
            r.out,
            /differs: table public\.ir_attachment: 9 rows restored, 10 in the backup/,
        );
        assert.match(
            r.out,
            new RegExp(`differs: file \\./${changed}: content differs from the backup`),
        );
        assert.match(
            r.out,
            new RegExp(`differs: file \\./${removed}: in the backup, missing from the restore`),
        );
        assert.equal((r.out.match(/differs: /g) ?? []).length, 4, r.out);
        assert.match(r.out, /differs from the manifest its backup wrote/);
        assert.match(r.out, /restore failed; odoo_target is untouched/);
        // Compared before neutralization: nothing was neutralized or switched.
        assert.doesNotMatch(r.out, /neutralizing/);
        assert.deepEqual(tableFingerprints(env, "odoo_target"), before);
        assert.ok(!databaseExists(env, "odoo_target_restoring"));
        assert.ok(!fs.existsSync(path.join(env.FILESTORE_ROOT!, "odoo_target_restoring")));
    });

    /**
     * A snapshot of the database as it is now, its manifest written the way odoo-backup wrote it
     * before the checksums= line: md5s of printed rows, sha256 of files. `edit` may alter the
     * manifest's files before they are stored.
     */
    const legacySnapshot = (edit: (current: string) => void = () => undefined) => {
        const current = path.join(env.SPOOL!, "current");
        fs.rmSync(current, { recursive: true, force: true });
        fs.mkdirSync(current, { recursive: true });
        const fsDir = path.join(env.FILESTORE_ROOT!, db);
        const sh = (cmd: string, args: string[], input?: string) => {
            const r = spawnSync(cmd, args, { env, encoding: "utf8", input });
            assert.equal(r.status, 0, `${cmd}: ${r.stderr}`);
            return r.stdout;
        };
        sh("pg_dump", [
            "-Fc",
            "--no-owner",
            "--no-acl",
            "-f",
            path.join(current, "database.dump"),
            db,
        ]);
        const tables = sh(
            "psql",
            ["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db],
            CHECKSUM_SETTINGS_SQL + LEGACY_TABLE_CHECKSUMS_SQL,
        )
            .split("\n")
            .filter((l) => /^[^|]+[|][0-9]+[|]-?[0-9]+$/.test(l));
        assert.equal(tables.length, TABLES);
        fs.writeFileSync(path.join(current, "tables"), tables.join("\n") + "\n");
        const files = sh("sh", [
            "-c",
            `cd '${fsDir}' && find . -type f -exec sha256sum {} + | sort -k 2`,
        ]);
        fs.writeFileSync(path.join(current, "files"), files);
        fs.writeFileSync(
            path.join(current, "manifest"),
            `database=${db}\nfilestore=${fsDir}\ntables=${TABLES}\nfiles=${files.trim().split("\n").length}\n`,
        );
        edit(current);
        restic(odooBackupArgs(db, current, fsDir));
        fs.rmSync(current, { recursive: true, force: true });
    };

    it("restores and compares a snapshot whose manifest predates the checksums line", () => {
        legacySnapshot();
        const r = run(restoreScript, ["latest", "odoo_legacy", "production"]);
        assert.equal(r.status, 0, r.out);
        assert.match(r.out, new RegExp(`manifest: ${TABLES} tables .* match the backup`));
    });

    it("still names what differs from such a manifest", () => {
        legacySnapshot((current) => {
            const file = path.join(current, "tables");
            fs.writeFileSync(
                file,
                fs
                    .readFileSync(file, "utf8")
                    .replace(
                        /^(public\.res_users\|[0-9]+\|)(-?[0-9]+)$/m,
                        (_, head, sum) => `${head}${BigInt(sum) + 1n}`,
                    ),
            );
        });
        const r = run(restoreScript, ["latest", "odoo_legacy_changed", "production"]);
        assert.notEqual(r.status, 0, r.out);
        assert.match(r.out, /differs: table public\.res_users: content differs from the backup/);
        assert.equal((r.out.match(/differs: /g) ?? []).length, 1, r.out);
        assert.ok(!databaseExists(env, "odoo_legacy_changed"));
    });

    it("refuses, before loading anything, a manifest whose checksums it does not know", () => {
        legacySnapshot((current) => {
            fs.appendFileSync(path.join(current, "manifest"), "checksums=9\n");
        });
        const r = run(restoreScript, ["latest", "odoo_future", "production"]);
        assert.notEqual(r.status, 0, r.out);
        assert.match(
            r.out,
            /the manifest's checksums are version '9', which this script does not know: use the odoo-platform release that took the backup, or a later one/,
        );
        assert.doesNotMatch(r.out, /loading /);
        assert.ok(!databaseExists(env, "odoo_future"));
        assert.ok(!databaseExists(env, "odoo_future_restoring"));
    });

    it("REQUIRE_MANIFEST=1 refuses a snapshot that has none; without it the restore says so", () => {
        const current = path.join(env.SPOOL!, "current");
        fs.mkdirSync(current, { recursive: true });
        const fsDir = path.join(env.FILESTORE_ROOT!, db);
        // What odoo-backup wrote before manifests: the dump and two lines.
        const dump = spawnSync(
            "pg_dump",
            ["-Fc", "--no-owner", "--no-acl", "-f", path.join(current, "database.dump"), db],
            { env, encoding: "utf8" },
        );
        assert.equal(dump.status, 0, dump.stderr);
        fs.writeFileSync(path.join(current, "manifest"), `database=${db}\nfilestore=${fsDir}\n`);
        restic(odooBackupArgs(db, current, fsDir));
        fs.rmSync(current, { recursive: true, force: true });
        const refused = run(restoreScript, ["latest", "odoo_old", "production"], {
            REQUIRE_MANIFEST: "1",
        });
        assert.notEqual(refused.status, 0);
        assert.match(refused.out, /has no manifest .* REQUIRE_MANIFEST=1 refuses it/);
        assert.ok(!databaseExists(env, "odoo_old"));
        const allowed = run(restoreScript, ["latest", "odoo_old", "production"]);
        assert.equal(allowed.status, 0, allowed.out);
        assert.match(allowed.out, /has no manifest .*: rows and files not compared/);
    });
});

/**
 * Anonymized copies on a real PostgreSQL: production's people (test/doubles/odoo-people.ts) are
 * backed up into a real restic repository and restored as staging by the rendered script with
 * ANONYMIZE=personal-data; the gate refuses a copy that was not anonymized; the preview template
 * refresh anonymizes what staging gained since. `odoo neutralize` is the stand-in of backup.test.ts.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ANONYMIZED_MARKER } from "../components/anonymization";
import {
    PLATFORM_EXTRAS_SQL,
    prelude,
    renderBackupScript,
    renderRestoreScript,
} from "../components/backup-scripts";
import { renderTemplateRefreshScript } from "../components/preview-scripts";
import { NEUTRALIZE_EMULATION_SQL, createOdooDatabase } from "./doubles/odoo-fixture";
import { PEOPLE, addPeople } from "./doubles/odoo-people";
import { PgServer, databaseExists, psql, startPostgres } from "./doubles/pg";
import { backupEnv, refreshEnv } from "./doubles/script-env";

describe("anonymized copies on a real PostgreSQL", function () {
    this.timeout(300_000);
    let pg: PgServer;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    const sh = (script: string, args: string[], extra: NodeJS.ProcessEnv = {}) => {
        const file = path.join(dir, `script-${Math.random().toString(36).slice(2)}.sh`);
        fs.writeFileSync(file, script);
        const r = spawnSync("sh", [file, ...args], { env: { ...env, ...extra }, encoding: "utf8" });
        return { status: r.status, out: `${r.stdout}${r.stderr}` };
    };
    const sql = (db: string, q: string) => psql(env, db, q);
    /** Every personal table as text, in id order: equal dumps, equal data. */
    const people = (db: string) =>
        ["res_partner", "res_users", "res_partner_bank"].map((t) =>
            sql(db, `SELECT string_agg(t::text, E'\\n' ORDER BY id) FROM ${t} t`),
        );
    const phone = (id: number) => `+000 ${String(id).padStart(9, "0")}`;
    const partner = (db: string, id: number, cols: string) =>
        sql(db, `SELECT concat_ws('|', ${cols}) FROM res_partner WHERE id = ${id}`);

    before(() => {
        pg = startPostgres();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-platform-anonymize-"));
        env = { ...backupEnv(pg.env, dir, "odoo_prod"), ...refreshEnv(dir, "personal-data") };
        createOdooDatabase(env, "odoo_prod", env.FILESTORE_ROOT!, {
            partners: 200,
            attachments: 1,
            fileBytes: 16,
        });
        addPeople(env, "odoo_prod");
        const b = sh(renderBackupScript(), []);
        assert.equal(b.status, 0, b.out);
    });
    after(() => {
        pg?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("refuses a non-production restore without the setting, before touching anything", () => {
        const r = sh(renderRestoreScript(), ["latest", "odoo_staging", "staging"], {
            ANONYMIZE: "",
        });
        assert.notEqual(r.status, 0);
        assert.match(r.out, /set ANONYMIZE to personal-data or off \(config anonymize\), got ''/);
        assert.doesNotMatch(r.out, /restoring snapshot/);
        assert.ok(!databaseExists(env, "odoo_staging"));
    });

    it("restores staging with partners, users and bank accounts anonymized, the administrators kept", () => {
        const r = sh(renderRestoreScript(), ["latest", "odoo_staging", "staging"]);
        assert.equal(r.status, 0, r.out);
        assert.match(r.out, /anonymizing odoo_staging_restoring \(personal-data\)/);
        const db = "odoo_staging";
        const p = PEOPLE;
        const cols =
            "name, complete_name, email, email_normalized, phone, mobile, street, street2, zip, city, vat, " +
            "company_registry, commercial_company_name, website, comment, partner_latitude";
        // Kept: the company's own partner, and the administrators' (base's admin, Settings members).
        assert.equal(
            partner(db, p.companyPartner, cols),
            "Own Company SA|Own Company SA|info@own.example|info@own.example|+32 2 555 01 00|" +
                "Rue de la Loi 1|1000|Brussels|BE0123456789|0123456789|Own Company SA|" +
                "https://own.example|50.8466",
        );
        assert.equal(
            partner(db, p.admin, "name, complete_name, email, phone"),
            "Alice Admin|Own Company SA, Alice Admin|alice@own.example|+32 470 11 11 11",
        );
        assert.equal(partner(db, p.secondAdmin, "name, email"), "Bob Settings|bob@own.example");
        assert.equal(
            sql(db, `SELECT string_agg(login, ',' ORDER BY id) FROM res_users WHERE id > 50000`),
            `__system__,alice@own.example,bob@own.example,public,user-${p.employee}@anonymized.invalid`,
        );
        assert.equal(
            sql(db, `SELECT password FROM res_users WHERE id = ${p.admin}`),
            "$pbkdf2-sha512$600000$alice",
        );
        // Anonymized: everything that names, reaches or locates a person.
        assert.equal(
            partner(db, p.employee, cols),
            `Partner ${p.employee}|Partner ${p.employee}|partner-${p.employee}@anonymized.invalid|` +
                `partner-${p.employee}@anonymized.invalid|${phone(p.employee)}|${phone(p.employee)}|` +
                `${p.employee} Anonymized Street|1050|Ixelles`,
        );
        assert.equal(
            partner(db, p.customer, cols),
            `Partner ${p.customer}|Partner ${p.customer}|partner-${p.customer}@anonymized.invalid|` +
                `partner-${p.customer}@anonymized.invalid|${phone(p.customer)}|` +
                `${p.customer} Anonymized Street|4000|Liège|BE${String(p.customer).padStart(10, "0")}|REG${p.customer}|` +
                `Partner ${p.customer}`,
        );
        assert.equal(
            partner(db, p.contact, "name, complete_name, commercial_company_name, email, mobile"),
            `Partner ${p.contact}|Partner ${p.customer}, Partner ${p.contact}|Partner ${p.customer}|` +
                `partner-${p.contact}@anonymized.invalid|${phone(p.contact)}`,
        );
        assert.equal(
            partner(db, p.ownContact, "name, complete_name, commercial_company_name"),
            `Partner ${p.ownContact}|Own Company SA, Partner ${p.ownContact}|Own Company SA`,
        );
        assert.equal(
            sql(
                db,
                `SELECT concat_ws('|', login, password IS NULL, signature IS NULL) FROM res_users WHERE id = ${p.employee}`,
            ),
            `user-${p.employee}@anonymized.invalid|t|t`,
        );
        assert.equal(
            sql(
                db,
                "SELECT string_agg(concat_ws('|', partner_id, acc_number, sanitized_acc_number, acc_holder_name), E'\\n' ORDER BY id) FROM res_partner_bank",
            ),
            [
                `${p.companyPartner}|BE71 0961 2345 6769|BE71096123456769|Own Company SA`,
                `${p.customer}|ANON000000000002|ANON000000000002|Holder 2`,
                `${p.employee}|ANON000000000003|ANON000000000003|Holder 3`,
                `${p.admin}|ANON000000000004|ANON000000000004`,
            ].join("\n"),
        );
        // Not one production address, phone number, street or account left among the others.
        for (const [table, needle] of [
            ["res_partner", "@customer.example"],
            ["res_partner", "@dupont.example"],
            ["res_partner", "eve@own.example"],
            ["res_partner", "Main Street"],
            ["res_partner", "Dupont"],
            ["res_partner", "+32 470 0"],
            ["res_partner", "peanuts"],
            ["res_users", "@example.com"],
            ["res_users", "eve@"],
            ["res_partner_bank", "BE68"],
        ]) {
            assert.equal(
                sql(db, `SELECT count(*) FROM ${table} t WHERE t::text LIKE '%${needle}%'`),
                "0",
                `${table} still holds ${needle}`,
            );
        }
        assert.equal(
            sql(db, `SELECT value FROM ir_config_parameter WHERE key = '${ANONYMIZED_MARKER}'`),
            "personal-data",
        );
        // The rest of the pipeline ran as before: neutralized, Mailpit, the gate passed.
        assert.equal(
            sql(db, "SELECT value FROM ir_config_parameter WHERE key = 'database.is_neutralized'"),
            "true",
        );
    });

    it("is deterministic: a second refresh gives every row the same pseudonym", () => {
        const first = people("odoo_staging");
        const r = sh(renderRestoreScript(), ["latest", "odoo_staging", "staging"]);
        assert.equal(r.status, 0, r.out);
        assert.deepEqual(people("odoo_staging"), first);
        assert.notDeepEqual(people("odoo_prod"), first);
    });

    it("keeps production's people with ANONYMIZE=off", () => {
        const r = sh(renderRestoreScript(), ["latest", "odoo_plain", "staging"], {
            ANONYMIZE: "off",
        });
        assert.equal(r.status, 0, r.out);
        assert.doesNotMatch(r.out, /anonymizing/);
        assert.deepEqual(people("odoo_plain"), people("odoo_prod"));
    });

    it("gate refuses a copy that was not anonymized, and one a row escaped", () => {
        const gate = (db: string) => sh(`${prelude()}\nverify_anonymized ${db}\n`, []);
        // Neutralized and extras done, anonymization not run.
        let r = gate("odoo_plain");
        assert.notEqual(r.status, 0);
        const lines = r.out
            .split("\n")
            .filter((l) => l.includes("gate:"))
            .map((l) => l.trim());
        assert.ok(
            lines.includes(`gate: ${ANONYMIZED_MARKER} is not set: the copy was not anonymized`),
            r.out,
        );
        for (const kept of [
            "res_partner keep their name",
            "res_partner keep their email",
            "res_partner keep their phone",
            "res_partner keep their street",
            "res_users keep their login",
            "res_users keep their password",
            "res_partner_bank keep their acc_number",
        ]) {
            assert.ok(
                lines.some((l) => l.endsWith(kept)),
                `${kept}\n${r.out}`,
            );
        }
        // The fixture's 25 users and the employee; not base's users, not the administrators.
        assert.match(r.out, /gate: 26 row\(s\) of res_users keep their login/);
        // Marked anonymized, but one person put back: the data check finds it.
        sql(
            "odoo_staging",
            `UPDATE res_partner SET email = 'eve@own.example' WHERE id = ${PEOPLE.employee}`,
        );
        r = gate("odoo_staging");
        assert.notEqual(r.status, 0);
        assert.deepEqual(
            r.out
                .split("\n")
                .filter((l) => l.includes("gate:"))
                .map((l) => l.trim()),
            ["gate: 1 row(s) of res_partner keep their email"],
        );
        sql(
            "odoo_staging",
            `UPDATE res_partner SET email = 'partner-${PEOPLE.employee}@anonymized.invalid' WHERE id = ${PEOPLE.employee}`,
        );
        assert.equal(gate("odoo_staging").status, 0);
        // With ANONYMIZE=off the gate asks nothing of the data.
        assert.equal(
            sh(`${prelude()}\nverify_anonymized odoo_plain\n`, [], { ANONYMIZE: "off" }).status,
            0,
        );
    });

    it("stops the restore at the gate when anonymization leaves a row, the target untouched", () => {
        const before = people("odoo_staging");
        // An anonymization that misses a row, played by a trigger that puts a real address back
        // whenever that partner is written.
        const sabotage = path.join(dir, "neutralize-sabotage.sql");
        fs.writeFileSync(
            sabotage,
            `${NEUTRALIZE_EMULATION_SQL}
CREATE FUNCTION keep_email() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.email := 'jean@dupont.example'; RETURN NEW; END $$;
CREATE TRIGGER keep_email BEFORE UPDATE ON res_partner FOR EACH ROW
  WHEN (OLD.id = ${PEOPLE.contact}) EXECUTE FUNCTION keep_email();
`,
        );
        const r = sh(renderRestoreScript(), ["latest", "odoo_staging", "staging"], {
            NEUTRALIZE_CMD: `psql -X -q -v ON_ERROR_STOP=1 -d "$1" -f '${sabotage}'`,
        });
        assert.notEqual(r.status, 0, r.out);
        assert.match(r.out, /gate: 1 row\(s\) of res_partner keep their email/);
        assert.match(r.out, /anonymization of odoo_staging_restoring failed its verification/);
        assert.match(r.out, /restore failed; odoo_staging is untouched/);
        assert.deepEqual(people("odoo_staging"), before);
        assert.ok(!databaseExists(env, "odoo_staging_restoring"));
    });

    it("anonymizes in the template refresh what people added on staging since its refresh", () => {
        // Someone types a real customer into staging.
        sql(
            "odoo_staging",
            `INSERT INTO res_partner (id, name, complete_name, email, phone, is_company, commercial_partner_id, type)
             VALUES (12345, 'Real Person', 'Real Person', 'real.person@customer.example', '+32 477 00 00 01', false, 12345, 'contact')`,
        );
        const r = sh(renderTemplateRefreshScript(), [], { PGDATABASE: "odoo_staging" });
        assert.equal(r.status, 0, r.out);
        sql("postgres", "ALTER DATABASE odoo_pr_template WITH ALLOW_CONNECTIONS true");
        try {
            assert.equal(
                partner("odoo_pr_template", 12345, "name, complete_name, email, phone"),
                "Partner 12345|Partner 12345|partner-12345@anonymized.invalid|+000 000012345",
            );
            // Already anonymized rows came through unchanged: same pseudonyms as staging's.
            assert.equal(
                partner("odoo_pr_template", PEOPLE.customer, "name, email"),
                partner("odoo_staging", PEOPLE.customer, "name, email"),
            );
        } finally {
            sql("postgres", "ALTER DATABASE odoo_pr_template WITH ALLOW_CONNECTIONS false");
        }
    });

    it("anonymizes 20,000 partners with one statement per table, quickly", () => {
        createOdooDatabase(env, "odoo_big", path.join(dir, "big-fs"), {
            partners: 20_000,
            attachments: 0,
            fileBytes: 0,
        });
        addPeople(env, "odoo_big");
        sql("odoo_big", NEUTRALIZE_EMULATION_SQL);
        psql(
            { ...env },
            "odoo_big",
            PLATFORM_EXTRAS_SQL.replace(/:'base_url'/g, "'https://staging.example.com'")
                .replace(/:'mailpit_host'/g, "'staging-mailpit'")
                .replace(/:'mailpit_port'/g, "'1025'"),
        );
        sql("odoo_big", "SELECT pg_stat_reset()");
        const started = Date.now();
        const r = sh(`${prelude()}\nanonymize odoo_big\nverify_anonymized odoo_big\n`, []);
        const ms = Date.now() - started;
        assert.equal(r.status, 0, r.out);
        // Each anonymized partner written twice (names, then the names derived from them), each
        // user and account once: statements over sets, not a loop per row.
        // The fixture's partners and the employee, the customer and the two contacts.
        const anonymized = 20_000 + 4;
        const updates = sql(
            "odoo_big",
            "SELECT string_agg(relname || '=' || n_tup_upd, ',' ORDER BY relname) FROM pg_stat_user_tables WHERE relname IN ('res_partner', 'res_users', 'res_partner_bank')",
        );
        assert.equal(updates, `res_partner=${2 * anonymized},res_partner_bank=3,res_users=26`);
        assert.ok(ms < 60_000, `anonymizing 20,000 partners took ${ms} ms`);
    });
});

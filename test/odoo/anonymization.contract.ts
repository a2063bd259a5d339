/**
 * The anonymization on a database Odoo 18 created (base, web, mail): the columns the unit tests'
 * people (test/doubles/odoo-people.ts) add are Odoo's, with Odoo's types; the rendered
 * `anonymize` runs on Odoo's schema, keeps the administrator, passes its own gate; and Odoo
 * serves the result.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { prelude } from "../../components/backup-scripts";
import { PEOPLE_COLUMNS } from "../doubles/odoo-people";
import { psql } from "../doubles/pg";
import { realOdoo } from "./real-odoo";
import { DB_ROLE, OdooRunner, get, sharedRunner } from "./runner";

const DB = "contract_people";

describe("anonymization on a real Odoo", function () {
    let runner: OdooRunner;
    let env: NodeJS.ProcessEnv;
    let dir: string;
    const sql = (q: string) => psql(env, DB, q);
    const sh = (script: string) => {
        const file = path.join(dir, "anonymize.sh");
        fs.writeFileSync(file, script);
        const r = spawnSync("sh", [file], { env, encoding: "utf8" });
        return { status: r.status, out: `${r.stdout}${r.stderr}` };
    };

    before(async () => {
        runner = sharedRunner(realOdoo());
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-contract-anonymize-"));
        env = { ...runner.pg.env, PGUSER: DB_ROLE, TOOLS: "local", ANONYMIZE: "personal-data" };
        await runner.initDatabase(DB, ["base", "web", "mail"]);
    });
    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("has every column the unit tests' people have, with the same type", () => {
        for (const [table, columns] of Object.entries(PEOPLE_COLUMNS)) {
            for (const [column, type] of Object.entries(columns)) {
                assert.equal(
                    sql(
                        `SELECT data_type FROM information_schema.columns
                          WHERE table_schema = 'public' AND table_name = '${table}' AND column_name = '${column}'`,
                    ),
                    type,
                    `${table}.${column}`,
                );
            }
        }
    });

    it("anonymizes Odoo's own tables, keeps the administrator, and passes its gate", async () => {
        // A customer with a contact and a bank account, and an internal user, as Odoo stores them.
        sql(`INSERT INTO res_partner (name, complete_name, email, phone, street, is_company, active, type)
               VALUES ('Dupont SPRL', 'Dupont SPRL', 'info@dupont.example', '+32 4 222 33 44',
                       'Rue Neuve 5', true, true, 'contact');
             UPDATE res_partner SET commercial_partner_id = id WHERE name = 'Dupont SPRL';
             INSERT INTO res_partner (name, complete_name, email, parent_id, commercial_partner_id,
                                      is_company, active, type)
               SELECT 'Jean Dupont', 'Dupont SPRL, Jean Dupont', 'jean@dupont.example', id, id,
                      false, true, 'contact' FROM res_partner WHERE name = 'Dupont SPRL';
             INSERT INTO res_partner_bank (acc_number, sanitized_acc_number, partner_id, active,
                                           allow_out_payment)
               SELECT 'BE68 5390 0754 7034', 'BE68539007547034', id, true, false
                 FROM res_partner WHERE name = 'Dupont SPRL';
             INSERT INTO res_users (login, partner_id, company_id, active, notification_type)
               SELECT 'jean@dupont.example', id, 1, true, 'email'
                 FROM res_partner WHERE name = 'Jean Dupont';
             -- What mail computes and stores on every write of an e-mail address.
             UPDATE res_partner SET email_normalized = lower(email) WHERE email LIKE '%dupont%';`);
        const adminBefore = sql(
            `SELECT u.login || '|' || p.name || '|' || coalesce(p.email, '') FROM res_users u
               JOIN res_partner p ON p.id = u.partner_id
              WHERE u.id = (SELECT res_id FROM ir_model_data WHERE module = 'base' AND name = 'user_admin')`,
        );
        const before = sh(`${prelude()}\nverify_anonymized ${DB}\n`);
        assert.notEqual(before.status, 0, "the gate passed a database nobody anonymized");
        const r = sh(`${prelude()}\nanonymize ${DB}\nverify_anonymized ${DB}\n`);
        assert.equal(r.status, 0, r.out);
        assert.equal(
            sql(
                `SELECT string_agg(concat_ws('|', name, complete_name, email, email_normalized), E'\\n' ORDER BY id)
                   FROM res_partner WHERE email LIKE '%@anonymized.invalid'
                    AND id IN (SELECT id FROM res_partner ORDER BY id DESC LIMIT 2)`,
            ).replace(/\d+/g, "N"),
            [
                "Partner N|Partner N|partner-N@anonymized.invalid|partner-N@anonymized.invalid",
                "Partner N|Partner N, Partner N|partner-N@anonymized.invalid|partner-N@anonymized.invalid",
            ].join("\n"),
        );
        assert.equal(sql("SELECT count(*) FROM res_partner WHERE email LIKE '%dupont%'"), "0");
        assert.equal(sql("SELECT count(*) FROM res_users WHERE login LIKE '%dupont%'"), "0");
        assert.equal(
            sql("SELECT count(*) FROM res_partner_bank WHERE acc_number LIKE 'BE68%'"),
            "0",
        );
        assert.equal(
            sql(
                `SELECT u.login || '|' || p.name || '|' || coalesce(p.email, '') FROM res_users u
                   JOIN res_partner p ON p.id = u.partner_id
                  WHERE u.id = (SELECT res_id FROM ir_model_data WHERE module = 'base' AND name = 'user_admin')`,
            ),
            adminBefore,
        );
        // Odoo serves the anonymized database.
        const odoo = await runner.start(
            [
                "odoo",
                `--database=${DB}`,
                `--db-filter=^${DB}$`,
                "--no-database-list",
                "--http-port=8069",
                "--max-cron-threads=0",
            ],
            runner.dbEnv(),
        );
        try {
            assert.equal((await get(`${odoo.baseUrl}/web/login`)).status, 200);
        } finally {
            await odoo.stop();
        }
    });
});

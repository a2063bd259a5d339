/**
 * The droplet runtime's first start on a real Odoo: the one-shot init container of the example
 * production stack, exactly as rendered (the platform's entrypoint in its `init` role), against a
 * database that does not exist yet, then the stack's own Odoo container serving it. Left to
 * itself Odoo 18 would have created the database with demo data and `admin`/`admin` (observed,
 * see components/odoo-init.ts); every value asserted here is what the real Odoo wrote or answered.
 */
import { strict as assert } from "assert";
import { psql } from "../doubles/pg";
import { realOdoo } from "./real-odoo";
import { renderedContainer, renderedOdoo } from "./rendered";
import { DB_ROLE, OdooRunner, login, sharedRunner } from "./runner";

const DATABASE = "contract_first_start";

describe("the droplet runtime's first start on a real Odoo", function () {
    let runner: OdooRunner;
    let init: { command: readonly string[]; envs: readonly string[] };
    const sql = (query: string) => psql({ ...runner.pg.env, PGUSER: DB_ROLE }, DATABASE, query);
    const envValue = (name: string) =>
        init.envs.find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1) ?? "";

    before(async () => {
        runner = sharedRunner(realOdoo());
        init = await renderedContainer("prod", "prod-odoo-init", { odooDatabase: DATABASE });
        psql(runner.pg.env, "postgres", `DROP DATABASE IF EXISTS "${DATABASE}"`);
    });

    it("creates the database with base and no demo data", async () => {
        const log = await runner.run(init.command, init.envs);
        assert.match(log, /Modules loaded\./);
        assert.doesNotMatch(log, /loading demo/);
        assert.equal(
            sql("SELECT state, demo FROM ir_module_module WHERE name = 'base'"),
            "installed|f",
        );
        // Base's demo data would have added these active logins (observed without the init).
        assert.equal(sql("SELECT count(*) FROM res_users WHERE login IN ('demo', 'portal')"), "0");
    });

    it("gives the admin login the master password, not base's `admin`", async () => {
        const rendered = await renderedOdoo("prod", { odooDatabase: DATABASE });
        const odoo = await runner.start(rendered.command, rendered.envs);
        try {
            const master = envValue("ODOO_ADMIN_PASSWD");
            assert.ok(master.length >= 16, "the rendered master password");
            assert.equal(await login(odoo.baseUrl, DATABASE, master), 2);
            assert.equal(
                await login(odoo.baseUrl, DATABASE, "admin"),
                "odoo.exceptions.AccessDenied",
            );
        } finally {
            await odoo.stop();
        }
    });

    it("does nothing on a database that holds an Odoo: a password changed later stays", async () => {
        sql("UPDATE res_users SET password = 'changed-by-the-team' WHERE login = 'admin'");
        const before = sql("SELECT password FROM res_users WHERE login = 'admin'");
        const log = await runner.run(init.command, init.envs);
        assert.match(log, /already holds an Odoo: nothing to initialize/);
        assert.doesNotMatch(log, /Modules loaded/);
        assert.equal(sql("SELECT password FROM res_users WHERE login = 'admin'"), before);
    });
});

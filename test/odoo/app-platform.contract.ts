/**
 * The App Platform components of the example production app, on a real Odoo: each component's
 * run command exactly as the program renders it, run by the image's entrypoint script
 * (tools/odoo-image/odoo-platform-entrypoint) with the component's envs. The runner changes
 * what it lists (paths, ports, the managed cluster → the local one); one test also drops
 * session_redis from `--load`, standing in for the image that carries it, and says so.
 */
import { strict as assert } from "assert";
import { APP_HEALTH } from "../../components/app-spec";
import { psql } from "../doubles/pg";
import { realOdoo } from "./real-odoo";
import { RenderedAppComponent, renderedApp } from "./rendered";
import {
    DB_ROLE,
    OdooProcess,
    OdooRunner,
    get,
    login,
    sharedRunner,
    websocketUpgrade,
} from "./runner";

/** Not the example's `odoo`: the flags contract serves production's database under that name. */
const DATABASE = "contract_app";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the App Platform components on a real Odoo (the image's entrypoint, per role)", function () {
    let runner: OdooRunner;
    let components: RenderedAppComponent[];
    const component = (name: string) => {
        const c = components.find((x) => x.name === name);
        if (c === undefined) throw new Error(`the example app has no component ${name}`);
        return c;
    };
    const argv = (c: RenderedAppComponent) => c.runCommand.split(" ");
    const envItems = (c: RenderedAppComponent) =>
        Object.entries(c.envs).map(([k, v]) => `${k}=${v}`);
    const sql = (query: string) => psql({ ...runner.pg.env, PGUSER: DB_ROLE }, DATABASE, query);

    /** Makes the autovacuum due now. */
    const dueAutovacuum = () =>
        sql(
            `UPDATE ir_cron SET nextcall = now() at time zone 'UTC' - interval '1 minute',
                                lastcall = NULL, active = true
              WHERE id = (SELECT res_id FROM ir_model_data
                           WHERE module = 'base' AND name = 'autovacuum_job')`,
        );
    const autovacuumRan = () =>
        sql(
            `SELECT lastcall IS NOT NULL FROM ir_cron
              WHERE id = (SELECT res_id FROM ir_model_data
                           WHERE module = 'base' AND name = 'autovacuum_job')`,
        ) === "t";
    /**
     * Wakes cron threads (each `LISTEN cron_trigger`s, Odoo 18 server.py) once a second, as
     * scheduled trigger does, until the autovacuum ran or the time is up; whether it ran.
     */
    const triggerAutovacuum = async (ms: number) => {
        dueAutovacuum();
        const deadline = Date.now() + ms;
        while (Date.now() < deadline) {
            // On the `postgres` database, where the cron threads listen (ir.cron._notifydb).
            psql(runner.pg.env, "postgres", `NOTIFY cron_trigger, '${DATABASE}'`);
            if (autovacuumRan()) return true;
            await sleep(1_000);
        }
        return autovacuumRan();
    };

    before(async function () {
        runner = sharedRunner(realOdoo());
        components = await renderedApp("prod", { odooDatabase: DATABASE });
        // What the managed cluster gives the first deploy: an empty database.
        psql(
            runner.pg.env,
            "postgres",
            `DROP DATABASE IF EXISTS "${DATABASE}"; CREATE DATABASE "${DATABASE}" OWNER ${DB_ROLE};`,
        );
    });

    it("upgrade (PRE_DEPLOY): initializes the empty database of a first deploy, attachments in it", async () => {
        const upgrade = component("upgrade");
        assert.equal(upgrade.list, "jobs");
        const log = await runner.run(argv(upgrade), envItems(upgrade));
        assert.match(log, /Modules loaded\./);
        assert.equal(sql("SELECT state FROM ir_module_module WHERE name = 'base'"), "installed");
        assert.equal(
            sql("SELECT value FROM ir_config_parameter WHERE key = 'ir_attachment.location'"),
            "db",
        );
    });

    it("web, exactly as rendered, without session_redis in this Odoo: alive, but never ready", async () => {
        const web = component("web");
        const odoo = await runner.start(argv(web), envItems(web));
        try {
            assert.equal((await get(`${odoo.baseUrl}${APP_HEALTH.liveness.httpPath}`)).status, 200);
            // The readiness check sees the module that did not load: no traffic for this deploy.
            assert.equal(
                (await get(`${odoo.baseUrl}${APP_HEALTH.readiness.httpPath}`)).status,
                500,
            );
            assert.match(odoo.log(), /session_redis/);
        } finally {
            await odoo.stop();
        }
    });

    describe("web, with session_redis dropped from --load (the image carries it)", () => {
        let odoo: OdooProcess;
        before(async () => {
            const web = component("web");
            const command = argv(web).map((a) =>
                a.startsWith("--load=") ? a.replace(",session_redis", "") : a,
            );
            assert.notDeepEqual(command, argv(web), "the rendered web command loads session_redis");
            odoo = await runner.start(command, envItems(web));
        });
        after(async () => odoo?.stop());

        it("is ready (the login page renders) and alive", async () => {
            const login = await get(`${odoo.baseUrl}${APP_HEALTH.readiness.httpPath}`);
            assert.equal(login.status, 200, login.body.slice(0, 300));
            assert.equal((await get(`${odoo.baseUrl}${APP_HEALTH.liveness.httpPath}`)).status, 200);
        });

        it("lets the first deploy's admin log in with the master password only", async () => {
            const master = component("web").envs["ODOO_ADMIN_PASSWD"];
            assert.equal(await login(odoo.baseUrl, DATABASE, master), 2);
            assert.equal(
                await login(odoo.baseUrl, DATABASE, "admin"),
                "odoo.exceptions.AccessDenied",
            );
            assert.equal(
                sql("SELECT count(*) FROM res_users WHERE login IN ('demo', 'portal')"),
                "0",
            );
        });

        it("serves /websocket on its one HTTP port, which the ingress routes there", async () => {
            const upgrade = await websocketUpgrade(`${odoo.baseUrl}/websocket`);
            assert.equal(upgrade.status, 101);
            assert.ok(upgrade.acceptMatches);
        });

        it("runs no cron: a due job stays due, however often crons are woken", async () => {
            assert.equal(await triggerAutovacuum(10_000), false);
        });
    });

    it("cron (worker): runs the due jobs, as the one process with cron threads", async () => {
        const cron = component("cron");
        assert.equal(cron.list, "workers");
        const odoo = await runner.start(argv(cron), envItems(cron), { http: false });
        try {
            // A woken cron thread runs a due job within a second (left alone, it looks every
            // 60 s); the time allows for the threads to start listening.
            assert.ok(
                await triggerAutovacuum(75_000),
                `the autovacuum did not run:\n${odoo.log().slice(-2000)}`,
            );
        } finally {
            await odoo.stop();
        }
    });
});

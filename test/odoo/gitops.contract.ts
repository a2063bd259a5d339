/**
 * The GitOps secret's delivery on a real Odoo: the example production stack's one-shot container
 * `prod-gitops-parameter`, exactly as rendered, runs while the stack's own Odoo serves the
 * database; Odoo's ORM (`ir.config_parameter.get_param`, asked over JSON-RPC as the admin) then
 * answers the delivered value while it runs, where it answered `false` before. (With the cache
 * signal left out of PARAMETER_SQL this test passed too on Odoo 18.0-20250421: the signal is kept
 * for what Odoo's registry documents, not because this test shows it is needed.)
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { GITOPS_PARAMETER, GITOPS_SECRET_ENV } from "../../components/gitops";
import { psql } from "../doubles/pg";
import { realOdoo } from "./real-odoo";
import { renderedContainer, renderedOdoo } from "./rendered";
import { DB_ROLE, OdooRunner, sharedRunner } from "./runner";

const DATABASE = "contract_gitops";

/** JSON-RPC as Odoo's web client speaks it: authenticate, then call_kw with the session. */
async function rpc(baseUrl: string, path: string, params: unknown, cookie = "") {
    const r = await fetch(`${baseUrl}${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...(cookie ? { Cookie: cookie } : {}) },
        body: JSON.stringify({ jsonrpc: "2.0", method: "call", params }),
    });
    const body = (await r.json()) as { result?: unknown; error?: unknown };
    if (body.error !== undefined) throw new Error(`${path}: ${JSON.stringify(body.error)}`);
    const set = r.headers.get("set-cookie") ?? "";
    return { result: body.result, cookie: /session_id=[^;]+/.exec(set)?.[0] ?? cookie };
}

describe("the GitOps secret's delivery on a real Odoo", function () {
    let runner: OdooRunner;
    before(async () => {
        runner = sharedRunner(realOdoo());
        // base and web, `admin` with base's own password (the contract's base database).
        runner.cloneDatabase(await runner.baseDatabase(), DATABASE);
    });

    it("puts the secret where Odoo reads it, and running workers see it", async () => {
        const rendered = await renderedOdoo("prod", { odooDatabase: DATABASE });
        const delivery = await renderedContainer("prod", "prod-gitops-parameter", {
            odooDatabase: DATABASE,
        });
        const odoo = await runner.start(rendered.command, rendered.envs);
        try {
            const auth = await rpc(odoo.baseUrl, "/web/session/authenticate", {
                db: DATABASE,
                login: "admin",
                password: "admin",
            });
            const getParam = async () =>
                (
                    await rpc(
                        odoo.baseUrl,
                        "/web/dataset/call_kw/ir.config_parameter/get_param",
                        {
                            model: "ir.config_parameter",
                            method: "get_param",
                            args: [GITOPS_PARAMETER],
                            kwargs: {},
                        },
                        auth.cookie,
                    )
                ).result;
            // Asked before the delivery: nothing there yet.
            for (let i = 0; i < 6; i++) assert.equal(await getParam(), false);

            // The container as rendered: its script and its env, the database reached here.
            const item = (name: string) =>
                delivery.envs.find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1);
            const secret = item(GITOPS_SECRET_ENV) as string;
            assert.equal(delivery.command[0], "sh");
            const r = spawnSync(delivery.command[0], delivery.command.slice(1), {
                encoding: "utf8",
                env: {
                    ...runner.pg.env,
                    PGUSER: DB_ROLE,
                    PGDATABASE: item("PGDATABASE"),
                    PARAMETER_SQL: item("PARAMETER_SQL"),
                    [GITOPS_SECRET_ENV]: secret,
                },
            });
            assert.equal(r.status, 0, r.stderr);
            assert.equal(
                psql(
                    { ...runner.pg.env, PGUSER: DB_ROLE },
                    DATABASE,
                    `SELECT value FROM ir_config_parameter WHERE key = '${GITOPS_PARAMETER}'`,
                ),
                secret,
            );
            for (let i = 0; i < 6; i++) assert.equal(await getParam(), secret);
        } finally {
            await odoo.stop();
        }
    });
});

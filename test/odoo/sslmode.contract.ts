/**
 * TLS to a managed cluster, held to a real Odoo: Odoo hands every connection its own
 * `db_sslmode` (default `prefer`, which falls back to plain text), so libpq's PGSSLMODE in the
 * container's environment never reaches Odoo's connections; the rendered command of a stack with
 * `database: managed` must say `--db_sslmode=require` itself. What Odoo would connect with is read
 * from Odoo's own `sql_db.connection_info_for` after Odoo's parser took the rendered command.
 */
import { strict as assert } from "assert";
import { odooPython, realOdoo } from "./real-odoo";
import { renderedApp, renderedContainer, renderedOdoo } from "./rendered";

/** Parses the arguments (argv[1], JSON) as `odoo server` does and prints the connection info. */
const SCRIPT = String.raw`
import json, sys
from odoo.tools import config
from odoo.sql_db import connection_info_for
config._parse_config(json.loads(sys.argv[1]))
print(json.dumps(connection_info_for(config["db_name"] or "odoo")[1]))
`;

/** The rendered arguments that concern the database (paths of the host are left out). */
const databaseArgs = (command: readonly string[]) =>
    command.filter((a) => /^--(database|db[_-]|db-filter)/.test(a));

function sslmodeOf(args: readonly string[]): unknown {
    const real = realOdoo();
    const input = JSON.stringify(args);
    // The container's libpq variable, as the program sets it beside the command.
    const r = odooPython(real, SCRIPT, [input], { PGSSLMODE: "require" });
    assert.equal(r.status, 0, `Odoo's parser did not run: ${r.stderr}`);
    return (JSON.parse(r.stdout.trim().split("\n").pop() as string) as { sslmode?: unknown })
        .sslmode;
}

describe("Odoo's connections to a managed cluster require TLS", function () {
    this.timeout(300_000);

    it("PGSSLMODE=require alone leaves Odoo at prefer (the container database's command)", async () => {
        const staging = await renderedOdoo("staging");
        assert.ok(!staging.command.some((a) => a.startsWith("--db_sslmode")));
        assert.equal(sslmodeOf(databaseArgs(staging.command)), "prefer");
    });

    it("the droplet's Odoo and its first start with database managed: require, from their commands", async () => {
        const prod = await renderedOdoo("prod", { database: "managed" });
        assert.ok(prod.envs.includes("PGSSLMODE=require"), prod.envs.join(" "));
        assert.equal(sslmodeOf(databaseArgs(prod.command)), "require");
        const init = await renderedContainer("prod", "prod-odoo-init", { database: "managed" });
        assert.equal(sslmodeOf(databaseArgs(init.command)), "require", init.command.join(" "));
    });

    it("every Odoo process on App Platform: require, from its own command", async () => {
        // web, cron and the upgrade job run Odoo; the backup worker runs pg_dump (libpq reads
        // PGSSLMODE there).
        const components = (await renderedApp("prod")).filter((c) =>
            c.runCommand.includes("--database="),
        );
        assert.deepEqual(components.map((c) => c.name).sort(), ["cron", "upgrade", "web"]);
        for (const c of components) {
            const args = c.runCommand.split(" ");
            assert.equal(sslmodeOf(databaseArgs(args)), "require", `${c.name}: ${c.runCommand}`);
        }
    });
});

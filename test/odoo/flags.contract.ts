/**
 * The Odoo container command of each example stack, run by a real Odoo: the command, env and
 * odoo.conf come from the program itself (rendered offline, see rendered.ts), and the runner
 * changes only what it lists (image paths, ports, database address, addons path entries this
 * image lacks). The SMTP host stays as rendered: nothing in base, web or bus sends mail at start.
 * Every value asserted here is what the real Odoo answered or logged.
 */
import { strict as assert } from "assert";
import { flagValue } from "../../components/odoo-settings";
import { realOdoo } from "./real-odoo";
import { RenderedOdoo, renderedOdoo } from "./rendered";
import {
    ChildProcessInfo,
    OdooProcess,
    OdooRunner,
    Rewrite,
    get,
    procMemory,
    settledChildren,
    sharedRunner,
    websocketUpgrade,
} from "./runner";

/** The example stacks: staging, production, and a preview environment (pr-<N>). */
const STACKS = ["staging", "prod", "pr-42"] as const;

function printRewrites(stack: string, rewrites: readonly Rewrite[]): void {
    console.log(`      ${stack}: what differs from the container`);
    for (const r of rewrites) {
        console.log(`        ${r.what}: ${r.container} → ${r.local} (${r.why})`);
    }
}

const numberFlag = (command: readonly string[], name: string) => {
    const v = flagValue(command, name);
    if (v === undefined) throw new Error(`the rendered command has no --${name}`);
    return Number(v);
};

const MANAGER_DISABLED = "The database manager has been disabled by the administrator";

describe("the rendered Odoo containers on a real Odoo", function () {
    let runner: OdooRunner;
    let base: string;

    before(async function () {
        runner = sharedRunner(realOdoo());
        base = await runner.baseDatabase();
    });

    for (const stack of STACKS) {
        describe(`${stack}: the Odoo container's command`, function () {
            let rendered: RenderedOdoo;
            let odoo: OdooProcess | undefined;
            let workers: number;

            before(async function () {
                rendered = await renderedOdoo(stack);
                workers = numberFlag(rendered.command, "workers");
                const database = flagValue(rendered.command, "database") as string;
                runner.cloneDatabase(base, database);
                odoo = await runner.start(rendered.command, rendered.envs, {
                    conf: rendered.conf,
                });
                printRewrites(stack, odoo.rewrites);
            });

            after(async function () {
                await odoo?.stop();
            });

            const running = () => {
                if (odoo === undefined) throw new Error(`${stack}: Odoo did not start`);
                return odoo;
            };

            it("is accepted: Odoo starts on the database it pins and /web/health answers 200", async () => {
                const health = await get(`${running().baseUrl}/web/health`);
                assert.equal(health.status, 200);
                assert.deepEqual(JSON.parse(health.body), { status: "pass" });
                // The registry was loaded for the database of --database (log field `dbname`).
                const db = flagValue(rendered.command, "database") as string;
                assert.match(
                    running().log(),
                    new RegExp(` INFO ${db} odoo\\.modules\\.loading: Modules loaded\\.`),
                );
            });

            it("serves /websocket on the gevent port with workers, on the HTTP port without", async () => {
                const o = running();
                if (workers > 0) {
                    const evented = await websocketUpgrade(`${o.geventUrl}/websocket`);
                    assert.equal(evented.status, 101);
                    assert.ok(evented.acceptMatches, "Sec-WebSocket-Accept matches the key");
                    const http = await websocketUpgrade(`${o.baseUrl}/websocket`);
                    assert.equal(http.status, 500);
                    assert.match(o.log(), /RuntimeError: Couldn't bind the websocket/);
                } else {
                    const http = await websocketUpgrade(`${o.baseUrl}/websocket`);
                    assert.equal(http.status, 101);
                    assert.ok(http.acceptMatches, "Sec-WebSocket-Accept matches the key");
                    // Nothing answers HTTP on the gevent port (refused, or closed by Docker's
                    // proxy in image mode), and no gevent process announced itself.
                    await assert.rejects(websocketUpgrade(`${o.geventUrl}/websocket`));
                    assert.doesNotMatch(o.log(), /Evented Service \(longpolling\) running/);
                }
            });

            it("needs an Origin header on the upgrade, but not one matching the host", async () => {
                const o = running();
                const url = `${workers > 0 ? o.geventUrl : o.baseUrl}/websocket`;
                const without = await websocketUpgrade(url, { origin: null });
                assert.equal(without.status, 400);
                // The reason is in the log: in threaded mode the 400's body never arrives (Odoo's
                // request handler discards what follows the headers of any Upgrade request).
                assert.match(
                    o.log(),
                    /ERROR \S+ odoo\.addons\.bus\.websocket: 400 Bad Request: Empty or missing header\(s\): origin/,
                );
                const foreign = await websocketUpgrade(url, { origin: "https://erp.example.com" });
                assert.equal(foreign.status, 101);
            });

            it("runs the processes its flags ask for: HTTP workers, a gevent process, cron workers", async () => {
                const o = running();
                const children = await settledChildren(o);
                const count = (role: ChildProcessInfo["role"]) =>
                    children.filter((c) => c.role === role).length;
                const crons = numberFlag(rendered.command, "max-cron-threads");
                if (workers > 0) {
                    assert.equal(count("http"), workers);
                    assert.equal(count("gevent"), 1);
                    assert.equal(count("cron"), crons);
                    assert.equal(children.length, workers + 1 + crons);
                } else {
                    // Threaded mode: one process, cron threads inside it.
                    assert.deepEqual(children, []);
                }
            });

            it("says on /web/database/manager that the manager is disabled", async () => {
                const manager = await get(`${running().baseUrl}/web/database/manager`);
                assert.equal(manager.status, 200);
                assert.ok(manager.body.includes(MANAGER_DISABLED), manager.body.slice(0, 500));
            });

            if (stack.startsWith("pr-")) {
                it("starts although --update names modules the image lacks, with a warning", () => {
                    const update = flagValue(rendered.command, "update");
                    assert.ok(update !== undefined, "the example preview updates modules");
                    assert.match(
                        running().log(),
                        new RegExp(
                            `WARNING \\S+ odoo\\.modules\\.loading: invalid module names, ignored: ${update.split(",").join(", ")}`,
                        ),
                    );
                });
            }

            if (stack === "prod") {
                it("measures each process's memory after a few requests (printed, for limits)", async () => {
                    const o = running();
                    for (let i = 0; i < 3 * workers; i++) {
                        assert.equal((await get(`${o.baseUrl}/web/login`)).status, 200);
                    }
                    for (let i = 0; i < 3; i++) {
                        const ws = await websocketUpgrade(`${o.geventUrl}/websocket`);
                        assert.equal(ws.status, 101);
                    }
                    const children = await settledChildren(o);
                    const rows = [
                        { role: "master", pid: o.pid },
                        ...children.map((c) => ({ role: c.role as string, pid: c.pid })),
                    ].map((r) => ({ ...r, ...procMemory(r.pid) }));
                    assert.equal(rows.filter((r) => r.role === "http").length, workers);
                    assert.equal(rows.filter((r) => r.role === "gevent").length, 1);
                    const mib = (kb: number) => (kb / 1024).toFixed(1).padStart(7);
                    console.log(
                        `      ${stack}: memory after ${3 * workers} GET /web/login and 3 websocket upgrades` +
                            ` (--limit-memory-soft=${flagValue(rendered.command, "limit-memory-soft")},` +
                            ` --limit-memory-hard=${flagValue(rendered.command, "limit-memory-hard")}; Odoo` +
                            " checks them against VmSize)",
                    );
                    console.log("        role     pid    VmSize MiB  VmRSS MiB");
                    for (const r of rows) {
                        assert.ok(r.vmSizeKb > 0 && r.vmRssKb > 0);
                        console.log(
                            `        ${r.role.padEnd(7)} ${String(r.pid).padStart(7)} ${mib(r.vmSizeKb)}    ${mib(r.vmRssKb)}`,
                        );
                    }
                    const total = rows.reduce((s, r) => s + r.vmRssKb, 0);
                    console.log(
                        `        sum of VmRSS (shared pages counted per process): ${mib(total)} MiB`,
                    );
                });
            }
        });
    }

    describe("a server-wide module in --load that cannot be imported", function () {
        const LOAD = "--load=base,web,no_such_module";
        let odoo: OdooProcess | undefined;

        before(async function () {
            const rendered = await renderedOdoo("staging");
            runner.cloneDatabase(base, flagValue(rendered.command, "database") as string);
            odoo = await runner.start([...rendered.command, LOAD], rendered.envs, {
                conf: rendered.conf,
            });
        });

        after(async function () {
            await odoo?.stop();
        });

        it(`(${LOAD} on staging's command) leaves /web/health at 200 while /web/login answers 500`, async () => {
            if (odoo === undefined) throw new Error("Odoo did not start");
            const health = await get(`${odoo.baseUrl}/web/health`);
            const login = await get(`${odoo.baseUrl}/web/login`);
            assert.equal(health.status, 200);
            assert.equal(login.status, 500);
            const log = odoo.log();
            assert.match(
                log,
                /ERROR \S+ odoo\.service\.server: Failed to load server-wide module `no_such_module`/,
            );
            const cause = [...log.matchAll(/^(\w+Error: .*)$/gm)].map((m) => m[1]);
            console.log(`      the log: ${[...new Set(cause)].join(" | ")}`);
        });
    });
});

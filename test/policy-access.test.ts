/** The pack's access-production-admins policy, over the Analyzer protocol like the CLI. */
import { strict as assert } from "assert";
import { ProgramRun } from "./doubles/mock-cloud";
import { PolicyPackProcess } from "../tools/policy-check";
import { packConfig } from "../tools/preview";
import { runStack } from "./helpers";

/** The run with the people command's script changed (as a bypass of the config check would). */
function withCreate(run: ProgramRun, name: string, change: (create: string) => string): ProgramRun {
    let hit = false;
    const resources = run.resources.map((r) => {
        if (r.name !== name) return r;
        hit = true;
        const rawInputs = structuredClone(r.rawInputs);
        rawInputs.create = change(String(rawInputs.create));
        return { ...r, rawInputs };
    });
    assert.ok(hit, `no resource named ${name}`);
    return { ...run, resources };
}

describe("policy access-production-admins", function () {
    this.timeout(180_000);
    let pack: PolicyPackProcess;
    let prod: ProgramRun;
    let staging: ProgramRun;
    before(async () => {
        pack = await PolicyPackProcess.start();
        prod = await runStack("prod");
        staging = await runStack("staging");
    });
    after(() => pack?.close());
    const analyze = (run: ProgramRun) => pack.analyze(run, { config: packConfig() });

    it("passes production's admins and staging's developers and testers", async () => {
        assert.deepEqual(await analyze(prod), []);
        assert.deepEqual(await analyze(staging), []);
    });

    it("refuses a developer's or tester's login on production's host, naming them", async () => {
        const line = (name: string, role: string) =>
            `restrict,pty,command="sudo -n /usr/local/sbin/odoo-entry ${name} ${role}" ssh-ed25519 AAAA ${name}`;
        const bad = withCreate(prod, "prod-settings-people", (c) =>
            c.replace(
                "ODOO_PLATFORM_FILE\ninstall -m 0644",
                `${line("bob", "developer")}\n${line("carol", "tester")}\nODOO_PLATFORM_FILE\ninstall -m 0644`,
            ),
        );
        const vs = await analyze(bad);
        assert.deepEqual(
            // The CLI's form: the policy's description, then what this resource does.
            vs.map((v) => [v.policy, v.enforcementLevel, v.message.split("\n")[1]]),
            [
                [
                    "access-production-admins",
                    "mandatory",
                    "prod-settings-people gives bob (developer) a login on production's host: production is for admins only. Remove bob from the prod stack's people.",
                ],
                [
                    "access-production-admins",
                    "mandatory",
                    "prod-settings-people gives carol (tester) a login on production's host: production is for admins only. Remove carol from the prod stack's people.",
                ],
            ],
        );
    });
});

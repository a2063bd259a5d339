import { strict as assert } from "assert";
import * as fs from "fs";
import { POLICY_DIR, PolicyPackProcess } from "../tools/policy-check";
import { packConfig } from "../tools/preview";
import { APP_EXAMPLE, exampleConfig, recordedPlan, runPreviewStack } from "./helpers";

/**
 * `npm run preview` starts the pack transpile-only (tools/policy-pack-preload.js); the Pulumi CLI's
 * runner type-checks it with ts-node on every start. Both must give byte-identical verdicts on
 * every example stack, clean or refused.
 */
describe("policy pack: transpile-only start, the same verdicts as the CLI's type-checked start", function () {
    this.timeout(180_000);
    let checked: PolicyPackProcess;
    let transpiled: PolicyPackProcess;
    before(async () => {
        [checked, transpiled] = await Promise.all([
            PolicyPackProcess.start(undefined, { typeCheck: true }),
            PolicyPackProcess.start(),
        ]);
    });
    after(() => {
        checked?.close();
        transpiled?.close();
    });

    const same = async (run: Awaited<ReturnType<typeof recordedPlan>>) => {
        const a = await checked.analyze(run, { config: packConfig() });
        const b = await transpiled.analyze(run, { config: packConfig() });
        assert.equal(JSON.stringify(b), JSON.stringify(a));
        return a;
    };

    it("has the same policies, names and levels", () => {
        assert.equal(transpiled.packName, checked.packName);
        assert.deepEqual(transpiled.policies, checked.policies);
        // One policy per file of policy/ (its shared readers live in policy/lib/).
        const files = fs
            .readdirSync(POLICY_DIR)
            .filter((f) => f.endsWith(".ts") && !["index.ts", "policies.ts"].includes(f));
        assert.equal(transpiled.policies.length, files.length);
    });

    for (const stack of ["staging", "prod"] as const) {
        it(`gives ${stack} (droplet and App Platform examples) the same verdicts`, async () => {
            const droplet = exampleConfig(stack);
            assert.deepEqual(
                await same(await recordedPlan(stack, droplet.config, droplet.secretKeys)),
                [],
            );
            const app = exampleConfig(stack, {}, APP_EXAMPLE(stack));
            assert.deepEqual(await same(await recordedPlan(stack, app.config, app.secretKeys)), []);
        });
    }

    it("gives pr-42 the same verdicts", async () => {
        const run = await runPreviewStack();
        assert.deepEqual(await same(run), []);
    });

    it("refuses a stack with the same violations and messages", async () => {
        const open = exampleConfig("prod", { sshAllowedCidrs: undefined });
        open.config["odoo-platform:sshAllowedCidrs"] = JSON.stringify(["0.0.0.0/0"]);
        const vs = await same(await recordedPlan("prod", open.config, open.secretKeys));
        assert.ok(
            vs.some(
                (v) => v.policy === "exposure-admin-ports" && v.enforcementLevel === "mandatory",
            ),
        );
    });
});

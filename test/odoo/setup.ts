/**
 * Loaded by mocha (`--require`, .mocharc.odoo.json) before any contract file: refuses to run in
 * one line without a real Odoo, reports the Odoo version once, and stops the shared runner (its
 * Odoo processes and PostgreSQL cluster) after the last test.
 */
import { describeOdoo, odooVersion, realOdooOrProblem } from "./real-odoo";
import { closeSharedRunner } from "./runner";

const real = realOdooOrProblem();
if ("problem" in real) {
    console.log(real.problem);
    process.exit(2);
}
console.log(`test:odoo: ${odooVersion(real)} (${describeOdoo(real)})`);

export const mochaHooks = {
    async afterAll(this: Mocha.Context) {
        this.timeout(120_000);
        await closeSharedRunner();
    },
};

/**
 * isolation-preview-scope on the pr-<N> plan itself: a preview's Odoo serves its own database as
 * its own role (odoo_pr_<N>), however the command line or the env says otherwise.
 */
import { strict as assert } from "assert";
import { ProgramRun } from "./doubles/mock-cloud";
import { runPreviewStack } from "./helpers";
import { PolicyPackProcess } from "../tools/policy-check";
import { packConfig } from "../tools/preview";

type Raw = Record<string, unknown>;

/** A copy of the run with the container `name`'s wire inputs changed. */
function mutate(run: ProgramRun, name: string, change: (i: Raw) => void): ProgramRun {
    const resources = run.resources.map((r) => {
        if (r.name !== name) return r;
        const copy = { ...r, rawInputs: structuredClone(r.rawInputs) };
        change(copy.rawInputs);
        return copy;
    });
    assert.ok(
        resources.some((r) => r.name === name),
        `no resource named ${name}`,
    );
    return { ...run, resources };
}

describe("isolation-preview-scope: a preview's Odoo as its own role on its own database", function () {
    this.timeout(180_000);
    let pack: PolicyPackProcess;
    let pr: ProgramRun;
    before(async () => {
        [pack, pr] = await Promise.all([PolicyPackProcess.start(), runPreviewStack()]);
    });
    after(() => pack?.close());

    const scope = async (run: ProgramRun) =>
        (await pack.analyze(run, { config: packConfig() }))
            .filter((v) => v.policy === "isolation-preview-scope")
            .map((v) => `${v.enforcementLevel}: ${v.message}`);

    it("passes the pr-42 plan as the program makes it", async () => {
        assert.deepEqual(await scope(pr), []);
    });

    const env = (i: Raw) => i["envs"] as unknown[];
    for (const [title, change, message] of [
        [
            "the dev host's superuser in USER",
            (i: Raw) => (env(i)[2] = "USER=odoo"),
            /^mandatory: .*\nOdoo container "pr-42-odoo" logs in as "odoo" \(--db_user=odoo\); a preview's Odoo logs in as odoo_pr_42 only\.$/,
        ],
        [
            "another preview's role",
            (i: Raw) => (env(i)[2] = "USER=odoo_pr_43"),
            /logs in as "odoo_pr_43" .*odoo_pr_42 only/,
        ],
        [
            // The official entrypoint falls back to POSTGRES_USER, then `odoo`.
            "no USER at all",
            (i: Raw) => env(i).splice(2, 1),
            /logs in as "odoo" /,
        ],
        [
            "staging's database",
            (i: Raw) => (i["command"] = [...(i["command"] as string[]), "--database=odoo_staging"]),
            /serves the database "odoo_staging" .*odoo_pr_42 only/,
        ],
    ] as const) {
        it(`refuses ${title}`, async () => {
            const found = await scope(mutate(pr, "pr-42-odoo", change));
            assert.equal(found.length, 1, found.join("\n"));
            assert.match(found[0], message);
        });
    }
});

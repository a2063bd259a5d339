/**
 * The Odoo.sh-style test build of the reusable workflow odoo-tests.yml on a real Odoo: the image's
 * `odoo-platform-test`, with the arguments tools/ci/odoo-build.sh gives it, installs the example
 * repository's own modules on a fresh database with demo data and runs their tests; a broken
 * test turns it red and names the failing test.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CANONICAL_ADDONS_PATH } from "../../stacks/addons";
import { psql } from "../doubles/pg";
import { CORE_ADDONS_PATH, runLayout, writeStandInCore } from "../layout-fixture";
import { realOdoo } from "./real-odoo";
import { ODOO_REPOSITORY, OdooRunner, sharedRunner } from "./runner";

/** What tools/ci/odoo-build.sh `test` runs in the image, as one command (its Odoo options). */
function testBuild(database: string, modules: string, summary: string): string[] {
    return [
        "odoo-platform-test",
        "--database",
        database,
        "--modules",
        modules,
        "--summary",
        summary,
        "--",
        `--addons-path=${CANONICAL_ADDONS_PATH.join(",")}`,
        "--data-dir=/var/lib/odoo",
        "--db_host=127.0.0.1",
        "--db_port=5432",
        "--db_user=odoo",
        "--db_password=odoo",
    ];
}

describe("the test build on a real Odoo (odoo-platform-test, as odoo-tests.yml runs it)", function () {
    let runner: OdooRunner;
    let dir: string;
    const drop = (db: string) =>
        psql(runner.pg.env, "postgres", `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);

    before(function () {
        runner = sharedRunner(realOdoo());
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-contract-tests-"));
        fs.chmodSync(dir, 0o777);
    });
    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("installs the team's modules with demo data and passes their tests", async () => {
        // The modules the workflow tests: the layout script's team-modules of the example.
        // (Which modules are the team's does not depend on the core: the stand-in core serves.)
        const team = runLayout("team-modules", ODOO_REPOSITORY, {
            maps: { [CORE_ADDONS_PATH]: writeStandInCore(path.join(dir, "core")) },
        });
        assert.equal(team.status, 0, team.stderr);
        const modules = team.stdout.trim().split("\n").join(",");
        assert.equal(modules, "example_reminder");
        drop("odoo_ci");
        const summary = path.join(dir, "summary.md");
        const log = await runner.run(testBuild("odoo_ci", modules, summary), []);
        assert.match(
            log,
            /odoo-platform-test: example_reminder: 0 failed, 0 error\(s\) of 1 tests/,
        );
        assert.match(fs.readFileSync(summary, "utf8"), /^### Odoo tests passed/);
        // With demo data: Odoo's own demo partners are there.
        assert.notEqual(
            psql(
                runner.pg.env,
                "odoo_ci",
                "SELECT count(*) FROM ir_model_data WHERE module = 'base' AND name = 'res_partner_1'",
            ),
            "0",
        );
    });

    it("turns red on a broken test, naming it, with its traceback in the summary", async () => {
        // The example repository with its test made to fail.
        const broken = path.join(dir, "repository");
        fs.cpSync(ODOO_REPOSITORY, broken, { recursive: true });
        const test = path.join(broken, "addons", "example_reminder", "tests", "test_reminder.py");
        fs.writeFileSync(
            test,
            fs
                .readFileSync(test, "utf8")
                .replace(
                    "self.assertEqual(recipients, opted_in)",
                    "self.assertEqual(recipients, opted_out)",
                ),
        );
        drop("odoo_ci_broken");
        const summary = path.join(dir, "summary-broken.md");
        let error: Error | undefined;
        try {
            await runner.run(
                testBuild("odoo_ci_broken", "example_reminder", summary),
                [],
                undefined,
                {
                    repository: broken,
                },
            );
        } catch (e) {
            error = e as Error;
        }
        assert.ok(error, "the build passed with a failing test");
        assert.match(error.message, /ended with status 1/);
        assert.match(
            error.message,
            /odoo-platform-test: example_reminder failed \(Odoo exit status \d+; 1 failed, 0 error\(s\) of 1 tests/,
        );
        const text = fs.readFileSync(summary, "utf8");
        assert.match(text, /^### Odoo tests failed/);
        assert.match(
            text,
            /FAIL: TestReminderRecipients\.test_recipients_opted_in_with_an_address/,
        );
        assert.match(text, /AssertionError/);
    });
});

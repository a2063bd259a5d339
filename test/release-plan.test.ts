import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LABELS, releasePlan } from "../tools/release-plan";
import { ROOT } from "./helpers";

const ADDONS = "/opt/odoo/src/addons,/usr/lib/python3/dist-packages/odoo/addons";

/** An image's labels as `docker inspect -f '{{json .Config.Labels}}'` prints them. */
const labels = (modules: Record<string, string>, addonsPath = ADDONS) => ({
    [LABELS.modules]: JSON.stringify(modules),
    [LABELS.addonsPath]: addonsPath,
    [LABELS.revision]: "0123456789abcdef0123456789abcdef01234567",
});

describe("release plan (tools/release-plan.ts)", () => {
    const deployed = labels({ sale_custom: "18.0.1.0.0", stock_custom: "18.0.2.0.0" });

    it("updates exactly the modules whose manifest version changed", () => {
        const to = labels({ sale_custom: "18.0.1.1.0", stock_custom: "18.0.2.0.0" });
        assert.deepEqual(releasePlan(deployed, to, { installNew: false }), {
            update: ["sale_custom"],
            install: [],
            removed: [],
            addonsPath: ADDONS,
        });
    });

    it("treats any change of the version string as an update, a downgrade too", () => {
        const to = labels({ sale_custom: "18.0.0.9.0", stock_custom: "18.0.2.0.1" });
        assert.deepEqual(releasePlan(deployed, to, { installNew: false }).update, [
            "sale_custom",
            "stock_custom",
        ]);
    });

    it("installs a module new to the image only when asked", () => {
        const to = labels({
            sale_custom: "18.0.1.0.0",
            stock_custom: "18.0.2.0.0",
            mrp_custom: "18.0.1.0.0",
            account_custom: "18.0.1.0.0",
        });
        assert.deepEqual(releasePlan(deployed, to, { installNew: false }), {
            update: [],
            install: [],
            removed: [],
            addonsPath: ADDONS,
        });
        assert.deepEqual(releasePlan(deployed, to, { installNew: true }), {
            update: [],
            install: ["account_custom", "mrp_custom"],
            removed: [],
            addonsPath: ADDONS,
        });
    });

    it("reports the modules gone from the image, and updates none of them", () => {
        const to = labels({ sale_custom: "18.0.1.1.0" });
        assert.deepEqual(releasePlan(deployed, to, { installNew: true }), {
            update: ["sale_custom"],
            install: [],
            removed: ["stock_custom"],
            addonsPath: ADDONS,
        });
    });

    it("with nothing deployed yet ({}), updates nothing and installs everything only when asked", () => {
        const to = labels({ stock_custom: "18.0.2.0.0", sale_custom: "18.0.1.0.0" });
        assert.deepEqual(releasePlan({}, to, { installNew: false }), {
            update: [],
            install: [],
            removed: [],
            addonsPath: ADDONS,
        });
        assert.deepEqual(releasePlan({}, to, { installNew: true }), {
            update: [],
            install: ["sale_custom", "stock_custom"],
            removed: [],
            addonsPath: ADDONS,
        });
    });

    it("hands back the new image's addons path, empty when it records none", () => {
        const to = { [LABELS.modules]: JSON.stringify({ sale_custom: "18.0.1.0.0" }) };
        assert.equal(releasePlan(deployed, to, { installNew: false }).addonsPath, "");
    });

    it("refuses images whose labels are not the build's, naming the image and the label", () => {
        const official = { maintainer: "Odoo S.A. <info@odoo.com>" };
        const to = labels({ sale_custom: "18.0.1.0.0" });
        const cases: [Record<string, string>, Record<string, string>, string][] = [
            [
                official,
                to,
                "the deployed image records no odoo-platform.modules: was it built by odoo-build.yml?",
            ],
            [
                deployed,
                official,
                "the new image records no odoo-platform.modules: was it built by odoo-build.yml?",
            ],
            [
                deployed,
                { [LABELS.modules]: "{sale_custom: 1}" },
                "the new image's odoo-platform.modules is not JSON: {sale_custom: 1}",
            ],
            [
                { [LABELS.modules]: "" },
                to,
                "the deployed image's odoo-platform.modules is not JSON: ",
            ],
            [
                deployed,
                { [LABELS.modules]: '["sale_custom"]' },
                "the new image's odoo-platform.modules is not an object of module versions",
            ],
            [
                deployed,
                { [LABELS.modules]: "null" },
                "the new image's odoo-platform.modules is not an object of module versions",
            ],
        ];
        for (const [from, next, message] of cases) {
            assert.throws(
                () => releasePlan(from, next, { installNew: false }),
                (e: Error) => e.message === message,
                message,
            );
        }
    });

    describe("as release.sh runs it (npx ts-node tools/release-plan.ts)", function () {
        this.timeout(60_000);
        let dir: string;
        before(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-plan-"));
        });
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        const run = (files: Record<string, string>, args: string[]) => {
            for (const [name, text] of Object.entries(files)) {
                fs.writeFileSync(path.join(dir, name), text);
            }
            // The command line of release.sh plan, from the checkout's root.
            return spawnSync(
                "npx",
                [
                    "ts-node",
                    "--transpile-only",
                    "tools/release-plan.ts",
                    ...args.map((a) => (a.endsWith(".json") ? path.join(dir, a) : a)),
                ],
                { cwd: ROOT, encoding: "utf8" },
            );
        };

        it("prints one line of JSON with the plan", () => {
            const r = run(
                {
                    // What `docker inspect -f '{{json .Config.Labels}}'` writes: the JSON and a newline.
                    "from.json": `${JSON.stringify(deployed)}\n`,
                    "to.json": `${JSON.stringify(labels({ sale_custom: "18.0.1.1.0", mrp_custom: "18.0.1.0.0" }))}\n`,
                },
                ["--from", "from.json", "--to", "to.json", "--install-new"],
            );
            assert.equal(r.stderr, "");
            assert.equal(r.status, 0);
            assert.equal(
                r.stdout,
                `${JSON.stringify({
                    update: ["sale_custom"],
                    install: ["mrp_custom"],
                    removed: ["stock_custom"],
                    addonsPath: ADDONS,
                })}\n`,
            );
        });

        it("reads `{}` and an image without labels (docker prints null) as nothing deployed", () => {
            const to = `${JSON.stringify(labels({ sale_custom: "18.0.1.0.0" }))}\n`;
            for (const from of ["{}\n", "null\n"]) {
                const r = run({ "from.json": from, "to.json": to }, [
                    "--from",
                    "from.json",
                    "--to",
                    "to.json",
                ]);
                assert.equal(r.status, 0, r.stderr);
                assert.deepEqual(JSON.parse(r.stdout), {
                    update: [],
                    install: [],
                    removed: [],
                    addonsPath: ADDONS,
                });
            }
        });

        it("exits 1 with the error on stderr and nothing on stdout", () => {
            const r = run(
                {
                    "from.json": `${JSON.stringify(deployed)}\n`,
                    "to.json": `${JSON.stringify({ [LABELS.modules]: "{bad" })}\n`,
                },
                ["--from", "from.json", "--to", "to.json"],
            );
            assert.equal(r.status, 1);
            assert.equal(r.stdout, "");
            assert.equal(
                r.stderr,
                "error: the new image's odoo-platform.modules is not JSON: {bad\n",
            );
        });

        it("exits 2 with the usage when a file is not named", () => {
            const r = run({}, ["--to", "to.json"]);
            assert.equal(r.status, 2);
            assert.equal(
                r.stderr,
                "usage: release-plan --from <labels.json> --to <labels.json> [--install-new]\n",
            );
        });
    });
});

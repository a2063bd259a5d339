import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PreviewJson, driftReport, show } from "../tools/drift-report";

const fixture = (name: string) =>
    JSON.parse(
        fs.readFileSync(path.join(__dirname, "fixtures", "drift", `${name}.json`), "utf8"),
    ) as PreviewJson;

describe("drift report (pulumi preview --json / refresh --preview-only --json)", () => {
    it("update: one section per resource with old → new values", () => {
        const md = driftReport(fixture("update"), "prod");
        assert.match(md, /^## Drift in `prod`: 2 update\n/);
        assert.match(md, /1 resource unchanged\./);
        assert.match(md, /### update `prod-fw` \(digitalocean:Firewall\)/);
        assert.ok(
            md.includes(
                "| `inboundRules[0].sourceAddresses[0]` | `0.0.0.0/0` | `203.0.113.10/32` |",
            ),
        );
        assert.match(md, /### update `prod-odoo` \(docker:Container\)/);
        assert.ok(md.includes("| `memory` | `3584` | `6144` |"));
        assert.ok(md.includes("`pulumi up -s prod`") && md.includes("`pulumi refresh -s prod`"));
    });

    it("replace: says what forces the replacement and folds the replacement's halves", () => {
        const md = driftReport(fixture("replace"), "prod");
        assert.match(md, /^## Drift in `prod`: 1 replace\n/);
        assert.match(md, /Replacement forced by: `image`\./);
        assert.ok(md.includes("| `image` (update-replace) | `debian-12-x64` | `debian-13-x64` |"));
        assert.doesNotMatch(md, /create-replacement|delete-replaced/);
    });

    it("delete: names the resource that is gone", () => {
        const md = driftReport(fixture("delete"), "prod");
        assert.match(md, /^## Drift in `prod`: 1 delete\n/);
        assert.match(
            md,
            /### delete `prod-mon-latency` \(digitalocean:UptimeAlert\)\n\nThis resource is gone/,
        );
    });

    it("output-only change: shows the outputs, with every secret masked", () => {
        const md = driftReport(fixture("output-only"), "prod");
        assert.match(md, /Only outputs changed/);
        assert.ok(md.includes("| `accessKey` | `DO00OLDKEY` | `DO00NEWKEY` |"));
        assert.ok(md.includes("| `secretKey` | `[secret]` | `[secret]` |"));
        assert.doesNotMatch(md, /new-secret-in-the-clear|old-secret/);
    });

    it("a refresh step without any diff (pulumi/pulumi#16278) still names the resource and the way to see it", () => {
        // As that issue reports Pulumi 3.117's JSON: the step counts as an update, but it has no
        // detailedDiff and its states do not differ.
        const state = { type: "digitalocean:index/firewall:Firewall", inputs: { name: "prod-fw" } };
        const md = driftReport(
            {
                steps: [
                    {
                        op: "update",
                        urn: "urn:pulumi:prod::odoo-platform::digitalocean:index/firewall:Firewall::prod-fw",
                        oldState: state,
                        newState: state,
                    },
                ],
            },
            "prod",
        );
        assert.match(md, /^## Drift in `prod`: 1 update\n/);
        assert.ok(
            md.includes(
                "### update `prod-fw` (digitalocean:Firewall)\n\nPulumi's JSON names no property of this change (refresh steps may carry no diff: pulumi/pulumi#16278); `pulumi refresh --preview-only --diff -s prod` shows them.",
            ),
            md,
        );
    });

    it("no change: says so, with the count", () => {
        assert.equal(
            driftReport(fixture("no-change"), "staging"),
            "## No drift in `staging`\n\n3 resources match their recorded state.\n",
        );
    });

    it("masks secrets by value and by key, and keeps cells on one line", () => {
        assert.equal(show("[secret]"), "`[secret]`");
        assert.equal(show("hunter2", "smtpPassword"), "`[secret]`");
        assert.equal(show({ user: "u", password: "p" }), '`{"user":"u","password":"[secret]"}`');
        assert.equal(show("a|b`c"), "`a\\|b'c`");
        assert.ok(show("x".repeat(500)).length < 90);
    });
});

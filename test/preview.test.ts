import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../stacks/config";
import { runProgram } from "./doubles/mock-cloud";
import { POLICY_DIR, PolicyPackProcess } from "../tools/policy-check";
import { leakedSecrets, packConfig, parseArgs, preview } from "../tools/preview";
import { exampleConfig, ROOT } from "./helpers";

/** Writes a mutated copy of an example stack file and returns its path. */
function mutatedConfig(stack: "prod" | "staging", edit: (text: string) => string): string {
    const text = fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");
    const out = edit(text);
    assert.notEqual(out, text, "the mutation changed nothing");
    const file = path.join(
        fs.mkdtempSync(path.join(os.tmpdir(), "odoo-platform-")),
        `Pulumi.${stack}.yaml`,
    );
    fs.writeFileSync(file, out);
    return file;
}

/**
 * `npm run preview -- <args>`, the whole process, once per arguments and config file content:
 * tests asserting different things of the same invocation share its result.
 */
const previews = new Map<string, { status: number | null; stdout: string; stderr: string }>();
function npmPreview(args: string[]) {
    const key = JSON.stringify(
        args.map((a, i) => (args[i - 1] === "--config" ? fs.readFileSync(a, "utf8") : a)),
    );
    const seen = previews.get(key);
    if (seen !== undefined) return seen;
    const r = spawnSync("npm", ["run", "--silent", "preview", "--", ...args], {
        cwd: ROOT,
        encoding: "utf8",
    });
    const result = { status: r.status, stdout: r.stdout, stderr: r.stderr };
    previews.set(key, result);
    return result;
}

/** The pack's verdict on a clean plan: one policy per file of policy/ (readers in policy/lib/). */
const POLICIES_CLEAN = new RegExp(
    `Policy pack odoo-platform: ${
        fs
            .readdirSync(POLICY_DIR)
            .filter((f) => f.endsWith(".ts") && !["index.ts", "policies.ts"].includes(f)).length
    } policies, no violations\\.`,
);

describe("offline preview, end to end", function () {
    this.timeout(180_000);
    let pack: PolicyPackProcess;
    before(async () => {
        pack = await PolicyPackProcess.start();
    });
    after(() => pack?.close());

    it("`npm run preview` plans staging with its cost and a clean policy result", () => {
        const r = npmPreview([]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^Offline plan of stack "staging": 57 resources$/m);
        for (const piece of [
            "digitalocean:Droplet staging-droplet",
            "digitalocean:Volume staging-data",
            "digitalocean:Firewall staging-fw",
            "cloudflare:DnsRecord staging-dns-staging",
            "docker:Container staging-odoo",
            "docker:Container staging-mailpit",
            "digitalocean:MonitorAlert staging-mon-cpu",
        ]) {
            assert.ok(r.stdout.includes(piece), piece);
        }
        assert.match(r.stdout, /Estimated monthly cost: \$29\.00/);
        assert.match(r.stdout, POLICIES_CLEAN);
    });

    it("previews the App Platform examples from examples/ with the README's command, clean", () => {
        const cases: [string, string, number, string][] = [
            // 20 + BackupBucket with its bucket and key; + Spaces $5 and the backup worker $12.
            ["prod", "examples/Pulumi.prod.app-platform.yaml", 23, "299.00"],
            ["staging", "examples/Pulumi.staging.app-platform.yaml", 18, "67.00"],
        ];
        for (const [stack, file, count, usd] of cases) {
            const r = npmPreview(["--stack", stack, "--config", file]);
            assert.equal(r.status, 0, r.stderr);
            assert.match(
                r.stdout,
                new RegExp(`^Offline plan of stack "${stack}": ${count} resources$`, "m"),
            );
            assert.ok(
                r.stdout.includes(`+ digitalocean:App ${stack}-app  fra services web`),
                r.stdout,
            );
            assert.ok(r.stdout.includes("jobs upgrade(PRE_DEPLOY)"));
            assert.ok(
                r.stdout.includes(
                    `digitalocean:DatabaseFirewall ${stack}-db-firewall  admits app only`,
                ),
            );
            assert.match(
                r.stdout,
                new RegExp(`Estimated monthly cost: \\$${usd.replace(".", "\\.")}`),
            );
            assert.match(r.stdout, POLICIES_CLEAN);
        }
    });

    it("`--json` gives stack, resources, cost and policy, with secrets masked", () => {
        const r = npmPreview(["--stack", "prod", "--json"]);
        assert.equal(r.status, 0, r.stderr);
        const out = JSON.parse(r.stdout);
        assert.equal(out.stack, "prod");
        // 54, the host settings (the component, its people and its logging commands), the GitOps
        // parameter and the traffic alerts
        assert.equal(out.resources.length, 71);
        for (const res of out.resources) {
            assert.deepEqual(Object.keys(res).sort(), [
                "dependencies",
                "inputs",
                "name",
                "parent",
                "protect",
                "type",
                "urn",
            ]);
        }
        assert.deepEqual(Object.keys(out.cost).sort(), ["items", "monthlyUsd", "unpriced"]);
        assert.equal(out.cost.monthlyUsd, 63);
        assert.deepEqual(out.cost.unpriced, []);
        assert.deepEqual(out.policy, { violations: [] });
        assert.doesNotMatch(
            r.stdout,
            /preview-placeholder|preview-cloudflare-token|preview-secret-key/,
        );
        assert.match(r.stdout, /\[secret\]/);
    });

    it("masks secret stack outputs in `--json` as registered, not after unwrapping", () => {
        // Staging exports the dev host's passwords for the preview stacks: secret outputs.
        const r = npmPreview(["staging", "--json"]);
        assert.equal(r.status, 0, r.stderr);
        const out = JSON.parse(r.stdout);
        assert.equal(out.outputs.devPostgresPassword, "[secret]");
        assert.equal(out.outputs.devAdminPassword, "[secret]");
        assert.doesNotMatch(r.stdout, /preview-placeholder/);
        const pr = npmPreview(["--stack", "pr-5", "--json"]);
        assert.equal(pr.status, 0, pr.stderr);
        assert.doesNotMatch(pr.stdout, /preview-placeholder/);
    });

    it("exits 1 on a mandatory violation and 2 on a config error, without a stack trace", () => {
        const open = mutatedConfig("staging", (t) => t.replace("- 203.0.113.10/32", "- 0.0.0.0/0"));
        const r1 = npmPreview(["--config", open]);
        assert.equal(r1.status, 1);
        assert.match(r1.stdout, /\[mandatory\] exposure-admin-ports \(staging-fw\)/);
        const bad = mutatedConfig("staging", (t) => t.replace("region: fra1", "region: mars1"));
        const r2 = npmPreview(["--config", bad]);
        assert.equal(r2.status, 2);
        assert.match(r2.stderr, /odoo-platform:region: must be a DigitalOcean region/);
        assert.doesNotMatch(r2.stderr, /^\s+at /m);
        const r3 = npmPreview(["--stack", "dev"]);
        assert.equal(r3.status, 2);
        assert.match(r3.stderr, /must be "prod", "staging" or "pr-<N>"/);
    });

    // The six mutations a new user is most likely to make; each must be refused with its reason.
    const mutations: [string, "prod" | "staging", (t: string) => string, RegExp][] = [
        [
            "a staging config with a real SMTP server",
            "staging",
            (t) => t + "  odoo-platform:smtpHost: smtp.example.com\n",
            /odoo-platform:smtpHost: must not be set on a staging stack/,
        ],
        [
            "cron threads on in staging",
            "staging",
            (t) => t + '  odoo-platform:odooMaxCronThreads: "2"\n',
            /odoo-platform:odooMaxCronThreads: must be 0 on a staging stack/,
        ],
        [
            "an addons path the official image does not hold",
            "staging",
            (t) =>
                t +
                "  odoo-platform:odooAddonsPath:\n    - /opt/odoo/src/addons\n    - /usr/lib/python3/dist-packages/odoo/addons\n",
            /odoo-platform:odooAddonsPath: names \/opt\/odoo\/src\/addons, which the official image odoo:18\.0 does not hold/,
        ],
        [
            "a reordered addons path on a built image",
            "staging",
            (t) =>
                t +
                "  odoo-platform:odooImage: ghcr.io/example/odoo@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945\n" +
                "  odoo-platform:odooAddonsPath:\n    - /usr/lib/python3/dist-packages/odoo/addons\n    - /opt/odoo/src/addons\n    - /opt/odoo/src/third-party/example-tools\n",
            /odoo-platform:odooAddonsPath: must be the path the platform's build puts in ghcr\.io\/example\/odoo@sha256:4f53.*: \/opt\/odoo\/src\/addons,/,
        ],
        [
            "SSH open to the world",
            "prod",
            (t) => t.replace("- 203.0.113.10/32", "- 0.0.0.0/0"),
            /exposure-admin-ports[\s\S]*opens SSH \(22\) to 0\.0\.0\.0\/0/,
        ],
        [
            "a backup bucket in the host's region",
            "prod",
            (t) => t.replace("backupRegion: ams3", "backupRegion: fra1"),
            /odoo-platform:backupRegion: must differ from region \(fra1\)/,
        ],
        [
            "a production config without mail settings",
            "prod",
            (t) => t.replace(/^.*smtpHost.*\n/m, ""),
            /odoo-platform:smtpHost: is required in production/,
        ],
    ];
    for (const [title, stack, edit, expected] of mutations) {
        it(`refuses ${title}`, async () => {
            const file = mutatedConfig(stack, edit);
            let message: string;
            try {
                const { policy } = await preview({ stack, config: file, json: false }, pack);
                const mandatory = policy.violations.filter(
                    (v) => v.enforcementLevel === "mandatory",
                );
                assert.ok(mandatory.length > 0, "the preview passed");
                message = mandatory.map((v) => `${v.policy}\n${v.message}`).join("\n");
            } catch (e) {
                // index.ts turns a ConfigError into a RunError: the CLI prints it without a trace.
                assert.ok(pulumi.RunError.isInstance(e), String(e));
                assert.ok(!(e instanceof ConfigError));
                message = e.message;
            }
            assert.match(message, expected);
        });
    }

    it("refuses an unprotected production volume made in code (stack transformation)", async () => {
        const { config, secretKeys } = exampleConfig("prod");
        const run = await runProgram({
            stack: "prod",
            config,
            secretKeys,
            program: () => {
                pulumi.runtime.registerStackTransformation((a) =>
                    a.type === "digitalocean:index/volume:Volume"
                        ? { props: a.props, opts: { ...a.opts, protect: false } }
                        : undefined,
                );
                // eslint-disable-next-line @typescript-eslint/no-require-imports
                return require(path.join(ROOT, "index.ts"));
            },
        });
        const vs = await pack.analyze(run, { config: packConfig() });
        assert.deepEqual(
            vs.map((v) => [v.policy, v.enforcementLevel]),
            [["data-protection", "mandatory"]],
        );
        assert.match(vs[0].message, /Volume "prod-data" is not protected/);
    });
});

describe("preview arguments and output guards", () => {
    it("reads the stack as npm passes it, and says where the -- goes when npm took an option", () => {
        assert.deepEqual(parseArgs([], {}), { stack: "staging", config: undefined, json: false });
        assert.deepEqual(parseArgs(["prod"], {}), {
            stack: "prod",
            config: undefined,
            json: false,
        });
        assert.deepEqual(parseArgs(["-s", "prod", "--json", "-c", "x.yaml"], {}), {
            stack: "prod",
            config: "x.yaml",
            json: true,
        });
        assert.throws(
            () => parseArgs(["prod"], { npm_config_json: "true" }),
            /npm took --json for itself: put -- after the script name, e.g. npm run preview -- --stack prod --json/,
        );
        assert.throws(
            () => parseArgs(["--stak", "prod"], {}),
            /Unknown option '--stak'.*usage: npm run preview --/,
        );
        assert.throws(
            () => parseArgs(["prod", "staging"], {}),
            /one stack at a time, got prod, staging/,
        );
        assert.throws(() => parseArgs(["--stack"], {}), /argument missing|--stack/);
    });

    it("finds a secret's value or a placeholder in what it would print", () => {
        const secrets = { "odoo-platform:adminPassword": "s3cret-value-long" };
        assert.deepEqual(leakedSecrets('{"a": "s3cret-value-long"}', secrets), ["adminPassword"]);
        assert.deepEqual(leakedSecrets("x preview-placeholder-postgresPassword y", {}), [
            "postgresPassword",
        ]);
        assert.deepEqual(leakedSecrets('{"a": "[secret]"}', secrets), []);
    });

    it("refuses to print a plan that shows a secret in clear", () => {
        // A setting that carries a secret's value into a resource's inputs as plain text.
        const leaky = mutatedConfig("staging", (t) =>
            t.replace(
                /alertEmails:\n(\s+)- \S+/,
                "alertEmails:\n$1- preview-placeholder-adminPassword@example.com",
            ),
        );
        // The JSON holds every input (the text plan shows no alert address).
        const r = npmPreview(["--config", leaky, "--json"]);
        assert.equal(r.status, 2, r.stderr);
        assert.equal(r.stdout, "");
        assert.match(
            r.stderr,
            /the plan shows the value of adminPassword in clear; nothing printed/,
        );
    });

    it("names the refusal before the plan", () => {
        const open = mutatedConfig("staging", (t) => t.replace("- 203.0.113.10/32", "- 0.0.0.0/0"));
        const r = npmPreview(["--config", open]);
        assert.equal(r.status, 1);
        assert.match(
            r.stdout.split("\n")[0],
            /^REFUSED: \d+ policy violations? \(exposure-admin-ports[^)]*\); details after the plan\.$/,
        );
    });
});

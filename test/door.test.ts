/**
 * The copies of production: who can see them (the door at Traefik) and what they hold (the
 * anonymization setting), from config to the exact inputs of the containers; and the policy that
 * refuses a non-production router without the door, over the Analyzer protocol.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { ProgramRun, RecordedResource } from "./doubles/mock-cloud";
import { DOOR_REFERENCE, DOOR_USERS_LABEL, apr1, doorSalt, htpasswdLine } from "../components/door";
import { traefikLabels } from "../components/traefik-labels";
import { ConfigError, parseConfig } from "../stacks/config";
import { POLICY_DIR, PolicyPackProcess } from "../tools/policy-check";
import { loadStackConfig } from "../tools/stack-config";
import { packConfig } from "../tools/preview";
import { APP_EXAMPLE, exampleConfig, holdsSecret, one, runPreviewStack, runStack } from "./helpers";

const T = { container: "docker:index/container:Container" };
type Label = { label: string; value: unknown };
const labelsOf = (inputs: Record<string, unknown>) =>
    Object.fromEntries((inputs["labels"] as Label[]).map((l) => [l.label, l.value]));

function problemsOf(
    stack: "prod" | "staging",
    overrides: Record<string, string | undefined>,
    file?: string,
) {
    const { config } = exampleConfig(stack, overrides, file);
    try {
        parseConfig(stack, config);
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
        return e.problems.map((p) => `${p.key}: ${p.message}`);
    }
    return [];
}

describe("the door's htpasswd line", () => {
    it("is Apache's apr1, as openssl computes it", () => {
        for (const [password, salt] of [
            ["correct horse battery staple", "abcdefgh"],
            ["x", "./09AZaz"],
            ["a password longer than sixteen bytes, with ünicode", "Zz9."],
            ["", "s"],
        ]) {
            const r = spawnSync("openssl", ["passwd", "-apr1", "-salt", salt, password], {
                encoding: "utf8",
            });
            assert.equal(r.status, 0, r.stderr);
            assert.equal(apr1(password, salt), r.stdout.trim(), `${password} / ${salt}`);
        }
    });

    it("is the same line for the same password (no change on every up), another for another", () => {
        const a = htpasswdLine("a-door-password-of-24-chars");
        assert.equal(a, htpasswdLine("a-door-password-of-24-chars"));
        assert.match(a, /^team:\$apr1\$[./0-9A-Za-z]{8}\$[./0-9A-Za-z]{22}$/);
        assert.equal(
            a,
            `team:${apr1("a-door-password-of-24-chars", doorSalt("a-door-password-of-24-chars"))}`,
        );
        assert.notEqual(a, htpasswdLine("another-door-password-000"));
        assert.notEqual(doorSalt("p1-xxxxxxxxxxxxxxxxxx"), doorSalt("p2-xxxxxxxxxxxxxxxxxx"));
        assert.throws(() => htpasswdLine("x", "bad:user"), /invalid door user/);
    });
});

describe("Traefik labels with the door", () => {
    it("puts the door behind the headers on every router and leaves /web/health open", () => {
        const labels = traefikLabels({
            hosts: ["staging.example.com"],
            port: 8069,
            websocketPort: 8072,
            noindex: true,
            network: "odoo-staging",
            door: DOOR_REFERENCE,
            openPaths: ["/web/health"],
        });
        const r = "traefik.http.routers";
        assert.equal(
            labels[`${r}.staging-example-com.middlewares`],
            "staging-example-com-headers,nonprod-door@docker",
        );
        assert.equal(
            labels[`${r}.staging-example-com-ws.middlewares`],
            "staging-example-com-headers,nonprod-door@docker",
        );
        assert.equal(
            labels[`${r}.staging-example-com-open0.rule`],
            "Host(`staging.example.com`) && Path(`/web/health`)",
        );
        assert.equal(
            labels[`${r}.staging-example-com-open0.middlewares`],
            "staging-example-com-headers",
        );
        assert.equal(labels[`${r}.staging-example-com-open0.service`], "staging-example-com");
        assert.equal(labels[`${r}.staging-example-com-open0.priority`], "2000");
        // The websocket router outranks the main one, the health router both.
        assert.equal(labels[`${r}.staging-example-com-ws.priority`], "1000");
        assert.equal(labels[`${r}.staging-example-com.priority`], undefined);
    });

    it("adds nothing without a door (production)", () => {
        const labels = traefikLabels({
            hosts: ["erp.example.com"],
            port: 8069,
            noindex: false,
            network: "odoo-prod",
            openPaths: ["/web/health"],
        });
        assert.equal(
            labels["traefik.http.routers.erp-example-com.middlewares"],
            "erp-example-com-headers",
        );
        assert.ok(!Object.keys(labels).some((k) => k.includes("open0")));
    });
});

describe("config of the copies: anonymize and the door", () => {
    it("anonymizes staging by default, and takes off when said", () => {
        const staging = parseConfig("staging", exampleConfig("staging").config);
        assert.equal(staging.anonymize, "personal-data");
        assert.equal(staging.nonProdAccess, "basic");
        const off = parseConfig("staging", exampleConfig("staging", { anonymize: "off" }).config);
        assert.equal(off.anonymize, "off");
        const prod = parseConfig("prod", exampleConfig("prod").config);
        assert.equal(prod.anonymize, undefined);
        assert.equal(prod.nonProdAccess, undefined);
    });

    it("names each bad setting and the fix", () => {
        assert.deepEqual(problemsOf("staging", { anonymize: "names-only" }), [
            "odoo-platform:anonymize: must be personal-data or off",
        ]);
        assert.deepEqual(problemsOf("staging", { nonProdAccess: "none" }), [
            "odoo-platform:nonProdAccess: must be basic",
        ]);
        assert.deepEqual(problemsOf("staging", { nonProdAccessPassword: "short-password" }), [
            "odoo-platform:nonProdAccessPassword: must be set as a secret of at least 20 characters on a " +
                "staging stack: staging, the previews and Mailpit serve copies of production behind it " +
                '(user team); e.g. pulumi config set --secret nonProdAccessPassword "$(openssl rand -base64 24)"',
        ]);
        const prod = problemsOf("prod", { anonymize: "personal-data", nonProdAccess: "basic" });
        assert.deepEqual(prod, [
            "odoo-platform:anonymize: must not be set in production: it configures the copies of production (staging and the preview environments)",
            "odoo-platform:nonProdAccess: must not be set in production: it configures the copies of production (staging and the preview environments)",
        ]);
    });

    it("needs the door's password on a droplet staging, refuses it on App Platform", () => {
        assert.ok(
            loadStackConfig("staging").placeholders.includes("odoo-platform:nonProdAccessPassword"),
        );
        const app = problemsOf(
            "staging",
            { nonProdAccessPassword: "a-door-password-of-24-chars" },
            APP_EXAMPLE("staging"),
        );
        assert.deepEqual(app, [
            "odoo-platform:nonProdAccessPassword: must not be set with runtime app-platform: App Platform routes to Odoo itself, there is no proxy of ours to hold the door",
        ]);
    });
});

describe("the copies as planned", function () {
    this.timeout(120_000);
    let staging: ProgramRun;
    let pr: ProgramRun;
    before(async () => {
        staging = await runStack("staging");
        pr = await runPreviewStack();
    });

    it("defines the door on staging's Mailpit, its users a secret from nonProdAccessPassword", () => {
        const mailpit = one(staging.resources, T.container, "staging-mailpit");
        const labels = labelsOf(mailpit.inputs);
        const placeholder =
            loadStackConfig("staging").config["odoo-platform:nonProdAccessPassword"];
        assert.equal(labels[DOOR_USERS_LABEL], htpasswdLine(placeholder));
        // The header goes on: Mailpit checks it again and accepts the door's login as its own.
        assert.equal(
            labels["traefik.http.middlewares.nonprod-door.basicauth.removeheader"],
            undefined,
        );
        const env = mailpit.inputs["envs"] as string[];
        assert.ok(
            env.includes(
                `MP_UI_AUTH=mailpit:preview-placeholder-mailpitUiPassword team:${placeholder}`,
            ),
            env.join("\n"),
        );
        assert.equal(
            labels["traefik.http.routers.mail-dev-example-com.middlewares"],
            "mail-dev-example-com-headers,nonprod-door@docker",
        );
        const raw = (mailpit.resource.rawInputs["labels"] as Label[]).find(
            (l) => l.label === DOOR_USERS_LABEL,
        );
        assert.ok(holdsSecret(raw), "the users' line is not a secret");
        // Defined once on the dev host: two definitions would conflict in Traefik.
        const definitions = staging.resources.filter(
            (r) =>
                r.type === T.container &&
                ((r.rawInputs["labels"] as Label[] | undefined) ?? []).some(
                    (l) => l.label === DOOR_USERS_LABEL,
                ),
        );
        assert.deepEqual(
            definitions.map((r) => r.name),
            ["staging-mailpit"],
        );
    });

    it("routes staging's Odoo and a preview through it, /web/health aside", () => {
        const odoo = labelsOf(one(staging.resources, T.container, "staging-odoo").inputs);
        const routers = Object.keys(odoo)
            .filter((k) => k.endsWith(".middlewares") && k.startsWith("traefik.http.routers."))
            .sort();
        assert.deepEqual(
            routers.map((k) => `${k.split(".")[3]}=${odoo[k]}`),
            [
                "staging-example-com-open0=staging-example-com-headers",
                "staging-example-com-ws=staging-example-com-headers,nonprod-door@docker",
                "staging-example-com=staging-example-com-headers,nonprod-door@docker",
            ],
        );
        const preview = labelsOf(one(pr.resources, T.container, "pr-42-odoo").inputs);
        assert.equal(
            preview["traefik.http.routers.pr-42-dev-example-com.middlewares"],
            "pr-42-dev-example-com-headers,nonprod-door@docker",
        );
        assert.equal(
            preview["traefik.http.routers.pr-42-dev-example-com-open0.rule"],
            "Host(`pr-42.dev.example.com`) && Path(`/web/health`)",
        );
        assert.equal(
            staging.outputs["dev"] && (staging.outputs["dev"] as Record<string, unknown>)["door"],
            DOOR_REFERENCE,
        );
    });

    it("gives production no door and no open router", async () => {
        const prod = await runStack("prod");
        const odoo = labelsOf(one(prod.resources, T.container, "prod-odoo").inputs);
        assert.equal(
            odoo["traefik.http.routers.erp-example-com.middlewares"],
            "erp-example-com-headers",
        );
        assert.ok(
            !Object.keys(odoo).some((k) => k.includes("open0") || k.includes("nonprod-door")),
        );
    });

    it("hands the staging refresh and the template refresh their anonymize setting", async () => {
        const envOf = (run: ProgramRun) =>
            (one(run.resources, T.container, "staging-backup").inputs["envs"] as string[]).filter(
                (e) => e.startsWith("ANONYMIZE="),
            );
        assert.deepEqual(envOf(staging), ["ANONYMIZE=personal-data"]);
        assert.deepEqual(envOf(await runStack("staging", { anonymize: "off" })), ["ANONYMIZE=off"]);
    });
});

describe("exposure-nonprod-door over the Analyzer protocol", function () {
    this.timeout(180_000);
    let pack: PolicyPackProcess;
    let staging: ProgramRun;
    let pr: ProgramRun;
    before(async () => {
        assert.ok(POLICY_DIR);
        pack = await PolicyPackProcess.start();
        staging = await runStack("staging");
        pr = await runPreviewStack();
    });
    after(() => pack?.close());

    /** A copy of a run with one container's labels changed. */
    const relabel = (
        run: ProgramRun,
        name: string,
        change: (labels: Label[]) => Label[],
    ): ProgramRun => ({
        ...run,
        resources: run.resources.map((r): RecordedResource => {
            if (r.name !== name) return r;
            const rawInputs = structuredClone(r.rawInputs);
            rawInputs["labels"] = change(rawInputs["labels"] as Label[]);
            return { ...r, rawInputs };
        }),
    });
    const withoutDoor = (labels: Label[]) =>
        labels.map((l) =>
            l.label.endsWith(".middlewares") && typeof l.value === "string"
                ? { ...l, value: l.value.replace(/,?nonprod-door@docker/, "") }
                : l,
        );
    async function only(run: ProgramRun, message: RegExp) {
        const vs = await pack.analyze(run, { config: packConfig() });
        const dump = JSON.stringify(vs, null, 2);
        assert.equal(vs.length, 1, dump);
        assert.equal(vs[0].policy, "exposure-nonprod-door", dump);
        assert.equal(vs[0].enforcementLevel, "mandatory", dump);
        assert.match(vs[0].message, message, dump);
    }

    it("passes staging and a preview as planned", async () => {
        assert.deepEqual(await pack.analyze(staging, { config: packConfig() }), []);
        assert.deepEqual(await pack.analyze(pr, { config: packConfig() }), []);
    });

    it("refuses a staging Odoo without the door", async () => {
        await only(
            relabel(staging, "staging-odoo", withoutDoor),
            /container "staging-odoo" serves staging\.example\.com without a login \(routers staging-example-com, staging-example-com-ws\) on a staging stack/,
        );
    });

    it("refuses a Mailpit without the door", async () => {
        await only(
            relabel(staging, "staging-mailpit", withoutDoor),
            /container "staging-mailpit" serves mail\.dev\.example\.com without a login \(routers mail-dev-example-com\) on a staging stack/,
        );
    });

    it("refuses a door that lets anyone in (no users)", async () => {
        const run = relabel(staging, "staging-mailpit", (labels) =>
            labels.map((l) => (l.label === DOOR_USERS_LABEL ? { label: l.label, value: "" } : l)),
        );
        const vs = await pack.analyze(run, { config: packConfig() });
        assert.deepEqual(
            vs
                .map(
                    (v) =>
                        `${v.policy} ${v.enforcementLevel}: ${v.message.split("\n").pop()!.split(" on a ")[0]}`,
                )
                .sort(),
            [
                'exposure-nonprod-door mandatory: container "staging-mailpit" serves mail.dev.example.com without a login (routers mail-dev-example-com)',
                'exposure-nonprod-door mandatory: container "staging-odoo" serves staging.example.com without a login (routers staging-example-com, staging-example-com-ws)',
            ],
        );
    });

    it("refuses an open router wider than /web/health", async () => {
        await only(
            relabel(staging, "staging-odoo", (labels) =>
                labels.map((l) =>
                    l.label === "traefik.http.routers.staging-example-com-open0.rule"
                        ? { ...l, value: "Host(`staging.example.com`) && PathPrefix(`/web`)" }
                        : l,
                ),
            ),
            /container "staging-odoo" serves staging\.example\.com without a login \(routers staging-example-com-open0\)/,
        );
    });

    it("refuses a preview without the dev host's door, and one naming a door of its own making", async () => {
        await only(
            relabel(pr, "pr-42-odoo", withoutDoor),
            /container "pr-42-odoo" serves pr-42\.dev\.example\.com without a login \(routers pr-42-dev-example-com\) on a preview stack/,
        );
        await only(
            relabel(pr, "pr-42-odoo", (labels) =>
                labels.map((l) =>
                    l.label.endsWith(".middlewares") && typeof l.value === "string"
                        ? {
                              ...l,
                              value: l.value.replace("nonprod-door@docker", "open-door@docker"),
                          }
                        : l,
                ),
            ),
            /container "pr-42-odoo" serves pr-42\.dev\.example\.com without a login/,
        );
    });

    it("accepts the door through a chain, and leaves production alone", async () => {
        const chained = relabel(staging, "staging-odoo", (labels) => [
            ...labels.map((l) =>
                l.label.endsWith(".middlewares") && String(l.value).includes("nonprod-door")
                    ? { ...l, value: "staging-chain" }
                    : l,
            ),
            {
                label: "traefik.http.middlewares.staging-chain.chain.middlewares",
                value: "staging-example-com-headers,nonprod-door",
            },
        ]);
        assert.deepEqual(await pack.analyze(chained, { config: packConfig() }), []);
        const prod = await runStack("prod");
        assert.deepEqual(await pack.analyze(prod, { config: packConfig() }), []);
    });
});

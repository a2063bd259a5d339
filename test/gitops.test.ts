/**
 * The GitOps loop of the seeds (pulser_webhook): the dispatch secret reaches Odoo's system
 * parameter on both runtimes (proven on a real PostgreSQL 15), the Odoo repository's `gitops`
 * environment holds it for the receiving workflow, and the workflow (run by the step harness with
 * stub git and gh) opens a pull request for a signed request and does nothing for any other.
 */
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    GITOPS_PARAMETER,
    GITOPS_SECRET_ENV,
    PARAMETER_SCRIPT,
    PARAMETER_SQL,
} from "../components/gitops";
import { RecordedResource, inputsOf, isSecret } from "./doubles/mock-cloud";
import { PgServer, psql, startPostgres } from "./doubles/pg";
import { ROOT, checkWith, holdsSecret, one, ofType, runAppStack, runStack } from "./helpers";
import { ODOO, Wiring, programWiring, scenarioRepositories } from "./secret-places";
import { Rule, WorkflowRun, line, runWorkflow } from "./workflow-harness";

const T = {
    container: "docker:index/container:Container",
    env: "github:index/repositoryEnvironment:RepositoryEnvironment",
    policy: "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
    secret: "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
    variable: "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
    app: "digitalocean:index/app:App",
};
const PLACEHOLDER = "preview-placeholder-githubWebhookSecret";
const ENTRYPOINT = path.join(ROOT, "tools", "odoo-image", "odoo-platform-entrypoint");
const WORKFLOW = path.join(
    ROOT,
    "examples",
    "odoo-repository",
    ".github",
    "workflows",
    "gitops.yml",
);

/** Odoo 18's ir_config_parameter as its ORM creates it (magic columns, `key_uniq`). */
const ODOO_PARAMETER_TABLE = `
CREATE TABLE ir_config_parameter (
    id serial PRIMARY KEY,
    create_uid integer,
    write_uid integer,
    key varchar NOT NULL,
    value text NOT NULL,
    create_date timestamp without time zone,
    write_date timestamp without time zone,
    CONSTRAINT ir_config_parameter_key_uniq UNIQUE (key)
);
CREATE SEQUENCE base_cache_signaling_default;
CREATE TABLE ir_module_module (id serial PRIMARY KEY, name varchar);
`;

describe("GitOps: the dispatch secret reaches Odoo and the Odoo repository", function () {
    this.timeout(300_000);
    let prod: { resources: RecordedResource[] };
    let staging: { resources: RecordedResource[] };
    before(async () => {
        prod = await runStack("prod");
        staging = await runStack("staging");
    });

    it("delivers the secret to pulser.webhook.secret on the droplet, after Odoo, as a secret", () => {
        const c = one(prod.resources, T.container, "prod-gitops-parameter");
        assert.deepEqual(c.inputs["command"], ["sh", "-c", PARAMETER_SCRIPT]);
        assert.deepEqual(c.inputs["envs"], [
            "PGHOST=prod-postgres",
            "PGPORT=5432",
            "PGUSER=odoo",
            "PGDATABASE=odoo",
            `PARAMETER_SQL=${PARAMETER_SQL}`,
            "PGPASSWORD=preview-placeholder-postgresPassword",
            `${GITOPS_SECRET_ENV}=${PLACEHOLDER}`,
        ]);
        assert.ok(holdsSecret(c.resource.rawInputs["envs"]), "the secret is plain on the wire");
        assert.equal(c.inputs["restart"], "no");
        assert.equal(c.inputs["mustRun"], false);
        assert.equal(c.inputs["attach"], undefined, "up does not wait for a first initialization");
        const odoo = one(prod.resources, T.container, "prod-odoo").resource;
        assert.ok(c.resource.dependencies.includes(odoo.urn), "runs after Odoo's container");
        // The secret is in no command line, and the script holds no value.
        assert.ok(!PARAMETER_SCRIPT.includes(PLACEHOLDER) && !PARAMETER_SQL.includes(PLACEHOLDER));
        assert.deepEqual(
            ofType(staging.resources, T.container).filter((r) => /gitops/.test(r.name)),
            [],
            "staging gets no production secret",
        );
    });

    it("gives the Odoo repository a gitops environment, default branch only, with the secret and the keys", () => {
        const env = one(prod.resources, T.env, "prod-github-gitops-environment").inputs;
        assert.equal(env["environment"], "gitops");
        assert.deepEqual(env["reviewers"], [], "an automated job: no reviewer");
        assert.deepEqual(env["deploymentBranchPolicy"], {
            protectedBranches: false,
            customBranchPolicies: true,
        });
        assert.deepEqual(
            one(prod.resources, T.policy, "prod-github-gitops-deploy-from-main").inputs,
            { repository: "odoo", environment: "gitops", branchPattern: "main" },
        );
        const secret = one(
            prod.resources,
            T.secret,
            "prod-github-gitops-secret-pulser-webhook-secret",
        );
        assert.equal(secret.inputs["secretName"], GITOPS_SECRET_ENV);
        assert.equal(secret.inputs["value"], PLACEHOLDER, "the same secret Odoo signs with");
        assert.ok(isSecret(secret.resource.rawInputs["value"]));
        assert.deepEqual(
            one(prod.resources, T.variable, "prod-github-gitops-var-gitops-allowed-keys").inputs,
            {
                repository: "odoo",
                environment: "gitops",
                variableName: "GITOPS_ALLOWED_KEYS",
                value: "maintenance announcement",
            },
        );
        assert.deepEqual(
            ofType(staging.resources, T.env).filter((r) => inputsOf(r)["environment"] === "gitops"),
            [],
        );
    });

    it("without gitopsKeys: no gitops environment, the secret still reaches Odoo", async () => {
        const run = await runStack("prod", { gitopsKeys: undefined });
        assert.deepEqual(
            ofType(run.resources, T.env).map((r) => inputsOf(r)["environment"]),
            ["production"],
        );
        one(run.resources, T.container, "prod-gitops-parameter");
    });

    it("refuses gitopsKeys without the secret, on staging, or with a key that is no file name", async () => {
        const cases: [Record<string, string | undefined>, "prod" | "staging", RegExp][] = [
            [
                { githubDispatchUrl: undefined, githubWebhookSecret: undefined },
                "prod",
                /gitopsKeys: needs githubWebhookSecret/,
            ],
            [
                { gitopsKeys: '["maintenance"]' },
                "staging",
                /gitopsKeys: must not be set on a staging stack/,
            ],
            [
                { gitopsKeys: '["../etc/passwd"]' },
                "prod",
                /gitopsKeys\[0\]: must be a lower-case name/,
            ],
        ];
        for (const [overrides, stack, message] of cases) {
            await assert.rejects(runStack(stack, overrides), (e: Error) => {
                assert.match(e.message, message);
                return true;
            });
        }
    });

    it("on App Platform: the upgrade job alone gets the secret as a SECRET env", async () => {
        const run = await runAppStack("prod", {
            githubDispatchUrl: "https://dispatch.example.com/hooks/odoo",
            githubWebhookSecret: PLACEHOLDER,
        });
        const apps = ofType(run.resources, T.app);
        assert.equal(apps.length, 1);
        const s = inputsOf(apps[0])["spec"] as Record<string, unknown[]>;
        const envs = (c: unknown) =>
            ((c as { envs?: { key: string; type: string; value: unknown }[] }).envs ?? []).filter(
                (e) => e.key === GITOPS_SECRET_ENV,
            );
        const job = (s["jobs"] as { name: string }[]).find((j) => j.name === "upgrade");
        assert.deepEqual(
            envs(job).map((e) => [e.type, e.value]),
            [["SECRET", PLACEHOLDER]],
        );
        for (const c of [...(s["services"] ?? []), ...(s["workers"] ?? [])]) {
            assert.deepEqual(envs(c), [], "web and cron never hold it");
        }
        // The image's entrypoint runs the very statements the droplet's delivery runs.
        assert.ok(
            fs.readFileSync(ENTRYPOINT, "utf8").includes(`<<'SQL'\n${PARAMETER_SQL}SQL\n`),
            "entrypoint SQL differs from PARAMETER_SQL",
        );
    });

    it("the delivery script passes shellcheck", () => {
        const r = checkWith("shellcheck", ["-s", "sh"], PARAMETER_SCRIPT, ".sh");
        assert.equal(r.status, 0, r.output);
    });
});

describe("GitOps delivery on a real PostgreSQL server", function () {
    this.timeout(120_000);
    let pg: PgServer;
    let dir: string;
    const db = "odoo_gitops_test";
    before(() => {
        pg = startPostgres();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-"));
        psql(pg.env, "postgres", `DROP DATABASE IF EXISTS ${db}; CREATE DATABASE ${db};`);
    });
    after(() => {
        psql(pg.env, "postgres", `DROP DATABASE IF EXISTS ${db}`);
        fs.rmSync(dir, { recursive: true, force: true });
        pg.stop();
    });
    const env = (secret: string) => ({
        ...pg.env,
        PGDATABASE: db,
        PARAMETER_SQL,
        PARAMETER_WAIT_SECONDS: "0.2",
        [GITOPS_SECRET_ENV]: secret,
    });
    const row = () =>
        psql(
            pg.env,
            db,
            `SELECT value, create_date IS NOT NULL, write_date IS NOT NULL FROM ir_config_parameter WHERE key = '${GITOPS_PARAMETER}'`,
        );
    const signal = () => psql(pg.env, db, "SELECT last_value FROM base_cache_signaling_default");

    it("waits for Odoo's table, then inserts the secret exactly, quotes and all", async () => {
        // A fresh database: the script waits until Odoo has created its tables.
        const secret = 'it\'s a "secret"; DROP TABLE ir_config_parameter; -- $HOME `id`';
        const child = spawn("sh", ["-c", PARAMETER_SCRIPT], { env: env(secret) });
        let out = "";
        child.stdout.on("data", (d) => (out += String(d)));
        child.stderr.on("data", (d) => (out += String(d)));
        const done = new Promise<number | null>((resolve) => child.on("exit", resolve));
        await new Promise((r) => setTimeout(r, 1500));
        assert.equal(child.exitCode, null, `finished before Odoo's table existed: ${out}`);
        psql(pg.env, db, ODOO_PARAMETER_TABLE);
        assert.equal(await done, 0, out);
        assert.match(out, /waiting for Odoo to initialize odoo_gitops_test/);
        assert.match(out, /pulser\.webhook\.secret delivered to odoo_gitops_test/);
        assert.equal(row(), `${secret}|t|t`);
        assert.equal(signal(), "1", "running workers are told to drop their cached parameters");
    });

    it("replaces the value on a rotation and keeps one row", () => {
        const r = spawnSync("sh", ["-c", PARAMETER_SCRIPT], {
            env: env("rotated-value-0123456789"),
            encoding: "utf8",
        });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(row(), "rotated-value-0123456789|t|t");
        assert.equal(
            psql(
                pg.env,
                db,
                `SELECT count(*) FROM ir_config_parameter WHERE key = '${GITOPS_PARAMETER}'`,
            ),
            "1",
        );
        assert.equal(signal(), "2");
    });

    it("refuses an empty or multi-line secret before touching the database", () => {
        for (const bad of ["", "line one\nline two"]) {
            const r = spawnSync("sh", ["-c", PARAMETER_SCRIPT], {
                env: env(bad),
                encoding: "utf8",
            });
            assert.equal(r.status, 64);
            assert.match(r.stderr, bad === "" ? /is empty/ : /single line/);
        }
        assert.equal(row(), "rotated-value-0123456789|t|t");
    });

    it("the App Platform entrypoint's upgrade delivers it too, with the real psql", () => {
        const fakeOdoo = path.join(dir, "odoo");
        fs.writeFileSync(fakeOdoo, "#!/bin/sh\ncat >/dev/null 2>&1 || true\n", { mode: 0o755 });
        const r = spawnSync("sh", [ENTRYPOINT, "upgrade", "--database=odoo_gitops_test"], {
            encoding: "utf8",
            env: {
                ...pg.env,
                PGDATABASE: db,
                PATH: process.env.PATH ?? "",
                ODOO_BIN: fakeOdoo,
                ODOO_PLATFORM_CONF_DIR: path.join(dir, "conf"),
                ODOO_ADMIN_PASSWD: "a-long-master-password",
                [GITOPS_SECRET_ENV]: "from-the-upgrade-job-0123",
            },
        });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(row(), "from-the-upgrade-job-0123|t|t");
        // Without the secret (staging), the upgrade leaves the parameter alone.
        const none = spawnSync("sh", [ENTRYPOINT, "upgrade", "--database=odoo_gitops_test"], {
            encoding: "utf8",
            env: {
                ...pg.env,
                PGDATABASE: db,
                PATH: process.env.PATH ?? "",
                ODOO_BIN: fakeOdoo,
                ODOO_PLATFORM_CONF_DIR: path.join(dir, "conf"),
                ODOO_ADMIN_PASSWD: "a-long-master-password",
            },
        });
        assert.equal(none.status, 0, none.stderr);
        assert.equal(row(), "from-the-upgrade-job-0123|t|t");
    });
});

/** What pulser_webhook's sender puts in client_payload (README "The GitOps loop"). */
function signed(secret: string, body: Record<string, unknown>): Record<string, unknown> {
    const sorted = (v: unknown): unknown =>
        Array.isArray(v)
            ? v.map(sorted)
            : v !== null && typeof v === "object"
              ? Object.fromEntries(
                    Object.keys(v as object)
                        .sort()
                        .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
                )
              : v;
    const canonical = JSON.stringify(sorted(body));
    const mac = crypto.createHmac("sha256", secret).update(canonical, "utf8").digest("hex");
    return { ...body, signature: `sha256=${mac}` };
}

describe("GitOps: the receiving workflow (step harness, stub git and gh)", function () {
    this.timeout(300_000);
    let wiring: Wiring;
    let secret: string;
    const runs: WorkflowRun[] = [];
    before(async () => {
        wiring = await programWiring();
        secret = wiring.environments["gitops"].secrets[GITOPS_SECRET_ENV];
    });
    after(() => runs.forEach((r) => r.dispose()));

    const NONCE = "f3a9c2d4e5b60718";
    const SHA = "4444444444444444444444444444444444444444";
    const PR = "https://github.com/example/odoo/pull/77";
    const now = () => Math.floor(Date.now() / 1000);
    const request = (over: Record<string, unknown> = {}) => ({
        kv_key: "maintenance",
        kv_value: "2026-12-01 22:00 UTC: upgrade to 18.0 (30 min)",
        message: "chore(gitops): announce the maintenance",
        timestamp: now(),
        nonce: NONCE,
        ...over,
    });
    const RULES: Rule[] = [
        { cmd: "git", args: /^ls-remote /, exit: 2 },
        { cmd: "git", args: /^config / },
        { cmd: "git", args: /^checkout -b / },
        { cmd: "git", args: /^add / },
        { cmd: "git", args: /^diff --cached --quiet$/, exit: 1 },
        { cmd: "git", args: /^commit / },
        { cmd: "git", args: /^push / },
        { cmd: "git", args: /^rev-parse HEAD$/, stdout: `${SHA}\n` },
        { cmd: "gh", args: /^pr create /, stdout: `${PR}\n` },
        { cmd: "gh", args: /^api --method POST / },
    ];
    const run = (clientPayload: unknown, rules: Rule[] = RULES) => {
        const r = runWorkflow({
            workflow: WORKFLOW,
            repository: ODOO,
            repositories: scenarioRepositories(wiring),
            event: {
                name: "repository_dispatch",
                payload: {
                    action: "git-ops",
                    client_payload: clientPayload as never,
                    repository: { default_branch: "main", full_name: ODOO },
                },
            },
            rules,
        });
        runs.push(r);
        return r;
    };
    const calls = (r: WorkflowRun) => r.calls.filter((c) => c.cmd !== "uses").map(line);
    const job = (r: WorkflowRun) => r.jobs["apply"];

    it("a signed request: a branch, one commit of ops/kv/<key>.txt, a pull request, a status", () => {
        const body = request();
        const r = run(signed(secret, body));
        assert.deepEqual(r.results, { apply: "success" }, r.explain());
        const branch = `gitops/maintenance-${NONCE}`;
        assert.deepEqual(calls(r), [
            `git ls-remote --exit-code --heads origin refs/heads/${branch}`,
            "git config user.name 'github-actions[bot]'",
            "git config user.email '41898282+github-actions[bot]@users.noreply.github.com'",
            `git checkout -b ${branch}`,
            "git add -- ops/kv/maintenance.txt",
            "git diff --cached --quiet",
            `git commit -m 'chore(gitops): announce the maintenance' -m 'GitOps request ${NONCE} (repository_dispatch git-ops, signature verified).'`,
            `git push origin ${branch}`,
            "git rev-parse HEAD",
            `gh pr create --repo example/odoo --base main --head ${branch} --title 'chore(gitops): announce the maintenance' --body-file ${path.join(r.jobs["apply"].workspace ?? "", "..", "temp", "body.md")}`,
            `gh api --method POST repos/example/odoo/statuses/${SHA} -f state=success -f context=gitops -f target_url=${PR} -f 'description=GitOps request ${NONCE}: pull request opened'`,
        ]);
        const work = job(r).workspace as string;
        assert.equal(
            fs.readFileSync(path.join(work, "ops", "kv", "maintenance.txt"), "utf8"),
            "2026-12-01 22:00 UTC: upgrade to 18.0 (30 min)\n",
        );
        const gh = r.calls.filter((c) => c.cmd === "gh");
        assert.ok(
            gh.every((c) => c.token === "ghs_jobtoken"),
            "gh runs with the job's token",
        );
        assert.match(job(r).summary, new RegExp(`GitOps request ${NONCE}: ${PR}`));
        // The job reads the secret from the environment gitops, where the prod stack puts it.
        assert.deepEqual(
            r.calls.filter((c) => c.cmd === "uses").map((c) => c.argv[0]),
            ["actions/checkout"],
        );
    });

    it("a value the branch holds already: no pull request", () => {
        const rules = RULES.map((x) =>
            String(x.args) === String(/^diff --cached --quiet$/) ? { ...x, exit: 0 } : x,
        );
        const r = run(signed(secret, request()), rules);
        assert.deepEqual(r.results, { apply: "success" }, r.explain());
        assert.deepEqual(
            calls(r).filter((c) => /^(gh|git (commit|push))/.test(c)),
            [],
        );
        assert.match(job(r).summary, /already holds this value; no pull request/);
    });

    const refused = (clientPayload: unknown, code: string) => {
        const r = run(clientPayload);
        assert.deepEqual(r.results, { apply: "failure" });
        const first = job(r).steps[0];
        assert.equal(first.outcome, "failure");
        assert.match(first.stdout, new RegExp(`::error title=GitOps request refused::${code}: `));
        assert.match(job(r).summary, new RegExp(`GitOps request refused \\(${code}\\)`));
        // Nothing checked out, written, pushed or opened.
        assert.deepEqual(r.calls.map(line), [], `${code}: something ran`);
        return first.stdout;
    };

    it("an unsigned request does nothing", () => {
        refused(request(), "unsigned");
        refused(null, "unsigned");
        refused({ ...request(), signature: "" }, "unsigned");
    });

    it("a forged request does nothing: another secret, or a payload changed after signing", () => {
        refused(signed("not-the-shared-secret-0123456789", request()), "forged");
        const tampered = { ...signed(secret, request()), kv_value: "something else" };
        refused(tampered, "forged");
        const otherKey = { ...signed(secret, request()), kv_key: "announcement" };
        refused(otherKey, "forged");
    });

    it("a stale or future request does nothing, even signed", () => {
        refused(signed(secret, request({ timestamp: now() - 301 })), "stale");
        refused(signed(secret, request({ timestamp: now() + 600 })), "stale");
        refused(signed(secret, request({ timestamp: String(now()) })), "stale");
    });

    it("a key outside the allowlist, a bad nonce or a multi-line value does nothing, even signed", () => {
        const out = refused(
            signed(secret, request({ kv_key: "odoo-update-modules" })),
            "key-not-allowed",
        );
        assert.match(out, /'maintenance', 'announcement'/);
        refused(
            signed(secret, request({ kv_key: "../../.github/workflows/x" })),
            "key-not-allowed",
        );
        refused(signed(secret, request({ nonce: "short" })), "bad-nonce");
        refused(signed(secret, request({ kv_value: "one\nGITHUB_TOKEN=x" })), "bad-value");
        refused(signed(secret, request({ message: "a\nb" })), "bad-message");
    });

    it("a replayed request finds its branch taken and does nothing more", () => {
        const rules: Rule[] = [{ cmd: "git", args: /^ls-remote /, exit: 0 }, ...RULES];
        const r = run(signed(secret, request()), rules);
        assert.deepEqual(r.results, { apply: "failure" });
        assert.deepEqual(calls(r), [
            `git ls-remote --exit-code --heads origin refs/heads/gitops/maintenance-${NONCE}`,
        ]);
        assert.match(job(r).summary, /refused \(replayed\)/);
    });

    it("without the environment's secret, every request is refused by name", () => {
        const bare = runWorkflow({
            workflow: WORKFLOW,
            repository: ODOO,
            repositories: scenarioRepositories({
                ...wiring,
                environments: { ...wiring.environments, gitops: { secrets: {}, vars: {} } },
            }),
            event: {
                name: "repository_dispatch",
                payload: { client_payload: signed(secret, request()) as never },
            },
            rules: RULES,
        });
        runs.push(bare);
        assert.deepEqual(bare.results, { apply: "failure" });
        assert.match(
            bare.jobs["apply"].steps[0].stdout,
            /no-secret: PULSER_WEBHOOK_SECRET is not set/,
        );
        assert.deepEqual(bare.calls.map(line), []);
    });
});

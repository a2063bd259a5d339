import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import * as os from "os";
import { Finding } from "../tools/lint-workflows";
import YAML from "yaml";
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
        // The comment is one per pull request, edited on every run (the harness only records it).
        const comment = wf.jobs.environment.steps!.find((s) =>
            s.uses?.startsWith("actions/github-script@"),
        );
        assert.match(String(comment?.with?.script), /odoo-platform:pr-environment/);
        assert.match(String(comment?.with?.script), /updateComment/);
    });

    const job = (file: string) => Object.values(load(path.join(WORKFLOWS, file)).jobs)[0];
    const runs = (file: string) => (job(file).steps ?? []).map((s) => s.run ?? "").join("\n");

    it("serializes each stack's releases and deploys, and never cancels one", () => {
        const release = load(path.join(WORKFLOWS, "release.yml"));
        assert.deepEqual(release.concurrency, {
            group: "stack-${{ inputs.stage == 'production' && 'prod' || 'staging' }}",
            "cancel-in-progress": false,
        });
        assert.deepEqual(load(path.join(WORKFLOWS, "deploy-staging.yml")).concurrency, {
            group: "stack-staging",
            "cancel-in-progress": false,
        });
        assert.deepEqual(load(path.join(WORKFLOWS, "deploy.yml")).concurrency, {
            group: "deploy-${{ inputs.stage }}",
            "cancel-in-progress": false,
        });
    });

    it("lets drift write issues and nothing else", () => {
        const wf = load(path.join(WORKFLOWS, "drift.yml"));
        assert.deepEqual(wf.permissions, { contents: "read", issues: "write" });
    });

    it("ci runs .ci/run and previews every example stack", () => {
        const r = runs("ci.yml");
        assert.match(r, /^bash \.ci\/run$/m);
        assert.match(r, /for stack in staging prod pr-42/);
        assert.match(r, /--config "examples\/Pulumi\.\$stack\.app-platform\.yaml"/);
        assert.match(r, /set -o pipefail/, "tee must not hide a failed preview");
    });
});

/**
 * A step harness for this project's GitHub workflows: runs a workflow's jobs in `needs` order, each
 * job's steps in order in a job folder of its own, the way the runner does, with stub CLIs on the
 * PATH that record every call and answer from a scripted table.
 *
 * Modelled from GitHub's documentation ("Workflow syntax for GitHub Actions", "Contexts",
 * "Evaluate expressions", "Reuse workflows"):
 * - a `run` step is a script file run by `bash -e {0}`, or by
 *   `bash --noprofile --norc -eo pipefail {0}` when the step (or `defaults.run`) says
 *   `shell: bash`; GITHUB_OUTPUT, GITHUB_ENV and GITHUB_STEP_SUMMARY are files read after it;
 * - a step runs when its `if` holds (`success()` when it has none); a failed step fails the job;
 * - a job runs when its `if` holds (`success()` of every job it needs, transitively, when it has
 *   none); a job calling a reusable workflow runs that workflow's jobs with the inputs and secrets
 *   it maps, and gets its `workflow_call.outputs`;
 * - `secrets` are the repository's, plus the environment's for a job naming one; in a called
 *   workflow, what the caller passes (with `secrets: inherit`: the caller repository's, plus the
 *   environment's for a called job naming one); `vars` are the repository's, plus the
 *   environment's for a job naming one; a missing secret or variable reads as empty.
 * - `uses:` steps are simulated: actions/checkout copies the repository it names (this one, or
 *   the example Odoo repository) into the job folder; the others are recorded, and fail where the
 *   real action fails on an empty input.
 * - GITHUB_EVENT_PATH holds the event's payload (`github.event`) as JSON.
 * Not modelled: services, timeouts, concurrency, permissions, caches, `continue-on-error`,
 * GITHUB_PATH (the file exists, nothing reads it), matrix `include`/`exclude`.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";
import { Scope, Value, condition, interpolate, resolve, stringify } from "./workflow-expressions";

export const ROOT = path.resolve(__dirname, "..");

/** One scripted answer of a stub CLI: the first rule whose command and argv match answers. */
export interface Rule {
    readonly cmd: string;
    /** Tested against the argv joined with single spaces. @default any */
    readonly args?: RegExp;
    /** Tested against the job's label (`preview/environment`, `drift (prod)`). @default any */
    readonly job?: RegExp;
    readonly stdout?: string;
    readonly stderr?: string;
    /** @default 0 */
    readonly exit?: number;
    /** The rule answers this many calls, then gives way to the next matching one. */
    readonly times?: number;
    /** Runs the real command (found on the PATH outside the stubs) after recording the call. */
    readonly passthrough?: boolean;
}

/** A recorded call of a stub CLI, or (`cmd` "uses") a simulated action. */
export interface Call {
    readonly job: string;
    readonly step: string;
    readonly cmd: string;
    readonly argv: string[];
    /** ssh: what it read on stdin. */
    readonly stdin?: string;
    /** ssh: the remote command, as ssh hands it to the remote shell (its words joined by spaces). */
    readonly remote?: string;
    /** ssh with `bash -s ...`: the arguments the script on stdin gets there ("$@"). */
    readonly remoteArgs?: string[];
    /** gh: the token it authenticates with. */
    readonly token?: string;
    /** gh: the content of a `--body-file`. */
    readonly files?: Record<string, string>;
    /** uses: the evaluated `with` and the step's own `env`. */
    readonly with?: Record<string, string>;
    readonly env?: Record<string, string>;
    readonly exit: number | null;
    readonly unexpected?: boolean;
}

export interface Place {
    readonly secrets: Readonly<Record<string, string>>;
    readonly vars: Readonly<Record<string, string>>;
}

/** A repository: its files (what a checkout copies) and its secrets and variables per place. */
export interface Repository {
    readonly dir: string;
    readonly repository: Place;
    readonly environments: Readonly<Record<string, Place>>;
}

export interface Event {
    /** github.event_name: push, pull_request, workflow_dispatch, schedule. */
    readonly name: string;
    readonly payload?: Record<string, Value>;
    /** workflow_dispatch inputs (defaults from the workflow fill the rest). */
    readonly inputs?: Record<string, Value>;
    readonly ref?: string;
    readonly sha?: string;
}

export interface RunOptions {
    /** The workflow file to run. */
    readonly workflow: string;
    /** owner/name of the repository the run belongs to (a key of `repositories`). */
    readonly repository: string;
    readonly repositories: Readonly<Record<string, Repository>>;
    readonly event: Event;
    readonly rules: readonly Rule[];
    /** @default 4242 */
    readonly runId?: number;
    /** What docker/build-push-action reports as the pushed image's digest. */
    readonly digest?: string;
    /** The local file of a reusable workflow named by `uses: owner/repo/.github/workflows/x.yml@ref`. */
    readonly reusable?: (ref: string) => string;
}

export type Result = "success" | "failure" | "skipped";

export interface StepRun {
    readonly label: string;
    readonly id?: string;
    readonly outcome: Result;
    readonly outputs: Record<string, string>;
    readonly stdout: string;
    readonly stderr: string;
}

export interface JobRun {
    readonly label: string;
    readonly result: Result;
    readonly outputs: Record<string, string>;
    readonly steps: StepRun[];
    /** The environment the job named, with its URL evaluated after the steps. */
    readonly environment?: { name: string; url: string };
    /** What the steps wrote to GITHUB_STEP_SUMMARY. */
    readonly summary: string;
    readonly workspace?: string;
}

/** The token GitHub gives each job (`github.token`, `secrets.GITHUB_TOKEN`): a stand-in. */
export const JOB_TOKEN = "ghs_jobtoken";

/** Rules every run has after the scenario's own. */
const DEFAULT_RULES: readonly Rule[] = [
    // Waits of retry loops: no time passes here.
    { cmd: "sleep" },
    // The job folder's checkout links this repository's node_modules: installed already.
    { cmd: "npm", args: /^ci( |$)/ },
    { cmd: "npm", args: /^run /, passthrough: true },
    { cmd: "npx", passthrough: true },
];

/** The stub CLIs: each records its call, then answers from rules.json (see Rule). */
const STUB = String.raw`"use strict";
const fs = require("fs");
const path = require("path");
const cp = require("child_process");
// ssh's options that take a value (ssh(1) of OpenSSH 9).
const SSH_VALUE = new Set("BbcDEeFIiJLlmOoPpQRSWw".split(""));
module.exports = function stub(name) {
    const dir = process.env.WORKFLOW_HARNESS_DIR;
    const argv = process.argv.slice(2);
    const line = argv.join(" ");
    const job = process.env.WORKFLOW_HARNESS_JOB || "";
    const rec = { job, step: process.env.WORKFLOW_HARNESS_STEP || "", cmd: name, argv };
    if (name === "ssh") {
        try { rec.stdin = fs.readFileSync(0, "utf8"); } catch { rec.stdin = ""; }
        let i = 0;
        while (i < argv.length && argv[i].startsWith("-")) {
            i += argv[i].length === 2 && SSH_VALUE.has(argv[i][1]) ? 2 : 1;
        }
        rec.remote = argv.slice(i + 1).join(" ");
        if (/^bash -s( |$)/.test(rec.remote)) {
            // The remote shell parses the joined words; a probe on stdin prints what "$@" became.
            const probe = cp.spawnSync("bash", ["-c", rec.remote], {
                input: 'printf "%s\\0" "$@"', encoding: "utf8" });
            rec.remoteArgs = probe.stdout.split("\0").slice(0, -1);
        }
    }
    if (name === "gh") {
        // gh reads GH_TOKEN first, then GITHUB_TOKEN (gh help environment).
        rec.token = process.env.GH_TOKEN || process.env.GITHUB_TOKEN || "";
        const i = argv.indexOf("--body-file");
        if (i >= 0 && fs.existsSync(argv[i + 1])) {
            rec.files = { [argv[i + 1]]: fs.readFileSync(argv[i + 1], "utf8") };
        }
    }
    const rules = JSON.parse(fs.readFileSync(path.join(dir, "rules.json"), "utf8"));
    const countsFile = path.join(dir, "counts.json");
    const counts = fs.existsSync(countsFile) ? JSON.parse(fs.readFileSync(countsFile, "utf8")) : {};
    const test = (re, s) => re === undefined || new RegExp(re.source, re.flags).test(s);
    const index = rules.findIndex((r, i) => r.cmd === name && test(r.args, line) &&
        test(r.job, job) && (r.times === undefined || (counts[i] || 0) < r.times));
    const log = (exit) => {
        rec.exit = exit;
        fs.appendFileSync(path.join(dir, "calls.jsonl"), JSON.stringify(rec) + "\n");
    };
    const write = (fd, text) => { try { if (text) fs.writeSync(fd, text); } catch { /* reader gone */ } };
    if (index === -1) {
        rec.unexpected = true;
        log(99);
        write(2, "workflow-harness: no scripted answer for: " + name + " " + line + "\n");
        process.exit(99);
    }
    counts[index] = (counts[index] || 0) + 1;
    fs.writeFileSync(countsFile, JSON.stringify(counts));
    const rule = rules[index];
    if (rule.passthrough) {
        log(null);
        const real = process.env.WORKFLOW_HARNESS_REAL_PATH.split(":")
            .map((d) => path.join(d, name)).find((f) => { try { fs.accessSync(f, fs.constants.X_OK); return true; } catch { return false; } });
        if (real === undefined) { write(2, name + ": not found\n"); process.exit(127); }
        const r = cp.spawnSync(real, argv, { stdio: "inherit" });
        process.exit(r.status === null ? 128 : r.status);
    }
    log(rule.exit || 0);
    write(1, rule.stdout);
    write(2, rule.stderr);
    process.exit(rule.exit || 0);
};
`;

/** The CLIs the stubs stand in for. */
export const STUBS = [
    "pulumi",
    "gh",
    "ssh",
    "curl",
    "docker",
    "git",
    "npm",
    "npx",
    "sleep",
    "aws",
    "restic",
];

/** A word as a shell would need it quoted: for readable, exact call lines. */
export function quote(word: string): string {
    return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/** A call as one line: `pulumi up --yes --stack pr-42`, or `uses actions/checkout`. */
export function line(c: Call): string {
    return [c.cmd, ...c.argv].map(quote).join(" ");
}

export class WorkflowRun {
    constructor(
        readonly dir: string,
        readonly jobs: Readonly<Record<string, JobRun>>,
        readonly calls: readonly Call[],
        /** The run's name (`run-name`, evaluated). */
        readonly name: string,
    ) {}

    /** The calls nobody scripted an answer for. */
    get unexpected(): Call[] {
        return this.calls.filter((c) => c.unexpected === true);
    }

    /** The calls (as lines) of these commands, in order, optionally of the jobs matching `job`. */
    lines(cmds: readonly string[], job?: RegExp): string[] {
        return this.calls
            .filter((c) => cmds.includes(c.cmd) && (job === undefined || job.test(c.job)))
            .map(line);
    }

    /** Each job's result, by label. */
    get results(): Record<string, Result> {
        return Object.fromEntries(Object.entries(this.jobs).map(([k, j]) => [k, j.result]));
    }

    /** What a failing run's steps printed, for an assertion's message. */
    explain(): string {
        return Object.values(this.jobs)
            .flatMap((j) =>
                j.steps
                    .filter((s) => s.outcome === "failure")
                    .map((s) => `${j.label} / ${s.label}:\n${s.stdout}${s.stderr}`),
            )
            .concat(this.unexpected.map((c) => `unexpected: ${line(c)}`))
            .join("\n");
    }

    /** Removes the run's folder. */
    dispose(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

type Yaml = Record<string, unknown>;
type Step = {
    name?: string;
    id?: string;
    if?: unknown;
    uses?: string;
    run?: string;
    shell?: string;
    with?: Record<string, unknown>;
    env?: Record<string, unknown>;
    "working-directory"?: string;
};
type Job = {
    name?: string;
    needs?: string | string[];
    if?: unknown;
    uses?: string;
    with?: Record<string, unknown>;
    secrets?: "inherit" | Record<string, unknown>;
    environment?: string | { name: string; url?: string };
    env?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
    strategy?: { matrix?: Record<string, unknown[]> };
    defaults?: { run?: { shell?: string } };
    steps?: Step[];
};
type Workflow = {
    name?: string;
    "run-name"?: string;
    on: Yaml;
    env?: Record<string, unknown>;
    defaults?: { run?: { shell?: string } };
    jobs: Record<string, Job>;
};

/** Reads a workflow file. */
export function loadWorkflow(file: string): Workflow {
    return YAML.parse(fs.readFileSync(file, "utf8")) as Workflow;
}

/** The command a `run` step's script file is given to, as the runner builds it. */
export function shellOf(wf: Workflow, job: Job, step: Step): string[] {
    const shell = step.shell ?? job.defaults?.run?.shell ?? wf.defaults?.run?.shell;
    if (shell === undefined) return ["bash", "-e"];
    if (shell === "bash") return ["bash", "--noprofile", "--norc", "-eo", "pipefail"];
    throw new Error(`shell "${shell}" is not modelled`);
}

/** `name=value` and `name<<DELIMITER` blocks of GITHUB_OUTPUT and GITHUB_ENV files. */
export function parseCommandFile(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
        const heredoc = /^([^=]+?)<<(.+)$/.exec(lines[i]);
        if (heredoc) {
            const body: string[] = [];
            for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) body.push(lines[i]);
            if (i >= lines.length) throw new Error(`no closing ${heredoc[2]} for ${heredoc[1]}`);
            out[heredoc[1]] = body.join("\n");
            continue;
        }
        const kv = /^([^=]+)=(.*)$/.exec(lines[i]);
        if (kv) out[kv[1]] = kv[2];
        else if (lines[i] !== "") throw new Error(`not a name=value line: ${lines[i]}`);
    }
    return out;
}

const SKIP_ON_CHECKOUT = new Set(["node_modules", ".git", "bin", ".bench"]);

interface Invocation {
    readonly file: string;
    readonly wf: Workflow;
    /** Label prefix of its jobs: "" at the top, "<caller job>/" in a called workflow. */
    readonly prefix: string;
    readonly github: Record<string, Value>;
    readonly inputs: Record<string, Value>;
    /** The secrets context of a job naming this environment (or none). */
    readonly secrets: (environment: string | undefined) => Record<string, string>;
}

interface JobState {
    readonly result: Result;
    readonly outputs: Record<string, string>;
}

class Runner {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "workflow-harness-"));
    readonly bin = path.join(this.dir, "bin");
    readonly jobs: Record<string, JobRun> = {};
    private readonly repo: Repository;

    constructor(private readonly opts: RunOptions) {
        const repo = opts.repositories[opts.repository];
        if (repo === undefined) throw new Error(`no repository ${opts.repository} in the scenario`);
        this.repo = repo;
        fs.mkdirSync(this.bin);
        const stub = path.join(this.dir, "stub.js");
        fs.writeFileSync(stub, STUB);
        for (const name of STUBS) {
            const file = path.join(this.bin, name);
            fs.writeFileSync(
                file,
                `#!/usr/bin/env node\nrequire(${JSON.stringify(stub)})(${JSON.stringify(name)});\n`,
            );
            fs.chmodSync(file, 0o755);
        }
        const serial = [...opts.rules, ...DEFAULT_RULES].map((r) => ({
            ...r,
            args: r.args && { source: r.args.source, flags: r.args.flags },
            job: r.job && { source: r.job.source, flags: r.job.flags },
        }));
        fs.writeFileSync(path.join(this.dir, "rules.json"), JSON.stringify(serial));
        fs.writeFileSync(path.join(this.dir, "calls.jsonl"), "");
    }

    private record(call: Omit<Call, "exit"> & { exit?: number | null }): void {
        fs.appendFileSync(
            path.join(this.dir, "calls.jsonl"),
            `${JSON.stringify({ exit: 0, ...call })}\n`,
        );
    }

    run(): WorkflowRun {
        const { opts } = this;
        const wf = loadWorkflow(opts.workflow);
        const event = opts.event;
        const dispatch = (wf.on?.workflow_dispatch ?? {}) as { inputs?: Record<string, Yaml> };
        const inputs =
            event.name === "workflow_dispatch"
                ? this.inputsOf(dispatch.inputs ?? {}, event.inputs ?? {}, opts.workflow)
                : {};
        const github: Record<string, Value> = {
            event_name: event.name,
            event: { ...(event.payload ?? {}), ...(event.inputs ? { inputs: event.inputs } : {}) },
            repository: opts.repository,
            repository_owner: opts.repository.split("/")[0],
            ref: event.ref ?? "refs/heads/main",
            sha: event.sha ?? "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
            run_id: String(opts.runId ?? 4242),
            run_attempt: "1",
            server_url: "https://github.com",
            actor: "octocat",
            token: JOB_TOKEN,
            workflow: wf.name ?? path.basename(opts.workflow),
        };
        const secrets = (environment: string | undefined) => ({
            ...this.repo.repository.secrets,
            ...(environment === undefined ? {} : this.environment(environment).secrets),
            GITHUB_TOKEN: JOB_TOKEN,
        });
        const runName = wf["run-name"]
            ? interpolate(wf["run-name"], { contexts: { github, inputs, vars: this.vars() } })
            : (wf.name ?? "");
        this.workflow({ file: opts.workflow, wf, prefix: "", github, inputs, secrets });
        const calls = fs
            .readFileSync(path.join(this.dir, "calls.jsonl"), "utf8")
            .split("\n")
            .filter((l) => l !== "")
            .map((l) => JSON.parse(l) as Call);
        return new WorkflowRun(this.dir, this.jobs, calls, runName);
    }

    private environment(name: string): Place {
        return this.repo.environments[name] ?? { secrets: {}, vars: {} };
    }

    private vars(environment?: string): Record<string, string> {
        return {
            ...this.repo.repository.vars,
            ...(environment === undefined ? {} : this.environment(environment).vars),
        };
    }

    /** Inputs of a dispatch or a call: declared, required, defaulted, typed. */
    private inputsOf(
        declared: Record<string, Yaml>,
        given: Record<string, Value>,
        what: string,
    ): Record<string, Value> {
        const out: Record<string, Value> = {};
        for (const name of Object.keys(given)) {
            if (!(name in declared)) throw new Error(`${what}: input ${name} is not declared`);
        }
        for (const [name, spec] of Object.entries(declared)) {
            let v: Value | undefined = given[name];
            if (v === undefined || v === null) {
                if (spec.required === true && spec.default === undefined) {
                    throw new Error(`${what}: required input ${name} is not given`);
                }
                v = (spec.default ?? null) as Value;
            }
            if (spec.type === "boolean" && typeof v === "string") v = v === "true";
            if (spec.type === "number" && typeof v === "string") v = Number(v);
            if (spec.type === "choice" && !(spec.options as string[]).includes(String(v))) {
                throw new Error(`${what}: input ${name} must be one of ${String(spec.options)}`);
            }
            out[name] = v;
        }
        return out;
    }

    private workflow(inv: Invocation): Record<string, JobState> {
        const states: Record<string, JobState> = {};
        const ids = Object.keys(inv.wf.jobs);
        const needsOf = (id: string) => {
            const n = inv.wf.jobs[id].needs;
            return n === undefined ? [] : Array.isArray(n) ? n : [n];
        };
        const ancestors = (id: string): string[] => {
            const seen = new Set<string>();
            const visit = (j: string) =>
                needsOf(j).forEach((n) => {
                    if (!seen.has(n)) {
                        seen.add(n);
                        visit(n);
                    }
                });
            visit(id);
            return [...seen];
        };
        const pending = [...ids];
        while (pending.length > 0) {
            const i = pending.findIndex((id) => needsOf(id).every((n) => n in states));
            if (i === -1) throw new Error(`${inv.file}: a cycle or an unknown job in needs`);
            const id = pending.splice(i, 1)[0];
            const job = inv.wf.jobs[id];
            const label = `${inv.prefix}${id}`;
            const needs: Record<string, Value> = Object.fromEntries(
                needsOf(id).map((n) => [
                    n,
                    { result: states[n].result, outputs: states[n].outputs },
                ]),
            );
            const up = ancestors(id).map((a) => states[a].result);
            const scope: Scope = {
                contexts: { github: inv.github, inputs: inv.inputs, needs, vars: this.vars() },
                status: {
                    success: () => up.every((r) => r === "success"),
                    failure: () => up.some((r) => r === "failure"),
                },
            };
            if (!condition(job.if, scope)) {
                states[id] = { result: "skipped", outputs: {} };
                this.jobs[label] = {
                    label,
                    result: "skipped",
                    outputs: {},
                    steps: [],
                    summary: "",
                };
                continue;
            }
            states[id] = job.uses
                ? this.call(inv, id, job, needs)
                : this.matrix(inv, id, job, needs);
        }
        return states;
    }

    /** A job calling a reusable workflow. */
    private call(inv: Invocation, id: string, job: Job, needs: Record<string, Value>): JobState {
        const label = `${inv.prefix}${id}`;
        const ref = job.uses as string;
        const file = ref.startsWith("./")
            ? path.join(this.repo.dir, ref)
            : (this.opts.reusable ?? ((r: string) => r))(ref);
        const wf = loadWorkflow(file);
        const call = (wf.on?.workflow_call ?? null) as {
            inputs?: Record<string, Yaml>;
            outputs?: Record<string, { value: string }>;
        } | null;
        if (call === null) throw new Error(`${ref} is not a reusable workflow`);
        const scope: Scope = {
            contexts: {
                github: inv.github,
                inputs: inv.inputs,
                needs,
                vars: this.vars(),
                secrets: inv.secrets(undefined),
            },
        };
        const given = Object.fromEntries(
            Object.entries(job.with ?? {}).map(([k, v]) => [k, resolve(v, scope)]),
        );
        const inputs = this.inputsOf(call.inputs ?? {}, given, `${label} → ${ref}`);
        const mapped =
            job.secrets === "inherit"
                ? undefined
                : Object.fromEntries(
                      Object.entries(job.secrets ?? {}).map(([k, v]) => [
                          k,
                          stringify(resolve(v, scope)),
                      ]),
                  );
        const secrets = (environment: string | undefined) =>
            mapped === undefined
                ? inv.secrets(environment)
                : { ...mapped, GITHUB_TOKEN: JOB_TOKEN };
        const states = this.workflow({
            file,
            wf,
            prefix: `${label}/`,
            github: inv.github,
            inputs,
            secrets,
        });
        const results = Object.values(states).map((s) => s.result);
        const result: Result = results.includes("failure") ? "failure" : "success";
        const jobs: Record<string, Value> = Object.fromEntries(
            Object.entries(states).map(([k, s]) => [k, { result: s.result, outputs: s.outputs }]),
        );
        const outputs = Object.fromEntries(
            Object.entries(call.outputs ?? {}).map(([k, o]) => [
                k,
                interpolate(o.value, { contexts: { jobs } }),
            ]),
        );
        this.jobs[label] = { label, result, outputs, steps: [], summary: "" };
        return { result, outputs };
    }

    /** A job of steps, once per combination of its matrix. */
    private matrix(inv: Invocation, id: string, job: Job, needs: Record<string, Value>): JobState {
        const matrix = job.strategy?.matrix;
        const combos: Record<string, Value>[] = [{}];
        for (const [key, values] of Object.entries(matrix ?? {})) {
            if (!Array.isArray(values)) throw new Error(`matrix ${key}: only lists are modelled`);
            combos.splice(
                0,
                combos.length,
                ...combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v as Value }))),
            );
        }
        const label = `${inv.prefix}${id}`;
        const runs = combos.map((m) =>
            this.steps(
                inv,
                id,
                matrix ? `${label} (${Object.values(m).map(stringify).join(", ")})` : label,
                job,
                needs,
                m,
            ),
        );
        if (!matrix) return runs[0];
        const result: Result = runs.some((r) => r.result === "failure") ? "failure" : "success";
        const outputs = Object.assign({}, ...runs.map((r) => r.outputs));
        this.jobs[label] = { label, result, outputs, steps: [], summary: "" };
        return { result, outputs };
    }

    private steps(
        inv: Invocation,
        id: string,
        label: string,
        job: Job,
        needs: Record<string, Value>,
        matrix: Record<string, Value>,
    ): JobState {
        const folder = path.join(this.dir, "jobs", label.replace(/[^\w.-]+/g, "_"));
        const workspace = path.join(folder, "work");
        const temp = path.join(folder, "temp");
        const home = path.join(folder, "home");
        for (const d of [workspace, temp, home]) fs.mkdirSync(d, { recursive: true });
        // The webhook payload of the event, as the runner writes it for the job's steps.
        const eventPath = path.join(temp, "event.json");
        fs.writeFileSync(eventPath, JSON.stringify(inv.github.event ?? {}));

        const base = {
            github: inv.github,
            inputs: inv.inputs,
            needs,
            matrix,
            strategy: { "fail-fast": false },
            runner: { temp, os: "Linux", arch: "X64" },
        };
        const envSpec: { name: string; url?: string } | undefined =
            typeof job.environment === "string" ? { name: job.environment } : job.environment;
        const environment =
            envSpec === undefined
                ? undefined
                : interpolate(envSpec.name, { contexts: { ...base, vars: this.vars() } });
        const vars = this.vars(environment);
        const secrets = inv.secrets(environment);
        const plain = (o: Record<string, unknown> | undefined, scope: Scope) =>
            Object.fromEntries(
                Object.entries(o ?? {}).map(([k, v]) => [k, stringify(resolve(v, scope))]),
            );
        const wfEnv = plain(inv.wf.env, { contexts: { ...base, vars, secrets } });
        const jobEnv = plain(job.env, { contexts: { ...base, vars, secrets, env: wfEnv } });
        let env: Record<string, string> = { ...wfEnv, ...jobEnv };

        const steps: StepRun[] = [];
        const stepsCtx: Record<string, Value> = {};
        let status: "success" | "failure" = "success";
        let summary = "";
        (job.steps ?? []).forEach((step, index) => {
            const scope = (): Scope => ({
                contexts: {
                    ...base,
                    vars,
                    secrets,
                    env,
                    steps: stepsCtx,
                    job: { status },
                },
                status: {
                    success: () => status === "success",
                    failure: () => status === "failure",
                },
            });
            const stepLabel = interpolate(
                step.name ?? (step.run ? `Run ${step.run.split("\n")[0]}` : (step.uses ?? "")),
                scope(),
            );
            let run: StepRun;
            if (!condition(step.if, scope())) {
                run = {
                    label: stepLabel,
                    id: step.id,
                    outcome: "skipped",
                    outputs: {},
                    stdout: "",
                    stderr: "",
                };
            } else {
                const stepEnv = plain(step.env, scope());
                const files = {
                    GITHUB_OUTPUT: path.join(temp, `output-${index}`),
                    GITHUB_ENV: path.join(temp, `env-${index}`),
                    GITHUB_STEP_SUMMARY: path.join(temp, `summary-${index}`),
                    GITHUB_PATH: path.join(temp, `path-${index}`),
                };
                for (const f of Object.values(files)) fs.writeFileSync(f, "");
                const stepScope = scope();
                if (step.run !== undefined) {
                    const script = path.join(temp, `step-${index}.sh`);
                    fs.writeFileSync(
                        script,
                        interpolate(step.run, {
                            ...stepScope,
                            contexts: { ...stepScope.contexts, env: { ...env, ...stepEnv } },
                        }),
                    );
                    const [shell, ...flags] = shellOf(inv.wf, job, step);
                    const r = spawnSync(shell, [...flags, script], {
                        cwd: path.join(workspace, step["working-directory"] ?? ""),
                        encoding: "utf8",
                        stdio: ["ignore", "pipe", "pipe"],
                        timeout: 240_000,
                        env: {
                            ...env,
                            ...stepEnv,
                            PATH: `${this.bin}:${process.env.PATH}`,
                            HOME: home,
                            LANG: "C.UTF-8",
                            CI: "true",
                            GITHUB_ACTIONS: "true",
                            GITHUB_WORKSPACE: workspace,
                            GITHUB_REPOSITORY: stringify(inv.github.repository),
                            GITHUB_REPOSITORY_OWNER: stringify(inv.github.repository_owner),
                            GITHUB_RUN_ID: stringify(inv.github.run_id),
                            GITHUB_RUN_ATTEMPT: stringify(inv.github.run_attempt),
                            GITHUB_SHA: stringify(inv.github.sha),
                            GITHUB_REF: stringify(inv.github.ref),
                            GITHUB_EVENT_NAME: stringify(inv.github.event_name),
                            GITHUB_EVENT_PATH: eventPath,
                            GITHUB_SERVER_URL: stringify(inv.github.server_url),
                            GITHUB_ACTOR: stringify(inv.github.actor),
                            GITHUB_JOB: id,
                            RUNNER_TEMP: temp,
                            RUNNER_OS: "Linux",
                            ...files,
                            WORKFLOW_HARNESS_DIR: this.dir,
                            WORKFLOW_HARNESS_JOB: label,
                            WORKFLOW_HARNESS_STEP: stepLabel,
                            WORKFLOW_HARNESS_REAL_PATH: process.env.PATH ?? "",
                        },
                    });
                    if (r.error) throw new Error(`${label} / ${stepLabel}: ${r.error.message}`);
                    run = {
                        label: stepLabel,
                        id: step.id,
                        outcome: r.status === 0 ? "success" : "failure",
                        outputs: parseCommandFile(fs.readFileSync(files.GITHUB_OUTPUT, "utf8")),
                        stdout: r.stdout,
                        stderr: r.stderr,
                    };
                    env = {
                        ...env,
                        ...parseCommandFile(fs.readFileSync(files.GITHUB_ENV, "utf8")),
                    };
                } else {
                    const given = Object.fromEntries(
                        Object.entries(step.with ?? {}).map(([k, v]) => [
                            k,
                            stringify(resolve(v, stepScope)),
                        ]),
                    );
                    run = this.action(inv, label, stepLabel, step, given, stepEnv, workspace);
                }
                summary += fs.readFileSync(files.GITHUB_STEP_SUMMARY, "utf8");
            }
            if (run.outcome === "failure") status = "failure";
            if (step.id !== undefined) {
                stepsCtx[step.id] = {
                    outputs: run.outputs,
                    outcome: run.outcome,
                    conclusion: run.outcome,
                };
            }
            steps.push(run);
        });
        const final: Scope = {
            contexts: { ...base, vars, secrets, env, steps: stepsCtx, job: { status } },
        };
        const outputs = plain(job.outputs, final);
        const url = envSpec?.url === undefined ? "" : interpolate(envSpec.url, final);
        this.jobs[label] = {
            label,
            result: status,
            outputs,
            steps,
            environment: environment === undefined ? undefined : { name: environment, url },
            summary,
            workspace,
        };
        return { result: status, outputs };
    }

    /** A `uses:` step, simulated. */
    private action(
        inv: Invocation,
        job: string,
        label: string,
        step: Step,
        given: Record<string, string>,
        env: Record<string, string>,
        workspace: string,
    ): StepRun {
        const name = (step.uses as string).replace(/@.*$/, "");
        this.record({ job, step: label, cmd: "uses", argv: [name], with: given, env });
        const done = (outputs: Record<string, string> = {}): StepRun => ({
            label,
            id: step.id,
            outcome: "success",
            outputs,
            stdout: "",
            stderr: "",
        });
        const failed = (message: string): StepRun => ({
            label,
            id: step.id,
            outcome: "failure",
            outputs: {},
            stdout: "",
            stderr: `${message}\n`,
        });
        switch (name) {
            case "actions/checkout": {
                // An input given as empty is an error; absent, it defaults to the job's token.
                if ("token" in given && given.token === "") {
                    return failed("Input required and not supplied: token");
                }
                const repository = given.repository || stringify(inv.github.repository);
                const source = this.opts.repositories[repository];
                if (source === undefined) return failed(`Not Found: repository ${repository}`);
                const target = path.join(workspace, given.path ?? "");
                fs.rmSync(target, { recursive: true, force: true });
                fs.cpSync(source.dir, target, {
                    recursive: true,
                    filter: (src) => !SKIP_ON_CHECKOUT.has(path.basename(src)),
                });
                const modules = path.join(source.dir, "node_modules");
                if (fs.existsSync(modules))
                    fs.symlinkSync(modules, path.join(target, "node_modules"));
                return done();
            }
            case "webfactory/ssh-agent":
                // webfactory/ssh-agent v0.9.1 (index.js) refuses an empty key.
                return given["ssh-private-key"]
                    ? done()
                    : failed(
                          "The ssh-private-key argument is empty. Maybe the secret has not been configured, or you are using a wrong secret name in your workflow file.",
                      );
            case "docker/login-action":
                // docker/login-action v3 (src/docker.ts, loginStandard).
                if (!given.username && !given.password) {
                    return failed("Username and password required");
                }
                if (!given.username) return failed("Username required");
                return given.password ? done() : failed("Password required");
            case "docker/build-push-action": {
                const digest = this.opts.digest;
                if (digest === undefined) return failed("the scenario scripts no image digest");
                return done({ digest, imageid: digest, metadata: "{}" });
            }
            case "actions/setup-node":
            case "pulumi/actions":
            case "actions/upload-artifact":
            case "actions/github-script":
                return done();
            default:
                throw new Error(`${job} / ${label}: action ${name} is not simulated`);
        }
    }
}

/** Runs a workflow as the scenario says; the caller disposes of the run. */
export function runWorkflow(opts: RunOptions): WorkflowRun {
    return new Runner(opts).run();
}

/**
 * Every secret and variable a job reads exists where that job runs, by GitHub's rules:
 * - a job sees its repository's secrets and variables, and those of the environment it names;
 * - a reusable workflow's job reads a secret only when `on.workflow_call.secrets` declares it and
 *   the caller passes it (by name, or all with `secrets: inherit`, which in a called job naming an
 *   environment also gives that environment's secrets); its `vars` are the caller repository's
 *   (and the named environment's);
 * - `secrets.GITHUB_TOKEN` always exists; `inputs.X` must be declared.
 * This repository's places are the README's table; the Odoo repository's are what the program's
 * GithubWiring creates (the offline staging and prod runs) plus what the table says people set
 * there by hand.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./helpers";
import {
    Places,
    RepositoryKind,
    TableRow,
    Wiring,
    placesOf,
    platformWorkflow,
    programWiring,
    readTable,
    setterOf,
} from "./secret-places";
import { loadWorkflow } from "./workflow-harness";
import { Value, expressionsOf, interpolate, readsOf } from "./workflow-expressions";

type Workflow = ReturnType<typeof loadWorkflow>;
type Job = Workflow["jobs"][string];

interface Source {
    readonly name: string;
    readonly repository: RepositoryKind;
    readonly wf: Workflow;
}

const dirs: Record<RepositoryKind, string> = {
    platform: path.join(ROOT, ".github", "workflows"),
    odoo: path.join(ROOT, "examples", "odoo-repository", ".github", "workflows"),
};

function loadSources(): Source[] {
    return (Object.keys(dirs) as RepositoryKind[]).flatMap((repository) =>
        fs
            .readdirSync(dirs[repository])
            .filter((f) => f.endsWith(".yml"))
            .sort()
            .map((name) => ({
                name,
                repository,
                wf: loadWorkflow(path.join(dirs[repository], name)),
            })),
    );
}

/** What a part of a workflow reads, from each `${{ }}` and each `if`. */
function readsIn(
    value: unknown,
    key = "",
): { secrets: string[]; vars: string[]; inputs: string[] } {
    const out = { secrets: new Set<string>(), vars: new Set<string>(), inputs: new Set<string>() };
    const walk = (v: unknown, k: string) => {
        if (typeof v === "string") {
            for (const e of expressionsOf(v, k === "if")) {
                const r = readsOf(e);
                r.secrets.forEach((n) => out.secrets.add(n));
                r.vars.forEach((n) => out.vars.add(n));
                r.inputs.forEach((n) => out.inputs.add(n));
            }
        } else if (Array.isArray(v)) {
            v.forEach((x) => walk(x, k));
        } else if (typeof v === "object" && v !== null) {
            Object.entries(v).forEach(([kk, x]) => walk(x, kk));
        }
    };
    walk(value, key);
    return { secrets: [...out.secrets], vars: [...out.vars], inputs: [...out.inputs] };
}

/** The name of the workflow of this repository a `uses:` calls. */
const calledName = (uses: string) => {
    const file = platformWorkflow(uses);
    return file === undefined ? undefined : path.basename(file);
};

type Declared = Record<
    string,
    { required?: boolean; type?: string; options?: string[]; default?: unknown }
>;

interface Result {
    readonly problems: string[];
    /** `<repository>|<place>|<secret|variable>|<name>` → the workflows reading it there. */
    readonly readers: Map<string, Set<string>>;
}

/** Checks every job of every workflow; returns the problems and who reads what where. */
function provenance(sources: readonly Source[], places: Record<RepositoryKind, Places>): Result {
    const problems: string[] = [];
    const readers = new Map<string, Set<string>>();
    const note = (repo: RepositoryKind, place: string, kind: string, name: string, wf: string) => {
        const key = `${repo}|${place}|${kind}|${name}`;
        readers.set(key, (readers.get(key) ?? new Set()).add(wf));
    };
    const where = (
        repo: RepositoryKind,
        env: string | undefined,
        kind: "secrets" | "vars",
        name: string,
    ) => {
        const p = places[repo];
        if (env !== undefined && p.environments[env]?.[kind][name] !== undefined) return env;
        return p.repository[kind][name] !== undefined ? "repository" : undefined;
    };
    const placeName = (repo: RepositoryKind, env: string | undefined) =>
        `${repo === "platform" ? "this repository" : "the Odoo repository"}${env === undefined ? "" : ` or its environment ${env}`}`;

    /** The environments a job may name: a literal, or an expression of choice inputs. */
    const environmentsOf = (
        job: Job,
        declared: Declared,
        given: Record<string, Value>,
        what: string,
    ) => {
        const raw = typeof job.environment === "string" ? job.environment : job.environment?.name;
        if (raw === undefined) return [undefined];
        const choices = Object.entries(declared)
            .filter(([n, d]) => d.type === "choice" && !(n in given))
            .map(([n, d]) => (d.options ?? []).map((o) => [n, o] as const));
        const combos = choices.reduce<Record<string, Value>[]>(
            (acc, opts) => acc.flatMap((c) => opts.map(([n, o]) => ({ ...c, [n]: o }))),
            [{ ...given }],
        );
        try {
            return [...new Set(combos.map((inputs) => interpolate(raw, { contexts: { inputs } })))];
        } catch (e) {
            problems.push(`${what}: cannot tell its environment ${raw} (${(e as Error).message})`);
            return [];
        }
    };

    const byName = new Map(sources.map((s) => [`${s.repository}/${s.name}`, s]));
    for (const source of sources) {
        const { wf } = source;
        const on = (wf.on ?? {}) as Record<
            string,
            { inputs?: Declared; secrets?: Declared } | null
        >;
        const inputsDeclared: Declared = {
            ...on.workflow_dispatch?.inputs,
            ...on.workflow_call?.inputs,
        };
        const wfEnv = readsIn(wf.env);
        for (const [id, job] of Object.entries(wf.jobs)) {
            const what = `${source.name} job ${id}`;
            const own = readsIn(job);
            for (const n of [...own.inputs, ...wfEnv.inputs]) {
                if (!(n in inputsDeclared)) problems.push(`${what}: inputs.${n} is not declared`);
            }
            const direct = (
                envs: (string | undefined)[],
                reads: { secrets: string[]; vars: string[] },
            ) => {
                for (const env of envs) {
                    for (const [kind, list, label] of [
                        ["secrets", reads.secrets, "secret"],
                        ["vars", reads.vars, "variable"],
                    ] as const) {
                        for (const n of list) {
                            if (kind === "secrets" && n === "GITHUB_TOKEN") continue;
                            const w = where(source.repository, env, kind, n);
                            if (w === undefined) {
                                problems.push(
                                    `${what}${env === undefined ? "" : ` (environment ${env})`}: ${kind}.${n} is set neither in ${placeName(source.repository, env)}`,
                                );
                            } else note(source.repository, w, label, n, source.name);
                        }
                    }
                }
            };
            const reads = {
                secrets: [...new Set([...own.secrets, ...wfEnv.secrets])],
                vars: [...new Set([...own.vars, ...wfEnv.vars])],
            };
            if (job.uses !== undefined) {
                // A job calling a workflow names no environment: its own reads are the repository's.
                direct([undefined], reads);
                const name = calledName(job.uses);
                const called = name === undefined ? undefined : byName.get(`platform/${name}`);
                if (called === undefined) {
                    problems.push(`${what}: calls ${job.uses}, not a workflow of this repository`);
                    continue;
                }
                checkCall(source, id, job, called);
            } else if (on.workflow_call === undefined) {
                direct(environmentsOf(job, inputsDeclared, {}, what), reads);
            } else {
                const declared = on.workflow_call?.secrets ?? {};
                for (const n of reads.secrets) {
                    if (n !== "GITHUB_TOKEN" && !(n in declared)) {
                        problems.push(
                            `${what}: secrets.${n} is not declared in on.workflow_call.secrets`,
                        );
                    }
                }
            }
        }
    }

    /** A caller's job and the reusable workflow it calls: inputs, and each secret and variable. */
    function checkCall(caller: Source, callerId: string, job: Job, called: Source) {
        const callerWhat = `${caller.name} job ${callerId}`;
        const on = (called.wf.on ?? {}) as Record<
            string,
            { inputs?: Declared; secrets?: Declared }
        >;
        const declared = on.workflow_call?.inputs ?? {};
        const given = job.with ?? {};
        for (const n of Object.keys(given)) {
            if (!(n in declared))
                problems.push(`${callerWhat}: passes ${n}, which ${called.name} does not declare`);
        }
        for (const [n, d] of Object.entries(declared)) {
            if (d.required === true && !(n in given))
                problems.push(`${callerWhat}: does not pass ${n}, which ${called.name} requires`);
        }
        // What the environment names can read of the inputs: the literal values.
        const literal: Record<string, Value> = Object.fromEntries(
            Object.entries(given)
                .filter(([, v]) => expressionsOf(v).length === 0)
                .map(([k, v]) => [k, v as Value]),
        );
        for (const [n, d] of Object.entries(declared)) {
            if (!(n in literal) && d.default !== undefined && !(n in given))
                literal[n] = d.default as Value;
        }
        const wfEnv = readsIn(called.wf.env);
        for (const [cid, cjob] of Object.entries(called.wf.jobs)) {
            const what = `${called.name} job ${cid}, called by ${callerWhat}`;
            const reads = readsIn(cjob);
            for (const env of environmentsOf(cjob, {}, literal, what)) {
                const at = env === undefined ? "" : ` (environment ${env})`;
                for (const n of new Set([...reads.secrets, ...wfEnv.secrets])) {
                    if (n === "GITHUB_TOKEN") continue;
                    const passed =
                        job.secrets === "inherit"
                            ? where(caller.repository, env, "secrets", n)
                            : job.secrets !== undefined && n in job.secrets
                              ? "passed"
                              : undefined;
                    if (passed === undefined) {
                        problems.push(
                            `${what}${at}: secrets.${n} is not passed${job.secrets === "inherit" ? `: set neither in ${placeName(caller.repository, env)}` : " (no secrets: inherit, nor by name)"}`,
                        );
                    } else if (passed !== "passed")
                        note(caller.repository, passed, "secret", n, called.name);
                }
                for (const n of new Set([...reads.vars, ...wfEnv.vars])) {
                    const w = where(caller.repository, env, "vars", n);
                    if (w === undefined)
                        problems.push(
                            `${what}${at}: vars.${n} is set neither in ${placeName(caller.repository, env)}`,
                        );
                    else note(caller.repository, w, "variable", n, called.name);
                }
            }
        }
    }
    return { problems, readers };
}

const placeKey = (row: TableRow) => `${row.repository}|${row.environment ?? "repository"}`;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe("workflow provenance: every secret and variable a job reads exists where it runs", function () {
    this.timeout(120_000);
    let wiring: Wiring;
    let rows: TableRow[];
    let sources: Source[];
    let result: Result;
    before(async () => {
        wiring = await programWiring();
        rows = readTable();
        sources = loadSources();
        result = provenance(sources, placesOf(rows, wiring));
    });

    for (const [repository, dir] of Object.entries(dirs)) {
        for (const name of fs
            .readdirSync(dir)
            .filter((f) => f.endsWith(".yml"))
            .sort()) {
            it(`${repository === "odoo" ? "Odoo repository: " : ""}${name}`, () => {
                const mine = result.problems.filter((p) => p.startsWith(`${name} job `));
                assert.deepEqual(mine, []);
            });
        }
    }

    it("finds no other problem", () => {
        const named = sources.map((s) => `${s.name} job `);
        assert.deepEqual(
            result.problems.filter((p) => !named.some((n) => p.startsWith(n))),
            [],
        );
    });

    describe("the README's table (Which secret lives where)", () => {
        it("lists this repository's places: the repository, its staging and production environments", () => {
            assert.deepEqual(
                rows
                    .filter((r) => r.repository === "platform")
                    .map((r) => r.environment ?? "repository"),
                ["repository", "staging", "production"],
            );
        });

        it("names exactly what the program creates in the Odoo repository, and the stack that does", () => {
            const created = (place: string) =>
                place === "repository" ? wiring.repository : wiring.environments[place];
            const odoo = rows.filter((r) => r.repository === "odoo");
            assert.deepEqual(
                odoo.map((r) => r.environment ?? "repository").sort(),
                ["repository", ...Object.keys(wiring.environments)].sort(),
            );
            for (const row of odoo) {
                const place = row.environment ?? "repository";
                for (const [kind, list, names] of [
                    ["secret", row.secrets, Object.keys(created(place).secrets)],
                    ["variable", row.variables, Object.keys(created(place).vars)],
                ] as const) {
                    const setter = setterOf(row, kind);
                    const mine = list.map((n) => n.name).sort();
                    if (setter?.by === "program") {
                        assert.deepEqual(
                            mine,
                            names.sort(),
                            `README.md line ${row.line}: ${kind}s`,
                        );
                        assert.equal(
                            setter.stack,
                            wiring.stackOf[place],
                            `README.md line ${row.line}`,
                        );
                    } else {
                        assert.deepEqual(
                            names,
                            [],
                            `README.md line ${row.line}: the program creates ${kind}s ${names.join(", ")} here`,
                        );
                    }
                }
            }
        });

        it("gives the command that sets each name set by hand", () => {
            for (const row of rows) {
                const repo =
                    row.repository === "platform" ? "<owner>/<platform>" : "<owner>/<odoo>";
                const env = row.environment === undefined ? "" : ` --env ${row.environment}`;
                for (const [kind, list] of [
                    ["secret", row.secrets],
                    ["variable", row.variables],
                ] as const) {
                    if (list.length === 0) continue;
                    const setter = setterOf(row, kind);
                    assert.ok(setter, `README.md line ${row.line}: who sets the ${kind}s?`);
                    if (setter.by !== "hand") continue;
                    assert.equal(
                        setter.command,
                        kind === "secret"
                            ? `gh secret set NAME${env} --repo ${repo}`
                            : `gh variable set NAME --body VALUE${env} --repo ${repo}`,
                        `README.md line ${row.line}`,
                    );
                }
            }
        });

        it("names, for each place, exactly the workflows that read it", () => {
            for (const row of rows) {
                const readBy = new Set<string>();
                for (const [k, wfs] of result.readers) {
                    if (k.startsWith(`${placeKey(row)}|`)) wfs.forEach((w) => readBy.add(w));
                }
                assert.deepEqual(
                    [...row.readBy].sort(),
                    [...readBy].sort(),
                    `README.md line ${row.line}`,
                );
            }
        });

        it("holds no name that no workflow reads, and the program creates no secret nobody reads", () => {
            const unread: string[] = [];
            const places = placesOf(rows, wiring);
            for (const repo of ["platform", "odoo"] as const) {
                const all = { repository: places[repo].repository, ...places[repo].environments };
                for (const [place, p] of Object.entries(all)) {
                    for (const [kind, names] of [
                        ["secret", p.secrets],
                        ["variable", p.vars],
                    ] as const) {
                        for (const [n, origin] of Object.entries(names)) {
                            if (!result.readers.has(`${repo}|${place}|${kind}|${n}`)) {
                                unread.push(`${repo} ${place} ${kind} ${n} (${origin.by})`);
                            }
                        }
                    }
                }
            }
            // Variables for the team's own workflows (the README says so); no secret is unread.
            assert.deepEqual(unread.sort(), [
                "odoo preview variable DEV_DOMAIN (program)",
                "odoo production variable STACK (program)",
                "odoo staging variable STACK (program)",
            ]);
        });
    });

    describe("is a real check: each kind of mistake fails, naming the workflow, the job and the name", () => {
        const problems = (s: Source[], r: TableRow[] = rows, w: Wiring = wiring) =>
            provenance(s, placesOf(r, w)).problems;
        const edit = (name: string, change: (wf: Workflow) => void) =>
            sources.map((s) => {
                if (s.name !== name) return s;
                const wf = clone(s.wf);
                change(wf);
                return { ...s, wf };
            });

        it("a secret the table does not have where the job runs", () => {
            const r = clone(rows).map((row) =>
                row.repository === "platform" && row.environment === "staging"
                    ? { ...row, secrets: row.secrets.filter((n) => n.name !== "DEV_HOST_SSH_KEY") }
                    : row,
            );
            assert.deepEqual(
                problems(sources, r).filter((p) => p.includes("DEV_HOST_SSH_KEY")),
                [
                    "deploy-staging.yml job deploy (environment staging): secrets.DEV_HOST_SSH_KEY is set neither in this repository or its environment staging",
                    "pr-reaper.yml job reap (environment staging): secrets.DEV_HOST_SSH_KEY is set neither in this repository or its environment staging",
                    "release.yml job rehearse (environment staging): secrets.DEV_HOST_SSH_KEY is set neither in this repository or its environment staging",
                    "restore-drill.yml job drill (environment staging): secrets.DEV_HOST_SSH_KEY is set neither in this repository or its environment staging",
                ],
            );
        });

        it("a job that does not name the environment holding its secret", () => {
            const s = edit("pr-reaper.yml", (wf) => delete wf.jobs.reap.environment);
            assert.deepEqual(problems(s), [
                "pr-reaper.yml job reap: secrets.DEV_HOST_SSH_KEY is set neither in this repository",
            ]);
        });

        it("an environment name that only some of a choice's options hold", () => {
            const r = clone(rows).map((row) =>
                row.repository === "platform" && row.environment === "production"
                    ? { ...row, secrets: row.secrets.filter((n) => n.name !== "HOST_SSH_KEY") }
                    : row,
            );
            assert.deepEqual(problems(sources, r), [
                "backup-now.yml job backup (environment production): secrets.HOST_SSH_KEY is set neither in this repository or its environment production",
                "release.yml job release (environment production): secrets.HOST_SSH_KEY is set neither in this repository or its environment production",
            ]);
        });

        it("a caller that passes no secrets to a workflow that needs them", () => {
            const s = edit("odoo-platform.yml", (wf) => delete wf.jobs.preview.secrets);
            assert.deepEqual(
                problems(s).filter((p) => p.startsWith("pr-environment.yml")),
                [
                    "PULUMI_CONFIG_PASSPHRASE",
                    "STATE_ACCESS_KEY_ID",
                    "STATE_SECRET_ACCESS_KEY",
                    "PLATFORM_REPOSITORY_TOKEN",
                    "DEV_HOST_SSH_KEY",
                ].map(
                    (n) =>
                        `pr-environment.yml job environment, called by odoo-platform.yml job preview (environment preview): secrets.${n} is not passed (no secrets: inherit, nor by name)`,
                ),
            );
        });

        it("an environment secret the program no longer creates", () => {
            const w = clone(wiring);
            delete w.environments.preview.secrets.STATE_ACCESS_KEY_ID;
            assert.deepEqual(problems(sources, rows, w), [
                "pr-environment.yml job environment, called by odoo-platform.yml job preview (environment preview): secrets.STATE_ACCESS_KEY_ID is not passed: set neither in the Odoo repository or its environment preview",
            ]);
        });

        it("a called workflow's secret that on.workflow_call does not declare, and an undeclared input", () => {
            const s = edit("deploy.yml", (wf) => {
                const call = (wf.on as { workflow_call: { secrets: Record<string, unknown> } })
                    .workflow_call;
                delete call.secrets.PLATFORM_DEPLOY_TOKEN;
                (wf.jobs.deploy.env as Record<string, string>).X = "${{ inputs.nope }}";
            });
            assert.deepEqual(problems(s), [
                "deploy.yml job deploy: inputs.nope is not declared",
                "deploy.yml job deploy: secrets.PLATFORM_DEPLOY_TOKEN is not declared in on.workflow_call.secrets",
            ]);
        });

        it("a variable of the Odoo repository the staging stack does not create", () => {
            const w = clone(wiring);
            delete w.repository.vars.ODOO_VERSION;
            assert.deepEqual(problems(sources, rows, w), [
                "odoo-platform.yml job build: vars.ODOO_VERSION is set neither in the Odoo repository",
            ]);
        });
    });
});

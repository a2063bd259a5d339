/**
 * `npm run reaper -- --repo <owner/odoo-repo> [--ttl-days 14] [--apply]`: removes every `pr-<N>`
 * stack whose pull request is closed or whose last update is older than the TTL, so a missed
 * close event leaves nothing behind. Dry run unless `--apply`. If the list of stacks or of open
 * pull requests cannot be read, nothing is destroyed.
 *
 * Inputs are what the CLIs print: `pulumi stack ls --json` and
 * `gh pr list --repo <repo> --state open --json number --limit 1000`.
 */
import { spawnSync } from "child_process";
import { parseArgs as parseCli } from "node:util";

export interface StackInfo {
    readonly name: string;
    /** ISO time of the last update; absent for a stack never updated. */
    readonly lastUpdate?: string;
    readonly updateInProgress?: boolean;
}

export type Decision =
    | { readonly stack: string; readonly action: "destroy"; readonly reason: string }
    | { readonly stack: string; readonly action: "keep"; readonly reason: string }
    | { readonly stack: string; readonly action: "skip"; readonly reason: string };

/** `pr-42` or `org/odoo-platform/pr-42` → 42; anything else → undefined. */
export function prNumberOf(stackName: string): number | undefined {
    const m = /(?:^|\/)pr-([1-9]\d{0,8})$/.exec(stackName);
    return m ? Number(m[1]) : undefined;
}

/** Decides, for each stack, whether the reaper destroys it. Pure: the tests drive it. */
export function planReap(input: {
    stacks: readonly StackInfo[];
    openPrs: readonly number[];
    now: Date;
    ttlDays: number;
}): Decision[] {
    if (!(input.ttlDays > 0))
        throw new Error(`--ttl-days must be a positive number, got ${input.ttlDays}`);
    const open = new Set(input.openPrs);
    const out: Decision[] = [];
    for (const s of input.stacks) {
        const base = s.name.split("/").pop() ?? s.name;
        if (!base.startsWith("pr-")) continue; // prod, staging and other stacks are never touched
        const n = prNumberOf(s.name);
        if (n === undefined) {
            out.push({ stack: s.name, action: "skip", reason: "not a pr-<N> name; left alone" });
            continue;
        }
        if (s.updateInProgress === true) {
            out.push({ stack: s.name, action: "skip", reason: "an update is in progress" });
            continue;
        }
        if (!open.has(n)) {
            out.push({ stack: s.name, action: "destroy", reason: `pull request #${n} is closed` });
            continue;
        }
        const updated = s.lastUpdate === undefined ? NaN : Date.parse(s.lastUpdate);
        const ageDays = (input.now.getTime() - updated) / 86_400_000;
        if (Number.isFinite(ageDays) && ageDays > input.ttlDays) {
            out.push({
                stack: s.name,
                action: "destroy",
                reason: `last updated ${Math.floor(ageDays)} days ago (TTL ${input.ttlDays} days)`,
            });
            continue;
        }
        out.push({ stack: s.name, action: "keep", reason: `pull request #${n} is open` });
    }
    return out;
}

/** Parses a CLI's JSON output or throws, naming the command: a failure must stop the reaper. */
export function parseJson<T>(what: string, text: string, check: (v: unknown) => v is T): T {
    let v: unknown;
    try {
        v = JSON.parse(text);
    } catch {
        throw new Error(`${what} did not print JSON; nothing was destroyed`);
    }
    if (!check(v)) throw new Error(`${what} printed unexpected JSON; nothing was destroyed`);
    return v;
}

export const isStackList = (v: unknown): v is StackInfo[] =>
    Array.isArray(v) &&
    v.every((s) => typeof s === "object" && s !== null && typeof s.name === "string");
export const isPrList = (v: unknown): v is { number: number }[] =>
    Array.isArray(v) &&
    v.every((p) => typeof p === "object" && p !== null && typeof p.number === "number");

export type Runner = (
    cmd: string,
    args: string[],
) => { status: number | null; stdout: string; stderr: string };

/** How to get a CLI the reaper runs, for the message when it is not on PATH. */
export const INSTALL: Readonly<Record<string, string>> = {
    pulumi:
        "install the Pulumi CLI 3.256.0 (curl -fsSL https://get.pulumi.com | sh -s -- --version 3.256.0) " +
        "and log in to the state backend (pulumi login <PULUMI_BACKEND_URL>)",
    gh: "install the GitHub CLI (https://cli.github.com) and run gh auth login, or set GH_TOKEN",
};

export const defaultRunner: Runner = (cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    if ((r.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
        return {
            status: 127,
            stdout: "",
            stderr: `${cmd} is not installed or not on PATH: ${INSTALL[cmd] ?? `install ${cmd}`}`,
        };
    }
    return {
        status: r.error ? 127 : r.status,
        stdout: r.stdout ?? "",
        stderr: r.stderr ?? String(r.error ?? ""),
    };
};

function read(run: Runner, cmd: string, args: string[]): string {
    const r = run(cmd, args);
    if (r.status !== 0) {
        throw new Error(
            `\`${cmd} ${args.join(" ")}\` failed (${r.status}): ${r.stderr.trim()}; nothing was destroyed`,
        );
    }
    return r.stdout;
}

export interface ReapOptions {
    readonly repo: string;
    readonly ttlDays: number;
    readonly apply: boolean;
    readonly now?: Date;
}

/** Reads both lists, decides, and (with apply) destroys and removes. Returns the decisions. */
export function reap(
    opts: ReapOptions,
    run: Runner = defaultRunner,
    log: (s: string) => void = console.log,
) {
    const stacks = parseJson(
        "pulumi stack ls --json",
        read(run, "pulumi", ["stack", "ls", "--json"]),
        isStackList,
    );
    const prs = parseJson(
        "gh pr list",
        read(run, "gh", [
            "pr",
            "list",
            "--repo",
            opts.repo,
            "--state",
            "open",
            "--json",
            "number",
            "--limit",
            "1000",
        ]),
        isPrList,
    );
    const decisions = planReap({
        stacks,
        openPrs: prs.map((p) => p.number),
        now: opts.now ?? new Date(),
        ttlDays: opts.ttlDays,
    });
    const failures: string[] = [];
    for (const d of decisions) {
        log(`${d.action.padEnd(7)} ${d.stack}: ${d.reason}`);
        if (d.action !== "destroy" || !opts.apply) continue;
        const r = run("pulumi", ["destroy", "--yes", "--remove", "--stack", d.stack]);
        if (r.status !== 0) failures.push(`${d.stack}: ${r.stderr.trim()}`);
    }
    if (!opts.apply) log("dry run: nothing was destroyed (pass --apply to destroy)");
    if (failures.length > 0) throw new Error(`could not destroy:\n  ${failures.join("\n  ")}`);
    return decisions;
}

const USAGE = "usage: npm run reaper -- --repo <owner/repo> [--ttl-days N] [--apply]";

export function parseArgs(argv: readonly string[]): ReapOptions {
    let values;
    try {
        ({ values } = parseCli({
            args: [...argv],
            options: {
                repo: { type: "string" },
                "ttl-days": { type: "string", default: "14" },
                apply: { type: "boolean", default: false },
            },
            strict: true,
        }));
    } catch (e) {
        throw new Error(`${(e as Error).message} (${USAGE})`);
    }
    const repo = values.repo;
    if (repo === undefined || !/^[\w.-]+\/[\w.-]+$/.test(repo)) {
        throw new Error(
            "--repo <owner/repo> is required: the Odoo code repository whose PRs own the stacks",
        );
    }
    return { repo, ttlDays: Number(values["ttl-days"]), apply: values.apply === true };
}

if (require.main === module) {
    try {
        reap(parseArgs(process.argv.slice(2)));
    } catch (e) {
        console.error(`reaper: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
    }
}

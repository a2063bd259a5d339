/**
 * `npm run drift-report -- <preview.json> [--stack <name>]`: turns the JSON of
 * `pulumi preview --json` or `pulumi refresh --preview-only --json` into a short markdown report,
 * grouped by resource, with old → new values; secrets are masked. Used as the body of the drift
 * issue the nightly workflow opens or updates.
 */
import * as fs from "fs";
import { parseArgs } from "node:util";

interface State {
    urn?: string;
    type?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
}

export interface Step {
    op: string;
    urn: string;
    oldState?: State;
    newState?: State;
    diffReasons?: string[];
    replaceReasons?: string[];
    detailedDiff?: Record<string, { kind?: string; inputDiff?: boolean }> | null;
}

export interface PreviewJson {
    steps?: Step[];
    changeSummary?: Record<string, number>;
}

/** Operations that do not change anything. */
const QUIET = new Set(["same", "read", "discard"]);
/** The second half of a replacement; the first half carries the story. */
const FOLDED = new Set(["delete-replaced", "create-replacement"]);

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SECRET_KEY = /(password|passwd|secret|token|private.?key|credential|apikey)/i;
const MAX = 80;

function isSecretValue(v: unknown): boolean {
    if (v === "[secret]") return true;
    return (
        typeof v === "object" &&
        v !== null &&
        Object.values(v as Record<string, unknown>).includes(SECRET_SIG)
    );
}

/** A value as one short line of markdown; secrets and secret-looking keys never shown. */
export function show(value: unknown, key = ""): string {
    if (value === undefined) return "_(none)_";
    if (isSecretValue(value) || (SECRET_KEY.test(key) && value !== null && value !== ""))
        return "`[secret]`";
    const text = typeof value === "string" ? value : JSON.stringify(maskDeep(value));
    const short = text.length > MAX ? `${text.slice(0, MAX - 1)}…` : text;
    return "`" + short.replace(/`/g, "'").replace(/\|/g, "\\|") + "`";
}

function maskDeep(v: unknown, key = ""): unknown {
    if (isSecretValue(v) || (SECRET_KEY.test(key) && typeof v === "string" && v !== ""))
        return "[secret]";
    if (Array.isArray(v)) return v.map((x) => maskDeep(x));
    if (typeof v === "object" && v !== null) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskDeep(x, k)]));
    }
    return v;
}

/** Reads a property path such as `inboundRules[2].portRange` out of an object. */
function at(obj: Record<string, unknown> | undefined, path: string): unknown {
    let cur: unknown = obj;
    for (const part of path.match(/[^.[\]]+/g) ?? []) {
        if (typeof cur !== "object" || cur === null) return undefined;
        cur = (cur as Record<string, unknown>)[part];
    }
    return cur;
}

/** Top-level keys whose values differ between two objects. */
function changedKeys(a: Record<string, unknown> = {}, b: Record<string, unknown> = {}): string[] {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
}

function describe(step: Step, stack: string): string[] {
    const name = step.urn.split("::").pop() ?? step.urn;
    const type = (
        step.newState?.type ??
        step.oldState?.type ??
        step.urn.split("::")[2] ??
        ""
    ).replace(/:index\/\w+:/, ":");
    const lines = [`### ${step.op} \`${name}\` (${type})`];
    if (step.op === "delete") {
        lines.push("", "This resource is gone from the cloud or will be deleted.");
        return lines;
    }
    if (step.op === "create") {
        lines.push("", "This resource does not exist yet and would be created.");
        return lines;
    }
    const oldIn = step.oldState?.inputs;
    const newIn = step.newState?.inputs;
    let keys = Object.keys(step.detailedDiff ?? {});
    if (keys.length === 0) keys = step.diffReasons ?? [];
    if (keys.length === 0) keys = changedKeys(oldIn, newIn);
    let source: "inputs" | "outputs" = "inputs";
    if (keys.length === 0) {
        keys = changedKeys(step.oldState?.outputs, step.newState?.outputs);
        source = "outputs";
    }
    if (step.replaceReasons && step.replaceReasons.length > 0) {
        lines.push(
            "",
            `Replacement forced by: ${step.replaceReasons.map((r) => `\`${r}\``).join(", ")}.`,
        );
    }
    if (keys.length === 0) {
        // Pulumi's JSON of a refresh may carry neither a diff nor differing states for a
        // resource it counts as changed (pulumi/pulumi#16278, #7665: refresh steps have no
        // detailed diff); its text display shows the properties.
        lines.push(
            "",
            "Pulumi's JSON names no property of this change (refresh steps may carry no diff: " +
                "pulumi/pulumi#16278); `pulumi refresh --preview-only --diff -s " +
                stack +
                "` shows them.",
        );
        return lines;
    }
    if (source === "outputs")
        lines.push("", "Only outputs changed (the cloud differs from the last known state):");
    lines.push("", "| property | old | new |", "| --- | --- | --- |");
    for (const k of keys.sort()) {
        const before = at(source === "inputs" ? oldIn : step.oldState?.outputs, k);
        const after = at(source === "inputs" ? newIn : step.newState?.outputs, k);
        const kind = step.detailedDiff?.[k]?.kind;
        const leaf =
            k
                .split(/[.[\]]/)
                .filter(Boolean)
                .pop() ?? k;
        lines.push(
            `| \`${k}\`${kind && kind !== "update" ? ` (${kind})` : ""} | ${show(before, leaf)} | ${show(after, leaf)} |`,
        );
    }
    return lines;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The markdown report of one stack's preview or refresh-preview JSON. */
export function driftReport(json: PreviewJson, stack: string): string {
    const steps = (json.steps ?? []).filter((s) => !QUIET.has(s.op) && !FOLDED.has(s.op));
    const unchanged = (json.steps ?? []).filter((s) => QUIET.has(s.op)).length;
    if (steps.length === 0) {
        return `## No drift in \`${stack}\`\n\n${plural(unchanged, "resource")} match their recorded state.\n`;
    }
    const counts = new Map<string, number>();
    for (const s of steps) counts.set(s.op, (counts.get(s.op) ?? 0) + 1);
    const summary = [...counts].map(([op, n]) => `${n} ${op}`).join(", ");
    const body = steps.flatMap((s) => [...describe(s, stack), ""]);
    return [
        `## Drift in \`${stack}\`: ${summary}`,
        "",
        `${plural(unchanged, "resource")} unchanged. Review each change below, then either bring the cloud ` +
            "back with `pulumi up -s " +
            stack +
            "` or accept it into the state with `pulumi refresh -s " +
            stack +
            "`.",
        "",
        ...body,
    ].join("\n");
}

if (require.main === module) {
    const usage = "usage: drift-report <preview.json|-> [--stack <name>]";
    let file: string | undefined;
    let stack = "stack";
    try {
        const { values, positionals } = parseArgs({
            options: { stack: { type: "string" } },
            allowPositionals: true,
        });
        [file] = positionals;
        stack = values.stack ?? stack;
        if (file === undefined || positionals.length > 1) throw new Error("needs one preview file");
    } catch (e) {
        console.error(`drift-report: ${(e as Error).message} (${usage})`);
        process.exit(2);
    }
    try {
        const text = fs.readFileSync(file === "-" ? 0 : file, "utf8");
        process.stdout.write(driftReport(JSON.parse(text) as PreviewJson, stack));
    } catch (e) {
        console.error(`drift-report: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(2);
    }
}

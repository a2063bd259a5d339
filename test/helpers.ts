import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    RunOptions,
    ProgramRun,
    RecordedResource,
    inputsOf,
    isSecret,
    runProgram,
} from "./doubles/mock-cloud";
import { stagingReference } from "../tools/preview";
import { loadStackConfig } from "../tools/stack-config";

export const ROOT = path.resolve(__dirname, "..");

/** The example stack's config as the offline preview reads it, with overrides (undefined = rm). */
export function exampleConfig(
    stack: "prod" | "staging",
    overrides: Record<string, string | undefined> = {},
    file?: string,
): { config: Record<string, string>; secretKeys: string[] } {
    const base = loadStackConfig(stack, file);
    const config = { ...base.config };
    for (const [k, v] of Object.entries(overrides)) {
        const full = k.includes(":") ? k : `odoo-platform:${k}`;
        if (v === undefined) delete config[full];
        else config[full] = v;
    }
    return { config, secretKeys: base.secretKeys };
}

/**
 * Recorded plans shared by every test file of one mocha run: a stack with the same config (and
 * secret keys) runs through the mocks once; each caller gets its own deep copy of the run, so no
 * test sees another's edits. A run that fails is not kept (each caller sees its error). New
 * tests get this by calling runStack / runAppStack / recordedPlan; pass a plan to the policy
 * pack (PolicyPackProcess.analyze) rather than spawning `npm run preview` per test.
 */
const plans = new Map<string, Promise<ProgramRun>>();

/** The run of `index.ts` for this stack and config, recorded once per mocha run. */
export async function recordedPlan(
    stack: string,
    config: Record<string, string>,
    secretKeys: string[] = [],
    stackReferences?: RunOptions["stackReferences"],
): Promise<ProgramRun> {
    const key = JSON.stringify([stack, config, [...secretKeys].sort(), stackReferences ?? null]);
    let plan = plans.get(key);
    if (plan === undefined) {
        plan = runProgram({ stack, config, secretKeys, stackReferences });
        plans.set(key, plan);
        plan.catch(() => plans.delete(key));
    }
    return structuredClone(await plan);
}

export async function runStack(
    stack: "prod" | "staging",
    overrides: Record<string, string | undefined> = {},
    file?: string,
) {
    const { config, secretKeys } = exampleConfig(stack, overrides, file);
    return recordedPlan(stack, config, secretKeys);
}

/**
 * The example pr-42 stack, reading the example staging stack's outputs as `npm run preview`
 * gives them to it (tools/preview.ts, stagingReference).
 */
export async function runPreviewStack(): Promise<ProgramRun> {
    const { config, secretKeys } = loadStackConfig("pr-42");
    return recordedPlan("pr-42", config, secretKeys, await stagingReference());
}

/** The App Platform example of a stack (examples/Pulumi.<stack>.app-platform.yaml). */
export const APP_EXAMPLE = (stack: "prod" | "staging") =>
    path.join(ROOT, "examples", `Pulumi.${stack}.app-platform.yaml`);

export function runAppStack(
    stack: "prod" | "staging",
    overrides: Record<string, string | undefined> = {},
) {
    return runStack(stack, overrides, APP_EXAMPLE(stack));
}

export function ofType(resources: readonly RecordedResource[], type: string): RecordedResource[] {
    return resources.filter((r) => r.type === type);
}

/** The one resource with this type and name; fails when there is none or several. */
export function one(resources: readonly RecordedResource[], type: string, name: string) {
    const hits = resources.filter((r) => r.type === type && r.name === name);
    if (hits.length !== 1) {
        throw new Error(`expected one ${type} "${name}", found ${hits.length}`);
    }
    return { resource: hits[0], inputs: inputsOf(hits[0]) };
}

/** Counts resources per type. */
export function countByType(resources: readonly RecordedResource[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
    return counts;
}

/** Runs a real command-line tool on a file holding `content`; returns status and output. */
export function checkWith(tool: string, args: string[], content: string, ext: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-platform-"));
    const file = path.join(dir, `artifact${ext}`);
    fs.writeFileSync(file, content);
    const r = spawnSync(tool, [...args, file], { encoding: "utf8" });
    fs.rmSync(dir, { recursive: true, force: true });
    if (r.error)
        throw new Error(
            `${tool} could not run (${r.error.message}); sh tools/test-tools.sh install (as root) installs it`,
        );
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** True when a wire value is a secret or holds one anywhere inside. */
export function holdsSecret(v: unknown): boolean {
    if (isSecret(v)) return true;
    if (typeof v !== "object" || v === null) return false;
    return Object.values(v as Record<string, unknown>).some(holdsSecret);
}

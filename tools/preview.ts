/**
 * Offline preview: `npm run preview -- --stack <name> [--config <file>] [--json]`.
 * Runs index.ts under Pulumi mocks with the stack's config, prints the plan and a monthly cost
 * estimate. Exit codes: 0 plan is fine, 1 mandatory policy violation, 2 config or program error.
 */
import { stageOfStack } from "../stacks/config";
import { DEV_OUTPUTS } from "../stacks/preview";
import { CANONICAL_ADDONS_PATH } from "../stacks/addons";
import { estimateCost } from "./cost";
import { PackConfig, PolicyPackProcess, Violation, renderViolations } from "./policy-check";
import { SpawnedPack, spawnPack } from "./policy-pack-spawn";
import { masked, runProgram } from "../test/doubles/mock-cloud";
import { renderPlan } from "./plan";
import { parseArgs as parseCli } from "node:util";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { loadStackConfig } from "./stack-config";

export interface PreviewArgs {
    stack: string;
    config?: string;
    json: boolean;
}

const REPO = path.resolve(__dirname, "..");

const USAGE = "usage: npm run preview -- [--stack <name>] [--config <file>] [--json]";

/**
 * The preview's arguments. `npm run preview prod` passes the stack as a positional; options need
 * `--` after the script name, else npm takes them for itself (and sets npm_config_<name>).
 */
export function parseArgs(
    argv: readonly string[],
    env: NodeJS.ProcessEnv = process.env,
): PreviewArgs {
    const eaten = ["stack", "config", "json"].filter((o) => env[`npm_config_${o}`] !== undefined);
    if (eaten.length > 0) {
        throw new Error(
            `npm took ${eaten.map((o) => `--${o}`).join(", ")} for itself: put -- after the ` +
                `script name, e.g. npm run preview -- --stack prod --json (${USAGE})`,
        );
    }
    let parsed;
    try {
        parsed = parseCli({
            args: [...argv],
            options: {
                stack: { type: "string", short: "s" },
                config: { type: "string", short: "c" },
                json: { type: "boolean" },
            },
            allowPositionals: true,
            strict: true,
        });
    } catch (e) {
        throw new Error(`${(e as Error).message} (${USAGE})`);
    }
    const { values, positionals } = parsed;
    if (positionals.length > 1 || (positionals.length === 1 && values.stack !== undefined)) {
        throw new Error(
            `one stack at a time, got ${[values.stack, ...positionals].filter(Boolean).join(", ")} (${USAGE})`,
        );
    }
    const stack = values.stack ?? positionals[0] ?? "staging";
    if (stack === "") throw new Error(`--stack needs a stack name (${USAGE})`);
    return { stack, config: values.config, json: values.json === true };
}

/**
 * Where a secret's value appears in clear in `text` (the plan or its JSON): the names of the
 * secrets found. The preview refuses to print such a plan.
 */
export function leakedSecrets(text: string, secrets: Readonly<Record<string, string>>): string[] {
    const found = Object.entries(secrets)
        .filter(([, value]) => value.length >= 8 && text.includes(value))
        .map(([key]) => key.replace(/^[^:]*:/, ""));
    // Placeholders of secrets read through a stack reference (a preview stack's staging).
    for (const m of text.matchAll(/preview-placeholder-([A-Za-z]+)/g)) found.push(m[1]);
    return [...new Set(found)];
}

/** The message a user should see for an error, without a stack trace when it is theirs. */
export function userMessage(e: unknown): string {
    // Config errors and RunErrors carry their whole story in the message; so does any Error.
    return e instanceof Error ? e.message : String(e);
}

/**
 * What the staging stack's offline outputs depend on: the program's sources, the example staging
 * config, the offline mocks and the locked dependencies.
 */
function stagingInputsDigest(config: unknown): string {
    const hash = crypto.createHash("sha256").update(JSON.stringify(config));
    const walk = (rel: string) => {
        const full = path.join(REPO, rel);
        if (!fs.existsSync(full)) return;
        if (fs.statSync(full).isDirectory()) {
            for (const e of fs.readdirSync(full).sort()) walk(path.join(rel, e));
        } else if (/\.(ts|json|yaml)$/.test(rel)) {
            hash.update(`\0${rel}\0`).update(fs.readFileSync(full));
        }
    };
    for (const rel of [
        "index.ts",
        "components",
        "stacks",
        "tools",
        "test/doubles",
        "Pulumi.yaml",
        "Pulumi.staging.yaml",
        "package-lock.json",
    ]) {
        walk(rel);
    }
    return hash.digest("hex");
}

const REFERENCE_CACHE = path.join(REPO, "node_modules", ".cache", "odoo-platform-preview");

/**
 * A preview stack reads the staging stack's outputs. Offline, those are the outputs of the
 * example staging stack's own offline run (its secrets are placeholders). That run is kept in
 * node_modules/.cache/odoo-platform-preview keyed by everything it depends on
 * (stagingInputsDigest), so a pr-<N> preview runs the staging program only when one of those
 * changed, not every time.
 */
export async function stagingReference() {
    const staging = loadStackConfig("staging");
    const file = path.join(REFERENCE_CACHE, `staging-${stagingInputsDigest(staging)}.json`);
    let outputs: Record<string, unknown>;
    try {
        outputs = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
        const run = await runProgram({
            stack: "staging",
            config: staging.config,
            secretKeys: staging.secretKeys,
        });
        outputs = run.outputs;
        try {
            fs.mkdirSync(REFERENCE_CACHE, { recursive: true });
            fs.writeFileSync(`${file}.${process.pid}`, JSON.stringify(outputs));
            fs.renameSync(`${file}.${process.pid}`, file);
        } catch {
            // A read-only tree runs staging every time; nothing else changes.
        }
    }
    const ref = {
        outputs,
        secretOutputNames: [DEV_OUTPUTS.postgresPassword, DEV_OUTPUTS.adminPassword],
    };
    return { staging: ref };
}

/** The pack's config as the CLI gets it from `--policy-pack-config`: the repo's single source. */
export function packConfig(): PackConfig {
    return { "odoo-addons-path": { addonsPath: [...CANONICAL_ADDONS_PATH] } };
}

/**
 * Plans a stack offline and runs the policy pack over it. A started pack may be reused (it stays
 * open); else the preview uses the pack process `spawned` (tools/preview-cli.ts starts it before
 * the program even loads) or starts its own, and stops it when done.
 */
export async function preview(args: PreviewArgs, pack?: PolicyPackProcess, spawned?: SpawnedPack) {
    // The pack is a process of its own: it starts up while the program runs, not after it.
    const own = pack === undefined ? (spawned ?? spawnPack()) : undefined;
    const connecting = own === undefined ? undefined : PolicyPackProcess.connect(own);
    connecting?.catch(() => undefined); // awaited below; not a failure of the program's run
    let p: PolicyPackProcess | undefined = pack;
    try {
        stageOfStack(args.stack);
        const cfg = loadStackConfig(args.stack, args.config);
        const run = await runProgram({
            stack: args.stack,
            config: cfg.config,
            secretKeys: cfg.secretKeys,
            stackReferences:
                stageOfStack(args.stack) === "preview" ? await stagingReference() : undefined,
        });
        const cost = estimateCost(run.resources);
        p ??= await connecting!;
        const violations: Violation[] = await p.analyze(run, { config: packConfig() });
        const policy = { pack: p.packName, policies: p.policies.length, violations };
        return { cfg, run, cost, policy };
    } finally {
        if (own !== undefined) {
            if (p !== undefined) p.close();
            else own.kill();
        }
    }
}

/** One line ahead of the plan when policies refuse it, so nobody scrolls past the reason. */
function summary(violations: readonly Violation[]): string | undefined {
    if (violations.length === 0) return undefined;
    const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory");
    const names = [...new Set(violations.map((v) => v.policy))].join(", ");
    return (
        `${mandatory.length > 0 ? "REFUSED" : "Warnings"}: ${violations.length} policy ` +
        `violation${violations.length === 1 ? "" : "s"} (${names}); details after the plan.\n`
    );
}

/** The command: `spawned` is the pack process the entry started (stopped here in every case). */
export async function main(spawned?: SpawnedPack): Promise<number> {
    let args: PreviewArgs;
    try {
        args = parseArgs(process.argv.slice(2));
    } catch (e) {
        spawned?.kill();
        console.error(userMessage(e));
        return 2;
    }
    try {
        const { cfg, run, cost, policy } = await preview(args, undefined, spawned);
        const mandatory = policy.violations.filter((v) => v.enforcementLevel === "mandatory");
        let text: string;
        if (args.json) {
            const out = {
                stack: args.stack,
                resources: run.resources.map((r) => ({
                    urn: r.urn,
                    type: r.type,
                    name: r.name,
                    parent: r.parent,
                    dependencies: r.dependencies,
                    protect: r.protect,
                    inputs: masked(r.rawInputs),
                })),
                // As registered: a secret output keeps its signature and prints as [secret].
                outputs: masked(run.rawOutputs),
                cost,
                policy: {
                    violations: policy.violations.map((v) => ({
                        policy: v.policy,
                        enforcementLevel: v.enforcementLevel,
                        urn: v.urn,
                        message: v.message,
                    })),
                },
            };
            text = JSON.stringify(out, null, 2) + "\n";
        } else {
            text =
                [
                    summary(policy.violations),
                    renderPlan(args.stack, run.resources, cost, cfg.placeholders),
                    "",
                    renderViolations(policy.violations, policy.pack, policy.policies),
                ]
                    .filter((l) => l !== undefined)
                    .join("\n") + "\n";
        }
        const secrets = Object.fromEntries(cfg.secretKeys.map((k) => [k, cfg.config[k] ?? ""]));
        const leaked = leakedSecrets(text, secrets);
        if (leaked.length > 0) {
            console.error(
                `error: the plan shows the value of ${leaked.join(", ")} in clear; nothing printed. ` +
                    "Mark what carries it secret (pulumi.secret, additionalSecretOutputs).",
            );
            return 2;
        }
        process.stdout.write(text);
        if (mandatory.length > 0) {
            console.error(
                `error: ${mandatory.length} mandatory policy violation(s); \`pulumi preview --policy-pack ./policy\` would refuse this stack`,
            );
            return 1;
        }
        return 0;
    } catch (e) {
        console.error(`error: ${userMessage(e)}`);
        return 2;
    }
}

/**
 * Exits once stdout and stderr are flushed: writes to a pipe are asynchronous, and a bare
 * process.exit cuts off the tail of a large plan (`--json` read through a pipe).
 */
export function exitAfterFlush(code: number): void {
    process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

if (require.main === module) {
    main().then(
        (code) => exitAfterFlush(code),
        (e) => {
            console.error(userMessage(e));
            process.exit(2);
        },
    );
}

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
import { masked, runProgram } from "../test/doubles/mock-cloud";
import { renderPlan } from "./plan";
import { parseArgs as parseCli } from "node:util";
import { loadStackConfig } from "./stack-config";

export interface PreviewArgs {
    stack: string;
    config?: string;
    json: boolean;
}

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
 * A preview stack reads the staging stack's outputs. Offline, those are the outputs of the
 * example staging stack's own offline run (its secrets are placeholders).
 */
export async function stagingReference() {
    const staging = loadStackConfig("staging");
    const run = await runProgram({
        stack: "staging",
        config: staging.config,
        secretKeys: staging.secretKeys,
    });
    const ref = {
        outputs: run.outputs,
        secretOutputNames: [DEV_OUTPUTS.postgresPassword, DEV_OUTPUTS.adminPassword],
    };
    return { staging: ref };
}

/** The pack's config as the CLI gets it from `--policy-pack-config`: the repo's single source. */
export function packConfig(): PackConfig {
    return { "odoo-addons-path": { addonsPath: [...CANONICAL_ADDONS_PATH] } };
}

/** Plans a stack offline and runs the policy pack over it (a started pack may be reused). */
export async function preview(args: PreviewArgs, pack?: PolicyPackProcess) {
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
    const p = pack ?? (await PolicyPackProcess.start());
    let violations: Violation[];
    try {
        violations = await p.analyze(run, { config: packConfig() });
    } finally {
        if (pack === undefined) p.close();
    }
    const policy = { pack: p.packName, policies: p.policies.length, violations };
    return { cfg, run, cost, policy };
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

async function main(): Promise<number> {
    let args: PreviewArgs;
    try {
        args = parseArgs(process.argv.slice(2));
    } catch (e) {
        console.error(userMessage(e));
        return 2;
    }
    try {
        const { cfg, run, cost, policy } = await preview(args);
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

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e) => {
            console.error(userMessage(e));
            process.exit(2);
        },
    );
}

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
import { masked, runProgram } from "./mock-cloud";
import { renderPlan } from "./plan";
import { loadStackConfig } from "./stack-config";

export interface PreviewArgs {
    stack: string;
    config?: string;
    json: boolean;
}

export function parseArgs(argv: readonly string[]): PreviewArgs {
    const args: PreviewArgs = { stack: "staging", json: false };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--json") args.json = true;
        else if (a === "--stack" || a === "-s") args.stack = argv[++i] ?? "";
        else if (a === "--config" || a === "-c") args.config = argv[++i];
        else
            throw new Error(
                `unknown argument "${a}"; usage: preview [--stack <name>] [--config <file>] [--json]`,
            );
    }
    if (args.stack === "") throw new Error("--stack needs a stack name");
    return args;
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
                outputs: masked(run.outputs),
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
            process.stdout.write(JSON.stringify(out, null, 2) + "\n");
        } else {
            console.log(renderPlan(args.stack, run.resources, cost, cfg.placeholders));
            console.log("");
            console.log(renderViolations(policy.violations, policy.pack, policy.policies));
        }
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

/**
 * Offline preview: `npm run preview -- --stack <name> [--config <file>] [--json]`.
 * Runs index.ts under Pulumi mocks with the stack's config, prints the plan and a monthly cost
 * estimate. Exit codes: 0 plan is fine, 1 mandatory policy violation, 2 config or program error.
 */
import { ConfigError, stageOfStack } from "../stacks/config";
import { estimateCost } from "./cost";
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
    if (e instanceof ConfigError) return e.message;
    if (e instanceof Error && e.name === "RunError") return e.message;
    if (e instanceof Error) return e.message;
    return String(e);
}

export async function preview(args: PreviewArgs) {
    stageOfStack(args.stack);
    const cfg = loadStackConfig(args.stack, args.config);
    const run = await runProgram({
        stack: args.stack,
        config: cfg.config,
        secretKeys: cfg.secretKeys,
    });
    const cost = estimateCost(run.resources);
    return { cfg, run, cost };
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
        const { cfg, run, cost } = await preview(args);
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
            };
            process.stdout.write(JSON.stringify(out, null, 2) + "\n");
        } else {
            console.log(renderPlan(args.stack, run.resources, cost, cfg.placeholders));
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

/** Config problems: what one looks like, the error that lists them all, and how they read. */
import { CONFIG_KEYS, PROJECT, Stage } from "./keys";

export interface ConfigProblem {
    /** Full config key, e.g. `odoo-platform:odooWorkers`. */
    readonly key: string;
    readonly message: string;
    /** What was found, rendered for a human; secrets are never shown. */
    readonly found: string;
    /** The command that fixes it, when it is not `pulumi config set|rm` of the key. */
    readonly fix?: string;
}

/** A configuration mistake: every problem at once, no stack trace, nothing created. */
export class ConfigError extends Error {
    constructor(
        readonly stack_: string,
        readonly problems: readonly ConfigProblem[],
    ) {
        super(formatProblems(stack_, problems));
        this.name = "ConfigError";
    }
}

export function formatProblems(stack: string, problems: readonly ConfigProblem[]): string {
    const n = problems.length;
    const lines = problems.map((p) => {
        const bare = p.key.replace(`${PROJECT}:`, "");
        const secret = CONFIG_KEYS[bare]?.secret === true;
        const remove = p.message.startsWith("must not be set") || p.message.startsWith("is not a");
        const pathed = /[[.]/.test(bare) ? `--path '${bare}'` : bare;
        const fix =
            p.fix ??
            (remove
                ? `pulumi config rm ${bare.split(/[[.]/)[0]} -s ${stack}`
                : `pulumi config set ${secret ? "--secret " : ""}${pathed} <value> -s ${stack}`);
        return `  - ${p.key}: ${p.message} (found: ${p.found}). Fix: ${fix}`;
    });
    return (
        `stack "${stack}" has ${n} configuration problem${n === 1 ? "" : "s"}; ` +
        `nothing was created or changed:\n${lines.join("\n")}`
    );
}

/** The stage of a stack, from its name: `prod`, `staging` or `pr-<N>`. */
export function stageOfStack(stack: string): Stage {
    if (stack === "prod") return "production";
    if (stack === "staging") return "staging";
    if (/^pr-[1-9]\d*$/.test(stack)) return "preview";
    throw new ConfigError(stack, [
        {
            key: "stack name",
            message: 'must be "prod", "staging" or "pr-<N>" (the stage is read from the name)',
            found: JSON.stringify(stack),
            fix:
                "pulumi stack select staging (or prod); a new stack: pulumi stack init staging, " +
                "then copy Pulumi.staging.yaml's settings (see the README's config table)",
        },
    ]);
}

export function renderFound(key: string, value: unknown): string {
    if (value === undefined) return "nothing";
    if (CONFIG_KEYS[key]?.secret) return "[secret]";
    return JSON.stringify(value);
}

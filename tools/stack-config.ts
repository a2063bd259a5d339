/**
 * Reads a stack config file (`Pulumi.<stack>.yaml` format) into the strings Pulumi hands a
 * program, with secure values and missing required secrets replaced by placeholders.
 */
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { CONFIG_KEYS, PROJECT, requiredSecrets, stageOfStack } from "../stacks/config";

export const ROOT = path.resolve(__dirname, "..");

export interface StackConfig {
    readonly config: Record<string, string>;
    readonly secretKeys: string[];
    /** Keys whose value is a placeholder, for the plan's header. */
    readonly placeholders: string[];
}

export function placeholder(key: string): string {
    return `preview-placeholder-${key}`;
}

/** Converts a YAML config value to the string Pulumi passes to the program. */
function toConfigString(v: unknown): string {
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    return JSON.stringify(v);
}

export function parseStackConfig(stack: string, text: string, file: string): StackConfig {
    const doc = YAML.parse(text) as { config?: Record<string, unknown> } | null;
    if (doc === null || typeof doc !== "object") {
        throw new Error(`${file}: not a stack config file (expected a "config:" mapping)`);
    }
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const placeholders: string[] = [];
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        const full = key.includes(":") ? key : `${PROJECT}:${key}`;
        if (typeof value === "object" && value !== null && "secure" in value) {
            config[full] = placeholder(full.split(":")[1]);
            secretKeys.push(full);
            placeholders.push(full);
        } else {
            config[full] = toConfigString(value);
            if (CONFIG_KEYS[full.split(":")[1]]?.secret) secretKeys.push(full);
        }
    }
    for (const key of requiredSecrets(stageOfStack(stack), config)) {
        const full = `${PROJECT}:${key}`;
        if (config[full] === undefined) {
            config[full] = placeholder(key);
            secretKeys.push(full);
            placeholders.push(full);
        }
    }
    return { config, secretKeys, placeholders };
}

export function loadStackConfig(stack: string, file?: string): StackConfig {
    const n = /^pr-([1-9]\d*)$/.exec(stack)?.[1];
    if (
        n !== undefined &&
        file === undefined &&
        !fs.existsSync(path.join(ROOT, `Pulumi.${stack}.yaml`))
    ) {
        // CI creates pr-<N> stacks on the fly; offline, the example PR config stands in for them.
        const example = fs.readFileSync(path.join(ROOT, "examples", "Pulumi.pr.yaml"), "utf8");
        return parseStackConfig(
            stack,
            example.replace(/__PR_NUMBER__/g, n),
            "examples/Pulumi.pr.yaml",
        );
    }
    const resolved = path.resolve(file ?? path.join(ROOT, `Pulumi.${stack}.yaml`));
    if (!fs.existsSync(resolved)) {
        throw new Error(
            `no config for stack "${stack}": ${resolved} does not exist (pass --config <file>)`,
        );
    }
    return parseStackConfig(stack, fs.readFileSync(resolved, "utf8"), resolved);
}

/**
 * Reads a stack config file (`Pulumi.<stack>.yaml` format) into the strings Pulumi hands a
 * program, with secure values and missing required secrets replaced by placeholders.
 */
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import {
    CONFIG_KEYS,
    ConfigError,
    ConfigProblem,
    PROJECT,
    requiredSecrets,
    stageOfStack,
} from "../stacks/config";
import { closest } from "../stacks/config/formats";

export const ROOT = path.resolve(__dirname, "..");

export interface StackConfig {
    readonly config: Record<string, string>;
    readonly secretKeys: string[];
    /** Keys whose value is a placeholder, for the plan's header. */
    readonly placeholders: string[];
}

/**
 * What the offline preview puts in place of a secret: the key's name after `preview-placeholder`
 * (so a leak test finds it), in the format the key's check expects.
 */
export function placeholder(key: string): string {
    const marker = `preview-placeholder-${key}`;
    switch (key) {
        case "alertSlackUrl":
            return `https://hooks.slack.com/services/${marker}`;
        case "appRegistryCredentials":
            return `preview-placeholder:${marker}`;
        case "logDestination":
            return `syslog+tls://${marker}.papertrailapp.com:10000`;
        default:
            return marker;
    }
}

/**
 * What is wrong with a stack file's value of `key` as Pulumi reads it: a key Pulumi.yaml declares
 * secret must be a secure value (`pulumi config set --secret`; Pulumi refuses the plain text
 * itself: "must be encrypted as it's secret"), and a `secure:` mapping is that one key with the
 * ciphertext. Undefined when it is fine.
 */
function secureValueProblem(key: string, value: unknown): string | undefined {
    const secret =
        CONFIG_KEYS[key.split(":")[1] ?? ""]?.secret === true && key.startsWith(`${PROJECT}:`);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
        const keys = Object.keys(value);
        if (keys.includes("secure")) {
            const cipher = (value as Record<string, unknown>)["secure"];
            if (keys.length !== 1) {
                return `is a secure value with other keys beside "secure" (${keys.filter((k) => k !== "secure").join(", ")})`;
            }
            if (typeof cipher !== "string" || !/^\S+$/.test(cipher)) {
                return "is a secure value without its ciphertext (secure: is empty or not one word)";
            }
            return undefined;
        }
        const near = keys.length === 1 ? closest(keys[0], ["secure"]) : undefined;
        if (near !== undefined) {
            return `holds "${keys[0]}:", which reads as a misspelt "secure:"; Pulumi would take the mapping as the value`;
        }
    }
    if (secret) {
        return "must be encrypted as it is secret (Pulumi.yaml declares it secret: Pulumi refuses a plain value)";
    }
    return undefined;
}

/** Converts a YAML config value to the string Pulumi passes to the program. */
function toConfigString(v: unknown): string {
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    return JSON.stringify(v);
}

export function parseStackConfig(stack: string, text: string, file: string): StackConfig {
    let doc: { config?: Record<string, unknown> } | null;
    try {
        doc = YAML.parse(text) as { config?: Record<string, unknown> } | null;
    } catch (e) {
        throw new Error(`${file}: not valid YAML: ${(e as Error).message}`);
    }
    if (doc === null || typeof doc !== "object") {
        throw new Error(`${file}: not a stack config file (expected a "config:" mapping)`);
    }
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const placeholders: string[] = [];
    const problems: ConfigProblem[] = [];
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        const full = key.includes(":") ? key : `${PROJECT}:${key}`;
        const problem = secureValueProblem(full, value);
        if (problem !== undefined) {
            problems.push({
                key: full,
                message: `${problem} (${file})`,
                found: "[not shown]",
                fix: `pulumi config set --secret ${full} <value> -s ${stack}`,
            });
            continue;
        }
        if (typeof value === "object" && value !== null && "secure" in value) {
            config[full] = placeholder(full.split(":")[1]);
            secretKeys.push(full);
            placeholders.push(full);
        } else {
            config[full] = toConfigString(value);
        }
    }
    if (problems.length > 0) throw new ConfigError(stack, problems);
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

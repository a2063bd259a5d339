/** From the raw strings Pulumi hands a program to a validated config, every problem at once. */
import { z } from "zod";
import { CONFIG_KEYS, PROJECT, Stage } from "./keys";
import { PREVIEW_ONLY_KEYS, REPLACED_KEYS, SecretKey, databaseOf, runtimeOf } from "./stages";
import { KNOWN_NAMESPACES, closest } from "./formats";
import { ConfigError, ConfigProblem, renderFound, stageOfStack } from "./problems";
import { crossChecks } from "./rules";
import { ValidConfig, configSchema, previewSchema } from "./schema";

/** Turns raw config strings into typed values by the key's declared type; bad values pass through
 * unchanged so that the schema reports them with what was found. */
export function coerceRaw(key: string, raw: string): unknown {
    const type = CONFIG_KEYS[key]?.type;
    switch (type) {
        case "integer":
            return /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
        case "boolean":
            return raw === "true" ? true : raw === "false" ? false : raw;
        case "array":
        case "object":
            try {
                return JSON.parse(raw);
            } catch {
                return raw;
            }
        default:
            return raw;
    }
}

/** Raw config → typed input of this project's keys; unknown keys become problems. */
function collectInput(
    stack: string,
    raw: Readonly<Record<string, string | undefined>>,
    problems: ConfigProblem[],
): Record<string, unknown> {
    const input: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(raw)) {
        if (value === undefined) continue;
        const [ns, key] = fullKey.includes(":") ? fullKey.split(":", 2) : [PROJECT, fullKey];
        if (ns !== PROJECT) {
            // Provider config such as digitalocean:token passes; another namespace is a typo
            // that would silently drop the setting.
            if (!(KNOWN_NAMESPACES as readonly string[]).includes(ns)) {
                const likely = closest(ns, KNOWN_NAMESPACES);
                problems.push({
                    key: fullKey,
                    message:
                        `is in the namespace "${ns}", which is neither this project's ` +
                        `(${PROJECT}) nor a provider's it uses (${KNOWN_NAMESPACES.slice(1).join(", ")})` +
                        (likely === undefined ? "" : `; did you mean ${likely}:${key}?`),
                    found: "[not shown: it may be a credential]",
                    fix:
                        `pulumi config rm ${fullKey} -s ${stack}` +
                        (likely === undefined
                            ? ""
                            : `; pulumi config set ${CONFIG_KEYS[key]?.secret === true ? "--secret " : ""}` +
                              `${likely}:${key} <value> -s ${stack}`),
                });
            }
            continue;
        }
        if (!(key in CONFIG_KEYS)) {
            const replaced = REPLACED_KEYS[key];
            problems.push({
                key: `${PROJECT}:${key}`,
                message:
                    replaced === undefined
                        ? "is not a setting of this project (a typo?); see the README config table"
                        : `is not a setting any more: it ${replaced}`,
                found: JSON.stringify(value),
            });
            continue;
        }
        input[key] = coerceRaw(key, value);
    }
    return input;
}

function zodProblems(
    issues: readonly z.core.$ZodIssue[],
    input: Record<string, unknown>,
): ConfigProblem[] {
    return issues.map((i) => {
        const top = String(i.path[0] ?? "");
        const path = i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`));
        const key = `${PROJECT}:${path.join("").replace(/^\./, "")}`;
        const found = i.path.length > 1 ? (i as { input?: unknown }).input : input[top];
        return { key, message: i.message, found: renderFound(top, found) };
    });
}

export type PreviewConfig = z.output<ReturnType<typeof previewSchema>> & {
    stack: string;
    stage: "preview";
    number: number;
};

/** Validates a `pr-<N>` stack's config: every other setting comes from the staging stack. */
export function parsePreviewConfig(
    stack: string,
    raw: Readonly<Record<string, string | undefined>>,
): PreviewConfig {
    if (stageOfStack(stack) !== "preview") throw new Error(`${stack} is not a pr-<N> stack`);
    const n = Number(stack.slice(3));
    const problems: ConfigProblem[] = [];
    const input = collectInput(stack, raw, problems);
    for (const key of Object.keys(input)) {
        if (!(PREVIEW_ONLY_KEYS as readonly string[]).includes(key)) {
            problems.push({
                key: `${PROJECT}:${key}`,
                message:
                    "is not used by a pr-<N> stack: domain, host and secrets come from the staging stack",
                found: renderFound(key, input[key]),
            });
        }
    }
    const result = previewSchema(n).safeParse(input, { reportInput: true });
    if (!result.success) problems.push(...zodProblems(result.error.issues, input));
    if (problems.length > 0) throw new ConfigError(stack, problems);
    if (!result.success) throw new Error("unreachable: schema failed without issues");
    return { ...result.data, stack, stage: "preview", number: n };
}

/**
 * Validates a stack's raw config (key → string as Pulumi stores it). Returns the typed config or
 * throws one ConfigError that lists every problem, including keys the project does not know.
 */
export function parseConfig(
    stack: string,
    raw: Readonly<Record<string, string | undefined>>,
): Omit<ValidConfig, SecretKey> & { stack: string; stage: Stage } {
    const stage = stageOfStack(stack);
    if (stage === "preview") {
        throw new Error(`parseConfig: ${stack} is a preview stack; use parsePreviewConfig`);
    }
    const problems: ConfigProblem[] = [];
    const input = collectInput(stack, raw, problems);
    const result = configSchema(stage, runtimeOf(input), databaseOf(input)).safeParse(input, {
        reportInput: true,
    });
    problems.push(...crossChecks(stage, input));
    if (!result.success) problems.push(...zodProblems(result.error.issues, input));
    if (problems.length > 0) throw new ConfigError(stack, problems);
    if (!result.success) throw new Error("unreachable: schema failed without issues");
    // Secret values were read only to be validated; they reach resources as pulumi secrets
    // (config.requireSecret in index.ts), never as plain strings from here.
    const plain = Object.fromEntries(
        Object.entries(result.data).filter(([key]) => CONFIG_KEYS[key]?.secret !== true),
    ) as Omit<ValidConfig, SecretKey>;
    return { ...plain, stack, stage };
}

export type PlatformConfig = ReturnType<typeof parseConfig>;

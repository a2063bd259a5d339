/**
 * What every policy shares: the stack's stage, the resource types, containers and their env, the
 * official image and its addons path. Self-contained on purpose: the pack runs unchanged under
 * the real CLI and imports nothing from the program.
 */
import * as fs from "fs";
import * as path from "path";

export type Stage = "production" | "staging" | "preview";
export const STAGES: Stage[] = ["production", "staging", "preview"];
export const STAGE_TAG = "odoo-platform:stage";

export const T = {
    container: "docker:index/container:Container",
    remoteImage: "docker:index/remoteImage:RemoteImage",
    firewall: "digitalocean:index/firewall:Firewall",
    droplet: "digitalocean:index/droplet:Droplet",
    volume: "digitalocean:index/volume:Volume",
    vpc: "digitalocean:index/vpc:Vpc",
    reservedIp: "digitalocean:index/reservedIp:ReservedIp",
    bucket: "digitalocean:index/spacesBucket:SpacesBucket",
    databaseCluster: "digitalocean:index/databaseCluster:DatabaseCluster",
    databaseFirewall: "digitalocean:index/databaseFirewall:DatabaseFirewall",
    app: "digitalocean:index/app:App",
    dnsRecord: "cloudflare:index/dnsRecord:DnsRecord",
    zoneSetting: "cloudflare:index/zoneSetting:ZoneSetting",
    bucketPolicy: "digitalocean:index/spacesBucketPolicy:SpacesBucketPolicy",
    bucketObject: "digitalocean:index/spacesBucketObject:SpacesBucketObject",
    bucketCors: "digitalocean:index/spacesBucketCorsConfiguration:SpacesBucketCorsConfiguration",
    githubEnvironment: "github:index/repositoryEnvironment:RepositoryEnvironment",
    githubEnvironmentSecret: "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
    githubEnvironmentVariable: "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
    githubDeploymentPolicy:
        "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
    apiToken: "cloudflare:index/apiToken:ApiToken",
} as const;

/**
 * Whether a GitHub environment name is `production`: GitHub compares environment names without
 * regard to case ("Environment names are not case sensitive", GitHub Docs, Managing environments
 * for deployment).
 */
export function isProductionEnvironment(name: unknown): boolean {
    return typeof name === "string" && name.trim().toLowerCase() === "production";
}

/** The stack name in a URN: `urn:pulumi:<stack>::<project>::...`. */
export function stackOfUrn(urn: string): string {
    return urn.split("::")[0].split(":")[2] ?? "";
}

export function stageOfStackName(stack: string): Stage | undefined {
    if (stack === "prod") return "production";
    if (stack === "staging") return "staging";
    if (/^pr-[1-9]\d*$/.test(stack)) return "preview";
    return undefined;
}

/** The number of a preview stack, `pr-42` → 42. */
export function prNumber(stack: string): number | undefined {
    const m = /^pr-([1-9]\d*)$/.exec(stack);
    return m ? Number(m[1]) : undefined;
}

interface StageSources {
    readonly urn: string;
    readonly config: { stage?: string };
    readonly stackTags: ReadonlyMap<string, string>;
}

/**
 * A stack's stage: policy config `stage` wins, then the stack tag `odoo-platform:stage`, then the
 * stack name (`prod`, `staging`, `pr-<N>`). Unknown stacks get the strictest non-prod rules.
 */
export function stageOf(s: StageSources): Stage {
    const fromConfig = s.config.stage;
    if (fromConfig !== undefined && (STAGES as string[]).includes(fromConfig)) {
        return fromConfig as Stage;
    }
    const tag = s.stackTags.get(STAGE_TAG);
    if (tag !== undefined && (STAGES as string[]).includes(tag)) return tag as Stage;
    return stageOfStackName(stackOfUrn(s.urn)) ?? "staging";
}

/**
 * The stage of the stack a stack policy checks, as stageOf reads it (every resource of a stack
 * names the same stack); undefined for a stack without resources.
 */
export function stackStage(args: {
    readonly resources: readonly { readonly urn: string }[];
    getConfig(): { stage?: string };
    readonly stackTags: ReadonlyMap<string, string>;
}): Stage | undefined {
    const first = args.resources[0];
    if (first === undefined) return undefined;
    return stageOf({ urn: first.urn, config: args.getConfig(), stackTags: args.stackTags });
}

export const stageSchema = {
    stage: {
        type: "string" as const,
        enum: STAGES,
        description: "Overrides the stage read from the stack name or the stack tag.",
    },
};

export interface ContainerProps {
    name?: string;
    command?: string[];
    envs?: string[];
    uploads?: { file: string; content?: string }[];
    labels?: { label: string; value: string }[];
    ports?: { internal: number; external?: number }[];
    memory?: number;
    entrypoints?: string[];
}

/** An Odoo container is one whose command starts with `odoo`. */
export function isOdoo(c: ContainerProps): boolean {
    return Array.isArray(c.command) && c.command[0] === "odoo";
}

export function isMailpit(c: ContainerProps): boolean {
    return (
        Object.keys(envOf(c.envs)).some((k) => k.startsWith("MP_")) ||
        /-mailpit$/.test(c.name ?? "")
    );
}

/**
 * A container's environment as Docker builds it from `NAME=value` items: a name given twice keeps
 * the last value (items without `=` pass the host's value through, which a plan cannot know).
 */
export function envOf(items: readonly unknown[] | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    for (const item of items ?? []) {
        if (typeof item !== "string") continue;
        const i = item.indexOf("=");
        if (i > 0) out[item.slice(0, i)] = item.slice(i + 1);
    }
    return out;
}

/* ---------------------------------------------------------------------------------------------
 * Odoo's effective options, read as Odoo 18 reads them: odoo.conf first (Python's RawConfigParser
 * through `configmanager.load`), then the command line over it (optparse: the last of a repeated
 * option wins, a unique prefix of a long option names it, `--opt=value` and `--opt value`, short
 * options), then Odoo's defaults. Source: odoo/tools/config.py of Odoo 18.0-20250421, and
 * Python 3.11's optparse and configparser; a contract test holds this reader to the real parser.
 * ------------------------------------------------------------------------------------------- */

/**
 * Where the official `odoo` image keeps Odoo's core addons (the program's CORE_ADDONS_PATH, held
 * equal by a test): the only addons path that image starts with.
 */
export const CORE_ADDONS_PATH = "/usr/lib/python3/dist-packages/odoo/addons";

const OFFICIAL_IMAGE =
    /^(?:(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\/)?(?:library\/)?odoo(?::[A-Za-z0-9_.-]+)?(?:@sha256:[0-9a-f]{64})?$/;

/** Whether an image reference names Docker's official Odoo image (by tag or digest). */
export function isOfficialImage(image: string): boolean {
    return OFFICIAL_IMAGE.test(image);
}

/** The canonical addons path shipped with the repository, used when no policy config gives one. */
export function repositoryAddonsPath(): string[] | undefined {
    const file = path.join(__dirname, "..", "..", "stacks", "addons-path.json");
    if (!fs.existsSync(file)) return undefined;
    return JSON.parse(fs.readFileSync(file, "utf8")) as string[];
}

/** The short kind of a resource type: `digitalocean:index/droplet:Droplet` → `Droplet`. */
export function kind(type: string): string {
    return type.split(":").pop() ?? type;
}

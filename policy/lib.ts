/**
 * What every policy of the pack shares: the stack's stage, and readers for what is actually
 * deployed (container command, env and uploads, firewall rules). Self-contained on purpose: the
 * pack runs unchanged under the real CLI and imports nothing from the program.
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
    githubEnvironment: "github:index/repositoryEnvironment:RepositoryEnvironment",
} as const;

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
}

/** An Odoo container is one whose command starts with `odoo`. */
export function isOdoo(c: ContainerProps): boolean {
    return Array.isArray(c.command) && c.command[0] === "odoo";
}

export function isMailpit(c: ContainerProps): boolean {
    return (c.envs ?? []).some((e) => e.startsWith("MP_")) || /-mailpit$/.test(c.name ?? "");
}

/** `--name=value` or `--name value` in a command; `true` for a bare flag. */
export function flag(c: ContainerProps, name: string): string | true | undefined {
    const cmd = c.command ?? [];
    for (let i = 0; i < cmd.length; i++) {
        if (cmd[i].startsWith(`--${name}=`)) return cmd[i].slice(name.length + 3);
        if (cmd[i] === `--${name}`) {
            const next = cmd[i + 1];
            return next !== undefined && !next.startsWith("-") ? next : true;
        }
    }
    return undefined;
}

export function env(c: ContainerProps, name: string): string | undefined {
    const hit = (c.envs ?? []).find((e) => e.startsWith(`${name}=`));
    return hit === undefined ? undefined : hit.slice(name.length + 1);
}

/** The options of an uploaded odoo.conf (`key = value` lines). */
export function uploadedConf(c: ContainerProps): Record<string, string> {
    const conf = (c.uploads ?? []).find((u) => u.file.endsWith("odoo.conf"));
    const out: Record<string, string> = {};
    for (const line of (conf?.content ?? "").split("\n")) {
        const m = /^\s*([a-z_]+)\s*=\s*(.*?)\s*$/.exec(line);
        if (m) out[m[1]] = m[2];
    }
    return out;
}

export interface FirewallRule {
    protocol?: string;
    portRange?: string;
    sourceAddresses?: string[];
    destinationAddresses?: string[];
}

/** Whether a rule's port range covers the port; no range or "all" covers every port. */
export function coversPort(rule: FirewallRule, port: number): boolean {
    const range = (rule.portRange ?? "").trim();
    if (range === "" || range === "all" || range === "0") return true;
    const [lo, hi] = range.split("-").map((x) => Number(x));
    return port >= lo && port <= (hi ?? lo);
}

export const WORLD = ["0.0.0.0/0", "::/0"];

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
    const file = path.join(__dirname, "..", "stacks", "addons-path.json");
    if (!fs.existsSync(file)) return undefined;
    return JSON.parse(fs.readFileSync(file, "utf8")) as string[];
}

/** The short kind of a resource type: `digitalocean:index/droplet:Droplet` → `Droplet`. */
export function kind(type: string): string {
    return type.split(":").pop() ?? type;
}

/** The entrypoint of the App Platform image; its first argument is the process's role. */
export const APP_ENTRYPOINT = "odoo-platform-entrypoint";

export interface AppImageSpec {
    registryType?: string;
    registry?: string;
    repository?: string;
    tag?: string;
    digest?: string;
}

interface AppComponentProps {
    name?: string;
    kind?: string;
    runCommand?: string;
    instanceCount?: number;
    image?: AppImageSpec;
    envs?: { key?: string; value?: string }[];
}

/** An App Platform image source as an image reference (`ghcr.io/owner/repo@sha256:...`). */
export function appImageRef(i: AppImageSpec | undefined): string | undefined {
    if (i === undefined || i.repository === undefined) return undefined;
    const version = i.digest !== undefined ? `@${i.digest}` : `:${i.tag ?? "latest"}`;
    const host =
        i.registryType === "GHCR"
            ? `ghcr.io/${i.registry ?? ""}/`
            : i.registryType === "DOCR"
              ? `registry.digitalocean.com/${i.registry ?? "<account>"}/`
              : `docker.io/${i.registry ?? "library"}/`;
    return `${host}${i.repository}${version}`;
}

export interface AppProps {
    spec?: {
        envs?: { key?: string; value?: string }[];
        databases?: { clusterName?: string }[];
        domainNames?: { name?: string }[];
        services?: AppComponentProps[];
        workers?: AppComponentProps[];
        jobs?: AppComponentProps[];
    };
}

/** Every component of an app with the list it sits in. */
export function appComponents(props: AppProps) {
    const spec = props.spec ?? {};
    return [
        ...(spec.services ?? []).map((c) => ({ list: "services" as const, ...c })),
        ...(spec.workers ?? []).map((c) => ({ list: "workers" as const, ...c })),
        ...(spec.jobs ?? []).map((c) => ({ list: "jobs" as const, ...c })),
    ];
}

/**
 * The Odoo processes of an App Platform app, read like containers: command `odoo <flags>` from
 * the run command, envs the app's plus the component's, so container rules apply unchanged.
 */
export function appOdooProcesses(
    props: AppProps,
): (ContainerProps & { role: string; image?: string })[] {
    const appEnvs = (props.spec?.envs ?? []).map((e) => `${e.key}=${e.value}`);
    return appComponents(props)
        .map((c) => ({ c, argv: (c.runCommand ?? "").trim().split(/\s+/) }))
        .filter(({ argv }) => argv[0] === APP_ENTRYPOINT)
        .map(({ c, argv }) => ({
            name: c.name,
            role: argv[1] ?? "",
            image: appImageRef(c.image),
            command: ["odoo", ...argv.slice(2)],
            envs: [...appEnvs, ...(c.envs ?? []).map((e) => `${e.key}=${e.value}`)],
        }));
}

/** Names of an app's Mailpit services (those configured with MP_ variables). */
export function appMailpits(props: AppProps): string[] {
    return appComponents(props)
        .filter((c) => (c.envs ?? []).some((e) => (e.key ?? "").startsWith("MP_")))
        .map((c) => c.name ?? "");
}

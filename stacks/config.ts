import { z } from "zod";
import { CANONICAL_ADDONS_PATH, addonsPathProblems } from "./addons";

/** The project name: the namespace of every config key (`odoo-platform:<key>`). */
export const PROJECT = "odoo-platform";

export const STAGES = ["production", "staging", "preview"] as const;
export type Stage = (typeof STAGES)[number];

/** DigitalOcean regions that run droplets and volumes. */
export const DROPLET_REGIONS = [
    "nyc1",
    "nyc3",
    "sfo2",
    "sfo3",
    "ams3",
    "sgp1",
    "lon1",
    "fra1",
    "tor1",
    "blr1",
    "syd1",
    "atl1",
] as const;

/** DigitalOcean regions that offer Spaces object storage. */
export const SPACES_REGIONS = [
    "nyc3",
    "sfo2",
    "sfo3",
    "ams3",
    "sgp1",
    "fra1",
    "syd1",
    "blr1",
    "lon1",
    "tor1",
    "atl1",
] as const;

export type ConfigKeyType = "string" | "integer" | "boolean" | "array" | "object";

export interface ConfigKey {
    readonly type: ConfigKeyType;
    readonly secret?: boolean;
    readonly description: string;
}

/**
 * Every config key of the project. `Pulumi.yaml` declares exactly these (a test holds the two
 * together); defaults live in `STAGE_DEFAULTS` and the schema below, nowhere else.
 */
export const CONFIG_KEYS: Readonly<Record<string, ConfigKey>> = {
    domain: {
        type: "string",
        description: "Apex domain of the Cloudflare zone, e.g. example.com.",
    },
    cloudflareZoneId: { type: "string", description: "Cloudflare zone id of `domain` (32 hex)." },
    region: { type: "string", description: "DigitalOcean region of the host, e.g. fra1." },
    runtime: {
        type: "string",
        description:
            "Where Odoo runs: `droplet` (default) or `app-platform` (needs database managed).",
    },
    database: {
        type: "string",
        description: "Where PostgreSQL runs: `container` on the droplet (default) or `managed`.",
    },
    databaseSize: {
        type: "string",
        description: "Managed PostgreSQL node size, e.g. db-s-1vcpu-2gb.",
    },
    databaseNodeCount: {
        type: "integer",
        description:
            "Managed PostgreSQL nodes: 1 primary plus standbys; production needs 2 or more.",
    },
    databaseVersion: { type: "string", description: "Managed PostgreSQL major version: 14 to 17." },
    allowDatabaseMajorUpgrade: {
        type: "boolean",
        description: "Let a databaseVersion change reach the managed cluster (default false).",
    },
    appInstanceSize: {
        type: "string",
        description: "App Platform instance size of the web service, e.g. apps-s-1vcpu-2gb.",
    },
    appInstanceCount: {
        type: "integer",
        description: "App Platform web instances; production needs 2 or more.",
    },
    attachmentStorage: {
        type: "string",
        description: "App Platform: where attachments live, `database` (default) or `spaces`.",
    },
    appPushSecrets: {
        type: "boolean",
        description: "App Platform: send changed secret values on this up (default false).",
    },
    dropletSize: { type: "string", description: "Droplet size slug, e.g. s-2vcpu-4gb." },
    volumeSizeGb: {
        type: "integer",
        description: "Block-storage volume size in GB for PostgreSQL data and the filestore.",
    },
    sshAllowedCidrs: {
        type: "array",
        description: "CIDRs allowed to reach SSH (22/tcp); the deploying machine must be in one.",
    },
    sshPublicKey: { type: "string", description: "Public key installed on the droplet for root." },
    acmeEmail: { type: "string", description: "Contact e-mail for Let's Encrypt certificates." },
    manageZoneSettings: {
        type: "boolean",
        description: "Whether this stack owns the zone's TLS settings (default: production only).",
    },
    odooVersion: { type: "string", description: "Odoo major version: 17.0, 18.0 or 19.0." },
    odooImage: {
        type: "string",
        description: "Odoo image with the addons baked in (default: the official odoo:<version>).",
    },
    odooWorkers: { type: "integer", description: "Odoo HTTP worker processes." },
    odooMaxCronThreads: {
        type: "integer",
        description: "Cron worker threads; must be 0 outside production.",
    },
    odooDatabase: { type: "string", description: "The one database this environment serves." },
    odooAddonsPath: {
        type: "array",
        description: "Addons path; must equal the canonical list in stacks/addons-path.json.",
    },
    odooLimitMemorySoftMb: { type: "integer", description: "Odoo limit_memory_soft per worker." },
    odooLimitMemoryHardMb: { type: "integer", description: "Odoo limit_memory_hard per worker." },
    odooLimitTimeCpu: { type: "integer", description: "Odoo limit_time_cpu in seconds." },
    odooLimitTimeReal: { type: "integer", description: "Odoo limit_time_real in seconds." },
    odooContainerMemoryMb: { type: "integer", description: "Memory limit of the Odoo container." },
    postgresImage: { type: "string", description: "PostgreSQL image for the database container." },
    smtpHost: { type: "string", description: "Production outgoing mail server (production only)." },
    smtpPort: { type: "integer", description: "Production SMTP port (production only)." },
    smtpUser: { type: "string", description: "Production SMTP user (production only)." },
    smtpSsl: { type: "boolean", description: "Use TLS to the SMTP server (production only)." },
    smtpFrom: { type: "string", description: "Default From address (production only)." },
    backupRegion: {
        type: "string",
        description: "Spaces region of the backup bucket; must differ from `region`.",
    },
    backupBucket: { type: "string", description: "Backup bucket name (globally unique)." },
    backupSchedule: {
        type: "string",
        description: "Cron expression (UTC) of the nightly backup (production only).",
    },
    alertEmails: { type: "array", description: "E-mail addresses that receive alerts." },
    alertSlackChannel: { type: "string", description: "Slack channel that receives alerts." },
    adminPassword: {
        type: "string",
        secret: true,
        description: "Odoo master password (admin_passwd), at least 16 characters.",
    },
    postgresPassword: {
        type: "string",
        secret: true,
        description: "Password of the PostgreSQL role Odoo uses, at least 16 characters.",
    },
    smtpPassword: {
        type: "string",
        secret: true,
        description: "Production SMTP password (production only).",
    },
    mailpitUiPassword: {
        type: "string",
        secret: true,
        description: "Password of the Mailpit web UI (non-production only).",
    },
    alertSlackUrl: {
        type: "string",
        secret: true,
        description: "Slack incoming-webhook URL for alerts.",
    },
    githubRepository: {
        type: "string",
        description:
            "Odoo code repository to wire (name; owner from github:owner). Unset: no wiring.",
    },
    githubDefaultBranch: {
        type: "string",
        description:
            "Default branch of the Odoo repository (protected; production deploys from it).",
    },
    githubRequiredChecks: {
        type: "array",
        description: "Production: status checks the default branch requires.",
    },
    githubProductionReviewers: {
        type: "array",
        description: "Production: GitHub user ids that must approve a production deployment.",
    },
    githubDispatchUrl: {
        type: "string",
        description: "Production: URL of the GitOps dispatch webhook on the Odoo repository.",
    },
    odooImageRepository: {
        type: "string",
        description: "Image repository CI pushes Odoo builds to, e.g. ghcr.io/example/odoo.",
    },
    stateBackendUrl: {
        type: "string",
        description: "Pulumi state backend URL CI logs in to, e.g. s3://bucket?endpoint=...",
    },
    ciPulumiPassphrase: {
        type: "string",
        secret: true,
        description: "Secrets passphrase of the state, for this stage's GitHub environment.",
    },
    ciStateAccessKeyId: {
        type: "string",
        secret: true,
        description: "Spaces key id of the state bucket, for this stage's GitHub environment.",
    },
    ciStateSecretAccessKey: {
        type: "string",
        secret: true,
        description: "Spaces secret key of the state bucket, for this stage's GitHub environment.",
    },
    ciSshPrivateKey: {
        type: "string",
        secret: true,
        description: "SSH private key CI uses to reach this stage's host.",
    },
    githubWebhookSecret: {
        type: "string",
        secret: true,
        description: "Production: secret shared with the GitOps dispatch webhook.",
    },
    prEnvironments: {
        type: "object",
        description:
            "Staging only: preview environments on the dev host: {max, ttlDays, memoryMb}.",
    },
    pr: {
        type: "object",
        description: "pr-<N> stacks only: {number, image (pinned by digest), updateModules}.",
    },
    stagingStack: {
        type: "string",
        description: "pr-<N> stacks only: the staging stack to reference (default: staging).",
    },
    resticPassword: {
        type: "string",
        secret: true,
        description:
            "Password of the restic backup repository (production only); keep a copy offline.",
    },
};

/** Per-stage defaults: the only place a default value is written. */
export const STAGE_DEFAULTS = {
    production: {
        dropletSize: "s-2vcpu-4gb",
        volumeSizeGb: 100,
        odooWorkers: 4,
        odooMaxCronThreads: 2,
        odooDatabase: "odoo",
        odooContainerMemoryMb: 3584,
        manageZoneSettings: true,
        databaseSize: "db-s-1vcpu-2gb",
        databaseNodeCount: 2,
        appInstanceCount: 2,
    },
    staging: {
        dropletSize: "s-2vcpu-4gb",
        volumeSizeGb: 50,
        odooWorkers: 2,
        odooMaxCronThreads: 0,
        odooDatabase: "odoo_staging",
        odooContainerMemoryMb: 2048,
        manageZoneSettings: false,
        databaseSize: "db-s-1vcpu-1gb",
        databaseNodeCount: 1,
        appInstanceCount: 1,
    },
    preview: {
        dropletSize: "s-2vcpu-4gb",
        volumeSizeGb: 50,
        odooWorkers: 0,
        odooMaxCronThreads: 0,
        odooDatabase: "odoo_preview",
        odooContainerMemoryMb: 1024,
        manageZoneSettings: false,
        databaseSize: "db-s-1vcpu-1gb",
        databaseNodeCount: 1,
        appInstanceCount: 1,
    },
} as const satisfies Record<Stage, object>;

export const COMMON_DEFAULTS = {
    runtime: "droplet",
    database: "container",
    databaseVersion: "16",
    allowDatabaseMajorUpgrade: false,
    appInstanceSize: "apps-s-1vcpu-2gb",
    attachmentStorage: "database",
    appPushSecrets: false,
    odooVersion: "18.0",
    odooLimitMemorySoftMb: 2048,
    odooLimitMemoryHardMb: 2560,
    odooLimitTimeCpu: 600,
    odooLimitTimeReal: 1200,
    postgresImage: "postgres:16",
    smtpPort: 587,
    smtpSsl: true,
    odooAddonsPath: CANONICAL_ADDONS_PATH,
} as const;

/** Secrets a stage's GitHub environment receives when githubRepository is set. */
export const CI_SECRETS = [
    "ciPulumiPassphrase",
    "ciStateAccessKeyId",
    "ciStateSecretAccessKey",
    "ciSshPrivateKey",
] as const;

/** Keys only a pr-<N> stack carries. */
export const PREVIEW_ONLY_KEYS = ["pr", "stagingStack"] as const;

/** Keys a non-production stack must not carry: production mail and production backups. */
export const PRODUCTION_ONLY_KEYS = [
    "smtpHost",
    "smtpPort",
    "smtpUser",
    "smtpSsl",
    "smtpFrom",
    "smtpPassword",
    "backupRegion",
    "backupBucket",
    "backupSchedule",
    "resticPassword",
] as const;

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CIDR4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
const CIDR6 = /^[0-9a-f:]+:[0-9a-f:]*\/(12[0-8]|1[01]\d|[1-9]?\d)$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DB_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

const int = (min: number, max: number, what: string) =>
    z
        .number({ error: `must be a whole number (${what})` })
        .int(`must be a whole number (${what})`)
        .min(min, `must be at least ${min} (${what})`)
        .max(max, `must be at most ${max} (${what})`);

/** Required on the droplet runtime, optional (and unused) elsewhere. */
const optionalUnless = <T extends z.ZodType>(required: boolean, schema: T) =>
    required ? schema : schema.optional();

const password = (what: string) =>
    z
        .string({ error: `must be set as a secret (${what})` })
        .min(16, `must be at least 16 characters (${what})`);

export const RUNTIMES = ["droplet", "app-platform"] as const;
export type Runtime = (typeof RUNTIMES)[number];

/** Managed PostgreSQL major versions DigitalOcean offers. */
export const DATABASE_VERSIONS = ["14", "15", "16", "17"] as const;

/**
 * App Platform instance sizes that may run more than one instance (the 0.5 GB and fixed 1 GB
 * shared sizes are single-instance only), with the memory each gives Odoo.
 */
export const APP_INSTANCE_SIZES = [
    "apps-s-1vcpu-1gb",
    "apps-s-1vcpu-2gb",
    "apps-s-2vcpu-4gb",
    "apps-d-1vcpu-2gb",
    "apps-d-1vcpu-4gb",
    "apps-d-2vcpu-4gb",
    "apps-d-2vcpu-8gb",
    "apps-d-4vcpu-8gb",
    "apps-d-4vcpu-16gb",
    "apps-d-8vcpu-32gb",
] as const;

/** The runtime a raw config asks for; a bad value is left to the schema (droplet meanwhile). */
export function runtimeOf(input: Readonly<Record<string, unknown>>): Runtime {
    return input.runtime === "app-platform" ? "app-platform" : "droplet";
}

/** The database a raw config asks for: as said, or managed by default on App Platform. */
export function databaseOf(input: Readonly<Record<string, unknown>>): "container" | "managed" {
    const managed =
        input.database === "managed" ||
        (runtimeOf(input) === "app-platform" && input.database === undefined);
    return managed ? "managed" : "container";
}

/** The schema of one stage's config. Defaults come from STAGE_DEFAULTS / COMMON_DEFAULTS. */
export function configSchema(
    stage: Stage,
    runtime: Runtime = "droplet",
    database: "container" | "managed" = runtime === "app-platform" ? "managed" : "container",
) {
    const d = { ...COMMON_DEFAULTS, ...STAGE_DEFAULTS[stage] };
    const production = stage === "production";
    // On App Platform there is no droplet to reach over SSH: the SSH settings are optional there.
    const onDroplet = runtime === "droplet";
    return z
        .object({
            domain: z
                .string({ error: "is required: the apex domain of your Cloudflare zone" })
                .regex(HOSTNAME, "must be a lower-case domain name such as example.com"),
            cloudflareZoneId: z
                .string({ error: "is required: the zone id shown on the Cloudflare dashboard" })
                .regex(/^[0-9a-f]{32}$/, "must be the 32-character hex zone id from Cloudflare"),
            region: z.enum(DROPLET_REGIONS, {
                error: `must be a DigitalOcean region: ${DROPLET_REGIONS.join(", ")}`,
            }),
            runtime: z
                .enum(RUNTIMES, { error: "must be droplet or app-platform" })
                .default(d.runtime),
            database: z
                .enum(["container", "managed"], { error: "must be container or managed" })
                .default(runtime === "app-platform" ? "managed" : d.database),
            databaseSize: z
                .string()
                .regex(
                    /^db-[a-z0-9]+(-[a-z0-9]+)+$/,
                    "must be a database size slug such as db-s-1vcpu-2gb",
                )
                .default(d.databaseSize),
            databaseNodeCount: int(1, 3, "managed PostgreSQL nodes").default(d.databaseNodeCount),
            databaseVersion: z
                .enum(DATABASE_VERSIONS, {
                    error: `must be a PostgreSQL major version: ${DATABASE_VERSIONS.join(", ")}`,
                })
                .default(d.databaseVersion),
            allowDatabaseMajorUpgrade: z.boolean().default(d.allowDatabaseMajorUpgrade),
            appInstanceSize: z
                .enum(APP_INSTANCE_SIZES, {
                    error: `must be an App Platform size that can scale out: ${APP_INSTANCE_SIZES.join(", ")}`,
                })
                .default(d.appInstanceSize),
            appInstanceCount: int(1, 20, "App Platform web instances").default(d.appInstanceCount),
            attachmentStorage: z
                .enum(["database", "spaces"], { error: "must be database or spaces" })
                .default(d.attachmentStorage),
            appPushSecrets: z.boolean().default(d.appPushSecrets),
            dropletSize: z
                .string()
                .regex(
                    /^[a-z0-9]+(-[a-z0-9]+)+$/,
                    "must be a droplet size slug such as s-2vcpu-4gb",
                )
                .default(d.dropletSize),
            volumeSizeGb: int(10, 16384, "GB of block storage").default(d.volumeSizeGb),
            sshAllowedCidrs: optionalUnless(
                onDroplet,
                z
                    .array(
                        z
                            .string()
                            .refine(
                                (c) => CIDR4.test(c) || CIDR6.test(c),
                                "must be a CIDR such as 203.0.113.7/32",
                            ),
                        { error: "is required: a list of CIDRs allowed to reach SSH" },
                    )
                    .min(1, "needs at least one CIDR: Pulumi reaches Docker on the host over SSH"),
            ),
            sshPublicKey: optionalUnless(
                onDroplet,
                z
                    .string({ error: "is required: the SSH public key of the deploying machine" })
                    .regex(
                        /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$/,
                        "must be an OpenSSH public key (ssh-ed25519 AAAA...)",
                    ),
            ),
            acmeEmail: z
                .string({ error: "is required: Let's Encrypt sends expiry notices there" })
                .regex(EMAIL, "must be an e-mail address"),
            manageZoneSettings: z.boolean().default(d.manageZoneSettings),
            odooVersion: z
                .enum(["17.0", "18.0", "19.0"], { error: "must be 17.0, 18.0 or 19.0" })
                .default(d.odooVersion),
            odooImage: z
                .string()
                .regex(/^[a-z0-9./_:@-]+$/, "must be an image reference such as odoo:18.0")
                .optional(),
            odooWorkers: int(0, 64, "Odoo workers").default(d.odooWorkers),
            odooMaxCronThreads: int(0, 16, "cron threads").default(d.odooMaxCronThreads),
            odooDatabase: z
                .string()
                .regex(DB_NAME, "must be a PostgreSQL name: lower case, digits and _")
                .default(d.odooDatabase),
            odooAddonsPath: z
                .array(z.string(), { error: "must be a list of absolute paths" })
                .default([...d.odooAddonsPath]),
            odooLimitMemorySoftMb: int(256, 65536, "MB").default(d.odooLimitMemorySoftMb),
            odooLimitMemoryHardMb: int(256, 65536, "MB").default(d.odooLimitMemoryHardMb),
            odooLimitTimeCpu: int(10, 86400, "seconds").default(d.odooLimitTimeCpu),
            odooLimitTimeReal: int(10, 86400, "seconds").default(d.odooLimitTimeReal),
            odooContainerMemoryMb: int(512, 262144, "MB").default(d.odooContainerMemoryMb),
            postgresImage: z
                .string()
                .regex(
                    /^postgres:\d+([.-][a-z0-9.]+)?$/,
                    "must be an official image such as postgres:16",
                )
                .default(d.postgresImage),
            smtpHost: z.string().regex(HOSTNAME, "must be a host name").optional(),
            smtpPort: int(1, 65535, "TCP port").optional(),
            smtpUser: z.string().min(1).optional(),
            smtpSsl: z.boolean().optional(),
            smtpFrom: z.string().regex(EMAIL, "must be an e-mail address").optional(),
            backupRegion: z
                .enum(SPACES_REGIONS, {
                    error: `must be a Spaces region: ${SPACES_REGIONS.join(", ")}`,
                })
                .optional(),
            backupBucket: z
                .string()
                .regex(BUCKET, "must be 3-63 characters: lower case, digits and -")
                .optional(),
            backupSchedule: z
                .string()
                .regex(/^(\S+\s+){4}\S+$/, "must be a 5-field cron expression such as 15 2 * * *")
                .optional(),
            resticPassword: z.string().optional(),
            githubRepository: z
                .string()
                .regex(
                    /^[A-Za-z0-9_.-]+$/,
                    "must be a repository name such as odoo (the owner is github:owner)",
                )
                .optional(),
            githubDefaultBranch: z
                .string()
                .regex(/^[\w./-]+$/, "must be a branch name")
                .default("main"),
            githubRequiredChecks: z.array(z.string().min(1)).default(["ci", "policy-preview"]),
            githubProductionReviewers: z
                .array(
                    z
                        .union([z.number(), z.string()])
                        .refine((v) => /^[1-9]\d*$/.test(String(v)), {
                            message:
                                "must be a numeric GitHub user id (gh api users/<login> --jq .id)",
                        })
                        .transform(Number),
                )
                .optional(),
            githubDispatchUrl: z
                .string()
                .regex(/^https:\/\//, "must be an https:// URL")
                .optional(),
            odooImageRepository: z
                .string()
                .regex(
                    /^[a-z0-9][a-z0-9./_-]*$/,
                    "must be an image repository such as ghcr.io/example/odoo",
                )
                .optional(),
            stateBackendUrl: z
                .string()
                .regex(/^(s3|file|gs|azblob|https):\/\//, "must be a Pulumi backend URL")
                .optional(),
            ciPulumiPassphrase: z.string().optional(),
            ciStateAccessKeyId: z.string().optional(),
            ciStateSecretAccessKey: z.string().optional(),
            ciSshPrivateKey: z.string().optional(),
            githubWebhookSecret: z.string().optional(),
            prEnvironments: z
                .object(
                    {
                        max: int(1, 50, "preview environments on the dev host").default(8),
                        ttlDays: int(1, 90, "days before the reaper removes a PR stack").default(
                            14,
                        ),
                        memoryMb: int(256, 16384, "MB per preview Odoo").default(1536),
                    },
                    { error: "must be an object such as {max: 8, ttlDays: 14, memoryMb: 1536}" },
                )
                .strict()
                .optional(),
            alertEmails: z
                .array(z.string().regex(EMAIL, "must be an e-mail address"), {
                    error: "is required: a list of e-mail addresses that receive alerts",
                })
                .min(1, "needs at least one address: an alert nobody receives is a log line"),
            alertSlackChannel: z.string().optional(),
            adminPassword: password("Odoo master password"),
            // A managed cluster generates Odoo's password itself.
            postgresPassword: optionalUnless(
                database === "container",
                password("PostgreSQL password"),
            ),
            smtpPassword: z.string().optional(),
            mailpitUiPassword: z.string().optional(),
            alertSlackUrl: z
                .string()
                .regex(/^https:\/\/hooks\.slack\.com\//, "must be a Slack incoming-webhook URL")
                .optional(),
        })
        .transform((c) => ({
            ...c,
            odooImage: c.odooImage ?? `odoo:${c.odooVersion}`,
            // Production alone sends mail and keeps off-site backups; its keys get defaults.
            smtpPort: production ? (c.smtpPort ?? d.smtpPort) : undefined,
            smtpSsl: production ? (c.smtpSsl ?? d.smtpSsl) : undefined,
            backupSchedule: production ? (c.backupSchedule ?? "15 2 * * *") : undefined,
            prEnvironments:
                stage === "staging"
                    ? (c.prEnvironments ?? { max: 8, ttlDays: 14, memoryMb: 1536 })
                    : undefined,
        }));
}

export type ValidConfig = z.output<ReturnType<typeof configSchema>>;

export interface ConfigProblem {
    /** Full config key, e.g. `odoo-platform:odooWorkers`. */
    readonly key: string;
    readonly message: string;
    /** What was found, rendered for a human; secrets are never shown. */
    readonly found: string;
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
        const fix = remove
            ? `pulumi config rm ${bare.split(/[[.]/)[0]} -s ${stack}`
            : `pulumi config set ${secret ? "--secret " : ""}${pathed} <value> -s ${stack}`;
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
        },
    ]);
}

function renderFound(key: string, value: unknown): string {
    if (value === undefined) return "nothing";
    if (CONFIG_KEYS[key]?.secret) return "[secret]";
    return JSON.stringify(value);
}

/** Reports each of `keys` that is set, with one message: they do not belong in this stack. */
function refuseSet(
    c: Readonly<Record<string, unknown>>,
    keys: readonly string[],
    message: string,
    issue: (key: string, message: string) => void,
): void {
    for (const key of keys) {
        if (c[key] !== undefined) issue(key, message);
    }
}

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

/**
 * Rules across keys and stages. They run on the raw input even when single keys are malformed,
 * so that one run lists every problem; a key of the wrong type is left to the schema.
 */
export function crossChecks(stage: Stage, c: Readonly<Record<string, unknown>>): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const issue = (key: string, message: string) =>
        problems.push({ key: `${PROJECT}:${key}`, message, found: renderFound(key, c[key]) });
    const d = { ...COMMON_DEFAULTS, ...STAGE_DEFAULTS[stage] };
    const num = (key: string, dflt: number) =>
        typeof c[key] === "number" ? (c[key] as number) : dflt;

    if (Array.isArray(c.odooAddonsPath) && c.odooAddonsPath.every((e) => typeof e === "string")) {
        for (const p of addonsPathProblems(c.odooAddonsPath as string[]))
            issue("odooAddonsPath", p);
    }
    const soft = num("odooLimitMemorySoftMb", d.odooLimitMemorySoftMb);
    const hard = num("odooLimitMemoryHardMb", d.odooLimitMemoryHardMb);
    if (soft >= hard) {
        issue("odooLimitMemorySoftMb", `must be below odooLimitMemoryHardMb (${hard})`);
    }
    if ((c.alertSlackChannel === undefined) !== (c.alertSlackUrl === undefined)) {
        issue(
            c.alertSlackChannel === undefined ? "alertSlackChannel" : "alertSlackUrl",
            "alertSlackChannel and alertSlackUrl (secret) go together",
        );
    }
    refuseSet(
        c,
        PREVIEW_ONLY_KEYS,
        `must not be set on a ${stage} stack: it configures pr-<N> stacks`,
        issue,
    );
    if (c.githubRepository !== undefined) {
        for (const key of CI_SECRETS) {
            // On App Platform CI has no host to reach over SSH.
            if (key === "ciSshPrivateKey" && c.runtime === "app-platform") continue;
            if (typeof c[key] !== "string" || (c[key] as string).length === 0) {
                issue(
                    key,
                    "must be set as a secret when githubRepository is set: the GitHub environment's CI needs it",
                );
            }
        }
        if (stage === "production") {
            const ids = c.githubProductionReviewers;
            if (!Array.isArray(ids) || ids.length === 0) {
                issue(
                    "githubProductionReviewers",
                    "needs at least one GitHub user id: production deployments need an approval",
                );
            }
        }
    }
    if (stage !== "production") {
        refuseSet(
            c,
            [
                "githubProductionReviewers",
                "githubDispatchUrl",
                "githubWebhookSecret",
                "githubRequiredChecks",
            ],
            `must not be set on a ${stage} stack: production owns it`,
            issue,
        );
    }
    if ((c.githubDispatchUrl === undefined) !== (c.githubWebhookSecret === undefined)) {
        issue(
            c.githubDispatchUrl === undefined ? "githubDispatchUrl" : "githubWebhookSecret",
            "githubDispatchUrl and githubWebhookSecret (secret) go together",
        );
    }
    if (stage === "production" && c.prEnvironments !== undefined) {
        issue(
            "prEnvironments",
            "must not be set in production: preview environments run on the staging dev host",
        );
    }
    if (stage === "production") {
        const offSite = c.runtime !== "app-platform";
        for (const key of ["smtpHost", "smtpUser", "smtpFrom", "smtpPassword", "backupRegion"]) {
            if (c[key] === undefined && (offSite || key !== "backupRegion")) {
                issue(key, "is required in production (real mail and off-site backups)");
            }
        }
        const rp = c.resticPassword;
        if (offSite && (typeof rp !== "string" || rp.length < 24)) {
            issue(
                "resticPassword",
                "must be set as a secret of at least 24 characters in production",
            );
        }
        if (c.backupRegion !== undefined && c.backupRegion === c.region) {
            issue(
                "backupRegion",
                `must differ from region (${String(c.region)}): a backup in the host's region ` +
                    "is lost with it",
            );
        }
        if (c.mailpitUiPassword !== undefined) {
            issue("mailpitUiPassword", "must not be set in production: production has no Mailpit");
        }
    } else {
        refuseSet(
            c,
            PRODUCTION_ONLY_KEYS,
            `must not be set on a ${stage} stack: outside production mail goes to ` +
                "Mailpit and backups belong to production",
            issue,
        );
        if (c.odooMaxCronThreads !== undefined && c.odooMaxCronThreads !== 0) {
            issue(
                "odooMaxCronThreads",
                `must be 0 on a ${stage} stack: crons must never run on a copy of production data`,
            );
        }
        const mp = c.mailpitUiPassword;
        if (typeof mp !== "string" || mp.length < 12) {
            issue(
                "mailpitUiPassword",
                "must be set as a secret of at least 12 characters: captured mail is customer data",
            );
        }
    }
    runtimeChecks(stage, c, issue);
    return problems;
}

/** Keys only the App Platform runtime reads. */
export const APP_PLATFORM_KEYS = [
    "appInstanceSize",
    "appInstanceCount",
    "attachmentStorage",
    "appPushSecrets",
] as const;

/** Keys only a managed database reads. */
export const MANAGED_DATABASE_KEYS = [
    "databaseSize",
    "databaseNodeCount",
    "databaseVersion",
    "allowDatabaseMajorUpgrade",
] as const;

/** Registries App Platform pulls from, by the host an image reference starts with. */
export const APP_REGISTRY_HOSTS = ["registry.digitalocean.com", "ghcr.io", "docker.io"] as const;

/** Rules of the runtime and database choice (App Platform, managed PostgreSQL). */
function runtimeChecks(
    stage: Stage,
    c: Readonly<Record<string, unknown>>,
    issue: (key: string, message: string) => void,
): void {
    const app = runtimeOf(c) === "app-platform";
    const managed = databaseOf(c) === "managed";
    const production = stage === "production";
    if (app && c.database === "container") {
        issue(
            "database",
            "must be managed with runtime app-platform: App Platform instances have no disk " +
                "that outlives a deploy, so PostgreSQL cannot run beside them",
        );
    }
    if (!app) {
        refuseSet(
            c,
            APP_PLATFORM_KEYS,
            "must not be set on the droplet runtime: it configures runtime app-platform",
            issue,
        );
    }
    if (!managed) {
        refuseSet(
            c,
            MANAGED_DATABASE_KEYS,
            "must not be set with database container: it configures database managed",
            issue,
        );
    }
    if (
        managed &&
        production &&
        typeof c.databaseNodeCount === "number" &&
        c.databaseNodeCount < 2
    ) {
        issue(
            "databaseNodeCount",
            "must be at least 2 in production: a standby node takes over when the primary fails",
        );
    }
    if (app && production && typeof c.appInstanceCount === "number" && c.appInstanceCount < 2) {
        issue(
            "appInstanceCount",
            "must be at least 2 in production: one instance means every deploy and every crash is downtime",
        );
    }
    if (app) {
        const image = c.odooImage;
        if (image === undefined) {
            issue(
                "odooImage",
                "is required with runtime app-platform: the official image lacks the session store " +
                    "and entrypoint App Platform needs; build examples/app-platform/Dockerfile",
            );
        } else if (typeof image === "string" && !appRegistryHost(image)) {
            issue(
                "odooImage",
                `must come from a registry App Platform pulls from (${APP_REGISTRY_HOSTS.join(", ")})`,
            );
        }
        if (
            c.attachmentStorage === "spaces" &&
            !(SPACES_REGIONS as readonly string[]).includes(String(c.region))
        ) {
            issue(
                "attachmentStorage",
                `spaces needs a region with Spaces (${SPACES_REGIONS.join(", ")}); use database`,
            );
        }
        if (stage === "staging" && c.prEnvironments !== undefined) {
            issue(
                "prEnvironments",
                "must not be set with runtime app-platform: preview environments live on the " +
                    "droplet runtime's dev host",
            );
        }
        if (production) {
            refuseSet(
                c,
                ["backupRegion", "backupBucket", "backupSchedule", "resticPassword"],
                "must not be set with runtime app-platform: there the managed cluster's daily " +
                    "backups and point-in-time recovery keep the data (see the README)",
                issue,
            );
        }
    }
    if (stage === "staging" && managed && !app && c.prEnvironments !== undefined) {
        issue(
            "prEnvironments",
            "must not be set with database managed: preview environments clone the template " +
                "database in the dev host's database container",
        );
    }
}

/** The registry host of an image reference App Platform can pull, or undefined. */
export function appRegistryHost(image: string): (typeof APP_REGISTRY_HOSTS)[number] | undefined {
    const first = image.split("/")[0];
    if (!image.includes("/") || !/[.:]/.test(first) || first === "localhost") {
        return first === "localhost" ? undefined : "docker.io";
    }
    return (APP_REGISTRY_HOSTS as readonly string[]).includes(first)
        ? (first as (typeof APP_REGISTRY_HOSTS)[number])
        : undefined;
}

/** Raw config → typed input of this project's keys; unknown keys become problems. */
function collectInput(
    raw: Readonly<Record<string, string | undefined>>,
    problems: ConfigProblem[],
): Record<string, unknown> {
    const input: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(raw)) {
        if (value === undefined) continue;
        const [ns, key] = fullKey.includes(":") ? fullKey.split(":", 2) : [PROJECT, fullKey];
        if (ns !== PROJECT) continue; // provider config such as digitalocean:token
        if (!(key in CONFIG_KEYS)) {
            problems.push({
                key: `${PROJECT}:${key}`,
                message: "is not a setting of this project (a typo?); see the README config table",
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

const MODULE = /^[a-z][a-z0-9_]*$/;
export const DIGEST_IMAGE = /^[a-z0-9][a-z0-9./_:-]*@sha256:[0-9a-f]{64}$/;

/** The config of a `pr-<N>` stack: the PR and the staging stack it lives on, nothing else. */
export function previewSchema(n: number) {
    return z.object({
        pr: z
            .object(
                {
                    number: z
                        .number({ error: "must be the pull request number" })
                        .int("must be the pull request number")
                        .refine(
                            (x) => x === n,
                            `must be ${n}, the number in the stack name pr-${n}`,
                        ),
                    image: z
                        .string({ error: "is required: the PR build's image, pinned by digest" })
                        .regex(
                            DIGEST_IMAGE,
                            "must be pinned by digest: <repository>@sha256:<64 hex>",
                        ),
                    updateModules: z
                        .array(z.string().regex(MODULE, "must be an Odoo module name"))
                        .default([]),
                },
                {
                    error: "is required on a pr-<N> stack: set pr.number and pr.image (with --path)",
                },
            )
            .strict(),
        stagingStack: z
            .string()
            .regex(
                /^[A-Za-z0-9_.\/-]+$/,
                "must be a stack name such as staging or org/odoo-platform/staging",
            )
            .default("staging"),
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
    const input = collectInput(raw, problems);
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
    const input = collectInput(raw, problems);
    const result = configSchema(stage, runtimeOf(input), databaseOf(input)).safeParse(input, {
        reportInput: true,
    });
    problems.push(...crossChecks(stage, input));
    if (!result.success) problems.push(...zodProblems(result.error.issues, input));
    if (problems.length > 0) throw new ConfigError(stack, problems);
    if (!result.success) throw new Error("unreachable: schema failed without issues");
    // Secret values were read only to be validated; they reach resources as pulumi secrets
    // (config.requireSecret in index.ts), never as plain strings from here.
    const {
        adminPassword: _a,
        postgresPassword: _p,
        smtpPassword: _s,
        mailpitUiPassword: _m,
        alertSlackUrl: _u,
        resticPassword: _r,
        ciPulumiPassphrase: _c1,
        ciStateAccessKeyId: _c2,
        ciStateSecretAccessKey: _c3,
        ciSshPrivateKey: _c4,
        githubWebhookSecret: _w,
        ...plain
    } = result.data;
    return { ...plain, stack, stage };
}

export type SecretKey =
    | "adminPassword"
    | "postgresPassword"
    | "smtpPassword"
    | "mailpitUiPassword"
    | "alertSlackUrl"
    | "resticPassword"
    | "ciPulumiPassphrase"
    | "ciStateAccessKeyId"
    | "ciStateSecretAccessKey"
    | "ciSshPrivateKey"
    | "githubWebhookSecret";

export type PlatformConfig = ReturnType<typeof parseConfig>;

/** Secrets a stage must have; the offline preview fills exactly these with placeholders. */
export function requiredSecrets(
    stage: Stage,
    raw: Readonly<Record<string, string>> = {},
): SecretKey[] {
    if (stage === "preview") return []; // a preview stack's secrets come from staging
    const choice = { runtime: raw[`${PROJECT}:runtime`], database: raw[`${PROJECT}:database`] };
    const app = runtimeOf(choice) === "app-platform";
    const managed = databaseOf(choice) === "managed";
    const base: SecretKey[] =
        stage === "production"
            ? [
                  "adminPassword",
                  ...(managed ? [] : (["postgresPassword"] as const)),
                  "smtpPassword",
                  ...(app ? [] : ["resticPassword" as const]),
              ]
            : [
                  "adminPassword",
                  ...(managed ? [] : (["postgresPassword"] as const)),
                  "mailpitUiPassword",
              ];
    const wired = raw[`${PROJECT}:githubRepository`] !== undefined;
    const dispatch = raw[`${PROJECT}:githubDispatchUrl`] !== undefined;
    return [
        ...base,
        ...(wired ? CI_SECRETS.filter((k) => !app || k !== "ciSshPrivateKey") : []),
        ...(dispatch ? (["githubWebhookSecret"] as const) : []),
    ];
}

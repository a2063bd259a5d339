/**
 * The project's config keys: their table (the source of Pulumi.yaml), the stages and the regions.
 * Defaults and the key sets per stage and runtime are in stages.ts.
 */

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
    odooUpdateModules: {
        type: "array",
        description:
            "App Platform: modules the PRE_DEPLOY job updates on this deploy (the release workflow sets them).",
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
    sshPublicKey: {
        type: "string",
        description:
            "The platform's deploy key (root, key only): Pulumi's Docker provider and CI; people use their own (people).",
    },
    people: {
        type: "object",
        description:
            "Droplet runtime: who may log in, {<login>: {role: admin|developer|tester, sshKey}}; production takes admins only.",
    },
    logService: {
        type: "string",
        description:
            "Log service every log line of the stack goes to: papertrail. Unset: host only.",
    },
    logRetentionDays: {
        type: "integer",
        description: "Days each host keeps its own copy of every log line (journald).",
    },
    logDestination: {
        type: "string",
        secret: true,
        description: "With logService: the destination, syslog+tls://logsN.papertrailapp.com:PORT.",
    },
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
        description:
            "Addons path (default: the image's: core only for the official image, else stacks/addons-path.json).",
    },
    vpcIpRange: {
        type: "string",
        description:
            "IPv4 range of the host's VPC; each stack of an account needs its own (DigitalOcean refuses overlaps).",
    },
    appRegistryCredentials: {
        type: "string",
        secret: true,
        description:
            "App Platform: <user>:<token> that pulls a private image from GHCR or Docker Hub.",
    },
    odooLimitMemorySoftMb: { type: "integer", description: "Odoo limit_memory_soft per worker." },
    odooLimitMemoryHardMb: { type: "integer", description: "Odoo limit_memory_hard per worker." },
    odooLimitTimeCpu: { type: "integer", description: "Odoo limit_time_cpu in seconds." },
    odooLimitTimeReal: { type: "integer", description: "Odoo limit_time_real in seconds." },
    odooContainerMemoryMb: {
        type: "integer",
        description:
            "Memory limit of the Odoo container (default: what its processes may use at their hard limit).",
    },
    postgresImage: { type: "string", description: "PostgreSQL image for the database container." },
    smtpHost: { type: "string", description: "Production outgoing mail server (production only)." },
    smtpPort: { type: "integer", description: "Production SMTP port (production only)." },
    smtpUser: { type: "string", description: "Production SMTP user (production only)." },
    smtpEncryption: {
        type: "string",
        description:
            "Production SMTP encryption: starttls (default) or none; Odoo's flags speak no implicit TLS.",
    },
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
    anonymize: {
        type: "string",
        description:
            "Staging: personal data of the copy and the preview template: `personal-data` (default) or `off`.",
    },
    nonProdAccess: {
        type: "string",
        description:
            "Non-production: the door in front of staging, previews and Mailpit: `basic` (default, at Traefik).",
    },
    nonProdAccessPassword: {
        type: "string",
        secret: true,
        description:
            "Non-production, droplet runtime: password of the door (user `team`), at least 20 characters.",
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
        description:
            "Production: commit statuses the default branch requires (default: the build's and the tests').",
    },
    platformRepository: {
        type: "string",
        description:
            "This repository (owner/name): the Odoo repository's workflows run its build and deploys.",
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
    ciPlatformDeployToken: {
        type: "string",
        secret: true,
        description:
            "Token of the Odoo repository's deployments: runs this repository's release workflow (Actions: write).",
    },
    ciSshPrivateKey: {
        type: "string",
        secret: true,
        description: "SSH private key CI uses to reach this stage's host.",
    },
    gitopsKeys: {
        type: "array",
        description:
            "Production: the keys a signed GitOps dispatch may set (ops/kv/<key>.txt of the Odoo repository, by pull request).",
    },
    alertErrorRatePercent: {
        type: "integer",
        description:
            "Droplet runtime: alert when more than this percent of Odoo's requests over 5 minutes answer 5xx.",
    },
    alertLatencyP95Ms: {
        type: "integer",
        description:
            "Droplet runtime: alert when the 95th percentile of Odoo's request durations over 5 minutes exceeds this many ms.",
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

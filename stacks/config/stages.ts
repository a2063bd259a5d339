/** Per stage and runtime: defaults, the keys that belong, and the secrets each needs. */
import { PROJECT, Stage } from "./keys";
/** Per-stage defaults: the only place a default value is written. */
export const STAGE_DEFAULTS = {
    production: {
        dropletSize: "s-4vcpu-8gb",
        volumeSizeGb: 100,
        odooWorkers: 4,
        odooMaxCronThreads: 2,
        odooDatabase: "odoo",
        vpcIpRange: "10.60.0.0/20",
        manageZoneSettings: true,
        databaseSize: "db-s-1vcpu-2gb",
        databaseNodeCount: 2,
        appInstanceCount: 2,
        logRetentionDays: 30,
    },
    staging: {
        dropletSize: "s-2vcpu-4gb",
        volumeSizeGb: 50,
        odooWorkers: 2,
        odooMaxCronThreads: 0,
        odooDatabase: "odoo_staging",
        vpcIpRange: "10.60.16.0/20",
        manageZoneSettings: false,
        databaseSize: "db-s-1vcpu-1gb",
        databaseNodeCount: 1,
        appInstanceCount: 1,
        logRetentionDays: 14,
    },
    preview: {
        dropletSize: "s-2vcpu-4gb",
        volumeSizeGb: 50,
        odooWorkers: 0,
        odooMaxCronThreads: 0,
        odooDatabase: "odoo_preview",
        // A pr-<N> stack has no VPC of its own: it runs on the staging host.
        vpcIpRange: "10.60.16.0/20",
        manageZoneSettings: false,
        databaseSize: "db-s-1vcpu-1gb",
        databaseNodeCount: 1,
        appInstanceCount: 1,
        logRetentionDays: 14,
    },
} as const satisfies Record<Stage, object>;

export const COMMON_DEFAULTS = {
    runtime: "droplet",
    database: "container",
    databaseVersion: "16",
    allowDatabaseMajorUpgrade: false,
    appInstanceSize: "apps-s-1vcpu-2gb",
    appPushSecrets: false,
    odooVersion: "18.0",
    // Per process. Odoo 18's HTTP worker measured 270 MB of address space and 110 MB resident
    // (base, web, mail); 768 MB leaves room for reports and imports while a 4 GB staging host
    // still holds two workers at their limit (stacks/config/sizing.ts).
    odooLimitMemorySoftMb: 640,
    odooLimitMemoryHardMb: 768,
    odooLimitTimeCpu: 600,
    odooLimitTimeReal: 1200,
    // The release the backup and restore tests run (Debian bookworm's PostgreSQL 15, supported
    // until 2027-11); a test holds the two equal.
    postgresImage: "postgres:15",
    // DigitalOcean blocks outbound 25, 465 and 587 from droplets; relays such as SendGrid,
    // Mailgun, Postmark, Brevo and Amazon SES also listen on 2525.
    smtpPort: 2525,
    smtpEncryption: "starttls",
    // The statuses odoo-build.yml and odoo-tests.yml report on every push and pull request.
    githubRequiredChecks: ["odoo-platform/build", "odoo-platform/tests"],
} as const;

/** Keys that were renamed or replaced, with what a stack file should say instead. */
export const REPLACED_KEYS: Readonly<Record<string, string>> = {
    attachmentStorage:
        "was removed: on App Platform attachments live in the database, since no maintained " +
        "module stores Odoo 17-19 attachments in S3 (camptocamp's attachment_s3 stops at 15.0)",
    smtpSsl:
        "was replaced by smtpEncryption: set it to starttls (what --smtp-ssl meant) or none, " +
        "then remove smtpSsl",
};

/**
 * Secrets the Odoo repository's GitHub environments receive when githubRepository is set: every
 * stage's deployments run the platform repository's release workflow with a token; staging's
 * stack also gives the `preview` environment what its pull requests' environments need (the
 * state backend and the dev host), where there is a dev host (the droplet runtime).
 */
export function ciSecretsOf(stage: Stage, runtime: Runtime): SecretKey[] {
    const previews: SecretKey[] =
        stage === "staging" && runtime === "droplet"
            ? [
                  "ciPulumiPassphrase",
                  "ciStateAccessKeyId",
                  "ciStateSecretAccessKey",
                  "ciSshPrivateKey",
              ]
            : [];
    return ["ciPlatformDeployToken", ...previews];
}

/** Keys only a pr-<N> stack carries. */
export const PREVIEW_ONLY_KEYS = ["pr", "stagingStack"] as const;

/** Keys a non-production stack must not carry: production mail and production backups. */
export const PRODUCTION_ONLY_KEYS = [
    "smtpHost",
    "smtpPort",
    "smtpUser",
    "smtpEncryption",
    "smtpFrom",
    "smtpPassword",
    "backupRegion",
    "backupBucket",
    "backupSchedule",
    "resticPassword",
] as const;

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

/** Keys only the App Platform runtime reads. */
export const APP_PLATFORM_KEYS = [
    "appInstanceSize",
    "appInstanceCount",
    "appRegistryCredentials",
    "odooUpdateModules",
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

export type SecretKey =
    | "adminPassword"
    | "postgresPassword"
    | "smtpPassword"
    | "mailpitUiPassword"
    | "nonProdAccessPassword"
    | "alertSlackUrl"
    | "resticPassword"
    | "ciPulumiPassphrase"
    | "ciStateAccessKeyId"
    | "ciStateSecretAccessKey"
    | "ciSshPrivateKey"
    | "ciPlatformDeployToken"
    | "githubWebhookSecret"
    | "appRegistryCredentials"
    | "logDestination";

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
                  // A relay without login takes neither user nor password.
                  ...(raw[`${PROJECT}:smtpUser`] === undefined ? [] : ["smtpPassword" as const]),
                  // Both runtimes back up off-site (App Platform: the app's backup worker).
                  "resticPassword",
              ]
            : [
                  "adminPassword",
                  ...(managed ? [] : (["postgresPassword"] as const)),
                  "mailpitUiPassword",
                  ...(app ? [] : (["nonProdAccessPassword"] as const)),
              ];
    const wired = raw[`${PROJECT}:githubRepository`] !== undefined;
    const dispatch = raw[`${PROJECT}:githubDispatchUrl`] !== undefined;
    return [
        ...base,
        ...(wired ? ciSecretsOf(stage, app ? "app-platform" : "droplet") : []),
        ...(dispatch ? (["githubWebhookSecret"] as const) : []),
        ...(raw[`${PROJECT}:logService`] !== undefined ? (["logDestination"] as const) : []),
    ];
}

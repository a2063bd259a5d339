/** The zod schema of a stack's config, and of a pr-<N> stack's. */
import { z } from "zod";
import { DROPLET_REGIONS, SPACES_REGIONS, Stage } from "./keys";
import {
    APP_INSTANCE_SIZES,
    COMMON_DEFAULTS,
    DATABASE_VERSIONS,
    RUNTIMES,
    Runtime,
    STAGE_DEFAULTS,
} from "./stages";
import { addonsPathFor } from "../addons";
import { cidrProblem } from "../../policy/lib/net";
import { DATABASE_SIZES, DROPLET_SIZES } from "../prices";
import { cronProblem } from "../../components/cron";
import { ANONYMIZE_MODES } from "../../components/anonymization";
import { NON_PROD_ACCESS } from "../../components/door";
import { GITOPS_KEY } from "../../components/gitops";
import { vpcRangeProblem } from "./network";
import { odooMemoryNeedMb } from "./sizing";
import { Person, ROLES, peopleProblems, sshKeyProblem } from "../../components/host-access";
import { LOG_SERVICES } from "../../components/log-shipping";

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DB_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const MODULE = /^[a-z][a-z0-9_]*$/;
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
                .enum(DATABASE_SIZES, {
                    error: `must be a managed database size DigitalOcean offers: ${DATABASE_SIZES.join(", ")}`,
                })
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
            appPushSecrets: z.boolean().default(d.appPushSecrets),
            odooUpdateModules: z
                .array(z.string().regex(MODULE, "must be an Odoo module name"))
                .default([]),
            dropletSize: z
                .string()
                .refine(
                    (size) => size in DROPLET_SIZES,
                    "must be a droplet size DigitalOcean offers, e.g. s-2vcpu-4gb, s-4vcpu-8gb, " +
                        "g-2vcpu-8gb (doctl compute size list)",
                )
                .default(d.dropletSize),
            volumeSizeGb: int(10, 16384, "GB of block storage").default(d.volumeSizeGb),
            sshAllowedCidrs: optionalUnless(
                onDroplet,
                z
                    .array(
                        // As the firewall stores it: a valid range in its canonical spelling
                        // (another spelling would show a change on every up).
                        z.string().superRefine((c, ctx) => {
                            const problem = cidrProblem(c);
                            if (problem !== undefined)
                                ctx.addIssue({ code: "custom", message: problem });
                        }),
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
            // A map by login name (Pulumi's project config declares no list of objects):
            // {alice: {role: admin, sshKey: "ssh-ed25519 AAAA..."}}.
            people: z
                .record(
                    // Login names are checked with the list below, so that one run names
                    // every problem.
                    z.string(),
                    z
                        .object(
                            {
                                sshKey: z
                                    .string({ error: "is required: the person's own public key" })
                                    .superRefine((k, ctx) => {
                                        const problem = sshKeyProblem(k);
                                        if (problem !== undefined)
                                            ctx.addIssue({ code: "custom", message: problem });
                                    }),
                                role: z.enum(ROLES, {
                                    error: "must be admin, developer or tester (Odoo.sh's roles)",
                                }),
                            },
                            { error: "must be {role, sshKey}" },
                        )
                        .strict(),
                    { error: "must be a map of login name to {role, sshKey}" },
                )
                .transform((m) => Object.entries(m).map(([name, p]): Person => ({ name, ...p })))
                .superRefine((people, ctx) => {
                    for (const [at, message] of peopleProblems(stage, people)) {
                        const m = /^\[(\d+)\](?:\.(\w+))?$/.exec(at);
                        const person = m ? people[Number(m[1])] : undefined;
                        const field = m?.[2];
                        ctx.addIssue({
                            code: "custom",
                            message,
                            path: person ? [person.name, ...(field ? [field] : [])] : [],
                        });
                    }
                })
                .default([]),
            logService: z
                .enum(LOG_SERVICES, { error: `must be a log service: ${LOG_SERVICES.join(", ")}` })
                .optional(),
            logRetentionDays: int(1, 365, "days").default(d.logRetentionDays),
            logDestination: z.string().optional(),
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
                .optional(),
            odooLimitMemorySoftMb: int(256, 65536, "MB").default(d.odooLimitMemorySoftMb),
            odooLimitMemoryHardMb: int(256, 65536, "MB").default(d.odooLimitMemoryHardMb),
            odooLimitTimeCpu: int(10, 86400, "seconds").default(d.odooLimitTimeCpu),
            odooLimitTimeReal: int(10, 86400, "seconds").default(d.odooLimitTimeReal),
            odooContainerMemoryMb: int(512, 262144, "MB").optional(),
            vpcIpRange: z
                .string()
                .superRefine((v, ctx) => {
                    const problem = vpcRangeProblem(v);
                    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
                })
                .default(d.vpcIpRange),
            postgresImage: z
                .string()
                .regex(
                    /^postgres:\d+([.-][a-z0-9.]+)?$/,
                    "must be an official image such as postgres:15",
                )
                .default(d.postgresImage),
            smtpHost: z.string().regex(HOSTNAME, "must be a host name").optional(),
            smtpPort: int(1, 65535, "TCP port").optional(),
            smtpUser: z.string().min(1).optional(),
            smtpEncryption: z
                .enum(["starttls", "none"], {
                    error:
                        "must be starttls or none: Odoo's --smtp-ssl is STARTTLS, and no flag " +
                        "speaks implicit TLS (port 465); that takes an outgoing mail server record " +
                        "in Odoo's settings",
                })
                .optional(),
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
                .superRefine((v, ctx) => {
                    const problem = cronProblem(v);
                    if (problem !== undefined) {
                        ctx.addIssue({
                            code: "custom",
                            message: `must be a cron expression such as 15 2 * * * (UTC): ${problem}`,
                        });
                    }
                })
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
            githubRequiredChecks: z.array(z.string().min(1)).default([...d.githubRequiredChecks]),
            platformRepository: z
                .string()
                .regex(
                    /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/,
                    "must be owner/name of this repository, e.g. acme/odoo-platform",
                )
                .optional(),
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
            ciPlatformDeployToken: z.string().optional(),
            githubWebhookSecret: z.string().optional(),
            gitopsKeys: z
                .array(
                    z
                        .string()
                        .regex(
                            GITOPS_KEY,
                            "must be a lower-case name of up to 63 letters, digits, '.', '_' or '-' (it names ops/kv/<key>.txt)",
                        ),
                )
                .min(1, "needs at least one key, or leave gitopsKeys unset")
                .optional(),
            alertErrorRatePercent: int(1, 100, "percent of requests").default(5),
            alertLatencyP95Ms: int(50, 600000, "milliseconds").default(2000),
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
            appRegistryCredentials: z
                .string()
                .regex(
                    /^[^\s:]+:\S+$/,
                    "must be <user>:<token>, e.g. a GitHub user and a token with read:packages",
                )
                .optional(),
            mailpitUiPassword: z.string().optional(),
            anonymize: z
                .enum(ANONYMIZE_MODES, {
                    error: `must be ${ANONYMIZE_MODES.join(" or ")}`,
                })
                .optional(),
            nonProdAccess: z
                .enum(NON_PROD_ACCESS, {
                    error: `must be ${NON_PROD_ACCESS.join(" or ")}`,
                })
                .optional(),
            nonProdAccessPassword: z.string().optional(),
            alertSlackUrl: z
                .string()
                .regex(/^https:\/\/hooks\.slack\.com\//, "must be a Slack incoming-webhook URL")
                .optional(),
        })
        .transform((c) => {
            const odooImage = c.odooImage ?? `odoo:${c.odooVersion}`;
            const processes = {
                workers: c.odooWorkers,
                cronThreads: c.odooMaxCronThreads,
                limitMemoryHardMb: c.odooLimitMemoryHardMb,
            };
            return {
                ...c,
                odooImage,
                odooAddonsPath: c.odooAddonsPath ?? [...addonsPathFor(odooImage)],
                odooContainerMemoryMb: c.odooContainerMemoryMb ?? odooMemoryNeedMb(processes),
                // Production alone sends mail and keeps off-site backups; its keys get defaults.
                smtpPort: production ? (c.smtpPort ?? d.smtpPort) : undefined,
                smtpEncryption: production ? (c.smtpEncryption ?? d.smtpEncryption) : undefined,
                backupSchedule: production ? (c.backupSchedule ?? "15 2 * * *") : undefined,
                // A copy of production: its people anonymized unless the stack says off.
                anonymize: stage === "staging" ? (c.anonymize ?? "personal-data") : undefined,
                nonProdAccess: production ? undefined : (c.nonProdAccess ?? "basic"),
                prEnvironments:
                    stage === "staging"
                        ? (c.prEnvironments ?? { max: 8, ttlDays: 14, memoryMb: 1536 })
                        : undefined,
            };
        });
}

export type ValidConfig = z.output<ReturnType<typeof configSchema>>;

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

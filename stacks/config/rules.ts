/** Rules across keys, stages, the runtime and the database choice. */
import { addonsPathProblems } from "../addons";
import {
    APP_PLATFORM_KEYS,
    APP_REGISTRY_HOSTS,
    CI_SECRETS,
    COMMON_DEFAULTS,
    MANAGED_DATABASE_KEYS,
    PREVIEW_ONLY_KEYS,
    PRODUCTION_ONLY_KEYS,
    PROJECT,
    SPACES_REGIONS,
    STAGE_DEFAULTS,
    Stage,
    databaseOf,
    runtimeOf,
} from "./keys";
import { ConfigProblem, renderFound } from "./problems";

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

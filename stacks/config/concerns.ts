/** Rules of one concern each: runtime and database, addons path, memory, VPC, mail, connections. */
import { CORE_ADDONS_PATH, addonsPathFor, addonsPathProblems, isOfficialImage } from "../addons";
import { MIN_WEB_CONNECTIONS, webMaxConnections } from "../../components/app-spec";
import { connectionLimit } from "../../components/managed-database";
import { dropletMemoryMb } from "../prices";
import { Stage } from "./keys";
import {
    APP_PLATFORM_KEYS,
    APP_REGISTRY_HOSTS,
    COMMON_DEFAULTS,
    MANAGED_DATABASE_KEYS,
    STAGE_DEFAULTS,
    databaseOf,
    runtimeOf,
} from "./stages";
import { rangesOverlap } from "./network";
import { hostReserveMb, odooMemoryArithmetic, odooMemoryNeedMb } from "./sizing";

/** Reports each of `keys` that is set, with one message: they do not belong in this stack. */
export function refuseSet(
    c: Readonly<Record<string, unknown>>,
    keys: readonly string[],
    message: string,
    issue: (key: string, message: string) => void,
): void {
    for (const key of keys) {
        if (c[key] !== undefined) issue(key, message);
    }
}

/** Keys of the droplet runtime's host: a config that sets one on App Platform is a mistake. */
const DROPLET_KEYS = [
    "dropletSize",
    "volumeSizeGb",
    "sshAllowedCidrs",
    "sshPublicKey",
    "logRetentionDays",
] as const;

/** Rules of the runtime and database choice (App Platform, managed PostgreSQL). */
export function runtimeChecks(
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
    if (app) {
        refuseSet(
            c,
            DROPLET_KEYS,
            "must not be set with runtime app-platform: it configures the droplet runtime's host " +
                "(App Platform runs no droplet, volume or journald of ours; appInstanceSize and " +
                "appInstanceCount size the app)",
            issue,
        );
        refuseSet(
            c,
            ["odooWorkers", "odooContainerMemoryMb", "vpcIpRange"],
            "must not be set with runtime app-platform: its web instances run Odoo's threaded " +
                "server (one process per instance, scaled by appInstanceCount) in App Platform's " +
                "own network",
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
    if (managed) {
        refuseSet(
            c,
            ["postgresImage"],
            "must not be set with database managed: no PostgreSQL container runs, and the client " +
                "tools (pg_dump, pg_restore, psql) run postgres:<databaseVersion>, the cluster's " +
                "major version (pg_dump refuses a newer server); remove postgresImage",
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
    if (app) webConnectionChecks(stage, c, issue);
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
                    "and entrypoint App Platform needs; build your repository with the platform's build " +
                    '(README, "Bring your Odoo repository")',
            );
        } else if (typeof image === "string" && !appRegistryHost(image)) {
            issue(
                "odooImage",
                `must come from a registry App Platform pulls from (${APP_REGISTRY_HOSTS.join(", ")})`,
            );
        }
        if (stage === "staging" && c.prEnvironments !== undefined) {
            issue(
                "prEnvironments",
                "must not be set with runtime app-platform: preview environments live on the " +
                    "droplet runtime's dev host",
            );
        }
        // Production's off-site backups run in the app's backup worker, once a day.
        const schedule = c.backupSchedule;
        if (
            production &&
            typeof schedule === "string" &&
            !/^\s*([0-5]?[0-9])\s+([01]?[0-9]|2[0-3])\s+\*\s+\*\s+\*\s*$/.test(schedule)
        ) {
            issue(
                "backupSchedule",
                'must be daily ("<minute> <hour> * * *") with runtime app-platform: its backup ' +
                    "worker runs once a day at that time",
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

export type Issue = (key: string, message: string) => void;

/** The image a raw config runs: as set, or the official image of its Odoo version. */
export function imageOf(stage: Stage, c: Readonly<Record<string, unknown>>): string {
    const version = typeof c.odooVersion === "string" ? c.odooVersion : COMMON_DEFAULTS.odooVersion;
    return typeof c.odooImage === "string" ? c.odooImage : `odoo:${version}`;
}

/**
 * The addons path must be one the image starts with: Odoo exits when an entry is missing or
 * holds no module (`option --addons-path: no such directory`, observed on Odoo 17 and 18).
 */
export function addonsPathChecks(stage: Stage, c: Readonly<Record<string, unknown>>, issue: Issue) {
    const path = c.odooAddonsPath;
    if (!Array.isArray(path) || !path.every((e) => typeof e === "string")) return;
    for (const p of addonsPathProblems(path as string[])) issue("odooAddonsPath", p);
    const image = imageOf(stage, c);
    const expected = addonsPathFor(image);
    if (path.join(",") === expected.join(",")) return;
    if (isOfficialImage(image)) {
        const lacking = (path as string[]).filter((e) => e !== CORE_ADDONS_PATH);
        issue(
            "odooAddonsPath",
            `names ${lacking.join(", ") || "no core entry"}, which the official image ${image} ` +
                `does not hold (it has ${CORE_ADDONS_PATH} only): Odoo would exit at start with ` +
                "'option --addons-path: no such directory'. Build your image with the platform's " +
                'build (README, "Bring your Odoo repository") and set odooImage to it, or remove ' +
                "odooAddonsPath",
        );
    } else {
        issue(
            "odooAddonsPath",
            `must be the path the platform's build puts in ${image}: ${expected.join(",")} ` +
                "(stacks/addons-path.json); remove odooAddonsPath, or change " +
                "stacks/addons-path.json and rebuild the image",
        );
    }
}

/**
 * The Odoo container must hold its processes at their hard limit, and the droplet must hold the
 * container beside PostgreSQL, Traefik, the backup job and Mailpit. Both with the arithmetic.
 */
export function memoryChecks(stage: Stage, c: Readonly<Record<string, unknown>>, issue: Issue) {
    const d = { ...COMMON_DEFAULTS, ...STAGE_DEFAULTS[stage] };
    const n = (key: keyof typeof d) => (typeof c[key] === "number" ? (c[key] as number) : d[key]);
    const processes = {
        workers: n("odooWorkers") as number,
        // Outside production crons are refused anyway; count what will run.
        cronThreads: stage === "production" ? (n("odooMaxCronThreads") as number) : 0,
        limitMemoryHardMb: n("odooLimitMemoryHardMb") as number,
    };
    const need = odooMemoryNeedMb(processes);
    const set = c.odooContainerMemoryMb;
    if (typeof set === "number" && set < need) {
        issue(
            "odooContainerMemoryMb",
            `must hold every Odoo process at its hard limit: ${odooMemoryArithmetic(processes)}; ` +
                "below that the kernel kills a worker mid-request before Odoo's limit acts. " +
                "Raise it, or lower odooWorkers, odooMaxCronThreads or odooLimitMemoryHardMb",
        );
        return;
    }
    const container = typeof set === "number" ? set : need;
    const size = typeof c.dropletSize === "string" ? c.dropletSize : d.dropletSize;
    const memory = dropletMemoryMb(size);
    if (memory === undefined) return; // an unknown size is the schema's problem
    const reserve = hostReserveMb({
        production: stage === "production",
        databaseContainer: databaseOf(c) === "container",
    });
    if (container + reserve > memory) {
        issue(
            typeof c.dropletSize === "string" ? "dropletSize" : "odooContainerMemoryMb",
            `${size} has ${memory} MB, less than the Odoo container's ${container} MB ` +
                `(${typeof set === "number" ? "odooContainerMemoryMb" : odooMemoryArithmetic(processes)}) ` +
                `plus ${reserve} MB for the system, PostgreSQL, Traefik, backups` +
                `${stage === "production" ? "" : " and Mailpit"}. Pick a larger dropletSize, or ` +
                "lower odooWorkers, odooMaxCronThreads or odooLimitMemoryHardMb",
        );
    }
}

/** Each stack's VPC needs its own range: DigitalOcean refuses overlapping ones in one account. */
export function vpcChecks(stage: Stage, c: Readonly<Record<string, unknown>>, issue: Issue) {
    if (typeof c.vpcIpRange !== "string" || stage === "preview") return;
    const other = stage === "production" ? "staging" : "production";
    const theirs = STAGE_DEFAULTS[other].vpcIpRange;
    if (rangesOverlap(c.vpcIpRange, theirs)) {
        issue(
            "vpcIpRange",
            `overlaps ${theirs}, the ${other === "production" ? "prod" : "staging"} stack's ` +
                "default range: DigitalOcean refuses overlapping VPC ranges in one account. " +
                "Pick a range of your own (e.g. 10.61.0.0/20)",
        );
    }
}

/** SMTP ports DigitalOcean blocks for outbound traffic from droplets. */
export const BLOCKED_SMTP_PORTS = [25, 465, 587] as const;

/** Production mail must leave the host and must not carry its password in the clear. */
export function smtpChecks(c: Readonly<Record<string, unknown>>, issue: Issue) {
    const port = c.smtpPort;
    if (
        runtimeOf(c) === "droplet" &&
        typeof port === "number" &&
        (BLOCKED_SMTP_PORTS as readonly number[]).includes(port)
    ) {
        issue(
            "smtpPort",
            `is blocked for outbound mail from DigitalOcean droplets (25, and 465 and 587 since ` +
                "2025-03-06): Odoo could never send. Use your relay's port 2525 (SendGrid, " +
                "Mailgun, Postmark, Brevo and Amazon SES listen there) with smtpEncryption starttls",
        );
    }
    if ((c.smtpUser === undefined) !== (c.smtpPassword === undefined)) {
        issue(
            c.smtpUser === undefined ? "smtpUser" : "smtpPassword",
            "smtpUser and smtpPassword (secret) go together; leave both out for a relay that " +
                "takes mail without login",
        );
    }
    if (c.smtpEncryption === "none" && c.smtpUser !== undefined) {
        issue(
            "smtpEncryption",
            "none would send smtpUser's password unencrypted to the relay: use starttls",
        );
    }
}

/** Each web instance needs a usable share of the managed cluster's connections. */
export function webConnectionChecks(
    stage: Stage,
    c: Readonly<Record<string, unknown>>,
    issue: Issue,
) {
    const d = { ...COMMON_DEFAULTS, ...STAGE_DEFAULTS[stage] };
    const size = typeof c.databaseSize === "string" ? c.databaseSize : d.databaseSize;
    const instances =
        typeof c.appInstanceCount === "number" ? c.appInstanceCount : d.appInstanceCount;
    const cron =
        stage === "production"
            ? typeof c.odooMaxCronThreads === "number"
                ? c.odooMaxCronThreads
                : d.odooMaxCronThreads
            : 0;
    const limit = connectionLimit(size);
    const share = webMaxConnections({ connectionLimit: limit, instances, cronThreads: cron });
    if (share < MIN_WEB_CONNECTIONS) {
        issue(
            typeof c.appInstanceCount === "number" ? "appInstanceCount" : "databaseSize",
            `leaves each of ${instances} web instances ${share} connections of ${size}'s ${limit} ` +
                `(the cron worker and the upgrade job keep their own); give the cluster a larger ` +
                `databaseSize, or run fewer, larger instances (at least ${MIN_WEB_CONNECTIONS} each)`,
        );
    }
}

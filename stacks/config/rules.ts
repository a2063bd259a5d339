/** Rules across keys, stages, the runtime and the database choice. */
import { PROJECT, Stage } from "./keys";
import {
    ciSecretsOf,
    COMMON_DEFAULTS,
    PREVIEW_ONLY_KEYS,
    PRODUCTION_ONLY_KEYS,
    STAGE_DEFAULTS,
    runtimeOf,
} from "./stages";
import {
    refuseSet,
    runtimeChecks,
    addonsPathChecks,
    memoryChecks,
    vpcChecks,
    smtpChecks,
} from "./concerns";
import { ConfigProblem, renderFound } from "./problems";
import { logDestinationProblem } from "../../components/log-shipping";

/** logService and its destination (secret) go together, the destination in the service's form. */
function logChecks(
    c: Readonly<Record<string, unknown>>,
    issue: (key: string, message: string) => void,
): void {
    const dest = c.logDestination;
    if (c.logService === undefined) {
        if (dest !== undefined) {
            issue("logService", "is required with logDestination: name the service (papertrail)");
        }
        return;
    }
    if (c.logService !== "papertrail") return; // the schema names the services
    if (typeof dest !== "string" || dest.length === 0) {
        issue("logDestination", "must be set as a secret with logService: where the logs go");
        return;
    }
    const problem = logDestinationProblem("papertrail", dest);
    if (problem !== undefined) issue("logDestination", problem);
}
import { doorChecks } from "./copies";

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

    addonsPathChecks(stage, c, issue);
    const soft = num("odooLimitMemorySoftMb", d.odooLimitMemorySoftMb);
    const hard = num("odooLimitMemoryHardMb", d.odooLimitMemoryHardMb);
    if (soft >= hard) {
        issue("odooLimitMemorySoftMb", `must be below odooLimitMemoryHardMb (${hard})`);
    }
    if (runtimeOf(c) === "droplet") memoryChecks(stage, c, issue);
    vpcChecks(stage, c, issue);
    if (stage === "production") smtpChecks(c, issue);
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
        if (stage === "staging" && c.platformRepository === undefined) {
            issue(
                "platformRepository",
                "is required with githubRepository: the Odoo repository's workflows run this " +
                    "repository's build and deploys, and read its name from this variable",
            );
        }
        for (const key of ciSecretsOf(stage, runtimeOf(c))) {
            if (typeof c[key] !== "string" || (c[key] as string).length === 0) {
                issue(
                    key,
                    "must be set as a secret when githubRepository is set: the Odoo repository's " +
                        "GitHub environments need it",
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
                "gitopsKeys",
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
    if (c.gitopsKeys !== undefined && c.githubWebhookSecret === undefined) {
        issue(
            "gitopsKeys",
            "needs githubWebhookSecret (secret) and githubDispatchUrl: the dispatches are signed with that secret",
        );
    }
    if (c.gitopsKeys !== undefined && c.githubRepository === undefined) {
        issue("gitopsKeys", "needs githubRepository: the keys are set in that repository");
    }
    if (stage === "production" && c.prEnvironments !== undefined) {
        issue(
            "prEnvironments",
            "must not be set in production: preview environments run on the staging dev host",
        );
    }
    if (stage === "production") {
        // Both runtimes back up off-site: the droplet's backup job, App Platform's backup worker.
        for (const key of ["smtpHost", "smtpFrom", "backupRegion"]) {
            if (c[key] === undefined) {
                issue(key, "is required in production (real mail and off-site backups)");
            }
        }
        const rp = c.resticPassword;
        if (typeof rp !== "string" || rp.length < 24) {
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
        refuseSet(
            c,
            ["anonymize", "nonProdAccess", "nonProdAccessPassword"],
            "must not be set in production: it configures the copies of production " +
                "(staging and the preview environments)",
            issue,
        );
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
        doorChecks(stage, c, issue);
        const mp = c.mailpitUiPassword;
        if (typeof mp !== "string" || mp.length < 12) {
            issue(
                "mailpitUiPassword",
                "must be set as a secret of at least 12 characters: captured mail is customer data",
            );
        }
    }
    logChecks(c, issue);
    if (
        runtimeOf(c) === "app-platform" &&
        typeof c.people === "object" &&
        c.people !== null &&
        Object.keys(c.people).length > 0
    ) {
        issue(
            "people",
            "is for the droplet runtime: App Platform has no host to log in to. Give people " +
                "DigitalOcean team roles; `doctl apps console <app-id> web` opens a shell there",
        );
    }
    runtimeChecks(stage, c, issue);
    return problems;
}

import { StackValidationPolicy } from "@pulumi/policy";
import {
    AppProps,
    ContainerProps,
    T,
    appMailpits,
    appOdooProcesses,
    env,
    flag,
    isMailpit,
    isOdoo,
    stageOf,
    stageSchema,
    uploadedConf,
} from "./lib";

/**
 * Staging and preview Odoo run on copies of production data: no cron may run, every mail must
 * land in the stack's own Mailpit, the stage must be visible to Odoo, and no production SMTP
 * credential may be present.
 */
export const neutralizationOdoo: StackValidationPolicy = {
    name: "neutralization-odoo",
    description:
        "Staging and preview Odoo must run with --max-cron-threads=0, send mail only to the stack's " +
        "Mailpit (a preview: the dev host's), set ODOO_STAGE to the stage, and carry no production " +
        "SMTP credentials.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            ...stageSchema,
            mailpitHosts: {
                type: "array",
                items: { type: "string" },
                description: "Further Mailpit host names Odoo may send to.",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        const containers = args.resources.filter((r) => r.type === T.container);
        const apps = args.resources.filter((r) => r.type === T.app);
        const first = containers[0] ?? apps[0];
        if (first === undefined) return;
        const stage = stageOf({
            urn: first.urn,
            config: args.getConfig(),
            stackTags: args.stackTags,
        });
        if (stage === "production") return;
        const mailpits = [
            ...containers
                .map((r) => r.props as ContainerProps)
                .filter(isMailpit)
                .map((c) => c.name),
            ...apps.flatMap((r) => appMailpits(r.props as AppProps)),
        ];
        // Containers and the Odoo components of App Platform apps, read alike.
        const processes = [
            ...containers.map((r) => ({ r, c: r.props as ContainerProps, what: "Odoo container" })),
            ...apps.flatMap((r) =>
                appOdooProcesses(r.props as AppProps).map((c) => ({
                    r,
                    c,
                    what: `Odoo ${c.role} component`,
                })),
            ),
        ];
        for (const { r, c, what } of processes) {
            if (!isOdoo(c)) continue;
            const who = `${what} "${c.name ?? r.name}" on a ${stage} stack`;
            const cron = flag(c, "max-cron-threads");
            if (cron !== "0") {
                reportViolation(
                    `${who} runs crons (--max-cron-threads=${cron === undefined ? "unset, Odoo's default 2" : cron}); ` +
                        "set odooMaxCronThreads to 0 so production jobs never run on a copy of its data.",
                    r.urn,
                );
            }
            const smtp = flag(c, "smtp");
            // A preview environment uses the dev host's shared Mailpit (owned by staging).
            const shared =
                stage === "preview" && typeof smtp === "string" && /-mailpit$/.test(smtp);
            const allowed = [
                ...mailpits,
                ...(args.getConfig<{ mailpitHosts?: string[] }>().mailpitHosts ?? []),
            ];
            if (!shared && (typeof smtp !== "string" || !allowed.includes(smtp))) {
                reportViolation(
                    `${who} sends mail to "${smtp === undefined ? "localhost (unset)" : String(smtp)}", ` +
                        `not to this stack's Mailpit (${mailpits.length ? mailpits.join(", ") : "none deployed"}); ` +
                        "remove smtpHost from the stack config and deploy Mailpit.",
                    r.urn,
                );
            } else if (flag(c, "smtp-port") !== "1025") {
                reportViolation(
                    `${who} uses SMTP port ${String(flag(c, "smtp-port"))} instead of Mailpit's 1025.`,
                    r.urn,
                );
            }
            const odooStage = env(c, "ODOO_STAGE");
            if (odooStage !== stage) {
                reportViolation(
                    `${who} has ODOO_STAGE=${odooStage ?? "(unset)"}; it must be "${stage}" so the ` +
                        "platform's neutralization and Odoo.sh-aware modules know where they run.",
                    r.urn,
                );
            }
            const conf = uploadedConf(c);
            const creds = [
                flag(c, "smtp-user") !== undefined ? "--smtp-user" : "",
                flag(c, "smtp-password") !== undefined ? "--smtp-password" : "",
                flag(c, "smtp-ssl") !== undefined ? "--smtp-ssl" : "",
                conf["smtp_password"] !== undefined ? "smtp_password in odoo.conf" : "",
                conf["smtp_user"] !== undefined ? "smtp_user in odoo.conf" : "",
                env(c, "SMTP_PASSWORD") !== undefined ? "SMTP_PASSWORD env" : "",
            ].filter(Boolean);
            if (creds.length > 0) {
                reportViolation(
                    `${who} carries production SMTP credentials (${creds.join(", ")}); remove ` +
                        "smtpUser/smtpPassword from the stack config.",
                    r.urn,
                );
            }
        }
    },
};

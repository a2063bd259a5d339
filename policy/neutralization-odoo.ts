import { StackValidationPolicy } from "@pulumi/policy";
import {
    AppProps,
    ContainerProps,
    T,
    appMailpits,
    isMailpit,
    optionOf,
    stackOdooProcesses,
    stageOf,
    stageSchema,
    truthy,
} from "./lib";

/**
 * Staging and preview Odoo run on copies of production data: no cron may run, every mail must
 * land in the stack's own Mailpit, the stage must be visible to Odoo, and no production SMTP
 * credential may be present. Options are Odoo's effective ones (command line over odoo.conf).
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
        const allowed = [
            ...mailpits,
            ...(args.getConfig<{ mailpitHosts?: string[] }>().mailpitHosts ?? []),
        ];
        for (const { r, p } of stackOdooProcesses(args.resources)) {
            // Odoo does not start with a command line it refuses (odoo-command-line says why).
            if (p.config.problems.length > 0) continue;
            const o = p.config;
            const who = `${p.what} "${p.name || r.name}" on a ${stage} stack`;
            const cron = Number(o.value("max_cron_threads"));
            if (cron !== 0) {
                const where =
                    o.source("max_cron_threads") ?? "--max-cron-threads unset, Odoo's default 2";
                reportViolation(
                    `${who} runs crons (${where}); ` +
                        "set odooMaxCronThreads to 0 so production jobs never run on a copy of its data.",
                    r.urn,
                );
            }
            const smtp = o.value("smtp_server");
            const smtpSet = o.source("smtp_server") !== undefined;
            // A preview environment uses the dev host's shared Mailpit (owned by staging).
            const shared =
                stage === "preview" && typeof smtp === "string" && /-mailpit$/.test(smtp);
            if (!shared && (!smtpSet || typeof smtp !== "string" || !allowed.includes(smtp))) {
                reportViolation(
                    `${who} sends mail to "${smtpSet ? String(smtp) : "localhost (unset)"}", ` +
                        `not to this stack's Mailpit (${mailpits.length ? mailpits.join(", ") : "none deployed"}); ` +
                        "remove smtpHost from the stack config and deploy Mailpit.",
                    r.urn,
                );
            } else if (o.value("smtp_port") !== 1025) {
                reportViolation(
                    `${who} uses SMTP port ${String(o.value("smtp_port"))} instead of Mailpit's 1025.`,
                    r.urn,
                );
            }
            const odooStage = p.env["ODOO_STAGE"];
            if (odooStage !== stage) {
                reportViolation(
                    `${who} has ODOO_STAGE=${odooStage ?? "(unset)"}; it must be "${stage}" so the ` +
                        "platform's neutralization and Odoo.sh-aware modules know where they run.",
                    r.urn,
                );
            }
            const creds = ["smtp_user", "smtp_password", "smtp_ssl"]
                .filter((dest) => truthy(o.value(dest)))
                .map((dest) => o.source(dest) ?? optionOf(dest))
                // Name where each one is set, never its value.
                .map((s) =>
                    s
                        .replace(/^(--[a-z_-]+)=[\s\S]*$/, "$1")
                        .replace(/ = [\s\S]* in odoo\.conf$/, " in odoo.conf"),
                );
            if (p.env["SMTP_PASSWORD"] !== undefined) creds.push("SMTP_PASSWORD env");
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

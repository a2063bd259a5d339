import { ResourceValidationPolicy } from "@pulumi/policy";
import { AppProps, T, appOdooProcesses } from "./lib";

/**
 * App Platform instances lose their disk on every deploy and do not share it: attachments and
 * sessions must live elsewhere, or files vanish and users are logged out at random.
 */
export const appPlatformStateOffDisk: ResourceValidationPolicy = {
    name: "app-platform-state-off-disk",
    description:
        "On App Platform, Odoo keeps attachments in the database (ODOO_ATTACHMENT_LOCATION=db) " +
        "and sessions in Redis (session_redis loaded, ODOO_SESSION_REDIS=1), never on an " +
        "instance's disk.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== T.app) return;
        for (const c of appOdooProcesses(args.props as AppProps)) {
            // Odoo does not start with a command line it refuses (odoo-command-line says why).
            if (c.config.problems.length > 0) continue;
            const who = `Odoo ${c.role} component "${c.name}"`;
            const load = String(c.config.value("server_wide_modules"))
                .split(",")
                .map((m) => m.trim());
            const location = c.env["ODOO_ATTACHMENT_LOCATION"];
            if (location !== "db") {
                reportViolation(
                    `${who} keeps attachments outside the database ` +
                        `(ODOO_ATTACHMENT_LOCATION=${location ?? "unset"}): an instance's disk goes ` +
                        "with every deploy, and no maintained module serves S3 on Odoo 17-19; " +
                        "keep them in the database (db).",
                );
            }
            if (!load.includes("session_redis") || c.env["ODOO_SESSION_REDIS"] !== "1") {
                reportViolation(
                    `${who} keeps sessions on its disk: load session_redis (--load) and set ` +
                        "ODOO_SESSION_REDIS=1, or every deploy logs every user out.",
                );
            }
        }
    },
};

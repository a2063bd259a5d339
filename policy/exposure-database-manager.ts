import { ResourceValidationPolicy } from "@pulumi/policy";
import { T, resourceOdooProcesses, truthy } from "./lib";

/**
 * Odoo's database manager (/web/database) can drop or download every database: it is hidden
 * (`list_db = False`) and guarded by a master password in every environment.
 */
export const exposureDatabaseManager: ResourceValidationPolicy = {
    name: "exposure-database-manager",
    description:
        "Every Odoo must run with --no-database-list (list_db = False) and an admin_passwd of at least " +
        "16 characters in its odoo.conf, on App Platform ODOO_ADMIN_PASSWD (config: pulumi config " +
        "set --secret adminPassword ...).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        for (const p of resourceOdooProcesses(args.type, args.props)) {
            // Odoo does not start with a command line it refuses (odoo-command-line says why).
            if (p.config.problems.length > 0) continue;
            const app = args.type === T.app;
            const who = app ? `Odoo ${p.role} component "${p.name}"` : "Odoo";
            if (truthy(p.config.value("list_db"))) {
                const where = p.config.source("list_db");
                reportViolation(
                    `${who} lists its databases${where === undefined ? "" : ` (${where})`}: add ` +
                        `--no-database-list${app ? "" : " (list_db = False)"}.`,
                );
            }
            const pw = p.config.value("admin_passwd");
            if (typeof pw !== "string" || pw.length < 16 || pw === "admin") {
                reportViolation(
                    app
                        ? `${who} has no strong ODOO_ADMIN_PASSWD; set adminPassword as a secret of ` +
                              "at least 16 characters."
                        : "Odoo has no strong admin_passwd in /etc/odoo/odoo.conf; set adminPassword as a secret of " +
                              "at least 16 characters.",
                );
            }
        }
    },
};

import { ResourceValidationPolicy } from "@pulumi/policy";
import {
    AppProps,
    ContainerProps,
    T,
    appOdooProcesses,
    env,
    flag,
    isOdoo,
    uploadedConf,
} from "./lib";

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
        if (args.type === T.app) {
            // App Platform: the entrypoint writes ODOO_ADMIN_PASSWD into the process's odoo.conf.
            for (const c of appOdooProcesses(args.props as AppProps)) {
                const who = `Odoo ${c.role} component "${c.name}"`;
                if (flag(c, "no-database-list") === undefined) {
                    reportViolation(`${who} lists its databases: add --no-database-list.`);
                }
                const pw = env(c, "ODOO_ADMIN_PASSWD");
                if (pw === undefined || pw.length < 16 || pw === "admin") {
                    reportViolation(
                        `${who} has no strong ODOO_ADMIN_PASSWD; set adminPassword as a secret of ` +
                            "at least 16 characters.",
                    );
                }
            }
            return;
        }
        if (args.type !== T.container) return;
        const c = args.props as ContainerProps;
        if (!isOdoo(c)) return;
        const conf = uploadedConf(c);
        const listed = flag(c, "no-database-list") === undefined && conf["list_db"] !== "False";
        if (listed) {
            reportViolation("Odoo lists its databases: add --no-database-list (list_db = False).");
        }
        const pw = conf["admin_passwd"];
        if (pw === undefined || pw.length < 16 || pw === "admin") {
            reportViolation(
                "Odoo has no strong admin_passwd in /etc/odoo/odoo.conf; set adminPassword as a secret of " +
                    "at least 16 characters.",
            );
        }
    },
};

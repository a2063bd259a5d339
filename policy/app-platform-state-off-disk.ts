import { ResourceValidationPolicy } from "@pulumi/policy";
import { AppProps, T, appOdooProcesses, env, flag } from "./lib";

/**
 * App Platform instances lose their disk on every deploy and do not share it: attachments and
 * sessions must live elsewhere, or files vanish and users are logged out at random.
 */
export const appPlatformStateOffDisk: ResourceValidationPolicy = {
    name: "app-platform-state-off-disk",
    description:
        "On App Platform, Odoo keeps attachments in the database or a bucket " +
        "(ODOO_ATTACHMENT_LOCATION db or s3, attachment_s3 loaded for s3) and sessions in Redis " +
        "(session_redis loaded, ODOO_SESSION_REDIS=1), never on an instance's disk.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== T.app) return;
        for (const c of appOdooProcesses(args.props as AppProps)) {
            const who = `Odoo ${c.role} component "${c.name}"`;
            const load = String(flag(c, "load") ?? "").split(",");
            const location = env(c, "ODOO_ATTACHMENT_LOCATION");
            if (location !== "db" && location !== "s3") {
                reportViolation(
                    `${who} keeps attachments on its ephemeral disk (ODOO_ATTACHMENT_LOCATION=` +
                        `${location ?? "unset"}); set attachmentStorage to database or spaces.`,
                );
            }
            if (
                location === "s3" &&
                (!load.includes("attachment_s3") || !env(c, "AWS_BUCKETNAME"))
            ) {
                reportViolation(
                    `${who} stores attachments in s3 without attachment_s3 in --load and a bucket ` +
                        "(AWS_BUCKETNAME); every attachment would fail to save.",
                );
            }
            if (!load.includes("session_redis") || env(c, "ODOO_SESSION_REDIS") !== "1") {
                reportViolation(
                    `${who} keeps sessions on its disk: load session_redis (--load) and set ` +
                        "ODOO_SESSION_REDIS=1, or every deploy logs every user out.",
                );
            }
        }
    },
};

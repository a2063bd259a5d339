import { ResourceValidationPolicy } from "@pulumi/policy";
import { stageOf, stageSchema } from "./lib";

/** A key bound to the host entry (components/host-access.ts) with the role it runs as. */
const ENTRY_GRANT = /odoo-entry ([a-z][a-z0-9-]*) (admin|developer|tester)\b/g;

/**
 * Production's host lets admins alone in (Odoo.sh's split): every person the platform's host
 * settings give a login on a production stack is an admin. The config check refuses the rest
 * first; this holds it for whatever reaches the plan.
 */
export const accessProductionAdmins: ResourceValidationPolicy = {
    name: "access-production-admins",
    description:
        "A production host gives logins to admins only: remove developers and testers from the " +
        "prod stack's people (they work on staging and the previews).",
    enforcementLevel: "mandatory",
    configSchema: { properties: stageSchema },
    validateResource: (args, reportViolation) => {
        if (args.type !== "command:local:Command") return;
        if (
            stageOf({ urn: args.urn, config: args.getConfig(), stackTags: args.stackTags }) !==
            "production"
        )
            return;
        const create = args.props.create;
        if (typeof create !== "string") return; // unknown during a preview: skipped
        for (const m of create.matchAll(ENTRY_GRANT)) {
            if (m[2] !== "admin") {
                reportViolation(
                    `${args.name} gives ${m[1]} (${m[2]}) a login on production's host: production ` +
                        `is for admins only. Remove ${m[1]} from the prod stack's people.`,
                );
            }
        }
    },
};

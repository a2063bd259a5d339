import { StackValidationPolicy } from "@pulumi/policy";
import { T, kind, prNumber, stackOdooProcesses, stackOfUrn, stageOf, stageSchema } from "./lib";

const SHARED = [
    T.droplet,
    T.vpc,
    T.firewall,
    T.volume,
    T.reservedIp,
    T.zoneSetting,
    T.bucket,
    T.databaseCluster,
];

/**
 * A `pr-<N>` stack owns only its own small things: destroying it can never touch anything shared.
 * Its Odoo serves its own database and logs in as its own role (`odoo_pr_<N>`, which owns that
 * database and nothing else): as the dev host's `odoo` superuser it could read or drop the
 * template, staging or another preview.
 */
export const isolationPreviewScope: StackValidationPolicy = {
    name: "isolation-preview-scope",
    description:
        "A preview (pr-<N>) stack creates nothing shared (no droplet, VPC, firewall, volume, reserved IP, " +
        "zone setting, bucket or database cluster), every resource it owns carries pr-<N> in its name, " +
        "and its Odoo serves the database odoo_pr_<N> as the role odoo_pr_<N>.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...stageSchema } },
    validateStack: (args, reportViolation) => {
        if (args.resources.length === 0) return;
        const urn = args.resources[0].urn;
        if (stageOf({ urn, config: args.getConfig(), stackTags: args.stackTags }) !== "preview")
            return;
        const n = prNumber(stackOfUrn(urn));
        for (const r of args.resources) {
            if (r.type === "pulumi:pulumi:Stack") continue;
            if (SHARED.includes(r.type as (typeof SHARED)[number])) {
                reportViolation(
                    `a preview stack must not create ${kind(r.type)} "${r.name}": shared ` +
                        "infrastructure belongs to the staging stack.",
                    r.urn,
                );
            }
            if (n !== undefined && !new RegExp(`(^|[^0-9])pr-${n}([^0-9]|$)`).test(r.name)) {
                reportViolation(`resource "${r.name}" does not carry pr-${n} in its name.`, r.urn);
            }
        }
        if (n === undefined) return;
        const own = `odoo_pr_${n}`;
        for (const { r, p } of stackOdooProcesses(args.resources)) {
            for (const [option, what] of [
                ["db_user", "logs in as"],
                ["db_name", "serves the database"],
            ] as const) {
                const value = p.config.value(option);
                if (value !== own) {
                    reportViolation(
                        `${p.what} "${p.name}" ${what} ${JSON.stringify(value ?? "(none)")} ` +
                            `(${p.config.source(option) ?? "unset"}); a preview's Odoo ${what} ${own} only.`,
                        r.urn,
                    );
                }
            }
        }
    },
};

import { StackValidationPolicy } from "@pulumi/policy";
import { T, kind, prNumber, stackOfUrn, stageOf, stageSchema } from "./lib";

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

/** A `pr-<N>` stack owns only its own small things: destroying it can never touch anything shared. */
export const isolationPreviewScope: StackValidationPolicy = {
    name: "isolation-preview-scope",
    description:
        "A preview (pr-<N>) stack creates nothing shared (no droplet, VPC, firewall, volume, reserved IP, " +
        "zone setting, bucket or database cluster) and every resource it owns carries pr-<N> in its name.",
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
    },
};

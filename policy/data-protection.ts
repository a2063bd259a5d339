import { StackValidationPolicy } from "@pulumi/policy";
import { T, kind, stackStage, stageSchema } from "./lib";

const STATEFUL = [T.volume, T.databaseCluster, T.bucket];

/** In production nothing stateful can be deleted or replaced by accident. */
export const dataProtection: StackValidationPolicy = {
    name: "data-protection",
    description:
        "In production, volumes, database clusters and backup buckets are protected; buckets are " +
        "versioned with lifecycle rules; the backup bucket lives in another region than the host.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...stageSchema } },
    validateStack: (args, reportViolation) => {
        if (args.resources.length === 0) return;
        const stage = stackStage(args);
        if (stage !== "production") return;
        const hostRegions = new Set(
            args.resources.filter((r) => r.type === T.droplet).map((r) => String(r.props.region)),
        );
        for (const r of args.resources) {
            if (STATEFUL.includes(r.type as (typeof STATEFUL)[number]) && r.opts.protect !== true) {
                reportViolation(
                    `${kind(r.type)} "${r.name}" is not protected; production data must carry ` +
                        "`protect: true` so no up or destroy can delete it.",
                    r.urn,
                );
            }
            if (r.type !== T.bucket) continue;
            const versioning = r.props.versioning as { enabled?: boolean } | undefined;
            if (versioning?.enabled !== true) {
                reportViolation(`bucket "${r.name}" is not versioned; enable versioning.`, r.urn);
            }
            const rules = (r.props.lifecycleRules ?? []) as { enabled?: boolean }[];
            if (!rules.some((x) => x.enabled === true)) {
                reportViolation(
                    `bucket "${r.name}" has no enabled lifecycle rule; expire old versions.`,
                    r.urn,
                );
            }
            const region = String(r.props.region);
            if (hostRegions.has(region)) {
                reportViolation(
                    `backup bucket "${r.name}" is in ${region}, the host's region: a regional outage ` +
                        "takes both; set backupRegion to another Spaces region.",
                    r.urn,
                );
            }
        }
    },
};

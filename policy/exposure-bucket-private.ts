import { ResourceValidationPolicy } from "@pulumi/policy";
import { T } from "./lib";

/** Backups hold every customer's data: a bucket is never public. */
export const exposureBucketPrivate: ResourceValidationPolicy = {
    name: "exposure-bucket-private",
    description: 'Spaces buckets must be private: set acl to "private" and never public-read.',
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== T.bucket) return;
        const acl = args.props.acl as string | undefined;
        if (acl !== undefined && acl !== "private") {
            reportViolation(
                `bucket "${String(args.props.name ?? args.name)}" has acl "${acl}"; set acl to "private".`,
            );
        }
    },
};

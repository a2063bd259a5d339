import { StackValidationPolicy } from "@pulumi/policy";
import { T } from "./lib";

const SPACES_KEY = "digitalocean:index/spacesKey:SpacesKey";

/**
 * A Spaces key the stack creates sits on a host (the backup container's environment): it reaches
 * the buckets of this stack and nothing else, never the account's every bucket.
 */
export const exposureSpacesKeyScope: StackValidationPolicy = {
    name: "exposure-spaces-key-scope",
    description:
        "A Spaces key the stack creates grants read or readwrite on the stack's own buckets only: " +
        "no fullaccess, no grant without a bucket, no bucket the stack does not create.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const own = new Set(
            args.resources.filter((r) => r.type === T.bucket).map((r) => String(r.props.name)),
        );
        for (const r of args.resources.filter((x) => x.type === SPACES_KEY)) {
            const grants = (r.props.grants ?? []) as { bucket?: string; permission?: string }[];
            for (const g of grants) {
                const who = `Spaces key "${r.name}" grants ${String(g.permission)}`;
                if (g.permission === "fullaccess" || (g.bucket ?? "") === "") {
                    reportViolation(
                        `${who} on every bucket of the account; grant read or readwrite on this ` +
                            "stack's bucket only.",
                        r.urn,
                    );
                } else if (!["read", "readwrite"].includes(String(g.permission))) {
                    reportViolation(`${who}, which is neither read nor readwrite.`, r.urn);
                } else if (!own.has(g.bucket as string)) {
                    reportViolation(
                        `${who} on bucket ${String(g.bucket)}, which this stack does not create; ` +
                            "a key reaches its own stack's buckets only.",
                        r.urn,
                    );
                }
            }
        }
    },
};

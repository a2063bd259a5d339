import { ResourceValidationPolicy } from "@pulumi/policy";
import { T } from "./lib";

interface CorsRule {
    allowedMethods?: string[];
    allowedOrigins?: string[];
}

interface Statement {
    Effect?: string;
    Principal?: unknown;
    NotPrincipal?: unknown;
    Action?: unknown;
    Resource?: unknown;
}

const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** `"*"`, `{"AWS": "*"}` or `{"AWS": ["*", ...]}`: anyone, signed in or not. */
function isAnyone(principal: unknown): boolean {
    if (principal === "*") return true;
    if (typeof principal !== "object" || principal === null) return false;
    return Object.values(principal).some((v) => listOf(v).includes("*"));
}

/** An origin that is every website: `*`, or a scheme with `*` as its whole host. */
const anyOrigin = (o: string) => /^(?:[a-z][a-z0-9+.-]*:\/\/)?\*(?::\d+)?\/?$/i.test(o.trim());

/**
 * Backups hold every customer's data: a bucket is never public, neither by its ACL nor by a
 * bucket policy, a public object or a CORS rule open to every website.
 */
export const exposureBucketPrivate: ResourceValidationPolicy = {
    name: "exposure-bucket-private",
    description:
        'Spaces buckets must be private: acl "private" (never public-read), no bucket policy that ' +
        "allows anyone (Principal *, NotPrincipal), no public-read object, no CORS rule for any " +
        "origin (*).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const props = args.props as Record<string, unknown>;
        const bucket = String(props.bucket ?? props.name ?? args.name);
        const cors = (rules: unknown) => {
            for (const rule of (rules ?? []) as CorsRule[]) {
                const origins = (rule.allowedOrigins ?? []).filter(anyOrigin);
                if (origins.length > 0) {
                    reportViolation(
                        `CORS of bucket ${bucket} lets any origin (${origins.join(", ")}) ` +
                            `${(rule.allowedMethods ?? []).join(", ")}: a page on any website ` +
                            "can then read what a visitor's browser may; name your own origins.",
                    );
                }
            }
        };
        if (args.type === T.bucket) {
            const acl = props.acl as string | undefined;
            if (acl !== undefined && acl !== "private") {
                reportViolation(`bucket "${bucket}" has acl "${acl}"; set acl to "private".`);
            }
            cors(props.corsRules);
        }
        if (args.type === T.bucketCors) cors(props.corsRules);
        if (args.type === T.bucketObject) {
            const acl = props.acl as string | undefined;
            if (acl !== undefined && acl !== "private") {
                reportViolation(
                    `object ${String(props.key)} in bucket ${bucket} has acl "${acl}"; ` +
                        'objects stay "private" (the default).',
                );
            }
        }
        if (args.type === T.bucketPolicy) {
            let statements: Statement[];
            try {
                const doc = JSON.parse(String(props.policy)) as { Statement?: unknown };
                statements = listOf(doc.Statement) as Statement[];
            } catch {
                reportViolation(
                    `bucket policy "${args.name}" is no JSON policy document the pack can read; ` +
                        "it cannot tell whom it lets in.",
                );
                return;
            }
            for (const s of statements) {
                if (s?.Effect !== "Allow") continue;
                const who =
                    s.NotPrincipal !== undefined
                        ? "NotPrincipal"
                        : isAnyone(s.Principal)
                          ? "Principal *"
                          : undefined;
                // A condition (a source range, a referer) narrows who may come, but whoever comes
                // needs no credential: the bucket is public all the same.
                if (who === undefined) continue;
                reportViolation(
                    `bucket policy "${args.name}" lets anyone (${who}) ` +
                        `${listOf(s.Action).map(String).join(", ")} on ${bucket}; grant the ` +
                        "platform's own Spaces key instead, never the public.",
                );
            }
        }
    },
};

import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { T, isProductionEnvironment, stageOf, stageSchema } from "./lib";

interface EnvironmentProps {
    repository?: string;
    environment?: string;
    reviewers?: { users?: number[]; teams?: number[] }[];
    preventSelfReview?: boolean;
    canAdminsBypass?: boolean;
    deploymentBranchPolicy?: { protectedBranches?: boolean; customBranchPolicies?: boolean };
}

interface DeploymentPolicyProps {
    repository?: string;
    environment?: string;
    branchPattern?: string;
    tagPattern?: string;
}

/**
 * The default branch of the Odoo repository: the policy config's, else the branch the stack
 * protects (BranchProtection pattern), else `main`.
 */
function defaultBranch(resources: readonly PolicyResource[], configured?: string): string {
    if (configured !== undefined) return configured;
    const protectedBranches = resources
        .filter((r) => r.type === "github:index/branchProtection:BranchProtection")
        .map((r) => r.props.pattern)
        .filter((p): p is string => typeof p === "string");
    return protectedBranches.length === 1 ? protectedBranches[0] : "main";
}

/**
 * Production deploys only after a second person approved them, and only from the default
 * branch: the Odoo repository's `production` environment holds production's credentials, and a
 * workflow on any other branch, or a deploy its author approves, would reach them.
 */
export const isolationProductionReviewers: StackValidationPolicy = {
    name: "isolation-production-reviewers",
    description:
        "The Odoo repository's production GitHub environment has reviewers (users or teams), " +
        "prevents self review, lets no administrator bypass it, and deploys from the default " +
        "branch only (custom branch policies naming exactly that branch, no tags).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            ...stageSchema,
            defaultBranch: {
                type: "string",
                description:
                    "The Odoo repository's default branch; defaults to the branch the stack protects, else main.",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        if (args.resources.length === 0) return;
        const cfg = args.getConfig<{ stage?: string; defaultBranch?: string }>();
        // A non-production stack never manages production's environment (isolation-production-reach).
        if (
            stageOf({ urn: args.resources[0].urn, config: cfg, stackTags: args.stackTags }) !==
            "production"
        )
            return;
        const branch = defaultBranch(args.resources, cfg.defaultBranch);
        const policies = args.resources.filter((r) => r.type === T.githubDeploymentPolicy);
        for (const r of args.resources.filter((x) => x.type === T.githubEnvironment)) {
            const e = r.props as EnvironmentProps;
            if (!isProductionEnvironment(e.environment)) continue;
            const who = `GitHub environment "${String(e.environment)}" of ${String(e.repository)}`;
            const report = (m: string) => reportViolation(`${who} ${m}`, r.urn);
            const reviewers = (e.reviewers ?? []).flatMap((x) => [
                ...(x.users ?? []),
                ...(x.teams ?? []),
            ]);
            if (reviewers.length === 0) {
                report(
                    "has no reviewers: a deploy to production would start unapproved; set " +
                        "githubProductionReviewers.",
                );
            }
            if (e.preventSelfReview !== true) {
                report("lets the one who starts a deploy approve it; set preventSelfReview.");
            }
            // GitHub's default lets administrators deploy without review.
            if (e.canAdminsBypass !== false) {
                report("lets administrators bypass its reviewers; set canAdminsBypass to false.");
            }
            const bp = e.deploymentBranchPolicy;
            if (bp === undefined) {
                report(`deploys from any branch; allow ${branch} only (deploymentBranchPolicy).`);
                continue;
            }
            if (bp.protectedBranches === true) {
                report(`deploys from every protected branch; allow ${branch} only.`);
            }
            if (bp.customBranchPolicies !== true) continue;
            const mine = policies
                .map((p) => ({ p, props: p.props as DeploymentPolicyProps }))
                .filter(
                    ({ props }) =>
                        props.repository === e.repository &&
                        isProductionEnvironment(props.environment),
                );
            if (mine.length === 0) {
                report(`names no branch to deploy from; add a deployment policy for ${branch}.`);
            }
            for (const { p, props } of mine) {
                const pattern =
                    props.tagPattern !== undefined
                        ? `tags matching "${props.tagPattern}"`
                        : props.branchPattern !== branch
                          ? `branches matching "${String(props.branchPattern)}"`
                          : undefined;
                if (pattern !== undefined) {
                    reportViolation(
                        `${who} deploys from ${pattern}, not only from ${branch}; remove ` +
                            `deployment policy "${p.name}".`,
                        p.urn,
                    );
                }
            }
        }
    },
};

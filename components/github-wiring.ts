import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";

/**
 * GitHub environments of the Odoo repository: `preview` (its pull requests' environments, which
 * run there), `staging` and `production` (deployments, which the platform repository runs).
 */
export const GITHUB_ENVIRONMENT = {
    preview: "preview",
    staging: "staging",
    production: "production",
    /** The GitOps loop's receiving job (gitops.ts): from the default branch only. */
    gitops: "gitops",
} as const;

export type GithubEnvironmentName = (typeof GITHUB_ENVIRONMENT)[keyof typeof GITHUB_ENVIRONMENT];

export interface GithubEnvironmentSpec {
    readonly name: GithubEnvironmentName;
    /**
     * Environment secrets for exactly the tokens this environment's jobs need, by name. Each value
     * must be a pulumi secret.
     */
    readonly secrets: Readonly<Record<string, pulumi.Output<string>>>;
    /** Environment variables for non-secret settings (URL, stack, backend). */
    readonly variables: Readonly<Record<string, pulumi.Input<string>>>;
    /**
     * User ids whose approval a deployment to this environment needs; with them, the environment
     * deploys from the default branch only and is protected. @default none
     */
    readonly reviewers?: readonly number[];
    /**
     * Only jobs of the default branch may use this environment (and read its secrets), without
     * reviewers: an automated job's. @default with reviewers only
     */
    readonly defaultBranchOnly?: boolean;
}

export interface GithubWiringArgs {
    /** Repository of the Odoo code, e.g. `odoo` (owner from the github provider config). */
    readonly repository: string;
    /** Default branch: production deploys only from it, and it is protected. @default main */
    readonly defaultBranch?: string;
    readonly environments: readonly GithubEnvironmentSpec[];
    /**
     * Repository-level variables: what every workflow of the Odoo repository reads, whatever its
     * environment (the build: PLATFORM_REPOSITORY, ODOO_VERSION, IMAGE_REPOSITORY). One stack
     * owns them: staging. @default none
     */
    readonly repositoryVariables?: Readonly<Record<string, pulumi.Input<string>>>;
    /**
     * The commit statuses the default branch requires (config githubRequiredChecks); with them,
     * the branch is protected. One stack owns the protection: production. @default none
     */
    readonly requiredChecks?: readonly string[];
    /** The GitOps dispatch endpoint and its shared secret (a pulumi secret). @default none */
    readonly dispatch?: { url: string; secret: pulumi.Output<string> };
}

const NAME = /^[A-Z][A-Z0-9_]*$/;

/** A stable child name for a GitHub secret or variable name: `PULUMI_CONFIG_PASSPHRASE` → `pulumi-config-passphrase`. */
const slug = (key: string) => key.toLowerCase().replace(/_/g, "-");

/**
 * The Odoo repository's side of the platform: its GitHub environments (one with reviewers deploys
 * from the default branch only, and is protected), their secrets and variables, the repository's
 * variables, and the default branch's protection and the GitOps dispatch webhook.
 */
export class GithubWiring extends pulumi.ComponentResource {
    public readonly environments: Record<string, github.RepositoryEnvironment> = {};
    /** Secret names per environment. */
    public readonly secretNames: Record<string, string[]> = {};

    private readonly args: GithubWiringArgs;

    constructor(name: string, args: GithubWiringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("odoo-platform:github:GithubWiring", name, {}, opts);
        this.args = args;
        for (const e of args.environments) {
            for (const key of [...Object.keys(e.secrets), ...Object.keys(e.variables)]) {
                if (!NAME.test(key)) {
                    throw new Error(
                        `${name}: "${key}" is not a valid GitHub secret or variable name`,
                    );
                }
            }
            if (e.name === GITHUB_ENVIRONMENT.production && (e.reviewers ?? []).length === 0) {
                throw new Error(
                    `${name}: the production environment needs at least one reviewer (githubProductionReviewers)`,
                );
            }
            this.environment(name, e);
        }
        this.repositoryVariables(name);
        if (args.requiredChecks !== undefined) this.branchProtection(name, args.requiredChecks);
        if (args.dispatch !== undefined) this.dispatchWebhook(name, args.dispatch);
        this.registerOutputs({ secretNames: this.secretNames });
    }

    private get branch(): string {
        return this.args.defaultBranch ?? "main";
    }

    /** One environment with its secrets and variables; with reviewers, gated and protected. */
    private environment(name: string, e: GithubEnvironmentSpec): void {
        const repository = this.args.repository;
        const gated = (e.reviewers ?? []).length > 0;
        const branchOnly = gated || e.defaultBranchOnly === true;
        // The first environment keeps the names the stack had before it held several.
        const prefix = e === this.args.environments[0] ? name : `${name}-${e.name}`;
        const env = new github.RepositoryEnvironment(
            `${prefix}-environment`,
            {
                repository,
                environment: e.name,
                preventSelfReview: gated,
                canAdminsBypass: !gated,
                reviewers: gated ? [{ users: [...(e.reviewers ?? [])] }] : [],
                deploymentBranchPolicy: branchOnly
                    ? { protectedBranches: false, customBranchPolicies: true }
                    : undefined,
            },
            { parent: this, protect: gated },
        );
        this.environments[e.name] = env;
        if (branchOnly) {
            new github.RepositoryEnvironmentDeploymentPolicy(
                `${prefix}-deploy-from-${this.branch}`,
                { repository, environment: e.name, branchPattern: this.branch },
                { parent: this, dependsOn: [env] },
            );
        }
        this.secretNames[e.name] = Object.keys(e.secrets).sort();
        for (const key of this.secretNames[e.name]) {
            new github.ActionsEnvironmentSecret(
                `${prefix}-secret-${slug(key)}`,
                {
                    repository,
                    environment: e.name,
                    secretName: key,
                    // `plaintextValue` is deprecated in @pulumi/github 6.15 ("Use value").
                    value: pulumi.secret(e.secrets[key]),
                },
                { parent: this, dependsOn: [env] },
            );
        }
        for (const key of Object.keys(e.variables).sort()) {
            new github.ActionsEnvironmentVariable(
                `${prefix}-var-${slug(key)}`,
                { repository, environment: e.name, variableName: key, value: e.variables[key] },
                { parent: this, dependsOn: [env] },
            );
        }
    }

    private repositoryVariables(name: string): void {
        const vars = this.args.repositoryVariables ?? {};
        for (const key of Object.keys(vars).sort()) {
            if (!NAME.test(key)) throw new Error(`${name}: "${key}" is not a valid variable name`);
            new github.ActionsVariable(
                `${name}-repo-var-${slug(key)}`,
                { repository: this.args.repository, variableName: key, value: vars[key] },
                { parent: this },
            );
        }
    }

    /** The default branch: the required statuses, a review, linear history, no force push. */
    private branchProtection(name: string, checks: readonly string[]): void {
        if (checks.length === 0)
            throw new Error(`${name}: the default branch needs required checks`);
        const repo = github.getRepositoryOutput({ name: this.args.repository }, { parent: this });
        new github.BranchProtection(
            `${name}-protect-${this.branch}`,
            {
                repositoryId: repo.nodeId,
                pattern: this.branch,
                enforceAdmins: true,
                allowsDeletions: false,
                allowsForcePushes: false,
                requiredLinearHistory: true,
                requiredStatusChecks: [{ strict: true, contexts: [...checks] }],
                requiredPullRequestReviews: [
                    { requiredApprovingReviewCount: 1, dismissStaleReviews: true },
                ],
            },
            { parent: this },
        );
    }

    private dispatchWebhook(
        name: string,
        dispatch: { url: string; secret: pulumi.Output<string> },
    ) {
        new github.RepositoryWebhook(
            `${name}-dispatch`,
            {
                repository: this.args.repository,
                events: ["push", "pull_request"],
                active: true,
                configuration: {
                    url: dispatch.url,
                    contentType: "json",
                    insecureSsl: false,
                    secret: pulumi.secret(dispatch.secret),
                },
            },
            { parent: this },
        );
    }
}

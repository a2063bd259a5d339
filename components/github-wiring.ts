import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";

/** GitHub environment of each stage: the name CI deploys through. */
export const GITHUB_ENVIRONMENT = { production: "production", staging: "staging" } as const;

export interface GithubWiringArgs {
    /** Repository of the Odoo code, e.g. `odoo` (owner from the github provider config). */
    readonly repository: string;
    readonly stage: "production" | "staging";
    /** Default branch: production deploys only from it, and it is protected. @default main */
    readonly defaultBranch?: string;
    /**
     * Environment secrets for exactly the tokens this environment's CI needs, by name. Each value
     * must be a pulumi secret; a plain value is refused.
     */
    readonly secrets: Readonly<Record<string, pulumi.Output<string>>>;
    /** Environment variables for non-secret settings (domain, region, stack names, image). */
    readonly variables: Readonly<Record<string, pulumi.Input<string>>>;
    /** Production: user ids whose approval a deployment needs. */
    readonly reviewers?: readonly number[];
    /** Production: the commit statuses the default branch requires (config githubRequiredChecks). */
    readonly requiredChecks?: readonly string[];
    /**
     * Repository-level variables: what every workflow of the Odoo repository reads, whatever its
     * environment (the build: PLATFORM_REPOSITORY, ODOO_VERSION, IMAGE_REPOSITORY). One stack
     * owns them: staging.
     */
    readonly repositoryVariables?: Readonly<Record<string, pulumi.Input<string>>>;
    /** Production: the GitOps dispatch endpoint and its shared secret (a pulumi secret). */
    readonly dispatch?: { url: string; secret: pulumi.Output<string> };
}

const SECRET_NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * The Odoo repository's side of the platform: the stage's GitHub environment (production: required
 * reviewers, deployments from the default branch only), its secrets and variables, and in
 * production the default branch's protection and the GitOps dispatch webhook.
 */
export class GithubWiring extends pulumi.ComponentResource {
    public readonly environment: github.RepositoryEnvironment;
    public readonly secretNames: string[];

    constructor(name: string, args: GithubWiringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("odoo-platform:github:GithubWiring", name, {}, opts);
        const production = args.stage === "production";
        const env = GITHUB_ENVIRONMENT[args.stage];
        const branch = args.defaultBranch ?? "main";
        const child = { parent: this };
        const repositoryVariables = args.repositoryVariables ?? {};
        for (const key of [
            ...Object.keys(args.secrets),
            ...Object.keys(args.variables),
            ...Object.keys(repositoryVariables),
        ]) {
            if (!SECRET_NAME.test(key))
                throw new Error(`${name}: "${key}" is not a valid GitHub secret or variable name`);
        }
        if (production && (args.reviewers ?? []).length === 0) {
            throw new Error(
                `${name}: the production environment needs at least one reviewer (githubProductionReviewers)`,
            );
        }

        this.environment = new github.RepositoryEnvironment(
            `${name}-environment`,
            {
                repository: args.repository,
                environment: env,
                preventSelfReview: production,
                canAdminsBypass: !production,
                reviewers: production ? [{ users: [...(args.reviewers ?? [])] }] : [],
                deploymentBranchPolicy: production
                    ? { protectedBranches: false, customBranchPolicies: true }
                    : undefined,
            },
            { ...child, protect: production },
        );
        if (production) {
            new github.RepositoryEnvironmentDeploymentPolicy(
                `${name}-deploy-from-${branch}`,
                { repository: args.repository, environment: env, branchPattern: branch },
                { parent: this, dependsOn: [this.environment] },
            );
        }

        this.secretNames = Object.keys(args.secrets).sort();
        for (const key of this.secretNames) {
            new github.ActionsEnvironmentSecret(
                `${name}-secret-${key.toLowerCase().replace(/_/g, "-")}`,
                {
                    repository: args.repository,
                    environment: env,
                    secretName: key,
                    // `plaintextValue` is deprecated in @pulumi/github 6.15 ("Use value").
                    value: pulumi.secret(args.secrets[key]),
                },
                { parent: this, dependsOn: [this.environment] },
            );
        }
        for (const key of Object.keys(args.variables).sort()) {
            new github.ActionsEnvironmentVariable(
                `${name}-var-${key.toLowerCase().replace(/_/g, "-")}`,
                {
                    repository: args.repository,
                    environment: env,
                    variableName: key,
                    value: args.variables[key],
                },
                { parent: this, dependsOn: [this.environment] },
            );
        }

        for (const key of Object.keys(repositoryVariables).sort()) {
            new github.ActionsVariable(
                `${name}-repo-var-${key.toLowerCase().replace(/_/g, "-")}`,
                { repository: args.repository, variableName: key, value: repositoryVariables[key] },
                child,
            );
        }

        if (production) {
            if (args.requiredChecks === undefined || args.requiredChecks.length === 0) {
                throw new Error(`${name}: the default branch needs required checks`);
            }
            const repo = github.getRepositoryOutput({ name: args.repository }, child);
            new github.BranchProtection(
                `${name}-protect-${branch}`,
                {
                    repositoryId: repo.nodeId,
                    pattern: branch,
                    enforceAdmins: true,
                    allowsDeletions: false,
                    allowsForcePushes: false,
                    requiredLinearHistory: true,
                    requiredStatusChecks: [
                        {
                            strict: true,
                            contexts: [...args.requiredChecks],
                        },
                    ],
                    requiredPullRequestReviews: [
                        { requiredApprovingReviewCount: 1, dismissStaleReviews: true },
                    ],
                },
                child,
            );
            if (args.dispatch !== undefined) {
                new github.RepositoryWebhook(
                    `${name}-dispatch`,
                    {
                        repository: args.repository,
                        events: ["push", "pull_request"],
                        active: true,
                        configuration: {
                            url: args.dispatch.url,
                            contentType: "json",
                            insecureSsl: false,
                            secret: pulumi.secret(args.dispatch.secret),
                        },
                    },
                    child,
                );
            }
        }

        this.registerOutputs({ environment: env, secretNames: this.secretNames });
    }
}

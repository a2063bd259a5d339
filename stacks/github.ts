/** The Odoo repository's GitHub side of a stage (GithubWiring), from the stack's config. */
import * as pulumi from "@pulumi/pulumi";
import {
    GITHUB_ENVIRONMENT,
    GithubEnvironmentSpec,
    GithubWiring,
} from "../components/github-wiring";
import { GITOPS_SECRET_ENV } from "../components/gitops";
import { PlatformConfig } from "./config";
import type { Secrets } from "./environment";

/**
 * The Odoo repository's GitHub side of this stage, with exactly the tokens each environment's jobs
 * need. Every stage: its deployment environment (production: with reviewers, from the default
 * branch only), holding the token that runs this repository's release workflow. Staging also
 * owns the repository's variables and, with a dev host, the `preview` environment of the pull
 * requests' environments; production owns the default branch's protection and the dispatch hook.
 */
export function githubWiring(
    cfg: PlatformConfig,
    secrets: Secrets,
    name: string,
    url: string,
    hostIp?: pulumi.Output<string>,
) {
    const production = cfg.stage === "production";
    const need = (key: keyof Secrets) => {
        const v = secrets[key];
        if (v === undefined) throw new Error(`${key} is required with githubRepository`);
        return v;
    };
    const deployment: GithubEnvironmentSpec = {
        name: production ? GITHUB_ENVIRONMENT.production : GITHUB_ENVIRONMENT.staging,
        secrets: { PLATFORM_DEPLOY_TOKEN: need("ciPlatformDeployToken") },
        variables: { ODOO_URL: url, STACK: cfg.stack },
        reviewers: production ? cfg.githubProductionReviewers : undefined,
    };
    // Preview environments run on the dev host: the droplet runtime's staging host.
    const preview: GithubEnvironmentSpec[] =
        production || hostIp === undefined
            ? []
            : [
                  {
                      name: GITHUB_ENVIRONMENT.preview,
                      secrets: {
                          PULUMI_CONFIG_PASSPHRASE: need("ciPulumiPassphrase"),
                          STATE_ACCESS_KEY_ID: need("ciStateAccessKeyId"),
                          STATE_SECRET_ACCESS_KEY: need("ciStateSecretAccessKey"),
                          DEV_HOST_SSH_KEY: need("ciSshPrivateKey"),
                      },
                      variables: {
                          DEV_DOMAIN: `dev.${cfg.domain}`,
                          ...(cfg.stateBackendUrl === undefined
                              ? {}
                              : { PULUMI_BACKEND_URL: cfg.stateBackendUrl }),
                      },
                  },
              ];
    // The GitOps loop's receiving job: the dispatch secret and the keys it may set.
    const gitops: GithubEnvironmentSpec[] =
        production && cfg.gitopsKeys !== undefined
            ? [
                  {
                      name: GITHUB_ENVIRONMENT.gitops,
                      secrets: { [GITOPS_SECRET_ENV]: need("githubWebhookSecret") },
                      variables: { GITOPS_ALLOWED_KEYS: cfg.gitopsKeys.join(" ") },
                      defaultBranchOnly: true,
                  },
              ]
            : [];
    return new GithubWiring(`${name}-github`, {
        repository: cfg.githubRepository as string,
        defaultBranch: cfg.githubDefaultBranch,
        environments: [deployment, ...preview, ...gitops],
        repositoryVariables: production
            ? undefined
            : {
                  PLATFORM_REPOSITORY: cfg.platformRepository as string,
                  ODOO_VERSION: cfg.odooVersion,
                  ...(cfg.odooImageRepository === undefined
                      ? {}
                      : { IMAGE_REPOSITORY: cfg.odooImageRepository }),
              },
        requiredChecks: production ? cfg.githubRequiredChecks : undefined,
        dispatch:
            production && cfg.githubDispatchUrl !== undefined
                ? { url: cfg.githubDispatchUrl, secret: need("githubWebhookSecret") }
                : undefined,
    });
}

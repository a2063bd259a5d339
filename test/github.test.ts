import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../stacks/config";
import { ProgramRun, inputsOf, isSecret } from "./doubles/mock-cloud";
import { exampleConfig, ofType, one, runStack } from "./helpers";

const G = {
    env: "github:index/repositoryEnvironment:RepositoryEnvironment",
    policy: "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
    secret: "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
    variable: "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
    protection: "github:index/branchProtection:BranchProtection",
    webhook: "github:index/repositoryWebhook:RepositoryWebhook",
    repoVariable: "github:index/actionsVariable:ActionsVariable",
};

describe("GitHub wiring of the Odoo repository", function () {
    let prod: ProgramRun;
    let staging: ProgramRun;
    before(async () => {
        prod = await runStack("prod");
        staging = await runStack("staging");
    });

    it("gates production behind reviewers and deploys it from the default branch only", () => {
        const env = one(prod.resources, G.env, "prod-github-environment");
        assert.deepEqual(env.inputs, {
            repository: "odoo",
            environment: "production",
            preventSelfReview: true,
            canAdminsBypass: false,
            reviewers: [{ users: [1234567] }],
            deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
        });
        assert.equal(env.resource.protect, true);
        assert.deepEqual(one(prod.resources, G.policy, "prod-github-deploy-from-main").inputs, {
            repository: "odoo",
            environment: "production",
            branchPattern: "main",
        });
    });

    it("protects the default branch with the build's and the tests' statuses and a review", () => {
        const p = one(prod.resources, G.protection, "prod-github-protect-main").inputs;
        assert.equal(p["pattern"], "main");
        assert.match(String(p["repositoryId"]), /^R_/);
        assert.equal(p["enforceAdmins"], true);
        assert.equal(p["allowsForcePushes"], false);
        assert.equal(p["allowsDeletions"], false);
        // The statuses odoo-build.yml and odoo-tests.yml report (test/workflows.test.ts).
        assert.deepEqual(p["requiredStatusChecks"], [
            { strict: true, contexts: ["odoo-platform/build", "odoo-platform/tests"] },
        ]);
        assert.deepEqual(p["requiredPullRequestReviews"], [
            { requiredApprovingReviewCount: 1, dismissStaleReviews: true },
        ]);
    });

    it("gives production's environment the deploy token alone, as a secret", () => {
        // Production's deployments run the platform repository's release workflow, which holds
        // every cloud credential: the Odoo repository gets no state, SSH or cloud token.
        // (The gitops environment's secret is the GitOps loop's: test/gitops.test.ts.)
        const secrets = ofType(prod.resources, G.secret).filter(
            (r) => inputsOf(r)["environment"] === "production",
        );
        assert.deepEqual(
            secrets.map((r) => [inputsOf(r)["environment"], inputsOf(r)["secretName"]]),
            [["production", "PLATFORM_DEPLOY_TOKEN"]],
        );
        for (const s of secrets) {
            assert.ok(isSecret(s.rawInputs["value"]), `${s.name} is not a secret on the wire`);
            // The deprecated field is never used.
            assert.equal(s.rawInputs["plaintextValue"], undefined, s.name);
        }
        const vars = Object.fromEntries(
            ofType(prod.resources, G.variable)
                .filter((r) => inputsOf(r)["environment"] === "production")
                .map((r) => [inputsOf(r)["variableName"], inputsOf(r)["value"]]),
        );
        assert.deepEqual(vars, { ODOO_URL: "https://erp.example.com", STACK: "prod" });
        assert.equal(ofType(prod.resources, G.repoVariable).length, 0, "staging owns them");
    });

    it("shares the dispatch webhook secret with the Odoo repository as a secret", () => {
        const hook = one(prod.resources, G.webhook, "prod-github-dispatch");
        assert.deepEqual(hook.inputs["events"], ["push", "pull_request"]);
        const cfg = hook.resource.rawInputs["configuration"] as Record<string, unknown>;
        assert.ok(
            isSecret(cfg) || isSecret(cfg["secret"]),
            "webhook secret is not a secret on the wire",
        );
        const plain = hook.inputs["configuration"] as Record<string, unknown>;
        assert.equal(plain["url"], "https://dispatch.example.com/hooks/odoo");
        assert.equal(plain["insecureSsl"], false);
        assert.equal(plain["contentType"], "json");
    });

    it("wires staging's deployments, the pull requests' preview environment and the build's variables", () => {
        const envs = ofType(staging.resources, G.env).map((r) => inputsOf(r)["environment"]);
        assert.deepEqual(envs, ["staging", "preview"]);
        assert.deepEqual(
            ofType(staging.resources, G.secret)
                .map((r) => `${inputsOf(r)["environment"]}:${inputsOf(r)["secretName"]}`)
                .sort(),
            [
                "preview:DEV_HOST_SSH_KEY",
                "preview:PULUMI_CONFIG_PASSPHRASE",
                "preview:STATE_ACCESS_KEY_ID",
                "preview:STATE_SECRET_ACCESS_KEY",
                "staging:PLATFORM_DEPLOY_TOKEN",
            ],
        );
        for (const s of ofType(staging.resources, G.secret)) {
            assert.ok(isSecret(s.rawInputs["value"]), `${s.name} is not a secret on the wire`);
        }
        assert.deepEqual(
            ofType(staging.resources, G.variable)
                .map(
                    (r) =>
                        `${inputsOf(r)["environment"]}:${inputsOf(r)["variableName"]}=${inputsOf(r)["value"]}`,
                )
                .sort(),
            [
                "preview:DEV_DOMAIN=dev.example.com",
                "preview:PULUMI_BACKEND_URL=s3://example-pulumi-state?endpoint=fra1.digitaloceanspaces.com&region=us-east-1",
                "staging:ODOO_URL=https://staging.example.com",
                "staging:STACK=staging",
            ],
        );
        assert.deepEqual(
            ofType(staging.resources, G.repoVariable)
                .map((r) => `${inputsOf(r)["variableName"]}=${inputsOf(r)["value"]}`)
                .sort(),
            [
                "IMAGE_REPOSITORY=ghcr.io/example/odoo",
                "ODOO_VERSION=18.0",
                "PLATFORM_REPOSITORY=example/odoo-platform",
            ],
        );
        assert.equal(ofType(staging.resources, G.protection).length, 0);
        assert.equal(ofType(staging.resources, G.webhook).length, 0);
        assert.equal(ofType(staging.resources, G.policy).length, 0);
    });

    const refuse = (
        stack: "prod" | "staging",
        overrides: Record<string, string | undefined>,
        key: string,
        msg: RegExp,
    ) => {
        try {
            parseConfig(stack, exampleConfig(stack, overrides).config);
            assert.fail("accepted");
        } catch (e) {
            assert.ok(e instanceof ConfigError, String(e));
            const hit = e.problems.find((p) => p.key === `odoo-platform:${key}`);
            assert.ok(hit, e.message);
            assert.match(hit.message, msg);
        }
    };
    it("refuses wiring without the CI tokens", () => {
        refuse(
            "staging",
            { ciSshPrivateKey: undefined },
            "ciSshPrivateKey",
            /must be set as a secret when githubRepository is set/,
        );
        refuse(
            "prod",
            { ciPlatformDeployToken: undefined },
            "ciPlatformDeployToken",
            /must be set as a secret when githubRepository is set/,
        );
    });
    it("refuses staging wiring without the platform repository's name", () =>
        refuse(
            "staging",
            { platformRepository: undefined },
            "platformRepository",
            /is required with githubRepository/,
        ));
    it("refuses production wiring without a reviewer", () =>
        refuse(
            "prod",
            { githubProductionReviewers: "[]" },
            "githubProductionReviewers",
            /at least one GitHub user id/,
        ));
    it("refuses a reviewer that is not a user id", () =>
        refuse(
            "prod",
            { githubProductionReviewers: '["octocat"]' },
            "githubProductionReviewers[0]",
            /numeric GitHub user id/,
        ));
    it("refuses production settings on staging", () =>
        refuse(
            "staging",
            { githubDispatchUrl: "https://x.example.com" },
            "githubDispatchUrl",
            /must not be set on a staging stack/,
        ));
});

import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../stacks/config";
import { ProgramRun, inputsOf, isSecret } from "../tools/mock-cloud";
import { exampleConfig, ofType, one, runStack } from "./helpers";

const G = {
    env: "github:index/repositoryEnvironment:RepositoryEnvironment",
    policy: "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
    secret: "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
    variable: "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
    protection: "github:index/branchProtection:BranchProtection",
    webhook: "github:index/repositoryWebhook:RepositoryWebhook",
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

    it("protects the default branch with the CI and policy checks and a review", () => {
        const p = one(prod.resources, G.protection, "prod-github-protect-main").inputs;
        assert.equal(p["pattern"], "main");
        assert.match(String(p["repositoryId"]), /^R_/);
        assert.equal(p["enforceAdmins"], true);
        assert.equal(p["allowsForcePushes"], false);
        assert.equal(p["allowsDeletions"], false);
        assert.deepEqual(p["requiredStatusChecks"], [
            { strict: true, contexts: ["ci", "policy-preview"] },
        ]);
        assert.deepEqual(p["requiredPullRequestReviews"], [
            { requiredApprovingReviewCount: 1, dismissStaleReviews: true },
        ]);
    });

    it("puts exactly the production tokens into the production environment, as secrets", () => {
        const secrets = ofType(prod.resources, G.secret);
        assert.deepEqual(secrets.map((r) => inputsOf(r)["secretName"]).sort(), [
            "PROD_HOST_SSH_KEY",
            "PULUMI_CONFIG_PASSPHRASE",
            "STATE_ACCESS_KEY_ID",
            "STATE_SECRET_ACCESS_KEY",
        ]);
        for (const s of secrets) {
            assert.equal(inputsOf(s)["environment"], "production");
            assert.ok(isSecret(s.rawInputs["value"]), `${s.name} is not a secret on the wire`);
            // The deprecated field is never used.
            assert.equal(s.rawInputs["plaintextValue"], undefined, s.name);
        }
        const vars = Object.fromEntries(
            ofType(prod.resources, G.variable).map((r) => [
                inputsOf(r)["variableName"],
                inputsOf(r)["value"],
            ]),
        );
        assert.deepEqual(Object.keys(vars).sort(), [
            "DOMAIN",
            "HOST",
            "IMAGE_REPOSITORY",
            "ODOO_URL",
            "PULUMI_BACKEND_URL",
            "REGION",
            "STACK",
        ]);
        assert.equal(vars["STACK"], "prod");
        assert.equal(vars["ODOO_URL"], "https://erp.example.com");
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

    it("wires staging with its own environment and no production token or protection", () => {
        const envs = ofType(staging.resources, G.env).map((r) => inputsOf(r)["environment"]);
        assert.deepEqual(envs, ["staging"]);
        const names = ofType(staging.resources, G.secret)
            .map((r) => inputsOf(r)["secretName"])
            .sort();
        assert.deepEqual(names, [
            "DEV_HOST_SSH_KEY",
            "PULUMI_CONFIG_PASSPHRASE",
            "STATE_ACCESS_KEY_ID",
            "STATE_SECRET_ACCESS_KEY",
        ]);
        for (const s of ofType(staging.resources, G.secret))
            assert.equal(inputsOf(s)["environment"], "staging");
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
    it("refuses wiring without the CI tokens", () =>
        refuse(
            "staging",
            { ciSshPrivateKey: undefined },
            "ciSshPrivateKey",
            /must be set as a secret when githubRepository is set/,
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

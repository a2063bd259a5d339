import * as pulumi from "@pulumi/pulumi";
import {
    ConfigError,
    PROJECT,
    PlatformConfig,
    SecretKey,
    parseConfig,
    parsePreviewConfig,
    stageOfStack,
} from "./stacks/config";
import { Secrets } from "./stacks/environment";
import { buildPreview } from "./stacks/preview";
import { buildProduction } from "./stacks/production";
import { buildStaging } from "./stacks/staging";

/** Every config value of this project as Pulumi stores it (plain text, secrets decrypted). */
function rawConfig(): Record<string, string> {
    const all = pulumi.runtime.allConfig();
    return Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith(`${PROJECT}:`)));
}

/** Secrets as pulumi secrets; validated already, so only present ones are read. */
function readSecrets(cfg: PlatformConfig): Secrets {
    const config = new pulumi.Config(PROJECT);
    const optional = (key: SecretKey) =>
        pulumi.runtime.getConfig(`${PROJECT}:${key}`) === undefined
            ? undefined
            : config.requireSecret(key);
    return {
        adminPassword: config.requireSecret("adminPassword"),
        postgresPassword: optional("postgresPassword"),
        smtpPassword: cfg.stage === "production" ? optional("smtpPassword") : undefined,
        mailpitUiPassword:
            cfg.stage === "production" ? undefined : config.requireSecret("mailpitUiPassword"),
        nonProdAccessPassword:
            cfg.stage !== "production" && cfg.runtime === "droplet"
                ? config.requireSecret("nonProdAccessPassword")
                : undefined,
        alertSlackUrl: optional("alertSlackUrl"),
        // Both runtimes back up production off-site.
        resticPassword:
            cfg.stage === "production" ? config.requireSecret("resticPassword") : undefined,
        ciPulumiPassphrase: optional("ciPulumiPassphrase"),
        ciStateAccessKeyId: optional("ciStateAccessKeyId"),
        ciStateSecretAccessKey: optional("ciStateSecretAccessKey"),
        ciSshPrivateKey: optional("ciSshPrivateKey"),
        ciPlatformDeployToken: optional("ciPlatformDeployToken"),
        githubWebhookSecret: optional("githubWebhookSecret"),
        appRegistryCredentials: optional("appRegistryCredentials"),
        logDestination:
            cfg.logService === undefined ? undefined : config.requireSecret("logDestination"),
    };
}

async function main() {
    const stack = pulumi.getStack();
    try {
        // Validate everything before a single resource is registered.
        if (stageOfStack(stack) === "preview") {
            return await buildPreview(parsePreviewConfig(stack, rawConfig()));
        }
        const cfg: PlatformConfig = parseConfig(stack, rawConfig());
        const secrets = readSecrets(cfg);
        return cfg.stage === "production"
            ? buildProduction(cfg, secrets)
            : buildStaging(cfg, secrets);
    } catch (e) {
        if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
        throw e;
    }
}

export = main();

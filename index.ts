import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS, ConfigError, PROJECT, PlatformConfig, parseConfig } from "./stacks/config";
import { Secrets } from "./stacks/environment";
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
    const optional = (key: keyof typeof CONFIG_KEYS) => {
        const value = config.getSecret(key);
        return pulumi.runtime.getConfig(`${PROJECT}:${key}`) === undefined ? undefined : value;
    };
    return {
        adminPassword: config.requireSecret("adminPassword"),
        postgresPassword: config.requireSecret("postgresPassword"),
        smtpPassword: cfg.stage === "production" ? config.requireSecret("smtpPassword") : undefined,
        mailpitUiPassword:
            cfg.stage === "production" ? undefined : config.requireSecret("mailpitUiPassword"),
        alertSlackUrl: optional("alertSlackUrl") as pulumi.Output<string> | undefined,
        resticPassword:
            cfg.stage === "production" ? config.requireSecret("resticPassword") : undefined,
    };
}

function main() {
    const stack = pulumi.getStack();
    let cfg: PlatformConfig;
    try {
        // Validate everything before a single resource is registered.
        cfg = parseConfig(stack, rawConfig());
    } catch (e) {
        if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
        throw e;
    }
    const secrets = readSecrets(cfg);
    switch (cfg.stage) {
        case "production":
            return buildProduction(cfg, secrets);
        case "staging":
            return buildStaging(cfg, secrets);
        case "preview":
            throw new pulumi.RunError(
                `stack "${stack}": preview environments (pr-<N>) are not available in this ` +
                    "version; use prod or staging",
            );
    }
}

export = main();

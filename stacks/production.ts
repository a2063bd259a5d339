import { PlatformConfig } from "./config";
import { Secrets, buildEnvironment } from "./environment";

/**
 * The `prod` stack: `erp.<domain>` (proxied, Full strict), real mail, crons on, off-site backups,
 * and every stateful resource protected.
 */
export function buildProduction(cfg: PlatformConfig, secrets: Secrets) {
    if (cfg.stage !== "production") throw new Error(`buildProduction got a ${cfg.stage} config`);
    const env = buildEnvironment(cfg, secrets, {
        name: "prod",
        records: [{ name: "erp", proxied: true }],
        backups: true,
    });
    // Only what this runtime has: Pulumi warns about undefined outputs.
    const outputs = {
        stage: cfg.stage,
        url: env.url,
        healthUrl: env.healthUrl,
        // Read by the release workflow (tools/ci/release.sh).
        odooDatabase: cfg.odooDatabase,
        hostIp: env.hostIp,
        appUrl: env.appUrl,
        appId: env.appId,
        databaseUri: env.databaseUri,
        backupBucket: env.backupBucket,
        backupEndpoint: env.backupEndpoint,
        backupHealthUrl: env.backupHealthUrl,
    };
    return Object.fromEntries(Object.entries(outputs).filter(([, v]) => v !== undefined));
}

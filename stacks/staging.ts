import { FILESTORE_ROOT } from "../components/backup-job";
import { DOOR_REFERENCE } from "../components/door";
import { TEMPLATE_DATABASE } from "../components/preview-scripts";
import { PlatformConfig } from "./config";
import { DEV_OUTPUTS } from "./preview";
import { previewShareUsd } from "./prices";
import { Secrets, buildEnvironment } from "./environment";

/**
 * The `staging` stack: `staging.<domain>` with a neutralized copy of production data, mail caught
 * by Mailpit at `mail.dev.<domain>`, no crons, no outbound SMTP. The staging host is also the
 * dev host of the preview environments: `*.dev.<domain>`, the template database they clone,
 * refreshed nightly from staging, and the shared Mailpit. Records under `dev.` are DNS-only: the free edge certificate does not
 * cover two levels, Traefik serves its own certificate there.
 */
export function buildStaging(cfg: PlatformConfig, secrets: Secrets) {
    if (cfg.stage !== "staging") throw new Error(`buildStaging got a ${cfg.stage} config`);
    const env = buildEnvironment(cfg, secrets, {
        name: "staging",
        records: [
            { name: "staging", proxied: true },
            { name: "*.dev", proxied: false },
        ],
        mailpitRecord: "mail.dev",
        backups: false,
    });
    const common = {
        stage: cfg.stage,
        url: env.url,
        healthUrl: env.healthUrl,
        // Read by the release workflow (tools/ci/release.sh).
        odooDatabase: cfg.odooDatabase,
        mailUrl: env.mailUrl,
    };
    if (env.dev === undefined || env.hostIp === undefined) {
        // App Platform or a managed database: no dev host, so no preview environments.
        return env.hostIp === undefined
            ? { ...common, appUrl: env.appUrl, appId: env.appId, databaseUri: env.databaseUri }
            : { ...common, hostIp: env.hostIp, databaseUri: env.databaseUri };
    }
    const pr = cfg.prEnvironments ?? { max: 8, ttlDays: 14, memoryMb: 1536 };
    const dev = {
        address: env.hostIp,
        network: env.dev.network,
        postgresContainer: env.dev.postgresContainer,
        mailpitContainer: env.dev.mailpitContainer,
        templateDatabase: TEMPLATE_DATABASE,
        filestoreRoot: FILESTORE_ROOT,
        devDomain: `dev.${cfg.domain}`,
        max: pr.max,
        memoryMb: pr.memoryMb,
        door: DOOR_REFERENCE,
    };
    return {
        ...common,
        hostIp: env.hostIp,
        devDomain: dev.devDomain,
        templateDatabase: TEMPLATE_DATABASE,
        prTtlDays: pr.ttlDays,
        prMonthlyUsd: previewShareUsd(cfg.dropletSize, pr.memoryMb),
        // Read by pr-<N> stacks through a StackReference (see stacks/preview.ts).
        [DEV_OUTPUTS.dev]: dev,
        [DEV_OUTPUTS.postgresPassword]: secrets.postgresPassword,
        [DEV_OUTPUTS.adminPassword]: secrets.adminPassword,
    };
}

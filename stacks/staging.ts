import { PlatformConfig } from "./config";
import { Secrets, buildEnvironment } from "./environment";

/**
 * The `staging` stack: `staging.<domain>` with a neutralized copy of production data, mail caught
 * by Mailpit at `mail.dev.<domain>`, no crons, no outbound SMTP, and `*.dev.<domain>` for the
 * preview environments. Records under `dev.` are DNS-only: the free edge certificate does not
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
    return {
        stage: cfg.stage,
        url: env.url,
        healthUrl: env.healthUrl,
        mailUrl: env.mailUrl,
        hostIp: env.hostIp,
        devDomain: `dev.${cfg.domain}`,
    };
}

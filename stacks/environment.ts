import * as pulumi from "@pulumi/pulumi";
import { BackupBucket } from "../components/backup-bucket";
import { GithubWiring } from "../components/github-wiring";
import { Monitoring } from "../components/monitoring";
import { OdooContainers } from "../components/odoo-containers";
import { OdooHost } from "../components/odoo-host";
import { OdooSettings } from "../components/odoo-settings";
import { DnsRecordSpec, WildcardDns } from "../components/wildcard-dns";
import { PlatformConfig } from "./config";

/** Secret config values, as pulumi secrets from `config.requireSecret`. */
export interface Secrets {
    readonly adminPassword: pulumi.Output<string>;
    readonly postgresPassword: pulumi.Output<string>;
    readonly smtpPassword?: pulumi.Output<string>;
    readonly mailpitUiPassword?: pulumi.Output<string>;
    readonly alertSlackUrl?: pulumi.Output<string>;
    readonly resticPassword?: pulumi.Output<string>;
    readonly ciPulumiPassphrase?: pulumi.Output<string>;
    readonly ciStateAccessKeyId?: pulumi.Output<string>;
    readonly ciStateSecretAccessKey?: pulumi.Output<string>;
    readonly ciSshPrivateKey?: pulumi.Output<string>;
    readonly githubWebhookSecret?: pulumi.Output<string>;
}

/** What differs between the environments a stack builder asks for. */
export interface EnvironmentPlan {
    /** Component name; also the prefix of every physical name (`odoo-<name>-...`). */
    readonly name: string;
    /** Records relative to the zone; the first is the Odoo host name. */
    readonly records: readonly DnsRecordSpec[];
    /** Relative name of the Mailpit UI, outside production. */
    readonly mailpitRecord?: string;
    readonly backups: boolean;
}

/** Odoo's stage settings from the validated config; SMTP is filled in per stage. */
export function odooSettings(cfg: PlatformConfig): OdooSettings {
    return {
        stage: cfg.stage,
        database: cfg.odooDatabase,
        workers: cfg.odooWorkers,
        maxCronThreads: cfg.odooMaxCronThreads,
        addonsPath: cfg.odooAddonsPath,
        limitMemorySoftMb: cfg.odooLimitMemorySoftMb,
        limitMemoryHardMb: cfg.odooLimitMemoryHardMb,
        limitTimeCpu: cfg.odooLimitTimeCpu,
        limitTimeReal: cfg.odooLimitTimeReal,
        smtp:
            cfg.stage === "production" && cfg.smtpHost !== undefined
                ? {
                      host: cfg.smtpHost,
                      port: cfg.smtpPort ?? 587,
                      user: cfg.smtpUser,
                      ssl: cfg.smtpSsl,
                      from: cfg.smtpFrom,
                  }
                : // Replaced by the stack's Mailpit in OdooContainers.
                  { host: "mailpit", port: 1025 },
    };
}

/** The Odoo repository's environment for this stage, with exactly the tokens its CI needs. */
function githubWiring(
    cfg: PlatformConfig,
    secrets: Secrets,
    name: string,
    url: string,
    hostIp: pulumi.Output<string>,
) {
    const production = cfg.stage === "production";
    const need = (key: keyof Secrets) => {
        const v = secrets[key];
        if (v === undefined) throw new Error(`${key} is required with githubRepository`);
        return v;
    };
    const variables: Record<string, pulumi.Input<string>> = {
        DOMAIN: cfg.domain,
        REGION: cfg.region,
        STACK: cfg.stack,
        ODOO_URL: url,
        HOST: hostIp,
    };
    if (cfg.stateBackendUrl !== undefined) variables.PULUMI_BACKEND_URL = cfg.stateBackendUrl;
    if (cfg.odooImageRepository !== undefined) variables.IMAGE_REPOSITORY = cfg.odooImageRepository;
    return new GithubWiring(`${name}-github`, {
        repository: cfg.githubRepository as string,
        stage: production ? "production" : "staging",
        defaultBranch: cfg.githubDefaultBranch,
        secrets: {
            PULUMI_CONFIG_PASSPHRASE: need("ciPulumiPassphrase"),
            STATE_ACCESS_KEY_ID: need("ciStateAccessKeyId"),
            STATE_SECRET_ACCESS_KEY: need("ciStateSecretAccessKey"),
            [production ? "PROD_HOST_SSH_KEY" : "DEV_HOST_SSH_KEY"]: need("ciSshPrivateKey"),
        },
        variables,
        reviewers: production ? cfg.githubProductionReviewers : undefined,
        requiredChecks: production ? cfg.githubRequiredChecks : undefined,
        dispatch:
            production && cfg.githubDispatchUrl !== undefined
                ? { url: cfg.githubDispatchUrl, secret: need("githubWebhookSecret") }
                : undefined,
    });
}

export function defaultBucketName(domain: string): string {
    return `${domain.replace(/\./g, "-")}-odoo-backups`.slice(0, 63);
}

/** Builds one droplet environment: host, DNS, containers, monitoring, and backups if asked. */
export function buildEnvironment(cfg: PlatformConfig, secrets: Secrets, plan: EnvironmentPlan) {
    const production = cfg.stage === "production";
    const tags = ["odoo-platform", `odoo-${cfg.stage}`];

    const host = new OdooHost(plan.name, {
        region: cfg.region,
        size: cfg.dropletSize,
        volumeSizeGb: cfg.volumeSizeGb,
        sshAllowedCidrs: cfg.sshAllowedCidrs,
        sshPublicKey: cfg.sshPublicKey,
        allowOutboundSmtp: production,
        protectData: production,
        tags,
    });

    const records = plan.mailpitRecord
        ? [...plan.records, { name: plan.mailpitRecord, proxied: false }]
        : plan.records;
    const dns = new WildcardDns(`${plan.name}-dns`, {
        zoneId: cfg.cloudflareZoneId,
        domain: cfg.domain,
        target: host.ipAddress,
        records,
        manageZoneSettings: cfg.manageZoneSettings,
    });

    let backup: BackupBucket | undefined;
    if (plan.backups) {
        if (cfg.backupRegion === undefined) {
            throw new Error("backupRegion is required for an environment with backups");
        }
        backup = new BackupBucket(`${plan.name}-backup`, {
            bucketName: cfg.backupBucket ?? defaultBucketName(cfg.domain),
            region: cfg.backupRegion,
            hostRegion: cfg.region,
            protect: production,
        });
    }

    const odooHost = `${plan.records[0].name}.${cfg.domain}`;
    const mailpitHost = plan.mailpitRecord ? `${plan.mailpitRecord}.${cfg.domain}` : undefined;
    const containers = new OdooContainers(plan.name, {
        provider: host.docker,
        odooImage: cfg.odooImage,
        postgresImage: cfg.postgresImage,
        odoo: odooSettings(cfg),
        odooHosts: [odooHost],
        mailpitHost,
        acmeEmail: cfg.acmeEmail,
        dnsApiToken: dns.apiToken,
        adminPassword: secrets.adminPassword,
        postgresPassword: secrets.postgresPassword,
        smtpPassword: production ? secrets.smtpPassword : undefined,
        mailpitUiPassword: production ? undefined : secrets.mailpitUiPassword,
        odooMemoryMb: cfg.odooContainerMemoryMb,
        hostAddress: host.ipAddress,
        backupTarget:
            backup && secrets.resticPassword
                ? {
                      repository: pulumi.interpolate`s3:${backup.endpoint}/${backup.bucketName}/restic`,
                      password: secrets.resticPassword,
                      accessKeyId: backup.accessKeyId,
                      secretAccessKey: backup.secretAccessKey,
                      schedule: cfg.backupSchedule,
                  }
                : undefined,
    });

    const monitoring = new Monitoring(`${plan.name}-mon`, {
        dropletId: host.dropletId,
        healthHost: odooHost,
        emails: cfg.alertEmails,
        slack:
            cfg.alertSlackChannel !== undefined && secrets.alertSlackUrl !== undefined
                ? { channel: cfg.alertSlackChannel, url: secrets.alertSlackUrl }
                : undefined,
        backupHealthUrl: containers.backup.healthUrl,
    });

    if (cfg.githubRepository !== undefined) {
        githubWiring(cfg, secrets, plan.name, `https://${odooHost}`, host.ipAddress);
    }

    return {
        url: `https://${odooHost}`,
        healthUrl: monitoring.healthUrl,
        hostIp: host.ipAddress,
        mailUrl: mailpitHost ? `https://${mailpitHost}` : undefined,
        backupBucket: backup?.bucketName,
        backupEndpoint: backup?.endpoint,
        backupHealthUrl: containers.backup.healthUrl,
        network: containers.network.name,
        postgresContainer: containers.postgres.name,
        mailpitContainer: containers.mailpit?.name,
    };
}

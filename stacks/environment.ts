import * as pulumi from "@pulumi/pulumi";
import { BackupBucket } from "../components/backup-bucket";
import { appMailpitSmtp } from "../components/app-spec";
import { githubWiring } from "./github";
import { ManagedDatabase } from "../components/managed-database";
import { Monitoring } from "../components/monitoring";
import { OdooApp } from "../components/odoo-app";
import { OdooContainers } from "../components/odoo-containers";
import { OdooHost } from "../components/odoo-host";
import { OdooSettings } from "../components/odoo-settings";
import { DnsRecordSpec, WildcardDns } from "../components/wildcard-dns";
import { PlatformConfig } from "./config";
import * as digitalocean from "@pulumi/digitalocean";
import { HostSettings } from "../components/host-settings";
import { parseLogDestination } from "../components/log-shipping";
import { postgresName } from "../components/database-containers";

/** Secret config values, as pulumi secrets from `config.requireSecret`. */
export interface Secrets {
    readonly adminPassword: pulumi.Output<string>;
    /** The database container's password; absent with a managed database. */
    readonly postgresPassword?: pulumi.Output<string>;
    readonly smtpPassword?: pulumi.Output<string>;
    readonly mailpitUiPassword?: pulumi.Output<string>;
    /** Non-production on the droplet runtime: the door's password. */
    readonly nonProdAccessPassword?: pulumi.Output<string>;
    readonly alertSlackUrl?: pulumi.Output<string>;
    readonly resticPassword?: pulumi.Output<string>;
    readonly ciPulumiPassphrase?: pulumi.Output<string>;
    readonly ciStateAccessKeyId?: pulumi.Output<string>;
    readonly ciStateSecretAccessKey?: pulumi.Output<string>;
    readonly ciSshPrivateKey?: pulumi.Output<string>;
    readonly ciPlatformDeployToken?: pulumi.Output<string>;
    readonly githubWebhookSecret?: pulumi.Output<string>;
    /** App Platform: `<user>:<token>` for a private image. */
    readonly appRegistryCredentials?: pulumi.Output<string>;
    /** With logService: where every log line goes. */
    readonly logDestination?: pulumi.Output<string>;
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
        // The App Platform upgrade job's; the droplet runtime's release updates over SSH.
        updateModules: cfg.runtime === "app-platform" ? cfg.odooUpdateModules : undefined,
        dbSslMode: cfg.database === "managed" ? "require" : undefined,
        smtp:
            cfg.stage === "production" && cfg.smtpHost !== undefined
                ? {
                      host: cfg.smtpHost,
                      port: cfg.smtpPort ?? 2525,
                      user: cfg.smtpUser,
                      encryption: cfg.smtpEncryption,
                      from: cfg.smtpFrom,
                  }
                : // Replaced by the stack's Mailpit in OdooContainers.
                  { host: "mailpit", port: 1025 },
    };
}

export function defaultBucketName(domain: string): string {
    return `${domain.replace(/\./g, "-")}-odoo-backups`.slice(0, 63);
}

/** The off-site backup bucket of either runtime: another region than the environment's. */
function backupBucket(cfg: PlatformConfig, plan: EnvironmentPlan, region: string): BackupBucket {
    return new BackupBucket(`${plan.name}-backup`, {
        bucketName: cfg.backupBucket ?? defaultBucketName(cfg.domain),
        region,
        hostRegion: cfg.region,
        protect: cfg.stage === "production",
    });
}

/** What a stack builder gets back from either runtime. */
export interface Environment {
    readonly url: string;
    readonly healthUrl: string;
    readonly mailUrl?: string;
    /** Droplet runtime: the host's reserved IP. */
    readonly hostIp?: pulumi.Output<string>;
    /** App Platform: the app's own `*.ondigitalocean.app` address, and its id for doctl. */
    readonly appUrl?: pulumi.Output<string>;
    readonly appId?: pulumi.Output<string>;
    readonly backupBucket?: pulumi.Output<string>;
    readonly backupEndpoint?: string;
    readonly backupHealthUrl?: string;
    /** Managed database: Odoo's connection URI over the public host (secret), for moves. */
    readonly databaseUri?: pulumi.Output<string>;
    /** Droplet runtime with the database container: what preview environments build on. */
    readonly dev?: {
        readonly network: pulumi.Output<string>;
        readonly postgresContainer: pulumi.Output<string>;
        readonly mailpitContainer?: pulumi.Output<string>;
    };
}

/** Builds one environment on the configured runtime. */
export function buildEnvironment(
    cfg: PlatformConfig,
    secrets: Secrets,
    plan: EnvironmentPlan,
): Environment {
    return cfg.runtime === "app-platform"
        ? buildAppEnvironment(cfg, secrets, plan)
        : buildDropletEnvironment(cfg, secrets, plan);
}

/** Where alerts go on Slack, when the channel and its webhook (secret) are configured. */
function slackTarget(cfg: PlatformConfig, secrets: Secrets) {
    return cfg.alertSlackChannel !== undefined && secrets.alertSlackUrl !== undefined
        ? { channel: cfg.alertSlackChannel, url: secrets.alertSlackUrl }
        : undefined;
}

const tagsOf = (cfg: PlatformConfig) => ["odoo-platform", `odoo-${cfg.stage}`];

/** Odoo's own connection to a managed database, as `pg_restore -d` takes it. Secret. */
function databaseUri(db: ManagedDatabase, database: string): pulumi.Output<string> {
    return pulumi.secret(
        pulumi.interpolate`postgresql://${db.user.name}:${db.user.password}@${db.cluster.host}:${db.cluster.port}/${database}?sslmode=require`,
    );
}

/**
 * The official image whose client tools (pg_dump, pg_restore, psql) serve a managed cluster of
 * `version`: the droplet's backups, restores and one-shot SQL containers run them. pg_dump
 * refuses to dump a server newer than itself ("aborting because of server version mismatch").
 */
export function managedToolsImage(version: string): string {
    return `postgres:${version}`;
}

/** The managed PostgreSQL cluster of `database: managed`, on either runtime. */
function managedDatabase(
    cfg: PlatformConfig,
    secrets: Secrets,
    plan: EnvironmentPlan,
    vpcId?: pulumi.Input<string>,
) {
    const db = new ManagedDatabase(`${plan.name}-db`, {
        region: cfg.region,
        version: cfg.databaseVersion,
        size: cfg.databaseSize,
        nodeCount: cfg.databaseNodeCount,
        database: cfg.odooDatabase,
        vpcId,
        protect: cfg.stage === "production",
        allowMajorUpgrade: cfg.allowDatabaseMajorUpgrade,
        tags: tagsOf(cfg),
    });
    const logs = logsOf(cfg, secrets);
    if (logs !== undefined) {
        // PostgreSQL's own log lines, to the same service as Odoo's.
        const dest = pulumi
            .output(logs.destination)
            .apply((d) => parseLogDestination(logs.service, d));
        new digitalocean.DatabaseLogsinkRsyslog(
            `${plan.name}-db-logs`,
            {
                clusterId: db.cluster.id,
                name: `odoo-${plan.name}-${logs.service}`,
                server: dest.host,
                port: dest.port,
                tls: true,
                format: "rfc5424",
            },
            { parent: db },
        );
    }
    return db;
}

/** The log service and its destination, when the stack ships its logs. */
function logsOf(cfg: PlatformConfig, secrets: Secrets) {
    if (cfg.logService === undefined) return undefined;
    if (secrets.logDestination === undefined) {
        throw new Error("logService needs the logDestination secret");
    }
    return { service: cfg.logService, destination: secrets.logDestination };
}

/**
 * One App Platform environment: the managed database, the app (web, websocket, cron worker in
 * production, upgrade job, Mailpit outside production), DNS-only CNAMEs to the app (App Platform
 * terminates TLS with its own certificate), and the uptime check.
 */
function buildAppEnvironment(
    cfg: PlatformConfig,
    secrets: Secrets,
    plan: EnvironmentPlan,
): Environment {
    const production = cfg.stage === "production";
    const database = managedDatabase(cfg, secrets, plan);
    const odooHost = `${plan.records[0].name}.${cfg.domain}`;
    // Off-site backups as on the droplet: a bucket in another region, the app's backup worker.
    let backup: BackupBucket | undefined;
    if (plan.backups) {
        if (cfg.backupRegion === undefined || secrets.resticPassword === undefined) {
            throw new Error("backupRegion and resticPassword are required for backups");
        }
        backup = backupBucket(cfg, plan, cfg.backupRegion);
    }
    const mailpitHost = plan.mailpitRecord ? `${plan.mailpitRecord}.${cfg.domain}` : undefined;
    const settings = odooSettings(cfg);
    const app = new OdooApp(plan.name, {
        region: cfg.region,
        image: cfg.odooImage,
        registryCredentials: secrets.appRegistryCredentials,
        odoo: production ? settings : { ...settings, smtp: appMailpitSmtp() },
        odooVersion: cfg.odooVersion,
        instanceCount: cfg.appInstanceCount,
        instanceSize: cfg.appInstanceSize,
        odooHost,
        mailpitHost,
        database,
        adminPassword: secrets.adminPassword,
        smtpPassword: production ? secrets.smtpPassword : undefined,
        mailpitUiPassword: production ? undefined : secrets.mailpitUiPassword,
        pushSecrets: cfg.appPushSecrets,
        logDestination: logsOf(cfg, secrets)?.destination,
        backup:
            backup && secrets.resticPassword
                ? {
                      repository: pulumi.interpolate`s3:${backup.endpoint}/${backup.bucketName}/restic`,
                      password: secrets.resticPassword,
                      accessKeyId: backup.accessKeyId,
                      secretAccessKey: backup.secretAccessKey,
                      at: dailyTime(cfg.backupSchedule ?? "15 2 * * *"),
                  }
                : undefined,
        gitopsSecret: production ? secrets.githubWebhookSecret : undefined,
        protect: production,
        tags: tagsOf(cfg),
    });
    // Only the app's own host names: the wildcard `*.dev` belongs to the droplet dev host.
    const records = [
        plan.records[0],
        ...(plan.mailpitRecord ? [{ name: plan.mailpitRecord, proxied: false }] : []),
    ].map((r) => ({ name: r.name, proxied: false }));
    new WildcardDns(`${plan.name}-dns`, {
        zoneId: cfg.cloudflareZoneId,
        domain: cfg.domain,
        target: app.app.defaultIngress.apply((u) => new URL(u).hostname),
        targetType: "CNAME",
        records,
        manageZoneSettings: cfg.manageZoneSettings,
        issueToken: false,
    });
    const monitoring = new Monitoring(`${plan.name}-mon`, {
        healthHost: odooHost,
        emails: cfg.alertEmails,
        slack: slackTarget(cfg, secrets),
    });
    if (cfg.githubRepository !== undefined) {
        githubWiring(cfg, secrets, plan.name, `https://${odooHost}`);
    }
    return {
        url: `https://${odooHost}`,
        healthUrl: monitoring.healthUrl,
        mailUrl: mailpitHost ? `https://${mailpitHost}` : undefined,
        appUrl: app.app.defaultIngress,
        appId: app.app.id,
        databaseUri: databaseUri(database, cfg.odooDatabase),
        backupBucket: backup?.bucketName,
        backupEndpoint: backup?.endpoint,
    };
}

/**
 * The HH:MM (UTC) of a daily cron expression `M H * * *`, the one form App Platform's backup
 * worker keeps (stacks/config/concerns.ts refuses the others there).
 */
export function dailyTime(schedule: string): string {
    const m = /^\s*([0-9]{1,2})\s+([0-9]{1,2})\s+\*\s+\*\s+\*\s*$/.exec(schedule);
    if (!m || Number(m[1]) > 59 || Number(m[2]) > 23) {
        throw new Error(
            `backupSchedule "${schedule}" must be daily ("<minute> <hour> * * *") with runtime app-platform`,
        );
    }
    return `${m[2].padStart(2, "0")}:${m[1].padStart(2, "0")}`;
}

/** Builds one droplet environment: host, DNS, containers, monitoring, and backups if asked. */
function buildDropletEnvironment(
    cfg: PlatformConfig,
    secrets: Secrets,
    plan: EnvironmentPlan,
): Environment {
    const production = cfg.stage === "production";
    const tags = tagsOf(cfg);
    if (cfg.sshAllowedCidrs === undefined || cfg.sshPublicKey === undefined) {
        throw new Error("the droplet runtime needs sshAllowedCidrs and sshPublicKey");
    }

    const host = new OdooHost(plan.name, {
        region: cfg.region,
        size: cfg.dropletSize,
        volumeSizeGb: cfg.volumeSizeGb,
        sshAllowedCidrs: cfg.sshAllowedCidrs,
        sshPublicKey: cfg.sshPublicKey,
        vpcIpRange: cfg.vpcIpRange,
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
        backup = backupBucket(cfg, plan, cfg.backupRegion);
    }

    let managed: ManagedDatabase | undefined;
    if (cfg.database === "managed") {
        managed = managedDatabase(cfg, secrets, plan, host.vpc.id);
        managed.trust([{ type: "droplet", value: host.dropletId }]);
    }

    const odooHost = `${plan.records[0].name}.${cfg.domain}`;
    const mailpitHost = plan.mailpitRecord ? `${plan.mailpitRecord}.${cfg.domain}` : undefined;
    if (dns.apiToken === undefined) throw new Error("the droplet runtime needs the DNS token");
    const postgresPassword = managed
        ? pulumi.secret(managed.user.password)
        : secrets.postgresPassword;
    if (postgresPassword === undefined) {
        throw new Error("postgresPassword is required with the database container");
    }
    const containers = new OdooContainers(plan.name, {
        provider: host.docker,
        odooImage: cfg.odooImage,
        // With a managed cluster no PostgreSQL runs here: the image only brings the client tools,
        // which must be the cluster's major version (pg_dump refuses a newer server).
        postgresImage: managed ? managedToolsImage(cfg.databaseVersion) : cfg.postgresImage,
        odoo: odooSettings(cfg),
        odooVersion: cfg.odooVersion,
        odooHosts: [odooHost],
        mailpitHost,
        acmeEmail: cfg.acmeEmail,
        dnsApiToken: dns.apiToken,
        adminPassword: secrets.adminPassword,
        postgresPassword,
        smtpPassword: production ? secrets.smtpPassword : undefined,
        mailpitUiPassword: production ? undefined : secrets.mailpitUiPassword,
        anonymize: cfg.anonymize,
        doorPassword: production ? undefined : secrets.nonProdAccessPassword,
        odooMemoryMb: cfg.odooContainerMemoryMb,
        hostAddress: host.ipAddress,
        gitopsSecret: production ? secrets.githubWebhookSecret : undefined,
        trafficAlerts: production
            ? {
                  errorRatePercent: cfg.alertErrorRatePercent,
                  latencyP95Ms: cfg.alertLatencyP95Ms,
              }
            : undefined,
        managedDatabase: managed && {
            host: managed.cluster.privateHost,
            port: managed.cluster.port,
            user: managed.user.name,
            password: pulumi.secret(managed.user.password),
            admin: { user: managed.cluster.user, password: managed.cluster.password },
        },
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

    new HostSettings(`${plan.name}-settings`, {
        hostAddress: host.ipAddress,
        dropletId: host.dropletId,
        ready: host.ready,
        people: cfg.people,
        entry: {
            stage: production ? "production" : "staging",
            odooContainer: containers.odooContainerName,
            postgresContainer: containers.postgres ? postgresName(plan.name) : undefined,
            proxyContainer: `${plan.name}-traefik`,
            database: cfg.odooDatabase,
            addonsPath: cfg.odooAddonsPath,
            previews: cfg.stage === "staging",
        },
        logRetentionDays: cfg.logRetentionDays,
        logs: logsOf(cfg, secrets),
    });

    const monitoring = new Monitoring(`${plan.name}-mon`, {
        dropletId: host.dropletId,
        healthHost: odooHost,
        emails: cfg.alertEmails,
        slack: slackTarget(cfg, secrets),
        backupHealthUrl: containers.backup.healthUrl,
        trafficHealthUrl: containers.trafficHealthUrl,
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
        databaseUri: managed && databaseUri(managed, cfg.odooDatabase),
        dev: containers.postgres && {
            network: containers.network.name,
            postgresContainer: containers.postgres.name,
            mailpitContainer: containers.mailpit?.name,
        },
    };
}

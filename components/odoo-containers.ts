import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { BackupJob, BackupTarget } from "./backup-job";
import { DATA_DIRS } from "./host-rendering";
import { GRANT_SQL } from "./managed-database";
import {
    MAILPIT_SMTP_PORT,
    ODOO_CONF_PATH,
    ODOO_DATA_DIR,
    ODOO_GEVENT_PORT,
    ODOO_HTTP_PORT,
    OdooSettings,
    odooEnv,
    odooFlags,
    renderOdooConf,
} from "./odoo-settings";
import { labelList, traefikFlags, traefikLabels } from "./traefik-labels";

/**
 * Images the platform runs besides Odoo, pinned so that `up` never pulls a surprise, each on a
 * release line its maintainers still patch (Traefik: 3.7 is the line with security support, and
 * 3.3.6 was the first to fix CVE-2025-32431).
 */
export const IMAGES = {
    traefik: "traefik:v3.7.9",
    mailpit: "axllent/mailpit:v1.22.3",
} as const;

/** Mailpit's settings on either runtime (the UI password is added beside, as a secret). */
export const MAILPIT_SETTINGS: Readonly<Record<string, string>> = {
    MP_MAX_MESSAGES: "5000",
    MP_SMTP_AUTH_ACCEPT_ANY: "1",
    MP_SMTP_AUTH_ALLOW_INSECURE: "1",
};

export const DB_USER = "odoo";

export interface OdooContainersArgs {
    /** Docker provider of the host (`OdooHost.docker`). */
    readonly provider: docker.Provider;
    /** Odoo image, e.g. `odoo:18.0` or your image with the addons baked in. */
    readonly odooImage: pulumi.Input<string>;
    /** PostgreSQL image. */
    readonly postgresImage: pulumi.Input<string>;
    /** Stage settings rendered into Odoo's flags (see `odooFlags`). */
    readonly odoo: OdooSettings;
    /** Host names routed to Odoo, e.g. `erp.example.com`. */
    readonly odooHosts: readonly string[];
    /** Host name of the Mailpit UI; required outside production, absent in production. */
    readonly mailpitHost?: string;
    /** Contact e-mail for Let's Encrypt. */
    readonly acmeEmail: string;
    /** Cloudflare token with DNS edit on the zone, for the DNS-01 challenge. Secret. */
    readonly dnsApiToken: pulumi.Input<string>;
    readonly adminPassword: pulumi.Input<string>;
    readonly postgresPassword: pulumi.Input<string>;
    /** Production SMTP password; absent outside production. */
    readonly smtpPassword?: pulumi.Input<string>;
    /** Password of the Mailpit UI (user `mailpit`); required with `mailpitHost`. */
    readonly mailpitUiPassword?: pulumi.Input<string>;
    /** Memory limit of the Odoo container in MB. */
    readonly odooMemoryMb: number;
    /** Public address of the host (for the pre-upgrade backup over SSH). */
    readonly hostAddress: pulumi.Input<string>;
    /** Production: where and when backups go. Absent elsewhere (restore tooling only). */
    readonly backupTarget?: BackupTarget;
    /** Non-production: the base URL a refreshed copy gets. */
    readonly baseUrl?: string;
    /**
     * A managed PostgreSQL cluster instead of the database container (`database: managed`),
     * reached over the VPC with TLS. Odoo connects directly: its cron threads and websocket
     * LISTEN, which a transaction pool would break.
     */
    readonly managedDatabase?: {
        readonly host: pulumi.Input<string>;
        readonly port: pulumi.Input<number>;
        readonly user: pulumi.Input<string>;
        readonly password: pulumi.Input<string>;
        /** The cluster's admin role, for the one-time grant (GRANT_SQL). Password secret. */
        readonly admin: {
            readonly user: pulumi.Input<string>;
            readonly password: pulumi.Input<string>;
        };
    };
}

/**
 * The containers of one environment, as Pulumi resources on the host's Docker engine: Traefik
 * (TLS by DNS-01, one router per host name, `/websocket` to the gevent port), PostgreSQL (data on
 * the volume), Odoo (flags from the stage), and Mailpit outside production.
 */
export class OdooContainers extends pulumi.ComponentResource {
    public readonly network: docker.Network;
    public readonly traefik: docker.Container;
    /** The database container; absent with a managed database. */
    public readonly postgres?: docker.Container;
    public readonly odoo: docker.Container;
    public readonly mailpit?: docker.Container;
    public readonly backup: BackupJob;
    /** Name of the Odoo container (its host name on the network). */
    public readonly odooContainerName: string;

    constructor(name: string, args: OdooContainersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("odoo-platform:host:OdooContainers", name, {}, opts);
        const production = args.odoo.stage === "production";
        if (!production && args.mailpitHost === undefined) {
            throw new Error(`${name}: a ${args.odoo.stage} environment needs mailpitHost`);
        }
        if (production && args.mailpitHost !== undefined) {
            throw new Error(`${name}: production has no Mailpit; drop mailpitHost`);
        }
        const child = { parent: this, provider: args.provider };
        const netName = `odoo-${name}`;

        this.network = new docker.Network(
            `${name}-net`,
            { name: netName, driver: "bridge" },
            child,
        );
        const networks = [{ name: this.network.name }];
        const image = (key: string, ref: pulumi.Input<string>) =>
            new docker.RemoteImage(`${name}-${key}-image`, { name: ref, keepLocally: true }, child);

        this.traefik = new docker.Container(
            `${name}-traefik`,
            {
                name: `${name}-traefik`,
                image: image("traefik", IMAGES.traefik).imageId,
                command: traefikFlags({ acmeEmail: args.acmeEmail, network: netName }),
                envs: [
                    pulumi.interpolate`CF_DNS_API_TOKEN=${args.dnsApiToken}`,
                    pulumi.interpolate`CF_ZONE_API_TOKEN=${args.dnsApiToken}`,
                ],
                ports: [
                    { internal: 80, external: 80 },
                    { internal: 443, external: 443 },
                ],
                mounts: [
                    {
                        type: "bind",
                        source: "/var/run/docker.sock",
                        target: "/var/run/docker.sock",
                        readOnly: true,
                    },
                    { type: "bind", source: DATA_DIRS.traefik, target: "/letsencrypt" },
                ],
                networksAdvanced: networks,
                restart: "unless-stopped",
                healthcheck: {
                    tests: ["CMD", "traefik", "healthcheck", "--ping"],
                    interval: "30s",
                },
            },
            child,
        );

        const pgName = `${name}-postgres`;
        const managed = args.managedDatabase;
        const pg = managed ?? {
            host: pgName,
            port: 5432,
            user: DB_USER,
            password: args.postgresPassword,
        };
        if (managed === undefined)
            this.postgres = new docker.Container(
                pgName,
                {
                    name: pgName,
                    image: image("postgres", args.postgresImage).imageId,
                    envs: [
                        `POSTGRES_USER=${DB_USER}`,
                        "POSTGRES_DB=postgres",
                        "PGDATA=/var/lib/postgresql/data/pgdata",
                        pulumi.interpolate`POSTGRES_PASSWORD=${args.postgresPassword}`,
                    ],
                    mounts: [
                        {
                            type: "bind",
                            source: DATA_DIRS.postgres,
                            target: "/var/lib/postgresql/data",
                        },
                    ],
                    networksAdvanced: networks,
                    restart: "unless-stopped",
                    // No published port: only containers on this network reach the database.
                    healthcheck: {
                        tests: ["CMD-SHELL", `pg_isready -U ${DB_USER} -d postgres`],
                        interval: "10s",
                    },
                    shmSize: 256,
                    stopTimeout: 120,
                },
                child,
            );

        if (args.mailpitHost !== undefined) {
            if (args.mailpitUiPassword === undefined) {
                throw new Error(`${name}: mailpitUiPassword is required with mailpitHost`);
            }
            this.mailpit = new docker.Container(
                `${name}-mailpit`,
                {
                    name: `${name}-mailpit`,
                    image: image("mailpit", IMAGES.mailpit).imageId,
                    envs: [
                        ...Object.entries(MAILPIT_SETTINGS).map(([k, v]) => `${k}=${v}`),
                        pulumi.interpolate`MP_UI_AUTH=mailpit:${args.mailpitUiPassword}`,
                    ],
                    labels: labelList(
                        traefikLabels({
                            hosts: [args.mailpitHost],
                            port: 8025,
                            noindex: true,
                            network: netName,
                        }),
                    ),
                    networksAdvanced: networks,
                    restart: "unless-stopped",
                    memory: 256,
                },
                child,
            );
        }

        // A managed cluster: its admin role lets Odoo's role create tables, once, before Odoo
        // starts (a one-shot container that Docker keeps as exited; rerunning it is harmless).
        let grant: docker.Container | undefined;
        if (managed !== undefined) {
            grant = new docker.Container(
                `${name}-db-grant`,
                {
                    name: `${name}-db-grant`,
                    image: image("postgres", args.postgresImage).imageId,
                    command: [
                        "sh",
                        "-c",
                        'printf "%s" "$GRANT_SQL" | psql -X -q -v ON_ERROR_STOP=1 -v db="$PGDATABASE" -v role="$ODOO_ROLE"',
                    ],
                    envs: [
                        pulumi.interpolate`PGHOST=${managed.host}`,
                        pulumi.interpolate`PGPORT=${managed.port}`,
                        pulumi.interpolate`PGUSER=${managed.admin.user}`,
                        `PGDATABASE=${args.odoo.database}`,
                        "PGSSLMODE=require",
                        pulumi.interpolate`ODOO_ROLE=${managed.user}`,
                        `GRANT_SQL=${GRANT_SQL}`,
                        pulumi.interpolate`PGPASSWORD=${pulumi.secret(managed.admin.password)}`,
                    ],
                    networksAdvanced: networks,
                    restart: "no",
                    mustRun: false,
                    attach: true,
                    logs: true,
                },
                child,
            );
        }

        this.backup = new BackupJob(
            name,
            {
                provider: args.provider,
                network: netName,
                stage: args.odoo.stage,
                database: args.odoo.database,
                pgHost: pg.host,
                pgPort: pg.port,
                pgUser: pg.user,
                pgPassword: pg.password,
                pgSslMode: managed ? "require" : undefined,
                pgImage: args.postgresImage,
                odooImage: args.odooImage,
                addonsPath: args.odoo.addonsPath,
                target: production ? args.backupTarget : undefined,
                refresh: production
                    ? undefined
                    : {
                          baseUrl: args.baseUrl ?? `https://${args.odooHosts[0]}`,
                          mailpitHost: `${name}-mailpit`,
                      },
                healthHost: production ? args.odooHosts[0] : undefined,
                templateRefresh: managed === undefined,
                hostAddress: args.hostAddress,
                upgradeTrigger: production ? args.odooImage : undefined,
            },
            { parent: this, dependsOn: this.postgres ? [this.postgres] : [] },
        );

        this.odooContainerName = `${name}-odoo`;
        const smtp = production
            ? args.odoo.smtp
            : { host: `${name}-mailpit`, port: MAILPIT_SMTP_PORT };
        const settings: OdooSettings = { ...args.odoo, smtp };
        const conf = pulumi
            .all([args.adminPassword, args.smtpPassword])
            .apply(([adminPassword, smtpPassword]) =>
                renderOdooConf({ adminPassword, smtpPassword }),
            );
        this.odoo = new docker.Container(
            this.odooContainerName,
            {
                name: this.odooContainerName,
                image: image("odoo", args.odooImage).imageId,
                command: odooFlags(settings),
                envs: managed
                    ? [
                          pulumi.interpolate`HOST=${managed.host}`,
                          pulumi.interpolate`PORT=${managed.port}`,
                          pulumi.interpolate`USER=${managed.user}`,
                          `ODOO_STAGE=${settings.stage}`,
                          "PGSSLMODE=require",
                          pulumi.interpolate`PASSWORD=${managed.password}`,
                      ]
                    : [
                          ...odooEnv(settings, pgName, DB_USER),
                          pulumi.interpolate`PASSWORD=${args.postgresPassword}`,
                      ],
                uploads: [{ file: ODOO_CONF_PATH, content: pulumi.secret(conf) }],
                mounts: [{ type: "bind", source: DATA_DIRS.odoo, target: ODOO_DATA_DIR }],
                labels: labelList(
                    traefikLabels({
                        hosts: args.odooHosts,
                        port: ODOO_HTTP_PORT,
                        websocketPort: settings.workers > 0 ? ODOO_GEVENT_PORT : undefined,
                        noindex: !production,
                        network: netName,
                    }),
                ),
                networksAdvanced: networks,
                restart: "unless-stopped",
                memory: args.odooMemoryMb,
                healthcheck: {
                    tests: ["CMD", "curl", "-fsS", `http://localhost:${ODOO_HTTP_PORT}/web/health`],
                    interval: "30s",
                    startPeriod: "120s",
                },
                stopTimeout: 60,
            },
            {
                ...child,
                dependsOn: [
                    ...(this.postgres ? [this.postgres] : []),
                    ...(grant ? [grant] : []),
                    ...(this.mailpit ? [this.mailpit] : []),
                    ...(this.backup.preUpgradeBackup ? [this.backup.preUpgradeBackup] : []),
                ],
            },
        );

        this.registerOutputs({});
    }
}

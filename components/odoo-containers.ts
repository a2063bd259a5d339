import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { BackupJob, BackupTarget } from "./backup-job";
import {
    DB_USER,
    createDatabaseGrant,
    createPostgres,
    postgresConnection,
    postgresName,
} from "./database-containers";
import { createParameterDelivery } from "./gitops";
import { DATA_DIRS } from "./host-rendering";
import { OdooVersion } from "./app-spec";
import { createOdooInit } from "./odoo-init";
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
import { labelList, routerName, traefikFlags, traefikLabels } from "./traefik-labels";
import { CONTAINER_LOGGING } from "./log-shipping";
import { AnonymizeMode } from "./anonymization";
import {
    DOOR_REFERENCE,
    DOOR_USER,
    DOOR_USERS_LABEL,
    OPEN_PATHS,
    doorDefinitionLabels,
    htpasswdLine,
} from "./door";
import { TrafficAlerts } from "./traffic-alerts";

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

export { DB_USER };

export interface OdooContainersArgs {
    /** Docker provider of the host (`OdooHost.docker`). */
    readonly provider: docker.Provider;
    /** Odoo image, e.g. `odoo:18.0` or your image with the addons baked in. */
    readonly odooImage: pulumi.Input<string>;
    /** PostgreSQL image. */
    readonly postgresImage: pulumi.Input<string>;
    /** Stage settings rendered into Odoo's flags (see `odooFlags`). */
    readonly odoo: OdooSettings;
    /** Odoo major version as configured (`odooVersion`), e.g. "18.0". */
    readonly odooVersion: OdooVersion;
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
    /**
     * Production: the GitOps dispatch secret, delivered to Odoo's system parameter
     * `pulser.webhook.secret` (see gitops.ts). Secret. @default none delivered
     */
    readonly gitopsSecret?: pulumi.Input<string>;
    /**
     * Alerts on Odoo's real traffic (traffic-alerts.ts): the thresholds of the error rate (percent
     * of 5xx) and of the p95 of request durations (ms). @default none
     */
    readonly trafficAlerts?: { readonly errorRatePercent: number; readonly latencyP95Ms: number };
    /** Non-production: the base URL a refreshed copy gets. */
    readonly baseUrl?: string;
    /** Non-production: what a refreshed copy has anonymized (config `anonymize`). */
    readonly anonymize?: AnonymizeMode;
    /**
     * Non-production: the door's password (user `team`, config `nonProdAccessPassword`). The
     * door is defined on Mailpit's labels and named by the routers of Odoo, Mailpit and the
     * preview environments; `/web/health` stays open for the uptime check. Secret.
     */
    readonly doorPassword?: pulumi.Input<string>;
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

/** What the builders of one environment's containers share. */
export interface ContainersContext {
    /** The component's name, which every child's name starts with. */
    readonly name: string;
    readonly args: OdooContainersArgs;
    readonly production: boolean;
    /** A child's options: parented to the component, on the host's Docker provider. */
    readonly child: pulumi.CustomResourceOptions;
    /** Name of the environment's Docker network, which Traefik routes on. */
    readonly netName: string;
    readonly networks: docker.types.input.ContainerNetworksAdvanced[];
    /** The image `ref` pulled as `<name>-<key>-image`, kept on the host. */
    readonly image: (key: string, ref: pulumi.Input<string>) => docker.RemoteImage;
}

/** Refuses arguments that do not fit the stage, before any child is registered. */
function validateArgs(name: string, args: OdooContainersArgs): void {
    const production = args.odoo.stage === "production";
    if (!production && args.mailpitHost === undefined) {
        throw new Error(`${name}: a ${args.odoo.stage} environment needs mailpitHost`);
    }
    if (production && args.mailpitHost !== undefined) {
        throw new Error(`${name}: production has no Mailpit; drop mailpitHost`);
    }
    if (args.mailpitHost !== undefined && args.mailpitUiPassword === undefined) {
        throw new Error(`${name}: mailpitUiPassword is required with mailpitHost`);
    }
    if (!production && args.doorPassword === undefined) {
        throw new Error(
            `${name}: a ${args.odoo.stage} environment serves a copy of production behind a door: ` +
                "set doorPassword (config nonProdAccessPassword)",
        );
    }
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
    /** With trafficAlerts: the endpoint that answers 503 while Odoo's traffic crosses a threshold. */
    public readonly trafficHealthUrl?: string;

    constructor(name: string, args: OdooContainersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("odoo-platform:host:OdooContainers", name, {}, opts);
        validateArgs(name, args);
        const child = { parent: this, provider: args.provider };
        const netName = `odoo-${name}`;

        this.network = this.createNetwork(name, netName, child);
        const ctx: ContainersContext = {
            name,
            args,
            production: args.odoo.stage === "production",
            child,
            netName,
            networks: [{ name: this.network.name }],
            image: (key, ref) =>
                new docker.RemoteImage(
                    `${name}-${key}-image`,
                    { name: ref, keepLocally: true },
                    child,
                ),
        };
        this.traefik = this.createTraefik(ctx);
        this.postgres = createPostgres(ctx);
        this.mailpit = this.createMailpit(ctx);
        const grant = createDatabaseGrant(ctx);
        this.backup = this.createBackup(ctx, this.postgres);
        this.odooContainerName = `${name}-odoo`;
        const odooImage = ctx.image("odoo", args.odooImage);
        const settings = this.odooSettings(ctx);
        const init = createOdooInit(ctx, settings, args.odooVersion, odooImage, [
            this.postgres,
            grant,
        ]);
        this.odoo = this.createOdoo(ctx, settings, odooImage, [
            init,
            this.mailpit,
            this.backup.preUpgradeBackup,
        ]);
        if (args.trafficAlerts !== undefined) {
            this.trafficHealthUrl = new TrafficAlerts(
                `${name}-traffic`,
                {
                    provider: args.provider,
                    network: netName,
                    traefikContainer: this.traefik.name,
                    odooRouter: routerName(args.odooHosts[0]),
                    host: args.odooHosts[0],
                    ...args.trafficAlerts,
                },
                { parent: this, dependsOn: [this.traefik] },
            ).healthUrl;
        }
        if (args.gitopsSecret !== undefined) {
            createParameterDelivery(ctx, args.gitopsSecret, [this.odoo]);
        }

        this.registerOutputs({});
    }

    /** The environment's bridge network: containers reach each other by name, nothing else does. */
    private createNetwork(
        name: string,
        netName: string,
        child: pulumi.CustomResourceOptions,
    ): docker.Network {
        return new docker.Network(`${name}-net`, { name: netName, driver: "bridge" }, child);
    }

    /** Traefik: TLS certificates by Cloudflare DNS-01, routes from the containers' labels. */
    private createTraefik(ctx: ContainersContext): docker.Container {
        const { name, args } = ctx;
        return new docker.Container(
            `${name}-traefik`,
            {
                name: `${name}-traefik`,
                ...CONTAINER_LOGGING,
                image: ctx.image("traefik", IMAGES.traefik).imageId,
                command: traefikFlags({ acmeEmail: args.acmeEmail, network: ctx.netName }),
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
                networksAdvanced: ctx.networks,
                restart: "unless-stopped",
                healthcheck: {
                    tests: ["CMD", "traefik", "healthcheck", "--ping"],
                    interval: "30s",
                },
            },
            ctx.child,
        );
    }

    /** Mailpit outside production: it catches every mail Odoo sends, the UI behind a password. */
    private createMailpit(ctx: ContainersContext): docker.Container | undefined {
        const { name, args } = ctx;
        if (args.mailpitHost === undefined) return undefined;
        return new docker.Container(
            `${name}-mailpit`,
            {
                name: `${name}-mailpit`,
                ...CONTAINER_LOGGING,
                image: ctx.image("mailpit", IMAGES.mailpit).imageId,
                envs: [
                    ...Object.entries(MAILPIT_SETTINGS).map(([k, v]) => `${k}=${v}`),
                    // Behind the door the browser sends the door's login (one Authorization header
                    // per request): Mailpit accepts it beside its own (MP_UI_AUTH is split on
                    // whitespace, Mailpit 1.22.3).
                    args.doorPassword === undefined
                        ? pulumi.interpolate`MP_UI_AUTH=mailpit:${args.mailpitUiPassword}`
                        : pulumi.interpolate`MP_UI_AUTH=mailpit:${args.mailpitUiPassword} ${DOOR_USER}:${args.doorPassword}`,
                ],
                labels: [
                    ...labelList(
                        traefikLabels({
                            hosts: [args.mailpitHost],
                            port: 8025,
                            noindex: true,
                            network: ctx.netName,
                            door: DOOR_REFERENCE,
                        }),
                    ),
                    // The door itself, which every router of the dev host names.
                    ...labelList(doorDefinitionLabels()),
                    {
                        label: DOOR_USERS_LABEL,
                        value: pulumi
                            .secret(args.doorPassword as pulumi.Input<string>)
                            .apply((p) => htpasswdLine(p)),
                    },
                ],
                networksAdvanced: ctx.networks,
                restart: "unless-stopped",
                memory: 256,
            },
            ctx.child,
        );
    }

    /** Backups in production, refreshes from production elsewhere, the pre-upgrade dump. */
    private createBackup(ctx: ContainersContext, postgres?: docker.Container): BackupJob {
        const { name, args, production } = ctx;
        const managed = args.managedDatabase;
        const pg = postgresConnection(ctx);
        return new BackupJob(
            name,
            {
                provider: args.provider,
                network: ctx.netName,
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
                          anonymize: args.anonymize ?? "personal-data",
                      },
                healthHost: production ? args.odooHosts[0] : undefined,
                templateRefresh: managed === undefined,
                hostAddress: args.hostAddress,
                upgradeTrigger: production ? args.odooImage : undefined,
            },
            { parent: this, dependsOn: postgres ? [postgres] : [] },
        );
    }

    /** Odoo, started after what it needs (each of `after` that exists), behind Traefik. */
    /** The stage's settings; mail outside production goes to the environment's Mailpit. */
    private odooSettings(ctx: ContainersContext): OdooSettings {
        const { name, args, production } = ctx;
        const smtp = production
            ? args.odoo.smtp
            : { host: `${name}-mailpit`, port: MAILPIT_SMTP_PORT };
        return { ...args.odoo, smtp };
    }

    private createOdoo(
        ctx: ContainersContext,
        settings: OdooSettings,
        image: docker.RemoteImage,
        after: readonly (pulumi.Resource | undefined)[],
    ): docker.Container {
        const { name, args, production } = ctx;
        const managed = args.managedDatabase;
        const conf = pulumi
            .all([args.adminPassword, args.smtpPassword])
            .apply(([adminPassword, smtpPassword]) =>
                renderOdooConf({ adminPassword, smtpPassword }),
            );
        return new docker.Container(
            this.odooContainerName,
            {
                name: this.odooContainerName,
                ...CONTAINER_LOGGING,
                image: image.imageId,
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
                          ...odooEnv(settings, postgresName(name), DB_USER),
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
                        network: ctx.netName,
                        door: production ? undefined : DOOR_REFERENCE,
                        openPaths: OPEN_PATHS,
                    }),
                ),
                networksAdvanced: ctx.networks,
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
                ...ctx.child,
                dependsOn: after.filter((r): r is pulumi.Resource => r !== undefined),
            },
        );
    }
}

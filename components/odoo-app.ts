import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import {
    APP_COMPONENTS,
    AppEnv,
    AttachmentStorage,
    appLevelEnv,
    appRegion,
    appRunCommand,
    commandLine,
    databaseEnv,
    general,
    imageSource,
    ingressRules,
} from "./app-spec";
import { BackupBucket } from "./backup-bucket";
import { IMAGES, MAILPIT_SETTINGS } from "./odoo-containers";
import { ManagedDatabase } from "./managed-database";
import { ODOO_GEVENT_PORT, ODOO_HTTP_PORT, OdooSettings } from "./odoo-settings";

/** The session store: a small Valkey cluster; a session outlives every deploy and instance. */
export const SESSION_STORE = { engine: "valkey", version: "8", size: "db-s-1vcpu-1gb" } as const;

export interface OdooAppArgs {
    /** DigitalOcean region of the data, e.g. `fra1`; the app runs in its App Platform region. */
    readonly region: string;
    /** Odoo image built from examples/app-platform/Dockerfile (entrypoint, session store). */
    readonly image: string;
    /** Stage settings, the same as the droplet runtime's. */
    readonly odoo: OdooSettings;
    /** Odoo major version, e.g. "18.0": server-wide modules and demo data depend on it. */
    readonly odooVersion: string;
    readonly attachmentStorage: AttachmentStorage;
    /** Web instances (production: 2 or more) and their size. */
    readonly instanceCount: number;
    readonly instanceSize: string;
    /** Host name Odoo answers on, e.g. `erp.example.com`. */
    readonly odooHost: string;
    /** Host name of the Mailpit UI; required outside production, absent in production. */
    readonly mailpitHost?: string;
    readonly database: ManagedDatabase;
    readonly adminPassword: pulumi.Input<string>;
    /** Production SMTP password. */
    readonly smtpPassword?: pulumi.Input<string>;
    /** Password of the Mailpit UI (user `mailpit`), outside production. */
    readonly mailpitUiPassword?: pulumi.Input<string>;
    /**
     * Send secret values with this update. App Platform answers a SECRET env with its ciphertext
     * (`EV[1:...]`), which never equals the value sent, so by default the components' envs are left
     * as deployed and an unchanged `up` does not redeploy. Set for the one `up` that rotates a
     * secret.
     */
    readonly pushSecrets: boolean;
    /** Production: protect the attachment bucket and the session store. */
    readonly protect: boolean;
    readonly tags: readonly string[];
}

type Env = AppEnv<pulumi.Input<string>>;

const secret = (key: string, value: pulumi.Input<string>): Env => ({
    key,
    value: pulumi.secret(value),
    scope: "RUN_TIME",
    type: "SECRET",
});

/**
 * Odoo on DigitalOcean App Platform: a web service (N instances, health check on /web/health), a
 * websocket service that `/websocket` is routed to, a cron worker (production only, the one place
 * crons run), a PRE_DEPLOY job that upgrades the modules before a deploy takes traffic, Mailpit
 * outside production, app alerts, a Valkey session store, and attachments in the database or a
 * private Spaces bucket. Data lives in the ManagedDatabase, whose firewall admits this app only.
 */
export class OdooApp extends pulumi.ComponentResource {
    public readonly app: digitalocean.App;
    public readonly sessions: digitalocean.DatabaseCluster;
    public readonly attachments?: BackupBucket;
    /** Paths of the spec left as deployed unless `pushSecrets` (see there). */
    public readonly secretEnvPaths: string[];

    constructor(name: string, args: OdooAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("odoo-platform:app:OdooApp", name, {}, opts);
        const production = args.odoo.stage === "production";
        if (production !== (args.mailpitHost === undefined)) {
            throw new Error(`${name}: Mailpit runs outside production only (mailpitHost)`);
        }
        if (production && args.instanceCount < 2) {
            throw new Error(`${name}: production runs at least 2 web instances`);
        }
        const child = { parent: this };
        const appName = `odoo-${name}`;

        this.sessions = new digitalocean.DatabaseCluster(
            `${name}-sessions`,
            {
                name: `odoo-${name}-sessions`,
                engine: SESSION_STORE.engine,
                version: SESSION_STORE.version,
                size: SESSION_STORE.size,
                region: args.region,
                nodeCount: 1,
                tags: [...args.tags],
            },
            {
                ...child,
                protect: args.protect,
                additionalSecretOutputs: ["password", "uri", "privateUri"],
            },
        );

        let bucket: { endpoint: string; region: string; name: string } | undefined;
        const storageSecrets: Env[] = [];
        if (args.attachmentStorage === "spaces") {
            const attachments = new BackupBucket(
                `${name}-attachments`,
                {
                    bucketName: `${appName}-attachments`,
                    region: args.region,
                    keyPurpose: "attachments",
                    protect: args.protect,
                },
                child,
            );
            this.attachments = attachments;
            bucket = {
                endpoint: attachments.endpoint,
                region: args.region,
                name: `${appName}-attachments`,
            };
            storageSecrets.push(
                secret("AWS_ACCESS_KEY_ID", attachments.accessKeyId),
                secret("AWS_SECRET_ACCESS_KEY", attachments.secretAccessKey),
            );
        }

        const odooSecrets: Env[] = [
            secret("ODOO_ADMIN_PASSWD", args.adminPassword),
            secret("ODOO_SESSION_REDIS_URL", this.sessions.uri),
            ...storageSecrets,
            ...(production && args.smtpPassword !== undefined
                ? [secret("ODOO_SMTP_PASSWORD", args.smtpPassword)]
                : []),
        ];
        const image = imageSource(args.image);
        const db = args.database;
        const pooled = pulumi
            .all([db.pool.host, db.pool.port])
            .apply(([host, port]) => databaseEnv(args.odoo.database, { host, port }));
        const direct = databaseEnv(args.odoo.database);
        const run = (role: Parameters<typeof appRunCommand>[0]) =>
            commandLine(appRunCommand(role, args.odoo, args.attachmentStorage, args.odooVersion));
        const healthCheck = (port: number) => ({
            httpPath: "/web/health",
            port,
            initialDelaySeconds: 30,
            periodSeconds: 10,
            timeoutSeconds: 5,
            failureThreshold: 6,
        });
        const componentAlerts = [
            { rule: "CPU_UTILIZATION", operator: "GREATER_THAN", value: 85, window: "TEN_MINUTES" },
            { rule: "MEM_UTILIZATION", operator: "GREATER_THAN", value: 90, window: "TEN_MINUTES" },
            { rule: "RESTART_COUNT", operator: "GREATER_THAN", value: 3, window: "THIRTY_MINUTES" },
        ];

        const services: digitalocean.types.input.AppSpecService[] = [
            {
                name: APP_COMPONENTS.web,
                image,
                instanceCount: args.instanceCount,
                instanceSizeSlug: args.instanceSize,
                httpPort: ODOO_HTTP_PORT,
                runCommand: run("web"),
                healthCheck: healthCheck(ODOO_HTTP_PORT),
                envs: pooled.apply((envs) => [...envs, ...odooSecrets]),
                alerts: componentAlerts,
                // Long requests (reports, imports) finish before an old instance goes away.
                termination: { drainSeconds: 60, gracePeriodSeconds: 120 },
            },
            {
                name: APP_COMPONENTS.websocket,
                image,
                instanceCount: production ? 2 : 1,
                // One gevent process holds every websocket; it needs little memory.
                instanceSizeSlug: "apps-s-1vcpu-1gb",
                httpPort: ODOO_GEVENT_PORT,
                runCommand: run("websocket"),
                healthCheck: healthCheck(ODOO_GEVENT_PORT),
                envs: [...direct, ...odooSecrets],
                alerts: componentAlerts,
            },
        ];
        if (args.mailpitHost !== undefined) {
            if (args.mailpitUiPassword === undefined) {
                throw new Error(`${name}: mailpitUiPassword is required with mailpitHost`);
            }
            services.push({
                name: APP_COMPONENTS.mailpit,
                image: imageSource(IMAGES.mailpit),
                instanceCount: 1,
                instanceSizeSlug: "apps-s-1vcpu-1gb",
                httpPort: 8025,
                internalPorts: [1025],
                // A TCP check: the UI answers only with the password.
                healthCheck: { port: 8025 },
                envs: [
                    ...Object.entries(MAILPIT_SETTINGS).map(([k, v]) => general(k, v)),
                    secret("MP_UI_AUTH", pulumi.interpolate`mailpit:${args.mailpitUiPassword}`),
                ],
            });
        }
        const workers: digitalocean.types.input.AppSpecWorker[] =
            args.odoo.maxCronThreads > 0
                ? [
                      {
                          name: APP_COMPONENTS.cron,
                          image,
                          instanceCount: 1,
                          instanceSizeSlug: args.instanceSize,
                          runCommand: run("cron"),
                          envs: [...direct, ...odooSecrets],
                          alerts: componentAlerts,
                      },
                  ]
                : [];
        const jobs: digitalocean.types.input.AppSpecJob[] = [
            {
                name: APP_COMPONENTS.upgrade,
                kind: "PRE_DEPLOY",
                image,
                instanceCount: 1,
                instanceSizeSlug: args.instanceSize,
                runCommand: run("upgrade"),
                // The cluster's admin role, to hand Odoo's database and schema to Odoo's role
                // once (PostgreSQL 15+ lets only the owner create tables in `public`).
                envs: [
                    ...direct,
                    ...odooSecrets,
                    general("PGADMIN_USER", db.cluster.user),
                    secret("PGADMIN_PASSWORD", db.cluster.password),
                ],
            },
        ];

        this.secretEnvPaths = [
            ...services.map((_, i) => `spec.services[${i}].envs`),
            ...workers.map((_, i) => `spec.workers[${i}].envs`),
            ...jobs.map((_, i) => `spec.jobs[${i}].envs`),
        ];

        this.app = new digitalocean.App(
            `${name}-app`,
            {
                spec: {
                    name: appName,
                    region: appRegion(args.region),
                    domainNames: [
                        { name: args.odooHost, type: "PRIMARY" },
                        ...(args.mailpitHost !== undefined
                            ? [{ name: args.mailpitHost, type: "ALIAS" }]
                            : []),
                    ],
                    // No destinations: App Platform mails the team; the uptime check (Monitoring)
                    // reaches alertEmails and Slack, and a webhook URL here would be one more
                    // value App Platform re-encrypts.
                    alerts: [
                        { rule: "DEPLOYMENT_FAILED" },
                        { rule: "DOMAIN_FAILED" },
                        { rule: "DEPLOYMENT_LIVE" },
                    ],
                    databases: [
                        {
                            name: APP_COMPONENTS.db,
                            engine: "PG",
                            production: true,
                            clusterName: db.clusterName,
                            dbName: args.odoo.database,
                            dbUser: db.user.name,
                        },
                    ],
                    envs: appLevelEnv(args.odoo.stage, args.attachmentStorage, bucket),
                    ingress: { rules: ingressRules(args.odooHost, args.mailpitHost) },
                    services,
                    workers,
                    jobs,
                },
            },
            {
                ...child,
                dependsOn: [db.db, db.user, db.pool],
                ignoreChanges: args.pushSecrets ? [] : this.secretEnvPaths,
            },
        );

        db.trust([{ type: "app", value: this.app.id }]);
        new digitalocean.DatabaseFirewall(
            `${name}-sessions-firewall`,
            { clusterId: this.sessions.id, rules: [{ type: "app", value: this.app.id }] },
            child,
        );

        this.registerOutputs({ defaultIngress: this.app.defaultIngress });
    }
}

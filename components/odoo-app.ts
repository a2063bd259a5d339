import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import {
    APP_COMPONENTS,
    APP_ENTRYPOINT,
    APP_HEALTH,
    AppEnv,
    AppRole,
    appLevelEnv,
    appRegion,
    appRunCommand,
    commandLine,
    databaseEnv,
    general,
    imageSource,
    ingressRules,
    webMaxConnections,
} from "./app-spec";
import { IMAGES, MAILPIT_SETTINGS } from "./odoo-containers";
import { ManagedDatabase } from "./managed-database";
import { appLogDestinations } from "./log-shipping";
import { GITOPS_SECRET_ENV } from "./gitops";
import { ODOO_HTTP_PORT, OdooSettings } from "./odoo-settings";

/** The session store: a small Valkey cluster; a session outlives every deploy and instance. */
export const SESSION_STORE = { engine: "valkey", version: "8", size: "db-s-1vcpu-1gb" } as const;

export interface OdooAppArgs {
    /** DigitalOcean region of the data, e.g. `fra1`; the app runs in its App Platform region. */
    readonly region: string;
    /** An image of the platform's build (tools/odoo-image) whose repository holds session_redis. */
    readonly image: string;
    /**
     * `<user>:<token>` that pulls a private image from GHCR or Docker Hub. Secret. @default none:
     * a DOCR image of the same account or a public image needs none.
     */
    readonly registryCredentials?: pulumi.Input<string>;
    /** Stage settings, the same as the droplet runtime's. */
    readonly odoo: OdooSettings;
    /** Odoo major version, e.g. "18.0": server-wide modules and demo data depend on it. */
    readonly odooVersion: string;
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
     * (`EV[1:...]`), which never equals the value sent, so by default the components' envs (and
     * registry credentials) are left as deployed and an unchanged `up` does not redeploy. Set for
     * the one `up` that rotates a secret.
     */
    readonly pushSecrets: boolean;
    /** The log service's destination (Papertrail, secret). @default none: App Platform's own */
    readonly logDestination?: pulumi.Input<string>;
    /**
     * Production: the off-site backup worker, which runs odoo-backup (the droplet runtime's
     * script, in the image) every day at `at` into the restic repository. @default none
     */
    readonly backup?: AppBackup;
    /**
     * Production: the GitOps dispatch secret; the upgrade job delivers it to Odoo's system
     * parameter `pulser.webhook.secret` (tools/odoo-image/odoo-platform-entrypoint). Secret.
     * @default none delivered
     */
    readonly gitopsSecret?: pulumi.Input<string>;
    /** Production: protect the session store. */
    readonly protect: boolean;
    readonly tags: readonly string[];
}

/** The restic repository and the time of day of App Platform production's backups. */
export interface AppBackup {
    /** restic repository, e.g. `s3:https://ams3.digitaloceanspaces.com/<bucket>/restic`. */
    readonly repository: pulumi.Input<string>;
    /** Secret. */
    readonly password: pulumi.Input<string>;
    readonly accessKeyId: pulumi.Input<string>;
    /** Secret. */
    readonly secretAccessKey: pulumi.Input<string>;
    /** HH:MM (UTC) of the daily backup, e.g. `02:15`. */
    readonly at: string;
}

/** The backup worker's size: pg_dump and restic stream; the dump is spooled on the instance's disk. */
export const BACKUP_WORKER_SIZE = "apps-s-1vcpu-1gb";

type Env = AppEnv<pulumi.Input<string>>;

const secret = (key: string, value: pulumi.Input<string>): Env => ({
    key,
    value: pulumi.secret(value),
    scope: "RUN_TIME",
    type: "SECRET",
});

/** Alerts of each Odoo component: sustained load, memory pressure, a restart loop. */
const COMPONENT_ALERTS = [
    { rule: "CPU_UTILIZATION", operator: "GREATER_THAN", value: 85, window: "TEN_MINUTES" },
    { rule: "MEM_UTILIZATION", operator: "GREATER_THAN", value: 90, window: "TEN_MINUTES" },
    { rule: "RESTART_COUNT", operator: "GREATER_THAN", value: 3, window: "THIRTY_MINUTES" },
];

/**
 * Alerts of the app. No destinations: App Platform mails the team; the uptime check (Monitoring)
 * reaches alertEmails and Slack, and a webhook URL here would be one more value App Platform
 * re-encrypts.
 */
const APP_ALERTS = [
    { rule: "DEPLOYMENT_FAILED" },
    { rule: "DOMAIN_FAILED" },
    { rule: "DEPLOYMENT_LIVE" },
];

/** The components of the app's spec, each list in the order App Platform shows them. */
interface AppComponents {
    readonly services: digitalocean.types.input.AppSpecService[];
    readonly workers: digitalocean.types.input.AppSpecWorker[];
    readonly jobs: digitalocean.types.input.AppSpecJob[];
}

/** Refuses arguments that do not fit the stage, before any child is registered. */
function validateArgs(name: string, args: OdooAppArgs): void {
    const production = args.odoo.stage === "production";
    if (production !== (args.mailpitHost === undefined)) {
        throw new Error(`${name}: Mailpit runs outside production only (mailpitHost)`);
    }
    if (production && args.instanceCount < 2) {
        throw new Error(`${name}: production runs at least 2 web instances`);
    }
    if (args.mailpitHost !== undefined && args.mailpitUiPassword === undefined) {
        throw new Error("mailpitUiPassword is required with mailpitHost");
    }
}

/**
 * Odoo on DigitalOcean App Platform: a web service (N instances of the threaded server, HTTP and
 * `/websocket` on one port, kept from traffic until the login page renders), a cron worker
 * (production only, the one place crons run), a PRE_DEPLOY job that upgrades the modules before a
 * deploy takes traffic, Mailpit outside production, app alerts, a Valkey session store, and
 * attachments in the database. Data lives in the ManagedDatabase, whose firewall admits this app
 * only.
 */
export class OdooApp extends pulumi.ComponentResource {
    public readonly app: digitalocean.App;
    public readonly sessions: digitalocean.DatabaseCluster;
    /** Paths of the spec left as deployed unless `pushSecrets` (see there). */
    public readonly secretPaths: string[];

    private readonly args: OdooAppArgs;
    private readonly odooSecrets: Env[];

    constructor(name: string, args: OdooAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("odoo-platform:app:OdooApp", name, {}, opts);
        validateArgs(name, args);
        this.args = args;
        this.sessions = this.createSessionStore(name);
        this.odooSecrets = this.odooSecretEnvs();
        const components = this.appComponents();
        this.secretPaths = this.secretPathsOf(components);
        this.app = this.createApp(name, components);
        this.createFirewalls(name);

        this.registerOutputs({ defaultIngress: this.app.defaultIngress });
    }

    /** The Valkey cluster that keeps sessions across deploys and instances. */
    private createSessionStore(name: string): digitalocean.DatabaseCluster {
        return new digitalocean.DatabaseCluster(
            `${name}-sessions`,
            {
                name: `odoo-${name}-sessions`,
                engine: SESSION_STORE.engine,
                version: SESSION_STORE.version,
                size: SESSION_STORE.size,
                region: this.args.region,
                nodeCount: 1,
                tags: [...this.args.tags],
            },
            {
                parent: this,
                protect: this.args.protect,
                additionalSecretOutputs: ["password", "uri", "privateUri"],
            },
        );
    }

    /** Secrets every Odoo component gets: master password, session store, production SMTP. */
    private odooSecretEnvs(): Env[] {
        const a = this.args;
        return [
            secret("ODOO_ADMIN_PASSWD", a.adminPassword),
            secret("ODOO_SESSION_REDIS_URL", this.sessions.uri),
            ...(a.odoo.stage === "production" && a.smtpPassword !== undefined
                ? [secret("ODOO_SMTP_PASSWORD", a.smtpPassword)]
                : []),
        ];
    }

    /** Web and Mailpit services, the cron worker when crons run, the upgrade job. */
    private appComponents(): AppComponents {
        const logs = this.logDestinations();
        const services = [this.webService(), ...this.mailpitService()].map(logs);
        const workers = [
            ...(this.args.odoo.maxCronThreads > 0 ? [this.cronWorker()] : []),
            ...(this.args.backup !== undefined ? [this.backupWorker(this.args.backup)] : []),
        ].map(logs);
        const jobs = [this.upgradeJob()].map(logs);
        return { services, workers, jobs };
    }

    /** Every component's log lines to the stack's log service, when it has one. */
    private logDestinations(): <T extends object>(component: T) => T {
        const endpoint = this.args.logDestination;
        if (endpoint === undefined) return (c) => c;
        return (c) => ({ ...c, logDestinations: appLogDestinations(pulumi.secret(endpoint)) });
    }

    /** Spec paths holding secrets, which App Platform answers re-encrypted (see `pushSecrets`). */
    private secretPathsOf({ services, workers, jobs }: AppComponents): string[] {
        const odooImages = (list: string, n: number) =>
            this.args.registryCredentials === undefined
                ? []
                : Array.from(
                      { length: n },
                      (_, i) => `spec.${list}[${i}].image.registryCredentials`,
                  );
        return [
            ...services.map((_, i) => `spec.services[${i}].envs`),
            ...workers.map((_, i) => `spec.workers[${i}].envs`),
            ...jobs.map((_, i) => `spec.jobs[${i}].envs`),
            // Odoo's components come first in each list; Mailpit's image is public.
            ...odooImages("services", 1),
            ...odooImages("workers", workers.length),
            ...odooImages("jobs", jobs.length),
        ];
    }

    /** The Odoo image as App Platform pulls it, with the registry credentials when given. */
    private odooImage() {
        const source = imageSource(this.args.image);
        const credentials = this.args.registryCredentials;
        return credentials === undefined
            ? source
            : { ...source, registryCredentials: pulumi.secret(credentials) };
    }

    private run(role: AppRole): string {
        const a = this.args;
        const webMaxConn =
            role === "web"
                ? webMaxConnections({
                      connectionLimit: a.database.connectionLimit,
                      instances: a.instanceCount,
                      cronThreads: a.odoo.maxCronThreads,
                  })
                : undefined;
        return commandLine(appRunCommand(role, a.odoo, a.odooVersion, webMaxConn));
    }

    /** Odoo's web service: a share of the cluster's connections, ready once the login page renders. */
    private webService(): digitalocean.types.input.AppSpecService {
        const a = this.args;
        return {
            name: APP_COMPONENTS.web,
            image: this.odooImage(),
            instanceCount: a.instanceCount,
            instanceSizeSlug: a.instanceSize,
            httpPort: ODOO_HTTP_PORT,
            runCommand: this.run("web"),
            healthCheck: {
                ...APP_HEALTH.readiness,
                // The first login page of a deploy builds the asset bundles.
                initialDelaySeconds: 30,
                periodSeconds: 10,
                timeoutSeconds: 10,
                failureThreshold: 6,
            },
            livenessHealthCheck: {
                ...APP_HEALTH.liveness,
                initialDelaySeconds: 60,
                periodSeconds: 30,
                timeoutSeconds: 5,
                failureThreshold: 5,
            },
            envs: [...databaseEnv(a.odoo.database), ...this.odooSecrets],
            alerts: COMPONENT_ALERTS,
            // Long requests (reports, imports) finish before an old instance goes away.
            termination: { drainSeconds: 60, gracePeriodSeconds: 120 },
        };
    }

    /** Mailpit outside production: SMTP on the app's private network, the UI at its own host. */
    private mailpitService(): digitalocean.types.input.AppSpecService[] {
        const a = this.args;
        if (a.mailpitHost === undefined) return [];
        return [
            {
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
                    secret("MP_UI_AUTH", pulumi.interpolate`mailpit:${a.mailpitUiPassword}`),
                ],
            },
        ];
    }

    /** The one process that runs crons (production); it LISTENs, so it connects directly. */
    private cronWorker(): digitalocean.types.input.AppSpecWorker {
        const a = this.args;
        return {
            name: APP_COMPONENTS.cron,
            image: this.odooImage(),
            instanceCount: 1,
            instanceSizeSlug: a.instanceSize,
            runCommand: this.run("cron"),
            envs: [...databaseEnv(a.odoo.database), ...this.odooSecrets],
            alerts: COMPONENT_ALERTS,
        };
    }

    /**
     * Production's off-site backups on App Platform, which schedules no jobs: a worker of the
     * app (so the cluster's firewall, which trusts the app, admits it) running the image's
     * odoo-backup daily at `at`, retention 7 daily / 4 weekly / 3 monthly as on the droplet.
     */
    private backupWorker(b: AppBackup): digitalocean.types.input.AppSpecWorker {
        const a = this.args;
        if (!/^([01][0-9]|2[0-3]):[0-5][0-9]$/.test(b.at)) {
            throw new Error(`backup time "${b.at}" must be HH:MM (UTC)`);
        }
        return {
            name: APP_COMPONENTS.backup,
            image: this.odooImage(),
            instanceCount: 1,
            instanceSizeSlug: BACKUP_WORKER_SIZE,
            runCommand: commandLine([APP_ENTRYPOINT, "backup"]),
            envs: [
                ...databaseEnv(a.odoo.database),
                general("ODOO_BACKUP_AT", b.at),
                general("RESTIC_REPOSITORY", b.repository),
                secret("RESTIC_PASSWORD", b.password),
                secret("AWS_ACCESS_KEY_ID", b.accessKeyId),
                secret("AWS_SECRET_ACCESS_KEY", b.secretAccessKey),
            ],
            alerts: COMPONENT_ALERTS,
        };
    }

    /** PRE_DEPLOY: the module upgrade runs before a deploy takes traffic. */
    private upgradeJob(): digitalocean.types.input.AppSpecJob {
        const a = this.args;
        const db = a.database;
        return {
            name: APP_COMPONENTS.upgrade,
            kind: "PRE_DEPLOY",
            image: this.odooImage(),
            instanceCount: 1,
            instanceSizeSlug: a.instanceSize,
            runCommand: this.run("upgrade"),
            // The cluster's admin role, to hand Odoo's database and schema to Odoo's role
            // once (PostgreSQL 15+ lets only the owner create tables in `public`).
            envs: [
                ...databaseEnv(a.odoo.database),
                ...this.odooSecrets,
                general("PGADMIN_USER", db.cluster.user),
                secret("PGADMIN_PASSWORD", db.cluster.password),
                ...(a.gitopsSecret === undefined
                    ? []
                    : [secret(GITOPS_SECRET_ENV, a.gitopsSecret)]),
            ],
        };
    }

    /** The app: its domains, alerts, database binding and components, secrets left as deployed. */
    private createApp(name: string, { services, workers, jobs }: AppComponents): digitalocean.App {
        const a = this.args;
        const db = a.database;
        return new digitalocean.App(
            `${name}-app`,
            {
                spec: {
                    name: `odoo-${name}`,
                    region: appRegion(a.region),
                    domainNames: [
                        { name: a.odooHost, type: "PRIMARY" },
                        ...(a.mailpitHost !== undefined
                            ? [{ name: a.mailpitHost, type: "ALIAS" }]
                            : []),
                    ],
                    alerts: APP_ALERTS,
                    databases: [
                        {
                            name: APP_COMPONENTS.db,
                            engine: "PG",
                            production: true,
                            clusterName: db.clusterName,
                            dbName: a.odoo.database,
                            dbUser: db.user.name,
                        },
                    ],
                    envs: appLevelEnv(a.odoo.stage),
                    ingress: { rules: ingressRules(a.odooHost, a.mailpitHost) },
                    services,
                    workers,
                    jobs,
                },
            },
            {
                parent: this,
                dependsOn: [db.db, db.user],
                ignoreChanges: a.pushSecrets ? [] : this.secretPaths,
            },
        );
    }

    /** Firewalls of the Odoo database and the session store: they admit this app only. */
    private createFirewalls(name: string): void {
        this.args.database.trust([{ type: "app", value: this.app.id }]);
        new digitalocean.DatabaseFirewall(
            `${name}-sessions-firewall`,
            { clusterId: this.sessions.id, rules: [{ type: "app", value: this.app.id }] },
            { parent: this },
        );
    }
}

import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
    MAILPIT_SMTP_PORT,
    ODOO_CONF_PATH,
    ODOO_DATA_DIR,
    ODOO_HTTP_PORT,
    odooEnv,
    odooFlags,
    renderOdooConf,
} from "./odoo-settings";
import {
    overSsh,
    prDatabase,
    prRole,
    prSecret,
    renderPrCreateScript,
    renderPrDeleteScript,
} from "./preview-scripts";
import { OPEN_PATHS } from "./door";
import { labelList, traefikLabels } from "./traefik-labels";
import { CONTAINER_LOGGING } from "./log-shipping";

/** What the staging stack exports about its dev host (read through a StackReference). */
export interface DevHost {
    /** Public address of the dev host. */
    readonly address: string;
    /** Docker network the dev host's Traefik, PostgreSQL and Mailpit share. */
    readonly network: string;
    /** Name of the PostgreSQL container. */
    readonly postgresContainer: string;
    /** Name of the Mailpit container (the only mail server previews may use). */
    readonly mailpitContainer: string;
    /** Template database preview databases are cloned from. */
    readonly templateDatabase: string;
    /** Filestore root on the dev host. */
    readonly filestoreRoot: string;
    /** `dev.<domain>`: previews answer on `pr-<N>.<devDomain>`. */
    readonly devDomain: string;
    /** Most preview environments the dev host takes. */
    readonly max: number;
    /** Memory limit of a preview Odoo in MB. */
    readonly memoryMb: number;
    /** The non-production door every router names (`nonprod-door@docker`, see door.ts). */
    readonly door: string;
}

export interface PreviewEnvironmentArgs {
    /** Pull request number. */
    readonly number: number;
    /** The PR build's Odoo image, pinned by digest. */
    readonly image: string;
    /** Modules to update (`-u`) at start, e.g. the ones the PR changed. @default none */
    readonly updateModules?: readonly string[];
    readonly dev: DevHost;
    /** The canonical addons path. */
    readonly addonsPath: readonly string[];
    /** The dev host's PostgreSQL superuser (runs the create and delete scripts in its container). */
    readonly dbUser: string;
    /** The dev host's PostgreSQL password: the PR role's is derived from it. Secret. */
    readonly dbPassword: pulumi.Input<string>;
    /** Odoo master password of the dev host: the PR's own is derived from it. Secret. */
    readonly adminPassword: pulumi.Input<string>;
}

/**
 * One pull request's environment on the shared dev host: the image, a database cloned from the
 * template with its filestore (dropped with the stack), and the Odoo container with neutralized
 * flags, a memory limit and Traefik labels for `pr-<N>.<devDomain>`. Creates nothing shared.
 */
export class PreviewEnvironment extends pulumi.ComponentResource {
    public readonly url: string;
    public readonly database: string;
    public readonly container: docker.Container;

    constructor(
        name: string,
        args: PreviewEnvironmentArgs,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("odoo-platform:preview:PreviewEnvironment", name, {}, opts);
        const n = args.number;
        if (name !== `pr-${n}`)
            throw new Error(`a preview environment is named pr-${n}, got ${name}`);
        const host = `pr-${n}.${args.dev.devDomain}`;
        this.url = `https://${host}`;
        this.database = prDatabase(n);

        const provider = new docker.Provider(
            `${name}-docker`,
            {
                host: `ssh://root@${args.dev.address}`,
                sshOpts: ["-o", "StrictHostKeyChecking=accept-new", "-o", "ServerAliveInterval=30"],
            },
            { parent: this },
        );
        const image = new docker.RemoteImage(
            `${name}-image`,
            { name: args.image, keepLocally: false },
            { parent: this, provider },
        );

        // The PR's Odoo logs in as its own role, which owns its database and nothing else; its
        // secrets are derived, so the PR's code never holds the dev host's.
        const role = prRole(n);
        const rolePassword = pulumi.secret(
            pulumi.output(args.dbPassword).apply((p) => prSecret(p, n, "role")),
        );
        const adminPassword = pulumi.secret(
            pulumi.output(args.adminPassword).apply((p) => prSecret(p, n, "admin")),
        );
        const psql = `docker exec -i ${args.dev.postgresContainer} psql -U ${args.dbUser}`;
        const scriptArgs = {
            n,
            max: args.dev.max,
            baseUrl: this.url,
            filestoreRoot: args.dev.filestoreRoot,
            template: args.dev.templateDatabase,
        };
        const data = new command.local.Command(
            `${name}-database`,
            {
                create: overSsh(args.dev.address, psql, renderPrCreateScript(scriptArgs), [
                    "PR_DB_PASSWORD",
                ]),
                delete: overSsh(args.dev.address, psql, renderPrDeleteScript(scriptArgs)),
                environment: { PR_DB_PASSWORD: rolePassword },
                interpreter: ["/bin/sh", "-c"],
            },
            { parent: this },
        );

        const settings = {
            stage: "preview" as const,
            database: this.database,
            // Threaded mode: one process, websocket on the HTTP port, least memory.
            workers: 0,
            maxCronThreads: 0,
            addonsPath: args.addonsPath,
            limitMemorySoftMb: Math.floor(args.dev.memoryMb * 0.7),
            limitMemoryHardMb: Math.floor(args.dev.memoryMb * 0.9),
            limitTimeCpu: 600,
            limitTimeReal: 1200,
            smtp: { host: args.dev.mailpitContainer, port: MAILPIT_SMTP_PORT },
            updateModules: args.updateModules,
        };
        const conf = adminPassword.apply((p) => renderOdooConf({ adminPassword: p }));
        this.container = new docker.Container(
            `${name}-odoo`,
            {
                name: `${name}-odoo`,
                ...CONTAINER_LOGGING,
                image: image.imageId,
                command: odooFlags(settings),
                envs: [
                    ...odooEnv(settings, args.dev.postgresContainer, role),
                    pulumi.interpolate`PASSWORD=${rolePassword}`,
                ],
                uploads: [{ file: ODOO_CONF_PATH, content: pulumi.secret(conf) }],
                mounts: [
                    {
                        type: "bind",
                        source: `${args.dev.filestoreRoot}/${this.database}`,
                        target: `${ODOO_DATA_DIR}/filestore/${this.database}`,
                    },
                ],
                labels: labelList({
                    ...traefikLabels({
                        hosts: [host],
                        port: ODOO_HTTP_PORT,
                        noindex: true,
                        network: args.dev.network,
                        wildcardDomain: args.dev.devDomain,
                        door: args.dev.door,
                        openPaths: OPEN_PATHS,
                    }),
                    "odoo-platform.pr": String(n),
                }),
                networksAdvanced: [{ name: args.dev.network }],
                restart: "unless-stopped",
                memory: args.dev.memoryMb,
                healthcheck: {
                    tests: ["CMD", "curl", "-fsS", `http://localhost:${ODOO_HTTP_PORT}/web/health`],
                    interval: "30s",
                    startPeriod: "180s",
                },
            },
            { parent: this, provider, dependsOn: [data] },
        );

        this.registerOutputs({ url: this.url });
    }
}

import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
    renderBackupScript,
    renderCrontab,
    renderHealthCgi,
    renderRestoreScript,
} from "./backup-scripts";
import { AnonymizeMode } from "./anonymization";
import { DATA_DIRS } from "./host-rendering";
import { renderTemplateRefreshScript } from "./preview-scripts";
import { healthEndpoint } from "./health-endpoint";
import { CONTAINER_LOGGING } from "./log-shipping";

export const BACKUP_IMAGES = {
    /**
     * Runs crond and the scripts; starts the tool containers through the host's Docker. The
     * 29 line is the one Docker still publishes (27.5-cli and 28-cli get no rebuilds).
     */
    scheduler: "docker:29.7.2-cli",
    /** The same release the tests run (Debian trixie's restic 0.18.0); a test holds them equal. */
    restic: "restic/restic:0.18.0",
    /** Serves the freshness CGI. */
    health: "busybox:1.37",
} as const;

/** Where the freshness endpoint answers, on the environment's own host name. */
export const BACKUP_HEALTH_PATH = "/.platform/backup-health";
export const FILESTORE_ROOT = `${DATA_DIRS.odoo}/filestore`;

/** Off-site target of a production backup job. */
export interface BackupTarget {
    /** restic repository, e.g. `s3:https://ams3.digitaloceanspaces.com/<bucket>/restic`. */
    readonly repository: pulumi.Input<string>;
    /** restic repository password. Secret. */
    readonly password: pulumi.Input<string>;
    readonly accessKeyId: pulumi.Input<string>;
    /** Secret. */
    readonly secretAccessKey: pulumi.Input<string>;
    /** 5-field cron expression (UTC). @default "15 2 * * *", nightly at 02:15 */
    readonly schedule?: string;
}

export interface BackupJobArgs {
    readonly provider: docker.Provider;
    /** Docker network of the environment (the database is reached on it). */
    readonly network: string;
    readonly stage: "production" | "staging" | "preview";
    /** Database the job backs up and that a refresh replaces. */
    readonly database: string;
    /** Name of the PostgreSQL container. */
    readonly pgHost: pulumi.Input<string>;
    readonly pgUser: pulumi.Input<string>;
    readonly pgPassword: pulumi.Input<string>;
    /** Port of the database. @default 5432 (the container); a managed cluster listens on 25060. */
    readonly pgPort?: pulumi.Input<number>;
    /** libpq sslmode: `require` for a managed cluster; unset, libpq's default. */
    readonly pgSslMode?: "require";
    readonly pgImage: pulumi.Input<string>;
    /** Odoo image, for `odoo neutralize` during a non-production restore. */
    readonly odooImage: pulumi.Input<string>;
    /**
     * The stack's addons path: `odoo neutralize` finds each module's data/neutralize.sql through
     * it, and silently skips the modules it cannot find.
     */
    readonly addonsPath: readonly string[];
    /** Production: the off-site repository and the nightly schedule. Absent elsewhere. */
    readonly target?: BackupTarget;
    /**
     * Non-production: base URL and Mailpit the restore points a refreshed copy at, and what the
     * restore and the template refresh anonymize (components/anonymization.ts).
     */
    readonly refresh?: {
        baseUrl: string;
        mailpitHost: pulumi.Input<string>;
        anonymize: AnonymizeMode;
    };
    /** Production: host name the freshness endpoint answers on. */
    readonly healthHost?: string;
    /** Public address of the host, to run the pre-upgrade backup over SSH. */
    readonly hostAddress: pulumi.Input<string>;
    /**
     * Staging: refresh the preview template every night. Off with a managed database, whose
     * Odoo role may not create or rename databases (and there are no preview environments).
     * @default true
     */
    readonly templateRefresh?: boolean;
    /** Production: image whose change triggers a backup before Odoo is replaced. */
    readonly upgradeTrigger?: pulumi.Input<string>;
}

/**
 * The backup job of an environment: a scheduler container holding the rendered `odoo-backup` and
 * `odoo-restore` scripts (production: nightly backups to the off-site restic repository), a
 * freshness endpoint for the uptime check, and a backup before every Odoo image change.
 */
export class BackupJob extends pulumi.ComponentResource {
    public readonly scheduler: docker.Container;
    /** Completes after the pre-upgrade backup; the Odoo container depends on it (production). */
    public readonly preUpgradeBackup?: command.local.Command;
    public readonly healthUrl?: string;

    constructor(name: string, args: BackupJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("odoo-platform:backup:BackupJob", name, {}, opts);
        const production = args.stage === "production";
        if (production && args.target === undefined) {
            throw new Error(`${name}: a production backup job needs an off-site target`);
        }
        if (!production && args.target !== undefined) {
            throw new Error(`${name}: only production backs up; a ${args.stage} job restores only`);
        }
        if (!production && args.refresh === undefined) {
            throw new Error(
                `${name}: a ${args.stage} job needs refresh settings (base URL, Mailpit)`,
            );
        }
        const child = { parent: this, provider: args.provider };
        const image = (key: string, ref: string) =>
            new docker.RemoteImage(`${name}-${key}-image`, { name: ref, keepLocally: true }, child);
        const schedulerImage = image("scheduler", BACKUP_IMAGES.scheduler);
        image("restic", BACKUP_IMAGES.restic);

        const envs: pulumi.Input<string>[] = [
            "TOOLS=docker",
            `NETWORK=${args.network}`,
            pulumi.interpolate`PG_IMAGE=${args.pgImage}`,
            `RESTIC_IMAGE=${BACKUP_IMAGES.restic}`,
            pulumi.interpolate`ODOO_IMAGE=${args.odooImage}`,
            `ADDONS_PATH=${args.addonsPath.join(",")}`,
            pulumi.interpolate`PGHOST=${args.pgHost}`,
            pulumi.interpolate`PGPORT=${args.pgPort ?? 5432}`,
            pulumi.interpolate`PGUSER=${args.pgUser}`,
            // Only set for a managed cluster, so a container-database job stays as deployed.
            ...(args.pgSslMode === undefined ? [] : [`PGSSLMODE=${args.pgSslMode}`]),
            pulumi.interpolate`PGPASSWORD=${args.pgPassword}`,
            `PGDATABASE=${args.database}`,
            `FILESTORE_ROOT=${FILESTORE_ROOT}`,
            `SPOOL=${DATA_DIRS.backups}`,
        ];
        if (args.target) {
            envs.push(
                pulumi.interpolate`RESTIC_REPOSITORY=${args.target.repository}`,
                pulumi.interpolate`RESTIC_PASSWORD=${args.target.password}`,
                pulumi.interpolate`AWS_ACCESS_KEY_ID=${args.target.accessKeyId}`,
                pulumi.interpolate`AWS_SECRET_ACCESS_KEY=${args.target.secretAccessKey}`,
            );
        }
        if (args.refresh) {
            envs.push(
                `BASE_URL=${args.refresh.baseUrl}`,
                pulumi.interpolate`MAILPIT_HOST=${args.refresh.mailpitHost}`,
                "MAILPIT_PORT=1025",
                `ANONYMIZE=${args.refresh.anonymize}`,
            );
        }
        // Production backs up; staging refreshes the preview template from itself every night.
        const crontab = args.target
            ? renderCrontab(args.target.schedule ?? "15 2 * * *")
            : args.templateRefresh === false
              ? "# no backups here (production runs them) and no preview template to refresh\n"
              : "# no backups here: backups run in production\n" +
                renderCrontab("30 3 * * *", "/usr/local/bin/odoo-template-refresh");
        const same = (dir: string) => ({ type: "bind", source: dir, target: dir });
        this.scheduler = new docker.Container(
            `${name}-backup`,
            {
                name: `${name}-backup`,
                ...CONTAINER_LOGGING,
                image: schedulerImage.imageId,
                command: ["crond", "-f", "-l", "8"],
                envs,
                uploads: [
                    {
                        file: "/usr/local/bin/odoo-backup",
                        content: renderBackupScript(),
                        executable: true,
                    },
                    {
                        file: "/usr/local/bin/odoo-restore",
                        content: renderRestoreScript(),
                        executable: true,
                    },
                    ...(args.target
                        ? []
                        : [
                              {
                                  file: "/usr/local/bin/odoo-template-refresh",
                                  content: renderTemplateRefreshScript(),
                                  executable: true,
                              },
                          ]),
                    { file: "/etc/crontabs/root", content: crontab },
                ],
                mounts: [
                    {
                        type: "bind",
                        source: "/var/run/docker.sock",
                        target: "/var/run/docker.sock",
                    },
                    same(DATA_DIRS.backups),
                    same(DATA_DIRS.odoo),
                ],
                networksAdvanced: [{ name: args.network }],
                restart: "unless-stopped",
                memory: 256,
            },
            child,
        );

        if (production && args.healthHost !== undefined) {
            healthEndpoint(
                `${name}-backup-health`,
                {
                    image: image("health", BACKUP_IMAGES.health).imageId,
                    host: args.healthHost,
                    path: BACKUP_HEALTH_PATH,
                    cgiName: "backup-health",
                    cgi: renderHealthCgi(),
                    envs: [`SPOOL=${DATA_DIRS.backups}`],
                    mount: same(DATA_DIRS.backups),
                    network: args.network,
                },
                child,
            );
            this.healthUrl = `https://${args.healthHost}${BACKUP_HEALTH_PATH}`;
        }

        if (production && args.upgradeTrigger !== undefined) {
            // A backup before every change of the Odoo image: the Odoo container depends on this
            // command, whose trigger is the image, so `pulumi up` backs up before it upgrades.
            this.preUpgradeBackup = new command.local.Command(
                `${name}-pre-upgrade-backup`,
                {
                    create: pulumi.interpolate`ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new root@${args.hostAddress} docker exec ${name}-backup odoo-backup --if-exists`,
                    interpreter: ["/bin/sh", "-c"],
                    triggers: [args.upgradeTrigger],
                },
                { parent: this, dependsOn: [this.scheduler] },
            );
        }

        this.registerOutputs({ healthUrl: this.healthUrl });
    }
}

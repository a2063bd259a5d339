import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DATA_DIRS } from "./host-rendering";
import { GRANT_SQL } from "./managed-database";
import type { ContainersContext } from "./odoo-containers";
import { CONTAINER_LOGGING } from "./log-shipping";

/** Odoo's role in the database container. */
export const DB_USER = "odoo";

/** Name of the database container, which is also its host name on the environment's network. */
export const postgresName = (name: string): string => `${name}-postgres`;

/** How Odoo's role reaches its database: the managed cluster, else the database container. */
export function postgresConnection(ctx: ContainersContext) {
    const { args } = ctx;
    return (
        args.managedDatabase ?? {
            host: postgresName(ctx.name),
            port: 5432,
            user: DB_USER,
            password: args.postgresPassword,
        }
    );
}

/** The database container, data on the volume and no published port; none with a managed database. */
export function createPostgres(ctx: ContainersContext): docker.Container | undefined {
    const { args } = ctx;
    if (args.managedDatabase !== undefined) return undefined;
    const pgName = postgresName(ctx.name);
    return new docker.Container(
        pgName,
        {
            name: pgName,
            ...CONTAINER_LOGGING,
            image: ctx.image("postgres", args.postgresImage).imageId,
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
            networksAdvanced: ctx.networks,
            restart: "unless-stopped",
            // No published port: only containers on this network reach the database.
            healthcheck: {
                tests: ["CMD-SHELL", `pg_isready -U ${DB_USER} -d postgres`],
                interval: "10s",
            },
            shmSize: 256,
            stopTimeout: 120,
        },
        ctx.child,
    );
}

/**
 * A managed cluster: its admin role lets Odoo's role create tables, once, before Odoo starts (a
 * one-shot container that Docker keeps as exited; rerunning it is harmless). None otherwise.
 */
export function createDatabaseGrant(ctx: ContainersContext): docker.Container | undefined {
    const { args, name } = ctx;
    const managed = args.managedDatabase;
    if (managed === undefined) return undefined;
    return new docker.Container(
        `${name}-db-grant`,
        {
            name: `${name}-db-grant`,
            ...CONTAINER_LOGGING,
            image: ctx.image("postgres", args.postgresImage).imageId,
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
            networksAdvanced: ctx.networks,
            restart: "no",
            mustRun: false,
            attach: true,
            logs: true,
        },
        ctx.child,
    );
}

/**
 * The droplet runtime's first start. Left to itself, Odoo 17/18 creates the `--database` it does
 * not find and installs base **with demo data** (observed on Odoo 18: the active logins `demo`
 * and `portal` with their demo passwords) and the login `admin` with the password `admin`. A
 * one-shot container of the stack's image runs first instead: the platform's entrypoint (the App
 * Platform image's, uploaded here so the official image runs it too) in its `init` role
 * initializes base without demo data and gives the `admin` login the master password; on a
 * database that already holds an Odoo (every later deploy, a restored one) it does nothing.
 */
import * as docker from "@pulumi/docker";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { APP_ENTRYPOINT, OdooVersion, initRunCommand } from "./app-spec";
import { postgresConnection } from "./database-containers";
import { DATA_DIRS } from "./host-rendering";
import { CONTAINER_LOGGING } from "./log-shipping";
import type { ContainersContext } from "./odoo-containers";
import { ODOO_DATA_DIR, OdooSettings } from "./odoo-settings";

/** The entrypoint script of the platform's image (tools/odoo-image), uploaded as it is. */
export const ENTRYPOINT_PATH = `/usr/local/bin/${APP_ENTRYPOINT}`;
export const ENTRYPOINT_SCRIPT = fs.readFileSync(
    path.join(__dirname, "..", "tools", "odoo-image", APP_ENTRYPOINT),
    "utf8",
);

export function createOdooInit(
    ctx: ContainersContext,
    settings: OdooSettings,
    version: OdooVersion,
    image: docker.RemoteImage,
    after: readonly (pulumi.Resource | undefined)[],
): docker.Container {
    const { name, args } = ctx;
    const db = postgresConnection(ctx);
    return new docker.Container(
        `${name}-odoo-init`,
        {
            name: `${name}-odoo-init`,
            ...CONTAINER_LOGGING,
            image: image.imageId,
            command: initRunCommand(settings, version),
            // libpq's variables: the entrypoint's psql and Odoo (no --db_host) both read them.
            envs: [
                pulumi.interpolate`PGHOST=${db.host}`,
                pulumi.interpolate`PGPORT=${db.port}`,
                pulumi.interpolate`PGUSER=${db.user}`,
                `PGDATABASE=${settings.database}`,
                ...(args.managedDatabase ? ["PGSSLMODE=require"] : []),
                `ODOO_STAGE=${settings.stage}`,
                pulumi.interpolate`PGPASSWORD=${pulumi.secret(db.password)}`,
                pulumi.interpolate`ODOO_ADMIN_PASSWD=${pulumi.secret(args.adminPassword)}`,
            ],
            uploads: [{ file: ENTRYPOINT_PATH, content: ENTRYPOINT_SCRIPT, executable: true }],
            // Base's install writes attachments (asset bundles) to the filestore.
            mounts: [{ type: "bind", source: DATA_DIRS.odoo, target: ODOO_DATA_DIR }],
            networksAdvanced: ctx.networks,
            restart: "no",
            mustRun: false,
            // `up` waits for it to end: Odoo starts after it, never beside it.
            attach: true,
            logs: true,
        },
        {
            ...ctx.child,
            dependsOn: after.filter((r): r is pulumi.Resource => r !== undefined),
        },
    );
}

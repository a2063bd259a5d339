import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";

/** The PostgreSQL role Odoo connects as on a managed cluster. */
export const MANAGED_DB_USER = "odoo";

export interface ManagedDatabaseArgs {
    /** DigitalOcean region slug, e.g. `fra1`. */
    readonly region: string;
    /** PostgreSQL major version, e.g. `16`. */
    readonly version: string;
    /** Node size slug, e.g. `db-s-1vcpu-2gb`. */
    readonly size: string;
    /** 1 primary plus standbys; production runs at least 2. */
    readonly nodeCount: number;
    /** The one database Odoo serves. */
    readonly database: string;
    /** VPC of the droplet runtime's host, so the host reaches the cluster privately. */
    readonly vpcId?: pulumi.Input<string>;
    /** Production: protect the cluster and keep it when the stack lets go of it. */
    readonly protect: boolean;
    /**
     * Let a `version` change reach the cluster. Off, the version the cluster runs stays put and a
     * different configured version stops the run with an explanation.
     */
    readonly allowMajorUpgrade: boolean;
    readonly tags: readonly string[];
}

/** Who may connect to a managed cluster: the host's droplet or the App Platform app. */
export interface TrustedSource {
    readonly type: "droplet" | "app";
    readonly value: pulumi.Input<string>;
}

/**
 * What the cluster's admin role runs once so Odoo's role can create its tables: a managed cluster
 * creates databases as its admin role, and PostgreSQL 15+ lets only the owner create objects in
 * `public`. psql variables `db` and `role`; idempotent. The App Platform image's entrypoint runs
 * the same statements (a test holds the two equal).
 */
export const GRANT_SQL =
    'GRANT CONNECT, CREATE, TEMPORARY ON DATABASE :"db" TO :"role";\n' +
    'GRANT USAGE, CREATE ON SCHEMA public TO :"role";\n';

/** Backend connections of a node size: 25 per GB of memory, less 3 kept for maintenance. */
export function connectionLimit(size: string): number {
    const m = /-(\d+)gb$/.exec(size);
    const gb = m ? Number(m[1]) : 1;
    return 25 * gb - 3;
}

/**
 * Explains why a configured version cannot be applied to the cluster as it runs; undefined when
 * nothing stands in the way.
 */
export function versionProblem(
    configured: string,
    running: string | undefined,
    allowMajorUpgrade: boolean,
): string | undefined {
    if (running === undefined || running === "" || running === configured) return undefined;
    if (allowMajorUpgrade) return undefined;
    return (
        `databaseVersion is ${configured} but the managed cluster runs PostgreSQL ${running}. ` +
        "A major-version change rebuilds the cluster's data; nothing was changed. Take a backup, " +
        "then run `pulumi config set allowDatabaseMajorUpgrade true` for that one up, or set " +
        `databaseVersion back to ${running}.`
    );
}

/**
 * Managed PostgreSQL for Odoo: the cluster (standby nodes from `nodeCount`), Odoo's database and
 * role, and a database firewall created by `trust` that admits only the host or the app. Usable by
 * both runtimes. No connection pool: every Odoo process LISTENs (the bus's `imbus` and the cron
 * threads' `cron_trigger`) and reaches the `postgres` database for it (Odoo 18 bus.py, server.py),
 * which a transaction pool named for Odoo's database neither serves nor keeps.
 */
export class ManagedDatabase extends pulumi.ComponentResource {
    public readonly cluster: digitalocean.DatabaseCluster;
    public readonly db: digitalocean.DatabaseDb;
    public readonly user: digitalocean.DatabaseUser;
    /** Backend connections the cluster's node size allows (`connectionLimit`). */
    public readonly connectionLimit: number;
    /** Physical cluster name, which App Platform's `databases` entry refers to. */
    public readonly clusterName: string;
    private firewall?: digitalocean.DatabaseFirewall;
    private readonly baseName: string;

    constructor(name: string, args: ManagedDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("odoo-platform:database:ManagedDatabase", name, {}, opts);
        const child = { parent: this };
        this.baseName = name;
        this.clusterName = `odoo-${name}-pg`;
        this.connectionLimit = connectionLimit(args.size);

        this.cluster = new digitalocean.DatabaseCluster(
            `${name}-cluster`,
            {
                name: this.clusterName,
                engine: "pg",
                version: args.version,
                size: args.size,
                region: args.region,
                nodeCount: args.nodeCount,
                privateNetworkUuid: args.vpcId,
                tags: [...args.tags],
                maintenanceWindows: [{ day: "sunday", hour: "03:00:00" }],
            },
            {
                ...child,
                protect: args.protect,
                retainOnDelete: args.protect,
                // The version the cluster runs is changed on purpose only (see versionProblem).
                ignoreChanges: args.allowMajorUpgrade ? [] : ["version"],
                additionalSecretOutputs: ["password", "uri", "privateUri"],
            },
        );
        // Everything inside the cluster waits for this check, so a refused version stops the run.
        const clusterId = pulumi
            .all([this.cluster.id, this.cluster.version])
            .apply(([id, running]) => {
                const problem = versionProblem(args.version, running, args.allowMajorUpgrade);
                if (problem !== undefined) throw new pulumi.RunError(problem);
                return id;
            });

        this.db = new digitalocean.DatabaseDb(
            `${name}-db`,
            { clusterId, name: args.database },
            { ...child, protect: args.protect, retainOnDelete: args.protect },
        );
        this.user = new digitalocean.DatabaseUser(
            `${name}-user`,
            { clusterId, name: MANAGED_DB_USER },
            { ...child, additionalSecretOutputs: ["password"] },
        );
        this.registerOutputs({ clusterName: this.clusterName });
    }

    /** The cluster's firewall: exactly these sources may connect, nothing else (not the world). */
    trust(sources: readonly TrustedSource[]): digitalocean.DatabaseFirewall {
        if (this.firewall !== undefined) throw new Error("ManagedDatabase.trust is called once");
        if (sources.length === 0) {
            throw new Error("a managed database needs at least one trusted source");
        }
        this.firewall = new digitalocean.DatabaseFirewall(
            `${this.baseName}-firewall`,
            {
                clusterId: this.cluster.id,
                rules: sources.map((s) => ({ type: s.type, value: s.value })),
            },
            { parent: this },
        );
        return this.firewall;
    }
}

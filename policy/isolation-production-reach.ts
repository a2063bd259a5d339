import { StackValidationPolicy } from "@pulumi/policy";
import {
    AppProps,
    ContainerProps,
    T,
    appOdooProcesses,
    databaseHosts,
    isProductionEnvironment,
    stackOdooProcesses,
    stageOf,
    stageSchema,
} from "./lib";

interface ReachConfig {
    stage?: string;
    productionHostnames?: string[];
    productionDatabaseHosts?: string[];
    productionBuckets?: string[];
}

/** By this platform's convention production answers on `erp.<domain>`. */
const isProductionName = (host: string, extra: readonly string[]) =>
    extra.includes(host) || /^erp\./.test(host);

/** Production's managed cluster and attachment bucket, by this platform's names. */
const PRODUCTION_CLUSTER = /(^|[.-])odoo-prod-db-pg([.-]|$)/;
const PRODUCTION_ATTACHMENTS = "odoo-prod-attachments";
/** Production's clusters (database, session store) inside any value: a host, a URL. */
const PRODUCTION_SERVICE = /(?:^|[^a-z0-9])(odoo-prod-(?:db-pg|sessions))(?:[^a-z0-9]|$)/;
/** Envs judged elsewhere: PGHOST through the database hosts Odoo connects to. */
const JUDGED_ENVS = ["PGHOST", "AWS_BUCKETNAME"];

/** What a non-production stack does to a GitHub environment, by resource type. */
const GITHUB_REACH: Record<string, (props: Record<string, unknown>) => string> = {
    [T.githubEnvironment]: () => "manages",
    [T.githubEnvironmentSecret]: (p) => `writes the secret ${String(p.secretName)} into`,
    [T.githubEnvironmentVariable]: (p) => `writes the variable ${String(p.variableName)} into`,
    [T.githubDeploymentPolicy]: () => "sets which branches deploy to",
};

/** A staging or preview stack never points at anything of production's. */
export const isolationProductionReach: StackValidationPolicy = {
    name: "isolation-production-reach",
    description:
        "A staging or preview stack must not use the production database host or cluster (where " +
        "Odoo connects: command line, odoo.conf, PGHOST), production's session store, a production " +
        "bucket, a production host name, or the production GitHub environment, its secrets, " +
        "variables or deployment branches (containers and App Platform apps alike).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            ...stageSchema,
            productionHostnames: { type: "array", items: { type: "string" } },
            productionDatabaseHosts: { type: "array", items: { type: "string" } },
            productionBuckets: { type: "array", items: { type: "string" } },
        },
    },
    validateStack: (args, reportViolation) => {
        if (args.resources.length === 0) return;
        const cfg = args.getConfig<ReachConfig>();
        const stage = stageOf({
            urn: args.resources[0].urn,
            config: cfg,
            stackTags: args.stackTags,
        });
        if (stage === "production") return;
        const hosts = cfg.productionHostnames ?? [];
        const dbHosts = cfg.productionDatabaseHosts ?? ["prod-postgres"];
        const buckets = cfg.productionBuckets ?? [];
        const production = (host: string) =>
            dbHosts.includes(host) || PRODUCTION_CLUSTER.test(host);
        // Where each Odoo process connects, as Odoo and libpq read it (command line, odoo.conf,
        // the image's entrypoint, PGHOST).
        for (const { r, p } of stackOdooProcesses(args.resources)) {
            // Odoo does not start with a command line it refuses (odoo-command-line says why).
            if (p.config.problems.length > 0) continue;
            for (const host of databaseHosts(p).filter(production)) {
                reportViolation(
                    r.type === T.app
                        ? `${p.what} "${p.name}" of app "${r.name}" uses the production database host "${host}".`
                        : `Odoo uses the production database host "${host}".`,
                    r.urn,
                );
            }
        }
        for (const r of args.resources) {
            if (r.type === T.container) {
                const c = r.props as ContainerProps;
                for (const l of c.labels ?? []) {
                    for (const m of l.value.matchAll(/Host\(`([^`]+)`\)/g)) {
                        if (isProductionName(m[1], hosts)) {
                            reportViolation(
                                `container "${c.name}" answers for production host ${m[1]}.`,
                                r.urn,
                            );
                        }
                    }
                }
            }
            if (r.type === T.app) {
                const spec = (r.props as AppProps).spec ?? {};
                for (const d of spec.databases ?? []) {
                    const name = String(d.clusterName ?? "");
                    if (PRODUCTION_CLUSTER.test(name) || dbHosts.includes(name)) {
                        reportViolation(
                            `app "${r.name}" attaches production's cluster ${name}.`,
                            r.urn,
                        );
                    }
                }
                for (const d of spec.domainNames ?? []) {
                    if (isProductionName(String(d.name), hosts)) {
                        reportViolation(
                            `app "${r.name}" answers for production host ${String(d.name)}.`,
                            r.urn,
                        );
                    }
                }
                const productionBucket = (b: string | undefined) =>
                    b !== undefined && (b === PRODUCTION_ATTACHMENTS || buckets.includes(b));
                const appEnv = Object.fromEntries((spec.envs ?? []).map((e) => [e.key, e.value]));
                if (productionBucket(appEnv["AWS_BUCKETNAME"])) {
                    reportViolation(
                        `app "${r.name}" stores attachments in production's bucket ${appEnv["AWS_BUCKETNAME"]}.`,
                        r.urn,
                    );
                }
                for (const [key, value] of Object.entries(appEnv)) {
                    const hit = PRODUCTION_SERVICE.exec(String(value));
                    if (hit !== null && !JUDGED_ENVS.includes(String(key))) {
                        reportViolation(
                            `app "${r.name}" has ${key} pointing at production's ${hit[1]}.`,
                            r.urn,
                        );
                    }
                }
                // A component's own env (it wins over the app's) reaching production.
                for (const p of appOdooProcesses(r.props as AppProps)) {
                    const who = `${p.what} "${p.name}" of app "${r.name}"`;
                    const bucket = p.env["AWS_BUCKETNAME"];
                    if (bucket !== appEnv["AWS_BUCKETNAME"] && productionBucket(bucket)) {
                        reportViolation(
                            `${who} stores attachments in production's bucket ${bucket}.`,
                            r.urn,
                        );
                    }
                    for (const [key, value] of Object.entries(p.env)) {
                        const hit = PRODUCTION_SERVICE.exec(value);
                        if (hit !== null && value !== appEnv[key] && !JUDGED_ENVS.includes(key)) {
                            reportViolation(
                                `${who} has ${key} pointing at production's ${hit[1]}.`,
                                r.urn,
                            );
                        }
                    }
                }
            }
            if (r.type === T.dnsRecord && isProductionName(String(r.props.name), hosts)) {
                reportViolation(`DNS record ${String(r.props.name)} belongs to production.`, r.urn);
            }
            if (r.type === T.bucket && buckets.includes(String(r.props.name))) {
                reportViolation(`bucket ${String(r.props.name)} is production's.`, r.urn);
            }
            // The production environment itself, its secrets and variables, its branches.
            const reach = GITHUB_REACH[r.type];
            if (reach !== undefined && isProductionEnvironment(r.props.environment)) {
                reportViolation(
                    `a non-production stack ${reach(r.props)} the GitHub environment ` +
                        `"${String(r.props.environment)}".`,
                    r.urn,
                );
            }
        }
    },
};

/** The Odoo processes of a plan, containers and App Platform components read alike. */
import { PolicyResource } from "@pulumi/policy";
import { ContainerProps, T, envOf } from "./base";
import {
    OFFICIAL_ODOO_RC,
    OdooConfig,
    odooConfig,
    officialEntrypointArgs,
    truthy,
} from "./odoo-options";
import { OdooValue } from "./odoo-option-table";

/** One Odoo process of the plan, container or App Platform component, read alike. */
export interface OdooProcess {
    /** `Odoo container` or `Odoo <role> component`. */
    readonly what: string;
    readonly name: string;
    /** The App Platform role (web, cron, upgrade); undefined for a container. */
    readonly role?: string;
    /** The image reference, where the plan names it. */
    readonly image?: string;
    /** The environment, last value of a repeated name winning. */
    readonly env: Readonly<Record<string, string>>;
    readonly config: OdooConfig;
}

/**
 * The database hosts an Odoo process connects to: a `postgresql://` URI given as the database
 * carries its own; else `db_host` (and `db_replica_host` when set, for read-only cursors), and
 * where one is empty, libpq's PGHOST: Odoo passes no host to psycopg2 then (odoo/sql_db.py,
 * connection_info_for).
 */
export function databaseHosts(p: OdooProcess): string[] {
    const db = p.config.value("db_name");
    if (typeof db === "string" && /^postgres(ql)?:\/\//.test(db)) {
        const m = /^postgres(?:ql)?:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/?]*)/.exec(db);
        return m === null || m[1] === "" ? [] : [m[1]];
    }
    const libpq = (p.env["PGHOST"] ?? "").split(",").filter((h) => h !== "");
    const host = (v: OdooValue | undefined) => (truthy(v) ? [String(v)] : libpq);
    // The read-only pool exists only when db_replica_host is set at all (odoo/modules/registry.py).
    const replica = p.config.value("db_replica_host");
    const hosts = [
        ...host(p.config.value("db_host")),
        ...(replica === false || replica === undefined ? [] : host(replica)),
    ];
    return [...new Set(hosts)];
}

/** The files a container is given, by path; a path uploaded twice keeps the last content. */
function uploadsOf(c: ContainerProps): Record<string, string> {
    const out: Record<string, string> = {};
    for (const u of c.uploads ?? []) {
        if (typeof u?.file === "string")
            out[u.file] = typeof u.content === "string" ? u.content : "";
    }
    return out;
}

/**
 * A container's Odoo as it runs: through the official image's entrypoint (both the official
 * image and the platform's build keep it) unless the container sets its own entrypoint.
 */
export function containerOdoo(c: ContainerProps, image?: string): OdooProcess | undefined {
    const own = (c.entrypoints ?? []).length > 0;
    const full = own ? [...(c.entrypoints ?? []), ...(c.command ?? [])] : (c.command ?? []);
    // The platform's entrypoint (the droplet's one-shot first start runs it): read as on App
    // Platform, whose components run it.
    if (basename(full[0] ?? "") === APP_ENTRYPOINT) {
        const p = entrypointOdoo(full, envOf(c.envs));
        return { ...p, what: `Odoo ${p.role} container`, name: c.name ?? "", image };
    }
    if (full[0] !== "odoo") return undefined;
    const environment = { ODOO_RC: OFFICIAL_ODOO_RC, ...envOf(c.envs) };
    const files = uploadsOf(c);
    const args = full.slice(1);
    const argv = own
        ? args
        : officialEntrypointArgs(args, environment, files[environment.ODOO_RC] ?? "");
    return {
        what: "Odoo container",
        name: c.name ?? "",
        image,
        env: environment,
        config: odooConfig(argv, environment, files),
    };
}

/** The entrypoint of the App Platform image; its first argument is the process's role. */
export const APP_ENTRYPOINT = "odoo-platform-entrypoint";

/**
 * Roles of the entrypoint that start no Odoo: `backup` runs odoo-backup (pg_dump and restic) on a
 * schedule (tools/odoo-image/odoo-platform-entrypoint). Every other role is read as an Odoo.
 */
export const APP_NON_ODOO_ROLES: ReadonlySet<string> = new Set(["backup"]);

export interface AppImageSpec {
    registryType?: string;
    registry?: string;
    repository?: string;
    tag?: string;
    digest?: string;
}

interface AppComponentProps {
    name?: string;
    kind?: string;
    runCommand?: string;
    instanceCount?: number;
    image?: AppImageSpec;
    envs?: { key?: string; value?: string }[];
}

/** An App Platform image source as an image reference (`ghcr.io/owner/repo@sha256:...`). */
export function appImageRef(i: AppImageSpec | undefined): string | undefined {
    if (i === undefined || i.repository === undefined) return undefined;
    const version = i.digest !== undefined ? `@${i.digest}` : `:${i.tag ?? "latest"}`;
    const host =
        i.registryType === "GHCR"
            ? `ghcr.io/${i.registry ?? ""}/`
            : i.registryType === "DOCR"
              ? `registry.digitalocean.com/${i.registry ?? "<account>"}/`
              : `docker.io/${i.registry ?? "library"}/`;
    return `${host}${i.repository}${version}`;
}

export interface AppProps {
    spec?: {
        envs?: { key?: string; value?: string }[];
        databases?: { clusterName?: string }[];
        domainNames?: { name?: string }[];
        services?: AppComponentProps[];
        workers?: AppComponentProps[];
        jobs?: AppComponentProps[];
    };
}

/** Every component of an app with the list it sits in. */
export function appComponents(props: AppProps) {
    const spec = props.spec ?? {};
    return [
        ...(spec.services ?? []).map((c) => ({ list: "services" as const, ...c })),
        ...(spec.workers ?? []).map((c) => ({ list: "workers" as const, ...c })),
        ...(spec.jobs ?? []).map((c) => ({ list: "jobs" as const, ...c })),
    ];
}

/** Where the platform image's entrypoint writes its odoo.conf (tools/odoo-image). */
const APP_CONF_DIR = "/tmp/odoo-platform";

/**
 * The odoo.conf the platform image's entrypoint writes from the environment, and which env each
 * key comes from (tools/odoo-image/odoo-platform-entrypoint, write_conf): `admin_passwd` from
 * ODOO_ADMIN_PASSWD, `smtp_password` from ODOO_SMTP_PASSWORD when it is not empty.
 */
export const ENTRYPOINT_CONF_ENVS: Readonly<Record<string, string>> = {
    admin_passwd: "ODOO_ADMIN_PASSWD",
    smtp_password: "ODOO_SMTP_PASSWORD",
};

function entrypointConf(environment: Readonly<Record<string, string>>): string {
    const lines = ["[options]"];
    for (const [key, name] of Object.entries(ENTRYPOINT_CONF_ENVS)) {
        const v = environment[name];
        if (v !== undefined && v !== "") lines.push(`${key} = ${v}`);
    }
    return `${lines.join("\n")}\n`;
}

/**
 * The Odoo processes of an App Platform app, read like containers: the run command's options
 * after the role, run by the platform image's entrypoint as `odoo --config=<its odoo.conf>
 * <options>`; the environment is the app's, then the component's (a component's value wins).
 */
export function appOdooProcesses(props: AppProps): AppOdooProcess[] {
    const appEnvs = (props.spec?.envs ?? []).map((e) => `${e.key}=${e.value}`);
    return appComponents(props)
        .map((c) => ({ c, argv: (c.runCommand ?? "").trim().split(/\s+/) }))
        .filter(
            ({ argv }) =>
                basename(argv[0]) === APP_ENTRYPOINT && !APP_NON_ODOO_ROLES.has(argv[1] ?? ""),
        )
        .map(({ c, argv }) => {
            const environment = envOf([
                ...appEnvs,
                ...(c.envs ?? []).map((e) => `${e.key}=${e.value}`),
            ]);
            const p = entrypointOdoo(argv, environment);
            return {
                ...p,
                what: `Odoo ${p.role} component`,
                name: c.name ?? "",
                image: appImageRef(c.image),
            };
        });
}

const basename = (file: string) => file.split("/").pop() ?? "";

/**
 * Odoo as the platform's entrypoint runs it: `<entrypoint> <role> <options>` becomes `odoo
 * --config=<its odoo.conf> <options>`, the conf written from the environment.
 */
function entrypointOdoo(
    argv: readonly string[],
    environment: Readonly<Record<string, string>>,
): { role: string; env: Readonly<Record<string, string>>; config: OdooConfig } {
    const dir = environment["ODOO_PLATFORM_CONF_DIR"] ?? APP_CONF_DIR;
    const conf = `${dir}/odoo.conf`;
    return {
        role: argv[1] ?? "",
        env: environment,
        config: odooConfig(
            [`--config=${conf}`, ...argv.slice(2)],
            environment,
            { [conf]: entrypointConf(environment) },
            ENTRYPOINT_CONF_ENVS,
        ),
    };
}

export interface AppOdooProcess extends OdooProcess {
    readonly role: string;
}

/** Names of an app's Mailpit services (those configured with MP_ variables). */
export function appMailpits(props: AppProps): string[] {
    return appComponents(props)
        .filter((c) => (c.envs ?? []).some((e) => (e.key ?? "").startsWith("MP_")))
        .map((c) => c.name ?? "");
}

/**
 * The image reference a container runs: the Docker provider gives the container the pulled
 * image's id (`sha256:...`), so the reference is the `name` of the RemoteImage it came from.
 * Undefined while unknown (a preview before the image was pulled).
 */
export function containerImage(r: PolicyResource): string | undefined {
    const source = (r.propertyDependencies["image"] ?? []).find((d) => d.type === T.remoteImage);
    const name = source?.props["name"];
    if (typeof name === "string") return name;
    const image = r.props["image"];
    return typeof image === "string" && !image.startsWith("sha256:") ? image : undefined;
}

/** Every Odoo process of a stack, containers and App Platform components alike. */
export function stackOdooProcesses(
    resources: readonly PolicyResource[],
): { r: PolicyResource; p: OdooProcess }[] {
    return resources.flatMap((r) => {
        if (r.type === T.container) {
            const p = containerOdoo(r.props as ContainerProps, containerImage(r));
            return p === undefined ? [] : [{ r, p }];
        }
        if (r.type === T.app) return appOdooProcesses(r.props as AppProps).map((p) => ({ r, p }));
        return [];
    });
}

/** The Odoo processes of one resource (resource policies see no dependencies, so no image). */
export function resourceOdooProcesses(type: string, props: unknown): OdooProcess[] {
    if (type === T.container) {
        const p = containerOdoo(props as ContainerProps);
        return p === undefined ? [] : [p];
    }
    return type === T.app ? appOdooProcesses(props as AppProps) : [];
}

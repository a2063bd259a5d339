/**
 * Traefik routing as pure functions: the Docker labels of a routed container and the flags of the
 * Traefik container itself.
 */

export interface RouteSpec {
    /** Host names served by this container; each gets its own router. */
    readonly hosts: readonly string[];
    /** Container port for HTTP. */
    readonly port: number;
    /** When set, `/websocket` on every host goes to this port (Odoo's gevent port). */
    readonly websocketPort?: number;
    /** Adds `X-Robots-Tag: noindex, nofollow` to every response (non-production hosts). */
    readonly noindex: boolean;
    /** Docker network Traefik reaches the container on. */
    readonly network: string;
    /**
     * Serve every host from one wildcard certificate for `*.<wildcardDomain>` (DNS-01), instead
     * of one certificate per host: preview environments come and go faster than Let's Encrypt's
     * rate limits allow.
     */
    readonly wildcardDomain?: string;
    /**
     * A middleware every router of these hosts passes (the non-production door, e.g.
     * `nonprod-door@docker`), except a router of their own for `openPaths`.
     */
    readonly door?: string;
    /** Exact paths served without the door (the uptime check's `/web/health`). */
    readonly openPaths?: readonly string[];
}

export const CERT_RESOLVER = "le";
export const ENTRYPOINT_HTTPS = "websecure";

/** Router name for a host: stable, derived from the hostname, safe in a label key. */
export function routerName(host: string): string {
    return host
        .replace(/^\*\./, "wildcard.")
        .replace(/[^a-z0-9]+/gi, "-")
        .toLowerCase();
}

export function traefikLabels(spec: RouteSpec): Record<string, string> {
    if (spec.hosts.length === 0) throw new Error("a routed container needs at least one host");
    const labels: Record<string, string> = {
        "traefik.enable": "true",
        "traefik.docker.network": spec.network,
    };
    for (const host of spec.hosts) {
        const r = routerName(host);
        const headers = [`${r}-headers`];
        const middlewares = spec.door === undefined ? headers : [...headers, spec.door];
        const router = (
            name: string,
            rule: string,
            service: string,
            priority?: number,
            through: string[] = middlewares,
        ) => {
            labels[`traefik.http.routers.${name}.rule`] = rule;
            labels[`traefik.http.routers.${name}.entrypoints`] = ENTRYPOINT_HTTPS;
            labels[`traefik.http.routers.${name}.tls.certresolver`] = CERT_RESOLVER;
            labels[`traefik.http.routers.${name}.service`] = service;
            labels[`traefik.http.routers.${name}.middlewares`] = through.join(",");
            if (priority !== undefined) {
                labels[`traefik.http.routers.${name}.priority`] = String(priority);
            }
            if (spec.wildcardDomain !== undefined) {
                labels[`traefik.http.routers.${name}.tls.domains[0].main`] = spec.wildcardDomain;
                labels[`traefik.http.routers.${name}.tls.domains[0].sans`] =
                    `*.${spec.wildcardDomain}`;
            }
        };
        router(r, `Host(\`${host}\`)`, r);
        labels[`traefik.http.services.${r}.loadbalancer.server.port`] = String(spec.port);
        if (spec.door !== undefined) {
            (spec.openPaths ?? []).forEach((p, i) => {
                const paths = `Host(\`${host}\`) && Path(\`${p}\`)`;
                router(`${r}-open${i}`, paths, r, 2000, headers);
            });
        }
        if (spec.websocketPort !== undefined) {
            router(`${r}-ws`, `Host(\`${host}\`) && PathPrefix(\`/websocket\`)`, `${r}-ws`, 1000);
            labels[`traefik.http.services.${r}-ws.loadbalancer.server.port`] = String(
                spec.websocketPort,
            );
        }
        const h = `traefik.http.middlewares.${r}-headers.headers`;
        labels[`${h}.stsSeconds`] = "31536000";
        labels[`${h}.contentTypeNosniff`] = "true";
        labels[`${h}.referrerPolicy`] = "strict-origin-when-cross-origin";
        if (spec.noindex) {
            labels[`${h}.customResponseHeaders.X-Robots-Tag`] = "noindex, nofollow";
        }
    }
    return labels;
}

/** Labels as the Docker provider takes them, sorted for a stable diff. */
export function labelList(labels: Record<string, string>): { label: string; value: string }[] {
    return Object.keys(labels)
        .sort()
        .map((label) => ({ label, value: labels[label] }));
}

export interface TraefikSettings {
    readonly acmeEmail: string;
    readonly network: string;
    /** Use Let's Encrypt's staging CA (no rate limits, untrusted certificates). */
    readonly acmeStaging?: boolean;
}

/** The Traefik container's command: Docker provider, HTTPS only, DNS-01 through Cloudflare. */
export function traefikFlags(s: TraefikSettings): string[] {
    const flags = [
        "--providers.docker=true",
        "--providers.docker.exposedbydefault=false",
        `--providers.docker.network=${s.network}`,
        "--entrypoints.web.address=:80",
        `--entrypoints.web.http.redirections.entrypoint.to=${ENTRYPOINT_HTTPS}`,
        "--entrypoints.web.http.redirections.entrypoint.scheme=https",
        `--entrypoints.${ENTRYPOINT_HTTPS}.address=:443`,
        `--certificatesresolvers.${CERT_RESOLVER}.acme.email=${s.acmeEmail}`,
        `--certificatesresolvers.${CERT_RESOLVER}.acme.storage=/letsencrypt/acme.json`,
        `--certificatesresolvers.${CERT_RESOLVER}.acme.dnschallenge.provider=cloudflare`,
        `--certificatesresolvers.${CERT_RESOLVER}.acme.dnschallenge.resolvers=1.1.1.1:53,1.0.0.1:53`,
        // No --api.* flag at all: setting any of them creates the API section, so even
        // --api.dashboard=false switches the API on (Traefik v3).
        "--ping=true",
        "--accesslog=true",
        "--log.level=INFO",
    ];
    if (s.acmeStaging === true) {
        flags.push(
            `--certificatesresolvers.${CERT_RESOLVER}.acme.caserver=` +
                "https://acme-staging-v02.api.letsencrypt.org/directory",
        );
    }
    return flags;
}

/**
 * Labels routing one path of a host to a container, rewritten to `targetPath` (e.g. a CGI).
 * Used for the backup freshness endpoint next to Odoo on the same host name.
 */
export function pathRouteLabels(spec: {
    readonly router: string;
    readonly host: string;
    readonly path: string;
    readonly targetPath: string;
    readonly port: number;
    readonly network: string;
}): Record<string, string> {
    const r = spec.router;
    return {
        "traefik.enable": "true",
        "traefik.docker.network": spec.network,
        [`traefik.http.routers.${r}.rule`]: `Host(\`${spec.host}\`) && Path(\`${spec.path}\`)`,
        [`traefik.http.routers.${r}.entrypoints`]: ENTRYPOINT_HTTPS,
        [`traefik.http.routers.${r}.tls.certresolver`]: CERT_RESOLVER,
        [`traefik.http.routers.${r}.priority`]: "2000",
        [`traefik.http.routers.${r}.middlewares`]: `${r}-path`,
        [`traefik.http.middlewares.${r}-path.replacepath.path`]: spec.targetPath,
        [`traefik.http.services.${r}.loadbalancer.server.port`]: String(spec.port),
    };
}

/**
 * Traefik's routing as its Docker provider builds it from the plan's container labels: which
 * middlewares each router passes (its own, and those of its entrypoints from the Traefik
 * container's flags), and the chains that name other middlewares. Middlewares are global to the
 * provider: any container may define them.
 */
import { PolicyResource } from "@pulumi/policy";
import { ContainerProps } from "./base";

/** A container's labels as a map (the last of a repeated label wins, as in Docker). */
export const labelsOf = (c: ContainerProps) =>
    new Map((c.labels ?? []).map((l) => [l.label, l.value] as [string, unknown]));

/** Middleware references of a Traefik list (`a, b@docker`), with their provider suffix. */
export const middlewareRefs = (list: unknown) =>
    (typeof list === "string" ? list : "")
        .split(",")
        .map((m) => m.trim())
        .filter((m) => m !== "");

/** A middleware reference without its provider suffix (`b@docker` → `b`). */
export const bareMiddleware = (ref: string) => ref.replace(/@[a-z0-9-]+$/i, "");

export interface RoutedContainer {
    readonly r: PolicyResource;
    readonly c: ContainerProps;
    /** Its routers, sorted by name: the rule and every middleware reference the router passes. */
    readonly routers: readonly { name: string; rule: string; middlewares: string[] }[];
}

export interface TraefikRouting {
    /** The containers Traefik routes (`traefik.enable=true`). */
    readonly routed: readonly RoutedContainer[];
    /**
     * Whether a middleware reference, or a chain it names (transitively), is one `is` accepts
     * (called with the reference as written and its bare name).
     */
    reaches(ref: string, is: (ref: string, name: string) => boolean): boolean;
}

export function traefikRouting(containers: readonly PolicyResource[]): TraefikRouting {
    const chains = new Map<string, string[]>();
    const entrypoints = new Map<string, string[]>();
    for (const r of containers) {
        const c = r.props as ContainerProps;
        for (const [label, value] of labelsOf(c)) {
            const chain = /^traefik\.http\.middlewares\.([^.]+)\.chain\.middlewares$/i.exec(label);
            if (chain) chains.set(chain[1], middlewareRefs(value).map(bareMiddleware));
        }
        // The Traefik container's own flags: middlewares on every router of an entrypoint.
        for (const arg of c.command ?? []) {
            const m = /^--entrypoints\.([^.]+)\.http\.middlewares=(.*)$/i.exec(arg);
            if (m) entrypoints.set(m[1], middlewareRefs(m[2]));
        }
    }
    const routed = containers
        .map((r) => ({ r, c: r.props as ContainerProps }))
        .map(({ r, c }) => ({ r, c, labels: labelsOf(c) }))
        .filter(({ labels }) => String(labels.get("traefik.enable") ?? "").toLowerCase() === "true")
        .map(({ r, c, labels }) => ({
            r,
            c,
            routers: [...labels.keys()]
                .map((l) => /^traefik\.http\.routers\.([^.]+)\.rule$/i.exec(l)?.[1])
                .filter((x): x is string => x !== undefined)
                .sort()
                .map((name) => {
                    const key = `traefik.http.routers.${name}`;
                    const eps = middlewareRefs(labels.get(`${key}.entrypoints`));
                    return {
                        name,
                        rule: String(labels.get(`${key}.rule`) ?? ""),
                        middlewares: [
                            ...middlewareRefs(labels.get(`${key}.middlewares`)),
                            ...eps.flatMap((ep) => entrypoints.get(ep) ?? []),
                        ],
                    };
                }),
        }));
    const reaches = (
        ref: string,
        is: (ref: string, name: string) => boolean,
        seen: Set<string> = new Set(),
    ): boolean => {
        const name = bareMiddleware(ref);
        if (is(ref, name)) return true;
        if (seen.has(name)) return false;
        seen.add(name);
        return (chains.get(name) ?? []).some((x) => reaches(x, is, seen));
    };
    return { routed, reaches: (ref, is) => reaches(ref, is) };
}

/** The host names a router rule serves (`Host(\`a\`)`), in order. */
export const hostsOfRule = (rule: string) =>
    [...rule.matchAll(/Host\(`([^`]+)`\)/g)].map((m) => m[1]);

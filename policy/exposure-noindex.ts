import { StackValidationPolicy } from "@pulumi/policy";
import { ContainerProps, T, stageOf, stageSchema } from "./lib";

/** A container's labels as a map (the last of a repeated label wins, as in Docker). */
const labelsOf = (c: ContainerProps) =>
    new Map((c.labels ?? []).map((l) => [l.label, l.value] as [string, string]));

/** Middleware names in a Traefik list (`a, b@docker`): the provider suffix is dropped. */
const names = (list: string | undefined) =>
    (list ?? "")
        .split(",")
        .map((m) => m.trim().replace(/@[a-z0-9-]+$/i, ""))
        .filter((m) => m !== "");

/**
 * Whether an X-Robots-Tag value forbids indexing to every robot: a `noindex` or `none` directive
 * of its own (`googlebot: noindex` speaks to one robot only).
 */
function forbidsIndexing(value: string): boolean {
    return value
        .split(",")
        .map((d) => d.trim().toLowerCase())
        .some((d) => d === "noindex" || d === "none");
}

/**
 * Staging, preview and Mailpit serve copies of production's data and pages: search engines must
 * not index them, or customers find and use them instead of production. Every router Traefik
 * builds from a non-production container's labels passes a headers middleware (its own, its
 * entrypoint's, or one in a chain) that sends `X-Robots-Tag: noindex`.
 */
export const exposureNoindex: StackValidationPolicy = {
    name: "exposure-noindex",
    description:
        "Every host a staging or preview stack serves through Traefik sends X-Robots-Tag: noindex " +
        "(a headers middleware with customResponseHeaders.X-Robots-Tag on every router), so no " +
        "search engine lists a copy of production.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...stageSchema } },
    validateStack: (args, reportViolation) => {
        const containers = args.resources.filter((r) => r.type === T.container);
        if (containers.length === 0) return;
        const stage = stageOf({
            urn: containers[0].urn,
            config: args.getConfig(),
            stackTags: args.stackTags,
        });
        if (stage === "production") return;
        // Middlewares are global to Traefik's Docker provider: any container may define them.
        const noindex = new Set<string>();
        const chains = new Map<string, string[]>();
        const entrypoints = new Map<string, string[]>();
        for (const r of containers) {
            const c = r.props as ContainerProps;
            for (const [label, value] of labelsOf(c)) {
                const header =
                    /^traefik\.http\.middlewares\.([^.]+)\.headers\.customresponseheaders\.(.+)$/i.exec(
                        label,
                    );
                if (
                    header &&
                    header[2].toLowerCase() === "x-robots-tag" &&
                    forbidsIndexing(value)
                ) {
                    noindex.add(header[1]);
                }
                const chain = /^traefik\.http\.middlewares\.([^.]+)\.chain\.middlewares$/i.exec(
                    label,
                );
                if (chain) chains.set(chain[1], names(value));
            }
            // The Traefik container's own flags: middlewares on every router of an entrypoint.
            for (const arg of c.command ?? []) {
                const m = /^--entrypoints\.([^.]+)\.http\.middlewares=(.*)$/i.exec(arg);
                if (m) entrypoints.set(m[1], names(m[2]));
            }
        }
        const sendsNoindex = (m: string, seen: Set<string> = new Set()): boolean => {
            if (noindex.has(m)) return true;
            if (seen.has(m)) return false;
            seen.add(m);
            return (chains.get(m) ?? []).some((x) => sendsNoindex(x, seen));
        };
        for (const r of containers) {
            const c = r.props as ContainerProps;
            const labels = labelsOf(c);
            if ((labels.get("traefik.enable") ?? "").toLowerCase() !== "true") continue;
            const routers = [...labels.keys()]
                .map((l) => /^traefik\.http\.routers\.([^.]+)\.rule$/i.exec(l)?.[1])
                .filter((x): x is string => x !== undefined)
                .sort();
            const bare = routers.filter((router) => {
                const own = names(labels.get(`traefik.http.routers.${router}.middlewares`));
                const eps = names(labels.get(`traefik.http.routers.${router}.entrypoints`));
                const all = [...own, ...eps.flatMap((ep) => entrypoints.get(ep) ?? [])];
                return !all.some((m) => sendsNoindex(m));
            });
            if (bare.length === 0) continue;
            const hosts = [
                ...new Set(
                    bare.flatMap((router) =>
                        [
                            ...(labels.get(`traefik.http.routers.${router}.rule`) ?? "").matchAll(
                                /Host\(`([^`]+)`\)/g,
                            ),
                        ].map((m) => m[1]),
                    ),
                ),
            ];
            reportViolation(
                `container "${c.name ?? r.name}" serves ${hosts.join(", ") || "its routes"} without ` +
                    `X-Robots-Tag: noindex (routers ${bare.join(", ")}) on a ${stage} stack; route ` +
                    "it with the platform's labels (traefikLabels with noindex), which add the header.",
                r.urn,
            );
        }
    },
};

import { StackValidationPolicy } from "@pulumi/policy";
import {
    ContainerProps,
    T,
    hostsOfRule,
    labelsOf,
    stackStage,
    stageSchema,
    traefikRouting,
} from "./lib";

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
        const stage = stackStage(args);
        if (stage === "production") return;
        // Middlewares are global to Traefik's Docker provider: any container may define them.
        const noindex = new Set<string>();
        for (const r of containers) {
            for (const [label, value] of labelsOf(r.props as ContainerProps)) {
                const header =
                    /^traefik\.http\.middlewares\.([^.]+)\.headers\.customresponseheaders\.(.+)$/i.exec(
                        label,
                    );
                if (
                    header &&
                    header[2].toLowerCase() === "x-robots-tag" &&
                    forbidsIndexing(value as string)
                ) {
                    noindex.add(header[1]);
                }
            }
        }
        const traefik = traefikRouting(containers);
        for (const { r, c, routers } of traefik.routed) {
            const bare = routers.filter(
                (router) =>
                    !router.middlewares.some((m) =>
                        traefik.reaches(m, (_, name) => noindex.has(name)),
                    ),
            );
            if (bare.length === 0) continue;
            const hosts = [...new Set(bare.flatMap((router) => hostsOfRule(router.rule)))];
            const names = bare.map((router) => router.name).join(", ");
            reportViolation(
                `container "${c.name ?? r.name}" serves ${hosts.join(", ") || "its routes"} without ` +
                    `X-Robots-Tag: noindex (routers ${names}) on a ${stage} stack; route ` +
                    "it with the platform's labels (traefikLabels with noindex), which add the header.",
                r.urn,
            );
        }
    },
};

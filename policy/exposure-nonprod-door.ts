import { StackValidationPolicy } from "@pulumi/policy";
import { ContainerProps, T, stageOf, stageSchema } from "./lib";

/** A container's labels as a map (the last of a repeated label wins, as in Docker). */
const labelsOf = (c: ContainerProps) =>
    new Map((c.labels ?? []).map((l) => [l.label, l.value] as [string, unknown]));

/** Middleware references of a Traefik list (`a, b@docker`), with their provider suffix. */
const refs = (list: unknown) =>
    (typeof list === "string" ? list : "")
        .split(",")
        .map((m) => m.trim())
        .filter((m) => m !== "");
const bare = (ref: string) => ref.replace(/@[a-z0-9-]+$/i, "");

/**
 * The door of the dev host, defined by the staging stack (on its Mailpit container) and named by
 * the pr-<N> stacks' routers: the staging stack's own run of this policy checks its definition.
 */
const DEV_HOST_DOOR = "nonprod-door@docker";

/** A router that serves only Odoo's health answer, which the uptime check reads without a login. */
const OPEN_RULE = /^Host\(`[^`]+`\) && Path\(`\/web\/health`\)$/;

/**
 * Staging, the previews and Mailpit serve copies of production's people and mail: nobody reaches
 * them without a login at the proxy. Every router Traefik builds from a non-production
 * container's labels passes a basicauth middleware with users (its own, a chain's or its
 * entrypoint's; a pr-<N> stack: the dev host's `nonprod-door@docker`), except one that serves
 * exactly `/web/health`.
 */
export const exposureNonprodDoor: StackValidationPolicy = {
    name: "exposure-nonprod-door",
    description:
        "Every host a staging or preview stack serves through Traefik (Odoo, previews, Mailpit) " +
        "requires a login: a basicauth middleware with users on every router but the one for " +
        "/web/health; set nonProdAccessPassword and route with the platform's labels.",
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
        const doors = new Set<string>();
        const chains = new Map<string, string[]>();
        const entrypoints = new Map<string, string[]>();
        for (const r of containers) {
            const c = r.props as ContainerProps;
            for (const [label, value] of labelsOf(c)) {
                const auth = /^traefik\.http\.middlewares\.([^.]+)\.basicauth\.users(file)?$/i.exec(
                    label,
                );
                // A secret or not yet known value is a set of users; an empty one lets anyone in.
                if (auth && !(typeof value === "string" && value.trim() === "")) doors.add(auth[1]);
                const chain = /^traefik\.http\.middlewares\.([^.]+)\.chain\.middlewares$/i.exec(
                    label,
                );
                if (chain) chains.set(chain[1], refs(value).map(bare));
            }
            for (const arg of c.command ?? []) {
                const m = /^--entrypoints\.([^.]+)\.http\.middlewares=(.*)$/i.exec(arg);
                if (m) entrypoints.set(m[1], refs(m[2]));
            }
        }
        const isDoor = (ref: string, seen: Set<string> = new Set()): boolean => {
            if (stage === "preview" && ref === DEV_HOST_DOOR && !doors.has(bare(ref))) return true;
            const m = bare(ref);
            if (doors.has(m)) return true;
            if (seen.has(m)) return false;
            seen.add(m);
            return (chains.get(m) ?? []).some((x) => isDoor(x, seen));
        };
        for (const r of containers) {
            const c = r.props as ContainerProps;
            const labels = labelsOf(c);
            if (String(labels.get("traefik.enable") ?? "").toLowerCase() !== "true") continue;
            const routers = [...labels.keys()]
                .map((l) => /^traefik\.http\.routers\.([^.]+)\.rule$/i.exec(l)?.[1])
                .filter((x): x is string => x !== undefined)
                .sort();
            const open = routers.filter((router) => {
                const rule = String(labels.get(`traefik.http.routers.${router}.rule`) ?? "");
                if (OPEN_RULE.test(rule.trim())) return false;
                const own = refs(labels.get(`traefik.http.routers.${router}.middlewares`));
                const eps = refs(labels.get(`traefik.http.routers.${router}.entrypoints`));
                const all = [...own, ...eps.flatMap((ep) => entrypoints.get(ep) ?? [])];
                return !all.some((m) => isDoor(m));
            });
            if (open.length === 0) continue;
            const hosts = [
                ...new Set(
                    open.flatMap((router) =>
                        [
                            ...String(
                                labels.get(`traefik.http.routers.${router}.rule`) ?? "",
                            ).matchAll(/Host\(`([^`]+)`\)/g),
                        ].map((m) => m[1]),
                    ),
                ),
            ];
            reportViolation(
                `container "${c.name ?? r.name}" serves ${hosts.join(", ") || "its routes"} ` +
                    `without a login (routers ${open.join(", ")}) on a ${stage} stack: a copy of ` +
                    "production must sit behind the door; route it with the platform's labels " +
                    "(traefikLabels with door nonprod-door@docker, users from nonProdAccessPassword).",
                r.urn,
            );
        }
    },
};

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
        const stage = stackStage(args);
        if (stage === "production") return;
        const doors = new Set<string>();
        for (const r of containers) {
            for (const [label, value] of labelsOf(r.props as ContainerProps)) {
                const auth = /^traefik\.http\.middlewares\.([^.]+)\.basicauth\.users(file)?$/i.exec(
                    label,
                );
                // A secret or not yet known value is a set of users; an empty one lets anyone in.
                if (auth && !(typeof value === "string" && value.trim() === "")) doors.add(auth[1]);
            }
        }
        const isDoor = (ref: string, name: string) =>
            doors.has(name) || (stage === "preview" && ref === DEV_HOST_DOOR);
        const traefik = traefikRouting(containers);
        for (const { r, c, routers } of traefik.routed) {
            const open = routers.filter(
                (router) =>
                    !OPEN_RULE.test(router.rule.trim()) &&
                    !router.middlewares.some((m) => traefik.reaches(m, isDoor)),
            );
            if (open.length === 0) continue;
            const hosts = [...new Set(open.flatMap((router) => hostsOfRule(router.rule)))];
            const names = open.map((router) => router.name).join(", ");
            reportViolation(
                `container "${c.name ?? r.name}" serves ${hosts.join(", ") || "its routes"} ` +
                    `without a login (routers ${names}) on a ${stage} stack: a copy of ` +
                    "production must sit behind the door; route it with the platform's labels " +
                    "(traefikLabels with door nonprod-door@docker, users from nonProdAccessPassword).",
                r.urn,
            );
        }
    },
};

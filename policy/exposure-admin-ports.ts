import { ResourceValidationPolicy } from "@pulumi/policy";
import {
    ContainerProps,
    FirewallRule,
    T,
    coversPort,
    isTcp,
    wholeInternet,
    worldReach,
} from "./lib";

const ADMIN_PORTS: [number, string][] = [
    [22, "SSH"],
    [5432, "PostgreSQL"],
];

const label = (rule: FirewallRule) => `${rule.protocol ?? ""}/${rule.portRange ?? "all"}`;

/**
 * SSH and PostgreSQL are never reachable from the whole Internet, however the ranges that open
 * them are spelled or split across rules (`0.0.0.0/1` with `128.0.0.0/1` is the world).
 */
export const exposureAdminPorts: ResourceValidationPolicy = {
    name: "exposure-admin-ports",
    description:
        "SSH (22) and PostgreSQL (5432) must never be open to the whole internet (0.0.0.0/0, ::/0, " +
        "or ranges that together cover every public address): list your own CIDRs in " +
        "sshAllowedCidrs, and never publish the database container's port.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type === T.firewall) {
            const inbound = (args.props.inboundRules ?? []) as FirewallRule[];
            for (const [port, what] of ADMIN_PORTS) {
                const rules = inbound.filter((r) => isTcp(r) && coversPort(r, port));
                for (const rule of rules) {
                    for (const a of worldReach(rule.sourceAddresses ?? []).unreadable) {
                        reportViolation(
                            `inbound ${label(rule)} admits ${what} (${port}) from "${a}", which is ` +
                                "no address range the pack can judge; list CIDRs such as " +
                                "203.0.113.7/32 in sshAllowedCidrs.",
                        );
                    }
                }
                const reach = worldReach(rules.flatMap((r) => r.sourceAddresses ?? []));
                if (reach.families.length === 0) continue;
                const opening = rules.filter((r) =>
                    (r.sourceAddresses ?? []).some((a) => reach.reaching.includes(a)),
                );
                reportViolation(
                    `inbound ${opening.map(label).join(", ")} ${opening.length > 1 ? "open" : "opens"} ` +
                        `${what} (${port}) to ${reach.reaching.join(", ")} (${wholeInternet(reach.families)}); ` +
                        "restrict it to your own CIDRs (sshAllowedCidrs).",
                );
            }
        }
        if (args.type === T.container) {
            const c = args.props as ContainerProps;
            for (const p of c.ports ?? []) {
                if (p.internal === 5432 || p.external === 5432) {
                    reportViolation(
                        `container "${c.name ?? args.name}" publishes PostgreSQL on the host; remove the ` +
                            "port: Odoo reaches the database over the Docker network.",
                    );
                }
            }
        }
    },
};

import { ResourceValidationPolicy } from "@pulumi/policy";
import { ContainerProps, FirewallRule, T, WORLD, coversPort } from "./lib";

const ADMIN_PORTS: Record<number, string> = { 22: "SSH", 5432: "PostgreSQL" };

/** SSH and PostgreSQL are never reachable from the whole Internet. */
export const exposureAdminPorts: ResourceValidationPolicy = {
    name: "exposure-admin-ports",
    description:
        "SSH (22) and PostgreSQL (5432) must never be open to 0.0.0.0/0 or ::/0: list your own CIDRs " +
        "in sshAllowedCidrs, and never publish the database container's port.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type === T.firewall) {
            for (const rule of (args.props.inboundRules ?? []) as FirewallRule[]) {
                if ((rule.protocol ?? "").toLowerCase() !== "tcp") continue;
                const world = (rule.sourceAddresses ?? []).filter((a) => WORLD.includes(a));
                if (world.length === 0) continue;
                for (const [port, what] of Object.entries(ADMIN_PORTS)) {
                    if (coversPort(rule, Number(port))) {
                        reportViolation(
                            `inbound tcp/${rule.portRange ?? "all"} opens ${what} (${port}) to ${world.join(" and ")}; ` +
                                "restrict it to your own CIDRs (sshAllowedCidrs).",
                        );
                    }
                }
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

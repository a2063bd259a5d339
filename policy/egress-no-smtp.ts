import { ResourceValidationPolicy } from "@pulumi/policy";
import { FirewallRule, T, coversPort, isTcp, stageOf, stageSchema } from "./lib";

export const SMTP_PORTS = [25, 465, 587, 2525];

/** Defence in depth: even a misconfigured Odoo on a non-prod host cannot reach a mail server. */
export const egressNoSmtp: ResourceValidationPolicy = {
    name: "egress-no-smtp",
    description:
        "Firewalls of staging and preview hosts must not allow outbound TCP 25, 465, 587 or 2525 (mail submission); write " +
        "the allowed TCP ranges around them (1-24, 26-464, 466-586, 588-2524, 2526-65535).",
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...stageSchema } },
    validateResource: (args, reportViolation) => {
        if (args.type !== T.firewall) return;
        if (
            stageOf({ urn: args.urn, config: args.getConfig(), stackTags: args.stackTags }) ===
            "production"
        )
            return;
        const rules = (args.props.outboundRules ?? []) as FirewallRule[];
        // Every rule counts whatever its destination: a non-production host reaches no mail
        // server at all, and a port range the pack cannot read counts as every port.
        for (const rule of rules) {
            if (!isTcp(rule)) continue;
            const open = SMTP_PORTS.filter((p) => coversPort(rule, p));
            if (open.length > 0) {
                reportViolation(
                    `outbound rule ${rule.protocol ?? ""}/${rule.portRange ?? "all"} lets this non-production host reach ` +
                        `SMTP port${open.length > 1 ? "s" : ""} ${open.join(", ")}; split the range around 25, 465, 587 and 2525.`,
                );
            }
        }
    },
};

import { ResourceValidationPolicy } from "@pulumi/policy";
import { T } from "./lib";

export const hygieneTags: ResourceValidationPolicy = {
    name: "hygiene-tags",
    description:
        'Droplets, volumes and firewalls should carry the "odoo-platform" tag for billing and search.',
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        if (![T.droplet, T.volume, T.firewall].includes(args.type as typeof T.droplet)) return;
        const tags = (args.props.tags ?? []) as string[];
        if (!tags.includes("odoo-platform")) {
            reportViolation(`${args.name} has no "odoo-platform" tag.`);
        }
    },
};

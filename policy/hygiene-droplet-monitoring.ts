import { ResourceValidationPolicy } from "@pulumi/policy";
import { T } from "./lib";

export const hygieneDropletMonitoring: ResourceValidationPolicy = {
    name: "hygiene-droplet-monitoring",
    description:
        "Droplets should run the monitoring agent (monitoring: true) so memory and disk alerts work.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        if (args.type === T.droplet && args.props.monitoring !== true) {
            reportViolation("droplet has no monitoring agent: memory and disk alerts stay silent.");
        }
    },
};

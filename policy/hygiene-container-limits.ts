import { ResourceValidationPolicy } from "@pulumi/policy";
import { ContainerProps, T, isOdoo, stageOf, stageSchema } from "./lib";

export const hygieneContainerLimits: ResourceValidationPolicy = {
    name: "hygiene-container-limits",
    description:
        "Odoo containers, and every container of a preview stack, should have a memory limit so one " +
        "environment cannot starve the host.",
    enforcementLevel: "advisory",
    configSchema: { properties: { ...stageSchema } },
    validateResource: (args, reportViolation) => {
        if (args.type !== T.container) return;
        const c = args.props as ContainerProps;
        const preview =
            stageOf({ urn: args.urn, config: args.getConfig(), stackTags: args.stackTags }) ===
            "preview";
        if ((isOdoo(c) || preview) && !(typeof c.memory === "number" && c.memory > 0)) {
            reportViolation(`container "${c.name ?? args.name}" has no memory limit.`);
        }
    },
};

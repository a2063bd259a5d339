import { ResourceValidationPolicy } from "@pulumi/policy";
import { AppProps, T, appComponents, appOdooProcesses, flag } from "./lib";

/** A deploy upgrades the modules before it takes traffic; a failed upgrade fails the deploy. */
export const appPlatformUpgradeJob: ResourceValidationPolicy = {
    name: "app-platform-upgrade-job",
    description:
        "An App Platform app running Odoo has a PRE_DEPLOY job that runs the module upgrade " +
        "(odoo-platform-entrypoint upgrade ... --update=...), so a failed upgrade never takes traffic.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== T.app) return;
        const props = args.props as AppProps;
        const odoo = appOdooProcesses(props);
        if (odoo.length === 0) return;
        const preDeploy = new Set(
            appComponents(props)
                .filter((c) => c.list === "jobs" && c.kind === "PRE_DEPLOY")
                .map((c) => c.name),
        );
        const upgrade = odoo.find(
            (c) => c.role === "upgrade" && preDeploy.has(c.name) && flag(c, "update") !== undefined,
        );
        if (upgrade === undefined) {
            reportViolation(
                "the app has no PRE_DEPLOY job running the module upgrade (role upgrade with " +
                    "--update); new code would start on an old schema.",
            );
        }
    },
};

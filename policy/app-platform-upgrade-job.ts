import { ResourceValidationPolicy } from "@pulumi/policy";
import { AppProps, T, appComponents, appOdooProcesses, truthy } from "./lib";

/** A deploy upgrades the modules before it takes traffic; a failed upgrade fails the deploy. */
export const appPlatformUpgradeJob: ResourceValidationPolicy = {
    name: "app-platform-upgrade-job",
    description:
        "An App Platform app running Odoo has a PRE_DEPLOY job that runs the module upgrade " +
        "(odoo-platform-entrypoint upgrade ... --stop-after-init, with --update=<modules> when a " +
        "release changes their version) and never --update=all, so a failed upgrade never takes " +
        "traffic and a deploy updates what changed.",
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
        const candidates = odoo.filter((c) => c.role === "upgrade" && preDeploy.has(c.name));
        // Odoo does not start with a command line it refuses (odoo-command-line says why).
        if (candidates.some((c) => c.config.problems.length > 0)) return;
        const upgrade = candidates.find((c) => truthy(c.config.value("stop_after_init")));
        if (upgrade === undefined) {
            reportViolation(
                "the app has no PRE_DEPLOY job running the module upgrade (role upgrade with " +
                    "--stop-after-init); new code would start on an old schema.",
            );
        } else if (
            String(upgrade.config.value("update"))
                .split(",")
                .map((m) => m.trim())
                .includes("all")
        ) {
            reportViolation(
                `the upgrade job "${upgrade.name}" runs --update=all: every deploy would update ` +
                    "every module; update the modules whose version changed (odooUpdateModules, " +
                    "set by the release workflow).",
            );
        }
    },
};

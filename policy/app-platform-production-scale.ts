import { StackValidationPolicy } from "@pulumi/policy";
import { AppProps, T, appOdooProcesses, stackStage, stageSchema } from "./lib";

/** One instance means every deploy, crash or host move is downtime. */
export const appPlatformProductionScale: StackValidationPolicy = {
    name: "app-platform-production-scale",
    description:
        "In production, the App Platform web service runs at least 2 instances (appInstanceCount).",
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...stageSchema } },
    validateStack: (args, reportViolation) => {
        const apps = args.resources.filter((r) => r.type === T.app);
        if (apps.length === 0) return;
        const stage = stackStage(args);
        if (stage !== "production") return;
        for (const r of apps) {
            const props = r.props as AppProps;
            const web = appOdooProcesses(props).filter((c) => c.role === "web");
            const counts = (props.spec?.services ?? [])
                .filter((s) => web.some((w) => w.name === s.name))
                .map((s) => ({ name: s.name, count: s.instanceCount ?? 1 }));
            if (counts.length === 0) {
                reportViolation(`app "${r.name}" has no Odoo web service.`, r.urn);
            }
            for (const { name, count } of counts) {
                if (count < 2) {
                    reportViolation(
                        `web service "${name}" of app "${r.name}" runs ${count} instance; ` +
                            "production needs at least 2 (pulumi config set appInstanceCount 2).",
                        r.urn,
                    );
                }
            }
        }
    },
};

import { ResourceValidationPolicy } from "@pulumi/policy";
import {
    AppProps,
    ContainerProps,
    T,
    appOdooProcesses,
    flag,
    isOdoo,
    repositoryAddonsPath,
} from "./lib";

/** One canonical, ordered addons path, deployed identically by every stack. */
export const odooAddonsPath: ResourceValidationPolicy = {
    name: "odoo-addons-path",
    description:
        "Every Odoo must run with exactly the canonical addons path (stacks/addons-path.json): same " +
        "entries, same order, no duplicates, no relative entries.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            addonsPath: {
                type: "array",
                items: { type: "string" },
                description:
                    "The canonical ordered addons path; defaults to stacks/addons-path.json.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        // Containers, and the Odoo components of App Platform apps read as containers.
        const processes =
            args.type === T.container
                ? [args.props as ContainerProps]
                : args.type === T.app
                  ? appOdooProcesses(args.props as AppProps)
                  : [];
        const expected =
            args.getConfig<{ addonsPath?: string[] }>().addonsPath ?? repositoryAddonsPath();
        for (const c of processes.filter(isOdoo)) {
            checkAddonsPath(c, expected, reportViolation);
        }
    },
};

function checkAddonsPath(
    c: ContainerProps,
    expected: string[] | undefined,
    reportViolation: (message: string) => void,
): void {
    if (expected === undefined) {
        reportViolation("no canonical addons path: pass addonsPath in the policy pack config.");
        return;
    }
    const value = flag(c, "addons-path");
    if (typeof value !== "string") {
        reportViolation(`Odoo runs without --addons-path; expected ${expected.join(",")}.`);
        return;
    }
    const found = value.split(",").map((e) => e.trim());
    const relative = found.filter((e) => !e.startsWith("/"));
    if (relative.length > 0) {
        reportViolation(
            `addons path has relative entries (${relative.join(", ")}); use absolute paths.`,
        );
    }
    const dupes = found.filter((e, i) => found.indexOf(e) !== i);
    if (dupes.length > 0) {
        reportViolation(
            `addons path repeats ${[...new Set(dupes)].join(", ")}; list each directory once.`,
        );
    }
    if (found.join(",") !== expected.join(",")) {
        reportViolation(
            `addons path differs from the canonical list.\n  expected: ${expected.join(",")}\n` +
                `  found:    ${found.join(",")}\nRemove odooAddonsPath from the stack config, or change ` +
                "stacks/addons-path.json for every stack.",
        );
    }
}

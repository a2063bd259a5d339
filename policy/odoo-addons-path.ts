import { StackValidationPolicy } from "@pulumi/policy";
import {
    CORE_ADDONS_PATH,
    OdooProcess,
    isOfficialImage,
    repositoryAddonsPath,
    stackOdooProcesses,
} from "./lib";

/**
 * One canonical, ordered addons path, deployed identically by every stack, and one the image can
 * start with: Odoo exits when an entry is missing or holds no module.
 */
export const odooAddonsPath: StackValidationPolicy = {
    name: "odoo-addons-path",
    description:
        "Every Odoo must run with the addons path its image holds: the official odoo image holds " +
        `Odoo's core addons only (${CORE_ADDONS_PATH}); an image of the platform's build holds ` +
        "exactly the canonical path (stacks/addons-path.json): same entries, same order, no " +
        "duplicates, no relative entries.",
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
    validateStack: (args, reportViolation) => {
        const canonical =
            args.getConfig<{ addonsPath?: string[] }>().addonsPath ?? repositoryAddonsPath();
        // Containers (image read through their RemoteImage) and App Platform components alike.
        for (const { r, p } of stackOdooProcesses(args.resources)) {
            // Odoo does not start with a command line it refuses (odoo-command-line says why).
            if (p.config.problems.length > 0) continue;
            checkAddonsPath(p, canonical, (m) => reportViolation(m, r.urn));
        }
    },
};

function checkAddonsPath(
    p: OdooProcess,
    canonical: string[] | undefined,
    report: (message: string) => void,
): void {
    const image = p.image;
    const official = image !== undefined && isOfficialImage(image);
    const expected = official ? [CORE_ADDONS_PATH] : canonical;
    if (expected === undefined) {
        report("no canonical addons path: pass addonsPath in the policy pack config.");
        return;
    }
    const value = p.config.value("addons_path");
    if (typeof value !== "string" || value === "") {
        report(`Odoo runs without --addons-path; expected ${expected.join(",")}.`);
        return;
    }
    const found = value.split(",").map((e) => e.trim());
    const relative = found.filter((e) => !e.startsWith("/"));
    if (relative.length > 0) {
        report(`addons path has relative entries (${relative.join(", ")}); use absolute paths.`);
    }
    const dupes = found.filter((e, i) => found.indexOf(e) !== i);
    if (dupes.length > 0) {
        report(`addons path repeats ${[...new Set(dupes)].join(", ")}; list each directory once.`);
    }
    if (image === undefined) return; // which path the image holds is known once it is
    if (found.join(",") === expected.join(",")) return;
    if (official) {
        report(
            `the official image ${image} holds Odoo's core addons only, but Odoo runs with ` +
                `${found.join(",")}: it would exit at start ('option --addons-path: no such ` +
                "directory'). Run the image of the platform's build (set odooImage), or drop " +
                "odooAddonsPath from the stack config.",
        );
    } else {
        report(
            `addons path differs from the canonical list the platform's build puts in ${image}.\n` +
                `  expected: ${expected.join(",")}\n  found:    ${found.join(",")}\n` +
                "Remove odooAddonsPath from the stack config, or change stacks/addons-path.json " +
                "for every stack and rebuild the image.",
        );
    }
}

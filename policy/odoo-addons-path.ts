import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import {
    AppProps,
    CORE_ADDONS_PATH,
    ContainerProps,
    T,
    appOdooProcesses,
    flag,
    isOdoo,
    isOfficialImage,
    repositoryAddonsPath,
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
        for (const r of args.resources) {
            // Containers, and the Odoo components of App Platform apps read as containers.
            const processes =
                r.type === T.container
                    ? [{ c: r.props as ContainerProps, image: containerImage(r) }]
                    : r.type === T.app
                      ? appOdooProcesses(r.props as AppProps).map((c) => ({ c, image: c.image }))
                      : [];
            for (const { c, image } of processes) {
                if (!isOdoo(c)) continue;
                checkAddonsPath(c, image, canonical, (m) => reportViolation(m, r.urn));
            }
        }
    },
};

/**
 * The image reference a container runs: the Docker provider gives the container the pulled
 * image's id (`sha256:...`), so the reference is the `name` of the RemoteImage it came from.
 * Undefined while unknown (a preview before the image was pulled).
 */
function containerImage(r: PolicyResource): string | undefined {
    const source = (r.propertyDependencies["image"] ?? []).find((d) => d.type === T.remoteImage);
    const name = source?.props["name"];
    if (typeof name === "string") return name;
    const image = r.props["image"];
    return typeof image === "string" && !image.startsWith("sha256:") ? image : undefined;
}

function checkAddonsPath(
    c: ContainerProps,
    image: string | undefined,
    canonical: string[] | undefined,
    report: (message: string) => void,
): void {
    const official = image !== undefined && isOfficialImage(image);
    const expected = official ? [CORE_ADDONS_PATH] : canonical;
    if (expected === undefined) {
        report("no canonical addons path: pass addonsPath in the policy pack config.");
        return;
    }
    const value = flag(c, "addons-path");
    if (typeof value !== "string") {
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

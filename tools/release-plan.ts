/**
 * Which modules a release updates, like Odoo.sh: exactly those whose manifest version changed
 * between the image a stage runs and the one it gets, read from the images' labels
 * (`odoo-platform.modules`, written by the platform's build). Modules new to the image are
 * installed only when asked; modules gone from it are reported.
 *
 *   ts-node tools/release-plan.ts --from <labels.json> --to <labels.json> [--install-new]
 *
 * prints JSON `{update, install, removed, addonsPath}`; the labels files are
 * `docker inspect -f '{{json .Config.Labels}}'` of each image (`--from` may be `{}`: nothing
 * deployed yet).
 */
import * as fs from "fs";
import { parseArgs } from "util";

export const LABELS = {
    modules: "odoo-platform.modules",
    addonsPath: "odoo-platform.addons-path",
    revision: "org.opencontainers.image.revision",
} as const;

export interface ReleasePlan {
    /** Installed modules whose manifest version changed: `-u`. */
    readonly update: string[];
    /** Modules the new image has and the deployed one had not: `-i`, when asked. */
    readonly install: string[];
    /** Modules of the deployed image the new one lacks (Odoo keeps them, unloadable). */
    readonly removed: string[];
    /** The addons path the new image records. */
    readonly addonsPath: string;
}

/** The modules and versions an image's labels record; throws when they are not the build's. */
export function modulesOf(labels: Readonly<Record<string, string>>, what: string) {
    const raw = labels[LABELS.modules];
    if (raw === undefined) {
        throw new Error(`${what} records no ${LABELS.modules}: was it built by odoo-build.yml?`);
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw);
    } catch {
        throw new Error(`${what}'s ${LABELS.modules} is not JSON: ${raw}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new Error(`${what}'s ${LABELS.modules} is not an object of module versions`);
    }
    return parsed as Record<string, string>;
}

export function releasePlan(
    from: Readonly<Record<string, string>>,
    to: Readonly<Record<string, string>>,
    opts: { installNew: boolean },
): ReleasePlan {
    const before = Object.keys(from).length === 0 ? {} : modulesOf(from, "the deployed image");
    const after = modulesOf(to, "the new image");
    const names = Object.keys(after).sort();
    const fresh = names.filter((m) => !(m in before));
    return {
        update: names.filter((m) => m in before && before[m] !== after[m]),
        install: opts.installNew ? fresh : [],
        removed: Object.keys(before)
            .filter((m) => !(m in after))
            .sort(),
        addonsPath: to[LABELS.addonsPath] ?? "",
    };
}

function main(): number {
    const { values } = parseArgs({
        options: {
            from: { type: "string" },
            to: { type: "string" },
            "install-new": { type: "boolean", default: false },
        },
    });
    if (values.from === undefined || values.to === undefined) {
        console.error(
            "usage: release-plan --from <labels.json> --to <labels.json> [--install-new]",
        );
        return 2;
    }
    const read = (f: string) => JSON.parse(fs.readFileSync(f, "utf8") || "{}") ?? {};
    try {
        const plan = releasePlan(read(values.from), read(values.to), {
            installNew: values["install-new"] ?? false,
        });
        process.stdout.write(`${JSON.stringify(plan)}\n`);
        return 0;
    } catch (e) {
        console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
        return 1;
    }
}

if (require.main === module) process.exit(main());

/**
 * What the tests of tools/odoo-image/odoo-platform-layout share: the script, the example team
 * repository, and a small stand-in for Odoo's core addons that the unit tests map the core entry
 * to (the contract suite holds it to a real Odoo).
 */
import { SpawnSyncReturns, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CANONICAL_ADDONS_PATH, CORE_ADDONS_PATH, IMAGE_SOURCE_ROOT } from "../stacks/addons";

export const LAYOUT_SCRIPT = path.resolve(
    __dirname,
    "..",
    "tools",
    "odoo-image",
    "odoo-platform-layout",
);

export const EXAMPLE_REPOSITORY = path.resolve(__dirname, "..", "examples", "odoo-repository");

/** The canonical addons path, as the image build passes it to the script. */
export const CANONICAL = CANONICAL_ADDONS_PATH.join(",");

export { CORE_ADDONS_PATH, IMAGE_SOURCE_ROOT };

export interface StandInManifest {
    readonly name: string;
    readonly version: string;
    /** Absent when the real manifest declares none. */
    readonly depends?: readonly string[];
}

/**
 * The core modules the example repository needs (example_reminder depends on mail,
 * example_tools_base on base), each with the `name`, `version` and `depends` of its real
 * manifest in Odoo 18.0-20250421 (odoo/addons/<module>/__manifest__.py; base declares no
 * depends). mail's own depends are not in the stand-in: the script checks the depends of the
 * repository's modules only.
 */
export const STAND_IN_CORE: Readonly<Record<string, StandInManifest>> = {
    base: { name: "Base", version: "1.3" },
    mail: {
        name: "Discuss",
        version: "1.18",
        depends: ["base", "base_setup", "bus", "web_tour", "html_editor"],
    },
};

/** Writes the stand-in core into `dir` (a module per entry of STAND_IN_CORE). */
export function writeStandInCore(dir: string): string {
    for (const [module, manifest] of Object.entries(STAND_IN_CORE)) {
        const folder = path.join(dir, module);
        fs.mkdirSync(folder, { recursive: true });
        fs.writeFileSync(path.join(folder, "__init__.py"), "");
        fs.writeFileSync(
            path.join(folder, "__manifest__.py"),
            "# The real manifest's name, version and depends (Odoo 18.0-20250421).\n" +
                `${JSON.stringify(manifest, null, 4)}\n`,
        );
    }
    return dir;
}

export type LayoutCommand = "check" | "modules" | "team-modules" | "requirements";

export interface LayoutRun {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
    /** stderr's lines, without the empty last one. */
    readonly errors: string[];
}

export function layoutRun(r: SpawnSyncReturns<string>, what: string): LayoutRun {
    if (r.error !== undefined) throw new Error(`${what}: ${r.error.message}`);
    return {
        status: r.status,
        stdout: r.stdout,
        stderr: r.stderr,
        errors: r.stderr.split("\n").filter((l) => l !== ""),
    };
}

/** Runs the script with `python` against a checkout at `root`. */
export function runLayout(
    command: LayoutCommand,
    root: string,
    options: { addonsPath?: string; maps?: Record<string, string>; python?: string } = {},
): LayoutRun {
    const args = [
        LAYOUT_SCRIPT,
        command,
        "--root",
        root,
        "--addons-path",
        options.addonsPath ?? CANONICAL,
        ...Object.entries(options.maps ?? {}).flatMap(([image, local]) => [
            "--map",
            `${image}=${local}`,
        ]),
    ];
    const python = options.python ?? "python3";
    const r = spawnSync(python, args, { encoding: "utf8", timeout: 60_000 });
    return layoutRun(r, `${python} odoo-platform-layout ${command}`);
}

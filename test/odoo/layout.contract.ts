/**
 * tools/odoo-image/odoo-platform-layout against a real Odoo's core addons: the team's repository
 * (the example, or ODOO_REPOSITORY) passes `check` with the canonical addons path, as the image
 * build runs it; Odoo's own option parser takes the same path; and the stand-in core of the unit
 * tests (test/layout-fixture.ts) holds the real manifests' values.
 *
 * A source tree: the script runs with the Odoo's Python on this machine, the core entry mapped to
 * `$ODOO_SOURCE/odoo/addons`. An image: the script runs inside it with the repository mounted at
 * the image root, as in the build, so no path is mapped.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import {
    CANONICAL,
    CORE_ADDONS_PATH,
    IMAGE_SOURCE_ROOT,
    LAYOUT_SCRIPT,
    LayoutRun,
    STAND_IN_CORE,
    layoutRun,
    runLayout,
} from "../layout-fixture";
import { RealOdoo, odooVersion, realOdoo } from "./real-odoo";
import { ODOO_REPOSITORY } from "./runner";

/** Where the script lies in the image when the suite mounts it. */
const SCRIPT_IN_IMAGE = "/usr/local/bin/odoo-platform-layout";

/** python3 in the image, with the repository and the script mounted read-only. */
function pythonInImage(image: string, args: readonly string[]): LayoutRun {
    const argv = [
        "run",
        "--rm",
        "--entrypoint",
        "python3",
        "-v",
        `${ODOO_REPOSITORY}:${IMAGE_SOURCE_ROOT}:ro`,
        "-v",
        `${LAYOUT_SCRIPT}:${SCRIPT_IN_IMAGE}:ro`,
        image,
        ...args,
    ];
    const r = spawnSync("docker", argv, { encoding: "utf8", timeout: 600_000 });
    return layoutRun(r, `docker ${argv.join(" ")}`);
}

/** The Odoo's own Python, with the Odoo package importable. */
function pythonOfOdoo(real: RealOdoo, args: readonly string[]): LayoutRun {
    if (real.kind === "image") return pythonInImage(real.image, args);
    const r = spawnSync(real.python, args, {
        encoding: "utf8",
        timeout: 120_000,
        env: { ...process.env, PYTHONPATH: real.source },
    });
    return layoutRun(r, `${real.python} ${args.join(" ")}`);
}

/** The core addons folder of the real Odoo, where its Python finds it. */
const coreOf = (real: RealOdoo) =>
    real.kind === "image" ? CORE_ADDONS_PATH : path.join(real.source, "odoo", "addons");

/** The canonical path with each entry where this Odoo finds it. */
function localAddonsPath(real: RealOdoo): string {
    if (real.kind === "image") return CANONICAL;
    return CANONICAL.split(",")
        .map((entry) =>
            entry === CORE_ADDONS_PATH
                ? coreOf(real)
                : entry.startsWith(`${IMAGE_SOURCE_ROOT}/`)
                  ? path.join(ODOO_REPOSITORY, entry.slice(IMAGE_SOURCE_ROOT.length + 1))
                  : entry,
        )
        .join(",");
}

/** Odoo's option parser on `--addons-path` (odoo/tools/config.py, _check_addons_path). */
const PARSE_ADDONS_PATH = [
    "import sys",
    "from odoo.tools import config",
    'config.parse_config(["--addons-path=" + sys.argv[1]])',
    'print(config["addons_path"])',
].join("\n");

/** name, version and depends (when declared) of core manifests, read as Odoo reads them. */
const READ_MANIFESTS = [
    "import ast, json, os, sys",
    "found = {}",
    "for module in sys.argv[2:]:",
    '    with open(os.path.join(sys.argv[1], module, "__manifest__.py")) as f:',
    "        manifest = ast.literal_eval(f.read())",
    '    found[module] = {k: manifest[k] for k in ("name", "version", "depends") if k in manifest}',
    "print(json.dumps(found))",
].join("\n");

describe("the repository layout against a real Odoo's core (odoo-platform-layout)", function () {
    let real: RealOdoo;

    before(function () {
        real = realOdoo();
    });

    it("check: the repository passes with the canonical addons path", function () {
        const r =
            real.kind === "image"
                ? pythonInImage(real.image, [
                      SCRIPT_IN_IMAGE,
                      "check",
                      "--root",
                      IMAGE_SOURCE_ROOT,
                      "--addons-path",
                      CANONICAL,
                  ])
                : runLayout("check", ODOO_REPOSITORY, {
                      python: real.python,
                      maps: { [CORE_ADDONS_PATH]: coreOf(real) },
                  });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stderr, "");
        assert.match(r.stdout, /^ok: 3 addons path entries; .*; every depends found\n$/);
        console.log(`      ${r.stdout.trim()}`);
    });

    it("Odoo's own option parser takes the same addons path", function () {
        const r = pythonOfOdoo(real, ["-c", PARSE_ADDONS_PATH, localAddonsPath(real)]);
        assert.equal(r.status, 0, r.stderr);
        for (const entry of localAddonsPath(real).split(",")) {
            assert.ok(r.stdout.includes(entry), `${entry} is not in Odoo's answer: ${r.stdout}`);
        }
    });

    it("the unit tests' stand-in core: the real modules, with the real manifests' values on 18.0", function () {
        const modules = Object.keys(STAND_IN_CORE);
        const r = pythonOfOdoo(real, ["-c", READ_MANIFESTS, coreOf(real), ...modules]);
        assert.equal(r.status, 0, r.stderr);
        const found = JSON.parse(r.stdout) as Record<string, unknown>;
        assert.deepEqual(Object.keys(found), modules);
        // The stand-in holds the values of Odoo 18.0-20250421; other releases number their
        // modules otherwise.
        if (odooVersion(real).startsWith("Odoo Server 18.0")) {
            assert.deepEqual(found, STAND_IN_CORE);
        }
    });
});

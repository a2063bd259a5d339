/**
 * tools/odoo-image/odoo-platform-layout, the script the image build runs against the team's
 * repository: run for real with python3 against the example repository and the canonical addons
 * path (stacks/addons-path.json), Odoo's core mapped to a stand-in, then against broken copies of
 * the example, one per proof, each failing with the line a person reads.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    CANONICAL,
    CORE_ADDONS_PATH,
    EXAMPLE_REPOSITORY,
    LayoutCommand,
    LayoutRun,
    runLayout,
    writeStandInCore,
} from "./layout-fixture";

const SUBMODULE_HINT = "is the git submodule checked out (git submodule update --init)?";

describe("odoo-platform-layout: the team repository against the image's addons path", function () {
    let tmp: string;
    let core: string;

    before(function () {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-layout-"));
        core = writeStandInCore(path.join(tmp, "core"));
    });

    after(function () {
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    const run = (command: LayoutCommand, root: string): LayoutRun =>
        runLayout(command, root, { maps: { [CORE_ADDONS_PATH]: core } });

    /** A copy of the example repository (without Python's caches), broken by `breaks`. */
    function brokenCopy(name: string, breaks: (root: string) => void): string {
        const root = path.join(tmp, name);
        fs.cpSync(EXAMPLE_REPOSITORY, root, {
            recursive: true,
            filter: (src) => path.basename(src) !== "__pycache__",
        });
        breaks(root);
        return root;
    }

    const write = (root: string, file: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        fs.writeFileSync(path.join(root, file), text);
    };
    const edit = (root: string, file: string, change: (text: string) => string) => {
        const before = fs.readFileSync(path.join(root, file), "utf8");
        const after = change(before);
        assert.notEqual(after, before, `the change to ${file} changed nothing`);
        fs.writeFileSync(path.join(root, file), after);
    };
    /** A module with the given manifest body. */
    const writeModule = (root: string, folder: string, manifest: string) => {
        write(root, `${folder}/__init__.py`, "");
        write(root, `${folder}/__manifest__.py`, manifest);
    };

    const REMINDER_MANIFEST = "addons/example_reminder/__manifest__.py";
    const TOOLS_MANIFEST = "third-party/example-tools/example_tools_base/__manifest__.py";
    /** The comma after the version removed: Python sees the error on the next line. */
    const dropComma = (root: string) =>
        edit(root, REMINDER_MANIFEST, (t) => t.replace('"1.0.0",', '"1.0.0"'));
    const MISSING_COMMA =
        `error: module example_reminder: ${REMINDER_MANIFEST} does not parse with ` +
        "ast.literal_eval: SyntaxError: invalid syntax (line 5)";

    /** Fails with status 1, nothing on stdout, and exactly these lines on stderr. */
    function assertFails(r: LayoutRun, lines: string[]): void {
        assert.deepEqual(r.errors, lines, r.stderr);
        assert.equal(r.status, 1);
        assert.equal(r.stdout, "");
    }

    describe("the example repository", function () {
        it("passes check, with a one-line summary", function () {
            const r = run("check", EXAMPLE_REPOSITORY);
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.stderr, "");
            assert.equal(
                r.stdout,
                "ok: 3 addons path entries; 2 installable modules in the repository's entries " +
                    "(1 of the team's, the rest in git submodules), 2 outside the repository; " +
                    "every depends found\n",
            );
        });

        it("modules: its two modules and their manifest versions, as JSON with sorted keys", function () {
            const r = run("modules", EXAMPLE_REPOSITORY);
            assert.equal(r.status, 0, r.stderr);
            assert.equal(
                r.stdout,
                '{"example_reminder": "1.0.0", "example_tools_base": "1.0.0"}\n',
            );
        });

        it("team-modules: example_reminder only (example_tools_base is in a git submodule)", function () {
            const r = run("team-modules", EXAMPLE_REPOSITORY);
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.stdout, "example_reminder\n");
        });

        it("requirements: the repository's, then the submodule's", function () {
            const r = run("requirements", EXAMPLE_REPOSITORY);
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(r.stdout.split("\n"), [
                path.join(EXAMPLE_REPOSITORY, "requirements.txt"),
                path.join(EXAMPLE_REPOSITORY, "third-party/example-tools/requirements.txt"),
                "",
            ]);
        });
    });

    describe("a copy with an uninstallable module", function () {
        let root: string;
        before(function () {
            root = brokenCopy("uninstallable", (r) =>
                writeModule(
                    r,
                    "addons/example_retired",
                    '{"name": "Retired", "version": "0.9", "depends": ["example_gone"], ' +
                        '"installable": False}\n',
                ),
            );
        });

        it("passes check: an uninstallable module's own depends are not needed", function () {
            const r = run("check", root);
            assert.equal(r.status, 0, r.stderr);
        });

        it("leaves it out of modules and team-modules", function () {
            assert.equal(
                run("modules", root).stdout,
                '{"example_reminder": "1.0.0", "example_tools_base": "1.0.0"}\n',
            );
            assert.equal(run("team-modules", root).stdout, "example_reminder\n");
        });
    });

    describe("broken copies: each proof lists its problem", function () {
        it("a. an entry that is no folder: the submodule is not checked out", function () {
            const root = brokenCopy("a-missing", (r) =>
                fs.rmSync(path.join(r, "third-party"), { recursive: true }),
            );
            assertFails(run("check", root), [
                "error: addons path entry /opt/odoo/src/third-party/example-tools: no such " +
                    `folder third-party/example-tools in the repository; ${SUBMODULE_HINT}`,
                // What Odoo would meet next: the submodule's module is nowhere.
                "error: module example_reminder depends on example_tools_base, which no addons " +
                    "path entry holds",
            ]);
        });

        it("a. an entry outside the repository that is not on this machine: map it", function () {
            const absent = "/srv/odoo-platform-absent/addons";
            const r = runLayout("check", EXAMPLE_REPOSITORY, {
                addonsPath: `${CANONICAL},${absent}`,
                maps: { [CORE_ADDONS_PATH]: core },
            });
            assertFails(r, [
                `error: addons path entry ${absent}: no such folder ${absent} on this machine; ` +
                    `point it at a local folder with --map ${absent}=<folder>`,
            ]);
        });

        it("b. an entry that holds no module", function () {
            const root = brokenCopy("b-empty", (r) =>
                fs.rmSync(path.join(r, "addons/example_reminder/__init__.py")),
            );
            assertFails(run("check", root), [
                "error: addons path entry /opt/odoo/src/addons: folder addons holds no module " +
                    "(no subfolder with __init__.py and __manifest__.py); Odoo refuses such an " +
                    "entry at start",
            ]);
        });

        it("b. a submodule's entry left empty, as git leaves a submodule it did not check out", function () {
            const root = brokenCopy("b-submodule", (r) => {
                const folder = path.join(r, "third-party/example-tools");
                fs.rmSync(folder, { recursive: true });
                fs.mkdirSync(folder);
            });
            assertFails(run("check", root), [
                "error: addons path entry /opt/odoo/src/third-party/example-tools: folder " +
                    "third-party/example-tools holds no module (no subfolder with __init__.py and " +
                    `__manifest__.py); Odoo refuses such an entry at start; ${SUBMODULE_HINT}`,
                "error: module example_reminder depends on example_tools_base, which no addons " +
                    "path entry holds",
            ]);
        });

        it("c. a manifest that ast.literal_eval cannot read: Python's error", function () {
            const root = brokenCopy("c-syntax", dropComma);
            assertFails(run("check", root), [MISSING_COMMA]);
        });

        it("c. a manifest with code in it, and one that is no dict", function () {
            const root = brokenCopy("c-not-literal", (r) => {
                edit(r, REMINDER_MANIFEST, (t) => t.replace('"1.0.0"', 'str(1) + ".0"'));
                write(r, TOOLS_MANIFEST, '["base"]\n');
            });
            assertFails(run("check", root), [
                `error: module example_reminder: ${REMINDER_MANIFEST} does not parse with ` +
                    "ast.literal_eval: ValueError: malformed node or string on line 4: <ast.Call>",
                `error: module example_tools_base: ${TOOLS_MANIFEST} holds a list, not a dict`,
            ]);
        });

        it("d. a module in two entries: Odoo loads the first only", function () {
            const root = brokenCopy("d-twice", (r) =>
                fs.cpSync(
                    path.join(r, "third-party/example-tools/example_tools_base"),
                    path.join(r, "addons/example_tools_base"),
                    { recursive: true },
                ),
            );
            assertFails(run("check", root), [
                "error: module example_tools_base is in two addons path entries, " +
                    "/opt/odoo/src/addons and /opt/odoo/src/third-party/example-tools: Odoo " +
                    "loads the first only",
            ]);
        });

        it("e. a folder of modules left out of the path (hidden folders, caches, node_modules and module folders are not searched)", function () {
            const module = '{"name": "Legacy", "version": "1.0", "depends": ["base"]}\n';
            const root = brokenCopy("e-left-out", (r) => {
                writeModule(r, "legacy/example_legacy_a", module);
                writeModule(r, "legacy/example_legacy_b", module);
                writeModule(r, ".github/fixtures/example_hidden", module);
                writeModule(r, "node_modules/pkg/example_npm", module);
                writeModule(r, "__pycache__/x/example_cached", module);
                writeModule(r, "addons/example_reminder/tests/data/example_inner", module);
            });
            assertFails(run("check", root), [
                "error: folder legacy holds modules (example_legacy_a, example_legacy_b) but is " +
                    "in no addons path entry, so Odoo never sees them: add /opt/odoo/src/legacy " +
                    "to stacks/addons-path.json",
            ]);
        });

        it("f. a depends no entry holds, and one on an uninstallable module", function () {
            const root = brokenCopy("f-depends", (r) => {
                edit(r, REMINDER_MANIFEST, (t) =>
                    t.replace('"example_tools_base"]', '"example_tools_base", "example_missing"]'),
                );
                // Its own depends on a missing module is not reported: it is not installable.
                edit(r, TOOLS_MANIFEST, (t) =>
                    t
                        .replace('"installable": True', '"installable": False')
                        .replace('["base"]', '["base", "example_nowhere"]'),
                );
            });
            assertFails(run("check", root), [
                "error: module example_reminder depends on example_tools_base, which is not " +
                    `installable (installable: False in ${TOOLS_MANIFEST})`,
                "error: module example_reminder depends on example_missing, which no addons path " +
                    "entry holds",
            ]);
        });

        it("two problems at once: both are listed", function () {
            const root = brokenCopy("two", (r) => {
                dropComma(r);
                writeModule(
                    r,
                    "legacy/example_legacy",
                    '{"name": "Legacy", "depends": ["base"]}\n',
                );
            });
            assertFails(run("check", root), [
                MISSING_COMMA,
                "error: folder legacy holds modules (example_legacy) but is in no addons path " +
                    "entry, so Odoo never sees them: add /opt/odoo/src/legacy to " +
                    "stacks/addons-path.json",
            ]);
        });

        it("modules, team-modules and requirements refuse a broken layout with check's errors", function () {
            const root = brokenCopy("refused", dropComma);
            for (const command of ["modules", "team-modules", "requirements"] as const) {
                const r = run(command, root);
                assertFails(r, [MISSING_COMMA]);
            }
        });
    });
});

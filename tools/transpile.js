/**
 * Runs TypeScript without a type-check and without loading the compiler when nothing changed: a
 * require hook for `.ts` files that transpiles each file once (`ts.transpileModule`, what ts-node
 * does with --transpile-only) and keeps the output in node_modules/.cache/odoo-platform-transpile,
 * keyed by the file's path and text, the compiler options and the TypeScript version. Types are
 * checked by `npm run lint` (tsc), not on every start.
 *
 *   node --require ./tools/transpile-register.js tools/preview.ts  (the tsconfig.json nearest to
 *                                                                    the working directory)
 *   require("./tools/transpile").register(compilerOptions)   (options as tsconfig.json spells them)
 *
 * The output carries an inline source map: `node --enable-source-maps` shows TypeScript lines in
 * stack traces (not on by default: reading the maps of every loaded module costs half a second).
 * Plain JavaScript: it is what loads the TypeScript.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const CACHE = path.join(__dirname, "..", "node_modules", ".cache", "odoo-platform-transpile");

let ts;
const compiler = () => (ts ??= require("typescript"));
const tsVersion = () => require("typescript/package.json").version;

/** The project's tsconfig.json nearest to `dir`, as text (undefined when there is none). */
function findTsconfig(dir) {
    for (let d = path.resolve(dir); ; d = path.dirname(d)) {
        const file = path.join(d, "tsconfig.json");
        if (fs.existsSync(file)) return file;
        if (path.dirname(d) === d) return undefined;
    }
}

/** Options as tsconfig.json spells them → the compiler's, with what transpiling needs on top. */
function compilerOptions(raw, dir) {
    // What decides the output's form is set below (Pulumi's runner passes `sourceMap: "true"`).
    const {
        sourceMap,
        inlineSourceMap,
        inlineSources,
        declaration,
        declarationMap,
        noEmit,
        ...rest
    } = raw;
    void [sourceMap, inlineSourceMap, inlineSources, declaration, declarationMap, noEmit];
    const { options, errors } = compiler().convertCompilerOptionsFromJson(rest, dir);
    if (errors.length > 0) {
        throw new Error(
            errors
                .map((e) => compiler().flattenDiagnosticMessageText(e.messageText, "\n"))
                .join("\n"),
        );
    }
    return {
        ...options,
        sourceMap: false,
        inlineSourceMap: true,
        inlineSources: false,
        declaration: false,
        declarationMap: false,
        noEmit: false,
    };
}

/**
 * Installs the hook. `raw`: compiler options as tsconfig.json spells them; by default those of the
 * tsconfig.json nearest to the working directory.
 */
function register(raw) {
    let options;
    let key;
    if (raw === undefined) {
        const file = findTsconfig(process.cwd());
        const text = file === undefined ? "" : fs.readFileSync(file, "utf8");
        key = `${file}\0${text}`;
        options = () => {
            if (file === undefined) return compilerOptions({}, process.cwd());
            const { config, error } = compiler().readConfigFile(file, compiler().sys.readFile);
            if (error)
                throw new Error(compiler().flattenDiagnosticMessageText(error.messageText, "\n"));
            const parsed = compiler().parseJsonConfigFileContent(
                config,
                compiler().sys,
                path.dirname(file),
            );
            return compilerOptions(parsed.raw.compilerOptions ?? {}, path.dirname(file));
        };
    } else {
        key = JSON.stringify(raw);
        options = () => compilerOptions(raw, process.cwd());
    }
    let resolved;
    const transpile = (source, filename) => {
        const digest = crypto
            .createHash("sha256")
            .update(`${tsVersion()}\0${key}\0${filename}\0${source}`)
            .digest("hex");
        const cached = path.join(CACHE, `${digest}.js`);
        try {
            return fs.readFileSync(cached, "utf8");
        } catch {
            // Not transpiled yet.
        }
        resolved ??= options();
        const out = compiler().transpileModule(source, {
            fileName: filename,
            compilerOptions: resolved,
            reportDiagnostics: true,
        });
        const problems = (out.diagnostics ?? []).filter(
            (d) => d.category === compiler().DiagnosticCategory.Error,
        );
        if (problems.length > 0) {
            throw new SyntaxError(
                compiler().formatDiagnostics(problems, {
                    getCurrentDirectory: () => process.cwd(),
                    getCanonicalFileName: (f) => f,
                    getNewLine: () => "\n",
                }),
            );
        }
        try {
            fs.mkdirSync(CACHE, { recursive: true });
            const tmp = `${cached}.${process.pid}.tmp`;
            fs.writeFileSync(tmp, out.outputText);
            fs.renameSync(tmp, cached);
        } catch {
            // A read-only tree transpiles every time; nothing else changes.
        }
        return out.outputText;
    };
    const js = require.extensions[".js"];
    require.extensions[".ts"] = (module, filename) => {
        if (filename.split(path.sep).includes("node_modules")) return js(module, filename);
        const compile = module._compile;
        module._compile = function (source, file) {
            module._compile = compile;
            return compile.call(this, transpile(source, file), file);
        };
        return js(module, filename);
    };
}

module.exports = { register };

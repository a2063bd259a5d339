/**
 * Preloaded into the policy pack's process (tools/policy-check.ts starts Pulumi's pack runner,
 * `@pulumi/pulumi/cmd/run-policy-pack`, with `--require` of this file). The runner registers
 * ts-node with `typeCheck: true` on every start: seconds of CPU to type-check a pack that
 * `npm run lint` (`tsc --noEmit -p policy`) already checked. This hands the runner's very compiler
 * options to tools/transpile.js instead (transpile-only, cached), and leaves everything else the
 * runner does as it is.
 */
"use strict";
const path = require("path");
const { register } = require("./transpile");

// The ts-node the runner requires: resolved from @pulumi/pulumi as the runner's tsutils does.
const pulumiDir = path.dirname(
    require.resolve("@pulumi/pulumi/package.json", { paths: [process.cwd()] }),
);
const tsnode = require(require.resolve("ts-node", { paths: [pulumiDir] }));
tsnode.register = (opts) => {
    register((opts && opts.compilerOptions) || {});
    return undefined;
};

/**
 * Modules the runner loads but a policy pack never uses, loaded only if something does use them:
 * @npmcli/arborist (Pulumi's closure serialization reads package trees with it; policies
 * serialize no closures) and the TypeScript compiler (the runner reads its version and parses
 * tsconfig.json with it; the transpile cache needs it only for a changed file). A quarter to half
 * a second of CPU on every start.
 */
function lazy(id, from, eager) {
    const file = require.resolve(id, { paths: [from] });
    let real;
    const load = () => {
        if (real === undefined) {
            delete require.cache[file];
            real = require(file);
            require.cache[file].exports = real;
        }
        return real;
    };
    const stub = new Proxy(
        {},
        {
            get: (_, key) =>
                key === "__esModule" ? true : key in eager ? eager[key] : load()[key],
            has: (_, key) => key in load(),
            ownKeys: () => Reflect.ownKeys(load()),
            getOwnPropertyDescriptor: (_, key) => {
                const d = Object.getOwnPropertyDescriptor(load(), key);
                return d && { ...d, configurable: true };
            },
        },
    );
    const m = new module.constructor(file, module);
    m.filename = file;
    m.loaded = true;
    m.exports = stub;
    require.cache[file] = m;
    return load;
}

lazy("@npmcli/arborist", pulumiDir, {});
const tsPackage = require(require.resolve("typescript/package.json", { paths: [pulumiDir] }));
const loadTypeScript = lazy("typescript", pulumiDir, {
    version: tsPackage.version,
    // tsconfig.json as plain JSON; with comments or trailing commas, TypeScript's own reader.
    parseConfigFileTextToJson: (file, text) => {
        try {
            return { config: JSON.parse(text) };
        } catch {
            return loadTypeScript().parseConfigFileTextToJson(file, text);
        }
    },
});

/**
 * `node --require ./tools/transpile-register.js <file.ts>` (also mocha's `--require`): TypeScript
 * through tools/transpile.js with the tsconfig.json nearest to the working directory.
 */
"use strict";
require("./transpile").register();

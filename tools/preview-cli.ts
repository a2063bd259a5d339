/**
 * `npm run preview`: starts the policy pack's process first thing, so that it starts up while the
 * program loads and runs, then runs the preview (tools/preview.ts) with it.
 */
import { spawnPack } from "./policy-pack-spawn";

const pack = spawnPack();
// Loaded after the spawn: the program's modules take a second to load.
let preview: typeof import("./preview");
try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    preview = require("./preview");
} catch (e) {
    pack.kill();
    throw e;
}
const { exitAfterFlush, main, userMessage } = preview;
main(pack).then(
    (code) => exitAfterFlush(code),
    (e) => {
        pack.kill();
        console.error(userMessage(e));
        process.exit(2);
    },
);

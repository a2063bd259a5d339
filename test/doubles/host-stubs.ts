/**
 * A host for a rendered host script run as a test: the script gets `ROOT` (the folder standing
 * for `/`) and a PATH whose first folder holds stub commands. Each stub appends its call,
 * `<name> <arguments>`, to a log and then runs the shell body it was given.
 */

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export function stubHost(root: string) {
    const bin = path.join(root, "stub-bin");
    fs.mkdirSync(bin);
    const log = path.join(root, "calls");
    return {
        /** A command `name` on the PATH that logs its call, then runs `body`. */
        stub(name: string, body = "") {
            fs.writeFileSync(
                path.join(bin, name),
                `#!/bin/sh\necho "${name} $*" >>"${log}"\n${body}`,
                {
                    mode: 0o755,
                },
            );
        },
        /** Runs `script` with `sh -s`: the stubs first on the PATH, then /usr/bin and /bin. */
        run(script: string) {
            return spawnSync("sh", ["-s"], {
                input: script,
                env: { PATH: `${bin}:/usr/bin:/bin`, ROOT: root },
                encoding: "utf8",
            });
        },
        /** The stubs' calls in order. */
        calls(): string[] {
            return fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
        },
    };
}

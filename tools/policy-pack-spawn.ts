/**
 * Starts the policy pack's process and waits for the gRPC port it prints, nothing more: a light
 * module (no gRPC, no Pulumi) so that `npm run preview` starts the pack first thing and the pack
 * starts up while the program loads and runs. tools/policy-check.ts connects to it.
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";

export const POLICY_DIR = path.resolve(__dirname, "..", "policy");

/** Preloaded into the pack's process: transpile-only instead of the runner's type-check. */
const TRANSPILE_ONLY = path.join(__dirname, "policy-pack-preload.js");

export interface SpawnedPack {
    readonly child: ChildProcess;
    /** The port the pack serves the Analyzer protocol on, once it prints it. */
    readonly port: Promise<number>;
    /** Stops the process (also while it is starting). */
    kill(): void;
}

export interface SpawnOptions {
    /**
     * Type-check the pack on start, as the Pulumi CLI's runner does (seconds of CPU); by default
     * transpile-only: `npm run lint` (`tsc --noEmit -p policy`) checks the pack's types.
     */
    readonly typeCheck?: boolean;
}

export function spawnPack(dir = POLICY_DIR, opts: SpawnOptions = {}): SpawnedPack {
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [dir] });
    const preload = opts.typeCheck === true ? [] : ["--require", TRANSPILE_ONLY];
    // Arguments as the CLI gives them: the engine address (unused offline) and the pack dir.
    const child = spawn(process.execPath, [...preload, runner, "127.0.0.1:0", "."], {
        cwd: dir,
        stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (b: Buffer) => (stderr += b.toString()));
    const port = new Promise<number>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(
            () => reject(new Error(`policy pack did not start:\n${stderr}`)),
            120_000,
        );
        child.stdout?.on("data", (b: Buffer) => {
            out += b.toString();
            const m = /^(\d+)\s*$/m.exec(out);
            if (m) {
                clearTimeout(timer);
                resolve(Number(m[1]));
            }
        });
        child.on("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`policy pack exited with ${code} before serving:\n${stderr}${out}`));
        });
    });
    port.catch(() => undefined); // whoever connects sees the failure
    return { child, port, kill: () => child.kill() };
}

/**
 * `npm run bench`: medians measured in one run, on this machine.
 *  - offline preview (program under mocks) of staging and prod, against a bare mocked program
 *    registering the same resources (type, name, inputs) flat; goal ratio <= 1.5.
 */
import * as pulumi from "@pulumi/pulumi";
import { RecordedResource, inputsOf, runProgram } from "./mock-cloud";
import { loadStackConfig } from "./stack-config";

export function median(xs: readonly number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
    const t0 = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - t0) / 1e6;
}

type ResourceClass = new (name: string, args: pulumi.Inputs) => pulumi.Resource;

/** The provider SDK class of a type token, e.g. `docker:index/container:Container`. */
function classOf(type: string): ResourceClass {
    const [pkg, mod, cls] = type.split(":");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (pkg === "pulumi" && mod === "providers") return require(`@pulumi/${cls}`).Provider;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sdk = require(`@pulumi/${pkg}`);
    const ns = mod === "index" || mod.startsWith("index/") ? sdk : sdk[mod];
    return ns[cls.split("/").pop() ?? cls];
}

/**
 * The bare program: registers the very same resources, with the same provider SDK classes and
 * the same inputs, flat under the stack; none of the program's config validation, components,
 * rendering or applies. The ratio against it is the cost of the program's own logic.
 */
function replayProgram(resources: readonly RecordedResource[]) {
    const custom = resources.filter((r) => r.custom);
    const classes = custom.map((r) => classOf(r.type));
    const components = resources.filter((r) => !r.custom && r.type !== "pulumi:pulumi:Stack");
    return () => {
        for (const c of components) new pulumi.ComponentResource(c.type, `${c.name}-bare`, {});
        custom.forEach((r, i) => new classes[i](r.name, inputsOf(r) as pulumi.Inputs));
        return {};
    };
}

export async function benchPreview(stack: "staging" | "prod", runs: number) {
    const cfg = loadStackConfig(stack);
    const real = () => runProgram({ stack, config: cfg.config, secretKeys: cfg.secretKeys });
    const first = await real(); // warm-up: loads the provider SDKs once
    const count = first.resources.length;
    const bare = () =>
        runProgram({
            stack,
            config: cfg.config,
            secretKeys: cfg.secretKeys,
            program: replayProgram(first.resources),
        });
    const replayed = (await bare()).resources.length;
    if (replayed !== count) throw new Error(`bare program registered ${replayed}, not ${count}`);
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < runs; i++) {
        // Interleaved so that machine noise hits both sides alike.
        a.push(await timed(real));
        b.push(await timed(bare));
    }
    return {
        stack,
        resources: count,
        programMs: median(a),
        bareMs: median(b),
        ratio: median(a) / median(b),
    };
}

async function main() {
    const runs = Number(process.env.BENCH_RUNS ?? 15);
    console.log(`odoo-platform benchmark (${runs} interleaved runs each, medians)`);
    console.log(
        "\noffline preview vs a bare mocked program replaying the same resources (goal <= 1.5)",
    );
    for (const stack of ["staging", "prod"] as const) {
        const r = await benchPreview(stack, runs);
        console.log(
            `  ${stack.padEnd(8)} ${String(r.resources).padStart(3)} resources  ` +
                `program ${r.programMs.toFixed(1)} ms  bare ${r.bareMs.toFixed(1)} ms  ratio ${r.ratio.toFixed(2)}` +
                (r.ratio <= 1.5 ? "  ok" : "  ABOVE GOAL"),
        );
    }
}

if (require.main === module) {
    main().catch((e) => {
        console.error(e);
        process.exit(1);
    });
}

/**
 * The floor `npm run bench` measures `npm run preview` against: a plain Node program (the same
 * loader, tools/transpile.js) that replays a recorded plan's resources through the same mocks
 * (test/doubles/mock-cloud.ts) with the same provider SDK classes and inputs, flat under the
 * stack: none of the program's config validation, components, rendering or applies, no policy
 * pack, no plan printed. `node --require ./tools/transpile-register.js tools/bench-floor.ts <plan.json>`
 */
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { RecordedResource, inputsOf, runProgram } from "../test/doubles/mock-cloud";

/** What the floor replays: written by `npm run bench` from an offline run of the stack. */
export interface RecordedPlan {
    readonly stack: string;
    readonly config: Record<string, string>;
    readonly secretKeys: string[];
    readonly resources: RecordedResource[];
    readonly stackReferences?: Record<
        string,
        { outputs: Record<string, unknown>; secretOutputNames: string[] }
    >;
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

const STACK_REFERENCE = "pulumi:pulumi:StackReference";

/**
 * The bare program: registers the very same resources (a stack reference as a stack reference),
 * with the same SDK classes and inputs, flat under the stack.
 */
export function replayProgram(resources: readonly RecordedResource[]) {
    const refs = resources.filter((r) => r.type === STACK_REFERENCE);
    const custom = resources.filter((r) => r.custom && r.type !== STACK_REFERENCE);
    const classes = custom.map((r) => classOf(r.type));
    const components = resources.filter((r) => !r.custom && r.type !== "pulumi:pulumi:Stack");
    return () => {
        for (const r of refs) {
            new pulumi.StackReference(r.name, { name: String(inputsOf(r)["name"]) });
        }
        for (const c of components) new pulumi.ComponentResource(c.type, `${c.name}-bare`, {});
        custom.forEach((r, i) => new classes[i](r.name, inputsOf(r) as pulumi.Inputs));
        return {};
    };
}

/** Replays a plan; the number of resources registered. */
export async function replay(plan: RecordedPlan): Promise<number> {
    const run = await runProgram({
        stack: plan.stack,
        config: plan.config,
        secretKeys: plan.secretKeys,
        stackReferences: plan.stackReferences,
        program: replayProgram(plan.resources),
    });
    return run.resources.length;
}

if (require.main === module) {
    const plan = JSON.parse(fs.readFileSync(process.argv[2], "utf8")) as RecordedPlan;
    replay(plan).then(
        (n) => {
            if (n !== plan.resources.length) {
                console.error(`replayed ${n} resources, not ${plan.resources.length}`);
                process.exit(1);
            }
        },
        (e) => {
            console.error(e);
            process.exit(1);
        },
    );
}

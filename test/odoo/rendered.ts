/**
 * The Odoo container of an example stack exactly as the program renders it: the whole program
 * runs offline (the same mocks as `npm run preview`), and the container's command, env items and
 * uploaded odoo.conf are read back from the recorded Docker resource.
 */
import * as path from "path";
import { ODOO_CONF_PATH } from "../../components/odoo-settings";
import { inputsOf, runProgram } from "../doubles/mock-cloud";
import { stagingReference } from "../../tools/preview";
import { loadStackConfig } from "../../tools/stack-config";

export interface RenderedOdoo {
    readonly stack: string;
    /** Name of the container resource, e.g. `staging-odoo`. */
    readonly resource: string;
    readonly command: readonly string[];
    /** `NAME=value` items, secrets as the offline preview fills them (placeholders). */
    readonly envs: readonly string[];
    /** The uploaded /etc/odoo/odoo.conf. */
    readonly conf: string;
}

/**
 * The example stack `stack` (its Pulumi.<stack>.yaml, or examples/Pulumi.pr.yaml for pr-<N>),
 * with config keys overridden (`odooImage: ...`, in the project's namespace).
 */
export async function renderedOdoo(
    stack: string,
    overrides: Record<string, string> = {},
): Promise<RenderedOdoo> {
    const cfg = loadStackConfig(stack);
    const config = { ...cfg.config };
    for (const [k, v] of Object.entries(overrides)) config[`odoo-platform:${k}`] = v;
    const run = await runProgram({
        stack,
        config,
        secretKeys: cfg.secretKeys,
        stackReferences: stack.startsWith("pr-") ? await stagingReference() : undefined,
    });
    // The Odoo container is the one that receives odoo.conf and runs `odoo` with an HTTP port.
    const odoo = run.resources
        .filter((r) => r.type === "docker:index/container:Container")
        .map((r) => ({ name: r.name, inputs: inputsOf(r) }))
        .filter(({ inputs }) => {
            const cmd = inputs["command"] as string[] | undefined;
            const uploads = (inputs["uploads"] ?? []) as { file: string }[];
            return (
                cmd?.[0] === "odoo" &&
                cmd.some((c) => c.startsWith("--http-port=")) &&
                uploads.some((u) => u.file === ODOO_CONF_PATH)
            );
        });
    if (odoo.length !== 1) {
        throw new Error(`${stack}: expected one Odoo container, found ${odoo.length}`);
    }
    const { name, inputs } = odoo[0];
    const upload = (inputs["uploads"] as { file: string; content: string }[]).find(
        (u) => u.file === ODOO_CONF_PATH,
    );
    return {
        stack,
        resource: name,
        command: inputs["command"] as string[],
        envs: inputs["envs"] as string[],
        conf: upload?.content as string,
    };
}

export interface RenderedAppComponent {
    readonly list: "services" | "workers" | "jobs";
    readonly name: string;
    /** The run command as App Platform stores it: one line. */
    readonly runCommand: string;
    /** Component and app-level envs, secrets as the offline preview fills them. */
    readonly envs: Readonly<Record<string, string>>;
}

/** The Odoo components of an App Platform example stack (examples/Pulumi.<stack>.app-platform.yaml). */
export async function renderedApp(
    stack: "prod" | "staging",
    overrides: Record<string, string> = {},
): Promise<RenderedAppComponent[]> {
    const cfg = loadStackConfig(
        stack,
        path.join(__dirname, "..", "..", "examples", `Pulumi.${stack}.app-platform.yaml`),
    );
    const config = { ...cfg.config };
    for (const [k, v] of Object.entries(overrides)) config[`odoo-platform:${k}`] = v;
    const run = await runProgram({ stack, config, secretKeys: cfg.secretKeys });
    const app = run.resources.find((r) => r.type === "digitalocean:index/app:App");
    if (app === undefined) throw new Error(`${stack}: no App Platform app`);
    type Env = { key: string; value: string };
    type Component = { name: string; runCommand?: string; envs?: Env[] };
    const spec = inputsOf(app)["spec"] as Record<string, unknown>;
    const appEnvs = (spec["envs"] ?? []) as Env[];
    const out: RenderedAppComponent[] = [];
    for (const list of ["services", "workers", "jobs"] as const) {
        for (const c of (spec[list] ?? []) as Component[]) {
            if (c.runCommand === undefined) continue;
            const envs = Object.fromEntries(
                [...appEnvs, ...(c.envs ?? [])].map((e) => [e.key, String(e.value)]),
            );
            out.push({ list, name: c.name, runCommand: c.runCommand, envs });
        }
    }
    return out;
}

/** One container of an example stack by resource name: its command and env items as rendered. */
export async function renderedContainer(
    stack: string,
    resource: string,
    overrides: Record<string, string> = {},
): Promise<{ command: readonly string[]; envs: readonly string[] }> {
    const cfg = loadStackConfig(stack);
    const config = { ...cfg.config };
    for (const [k, v] of Object.entries(overrides)) config[`odoo-platform:${k}`] = v;
    const run = await runProgram({ stack, config, secretKeys: cfg.secretKeys });
    const hits = run.resources.filter(
        (r) => r.type === "docker:index/container:Container" && r.name === resource,
    );
    if (hits.length !== 1) throw new Error(`${stack}: expected one container ${resource}`);
    const inputs = inputsOf(hits[0]);
    return { command: inputs["command"] as string[], envs: inputs["envs"] as string[] };
}

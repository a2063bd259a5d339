/**
 * The Odoo container of an example stack exactly as the program renders it: the whole program
 * runs offline (the same mocks as `npm run preview`), and the container's command, env items and
 * uploaded odoo.conf are read back from the recorded Docker resource.
 */
import { ODOO_CONF_PATH } from "../../components/odoo-settings";
import { inputsOf, runProgram } from "../../tools/mock-cloud";
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

export async function renderedOdoo(stack: string): Promise<RenderedOdoo> {
    const cfg = loadStackConfig(stack);
    const run = await runProgram({
        stack,
        config: cfg.config,
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

/**
 * Where the contract suite finds a real Odoo: a source tree (`ODOO_SOURCE`, run with
 * `ODOO_PYTHON`, default /usr/bin/python3) or an official image (`ODOO_IMAGE`, e.g. `odoo:18.0`)
 * when a Docker engine answers. There is no stand-in: without either the suite refuses to run.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export type RealOdoo =
    | { readonly kind: "source"; readonly source: string; readonly python: string }
    | { readonly kind: "image"; readonly image: string };

/** The one line printed when no real Odoo is configured. */
export const REFUSAL =
    "test:odoo needs a real Odoo: set ODOO_SOURCE=<odoo source tree> or " +
    "ODOO_IMAGE=odoo:<version> with a Docker engine";

/** Whether `docker info` answers within a few seconds. */
export function dockerAnswers(): boolean {
    const r = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], {
        encoding: "utf8",
        timeout: 20_000,
    });
    return r.status === 0 && r.stdout.trim() !== "";
}

/**
 * The real Odoo named by the environment, or a problem in one line: what is missing and what to
 * set. `ODOO_SOURCE` wins when both are set.
 */
export function findRealOdoo(env: NodeJS.ProcessEnv): RealOdoo | { readonly problem: string } {
    const source = env.ODOO_SOURCE;
    if (source !== undefined && source !== "") {
        const bin = path.join(source, "odoo-bin");
        if (!fs.existsSync(bin)) {
            return { problem: `test:odoo: ODOO_SOURCE=${source} holds no odoo-bin` };
        }
        return { kind: "source", source: path.resolve(source), python: pythonOf(env) };
    }
    const image = env.ODOO_IMAGE;
    if (image !== undefined && image !== "") {
        if (!dockerAnswers()) {
            return {
                problem: `test:odoo: ODOO_IMAGE=${image} needs a Docker engine, and docker info does not answer`,
            };
        }
        return { kind: "image", image };
    }
    return { problem: REFUSAL };
}

function pythonOf(env: NodeJS.ProcessEnv): string {
    return env.ODOO_PYTHON !== undefined && env.ODOO_PYTHON !== ""
        ? env.ODOO_PYTHON
        : "/usr/bin/python3";
}

/** `odoo-bin --version` of the real Odoo, e.g. `Odoo Server 18.0-20250421`. */
export function odooVersion(real: RealOdoo): string {
    const r =
        real.kind === "source"
            ? spawnSync(real.python, [path.join(real.source, "odoo-bin"), "--version"], {
                  encoding: "utf8",
                  timeout: 60_000,
              })
            : spawnSync(
                  "docker",
                  ["run", "--rm", "--entrypoint", "odoo", real.image, "--version"],
                  {
                      encoding: "utf8",
                      timeout: 600_000,
                  },
              );
    const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith("Odoo Server"));
    if (r.status !== 0 || line === undefined) {
        throw new Error(
            `odoo --version failed (${describeOdoo(real)}), status ${r.status}: ${r.stderr ?? r.error}`,
        );
    }
    return line.trim();
}

/**
 * Runs a Python `script` (`python3 -c`, with `args` after it) where the real Odoo's package
 * imports: the source tree on PYTHONPATH, or inside the image. `env` is added to the environment
 * either way.
 */
export function odooPython(
    real: RealOdoo,
    script: string,
    args: readonly string[],
    env: Readonly<Record<string, string>> = {},
) {
    return real.kind === "source"
        ? spawnSync(real.python, ["-c", script, ...args], {
              encoding: "utf8",
              env: { ...process.env, ...env, PYTHONPATH: real.source },
              cwd: path.resolve(real.source),
          })
        : spawnSync(
              "docker",
              ["run", "--rm", ...Object.keys(env).flatMap((k) => ["-e", k])].concat([
                  "--entrypoint",
                  "python3",
                  real.image,
                  "-c",
                  script,
                  ...args,
              ]),
              { encoding: "utf8", env: { ...process.env, ...env } },
          );
}

export function describeOdoo(real: RealOdoo): string {
    return real.kind === "source"
        ? `source ${real.source}, ${real.python}`
        : `image ${real.image}, docker`;
}

let found: RealOdoo | { readonly problem: string } | undefined;

/** The real Odoo of this run (looked up once), or a one-line problem. */
export function realOdooOrProblem(): RealOdoo | { readonly problem: string } {
    found ??= findRealOdoo(process.env);
    return found;
}

/** The real Odoo of this run; the suite's setup has already refused to run without one. */
export function realOdoo(): RealOdoo {
    const r = realOdooOrProblem();
    if ("problem" in r) throw new Error(r.problem);
    return r;
}

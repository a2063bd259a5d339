/**
 * The platform's build of a team's Odoo repository (tools/odoo-image, .github/workflows/
 * odoo-build.yml) as far as this machine goes without a Docker engine: the Dockerfile passes a real
 * Dockerfile linter (dockerfile-utils, the one behind VS Code's Docker support), each of its RUN
 * steps passes shellcheck as the shell it is, the build context is assembled by the workflow's own
 * step, and the labels the delivery reads are the ones the Dockerfile writes.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { validate } from "dockerfile-utils";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT, checkWith } from "./helpers";

const IMAGE_DIR = path.join(ROOT, "tools", "odoo-image");
const dockerfile = fs.readFileSync(path.join(IMAGE_DIR, "Dockerfile"), "utf8");

/** The Dockerfile's instructions, continuation lines joined as Docker joins them, comments dropped. */
function instructions(text: string): { keyword: string; args: string }[] {
    const out: { keyword: string; args: string }[] = [];
    let current = "";
    for (const line of text.split("\n")) {
        if (/^\s*#/.test(line) && current === "") continue;
        current += line.replace(/\\$/, "");
        // Docker removes a backslash and its newline; the shell sees one line.
        if (line.endsWith("\\")) continue;
        const m = /^\s*([A-Z]+)\s+([\s\S]*)$/.exec(current);
        if (m) out.push({ keyword: m[1], args: m[2].trim() });
        current = "";
    }
    return out;
}

describe("the platform's image build (tools/odoo-image)", function () {
    this.timeout(60_000);

    it("passes a real Dockerfile linter", () => {
        assert.deepEqual(
            validate(dockerfile).map((d) => `${d.range.start.line + 1}: ${d.message}`),
            [],
        );
    });

    it("holds RUN steps that shellcheck passes as sh", () => {
        const runs = instructions(dockerfile).filter((i) => i.keyword === "RUN");
        assert.ok(runs.length >= 2, "the layout proof and the requirements");
        for (const run of runs) {
            const r = checkWith("shellcheck", ["-s", "sh"], `${run.args}\n`, ".sh");
            assert.equal(r.status, 0, `${run.args}\n${r.output}`);
        }
    });

    it("proves the layout inside the image before anything else is installed", () => {
        const steps = instructions(dockerfile).map((i) => `${i.keyword} ${i.args}`);
        const proof = steps.findIndex((s) =>
            /odoo-platform-layout check --root \/opt\/odoo\/src/.test(s),
        );
        const requirements = steps.findIndex((s) => /pip install/.test(s));
        assert.ok(proof > 0 && proof < requirements, steps.join("\n"));
        assert.match(steps[0], /^ARG ODOO_VERSION=/);
        assert.ok(steps.includes("FROM odoo:${ODOO_VERSION}"), "the official image is the base");
        assert.ok(steps.includes("COPY src /opt/odoo/src"));
        assert.equal(steps[steps.length - 2], "USER odoo", "Odoo does not run as root");
    });

    it("copies only files the context has, and labels what the delivery reads", () => {
        const stages = instructions(dockerfile)
            .filter((i) => i.keyword === "FROM")
            .map((i) => / AS (\S+)$/i.exec(i.args)?.[1])
            .filter((n) => n !== undefined);
        for (const copy of instructions(dockerfile).filter((i) => i.keyword === "COPY")) {
            // COPY --from=<stage> copies from a build stage of the file, not from the context.
            const from = /^--from=(\S+)\s/.exec(copy.args)?.[1];
            if (from !== undefined) {
                assert.ok(stages.includes(from), `COPY --from=${from}: no stage of that name`);
                continue;
            }
            const sources = copy.args.split(/\s+/).slice(0, -1);
            for (const s of sources.filter((x) => x !== "src")) {
                assert.ok(
                    fs.existsSync(path.join(IMAGE_DIR, s)),
                    `${s} is not in tools/odoo-image`,
                );
            }
        }
        const label = instructions(dockerfile).find((i) => i.keyword === "LABEL")?.args ?? "";
        const written = [...label.matchAll(/([a-z][a-z0-9.-]+)="/g)].map((m) => m[1]).sort();
        assert.deepEqual(written, [
            "odoo-platform.addons-path",
            "odoo-platform.modules",
            "odoo-platform.odoo-version",
            "org.opencontainers.image.revision",
            "org.opencontainers.image.source",
        ]);
        // Every label a step script reads is one the image has.
        const ci = path.join(ROOT, "tools", "ci");
        for (const f of fs.readdirSync(ci)) {
            const text = fs.readFileSync(path.join(ci, f), "utf8");
            for (const m of text.matchAll(/index \.Config\.Labels "([^"]+)"/g)) {
                assert.ok(
                    written.includes(m[1]),
                    `${f} reads label ${m[1]}, which no build writes`,
                );
            }
        }
    });

    it("assembles the build context with the workflow's own step: scripts, repository, no git", () => {
        const job = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-build-"));
        try {
            fs.symlinkSync(ROOT, path.join(job, "platform"));
            fs.cpSync(path.join(ROOT, "examples", "odoo-repository"), path.join(job, "src"), {
                recursive: true,
            });
            fs.mkdirSync(path.join(job, "src", ".git"));
            fs.writeFileSync(path.join(job, "src", ".git", "HEAD"), "ref: refs/heads/main\n");
            fs.mkdirSync(path.join(job, "src", "third-party", "example-tools", ".git"), {
                recursive: true,
            });
            const r = spawnSync("bash", ["platform/tools/ci/odoo-build.sh", "context"], {
                cwd: job,
                encoding: "utf8",
            });
            assert.equal(r.status, 0, r.stderr);
            const context = path.join(job, "context");
            assert.deepEqual(fs.readdirSync(context).sort(), [
                "Dockerfile",
                "odoo-backup",
                "odoo-platform-entrypoint",
                "odoo-platform-layout",
                "odoo-platform-test",
                "src",
            ]);
            assert.ok(
                fs.existsSync(
                    path.join(context, "src", "addons", "example_reminder", "__manifest__.py"),
                ),
            );
            assert.ok(!fs.existsSync(path.join(context, "src", ".git")));
            assert.ok(!fs.existsSync(path.join(context, "src", ".github")));
            assert.ok(
                !fs.existsSync(path.join(context, "src", "third-party", "example-tools", ".git")),
            );
        } finally {
            fs.rmSync(job, { recursive: true, force: true });
        }
    });

    it("refuses an image that is not pinned by digest before anything runs", () => {
        const r = spawnSync("bash", [path.join(ROOT, "tools", "ci", "odoo-build.sh"), "image"], {
            env: { ...process.env, IMAGE_REPOSITORY: "ghcr.io/acme/odoo", DIGEST: "latest" },
            encoding: "utf8",
        });
        assert.equal(r.status, 1);
        assert.match(r.stderr, /error: the build gave no digest \(got 'latest'\)/);
    });
});

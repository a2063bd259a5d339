import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./helpers";

const SCRIPT = path.join(ROOT, "tools", "test-tools.sh");

/**
 * A PATH holding only the basics the script uses and the given stubs: a machine without the
 * test tools. Stubs are shell bodies by name.
 */
function machine(stubs: Record<string, string>) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fresh-machine-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    for (const tool of [
        "sh",
        "grep",
        "tr",
        "sed",
        "ls",
        "mkdir",
        "rm",
        "cat",
        "chmod",
        "mktemp",
        "dirname",
    ]) {
        const found = spawnSync("sh", ["-c", `command -v ${tool}`], {
            encoding: "utf8",
        }).stdout.trim();
        fs.symlinkSync(found, path.join(bin, tool));
    }
    const log = path.join(dir, "calls");
    for (const [name, body] of Object.entries(stubs)) {
        fs.writeFileSync(
            path.join(bin, name),
            `#!/bin/sh\necho "${name} $*" >>'${log}'\n${body}\n`,
            { mode: 0o755 },
        );
    }
    // Nothing of this machine's: the script's restic folder and apt sources folder are the
    // stand-in machine's own.
    const copy = path.join(dir, "test-tools.sh");
    fs.writeFileSync(
        copy,
        fs
            .readFileSync(SCRIPT, "utf8")
            .replace("RESTIC_DIR=/opt/odoo-platform/restic", `RESTIC_DIR=${dir}/restic`)
            .replace("SBIN=/usr/sbin", `SBIN=${dir}/sbin`)
            .replace("LIBDIR=/usr/lib", `LIBDIR=${dir}/lib`)
            .replace("SSHD_RUN_DIR=/run/sshd", `SSHD_RUN_DIR=${dir}/run-sshd`)
            .replace("trixie=/etc/apt/sources.list.d/", `trixie=${dir}/`),
    );
    const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
        const r = spawnSync("/bin/sh", [copy, ...args], {
            env: { PATH: bin, HOME: dir, ...env },
            encoding: "utf8",
        });
        const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
        return { status: r.status, stderr: r.stderr, calls };
    };
    return { dir, bin, run };
}

describe("a fresh machine: what npm test needs, brought or named", () => {
    it("npm test checks and brings its tools first (pretest), and the suite puts restic 0.18.0 first", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        assert.equal(pkg.scripts.pretest, "sh tools/test-tools.sh ensure");
        const mocharc = JSON.parse(fs.readFileSync(path.join(ROOT, ".mocharc.json"), "utf8"));
        assert.ok(mocharc.require.includes("test/setup.ts"));
        // This machine runs the suite: the check passes here, and restic is the deployed release.
        assert.equal(spawnSync("sh", [SCRIPT, "check"], { encoding: "utf8" }).status, 0);
        assert.match(
            spawnSync("restic", ["version"], { encoding: "utf8" }).stdout,
            /^restic 0\.18\.0 /,
        );
        const lint = spawnSync("shellcheck", ["-s", "sh", SCRIPT], { encoding: "utf8" });
        assert.equal(lint.status, 0, lint.stdout);
    });

    it("without root or sudo, names what is missing and the one command that installs it", () => {
        const m = machine({ id: "echo 1000", "apt-get": "exit 0" });
        const r = m.run(["ensure"]);
        assert.equal(r.status, 1);
        assert.match(
            r.stderr,
            new RegExp(
                `^the tests need shellcheck, cloud-init, psql, pg_dump, pg_restore, ssh-keygen, zip, unzip, busybox, visudo, sshd, rsyslogd, rsyslog-gnutls, ${m.dir}/run-sshd \\(sshd's privilege separation directory\\), (initdb \\(PostgreSQL server\\), )?restic 0\\.18\\.0\\. Install them with: sudo sh tools/test-tools\\.sh install\n$`,
            ),
        );
        assert.deepEqual(
            r.calls.filter((c) => c.startsWith("apt-get")),
            [],
            "installs nothing",
        );
    });

    it("as root, installs the Debian packages and restic from trixie without moving the machine to trixie", () => {
        const m = machine({
            id: "echo 0",
            "apt-get": 'case "$*" in *download*) : >restic_0.18.0-1_amd64.deb ;; esac',
            dpkg: [
                'dest="$3"; mkdir -p "$dest/usr/bin"',
                `printf '#!/bin/sh\\necho "restic 0.18.0 compiled with go1.24 on linux/amd64"\\n' >"$dest/usr/bin/restic"`,
                'chmod 755 "$dest/usr/bin/restic"',
            ].join("\n"),
        });
        const r = m.run(["ensure"]);
        const calls = r.calls;
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, /^installing what the tests need: .*restic 0\.18\.0/);
        const apt = calls.filter((c) => c.startsWith("apt-get"));
        assert.equal(
            apt[1],
            "apt-get install -y -qq --no-install-recommends shellcheck cloud-init postgresql postgresql-client debian-archive-keyring sudo openssh-server rsyslog rsyslog-gnutls zip unzip busybox",
        );
        assert.ok(fs.statSync(path.join(m.dir, "run-sshd")).isDirectory(), "sshd's directory made");
        // trixie is read from a sources file of its own, for one download, then forgotten.
        assert.match(
            apt[2],
            new RegExp(
                `^apt-get update -qq -o Dir::Etc::sourcelist=${m.dir}/odoo-platform-trixie\\.sources -o Dir::Etc::sourceparts=-$`,
            ),
        );
        assert.match(apt[3], /^apt-get download -qq -o Dir::Etc::sourcelist=.* restic\/trixie$/);
        assert.equal(apt[4], "apt-get update -qq");
        assert.ok(!fs.existsSync(path.join(m.dir, "odoo-platform-trixie.sources")));
        assert.ok(calls.some((c) => c.startsWith(`dpkg -x `) && c.endsWith(`${m.dir}/restic`)));
        assert.equal(
            spawnSync(path.join(m.dir, "restic", "usr", "bin", "restic"), ["version"], {
                encoding: "utf8",
            }).stdout.trim(),
            "restic 0.18.0 compiled with go1.24 on linux/amd64",
        );
    });
});

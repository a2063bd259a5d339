/**
 * Shell and roles: people from config, their keys bound to the entry, production for admins
 * only. The rendered scripts run under shellcheck and against stub commands; sudoers and sshd's
 * drop-in go through the real `visudo` and `sshd`; keys come from the real `ssh-keygen`.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    EntryOptions,
    Person,
    authorizedKeyLine,
    renderEntryScript,
    renderPeopleScript,
    renderSshdConfig,
    renderSudoers,
    sshKeyProblem,
} from "../components/host-access";
import { ConfigError, parseConfig } from "../stacks/config";
import { inputsOf } from "./doubles/mock-cloud";
import { stubHost } from "./doubles/host-stubs";
import { checkWith, exampleConfig, one, runStack } from "./helpers";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "odoo-platform-access-"));

/** A fresh key pair's public half, from the real ssh-keygen. */
function newKey(type: string, bits?: number): string {
    const dir = tmp();
    const file = path.join(dir, "k");
    const args = ["-q", "-t", type, "-N", "", "-C", "someone@example.com", "-f", file];
    if (bits !== undefined) args.push("-b", String(bits));
    const r = spawnSync("ssh-keygen", args, { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const pub = fs.readFileSync(`${file}.pub`, "utf8").trim();
    fs.rmSync(dir, { recursive: true, force: true });
    return pub;
}

const ALICE = newKey("ed25519");
const BOB = newKey("ed25519");
const CAROL = newKey("ecdsa", 256);
const people: Person[] = [
    { name: "alice", sshKey: ALICE, role: "admin" },
    { name: "bob", sshKey: BOB, role: "developer" },
    { name: "carol", sshKey: CAROL, role: "tester" },
];
const body = (key: string) => key.split(" ")[1];

const stagingEntry: EntryOptions = {
    stage: "staging",
    odooContainer: "staging-odoo",
    postgresContainer: "staging-postgres",
    proxyContainer: "staging-traefik",
    database: "odoo_staging",
    addonsPath: ["/usr/lib/python3/dist-packages/odoo/addons"],
    previews: true,
};
const prodEntry: EntryOptions = {
    ...stagingEntry,
    stage: "production",
    odooContainer: "prod-odoo",
    postgresContainer: "prod-postgres",
    proxyContainer: "prod-traefik",
    database: "odoo",
    previews: false,
};

describe("people's SSH keys", () => {
    it("takes the keys ssh-keygen makes: ed25519, ecdsa, RSA of 3072 bits", () => {
        for (const key of [ALICE, CAROL, newKey("rsa", 3072)]) {
            assert.equal(sshKeyProblem(key), undefined, key);
        }
    });

    it("refuses short RSA, a damaged or mislabelled key, options, several lines", () => {
        const cases: [string, RegExp][] = [
            [newKey("rsa", 2048), /RSA key of 2048 bits: use ssh-ed25519/],
            [`ssh-ed25519 ${body(ALICE).slice(0, -8)}`, /not a complete ssh-ed25519 key/],
            [`ssh-rsa ${body(ALICE)}`, /is not a ssh-rsa key: its base64 part is damaged/],
            [`command="sh" ${ALICE}`, /must start with a key type/],
            [`${ALICE}\n${BOB}`, /must be one line/],
            ["ssh-ed25519 not-base64!", /must be `<type> <base64> \[comment\]`/],
            [
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleExampleExampleExampleExampleExample",
                /not a complete ssh-ed25519 key/,
            ],
        ];
        for (const [key, message] of cases) {
            assert.match(sshKeyProblem(key) ?? "accepted", message, key);
        }
    });
});

describe("people in the config", () => {
    const problems = (stack: "prod" | "staging", value: unknown, extra = {}) => {
        const { config } = exampleConfig(stack, {
            people: JSON.stringify(value),
            ...extra,
        });
        try {
            parseConfig(stack, config);
        } catch (e) {
            assert.ok(e instanceof ConfigError, String(e));
            return e.message;
        }
        return "accepted";
    };

    it("reads a map of login to role and key into people", () => {
        const cfg = parseConfig("staging", exampleConfig("staging").config);
        assert.deepEqual(
            cfg.people.map((p) => [p.name, p.role]),
            [
                ["alice", "admin"],
                ["bob", "developer"],
                ["carol", "tester"],
            ],
        );
        assert.deepEqual(
            parseConfig("prod", exampleConfig("prod").config).people.map((p) => p.name),
            ["alice"],
        );
    });

    it("refuses a developer or tester on production, naming the person and the fix", () => {
        const message = problems("prod", {
            alice: { role: "admin", sshKey: ALICE },
            bob: { role: "developer", sshKey: BOB },
            carol: { role: "tester", sshKey: CAROL },
        });
        assert.match(
            message,
            /odoo-platform:people\.bob\.role: bob is a developer: production accepts admins only .*Remove bob from the prod stack's people, or make them an admin/,
        );
        assert.match(
            message,
            /people\.carol\.role: carol is a tester: production accepts admins only/,
        );
        assert.doesNotMatch(message, /people\.alice/);
    });

    it("refuses a shared key, a reserved or malformed login, a bad key, an unknown role", () => {
        const message = problems("staging", {
            alice: { role: "admin", sshKey: ALICE },
            bob: { role: "developer", sshKey: ALICE },
            root: { role: "admin", sshKey: CAROL },
            "Dave!": { role: "tester", sshKey: BOB },
        });
        assert.match(
            message,
            /people\.bob\.sshKey: is alice's key too: every person logs in with a key of their own/,
        );
        assert.match(message, /people\.root: is an account the host already has/);
        assert.match(message, /people\.Dave!: must be a login name/);
        const erin = problems("staging", { erin: { role: "owner", sshKey: newKey("rsa", 2048) } });
        assert.match(erin, /people\.erin\.role: must be admin, developer or tester/);
        assert.match(erin, /people\.erin\.sshKey: is an RSA key of 2048 bits/);
    });

    it("refuses people on App Platform, where there is no host to log in to", () => {
        const { config } = exampleConfig("staging", { runtime: "app-platform" });
        let message = "accepted";
        try {
            parseConfig("staging", { ...config, "odoo-platform:runtime": "app-platform" });
        } catch (e) {
            message = String(e);
        }
        assert.match(
            message,
            /odoo-platform:people: is for the droplet runtime: App Platform has no host/,
        );
    });
});

describe("the people's script and files", () => {
    it("binds each key to the entry with the person's own name and role, nothing else allowed", () => {
        assert.equal(
            authorizedKeyLine(people[1]),
            `restrict,pty,command="sudo -n /usr/local/sbin/odoo-entry bob developer" ${BOB.split(" ").slice(0, 2).join(" ")} bob`,
        );
    });

    it("sudoers lets each person run the entry with exactly their name and role (visudo -c)", () => {
        const text = renderSudoers(people);
        assert.equal(
            text,
            "# odoo-platform: each person runs the entry with their own name and role, nothing else.\n" +
                'Defaults!/usr/local/sbin/odoo-entry env_keep += "SSH_ORIGINAL_COMMAND"\n' +
                "alice ALL=(root) NOPASSWD: /usr/local/sbin/odoo-entry alice admin\n" +
                "bob ALL=(root) NOPASSWD: /usr/local/sbin/odoo-entry bob developer\n" +
                "carol ALL=(root) NOPASSWD: /usr/local/sbin/odoo-entry carol tester\n",
        );
        const r = checkWith("visudo", ["-c", "-f"], text, "");
        assert.equal(r.status, 0, r.output);
    });

    it("sshd takes the drop-in in Debian's own sshd_config: no passwords, root by key only, people without forwarding", () => {
        const dir = tmp();
        const hostKey = path.join(dir, "host_key");
        spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
        const sshd = fs.existsSync("/usr/sbin/sshd") ? "/usr/sbin/sshd" : "sshd";
        // Debian 12's sshd_config (openssh-server 9.2) includes sshd_config.d/*.conf first, then
        // sets its own values (X11Forwarding yes, Subsystem sftp): ours must win, and our Match
        // block must end with our file.
        const debian = fs.readFileSync("/etc/ssh/sshd_config", "utf8");
        assert.match(debian, /^Include \/etc\/ssh\/sshd_config\.d\/\*\.conf$/m);
        const settingsOf = (group: string, user: string) => {
            fs.writeFileSync(
                path.join(dir, "10-odoo-platform.conf"),
                renderSshdConfig().replace("Match Group odoo-people", `Match Group ${group}`),
            );
            fs.writeFileSync(
                path.join(dir, "sshd_config"),
                debian.replace(
                    /^Include \/etc\/ssh\/sshd_config\.d\/\*\.conf$/m,
                    `Include ${dir}/10-odoo-platform.conf\nHostKey ${hostKey}`,
                ),
            );
            const r = spawnSync(
                sshd,
                [
                    "-T",
                    "-f",
                    path.join(dir, "sshd_config"),
                    "-C",
                    `user=${user},host=x,addr=203.0.113.10`,
                ],
                { encoding: "utf8" },
            );
            assert.equal(r.status, 0, r.stderr);
            return r.stdout.split("\n");
        };
        // root is no member of odoo-people: the global settings, Debian's X11 forwarding kept.
        const root = settingsOf("odoo-people", "root");
        for (const line of [
            "passwordauthentication no",
            "kbdinteractiveauthentication no",
            "permitrootlogin without-password",
            "x11forwarding yes",
            "authorizedkeysfile .ssh/authorized_keys .ssh/authorized_keys2",
        ]) {
            assert.ok(root.includes(line), `${line} in:\n${root.join("\n")}`);
        }
        // A member (played by root's own group, the one group a test may rely on): the Match.
        const member = settingsOf("root", "root");
        for (const line of [
            "authorizedkeysfile /etc/ssh/authorized_keys/%u",
            "allowtcpforwarding no",
            "allowstreamlocalforwarding no",
            "allowagentforwarding no",
            "x11forwarding no",
            "permittunnel no",
            "permituserrc no",
        ]) {
            assert.ok(member.includes(line), `${line} in:\n${member.join("\n")}`);
        }
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("refuses to render a developer or tester onto production", () => {
        assert.throws(
            () => renderPeopleScript(people, prodEntry),
            /people\[1\]\.role \(bob\) bob is a developer: production accepts admins only/,
        );
        assert.doesNotThrow(() => renderPeopleScript([people[0]], prodEntry));
    });

    it("the script passes shellcheck", () => {
        const r = checkWith(
            "shellcheck",
            ["-s", "sh"],
            renderPeopleScript(people, stagingEntry),
            ".sh",
        );
        assert.equal(r.status, 0, r.output);
    });

    it("run against stub commands: users, key files, sudoers, sshd; a person removed loses all", () => {
        const root = tmp();
        const { stub, run, calls: called } = stubHost(root);
        // `id -u`: alice exists already, bob and carol are new; the group holds alice and dave,
        // who left the list (getent's format: name:x:gid:members).
        stub("id", "case $2 in alice) echo 1001 ;; *) exit 1 ;; esac\n");
        stub("getent", 'echo "odoo-people:x:1001:alice,dave"\n');
        for (const name of [
            "groupadd",
            "useradd",
            "usermod",
            "passwd",
            "pkill",
            "userdel",
            "visudo",
            "sshd",
            "systemctl",
        ]) {
            stub(name);
        }
        // install(1) as root, without changing owners: the test need not run as root.
        stub(
            "install",
            'skip=""\nfor a in "$@"; do shift; case $skip in 1) skip=""; continue ;; esac; case $a in -o|-g) skip=1; continue ;; esac; set -- "$@" "$a"; done\nexec /usr/bin/install "$@"\n',
        );
        for (const d of ["usr/local/sbin", "etc/ssh/sshd_config.d", "etc/sudoers.d"]) {
            fs.mkdirSync(path.join(root, d), { recursive: true });
        }
        fs.mkdirSync(path.join(root, "etc/ssh/authorized_keys"), { recursive: true });
        fs.writeFileSync(path.join(root, "etc/ssh/authorized_keys/dave"), "old key\n");

        const r = run(renderPeopleScript(people, stagingEntry));
        assert.equal(r.status, 0, r.stderr);
        const calls = called().filter((l) => !l.startsWith("install ") && !l.startsWith("id "));
        assert.deepEqual(calls, [
            "groupadd -f odoo-people",
            "usermod --comment odoo-platform admin --groups odoo-people --shell /bin/sh alice",
            "passwd --lock alice",
            "useradd --create-home --comment odoo-platform developer --groups odoo-people --shell /bin/sh bob",
            "passwd --lock bob",
            "useradd --create-home --comment odoo-platform tester --groups odoo-people --shell /bin/sh carol",
            "passwd --lock carol",
            "getent group odoo-people",
            "pkill -KILL -u dave",
            "userdel --remove dave",
            `visudo -c -q -f ${calls
                .find((l) => l.startsWith("visudo"))
                ?.split(" ")
                .pop()}`,
            "sshd -t",
            "systemctl reload ssh",
        ]);
        const keys = fs.readdirSync(path.join(root, "etc/ssh/authorized_keys")).sort();
        assert.deepEqual(keys, ["alice", "bob", "carol"]);
        assert.equal(
            fs.readFileSync(path.join(root, "etc/ssh/authorized_keys/bob"), "utf8"),
            `${authorizedKeyLine(people[1])}\n`,
        );
        assert.equal(
            fs.readFileSync(path.join(root, "etc/sudoers.d/odoo-people"), "utf8"),
            renderSudoers(people),
        );
        assert.equal(
            fs.readFileSync(path.join(root, "etc/ssh/sshd_config.d/10-odoo-platform.conf"), "utf8"),
            renderSshdConfig(),
        );
        assert.equal(
            fs.readFileSync(path.join(root, "usr/local/sbin/odoo-entry"), "utf8"),
            renderEntryScript(stagingEntry),
        );
        const mode = fs.statSync(path.join(root, "etc/sudoers.d/odoo-people")).mode & 0o777;
        assert.equal(mode.toString(8), "440");
        fs.rmSync(root, { recursive: true, force: true });
    });
});

describe("the entry (forced command)", () => {
    /** Runs the entry as sudo would, with a docker stub that records its arguments. */
    function entry(opts: EntryOptions, name: string, role: string, request?: string) {
        const dir = tmp();
        const log = path.join(dir, "docker.calls");
        fs.writeFileSync(
            path.join(dir, "docker"),
            `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done >"${log}"\n`,
            { mode: 0o755 },
        );
        const script = path.join(dir, "odoo-entry");
        fs.writeFileSync(script, renderEntryScript(opts), { mode: 0o755 });
        const env: Record<string, string> = { PATH: `${dir}:/usr/bin:/bin` };
        if (request !== undefined) env.SSH_ORIGINAL_COMMAND = request;
        const r = spawnSync("sh", [script, name, role], { env, encoding: "utf8", input: "" });
        const docker = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
        fs.rmSync(dir, { recursive: true, force: true });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr, docker };
    }

    it("passes shellcheck", () => {
        for (const opts of [
            stagingEntry,
            prodEntry,
            { ...prodEntry, postgresContainer: undefined },
        ]) {
            const r = checkWith("shellcheck", ["-s", "sh"], renderEntryScript(opts), ".sh");
            assert.equal(r.status, 0, r.output);
        }
    });

    it("refuses a developer and a tester on production, whatever they ask, without touching Docker", () => {
        for (const [name, role] of [
            ["bob", "developer"],
            ["carol", "tester"],
        ]) {
            for (const request of [undefined, "shell", "psql", "logs", "bash"]) {
                const r = entry(prodEntry, name, role, request);
                assert.equal(r.status, 77, `${name} ${request}`);
                assert.match(
                    r.stderr,
                    new RegExp(`odoo-entry: ${name} is a ${role}: production is for admins only`),
                );
                assert.deepEqual(r.docker, []);
            }
        }
    });

    it("gives an admin odoo shell on production's database, the password from the container's env", () => {
        const r = entry(prodEntry, "alice", "admin", "shell");
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.docker, [
            "exec",
            "-i",
            "prod-odoo",
            "sh",
            "-c",
            'export PGHOST="$HOST" PGPORT="$PORT" PGUSER="$USER" PGPASSWORD="$PASSWORD"',
            'exec odoo shell --config=/etc/odoo/odoo.conf --database="$1" --addons-path="$2" --no-http',
            "odoo-entry",
            "odoo",
            "/usr/lib/python3/dist-packages/odoo/addons",
        ]);
    });

    it("gives a developer psql and odoo shell on staging and on a preview, a tester neither", () => {
        const psql = entry(stagingEntry, "bob", "developer", "psql");
        assert.equal(psql.status, 0, psql.stderr);
        assert.deepEqual(psql.docker.slice(0, 3), ["exec", "-i", "staging-odoo"]);
        assert.deepEqual(psql.docker.slice(-2), ["odoo-entry", "odoo_staging"]);
        const pr = entry(stagingEntry, "bob", "developer", "shell pr-42");
        assert.equal(pr.status, 0, pr.stderr);
        assert.equal(pr.docker[2], "pr-42-odoo");
        assert.deepEqual(pr.docker.slice(-2), [
            "odoo_pr_42",
            "/usr/lib/python3/dist-packages/odoo/addons",
        ]);
        for (const request of ["psql", "shell", "bash"]) {
            const r = entry(stagingEntry, "carol", "tester", request);
            assert.equal(r.status, 77);
            assert.match(r.stderr, /carol is a tester: '.*' is not for testers or developers here/);
            assert.deepEqual(r.docker, []);
        }
        assert.equal(entry(stagingEntry, "bob", "developer", "bash").status, 77);
    });

    it("shows logs to every role of staging: Odoo, PostgreSQL, the proxy, a preview", () => {
        const cases: [string, string[]][] = [
            ["logs", ["logs", "--timestamps", "--since", "1h", "staging-odoo"]],
            ["logs postgres 30m", ["logs", "--timestamps", "--since", "30m", "staging-postgres"]],
            ["logs proxy 2d", ["logs", "--timestamps", "--since", "48h", "staging-traefik"]],
            ["logs pr-7", ["logs", "--timestamps", "--since", "1h", "pr-7-odoo"]],
        ];
        for (const [request, docker] of cases) {
            const r = entry(stagingEntry, "carol", "tester", request);
            assert.equal(r.status, 0, `${request}: ${r.stderr}`);
            assert.deepEqual(r.docker, docker, request);
        }
    });

    it("prints each role's menu, and refuses anything else it is asked", () => {
        const menu = entry(stagingEntry, "carol", "tester");
        assert.equal(menu.status, 0);
        assert.match(menu.stdout, /You are carol \(tester\)/);
        assert.match(menu.stdout, /ssh carol@<host> logs \[odoo\|postgres\|proxy\|pr-<N>\]/);
        assert.doesNotMatch(menu.stdout, /psql|shell/);
        const admin = entry(prodEntry, "alice", "admin");
        assert.match(admin.stdout, /ssh -t alice@<host> shell \[pr-<N>\]   odoo shell on odoo/);
        const refused: [EntryOptions, string, RegExp][] = [
            [stagingEntry, "logs; rm -rf /", /unknown command 'logs;'/],
            [stagingEntry, "shell pr-42;id", /unknown target 'pr-42;id'/],
            [stagingEntry, "sh -c id", /unknown command 'sh'/],
            [stagingEntry, "logs odoo 1y", /since must be minutes, hours or days/],
            [stagingEntry, "shell ../prod", /unknown target/],
            [prodEntry, "shell pr-42", /no preview environments run on this host/],
            [
                { ...prodEntry, postgresContainer: undefined },
                "logs postgres",
                /managed cluster here: its logs are in the log service/,
            ],
        ];
        for (const [opts, request, message] of refused) {
            const r = entry(opts, "alice", "admin", request);
            assert.equal(r.status, 77, request);
            assert.match(r.stderr, message, request);
            assert.deepEqual(r.docker, [], request);
        }
        assert.equal(entry(stagingEntry, "mallory", "owner", "logs").status, 77);
    });
});

describe("people on the hosts (program under mocks)", () => {
    const peopleScriptOf = async (stack: "prod" | "staging", overrides = {}) => {
        const run = await runStack(stack, overrides);
        const name = stack === "prod" ? "prod" : "staging";
        const { resource } = one(run.resources, "command:local:Command", `${name}-settings-people`);
        return { create: String(inputsOf(resource).create), resource, run };
    };

    it("production's host gets the admins' keys and no developer's or tester's", async () => {
        const prod = await peopleScriptOf("prod");
        const { config } = exampleConfig("staging");
        const staging = JSON.parse(config["odoo-platform:people"]) as Record<
            string,
            { sshKey: string }
        >;
        assert.ok(
            prod.create.includes(
                `command="sudo -n /usr/local/sbin/odoo-entry alice admin" ssh-ed25519 ${body(staging.alice.sshKey)} alice\n`,
            ),
        );
        assert.ok(!prod.create.includes(body(staging.bob.sshKey)), "bob's key reached production");
        assert.ok(
            !prod.create.includes(body(staging.carol.sshKey)),
            "carol's key reached production",
        );
        assert.match(
            prod.create,
            /^cat <<'ODOO_PLATFORM_SCRIPT' \| ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new "root@\$ODOO_PLATFORM_HOST" sh -s\n/,
        );
        assert.match(
            prod.create,
            /STAGE='production'\nODOO_CONTAINER='prod-odoo'\nPOSTGRES_CONTAINER='prod-postgres'\nPROXY_CONTAINER='prod-traefik'\nDATABASE='odoo'\n/,
        );
        assert.match(prod.create, /PREVIEWS='no'/);
        // The host's address comes from the environment: the command is known during a preview.
        const env = inputsOf(prod.resource).environment as Record<string, string>;
        assert.match(String(prod.run.outputs.hostIp), /^\d+\.\d+\.\d+\.\d+$/);
        assert.deepEqual(env, { ODOO_PLATFORM_HOST: prod.run.outputs.hostIp });
        // The command as /bin/sh -c runs it, script and all, passes shellcheck.
        const r = checkWith("shellcheck", ["-s", "sh"], prod.create, ".sh");
        assert.equal(r.status, 0, r.output);
    });

    it("staging's host gets all three, with previews on the dev host", async () => {
        const staging = await peopleScriptOf("staging");
        for (const line of [
            /command="sudo -n \/usr\/local\/sbin\/odoo-entry bob developer"/,
            /command="sudo -n \/usr\/local\/sbin\/odoo-entry carol tester"/,
            /PREVIEWS='yes'/,
            /DATABASE='odoo_staging'/,
        ]) {
            assert.match(staging.create, line);
        }
        assert.deepEqual(
            staging.resource.dependencies.filter((d) => d.includes("staging-ready")).length,
            1,
        );
    });

    it("a production config with a developer stops before any resource", async () => {
        await assert.rejects(
            runStack("prod", {
                people: JSON.stringify({ bob: { role: "developer", sshKey: BOB } }),
            }),
            /people\.bob\.role: bob is a developer: production accepts admins only/,
        );
    });
});

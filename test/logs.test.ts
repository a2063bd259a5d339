/**
 * Logs: every container to journald (capped, kept logRetentionDays), journald to rsyslog, rsyslog
 * over TLS to the log service; App Platform's components and managed PostgreSQL to the same
 * service; a one-line command for a stage's recent Odoo log. The rsyslog forward goes through
 * the real `rsyslogd -N1`, the scripts through shellcheck and a run against stubs, cloud-init
 * through `cloud-init schema`.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderCloudInit } from "../components/host-rendering";
import {
    CONTAINER_LOGGING,
    JOURNALD_DROP_IN,
    RSYSLOG_DROP_IN,
    parseLogDestination,
    renderJournaldConf,
    renderLogSettingsScript,
    renderRsyslogForward,
} from "../components/log-shipping";
import { ConfigError, parseConfig } from "../stacks/config";
import { LogsRequest, logsCommand, parseRequest } from "../tools/logs";
import { stubHost } from "./doubles/host-stubs";
import { inputsOf, isSecret } from "./doubles/mock-cloud";
import {
    ROOT,
    checkWith,
    exampleConfig,
    ofType,
    one,
    runAppStack,
    runPreviewStack,
    runStack,
} from "./helpers";

// The form Papertrail shows under Settings > Log Destinations, as App Platform takes it.
const DESTINATION = "syslog+tls://logs5.papertrailapp.com:41234";
const SHIPPING = { logService: "papertrail", logDestination: DESTINATION };
const dest = parseLogDestination("papertrail", DESTINATION);

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "odoo-platform-logs-"));

describe("log shipping on a droplet", () => {
    it("reads the destination: host and port, or a message naming the form", () => {
        assert.deepEqual(dest, {
            service: "papertrail",
            host: "logs5.papertrailapp.com",
            port: 41234,
            endpoint: DESTINATION,
        });
        for (const bad of [
            "logs5.papertrailapp.com:41234",
            "syslog://logs5.papertrailapp.com:41234",
            "syslog+tls://logs.example.com:41234",
            "syslog+tls://logs5.papertrailapp.com.example.com:41234",
            "syslog+tls://logs5.papertrailapp.com:99999",
        ]) {
            assert.throws(
                () => parseLogDestination("papertrail", bad),
                /syslog\+tls:\/\/logsN\.papertrailapp\.com:PORT/,
            );
        }
    });

    it("journald keeps at most 2 GB, 4 GB free, the retention in days, and hands every line to rsyslog", () => {
        assert.equal(
            renderJournaldConf(14),
            "# odoo-platform: the host's own copy of every log line, capped in size and age\n" +
                "[Journal]\nStorage=persistent\nSystemMaxUse=2G\nSystemKeepFree=4G\n" +
                "MaxRetentionSec=14d\nForwardToSyslog=yes\n",
        );
        assert.throws(
            () => renderJournaldConf(0),
            /logRetentionDays must be a whole number of days/,
        );
    });

    it("rsyslog takes the forward (rsyslogd -N1), TLS with the server's name checked", () => {
        const text = renderRsyslogForward(dest);
        assert.match(text, /target="logs5\.papertrailapp\.com" port="41234" protocol="tcp"/);
        assert.match(
            text,
            /StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509\/name"/,
        );
        assert.match(text, /StreamDriverPermittedPeers="\*\.papertrailapp\.com"/);
        assert.match(text, /\nstop\n$/);
        const ok = checkWith("rsyslogd", ["-N1", "-f"], text, ".conf");
        assert.equal(ok.status, 0, ok.output);
        // The check is real: a parameter rsyslog does not know fails it.
        const broken = checkWith(
            "rsyslogd",
            ["-N1", "-f"],
            text.replace("StreamDriverMode", "StreamDriverMood"),
            ".conf",
        );
        assert.notEqual(broken.status, 0, broken.output);
    });

    it("the settings script passes shellcheck, with and without a service", () => {
        for (const script of [renderLogSettingsScript(14, dest), renderLogSettingsScript(30)]) {
            const r = checkWith("shellcheck", ["-s", "sh"], script, ".sh");
            assert.equal(r.status, 0, r.output);
        }
    });

    function runSettings(script: string, rsyslogOk = true) {
        const root = tmp();
        const { stub, run, calls } = stubHost(root);
        // dpkg-query's answer for an installed package (dpkg 1.21, Debian 12).
        stub("dpkg-query", "printf 'install ok installed'\n");
        stub("apt-get");
        stub("systemctl");
        stub(
            "rsyslogd",
            rsyslogOk ? "" : "echo 'rsyslogd: error during config processing' >&2; exit 1\n",
        );
        const r = run(script);
        const read = (p: string) =>
            fs.existsSync(path.join(root, p))
                ? fs.readFileSync(path.join(root, p), "utf8")
                : undefined;
        const files = { journald: read(JOURNALD_DROP_IN), forward: read(RSYSLOG_DROP_IN) };
        const result = { status: r.status, stderr: r.stderr, calls: calls(), files };
        fs.rmSync(root, { recursive: true, force: true });
        return result;
    }

    it("run against stubs: writes journald's and rsyslog's files, checks, restarts both", () => {
        const r = runSettings(renderLogSettingsScript(14, dest));
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.calls, [
            "dpkg-query -W -f=${Status} rsyslog-gnutls",
            "rsyslogd -N1",
            "systemctl restart systemd-journald",
            "systemctl restart rsyslog",
        ]);
        assert.equal(r.files.journald, renderJournaldConf(14));
        assert.equal(r.files.forward, renderRsyslogForward(dest));
    });

    it("a forward rsyslog refuses is removed again and the run fails; no service, no forward", () => {
        const refused = runSettings(renderLogSettingsScript(14, dest), false);
        assert.equal(refused.status, 1);
        assert.match(
            refused.stderr,
            /rsyslog refused the forward to the log service; it was removed again/,
        );
        assert.equal(refused.files.forward, undefined);
        assert.ok(!refused.calls.includes("systemctl restart rsyslog"));
        const none = runSettings(renderLogSettingsScript(7));
        assert.equal(none.status, 0, none.stderr);
        assert.equal(none.files.forward, undefined);
        assert.match(none.files.journald ?? "", /MaxRetentionSec=7d/);
    });

    it("cloud-init: Docker's default driver is journald, the shipper and sudo installed, no password login (cloud-init schema)", () => {
        const userData = renderCloudInit("odoo-staging-data");
        assert.ok(
            userData.includes(
                '  - path: /etc/docker/daemon.json\n    owner: root:root\n    permissions: "0644"\n    content: |\n' +
                    '      {\n        "log-driver": "journald",\n        "log-opts": {\n          "tag": "{{.Name}}"\n        }\n      }\n',
            ),
            userData,
        );
        assert.match(userData, /\nssh_pwauth: false\n/);
        assert.match(
            userData,
            /packages:\n  - docker\.io\n  - unattended-upgrades\n  - rsyslog\n  - rsyslog-gnutls\n  - sudo\n/,
        );
        const r = checkWith("cloud-init", ["schema", "-c"], userData, ".yaml");
        assert.equal(r.status, 0, r.output);
    });
});

describe("log shipping in the program (mocks)", () => {
    it("every container of staging and prod logs to journald, tagged with its name", async () => {
        const staging = ["backup", "mailpit", "odoo", "odoo-init", "postgres", "traefik"];
        // prod: no Mailpit; the backup and traffic status endpoints, the traffic checker and the
        // one-shot delivery of the GitOps parameter.
        const prod = ["backup", "backup-health", "gitops-parameter", "odoo", "odoo-init"].concat([
            "postgres",
            "traefik",
            "traffic-check",
            "traffic-health",
        ]);
        for (const [stack, names] of [
            ["staging", staging],
            ["prod", prod],
        ] as const) {
            const run = await runStack(stack);
            const containers = ofType(run.resources, "docker:index/container:Container");
            assert.deepEqual(
                containers.map((c) => c.name).sort(),
                names.map((n) => `${stack}-${n}`).sort(),
            );
            for (const c of containers) {
                const inputs = inputsOf(c);
                assert.equal(inputs.logDriver, "journald", c.name);
                assert.deepEqual(inputs.logOpts, { tag: "{{.Name}}" }, c.name);
            }
        }
        assert.deepEqual(CONTAINER_LOGGING, {
            logDriver: "journald",
            logOpts: { tag: "{{.Name}}" },
        });
    });

    it("a preview's Odoo on the dev host logs the same way", async () => {
        const run = await runPreviewStack();
        const { inputs } = one(run.resources, "docker:index/container:Container", "pr-42-odoo");
        assert.equal(inputs.logDriver, "journald");
        assert.deepEqual(inputs.logOpts, { tag: "{{.Name}}" });
    });

    it("a stack with a log service sends its host's lines there (secret), retention from config", async () => {
        const run = await runStack("staging", { ...SHIPPING, logRetentionDays: "21" });
        const { resource, inputs } = one(
            run.resources,
            "command:local:Command",
            "staging-settings-logging",
        );
        assert.ok(isSecret(resource.rawInputs.create), "the log settings command must be a secret");
        const create = String(inputs.create);
        assert.ok(create.includes(renderRsyslogForward(dest)));
        assert.ok(create.includes(renderJournaldConf(21)));
        assert.match(
            create,
            /^cat <<'ODOO_PLATFORM_SCRIPT' \| ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new "root@\$ODOO_PLATFORM_HOST" sh -s\n/,
        );
    });

    it("without a service the host keeps its logs, for the stage's default days", async () => {
        const run = await runStack("prod");
        const { inputs } = one(run.resources, "command:local:Command", "prod-settings-logging");
        const create = String(inputs.create);
        assert.ok(create.includes(renderJournaldConf(30)));
        assert.ok(create.includes(`rm -f "$ROOT${RSYSLOG_DROP_IN}"`));
        assert.ok(!create.includes("omfwd"));
    });

    it("App Platform: every component and managed PostgreSQL ship to the same service", async () => {
        const run = await runAppStack("prod", SHIPPING);
        const app = one(run.resources, "digitalocean:index/app:App", "prod-app");
        const spec = app.inputs.spec as Record<
            string,
            { name: string; logDestinations?: unknown }[]
        >;
        const expected = [{ name: "papertrail", papertrail: { endpoint: DESTINATION } }];
        const names: string[] = [];
        for (const list of ["services", "workers", "jobs"]) {
            for (const c of spec[list] ?? []) {
                assert.deepEqual(c.logDestinations, expected, `${list} ${c.name}`);
                names.push(c.name);
            }
        }
        // The backup worker too: its failures are read where the others are.
        assert.deepEqual(names.sort(), ["backup", "cron", "upgrade", "web"]);
        const sink = one(
            run.resources,
            "digitalocean:index/databaseLogsinkRsyslog:DatabaseLogsinkRsyslog",
            "prod-db-logs",
        );
        const { clusterId, ...rest } = sink.inputs;
        assert.ok(typeof clusterId === "string" && clusterId.length > 0);
        assert.deepEqual(rest, {
            name: "odoo-prod-papertrail",
            server: "logs5.papertrailapp.com",
            port: 41234,
            tls: true,
            format: "rfc5424",
        });
        const without = await runAppStack("prod");
        assert.equal(
            ofType(
                without.resources,
                "digitalocean:index/databaseLogsinkRsyslog:DatabaseLogsinkRsyslog",
            ).length,
            0,
        );
        const bare = one(without.resources, "digitalocean:index/app:App", "prod-app").inputs
            .spec as Record<string, { logDestinations?: unknown }[]>;
        assert.equal(bare.services[0].logDestinations, undefined);
    });

    it("refuses a service without its destination, a destination in another form, one without a service", () => {
        const problems = (overrides: Record<string, string | undefined>) => {
            try {
                parseConfig("staging", exampleConfig("staging", overrides).config);
            } catch (e) {
                assert.ok(e instanceof ConfigError);
                return e.message;
            }
            return "accepted";
        };
        assert.match(
            problems({ logService: "papertrail" }),
            /odoo-platform:logDestination: must be set as a secret with logService/,
        );
        const bad = problems({ ...SHIPPING, logDestination: "logs5.papertrailapp.com:41234" });
        assert.match(
            bad,
            /logDestination: must be your papertrail log destination as syslog\+tls:\/\/logsN\.papertrailapp\.com:PORT .*\(found: \[secret\]\)/,
        );
        assert.doesNotMatch(bad, /logs5\.papertrailapp\.com:41234/);
        assert.match(
            problems({ logDestination: DESTINATION }),
            /odoo-platform:logService: is required with logDestination/,
        );
        assert.match(
            problems({ ...SHIPPING, logService: "splunk" }),
            /logService: must be a log service: papertrail/,
        );
        assert.match(problems({ logRetentionDays: "0" }), /logRetentionDays: must be at least 1/);
        assert.equal(problems(SHIPPING), "accepted");
    });
});

describe("npm run logs", () => {
    const request = (stack: string, extra: Partial<LogsRequest> = {}): LogsRequest => ({
        stack,
        what: "odoo",
        since: "1h",
        user: "bob",
        stagingStack: "staging",
        ...extra,
    });

    it("asks a droplet host through the person's own login, a preview through staging's host", () => {
        assert.deepEqual(logsCommand(request("staging"), { hostIp: "203.0.113.7" }), [
            "ssh",
            "-o",
            "BatchMode=yes",
            "bob@203.0.113.7",
            "logs",
            "odoo",
            "1h",
        ]);
        assert.deepEqual(
            logsCommand(request("pr-42", { since: "30m" }), { hostIp: "203.0.113.7" }),
            ["ssh", "-o", "BatchMode=yes", "bob@203.0.113.7", "logs", "pr-42", "30m"],
        );
        assert.deepEqual(
            logsCommand(request("prod"), { appId: "6a1b2c3d-0000-4000-8000-000000000001" }),
            [
                "doctl",
                "apps",
                "logs",
                "6a1b2c3d-0000-4000-8000-000000000001",
                "web",
                "--type",
                "run",
                "--tail",
                "500",
            ],
        );
        assert.throws(
            () => logsCommand(request("prod", { what: "postgres" }), { appId: "x" }),
            /App Platform: its postgres log is in the log service/,
        );
        assert.throws(() => logsCommand(request("prod"), {}), /exports neither hostIp nor appId/);
    });

    it("reads its arguments, refusing what the host's entry would refuse", () => {
        assert.deepEqual(
            parseRequest(["staging", "proxy", "--since", "2d"], { ODOO_PLATFORM_USER: "carol" }),
            request("staging", { what: "proxy", since: "2d", user: "carol" }),
        );
        assert.throws(
            () => parseRequest(["staging", "--since", "1y"], {}),
            /--since must be 1-99 minutes or hours or 1-9 days/,
        );
        assert.throws(() => parseRequest(["staging", "mail"], {}), /odoo, postgres or proxy/);
        assert.throws(() => parseRequest([], {}), /usage: npm run logs/);
    });

    it("runs end to end with stub pulumi and ssh: one command, the log printed", () => {
        const dir = tmp();
        // `pulumi stack output --json` as Pulumi CLI 3.x prints it (an object of the outputs).
        fs.writeFileSync(
            path.join(dir, "pulumi"),
            `#!/bin/sh\necho "pulumi $*" >>"${dir}/calls"\nprintf '{\\n  "hostIp": "203.0.113.7",\\n  "url": "https://staging.example.com"\\n}\\n'\n`,
            { mode: 0o755 },
        );
        // What the entry prints for `logs`: docker logs --timestamps of the Odoo container.
        fs.writeFileSync(
            path.join(dir, "ssh"),
            `#!/bin/sh\necho "ssh $*" >>"${dir}/calls"\necho '2026-11-27T10:00:00.000000000Z 2026-11-27 10:00:00,000 7 INFO odoo_staging werkzeug: 127.0.0.1 - - "GET /web/health HTTP/1.1" 200 - 2 0.001 0.002'\n`,
            { mode: 0o755 },
        );
        const r = spawnSync(
            "npx",
            ["ts-node", "--transpile-only", "tools/logs.ts", "staging", "--user", "bob"],
            {
                cwd: ROOT,
                env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
                encoding: "utf8",
            },
        );
        const calls = fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
        fs.rmSync(dir, { recursive: true, force: true });
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(calls, [
            "pulumi stack output --json --stack staging",
            "ssh -o BatchMode=yes bob@203.0.113.7 logs odoo 1h",
        ]);
        assert.match(r.stdout, /GET \/web\/health HTTP\/1\.1" 200/);
    });
});

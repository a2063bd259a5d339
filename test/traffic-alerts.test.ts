/**
 * Alerts on Odoo's error rate and p95 on the droplet runtime: the evaluator run with the real sh,
 * awk and sort over access-log lines in Traefik's Common Log Format, and the resources with their
 * exact inputs.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    TRAFFIC_CGI,
    TRAFFIC_CHECK,
    TRAFFIC_HEALTH_PATH,
    TRAFFIC_STATS,
} from "../components/traffic-alerts";
import { RecordedResource, inputsOf } from "./doubles/mock-cloud";
import { checkWith, one, ofType, runStack } from "./helpers";

const T = {
    container: "docker:index/container:Container",
    volume: "docker:index/volume:Volume",
    check: "digitalocean:index/uptimeCheck:UptimeCheck",
    alert: "digitalocean:index/uptimeAlert:UptimeAlert",
};

/**
 * One access-log line as Traefik writes it (docs "Access Logs", Common Log Format; the shape of
 * lines observed in Traefik 2.x/3.x logs, e.g. `... 200 38314 "-" "-" 1 "myprosite@docker"
 * "http://172.21.0.18:8000" 89ms`).
 */
const clf = (o: { status: number; ms: number; router?: string; path?: string; n?: number }) =>
    `203.0.113.7 - - [27/Nov/2026:10:00:00 +0000] "GET ${o.path ?? "/web"} HTTP/2.0" ${o.status} 1234 "-" "Mozilla/5.0 (X11; Linux x86_64)" ${o.n ?? 1} "${o.router ?? "erp-example-com"}@docker" "http://172.18.0.5:8069" ${o.ms}ms`;

describe("traffic alerts: the evaluator on access-log lines", function () {
    this.timeout(60_000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "traffic-"));
        fs.mkdirSync(path.join(dir, "bin"));
        fs.mkdirSync(path.join(dir, "spool"));
        fs.writeFileSync(path.join(dir, "bin", "odoo-traffic-stats"), TRAFFIC_STATS, {
            mode: 0o755,
        });
        // Stands in for `docker logs --since 300s <traefik>`: prints the scenario's log, and
        // records its arguments.
        fs.writeFileSync(
            path.join(dir, "bin", "docker"),
            '#!/bin/sh\nprintf "%s\\n" "$*" >"$DOCKER_ARGS"\ncat "$LOG"\n',
            { mode: 0o755 },
        );
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const stats = (lines: string[]) => {
        const r = spawnSync(
            "sh",
            [path.join(dir, "bin", "odoo-traffic-stats"), "erp-example-com"],
            {
                input: lines.join("\n") + "\n",
                encoding: "utf8",
            },
        );
        assert.equal(r.status, 0, r.stderr);
        return r.stdout;
    };

    it("counts Odoo's router alone, its 5xx, and the nearest-rank p95 of the durations", () => {
        const lines = [
            ...Array.from({ length: 95 }, (_, i) => clf({ status: 200, ms: i + 1 })),
            ...Array.from({ length: 5 }, (_, i) => clf({ status: 502, ms: 5000 + i })),
            // Not Odoo's requests: the websocket router (long-lived by design), the platform's
            // own endpoint, and Traefik's own log lines.
            clf({ status: 200, ms: 600000, router: "erp-example-com-ws", path: "/websocket" }),
            clf({ status: 503, ms: 3, router: "prod-traffic-health" }),
            'time="2026-11-27T10:00:00Z" level=info msg="Configuration loaded from flags."',
        ];
        // 100 requests, 5 errors; the 95th of the sorted durations is 95 ms.
        assert.equal(stats(lines), "100 5 95\n");
    });

    it("reads the router and the duration from the end, whatever the client put in the request", () => {
        const hostile = clf({
            status: 200,
            ms: 7,
            path: '/web?x=" 500 1 "-" "-" 1 "erp-example-com@docker" "http://x" 99999ms',
        });
        // Router and duration hold; the status is read after the request line, which a client
        // can forge (a 5xx it could as well cause): 2 requests, p95 12 ms.
        assert.equal(stats([hostile, clf({ status: 404, ms: 12 })]), "2 1 12\n");
        assert.equal(stats([]), "0 0 0\n");
    });

    const check = (lines: string[], env: Record<string, string> = {}) => {
        const log = path.join(dir, "access.log");
        fs.writeFileSync(log, lines.join("\n") + "\n");
        const script = path.join(dir, "check.sh");
        fs.writeFileSync(script, TRAFFIC_CHECK);
        const r = spawnSync("sh", [script], {
            encoding: "utf8",
            env: {
                PATH: `${path.join(dir, "bin")}:${process.env.PATH ?? ""}`,
                LOG: log,
                DOCKER_ARGS: path.join(dir, "docker-args"),
                SPOOL: path.join(dir, "spool"),
                TRAEFIK_CONTAINER: "prod-traefik",
                ODOO_ROUTER: "erp-example-com",
                WINDOW_SECONDS: "300",
                MIN_REQUESTS: "20",
                ERROR_RATE_PERCENT: "5",
                LATENCY_P95_MS: "2000",
                ...env,
            },
        });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(
            fs.readFileSync(path.join(dir, "docker-args"), "utf8"),
            "logs --since 300s prod-traefik\n",
        );
        return fs.readFileSync(path.join(dir, "spool", "status"), "utf8");
    };
    const healthy = Array.from({ length: 40 }, (_, i) => clf({ status: 200, ms: 100 + i }));

    it("says ok under both thresholds", () => {
        assert.match(check(healthy), /^ok \d+ requests=40 errors=0 p95_ms=137 window_s=300\n$/);
    });

    it("alerts above 5 % of 5xx, not at 5 %", () => {
        const at = [
            ...healthy.slice(0, 38),
            clf({ status: 500, ms: 5 }),
            clf({ status: 502, ms: 5 }),
        ];
        assert.match(check(at), /^ok \d+ requests=40 errors=2 /);
        const above = [...at.slice(0, 37), clf({ status: 504, ms: 5 }), ...at.slice(38)];
        assert.match(
            check(above),
            /^alert \d+ requests=40 errors=3 p95_ms=\d+ window_s=300 : error rate above 5%\n$/,
        );
    });

    it("alerts when the p95 exceeds the threshold", () => {
        const slow = [
            ...healthy.slice(0, 37),
            ...Array.from({ length: 3 }, () => clf({ status: 200, ms: 4200 })),
        ];
        assert.match(
            check(slow),
            /^alert \d+ requests=40 errors=0 p95_ms=4200 window_s=300 : p95 above 2000 ms\n$/,
        );
        assert.match(check(slow, { LATENCY_P95_MS: "5000" }), /^ok /);
    });

    it("stays ok below the minimum of requests: a rate of 3 requests means nothing", () => {
        const few = [clf({ status: 500, ms: 9000 }), clf({ status: 500, ms: 9000 })];
        assert.match(check(few), /^ok \d+ requests=2 errors=2 p95_ms=9000 /);
    });

    const cgi = (status: string | undefined) => {
        const spool = path.join(dir, "cgi-spool");
        fs.rmSync(spool, { recursive: true, force: true });
        fs.mkdirSync(spool);
        if (status !== undefined) fs.writeFileSync(path.join(spool, "status"), status);
        const r = spawnSync("sh", ["-c", TRAFFIC_CGI], {
            encoding: "utf8",
            env: { PATH: process.env.PATH ?? "", SPOOL: spool },
        });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout.split("\r\n")[0];
    };

    it("the endpoint answers 200 on a fresh ok, 503 on an alert, a stale verdict or none", () => {
        const now = Math.floor(Date.now() / 1000);
        assert.equal(
            cgi(`ok ${now} requests=40 errors=0 p95_ms=138 window_s=300\n`),
            "Status: 200 OK",
        );
        const down = "Status: 503 Service Unavailable";
        assert.equal(
            cgi(`alert ${now} requests=40 errors=3 p95_ms=1 window_s=300 : error rate above 5%\n`),
            down,
        );
        assert.equal(cgi(`ok ${now - 600} requests=40 errors=0 p95_ms=138 window_s=300\n`), down);
        assert.equal(cgi(undefined), down);
    });

    it("the scripts pass shellcheck", () => {
        for (const s of [TRAFFIC_STATS, TRAFFIC_CHECK, TRAFFIC_CGI]) {
            const r = checkWith("shellcheck", ["-s", "sh"], s, ".sh");
            assert.equal(r.status, 0, r.output);
        }
    });
});

describe("traffic alerts: the resources of a production droplet", function () {
    this.timeout(120_000);
    let prod: { resources: RecordedResource[] };
    before(async () => {
        prod = await runStack("prod", { alertErrorRatePercent: "3", alertLatencyP95Ms: "1500" });
    });

    it("runs the checker every minute on Traefik's log, with the configured thresholds", () => {
        const c = one(prod.resources, T.container, "prod-traffic-check").inputs;
        assert.deepEqual(c["command"], ["crond", "-f", "-l", "8"]);
        assert.deepEqual(c["envs"], [
            "TRAEFIK_CONTAINER=prod-traefik",
            "ODOO_ROUTER=erp-example-com",
            "WINDOW_SECONDS=300",
            "MIN_REQUESTS=20",
            "ERROR_RATE_PERCENT=3",
            "LATENCY_P95_MS=1500",
        ]);
        const uploads = c["uploads"] as { file: string; content: string }[];
        assert.deepEqual(
            uploads.map((u) => u.file),
            [
                "/usr/local/bin/odoo-traffic-stats",
                "/usr/local/bin/odoo-traffic-check",
                "/etc/crontabs/root",
            ],
        );
        assert.equal(uploads[2].content, "* * * * * /usr/local/bin/odoo-traffic-check\n");
        assert.equal(c["memory"], 64);
    });

    it("serves the verdict on Odoo's host at /.platform/traffic-health, read-only", () => {
        const h = one(prod.resources, T.container, "prod-traffic-health").inputs;
        const labels = Object.fromEntries(
            (h["labels"] as { label: string; value: string }[]).map((l) => [l.label, l.value]),
        );
        assert.equal(
            labels["traefik.http.routers.prod-traffic-health.rule"],
            `Host(\`erp.example.com\`) && Path(\`${TRAFFIC_HEALTH_PATH}\`)`,
        );
        assert.equal(
            labels["traefik.http.middlewares.prod-traffic-health-path.replacepath.path"],
            "/cgi-bin/traffic-health",
        );
        assert.deepEqual(h["mounts"], [
            {
                type: "volume",
                source: "prod-traffic-spool",
                target: "/var/spool/odoo-traffic",
                readOnly: true,
            },
        ]);
    });

    it("alerts through DigitalOcean's uptime check, to the same e-mails as every alert", () => {
        const check = one(prod.resources, T.check, "prod-mon-traffic").inputs;
        assert.equal(check["target"], `https://erp.example.com${TRAFFIC_HEALTH_PATH}`);
        const alert = one(prod.resources, T.alert, "prod-mon-traffic-alert").inputs;
        assert.equal(alert["type"], "down");
        assert.equal(alert["period"], "2m");
        assert.deepEqual((alert["notifications"] as { emails: string[] }[])[0].emails, [
            "ops@example.com",
        ]);
    });

    it("defaults to the seeds' 5 % and 2000 ms; staging gets none", async () => {
        const dflt = await runStack("prod");
        const envs = inputsOf(
            ofType(dflt.resources, T.container).find((r) => r.name === "prod-traffic-check")!,
        )["envs"] as string[];
        assert.deepEqual(envs.slice(4), ["ERROR_RATE_PERCENT=5", "LATENCY_P95_MS=2000"]);
        const staging = await runStack("staging");
        assert.deepEqual(
            ofType(staging.resources, T.container).filter((r) => /traffic/.test(r.name)),
            [],
        );
    });

    it("refuses thresholds out of range, naming the key", async () => {
        await assert.rejects(
            runStack("prod", { alertErrorRatePercent: "0" }),
            /alertErrorRatePercent: must be at least 1/,
        );
        await assert.rejects(
            runStack("prod", { alertLatencyP95Ms: "2.5" }),
            /alertLatencyP95Ms: must be a whole number/,
        );
    });
});

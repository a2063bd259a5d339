import { BACKUP_IMAGES } from "../components/backup-job";
import { IMAGES } from "../components/odoo-containers";
import { strict as assert } from "assert";
import {
    firewallRules,
    SMTP_PORTS,
    rangesWithout,
    renderCloudInit,
    renderPrepareScript,
    renderWaitForHostScript,
    volumeDevice,
} from "../components/host-rendering";
import {
    OdooSettings,
    flagValue,
    odooEnv,
    odooFlags,
    renderOdooConf,
} from "../components/odoo-settings";
import { routerName, traefikFlags, traefikLabels } from "../components/traefik-labels";
import { CANONICAL_ADDONS_PATH } from "../stacks/addons";
import { checkWith } from "./helpers";

const staging: OdooSettings = {
    stage: "staging",
    database: "odoo_staging",
    workers: 2,
    maxCronThreads: 0,
    addonsPath: CANONICAL_ADDONS_PATH,
    limitMemorySoftMb: 2048,
    limitMemoryHardMb: 2560,
    limitTimeCpu: 600,
    limitTimeReal: 1200,
    smtp: { host: "staging-mailpit", port: 1025 },
};
const production: OdooSettings = {
    ...staging,
    stage: "production",
    database: "odoo",
    workers: 6,
    maxCronThreads: 2,
    smtp: {
        host: "smtp.example.com",
        port: 2525,
        user: "odoo@example.com",
        encryption: "starttls",
        from: "erp@example.com",
    },
};

describe("odoo settings", () => {
    it("renders the exact staging command line", () => {
        assert.deepEqual(odooFlags(staging), [
            "odoo",
            "--config=/etc/odoo/odoo.conf",
            "--database=odoo_staging",
            "--db-filter=^odoo_staging$",
            "--no-database-list",
            "--proxy-mode",
            "--workers=2",
            "--max-cron-threads=0",
            "--gevent-port=8072",
            "--http-port=8069",
            `--addons-path=${CANONICAL_ADDONS_PATH.join(",")}`,
            "--data-dir=/var/lib/odoo",
            `--limit-memory-soft=${2048 * 1024 * 1024}`,
            `--limit-memory-hard=${2560 * 1024 * 1024}`,
            "--limit-time-cpu=600",
            "--limit-time-real=1200",
            "--smtp=staging-mailpit",
            "--smtp-port=1025",
        ]);
    });

    const table: [string, OdooSettings, string, string | undefined][] = [
        ["production crons", production, "max-cron-threads", "2"],
        ["production SMTP host", production, "smtp", "smtp.example.com"],
        ["production SMTP user", production, "smtp-user", "odoo@example.com"],
        ["production sender", production, "email-from", "erp@example.com"],
        ["staging has no SMTP user", staging, "smtp-user", undefined],
        ["staging SMTP port is Mailpit's", staging, "smtp-port", "1025"],
        ["dbfilter pinned", production, "db-filter", "^odoo$"],
        [
            "modules to update",
            { ...staging, updateModules: ["sale", "stock"] },
            "update",
            "sale,stock",
        ],
    ];
    for (const [title, settings, flag, value] of table) {
        it(`flag --${flag}: ${title}`, () =>
            assert.equal(flagValue(odooFlags(settings), flag), value));
    }

    it("sets --smtp-ssl only in production with TLS", () => {
        assert.ok(odooFlags(production).includes("--smtp-ssl"));
        assert.ok(!odooFlags(staging).includes("--smtp-ssl"));
    });

    it("refuses cron threads outside production", () => {
        assert.throws(
            () => odooFlags({ ...staging, maxCronThreads: 1 }),
            /must be 0 on a staging stack/,
        );
        assert.throws(
            () => odooFlags({ ...staging, stage: "preview", maxCronThreads: 2 }),
            /must be 0 on a preview stack/,
        );
    });

    it("puts the stage into the environment and no password", () => {
        assert.deepEqual(odooEnv(staging, "staging-postgres", "odoo"), [
            "HOST=staging-postgres",
            "PORT=5432",
            "USER=odoo",
            "ODOO_STAGE=staging",
        ]);
    });

    it("renders odoo.conf with the secrets only", () => {
        assert.equal(
            renderOdooConf({ adminPassword: "s3cret-master-pw" }),
            "[options]\nadmin_passwd = s3cret-master-pw\n",
        );
        assert.equal(
            renderOdooConf({ adminPassword: "a", smtpPassword: "b" }),
            "[options]\nadmin_passwd = a\nsmtp_password = b\n",
        );
        assert.throws(() => renderOdooConf({ adminPassword: "" }), /must not be empty/);
        assert.throws(() => renderOdooConf({ adminPassword: "a\nlist_db = True" }), /single line/);
    });
});

describe("traefik", () => {
    it("routes a host, its websocket to the gevent port, and marks non-prod noindex", () => {
        const labels = traefikLabels({
            hosts: ["staging.example.com"],
            port: 8069,
            websocketPort: 8072,
            noindex: true,
            network: "odoo-staging",
        });
        const r = "staging-example-com";
        assert.equal(labels["traefik.enable"], "true");
        assert.equal(labels[`traefik.http.routers.${r}.rule`], "Host(`staging.example.com`)");
        assert.equal(labels[`traefik.http.routers.${r}.tls.certresolver`], "le");
        assert.equal(labels[`traefik.http.services.${r}.loadbalancer.server.port`], "8069");
        assert.equal(
            labels[`traefik.http.routers.${r}-ws.rule`],
            "Host(`staging.example.com`) && PathPrefix(`/websocket`)",
        );
        assert.equal(labels[`traefik.http.services.${r}-ws.loadbalancer.server.port`], "8072");
        assert.equal(labels[`traefik.http.routers.${r}-ws.priority`], "1000");
        assert.equal(
            labels[
                `traefik.http.middlewares.${r}-headers.headers.customResponseHeaders.X-Robots-Tag`
            ],
            "noindex, nofollow",
        );
    });

    it("has no noindex header in production and no websocket router without workers", () => {
        const labels = traefikLabels({
            hosts: ["erp.example.com"],
            port: 8069,
            noindex: false,
            network: "n",
        });
        assert.ok(!Object.keys(labels).some((k) => k.includes("X-Robots-Tag")));
        assert.ok(!Object.keys(labels).some((k) => k.includes("-ws.")));
    });

    it("names routers by host name", () => {
        assert.equal(routerName("*.dev.example.com"), "wildcard-dev-example-com");
        assert.equal(routerName("mail.dev.example.com"), "mail-dev-example-com");
    });

    it("pins releases that are still patched", () => {
        const [major, minor, patch] = IMAGES.traefik
            .replace(/^traefik:v/, "")
            .split(".")
            .map(Number);
        assert.equal(major, 3);
        // CVE-2025-32431 (a /../ path skipping another router's middlewares) is fixed in 3.3.6.
        assert.ok(minor > 3 || (minor === 3 && patch >= 6), IMAGES.traefik);
        // docker:27.5-cli (dropped 2025-02-20) and the 28 line get no rebuilds.
        assert.match(BACKUP_IMAGES.scheduler, /^docker:(29|[3-9]\d)\.\d+\.\d+-cli$/);
        for (const image of [...Object.values(IMAGES), ...Object.values(BACKUP_IMAGES)]) {
            assert.doesNotMatch(image, /:latest$|^[^:]+$/, `${image} is not pinned`);
        }
    });

    it("uses DNS-01 through Cloudflare and exposes nothing by default", () => {
        const flags = traefikFlags({ acmeEmail: "ops@example.com", network: "odoo-prod" });
        assert.ok(flags.includes("--providers.docker.exposedbydefault=false"));
        assert.ok(
            flags.includes("--certificatesresolvers.le.acme.dnschallenge.provider=cloudflare"),
        );
        assert.ok(flags.includes("--certificatesresolvers.le.acme.email=ops@example.com"));
        // Any --api.* flag switches Traefik's API on, --api.dashboard=false included.
        assert.deepEqual(
            flags.filter((f) => f.startsWith("--api")),
            [],
        );
        assert.ok(flags.includes("--entrypoints.web.http.redirections.entrypoint.scheme=https"));
    });
});

describe("host rendering", () => {
    it("leaves out exactly 25, 465 and 587 from the TCP ranges", () => {
        assert.deepEqual(rangesWithout([25, 465, 587]), ["1-24", "26-464", "466-586", "588-65535"]);
        assert.deepEqual(rangesWithout(SMTP_PORTS), [
            "1-24",
            "26-464",
            "466-586",
            "588-2524",
            "2526-65535",
        ]);
        assert.deepEqual(rangesWithout([1, 65535]), ["2-65534"]);
        assert.deepEqual(rangesWithout([]), ["1-65535"]);
    });

    it("opens SSH only to the given CIDRs and blocks outbound SMTP outside production", () => {
        const nonProd = firewallRules({ sshCidrs: ["203.0.113.10/32"], allowSmtp: false });
        assert.deepEqual(nonProd.inbound, [
            { protocol: "tcp", portRange: "80", addresses: ["0.0.0.0/0", "::/0"] },
            { protocol: "tcp", portRange: "443", addresses: ["0.0.0.0/0", "::/0"] },
            { protocol: "tcp", portRange: "22", addresses: ["203.0.113.10/32"] },
            { protocol: "icmp", addresses: ["0.0.0.0/0", "::/0"] },
        ]);
        const tcpOut = nonProd.outbound.filter((r) => r.protocol === "tcp").map((r) => r.portRange);
        assert.deepEqual(tcpOut, ["1-24", "26-464", "466-586", "588-2524", "2526-65535"]);
        // DNS over UDP, NTP and ICMP still leave the host.
        assert.ok(nonProd.outbound.some((r) => r.protocol === "udp" && r.portRange === "1-65535"));
        assert.ok(nonProd.outbound.some((r) => r.protocol === "icmp"));

        const prod = firewallRules({ sshCidrs: ["203.0.113.10/32"], allowSmtp: true });
        assert.deepEqual(
            prod.outbound.filter((r) => r.protocol === "tcp").map((r) => r.portRange),
            ["1-65535"],
        );
    });

    it("renders cloud-init that cloud-init's own schema accepts", () => {
        const userData = renderCloudInit("odoo-staging-data");
        assert.ok(userData.startsWith("#cloud-config\n"));
        assert.ok(userData.includes(volumeDevice("odoo-staging-data")));
        assert.ok(userData.includes("  - docker.io\n"));
        const r = checkWith("cloud-init", ["schema", "-c"], userData, ".yaml");
        assert.equal(r.status, 0, r.output);
    });

    it("cloud-init schema check is real: a broken document fails it", () => {
        const broken = renderCloudInit("odoo-staging-data").replace(
            "package_update: true",
            "package_update: sometimes",
        );
        const r = checkWith("cloud-init", ["schema", "-c"], broken, ".yaml");
        assert.notEqual(r.status, 0, "cloud-init schema accepted an invalid document");
    });

    it("refuses a volume name that would break the device path", () => {
        assert.throws(() => renderCloudInit("Data Volume"), /volume name/);
    });

    for (const [title, script] of [
        ["host preparation script", renderPrepareScript()],
        ["wait-for-host script", renderWaitForHostScript("root", "203.0.113.5")],
    ] as const) {
        it(`${title} passes shellcheck`, () => {
            const r = checkWith("shellcheck", ["--shell=sh", "--severity=style"], script, ".sh");
            assert.equal(r.status, 0, r.output);
        });
    }

    it("shellcheck is real: a sloppy script fails it", () => {
        const r = checkWith("shellcheck", ["--shell=sh"], "#!/bin/sh\nrm -rf $DIR/*\n", ".sh");
        assert.notEqual(r.status, 0);
    });
});

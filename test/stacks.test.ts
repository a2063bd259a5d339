import { strict as assert } from "assert";
import { renderBackupScript, renderRestoreScript } from "../components/backup-scripts";
import { renderTemplateRefreshScript } from "../components/preview-scripts";
import { CORE_ADDONS_PATH } from "../stacks/addons";
import { ENTRYPOINT_PATH, ENTRYPOINT_SCRIPT } from "../components/odoo-init";
import * as fs from "fs";
import * as path from "path";
import { ProgramRun, RecordedResource, inputsOf } from "./doubles/mock-cloud";
import { countByType, holdsSecret, one, ofType, runStack } from "./helpers";

const T = {
    vpc: "digitalocean:index/vpc:Vpc",
    droplet: "digitalocean:index/droplet:Droplet",
    volume: "digitalocean:index/volume:Volume",
    ip: "digitalocean:index/reservedIp:ReservedIp",
    ipAssign: "digitalocean:index/reservedIpAssignment:ReservedIpAssignment",
    sshKey: "digitalocean:index/sshKey:SshKey",
    firewall: "digitalocean:index/firewall:Firewall",
    bucket: "digitalocean:index/spacesBucket:SpacesBucket",
    spacesKey: "digitalocean:index/spacesKey:SpacesKey",
    alert: "digitalocean:index/monitorAlert:MonitorAlert",
    uptime: "digitalocean:index/uptimeCheck:UptimeCheck",
    uptimeAlert: "digitalocean:index/uptimeAlert:UptimeAlert",
    record: "cloudflare:index/dnsRecord:DnsRecord",
    zoneSetting: "cloudflare:index/zoneSetting:ZoneSetting",
    token: "cloudflare:index/apiToken:ApiToken",
    container: "docker:index/container:Container",
    image: "docker:index/remoteImage:RemoteImage",
    network: "docker:index/network:Network",
    dockerProvider: "pulumi:providers:docker",
    ready: "command:local:Command",
};

function containerEnv(run: ProgramRun, name: string): string[] {
    return one(run.resources, T.container, name).inputs["envs"] as string[];
}

describe("staging stack (offline, mocked cloud)", function () {
    let run: ProgramRun;
    before(async () => {
        run = await runStack("staging");
    });

    it("registers exactly the expected resources", () => {
        assert.deepEqual(countByType(run.resources), {
            "pulumi:pulumi:Stack": 1,
            "odoo-platform:host:OdooHost": 1,
            "odoo-platform:dns:WildcardDns": 1,
            "odoo-platform:host:OdooContainers": 1,
            "odoo-platform:monitoring:Monitoring": 1,
            "odoo-platform:backup:BackupJob": 1,
            "odoo-platform:github:GithubWiring": 1,
            // People and logging, applied over SSH (components/host-settings.ts).
            "odoo-platform:host:HostSettings": 1,
            // Environments staging (deployments) and preview (pull requests), the build's variables.
            "github:index/repositoryEnvironment:RepositoryEnvironment": 2,
            "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret": 5,
            "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable": 4,
            "github:index/actionsVariable:ActionsVariable": 3,
            [T.vpc]: 1,
            [T.sshKey]: 1,
            [T.volume]: 1,
            [T.droplet]: 1,
            [T.ip]: 1,
            [T.ipAssign]: 1,
            [T.firewall]: 1,
            // staging-ready, staging-settings-people, staging-settings-logging
            [T.ready]: 3,
            [T.dockerProvider]: 1,
            [T.token]: 1,
            [T.record]: 3,
            [T.network]: 1,
            [T.image]: 6,
            [T.container]: 6,
            [T.uptime]: 1,
            [T.uptimeAlert]: 3,
            [T.alert]: 3,
        });
    });

    it("parents every resource under its component", () => {
        const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
        for (const r of run.resources) {
            if (r.type === "pulumi:pulumi:Stack") continue;
            const parent = byUrn.get(r.parent);
            assert.ok(parent, `${r.name} has no recorded parent`);
            if (r.type.startsWith("odoo-platform:")) {
                const top = parent.type === "pulumi:pulumi:Stack";
                assert.ok(top || parent.type.startsWith("odoo-platform:"), r.name);
            } else
                assert.ok(
                    parent.type.startsWith("odoo-platform:"),
                    `${r.name} sits under ${parent.type}`,
                );
        }
    });

    it("opens SSH to the configured CIDR only and blocks outbound SMTP", () => {
        const fw = one(run.resources, T.firewall, "staging-fw").inputs;
        assert.deepEqual(fw["inboundRules"], [
            { protocol: "tcp", portRange: "80", sourceAddresses: ["0.0.0.0/0", "::/0"] },
            { protocol: "tcp", portRange: "443", sourceAddresses: ["0.0.0.0/0", "::/0"] },
            { protocol: "tcp", portRange: "22", sourceAddresses: ["203.0.113.10/32"] },
            { protocol: "icmp", sourceAddresses: ["0.0.0.0/0", "::/0"] },
        ]);
        assert.deepEqual(fw["outboundRules"], [
            { protocol: "tcp", portRange: "1-24", destinationAddresses: ["0.0.0.0/0", "::/0"] },
            { protocol: "tcp", portRange: "26-464", destinationAddresses: ["0.0.0.0/0", "::/0"] },
            { protocol: "tcp", portRange: "466-586", destinationAddresses: ["0.0.0.0/0", "::/0"] },
            { protocol: "tcp", portRange: "588-2524", destinationAddresses: ["0.0.0.0/0", "::/0"] },
            {
                protocol: "tcp",
                portRange: "2526-65535",
                destinationAddresses: ["0.0.0.0/0", "::/0"],
            },
            { protocol: "udp", portRange: "1-65535", destinationAddresses: ["0.0.0.0/0", "::/0"] },
            { protocol: "icmp", destinationAddresses: ["0.0.0.0/0", "::/0"] },
        ]);
    });

    it("runs Odoo neutralized: no crons, mail to the stack's Mailpit, stage in the env", () => {
        const odoo = one(run.resources, T.container, "staging-odoo").inputs;
        const cmd = odoo["command"] as string[];
        assert.ok(cmd.includes("--max-cron-threads=0"));
        assert.ok(cmd.includes("--smtp=staging-mailpit"));
        assert.ok(cmd.includes("--smtp-port=1025"));
        assert.ok(!cmd.some((c) => c.startsWith("--smtp-user") || c === "--smtp-ssl"));
        assert.ok(cmd.includes("--no-database-list"));
        assert.ok(cmd.includes("--db-filter=^odoo_staging$"));
        // The official image holds the core addons only; anything else stops Odoo at start.
        assert.ok(cmd.includes(`--addons-path=${CORE_ADDONS_PATH}`));
        assert.ok(cmd.includes("--limit-memory-hard=805306368")); // 768 MB
        // (2 workers + 1 gevent) x 768 MB + 256 MB: every process fits at its hard limit.
        assert.equal(odoo["memory"], 2560);
        const env = containerEnv(run, "staging-odoo");
        assert.ok(env.includes("ODOO_STAGE=staging"));
        assert.ok(env.includes("HOST=staging-postgres"));
        const labels = odoo["labels"] as { label: string; value: string }[];
        assert.ok(
            labels.some((l) => l.label.endsWith("X-Robots-Tag") && l.value === "noindex, nofollow"),
        );
    });

    it("keeps every password a secret on the wire", () => {
        const odoo = one(run.resources, T.container, "staging-odoo").resource;
        assert.ok(holdsSecret(odoo.rawInputs["uploads"]), "odoo.conf upload is not secret");
        assert.ok(holdsSecret(odoo.rawInputs["envs"]), "PASSWORD env is not secret");
        const conf = (inputsOf(odoo)["uploads"] as { file: string; content: string }[])[0];
        assert.equal(conf.file, "/etc/odoo/odoo.conf");
        assert.match(
            conf.content,
            /^\[options\]\nadmin_passwd = preview-placeholder-adminPassword\n$/,
        );
        for (const name of ["staging-traefik", "staging-postgres", "staging-mailpit"]) {
            assert.ok(
                holdsSecret(one(run.resources, T.container, name).resource.rawInputs["envs"]),
                name,
            );
        }
        const mailpitEnv = containerEnv(run, "staging-mailpit");
        // Its own login, and the door's, which the browser sends through the door.
        assert.ok(
            mailpitEnv.includes(
                "MP_UI_AUTH=mailpit:preview-placeholder-mailpitUiPassword team:preview-placeholder-nonProdAccessPassword",
            ),
        );
    });

    it("publishes no database port", () => {
        const pg = one(run.resources, T.container, "staging-postgres").inputs;
        assert.equal(pg["ports"], undefined);
        const traefik = one(run.resources, T.container, "staging-traefik").inputs;
        assert.deepEqual(traefik["ports"], [
            { internal: 80, external: 80 },
            { internal: 443, external: 443 },
        ]);
    });

    it("serves staging proxied and the dev names DNS-only", () => {
        const records = ofType(run.resources, T.record).map((r) => {
            const i = inputsOf(r);
            return [i["name"], i["type"], i["proxied"], i["ttl"]];
        });
        assert.deepEqual(records, [
            ["staging.example.com", "A", true, 1],
            ["*.dev.example.com", "A", false, 300],
            ["mail.dev.example.com", "A", false, 300],
        ]);
        const ip = one(run.resources, T.ip, "staging-ip").resource;
        assert.ok(ip);
        assert.equal(
            ofType(run.resources, T.zoneSetting).length,
            0,
            "staging must not own zone settings",
        );
    });

    it("scopes the Traefik token to DNS edit on this one zone", () => {
        const token = one(run.resources, T.token, "staging-dns-traefik-token").inputs;
        const policies = token["policies"] as {
            effect: string;
            resources: string;
            permissionGroups: { id: string }[];
        }[];
        assert.equal(policies.length, 1);
        assert.equal(policies[0].effect, "allow");
        assert.deepEqual(JSON.parse(policies[0].resources), {
            "com.cloudflare.api.account.zone.0123456789abcdef0123456789abcdef": "*",
        });
        assert.equal(policies[0].permissionGroups.length, 2);
        const tr = one(run.resources, T.token, "staging-dns-traefik-token").resource;
        assert.ok(tr.additionalSecretOutputs.includes("value"));
    });

    it("does not protect staging data but keeps the volume on destroy", () => {
        const vol = one(run.resources, T.volume, "staging-data").resource;
        assert.equal(vol.protect, false);
        assert.equal(vol.retainOnDelete, true);
        assert.equal(ofType(run.resources, T.bucket).length, 0);
    });

    it("creates containers only after the host is ready, through the SSH Docker provider", () => {
        const provider = one(run.resources, T.dockerProvider, "staging-docker");
        assert.equal(
            provider.inputs["host"],
            `ssh://root@${inputsOf(one(run.resources, T.ipAssign, "staging-ip-assignment").resource)["ipAddress"]}`,
        );
        const ready = one(run.resources, T.ready, "staging-ready").resource;
        assert.ok(provider.resource.dependencies.includes(ready.urn));
        const assignment = one(run.resources, T.ipAssign, "staging-ip-assignment").resource;
        const firewall = one(run.resources, T.firewall, "staging-fw").resource;
        assert.ok(
            ready.dependencies.includes(assignment.urn),
            "SSH before the IP points at the host",
        );
        assert.ok(ready.dependencies.includes(firewall.urn), "SSH before the firewall admits it");
        for (const c of ofType(run.resources, T.container)) {
            assert.ok(
                c.provider.startsWith(provider.resource.urn),
                `${c.name} not on the SSH provider`,
            );
        }
    });

    it("alerts on CPU, memory and disk and probes /web/health", () => {
        const types = ofType(run.resources, T.alert)
            .map((r) => inputsOf(r)["type"])
            .sort();
        assert.deepEqual(types, [
            "v1/insights/droplet/cpu",
            "v1/insights/droplet/disk_utilization_percent",
            "v1/insights/droplet/memory_utilization_percent",
        ]);
        const droplet = one(run.resources, T.droplet, "staging-droplet");
        const dropletId = one(run.resources, T.ipAssign, "staging-ip-assignment").inputs[
            "dropletId"
        ];
        assert.equal(typeof dropletId, "number");
        for (const a of ofType(run.resources, T.alert)) {
            assert.deepEqual(inputsOf(a)["entities"], [String(dropletId)]);
            assert.deepEqual((inputsOf(a)["alerts"] as { emails: string[] }).emails, [
                "ops@example.com",
            ]);
        }
        assert.ok(droplet.inputs["monitoring"]);
        assert.equal(
            one(run.resources, T.uptime, "staging-mon-health").inputs["target"],
            "https://staging.example.com/web/health",
        );
        assert.deepEqual(
            ofType(run.resources, T.uptimeAlert)
                .map((r) => inputsOf(r)["type"])
                .sort(),
            ["down", "latency", "ssl_expiry"],
        );
    });

    it("exports URLs and addresses; the dev host's secrets only as secrets", () => {
        assert.equal(run.outputs["url"], "https://staging.example.com");
        assert.equal(run.outputs["mailUrl"], "https://mail.dev.example.com");
        assert.equal(run.outputs["devDomain"], "dev.example.com");
        assert.equal(run.outputs["templateDatabase"], "odoo_pr_template");
        assert.equal(run.outputs["prTtlDays"], 14);
        assert.match(String(run.outputs["hostIp"]), /^203\.0\.113\.\d+$/);
        assert.deepEqual(run.outputs["dev"], {
            address: run.outputs["hostIp"],
            network: "odoo-staging",
            postgresContainer: "staging-postgres",
            mailpitContainer: "staging-mailpit",
            templateDatabase: "odoo_pr_template",
            filestoreRoot: "/mnt/odoo-data/odoo/filestore",
            devDomain: "dev.example.com",
            max: 8,
            memoryMb: 1536,
            door: "nonprod-door@docker",
        });
        const { devPostgresPassword, devAdminPassword, ...plainOutputs } = run.rawOutputs;
        assert.ok(holdsSecret(devPostgresPassword), "devPostgresPassword is not a secret output");
        assert.ok(holdsSecret(devAdminPassword), "devAdminPassword is not a secret output");
        assert.doesNotMatch(JSON.stringify(plainOutputs), /placeholder|preview-cloudflare-token/);
    });
});

describe("production stack (offline, mocked cloud)", function () {
    let run: ProgramRun;
    before(async () => {
        run = await runStack("prod");
    });

    const dataOf = (r: readonly RecordedResource[]) =>
        r.filter((x) => [T.volume, T.ip, T.bucket].includes(x.type));

    it("protects the volume, the reserved IP and the backup bucket, and only those", () => {
        const protectedNames = run.resources
            .filter((r) => r.protect)
            .map((r) => r.name)
            .sort();
        assert.deepEqual(protectedNames, [
            "prod-backup-bucket",
            "prod-data",
            "prod-github-environment",
            "prod-ip",
        ]);
        for (const r of dataOf(run.resources)) assert.equal(r.retainOnDelete, true, r.name);
        assert.equal(
            one(run.resources, T.droplet, "prod-droplet").resource.deleteBeforeReplace,
            true,
        );
    });

    it("keeps backups private, versioned, expiring, in another region, with a bucket-only key", () => {
        const bucket = one(run.resources, T.bucket, "prod-backup-bucket").inputs;
        assert.equal(bucket["acl"], "private");
        assert.equal(bucket["region"], "ams3");
        assert.notEqual(
            bucket["region"],
            one(run.resources, T.droplet, "prod-droplet").inputs["region"],
        );
        assert.deepEqual(bucket["versioning"], { enabled: true });
        assert.equal(bucket["forceDestroy"], false);
        assert.deepEqual(bucket["lifecycleRules"], [
            {
                id: "expire-noncurrent-versions",
                enabled: true,
                noncurrentVersionExpiration: { days: 30 },
                abortIncompleteMultipartUploadDays: 7,
            },
            // The backup-download workflow's archives: gone a day later, every version.
            {
                id: "expire-downloads",
                enabled: true,
                prefix: "downloads/",
                expiration: { days: 1 },
                noncurrentVersionExpiration: { days: 1 },
                abortIncompleteMultipartUploadDays: 1,
            },
        ]);
        const key = one(run.resources, T.spacesKey, "prod-backup-key").inputs;
        assert.deepEqual(key["grants"], [
            { bucket: "example-com-odoo-backups", permission: "readwrite" },
        ]);
    });

    it("starts Odoo after a one-shot first start: base without demo data, the admin login's password set", () => {
        const init = one(run.resources, T.container, "prod-odoo-init");
        const odoo = one(run.resources, T.container, "prod-odoo");
        const flags = odoo.inputs["command"] as string[];
        const command = init.inputs["command"] as string[];
        assert.deepEqual(command.slice(0, 2), ["odoo-platform-entrypoint", "init"]);
        // The stack's flags, but for those the first start sets itself.
        const roleFlags = /^--(config|workers|max-cron-threads|http-port|gevent-port|db-filter)=/;
        assert.deepEqual(
            command.slice(2, -5),
            flags.slice(1).filter((f) => !roleFlags.test(f)),
        );
        assert.deepEqual(command.slice(-5), [
            "--workers=0",
            "--max-cron-threads=0",
            "--no-http",
            "--without-demo=all",
            "--stop-after-init",
        ]);
        assert.deepEqual(init.inputs["envs"], [
            "PGHOST=prod-postgres",
            "PGPORT=5432",
            "PGUSER=odoo",
            "PGDATABASE=odoo",
            "ODOO_STAGE=production",
            "PGPASSWORD=preview-placeholder-postgresPassword",
            "ODOO_ADMIN_PASSWD=preview-placeholder-adminPassword",
        ]);
        assert.ok(holdsSecret(init.resource.rawInputs["envs"]), "the envs travel as a secret");
        // The platform's entrypoint, exactly as the platform's image carries it.
        assert.deepEqual(init.inputs["uploads"], [
            { file: ENTRYPOINT_PATH, content: ENTRYPOINT_SCRIPT, executable: true },
        ]);
        assert.equal(
            ENTRYPOINT_SCRIPT,
            fs.readFileSync(
                path.join(__dirname, "..", "tools", "odoo-image", "odoo-platform-entrypoint"),
                "utf8",
            ),
        );
        assert.equal(init.inputs["image"], odoo.inputs["image"]);
        assert.deepEqual(init.inputs["mounts"], odoo.inputs["mounts"]);
        assert.equal(init.inputs["restart"], "no");
        assert.equal(init.inputs["mustRun"], false);
        assert.equal(init.inputs["attach"], true);
        // The database first, then the first start, then Odoo.
        assert.ok(
            init.resource.dependencies.includes(
                one(run.resources, T.container, "prod-postgres").resource.urn,
            ),
        );
        assert.ok(odoo.resource.dependencies.includes(init.resource.urn));
    });

    it("sends real mail and runs crons in production only", () => {
        const cmd = one(run.resources, T.container, "prod-odoo").inputs["command"] as string[];
        assert.ok(cmd.includes("--max-cron-threads=2"));
        assert.ok(cmd.includes("--smtp=smtp.example.com"));
        assert.ok(cmd.includes("--smtp-port=2525"));
        assert.ok(cmd.includes("--smtp-user=odoo@example.com"));
        assert.ok(cmd.includes("--smtp-ssl")); // STARTTLS, as Odoo reads the flag
        assert.ok(cmd.includes("--workers=4"));
        // (4 workers + 2 cron + 1 gevent) x 768 MB + 256 MB
        assert.equal(one(run.resources, T.container, "prod-odoo").inputs["memory"], 5632);
        assert.ok(containerEnv(run, "prod-odoo").includes("ODOO_STAGE=production"));
        const conf = (
            one(run.resources, T.container, "prod-odoo").inputs["uploads"] as { content: string }[]
        )[0];
        assert.match(conf.content, /smtp_password = preview-placeholder-smtpPassword/);
        const names = ofType(run.resources, T.container)
            .map((r) => r.name)
            .sort();
        assert.deepEqual(names, [
            "prod-backup",
            "prod-backup-health",
            // The GitOps secret's delivery (gitops.ts) and the traffic alerts (traffic-alerts.ts).
            "prod-gitops-parameter",
            "prod-odoo",
            "prod-odoo-init",
            "prod-postgres",
            "prod-traefik",
            "prod-traffic-check",
            "prod-traffic-health",
        ]);
        const fw = one(run.resources, T.firewall, "prod-fw").inputs;
        assert.deepEqual(
            (fw["outboundRules"] as { protocol: string; portRange?: string }[])
                .filter((r) => r.protocol === "tcp")
                .map((r) => r.portRange),
            ["1-65535"],
        );
    });

    it("owns the zone's TLS settings and proxies erp", () => {
        const settings = ofType(run.resources, T.zoneSetting).map((r) => {
            const i = inputsOf(r);
            return [i["settingId"], i["value"]];
        });
        assert.deepEqual(settings, [
            ["ssl", "strict"],
            ["always_use_https", "on"],
            ["min_tls_version", "1.2"],
        ]);
        const erp = one(run.resources, T.record, "prod-dns-erp").inputs;
        assert.equal(erp["name"], "erp.example.com");
        assert.equal(erp["proxied"], true);
        const labels = one(run.resources, T.container, "prod-odoo").inputs["labels"] as {
            label: string;
        }[];
        assert.ok(!labels.some((l) => l.label.endsWith("X-Robots-Tag")));
    });

    it("exports the URL and the bucket", () => {
        assert.equal(run.outputs["url"], "https://erp.example.com");
        assert.equal(run.outputs["backupBucket"], "example-com-odoo-backups");
        assert.equal(run.outputs["backupEndpoint"], "https://ams3.digitaloceanspaces.com");
    });
});

describe("a config error", () => {
    it("stops the program before any resource is registered", async () => {
        let recorded = -1;
        await assert.rejects(
            runStack("staging", { smtpHost: "smtp.example.com", region: "mars1" }).then((r) => {
                recorded = r.resources.length;
            }),
            (e: Error) => {
                assert.match(
                    e.message,
                    /odoo-platform:smtpHost: must not be set on a staging stack/,
                );
                assert.match(e.message, /odoo-platform:region: must be a DigitalOcean region/);
                return true;
            },
        );
        assert.equal(recorded, -1);
    });
});

describe("backup job in the program (offline, mocked cloud)", function () {
    let prod: ProgramRun;
    let staging: ProgramRun;
    before(async () => {
        prod = await runStack("prod");
        staging = await runStack("staging");
    });

    it("backs production up nightly to restic on the off-site bucket, credentials secret", () => {
        const job = one(prod.resources, T.container, "prod-backup");
        const env = job.inputs["envs"] as string[];
        assert.ok(
            env.includes(
                "RESTIC_REPOSITORY=s3:https://ams3.digitaloceanspaces.com/example-com-odoo-backups/restic",
            ),
        );
        assert.ok(env.includes("RESTIC_PASSWORD=preview-placeholder-resticPassword"));
        assert.ok(env.includes("AWS_ACCESS_KEY_ID=DO00PREVIEWKEY"));
        assert.ok(env.includes("AWS_SECRET_ACCESS_KEY=preview-secret-key"));
        assert.ok(env.includes("PGDATABASE=odoo"));
        assert.ok(env.includes("PGHOST=prod-postgres"));
        assert.ok(env.includes("TOOLS=docker"));
        assert.ok(env.includes("RESTIC_IMAGE=restic/restic:0.18.0"));
        // odoo neutralize of a staging refresh finds custom modules through the stack's path.
        const odooCmd = one(prod.resources, T.container, "prod-odoo").inputs["command"] as string[];
        const addons = odooCmd.find((f) => f.startsWith("--addons-path="))!.slice(14);
        assert.ok(env.includes(`ADDONS_PATH=${addons}`), env.join("\n"));
        assert.ok(holdsSecret(job.resource.rawInputs["envs"]));
        const uploads = Object.fromEntries(
            (job.inputs["uploads"] as { file: string; content: string }[]).map((u) => [
                u.file,
                u.content,
            ]),
        );
        assert.equal(uploads["/usr/local/bin/odoo-backup"], renderBackupScript());
        assert.equal(uploads["/usr/local/bin/odoo-restore"], renderRestoreScript());
        assert.equal(
            uploads["/etc/crontabs/root"],
            "15 2 * * * /usr/local/bin/odoo-backup --if-exists >>/proc/1/fd/1 2>&1\n",
        );
        assert.deepEqual(job.inputs["command"], ["crond", "-f", "-l", "8"]);
    });

    it("takes a backup before every Odoo image change, and Odoo waits for it", () => {
        const cmd = one(prod.resources, T.ready, "prod-pre-upgrade-backup");
        assert.deepEqual(cmd.inputs["triggers"], ["odoo:18.0"]);
        assert.match(
            String(cmd.inputs["create"]),
            /^ssh .*root@203\.0\.113\.\d+ docker exec prod-backup odoo-backup --if-exists$/,
        );
        const odoo = one(prod.resources, T.container, "prod-odoo").resource;
        assert.ok(odoo.dependencies.includes(cmd.resource.urn));
    });

    it("alerts when the newest backup is older than a day", () => {
        const health = one(prod.resources, T.container, "prod-backup-health").inputs;
        const labels = Object.fromEntries(
            (health["labels"] as { label: string; value: string }[]).map((l) => [l.label, l.value]),
        );
        assert.equal(
            labels["traefik.http.routers.prod-backup-health.rule"],
            "Host(`erp.example.com`) && Path(`/.platform/backup-health`)",
        );
        assert.equal(
            labels["traefik.http.middlewares.prod-backup-health-path.replacepath.path"],
            "/cgi-bin/backup-health",
        );
        const check = one(prod.resources, T.uptime, "prod-mon-backup-fresh").inputs;
        assert.equal(check["target"], "https://erp.example.com/.platform/backup-health");
        const alert = one(prod.resources, T.uptimeAlert, "prod-mon-backup-stale").inputs;
        assert.equal(alert["type"], "down");
        assert.equal(alert["checkId"], "prod-mon-backup-fresh-id");
    });

    it("gives staging restore and template tooling only: no backups, no bucket credentials", () => {
        const job = one(staging.resources, T.container, "staging-backup");
        const env = job.inputs["envs"] as string[];
        assert.ok(
            !env.some((e) => /^(RESTIC_REPOSITORY|RESTIC_PASSWORD|AWS_)/.test(e)),
            env.join(" "),
        );
        assert.ok(env.includes("BASE_URL=https://staging.example.com"));
        assert.ok(env.includes("MAILPIT_HOST=staging-mailpit"));
        assert.ok(env.includes("PGDATABASE=odoo_staging"));
        const crontab = (job.inputs["uploads"] as { file: string; content: string }[]).find(
            (u) => u.file === "/etc/crontabs/root",
        );
        assert.equal(
            crontab?.content,
            "# no backups here: backups run in production\n" +
                "30 3 * * * /usr/local/bin/odoo-template-refresh >>/proc/1/fd/1 2>&1\n",
        );
        const refresh = (job.inputs["uploads"] as { file: string; content: string }[]).find(
            (u) => u.file === "/usr/local/bin/odoo-template-refresh",
        );
        assert.equal(refresh?.content, renderTemplateRefreshScript());
        assert.equal(
            ofType(staging.resources, T.ready).filter((r) => r.name.includes("pre-upgrade")).length,
            0,
        );
    });
});

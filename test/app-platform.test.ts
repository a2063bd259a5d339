import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    APP_ENTRYPOINT,
    appRunCommand,
    commandLine,
    imageSource,
    ingressRules,
    webMaxConnections,
} from "../components/app-spec";
import { GRANT_SQL, versionProblem } from "../components/managed-database";
import { odooSettings } from "../stacks/environment";
import { parseConfig } from "../stacks/config";
import { estimateCost } from "../tools/cost";
import { renderPlan } from "../tools/plan";
import { ProgramRun, inputsOf, isSecret, mockId, runProgram } from "./doubles/mock-cloud";
import { PgServer, psql, startPostgres } from "./doubles/pg";
import {
    APP_EXAMPLE,
    ROOT,
    checkWith,
    exampleConfig,
    holdsSecret,
    one,
    ofType,
    runAppStack,
    runStack,
} from "./helpers";

const T = {
    app: "digitalocean:index/app:App",
    cluster: "digitalocean:index/databaseCluster:DatabaseCluster",
    db: "digitalocean:index/databaseDb:DatabaseDb",
    user: "digitalocean:index/databaseUser:DatabaseUser",
    pool: "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool",
    dbFirewall: "digitalocean:index/databaseFirewall:DatabaseFirewall",
    record: "cloudflare:index/dnsRecord:DnsRecord",
    token: "cloudflare:index/apiToken:ApiToken",
    container: "docker:index/container:Container",
    droplet: "digitalocean:index/droplet:Droplet",
    vpc: "digitalocean:index/vpc:Vpc",
    alert: "digitalocean:index/monitorAlert:MonitorAlert",
};

type Raw = Record<string, unknown>;
type Env = { key: string; value: unknown; type: string; scope: string };
type Component = Raw & { name: string; envs?: Env[]; runCommand?: string };

/** The app's spec as the provider receives it: secrets keep their wire signature. */
function rawSpec(run: ProgramRun): Raw {
    const app = ofType(run.resources, T.app);
    assert.equal(app.length, 1);
    return app[0].rawInputs["spec"] as Raw;
}
const components = (spec: Raw, list: string) => (spec[list] ?? []) as Component[];
const byName = (spec: Raw, list: string, name: string) => {
    const c = components(spec, list).find((x) => x.name === name);
    assert.ok(c, `no ${list} component ${name}`);
    return c;
};
const envOf = (c: Component, key: string) => c.envs?.find((e) => e.key === key);
const plainConfig = (stack: "prod" | "staging") =>
    parseConfig(stack, exampleConfig(stack, {}, APP_EXAMPLE(stack)).config);

describe("App Platform runtime", function () {
    this.timeout(120_000);
    let prod: ProgramRun;
    let staging: ProgramRun;
    before(async () => {
        prod = await runAppStack("prod");
        staging = await runAppStack("staging");
    });

    it("runs exactly web, a cron worker and the PRE_DEPLOY upgrade in production", () => {
        const spec = rawSpec(prod);
        const shape = (list: string) =>
            components(spec, list).map((c) => ({
                name: c.name,
                instanceCount: c["instanceCount"],
                instanceSizeSlug: c["instanceSizeSlug"],
                httpPort: c["httpPort"],
                kind: c["kind"],
            }));
        assert.deepEqual(shape("services"), [
            {
                name: "web",
                instanceCount: 2,
                instanceSizeSlug: "apps-d-1vcpu-4gb",
                httpPort: 8069,
                kind: undefined,
            },
        ]);
        assert.deepEqual(shape("workers"), [
            {
                name: "cron",
                instanceCount: 1,
                instanceSizeSlug: "apps-d-1vcpu-4gb",
                httpPort: undefined,
                kind: undefined,
            },
            // The off-site backups (test/app-platform-backup.test.ts).
            {
                name: "backup",
                instanceCount: 1,
                instanceSizeSlug: "apps-s-1vcpu-1gb",
                httpPort: undefined,
                kind: undefined,
            },
        ]);
        assert.deepEqual(shape("jobs"), [
            {
                name: "upgrade",
                instanceCount: 1,
                instanceSizeSlug: "apps-d-1vcpu-4gb",
                httpPort: undefined,
                kind: "PRE_DEPLOY",
            },
        ]);
        assert.equal(spec["region"], "fra");
        assert.equal(spec["name"], "odoo-prod");
    });

    it("gives each process the droplet runtime's stage flags and only its own role's differences", () => {
        const cfg = plainConfig("prod");
        const settings = odooSettings(cfg);
        const spec = rawSpec(prod);
        const commands: Record<string, string> = {
            web: String(byName(spec, "services", "web").runCommand),
            cron: String(byName(spec, "workers", "cron").runCommand),
            upgrade: String(byName(spec, "jobs", "upgrade").runCommand),
        };
        for (const [role, line] of Object.entries(commands)) {
            const maxConn = role === "web" ? 44 : undefined;
            assert.equal(
                line,
                commandLine(appRunCommand(role as "web", settings, "18.0", maxConn)),
                role,
            );
            const argv = line.split(" ");
            assert.deepEqual(argv.slice(0, 2), [APP_ENTRYPOINT, role]);
            for (const f of [
                "--database=odoo",
                "--no-database-list",
                "--proxy-mode",
                "--smtp=smtp.example.com",
                "--smtp-ssl",
                "--load=base,web,session_redis",
                `--addons-path=${cfg.odooAddonsPath.join(",")}`,
            ]) {
                assert.ok(argv.includes(f), `${role} lacks ${f}`);
            }
            // One database, pinned by --database; no database listing.
            assert.ok(!argv.some((a) => a.startsWith("--db-filter")), role);
            assert.ok(!argv.some((a) => a.startsWith("--config")), role);
        }
        const tail = (line: string) => line.split(" --load=")[1].split(" ").slice(1);
        // Threaded: one process serves HTTP and /websocket on the one port App Platform routes;
        // prefork would start a gevent process on another port beside every instance.
        assert.deepEqual(tail(commands.web), [
            "--workers=0",
            "--max-cron-threads=0",
            "--http-port=8069",
            "--db_maxconn=44",
        ]);
        for (const line of Object.values(commands)) {
            assert.ok(!line.includes("--gevent-port"), line);
        }
        assert.deepEqual(tail(commands.cron), ["--workers=0", "--max-cron-threads=2", "--no-http"]);
        // No release asked for updates: the job initializes a first deploy's database and moves
        // attachments, and updates nothing; never every module.
        assert.deepEqual(tail(commands.upgrade), [
            "--workers=0",
            "--max-cron-threads=0",
            "--no-http",
            "--without-demo=all",
            "--stop-after-init",
        ]);
    });

    it("updates exactly the modules a release asks for, in the upgrade job alone", async () => {
        const run = await runAppStack("prod", {
            odooUpdateModules: '["example_reminder","sale"]',
        });
        const spec = rawSpec(run);
        assert.match(
            String(byName(spec, "jobs", "upgrade").runCommand),
            / --no-http --update=example_reminder,sale --without-demo=all --stop-after-init$/,
        );
        for (const [list, name] of [
            ["services", "web"],
            ["workers", "cron"],
        ]) {
            assert.ok(!String(byName(spec, list, name).runCommand).includes("--update"), name);
        }
        assert.throws(
            () =>
                parseConfig(
                    "prod",
                    exampleConfig("prod", { odooUpdateModules: '["example_reminder"]' }).config,
                ),
            /odoo-platform:odooUpdateModules: must not be set on the droplet runtime/,
        );
    });

    it("follows the Odoo version: 19 keeps its rpc module and has no --without-demo", () => {
        const settings = odooSettings(plainConfig("prod"));
        const v19 = appRunCommand("upgrade", settings, "19.0");
        assert.ok(v19.includes("--load=base,rpc,web,session_redis"), v19.join(" "));
        assert.ok(!v19.some((a) => a.startsWith("--without-demo")));
        const v17 = appRunCommand("web", settings, "17.0");
        assert.ok(v17.includes("--load=base,web,session_redis"), v17.join(" "));
    });

    it("keeps web from traffic until the login page renders, and routes all of Odoo's host to it", () => {
        const spec = rawSpec(prod);
        const web = byName(spec, "services", "web");
        // Readiness: the login page fails when a server-wide module did not load (observed on
        // Odoo 18, test/odoo/flags.contract.ts), while /web/health still answers 200.
        assert.deepEqual(web["healthCheck"], {
            httpPath: "/web/login",
            port: 8069,
            initialDelaySeconds: 30,
            periodSeconds: 10,
            timeoutSeconds: 10,
            failureThreshold: 6,
        });
        assert.deepEqual(web["livenessHealthCheck"], {
            httpPath: "/web/health",
            port: 8069,
            initialDelaySeconds: 60,
            periodSeconds: 30,
            timeoutSeconds: 5,
            failureThreshold: 5,
        });
        assert.deepEqual(spec["ingress"], {
            rules: [
                {
                    component: { name: "web", preservePathPrefix: true },
                    match: { authority: { exact: "erp.example.com" }, path: { prefix: "/" } },
                },
            ],
        });
        assert.deepEqual(spec["domainNames"], [{ name: "erp.example.com", type: "PRIMARY" }]);
        // The deprecated fields are never used: ingress and domainNames replace them.
        assert.equal(spec["domains"], undefined);
        for (const s of components(spec, "services")) {
            assert.equal(s["routes"], undefined, s.name);
            assert.equal(s["cors"], undefined, s.name);
        }
        assert.deepEqual(
            (spec["alerts"] as Raw[]).map((a) => a["rule"]),
            ["DEPLOYMENT_FAILED", "DOMAIN_FAILED", "DEPLOYMENT_LIVE"],
        );
        assert.deepEqual(
            (byName(spec, "services", "web")["alerts"] as Raw[]).map((a) => [
                a["rule"],
                a["operator"],
                a["value"],
            ]),
            [
                ["CPU_UTILIZATION", "GREATER_THAN", 85],
                ["MEM_UTILIZATION", "GREATER_THAN", 90],
                ["RESTART_COUNT", "GREATER_THAN", 3],
            ],
        );
    });

    it("puts every secret in a SECRET env that is secret on the wire, and none anywhere else", () => {
        for (const run of [prod, staging]) {
            const spec = rawSpec(run);
            const secretKeys = new Set<string>();
            for (const list of ["services", "workers", "jobs"]) {
                for (const c of components(spec, list)) {
                    for (const e of c.envs ?? []) {
                        if (e.type === "SECRET") {
                            assert.ok(isSecret(e.value), `${c.name} ${e.key} is not secret`);
                            assert.equal(e.scope, "RUN_TIME");
                            secretKeys.add(e.key);
                        } else {
                            assert.ok(!holdsSecret(e.value), `${c.name} ${e.key} holds a secret`);
                        }
                    }
                    assert.ok(!holdsSecret(c.runCommand), `${c.name} run command holds a secret`);
                }
            }
            for (const e of spec["envs"] as Env[]) {
                assert.equal(e.type, "GENERAL", `app-level ${e.key} is seen by Mailpit too`);
                assert.ok(!holdsSecret(e.value), e.key);
            }
            // The database password is a bindable variable, never a value.
            for (const c of [
                ...components(spec, "services"),
                ...components(spec, "workers"),
                ...components(spec, "jobs"),
            ]) {
                const pw = envOf(c, "PGPASSWORD");
                if (c.name === "mailpit") assert.equal(pw, undefined);
                else assert.deepEqual(pw?.value, "${db.PASSWORD}", c.name);
            }
            // Nothing secret appears in the spec in clear text, whatever its path.
            const clear = JSON.stringify(inputsOf({ ...ofType(run.resources, T.app)[0] }));
            assert.ok(
                clear.includes("preview-placeholder-adminPassword"),
                "sanity: secret is sent",
            );
            const visible = JSON.stringify(
                (function strip(v: unknown): unknown {
                    if (isSecret(v)) return "[secret]";
                    if (Array.isArray(v)) return v.map(strip);
                    if (typeof v === "object" && v !== null) {
                        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(x)]));
                    }
                    return v;
                })(spec),
            );
            for (const needle of [
                "preview-placeholder",
                "preview-cluster-password",
                "preview-secret-key",
            ]) {
                assert.ok(!visible.includes(needle), `${needle} visible in the spec`);
            }
            assert.ok(secretKeys.has("ODOO_ADMIN_PASSWD"));
            assert.ok(secretKeys.has("ODOO_SESSION_REDIS_URL"));
        }
        const prodSpec = rawSpec(prod);
        const web = byName(prodSpec, "services", "web");
        assert.deepEqual(
            (web.envs ?? []).filter((e) => e.type === "SECRET").map((e) => e.key),
            ["ODOO_ADMIN_PASSWD", "ODOO_SESSION_REDIS_URL", "ODOO_SMTP_PASSWORD"],
        );
        const job = byName(prodSpec, "jobs", "upgrade");
        assert.ok(envOf(job, "PGADMIN_PASSWORD") !== undefined, "the job grants the schema");
        assert.equal(envOf(web, "PGADMIN_PASSWORD"), undefined, "only the job gets the admin role");
    });

    it("connects every process straight to the cluster, each web instance to its share of it", () => {
        const spec = rawSpec(prod);
        const pg = (c: Component) =>
            Object.fromEntries(
                (c.envs ?? []).filter((e) => e.key.startsWith("PG")).map((e) => [e.key, e.value]),
            );
        // No pool: Odoo's bus and cron threads LISTEN on the `postgres` database, which a
        // transaction pool named for Odoo's database neither serves nor keeps.
        assert.equal(ofType(prod.resources, T.pool).length, 0);
        // db-s-2vcpu-4gb: 4 x 25 - 3 = 97 connections; the cron worker (2 threads + 2) and the
        // upgrade job (4) keep 8; two web instances share the other 89.
        assert.equal(webMaxConnections({ connectionLimit: 97, instances: 2, cronThreads: 2 }), 44);
        assert.ok(String(byName(spec, "services", "web").runCommand).endsWith(" --db_maxconn=44"));
        assert.ok(!String(byName(spec, "workers", "cron").runCommand).includes("--db_maxconn"));
        const direct = {
            PGHOST: "${db.HOSTNAME}",
            PGPORT: "${db.PORT}",
            PGUSER: "${db.USERNAME}",
            PGPASSWORD: "${db.PASSWORD}",
            PGDATABASE: "odoo",
            PGSSLMODE: "require",
        };
        assert.deepEqual(pg(byName(spec, "services", "web")), direct);
        assert.deepEqual(pg(byName(spec, "workers", "cron")), direct);
        const { PGADMIN_PASSWORD: _secret, ...job } = pg(byName(spec, "jobs", "upgrade"));
        assert.deepEqual(job, { ...direct, PGADMIN_USER: "doadmin" });
        assert.deepEqual(spec["databases"], [
            {
                name: "db",
                engine: "PG",
                production: true,
                clusterName: "odoo-prod-db-pg",
                dbName: "odoo",
                dbUser: "odoo",
            },
        ]);
    });

    it("keeps the instances stateless: attachments in the database, sessions in Valkey", () => {
        for (const run of [prod, staging]) {
            const spec = rawSpec(run);
            const appEnv = Object.fromEntries((spec["envs"] as Env[]).map((e) => [e.key, e.value]));
            const stage = run === prod ? "production" : "staging";
            assert.deepEqual(appEnv, {
                ODOO_STAGE: stage,
                ODOO_ATTACHMENT_LOCATION: "db",
                ODOO_SESSION_REDIS: "1",
                ODOO_SESSION_REDIS_PREFIX: stage,
            });
            // No bucket holds live data; production's one bucket is its off-site backup.
            assert.deepEqual(
                ofType(run.resources, "digitalocean:index/spacesBucket:SpacesBucket").map(
                    (b) => b.name,
                ),
                run === prod ? ["prod-backup-bucket"] : [],
            );
            assert.match(
                String(byName(spec, "services", "web").runCommand),
                / --load=base,web,session_redis /,
            );
        }
        const sessions = one(prod.resources, T.cluster, "prod-sessions").inputs;
        assert.equal(sessions["engine"], "valkey");
        assert.equal(sessions["size"], "db-s-1vcpu-1gb");
    });

    it("refuses more web instances than the cluster has connections for", () => {
        assert.throws(
            () =>
                parseConfig(
                    "prod",
                    exampleConfig("prod", { appInstanceCount: "12" }, APP_EXAMPLE("prod")).config,
                ),
            /odoo-platform:appInstanceCount: leaves each of 12 web instances 7 connections of db-s-2vcpu-4gb's 97/,
        );
    });

    it("refuses the droplet's keys, naming each, before anything is planned", () => {
        // As the droplet example (Pulumi.prod.yaml) sets them: a stack moved to App Platform.
        const droplet = {
            dropletSize: "s-4vcpu-8gb",
            volumeSizeGb: "100",
            sshAllowedCidrs: '["198.51.100.0/24"]',
            sshPublicKey:
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleExampleExampleExampleExampleExample ops@example.com",
            logRetentionDays: "30",
        };
        const error = (() => {
            try {
                parseConfig("prod", exampleConfig("prod", droplet, APP_EXAMPLE("prod")).config);
            } catch (e) {
                return String(e);
            }
            return "";
        })();
        for (const key of Object.keys(droplet)) {
            assert.match(
                error,
                new RegExp(
                    `odoo-platform:${key}: must not be set with runtime app-platform: it configures the droplet runtime's host`,
                ),
            );
        }
        // The example App Platform stack sets none of them.
        parseConfig("prod", exampleConfig("prod", {}, APP_EXAMPLE("prod")).config);
    });

    it("refuses attachments in Spaces, which no maintained module serves on Odoo 17-19", () => {
        assert.throws(
            () =>
                parseConfig(
                    "prod",
                    exampleConfig("prod", { attachmentStorage: "spaces" }, APP_EXAMPLE("prod"))
                        .config,
                ),
            /odoo-platform:attachmentStorage: is not a setting any more: it was removed: on App Platform attachments live in the database/,
        );
    });

    it("pulls a private image with the registry credentials, kept secret and left as deployed", async () => {
        const run = await runAppStack("prod", {
            appRegistryCredentials: "example-bot:ghp_previewtoken",
        });
        const spec = rawSpec(run);
        for (const [list, name] of [
            ["services", "web"],
            ["workers", "cron"],
            ["jobs", "upgrade"],
        ]) {
            const image = byName(spec, list, name)["image"] as Raw;
            assert.ok(isSecret(image["registryCredentials"]), `${name} credentials in clear`);
        }
        assert.deepEqual(ofType(run.resources, T.app)[0].ignoreChanges, [
            "spec.services[0].envs",
            "spec.workers[0].envs",
            "spec.workers[1].envs",
            "spec.jobs[0].envs",
            "spec.services[0].image.registryCredentials",
            "spec.workers[0].image.registryCredentials",
            "spec.workers[1].image.registryCredentials",
            "spec.jobs[0].image.registryCredentials",
        ]);
        const plain = inputsOf(ofType(run.resources, T.app)[0])["spec"] as Raw;
        const web = byName(plain, "services", "web")["image"] as Raw;
        assert.equal(web["registryCredentials"], "example-bot:ghp_previewtoken");
        assert.equal(web["registryType"], "GHCR");
        // Without credentials the spec carries none (a DOCR or public image).
        assert.equal(
            (byName(rawSpec(prod), "services", "web")["image"] as Raw)["registryCredentials"],
            undefined,
        );
    });

    it("leaves the components' envs as deployed unless appPushSecrets, so an unchanged up does not redeploy", async () => {
        const app = ofType(prod.resources, T.app)[0];
        assert.deepEqual(app.ignoreChanges, [
            "spec.services[0].envs",
            "spec.workers[0].envs",
            "spec.workers[1].envs",
            "spec.jobs[0].envs",
        ]);
        const stagingApp = ofType(staging.resources, T.app)[0];
        assert.deepEqual(stagingApp.ignoreChanges, [
            "spec.services[0].envs",
            "spec.services[1].envs",
            "spec.jobs[0].envs",
        ]);
        const pushing = await runAppStack("prod", { appPushSecrets: "true" });
        assert.deepEqual(ofType(pushing.resources, T.app)[0].ignoreChanges, []);
    });

    it("neutralizes staging: no cron worker, no cron threads, mail to the app's own Mailpit", () => {
        const spec = rawSpec(staging);
        assert.deepEqual(components(spec, "workers"), []);
        assert.deepEqual(
            components(spec, "services").map((c) => c.name),
            ["web", "mailpit"],
        );
        for (const c of [...components(spec, "services"), ...components(spec, "jobs")]) {
            if (c.name === "mailpit") continue;
            const argv = String(c.runCommand).split(" ");
            assert.ok(argv.includes("--max-cron-threads=0"), c.name);
            assert.ok(argv.includes("--smtp=mailpit"), c.name);
            assert.ok(argv.includes("--smtp-port=1025"), c.name);
            assert.ok(!argv.some((a) => a.startsWith("--smtp-user")), c.name);
            assert.equal(envOf(c, "ODOO_SMTP_PASSWORD"), undefined, c.name);
        }
        const mailpit = byName(spec, "services", "mailpit");
        assert.deepEqual(mailpit["internalPorts"], [1025]);
        assert.equal(mailpit["httpPort"], 8025);
        assert.deepEqual(
            (mailpit.envs ?? []).filter((e) => e.type === "SECRET").map((e) => e.key),
            ["MP_UI_AUTH"],
            "Mailpit gets its own password and none of Odoo's",
        );
        assert.deepEqual((spec["ingress"] as Raw)["rules"], [
            ...ingressRules("staging.example.com", "mail.dev.example.com"),
        ]);
        assert.deepEqual(spec["domainNames"], [
            { name: "staging.example.com", type: "PRIMARY" },
            { name: "mail.dev.example.com", type: "ALIAS" },
        ]);
        assert.equal((spec["envs"] as Env[]).find((e) => e.key === "ODOO_STAGE")?.value, "staging");
    });

    it("protects production's cluster, database and session store; keeps the version unless allowed", () => {
        const cluster = one(prod.resources, T.cluster, "prod-db-cluster");
        assert.deepEqual(
            {
                engine: cluster.inputs["engine"],
                version: cluster.inputs["version"],
                size: cluster.inputs["size"],
                nodeCount: cluster.inputs["nodeCount"],
                region: cluster.inputs["region"],
            },
            { engine: "pg", version: "16", size: "db-s-2vcpu-4gb", nodeCount: 2, region: "fra1" },
        );
        assert.equal(cluster.resource.protect, true);
        assert.equal(cluster.resource.retainOnDelete, true);
        assert.deepEqual(cluster.resource.ignoreChanges, ["version"]);
        assert.equal(one(prod.resources, T.db, "prod-db-db").resource.protect, true);
        assert.equal(one(prod.resources, T.cluster, "prod-sessions").resource.protect, true);
        const stagingCluster = one(staging.resources, T.cluster, "staging-db-cluster");
        assert.equal(stagingCluster.resource.protect, false);
        assert.equal(stagingCluster.inputs["nodeCount"], 1);
        assert.equal(one(prod.resources, T.user, "prod-db-user").inputs["name"], "odoo");
    });

    it("admits only the app to the PostgreSQL cluster and the session store", () => {
        const appId = mockId(T.app, "prod-app");
        for (const name of ["prod-db-firewall", "prod-sessions-firewall"]) {
            assert.deepEqual(one(prod.resources, T.dbFirewall, name).inputs["rules"], [
                { type: "app", value: appId },
            ]);
        }
        assert.equal(ofType(prod.resources, T.dbFirewall).length, 2);
    });

    it("refuses a major-version change of a running cluster unless allowDatabaseMajorUpgrade", async () => {
        const { config, secretKeys } = exampleConfig("prod", {}, APP_EXAMPLE("prod"));
        const existingState = { "prod-db-cluster": { version: "15" } };
        await assert.rejects(
            runProgram({ stack: "prod", config, secretKeys, existingState }),
            /databaseVersion is 16 but the managed cluster runs PostgreSQL 15\. .*nothing was changed.*allowDatabaseMajorUpgrade true/s,
        );
        const allowed = await runProgram({
            stack: "prod",
            config: { ...config, "odoo-platform:allowDatabaseMajorUpgrade": "true" },
            secretKeys,
            existingState,
        });
        assert.deepEqual(
            one(allowed.resources, T.cluster, "prod-db-cluster").resource.ignoreChanges,
            [],
        );
        assert.equal(versionProblem("16", "16", false), undefined);
        assert.equal(versionProblem("16", undefined, false), undefined, "a new cluster");
    });

    it("points DNS-only CNAMEs at the app and issues no Traefik token", () => {
        const records = ofType(prod.resources, T.record).map(inputsOf);
        assert.deepEqual(
            records.map((r) => [r["type"], r["name"], r["content"], r["proxied"]]),
            [["CNAME", "erp.example.com", "prod-app-a1b2c.ondigitalocean.app", false]],
        );
        // Moving from the droplet turns the A record into a CNAME: the old one must go first.
        assert.ok(ofType(prod.resources, T.record).every((r) => r.deleteBeforeReplace));
        assert.equal(ofType(prod.resources, T.token).length, 0);
        assert.equal(ofType(prod.resources, T.droplet).length, 0);
        assert.equal(ofType(prod.resources, T.alert).length, 0, "no droplet to alert on");
        assert.equal(prod.outputs["appUrl"], "https://prod-app-a1b2c.ondigitalocean.app");
        assert.equal(prod.outputs["hostIp"], undefined);
    });

    it("prices App Platform components and managed clusters", () => {
        const cost = estimateCost(prod.resources);
        assert.deepEqual(
            cost.items.map((i) => [i.description, i.monthlyUsd]),
            [
                ["managed Valkey db-s-1vcpu-1gb x1", 15],
                ["Spaces subscription (250 GiB, 1 TiB transfer)", 5],
                ["managed PostgreSQL db-s-2vcpu-4gb x2", 120],
                ["App Platform web apps-d-1vcpu-4gb x2", 98],
                ["App Platform cron apps-d-1vcpu-4gb x1", 49],
                ["App Platform backup apps-s-1vcpu-1gb x1", 12],
            ],
        );
        assert.equal(cost.monthlyUsd, 299);
        assert.deepEqual(cost.unpriced, []);
    });

    it("names what it cannot price instead of failing or counting it as free", () => {
        const web = prod.resources.find((r) => r.type === T.app);
        assert.ok(web);
        const spec = JSON.parse(JSON.stringify(inputsOf(web)["spec"])) as {
            services: { instanceSizeSlug: string }[];
        };
        spec.services[0].instanceSizeSlug = "apps-d-64vcpu-1tb";
        const altered = { ...web, rawInputs: { ...web.rawInputs, spec } };
        const cost = estimateCost(prod.resources.map((r) => (r === web ? altered : r)));
        assert.deepEqual(cost.unpriced, ["App Platform web apps-d-64vcpu-1tb x2"]);
        assert.equal(cost.monthlyUsd, 299 - 98);
        assert.match(
            renderPlan("prod", prod.resources, cost, []),
            /App Platform web apps-d-64vcpu-1tb x2 +not counted: no list price in stacks\/prices\.ts/,
        );
    });

    it("reads image references as App Platform image sources", () => {
        assert.deepEqual(imageSource("ghcr.io/example/odoo@sha256:abc"), {
            registryType: "GHCR",
            registry: "example",
            repository: "odoo",
            digest: "sha256:abc",
        });
        assert.deepEqual(imageSource("registry.digitalocean.com/acme/odoo:18.0"), {
            registryType: "DOCR",
            repository: "odoo",
            tag: "18.0",
        });
        assert.deepEqual(imageSource("odoo:18.0"), {
            registryType: "DOCKER_HUB",
            registry: "library",
            repository: "odoo",
            tag: "18.0",
        });
        assert.deepEqual(imageSource("docker.io/acme/odoo"), {
            registryType: "DOCKER_HUB",
            registry: "acme",
            repository: "odoo",
            tag: "latest",
        });
        assert.throws(() => commandLine(["odoo", "--x=a b"]), /needs quoting/);
    });
});

describe("managed PostgreSQL on the droplet runtime", function () {
    this.timeout(120_000);
    let run: ProgramRun;
    before(async () => {
        run = await runStack("prod", { database: "managed", postgresPassword: undefined });
    });

    it("drops the database container and connects Odoo and the backups over the VPC with TLS", () => {
        const names = ofType(run.resources, T.container).map((r) => r.name);
        assert.ok(!names.includes("prod-postgres"), names.join(", "));
        const odoo = one(run.resources, T.container, "prod-odoo");
        const envs = (odoo.inputs["envs"] as string[]).filter((e) => !e.startsWith("PASSWORD="));
        assert.deepEqual(envs, [
            "HOST=private-odoo-prod-db-pg-do-user-0.db.ondigitalocean.com",
            "PORT=25060",
            "USER=odoo",
            "ODOO_STAGE=production",
            "PGSSLMODE=require",
        ]);
        assert.ok(holdsSecret(odoo.resource.rawInputs["envs"]), "PASSWORD env is not secret");
        const scheduler = one(run.resources, T.container, "prod-backup").inputs;
        const env = scheduler["envs"] as string[];
        for (const e of [
            "PGHOST=private-odoo-prod-db-pg-do-user-0.db.ondigitalocean.com",
            "PGPORT=25060",
            "PGUSER=odoo",
            "PGSSLMODE=require",
        ]) {
            assert.ok(env.includes(e), e);
        }
    });

    it("tells Odoo itself to require TLS: it never reads PGSSLMODE (test:odoo holds it to Odoo)", async () => {
        for (const name of ["prod-odoo", "prod-odoo-init"]) {
            const command = one(run.resources, T.container, name).inputs["command"] as string[];
            assert.equal(
                command.filter((a) => a.startsWith("--db_sslmode")).join(),
                "--db_sslmode=require",
                name,
            );
        }
        const container = await runStack("prod");
        const command = one(container.resources, T.container, "prod-odoo").inputs[
            "command"
        ] as string[];
        assert.ok(!command.some((a) => a.startsWith("--db_sslmode")), command.join(" "));
    });

    it("runs the client tools of the cluster's major version, not the database container's image", async () => {
        // pg_dump refuses a server newer than itself: the backups, the grant and the parameter
        // delivery get postgres:<databaseVersion> (16 by default), whatever postgresImage says.
        const images = (r: ProgramRun) =>
            ofType(r.resources, "docker:index/remoteImage:RemoteImage")
                .map((i) => String(inputsOf(i)["name"]))
                .filter((n) => n.startsWith("postgres:"));
        const backupImage = (r: ProgramRun) =>
            (one(r.resources, T.container, "prod-backup").inputs["envs"] as string[]).filter((e) =>
                e.startsWith("PG_IMAGE="),
            );
        assert.deepEqual(images(run), ["postgres:16", "postgres:16"]);
        assert.deepEqual(backupImage(run), ["PG_IMAGE=postgres:16"]);
        const v17 = await runStack("prod", {
            database: "managed",
            databaseVersion: "17",
            postgresPassword: undefined,
        });
        assert.deepEqual(images(v17), ["postgres:17", "postgres:17"]);
        assert.deepEqual(backupImage(v17), ["PG_IMAGE=postgres:17"]);
    });

    it("grants Odoo's role its database once, as the cluster's admin, before Odoo starts", () => {
        const grant = one(run.resources, T.container, "prod-db-grant");
        assert.deepEqual(grant.inputs["command"], [
            "sh",
            "-c",
            'printf "%s" "$GRANT_SQL" | psql -X -q -v ON_ERROR_STOP=1 -v db="$PGDATABASE" -v role="$ODOO_ROLE"',
        ]);
        const envs = grant.inputs["envs"] as string[];
        assert.deepEqual(envs.slice(0, 7), [
            "PGHOST=private-odoo-prod-db-pg-do-user-0.db.ondigitalocean.com",
            "PGPORT=25060",
            "PGUSER=doadmin",
            "PGDATABASE=odoo",
            "PGSSLMODE=require",
            "ODOO_ROLE=odoo",
            `GRANT_SQL=${GRANT_SQL}`,
        ]);
        assert.ok(
            holdsSecret(grant.resource.rawInputs["envs"]),
            "the admin password is not secret",
        );
        assert.equal(grant.inputs["mustRun"], false);
        assert.equal(grant.inputs["attach"], true, "up waits for the grant to finish");
        // The grant, then the first start (as Odoo's role, over TLS), then Odoo.
        const init = one(run.resources, T.container, "prod-odoo-init");
        assert.ok(init.resource.dependencies.includes(grant.resource.urn), "init after the grant");
        assert.deepEqual((init.inputs["envs"] as string[]).slice(0, 5), [
            "PGHOST=private-odoo-prod-db-pg-do-user-0.db.ondigitalocean.com",
            "PGPORT=25060",
            "PGUSER=odoo",
            "PGDATABASE=odoo",
            "PGSSLMODE=require",
        ]);
        const odoo = one(run.resources, T.container, "prod-odoo").resource;
        assert.ok(odoo.dependencies.includes(init.resource.urn), "Odoo starts after the init");
        // The App Platform image's entrypoint runs the very same statements.
        const entrypoint = fs.readFileSync(
            path.join(ROOT, "tools", "odoo-image", APP_ENTRYPOINT),
            "utf8",
        );
        assert.ok(entrypoint.includes(`<<'SQL'\n${GRANT_SQL}SQL\n`), "entrypoint SQL differs");
    });

    it("schedules no template refresh on a staging host with a managed database", async () => {
        const crontab = (r: ProgramRun) =>
            (
                one(r.resources, T.container, "staging-backup").inputs["uploads"] as {
                    file: string;
                    content: string;
                }[]
            ).find((u) => u.file === "/etc/crontabs/root")?.content;
        const managed = await runStack("staging", {
            database: "managed",
            postgresPassword: undefined,
        });
        assert.equal(
            crontab(managed),
            "# no backups here (production runs them) and no preview template to refresh\n",
        );
        assert.equal(managed.outputs["dev"], undefined, "no dev host for preview environments");
        assert.match(String(crontab(await runStack("staging"))), /odoo-template-refresh/);
    });

    it("exports Odoo's connection URI for a move as a secret", () => {
        assert.ok(isSecret(run.rawOutputs["databaseUri"]), "databaseUri is not a secret output");
        assert.equal(
            run.outputs["databaseUri"],
            "postgresql://odoo:preview-user-password@odoo-prod-db-pg-do-user-0.db.ondigitalocean.com:25060/odoo?sslmode=require",
        );
    });

    it("puts the cluster in the host's VPC and admits the droplet only", () => {
        const vpc = ofType(run.resources, T.vpc)[0];
        const droplet = ofType(run.resources, T.droplet)[0];
        const id = (r: { type: string; name: string }) => mockId(r.type, r.name);
        const cluster = one(run.resources, T.cluster, "prod-db-cluster");
        assert.equal(cluster.inputs["privateNetworkUuid"], id(vpc));
        assert.equal(cluster.resource.protect, true);
        assert.deepEqual(one(run.resources, T.dbFirewall, "prod-db-firewall").inputs["rules"], [
            { type: "droplet", value: id(droplet) },
        ]);
    });
});

describe("odoo-platform-entrypoint (the App Platform image's entrypoint)", function () {
    this.timeout(60_000);
    const script = path.join(ROOT, "tools", "odoo-image", APP_ENTRYPOINT);
    let dir: string;
    let fakeOdoo: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "entrypoint-"));
        // Stands in for odoo: records its arguments, the conf it was given, and its stdin.
        fakeOdoo = path.join(dir, "odoo");
        fs.writeFileSync(
            fakeOdoo,
            [
                "#!/bin/sh",
                'log="$FAKE_LOG"',
                'printf "argv:%s\\n" "$*" >>"$log"',
                'for a in "$@"; do case $a in --config=*) c=${a#--config=}; printf "mode:%s\\n" "$(stat -c %a "$c")" >>"$log"; sed "s/^/conf:/" "$c" >>"$log";; esac; done',
                'if [ "$1" = shell ]; then sed "s/^/stdin:/" >>"$log"; fi',
                "",
            ].join("\n"),
            { mode: 0o755 },
        );
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    let fakePsql = "";
    before(() => {
        fakePsql = path.join(dir, "psql");
        // Answers FAKE_INITIALIZED, or fails with FAKE_PSQL_ERROR as psql does (stderr, status 2).
        fs.writeFileSync(
            fakePsql,
            [
                "#!/bin/sh",
                'if [ -n "${FAKE_PSQL_ERROR:-}" ]; then printf "%s\\n" "$FAKE_PSQL_ERROR" >&2; exit 2; fi',
                'printf "%s\\n" "$FAKE_INITIALIZED"',
                "",
            ].join("\n"),
            { mode: 0o755 },
        );
    });

    const run = (args: string[], env: Record<string, string>, log = path.join(dir, "log")) => {
        fs.rmSync(log, { force: true });
        const r = spawnSync("sh", [script, ...args], {
            encoding: "utf8",
            env: {
                PATH: process.env.PATH ?? "",
                ODOO_BIN: fakeOdoo,
                ODOO_PLATFORM_CONF_DIR: path.join(dir, "conf"),
                FAKE_LOG: log,
                // Stands in for psql asking whether the database holds an Odoo (t or f, as
                // `psql -At` prints a boolean).
                PSQL: fakePsql,
                FAKE_INITIALIZED: "t",
                ...env,
            },
        });
        const lines = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
        return { status: r.status, stderr: r.stderr, lines };
    };

    it("passes shellcheck", () => {
        const r = checkWith("shellcheck", ["-s", "sh"], fs.readFileSync(script, "utf8"), ".sh");
        assert.equal(r.status, 0, r.output);
    });

    it("starts each role with a private odoo.conf holding the secrets and none on the command line", () => {
        const secrets = {
            ODOO_ADMIN_PASSWD: "a-long-master-password",
            ODOO_SMTP_PASSWORD: "smtp-pw",
        };
        const web = run(["web", "--database=odoo", "--workers=3"], secrets);
        assert.equal(web.status, 0, web.stderr);
        const conf = path.join(dir, "conf", "odoo.conf");
        assert.deepEqual(web.lines, [
            `argv:--config=${conf} --database=odoo --workers=3`,
            "mode:600",
            "conf:[options]",
            "conf:admin_passwd = a-long-master-password",
            "conf:smtp_password = smtp-pw",
        ]);
        // The prefork server's gevent process is gone: there is no websocket role any more.
        assert.equal(run(["websocket"], secrets).status, 64);
        const cron = run(["cron", "--max-cron-threads=2", "--no-http"], secrets);
        assert.equal(cron.lines[0], `argv:--config=${conf} --max-cron-threads=2 --no-http`);
    });

    it("refuses a missing or multi-line secret and an unknown role before starting Odoo", () => {
        const missing = run(["web"], {});
        assert.equal(missing.status, 64);
        assert.match(missing.stderr, /ODOO_ADMIN_PASSWD is not set/);
        assert.deepEqual(missing.lines, []);
        const twoLines = run(["web"], { ODOO_ADMIN_PASSWD: "first\nlist_db = True" });
        assert.equal(twoLines.status, 64);
        assert.match(twoLines.stderr, /single line/);
        assert.deepEqual(twoLines.lines, []);
        const unknown = run(["serve"], { ODOO_ADMIN_PASSWD: "a-long-master-password" });
        assert.equal(unknown.status, 64);
        assert.match(unknown.stderr, /usage/);
    });

    it("upgrades, then moves every attachment into the database", () => {
        const env = { ODOO_ADMIN_PASSWD: "a-long-master-password", ODOO_ATTACHMENT_LOCATION: "db" };
        const r = run(
            [
                "upgrade",
                "--database=odoo",
                "--load=base,web,session_redis",
                "--update=all",
                "--stop-after-init",
            ],
            env,
        );
        assert.equal(r.status, 0, r.stderr);
        const conf = path.join(dir, "conf", "odoo.conf");
        const argv = r.lines.filter((l) => l.startsWith("argv:"));
        assert.deepEqual(argv, [
            `argv:--config=${conf} --database=odoo --load=base,web,session_redis --update=all --stop-after-init`,
            `argv:shell --config=${conf} --database=odoo --load=base,web,session_redis`,
        ]);
        assert.deepEqual(
            r.lines.filter((l) => l.startsWith("stdin:")),
            [
                "stdin:env['ir.config_parameter'].sudo().set_param('ir_attachment.location', 'db')",
                "stdin:env['ir.attachment'].sudo().force_storage()",
                "stdin:env.cr.commit()",
            ],
        );
        // A first deploy's empty database: the upgrade initializes it with base.
        const first = run(["upgrade", "--database=odoo", "--stop-after-init"], {
            ...env,
            FAKE_INITIALIZED: "f",
        });
        assert.equal(first.status, 0, first.stderr);
        assert.deepEqual(
            first.lines.filter((l) => l.startsWith("argv:")),
            [
                `argv:--config=${conf} --database=odoo --stop-after-init --init=base`,
                `argv:shell --config=${conf} --database=odoo`,
                `argv:shell --config=${conf} --database=odoo`,
            ],
        );
        // ... and its admin login gets the master password rather than base's `admin`.
        assert.deepEqual(first.lines.filter((l) => l.startsWith("stdin:")).slice(0, 3), [
            "stdin:import os",
            "stdin:env.ref('base.user_admin').sudo().password = os.environ['ODOO_ADMIN_PASSWD']",
            "stdin:env.cr.commit()",
        ]);
        for (const location of ["file", "s3"]) {
            const bad = run(["upgrade", "--update=all"], {
                ...env,
                ODOO_ATTACHMENT_LOCATION: location,
            });
            assert.equal(bad.status, 64);
            assert.match(bad.stderr, new RegExp(`must be db, got '${location}'`));
        }
    });

    describe("init: the droplet runtime's first start", () => {
        const env = { ODOO_ADMIN_PASSWD: "a-long-master-password", PGDATABASE: "odoo_prod" };
        const argv = (r: { lines: string[] }) => r.lines.filter((l) => l.startsWith("argv:"));
        const conf = () => path.join(dir, "conf", "odoo.conf");

        it("initializes an empty database without demo data, then sets the admin login's password", () => {
            const r = run(
                ["init", "--database=odoo_prod", "--without-demo=all", "--stop-after-init"],
                {
                    ...env,
                    FAKE_INITIALIZED: "f",
                },
            );
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(argv(r), [
                `argv:--config=${conf()} --database=odoo_prod --without-demo=all --stop-after-init --init=base`,
                `argv:shell --config=${conf()} --database=odoo_prod --without-demo=all`,
            ]);
            assert.deepEqual(
                r.lines.filter((l) => l.startsWith("stdin:")),
                [
                    "stdin:import os",
                    "stdin:env.ref('base.user_admin').sudo().password = os.environ['ODOO_ADMIN_PASSWD']",
                    "stdin:env.cr.commit()",
                ],
            );
        });

        it("lets Odoo create a database that does not exist yet", () => {
            const r = run(["init", "--database=odoo_prod", "--stop-after-init"], {
                ...env,
                FAKE_PSQL_ERROR:
                    'psql: error: connection to server on socket "/tmp/.s.PGSQL.5432" failed: FATAL:  database "odoo_prod" does not exist',
            });
            assert.equal(r.status, 0, r.stderr);
            assert.equal(argv(r).length, 2);
            assert.match(argv(r)[0], / --init=base$/);
        });

        it("leaves a database that holds an Odoo alone (every later deploy)", () => {
            const r = run(["init", "--database=odoo_prod", "--stop-after-init"], env);
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(argv(r), []);
        });

        it("stops when it cannot tell what the database holds, and never initializes then", () => {
            for (const [why, error] of [
                [
                    "no server",
                    'psql: error: connection to server at "db" (10.0.0.5), port 5432 failed: Connection refused',
                ],
                ["another database", 'psql: error: FATAL:  database "odoo_staging" does not exist'],
                [
                    "a wrong password",
                    'psql: error: FATAL:  password authentication failed for user "odoo"',
                ],
            ]) {
                const r = run(["init", "--database=odoo_prod"], { ...env, FAKE_PSQL_ERROR: error });
                assert.equal(r.status, 64, why);
                assert.match(r.stderr, /cannot read the database odoo_prod/, why);
                assert.deepEqual(argv(r), [], why);
            }
            const upgrade = run(["upgrade", "--database=odoo_prod", "--stop-after-init"], {
                ...env,
                FAKE_PSQL_ERROR:
                    'psql: error: FATAL:  password authentication failed for user "odoo"',
            });
            assert.equal(upgrade.status, 64);
            assert.deepEqual(argv(upgrade), []);
        });

        it("needs PGDATABASE and the master password", () => {
            const noDb = run(["init", "--database=odoo_prod"], {
                ODOO_ADMIN_PASSWD: "x".repeat(20),
            });
            assert.notEqual(noDb.status, 0);
            assert.match(noDb.stderr, /PGDATABASE is not set/);
            const noPassword = run(["init", "--database=odoo_prod"], { PGDATABASE: "odoo_prod" });
            assert.equal(noPassword.status, 64);
            assert.match(noPassword.stderr, /ODOO_ADMIN_PASSWD is not set/);
            assert.deepEqual([...argv(noDb), ...argv(noPassword)], []);
        });
    });

    describe("on a real PostgreSQL server", () => {
        let pg: PgServer;
        const db = "odoo_grant_test";
        before(() => {
            pg = startPostgres();
            psql(
                pg.env,
                "postgres",
                [
                    `DROP DATABASE IF EXISTS ${db}`,
                    "DROP ROLE IF EXISTS platform_admin",
                    "DROP ROLE IF EXISTS platform_odoo",
                    // As on a managed cluster: an admin role that is no superuser owns the database.
                    "CREATE ROLE platform_admin LOGIN CREATEDB CREATEROLE",
                    "CREATE ROLE platform_odoo LOGIN",
                ].join(";\n") + ";",
            );
            psql({ ...pg.env, PGUSER: "platform_admin" }, "postgres", `CREATE DATABASE ${db}`);
        });
        after(() => {
            psql(
                pg.env,
                "postgres",
                `DROP DATABASE IF EXISTS ${db}; DROP ROLE IF EXISTS platform_admin; DROP ROLE IF EXISTS platform_odoo;`,
            );
            pg.stop();
        });

        it("lets Odoo's role create its tables only after the upgrade job's grant", () => {
            const asOdoo = { ...pg.env, PGUSER: "platform_odoo" };
            assert.throws(
                () => psql(asOdoo, db, "CREATE TABLE res_partner (id serial)"),
                /permission denied for schema public/,
            );
            const r = run(["upgrade", `--database=${db}`, "--update=all", "--stop-after-init"], {
                ...(pg.env as Record<string, string>),
                PGUSER: "platform_odoo",
                PGDATABASE: db,
                PGADMIN_USER: "platform_admin",
                PGADMIN_PASSWORD: "unused-with-trust-auth",
                ODOO_ADMIN_PASSWD: "a-long-master-password",
                PSQL: "psql",
            });
            assert.equal(r.status, 0, r.stderr);
            psql(asOdoo, db, "CREATE TABLE res_partner (id serial)");
            assert.equal(
                psql(
                    pg.env,
                    db,
                    "SELECT tableowner FROM pg_tables WHERE tablename = 'res_partner'",
                ),
                "platform_odoo",
            );
            // Running it again (every deploy does) changes nothing and fails nothing.
            const again = run(["upgrade", `--database=${db}`, "--update=all"], {
                ...(pg.env as Record<string, string>),
                PGUSER: "platform_odoo",
                PGDATABASE: db,
                PGADMIN_USER: "platform_admin",
                PGADMIN_PASSWORD: "unused-with-trust-auth",
                PSQL: "psql",
                ODOO_ADMIN_PASSWD: "a-long-master-password",
            });
            assert.equal(again.status, 0, again.stderr);
        });

        it("init reads real psql's answers: absent, empty, holds an Odoo", () => {
            const base = {
                ...(pg.env as Record<string, string>),
                ODOO_ADMIN_PASSWD: "a-long-master-password",
                PSQL: "psql",
            };
            const initArgv = (r: { lines: string[] }) =>
                r.lines.filter((l) => l.startsWith("argv:") && !l.startsWith("argv:shell"));
            const absent = run(["init", "--database=odoo_absent"], {
                ...base,
                PGDATABASE: "odoo_absent",
            });
            assert.equal(absent.status, 0, absent.stderr);
            assert.equal(initArgv(absent).length, 1);
            psql(pg.env, "postgres", "CREATE DATABASE odoo_init_test");
            const empty = run(["init", "--database=odoo_init_test"], {
                ...base,
                PGDATABASE: "odoo_init_test",
            });
            assert.equal(empty.status, 0, empty.stderr);
            assert.equal(initArgv(empty).length, 1);
            psql(pg.env, "odoo_init_test", "CREATE TABLE ir_module_module (id serial)");
            const odoo = run(["init", "--database=odoo_init_test"], {
                ...base,
                PGDATABASE: "odoo_init_test",
            });
            assert.equal(odoo.status, 0, odoo.stderr);
            assert.deepEqual(odoo.lines, []);
            const refused = run(["init", "--database=odoo_init_test"], {
                ...base,
                PGDATABASE: "odoo_init_test",
                PGPORT: "1",
            });
            assert.equal(refused.status, 64);
            assert.match(refused.stderr, /cannot read the database odoo_init_test/);
            psql(pg.env, "postgres", "DROP DATABASE odoo_init_test");
        });
    });
});

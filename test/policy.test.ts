import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ProgramRun, RecordedResource, SECRET_SIG, SIG_KEY, UNKNOWN } from "./doubles/mock-cloud";
import { POLICY_DIR, PolicyPackProcess, Violation } from "../tools/policy-check";
import { packConfig } from "../tools/preview";
import { runAppStack, runStack } from "./helpers";

type Raw = Record<string, unknown>;

const BUILT_IMAGE =
    "ghcr.io/example/odoo@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945";

/** A deep copy of a run with one resource's wire inputs (or options) changed. */
function mutate(
    run: ProgramRun,
    name: string,
    change: (inputs: Raw, r: RecordedResource) => RecordedResource | void,
): ProgramRun {
    let hit = false;
    const resources = run.resources.map((r) => {
        if (r.name !== name) return r;
        hit = true;
        const copy = { ...r, rawInputs: structuredClone(r.rawInputs) };
        return change(copy.rawInputs, copy) ?? copy;
    });
    assert.ok(hit, `no resource named ${name}`);
    return { ...run, resources };
}

/** Elements of an array input, secrets kept as they are on the wire. */
const list = (i: Raw, key: string) => i[key] as unknown[];
const command = (i: Raw) => list(i, "command") as string[];
const setFlag = (i: Raw, name: string, value: string | undefined) => {
    const rest = command(i).filter((c) => !c.startsWith(`--${name}=`) && c !== `--${name}`);
    i["command"] =
        value === undefined ? rest : [...rest, value === "" ? `--${name}` : `--${name}=${value}`];
};
const secret = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });

/** A run with one more resource, a sibling of `like` (same parent and provider). */
function withResource(
    run: ProgramRun,
    like: string,
    type: string,
    name: string,
    rawInputs: Raw,
): ProgramRun {
    const base = run.resources.find((r) => r.name === like);
    assert.ok(base, `no resource named ${like}`);
    const urn = `${base.urn.split("::").slice(0, 2).join("::")}::${type}::${name}`;
    const added = {
        ...base,
        urn,
        type,
        name,
        rawInputs,
        dependencies: [],
        propertyDependencies: {},
    };
    return { ...run, resources: [...run.resources, added] };
}

/** Changes a stack's name in every URN, as if the same resources were planned for another stack. */
function asStack(run: ProgramRun, stack: string): ProgramRun {
    const fix = (s: string) => s.replace(`urn:pulumi:${run.stack}::`, `urn:pulumi:${stack}::`);
    return {
        ...run,
        stack,
        resources: run.resources.map((r) => ({
            ...r,
            urn: fix(r.urn),
            parent: fix(r.parent),
            provider: fix(r.provider),
            dependencies: r.dependencies.map(fix),
        })),
    };
}

describe("policy pack over the Analyzer protocol", function () {
    this.timeout(180_000);
    let pack: PolicyPackProcess;
    let staging: ProgramRun;
    let prod: ProgramRun;
    let appStaging: ProgramRun;
    let appProd: ProgramRun;
    let managedProd: ProgramRun;
    let managedStaging: ProgramRun;
    /** Production on an image of the platform's build, which holds the canonical addons path. */
    let builtProd: ProgramRun;
    before(async () => {
        pack = await PolicyPackProcess.start();
        staging = await runStack("staging");
        prod = await runStack("prod");
        builtProd = await runStack("prod", { odooImage: BUILT_IMAGE });
        appStaging = await runAppStack("staging");
        appProd = await runAppStack("prod");
        managedProd = await runStack("prod", { database: "managed", postgresPassword: undefined });
        managedStaging = await runStack("staging", {
            database: "managed",
            postgresPassword: undefined,
        });
    });
    after(() => pack?.close());

    const analyze = (run: ProgramRun, extra: Parameters<PolicyPackProcess["analyze"]>[1] = {}) =>
        pack.analyze(run, { config: packConfig(), ...extra });

    /** Violations of `policy` only, all at `level`, exactly one of them matching `message`. */
    async function expectOnly(run: ProgramRun, policy: string, level: string, message: RegExp) {
        const vs = await analyze(run);
        const mine = vs.filter((v) => v.policy === policy);
        const hit = mine.filter((v) => message.test(v.message));
        const dump = JSON.stringify(vs, null, 2);
        assert.equal(hit.length, 1, `expected one matching ${policy} violation, got:\n${dump}`);
        for (const v of mine) assert.equal(v.enforcementLevel, level);
        const others = vs.filter((v) => v.policy !== policy);
        assert.deepEqual(others, [], "a mutation tripped other policies too");
        return hit[0];
    }

    it("serves every policy file of the pack, with the levels decided for it", () => {
        const files = fs
            .readdirSync(POLICY_DIR)
            .filter((f) => f.endsWith(".ts") && !["index.ts", "policies.ts"].includes(f))
            .map((f) => f.replace(/\.ts$/, ""))
            .sort();
        const served = pack.policies.map((p) => p.name).sort();
        assert.deepEqual(
            served,
            files,
            "each policy file must be registered in policy/policies.ts",
        );
        const levels = Object.fromEntries(pack.policies.map((p) => [p.name, p.enforcementLevel]));
        for (const name of served) {
            assert.match(name, /^[a-z]+(-[a-z0-9]+)+$/);
            const expected = name.startsWith("hygiene-") ? "advisory" : "mandatory";
            assert.equal(levels[name], expected, name);
        }
        for (const p of pack.policies)
            assert.ok(p.description.length > 40, `${p.name} says too little`);
    });

    it("passes the example staging and prod stacks with no violation at all", async () => {
        assert.deepEqual(await analyze(staging), []);
        assert.deepEqual(await analyze(prod), []);
        assert.deepEqual(await analyze(builtProd), [], "production on a built image");
    });

    it("passes the App Platform examples with no violation at all", async () => {
        assert.deepEqual(await analyze(appStaging), []);
        assert.deepEqual(await analyze(appProd), []);
        assert.deepEqual(await analyze(managedStaging), [], "droplet with a managed database");
        assert.deepEqual(await analyze(managedProd), [], "droplet with a managed database");
    });

    const cases: [string, () => ProgramRun, string, string, RegExp][] = [
        // neutralization-odoo
        [
            "staging Odoo with cron threads",
            () => mutate(staging, "staging-odoo", (i) => setFlag(i, "max-cron-threads", "2")),
            "neutralization-odoo",
            "mandatory",
            /runs crons \(--max-cron-threads=2\)/,
        ],
        [
            "staging Odoo with crons left to the default",
            () => mutate(staging, "staging-odoo", (i) => setFlag(i, "max-cron-threads", undefined)),
            "neutralization-odoo",
            "mandatory",
            /unset, Odoo's default 2/,
        ],
        [
            "staging Odoo mailing a real server",
            () => mutate(staging, "staging-odoo", (i) => setFlag(i, "smtp", "smtp.example.com")),
            "neutralization-odoo",
            "mandatory",
            /sends mail to "smtp\.example\.com", not to this stack's Mailpit \(staging-mailpit\)/,
        ],
        [
            "staging Odoo on another SMTP port",
            () => mutate(staging, "staging-odoo", (i) => setFlag(i, "smtp-port", "587")),
            "neutralization-odoo",
            "mandatory",
            /SMTP port 587 instead of Mailpit's 1025/,
        ],
        [
            "staging Odoo without ODOO_STAGE",
            () =>
                mutate(staging, "staging-odoo", (i) => {
                    i["envs"] = list(i, "envs").filter((e) => e !== "ODOO_STAGE=staging");
                }),
            "neutralization-odoo",
            "mandatory",
            /ODOO_STAGE=\(unset\); it must be "staging"/,
        ],
        [
            "staging Odoo with production SMTP credentials",
            () =>
                mutate(staging, "staging-odoo", (i) => {
                    setFlag(i, "smtp-user", "odoo@example.com");
                    i["uploads"] = [
                        secret({
                            file: "/etc/odoo/odoo.conf",
                            content:
                                "[options]\nadmin_passwd = a-long-master-password\nsmtp_password = x\n",
                        }),
                    ];
                }),
            "neutralization-odoo",
            "mandatory",
            /production SMTP credentials \(--smtp-user, smtp_password in odoo\.conf\)/,
        ],
        // egress-no-smtp
        [
            "staging firewall open to all TCP out",
            () =>
                mutate(staging, "staging-fw", (i) => {
                    i["outboundRules"] = [
                        {
                            protocol: "tcp",
                            portRange: "1-65535",
                            destinationAddresses: ["0.0.0.0/0"],
                        },
                    ];
                }),
            "egress-no-smtp",
            "mandatory",
            /reach SMTP ports 25, 465, 587/,
        ],
        [
            "staging firewall with submission port",
            () =>
                mutate(staging, "staging-fw", (i) => {
                    list(i, "outboundRules").push({
                        protocol: "tcp",
                        portRange: "587",
                        destinationAddresses: ["0.0.0.0/0"],
                    });
                }),
            "egress-no-smtp",
            "mandatory",
            /reach SMTP port 587/,
        ],
        // odoo-addons-path
        [
            "reordered addons path",
            () =>
                mutate(builtProd, "prod-odoo", (i) => {
                    const p = /--addons-path=(.*)/
                        .exec(command(i).find((c) => c.startsWith("--addons-path="))!)![1]
                        .split(",");
                    setFlag(i, "addons-path", [...p.slice(1), p[0]].join(","));
                }),
            "odoo-addons-path",
            "mandatory",
            /differs from the canonical list the platform's build puts in ghcr\.io\/example\/odoo@sha256:4f53cda1.*\n  expected: \/opt\/odoo\/src\/addons,.*\n  found:    \/opt\/odoo\/src\/third-party\/example-tools,/,
        ],
        [
            "relative addons entry",
            () =>
                mutate(builtProd, "prod-odoo", (i) =>
                    setFlag(i, "addons-path", "/opt/odoo/src/addons,third-party/example-tools"),
                ),
            "odoo-addons-path",
            "mandatory",
            /relative entries \(third-party\/example-tools\)/,
        ],
        [
            "the official image with folders it does not hold",
            () =>
                mutate(staging, "staging-odoo", (i) =>
                    setFlag(
                        i,
                        "addons-path",
                        "/opt/odoo/src/addons,/usr/lib/python3/dist-packages/odoo/addons",
                    ),
                ),
            "odoo-addons-path",
            "mandatory",
            /the official image odoo:18\.0 holds Odoo's core addons only, but Odoo runs with \/opt\/odoo\/src\/addons,.*no such directory/,
        ],
        // isolation-production-reach
        [
            "staging Odoo on the production database",
            () =>
                mutate(staging, "staging-odoo", (i) => {
                    i["envs"] = list(i, "envs").map((e) =>
                        e === "HOST=staging-postgres" ? "HOST=prod-postgres" : e,
                    );
                }),
            "isolation-production-reach",
            "mandatory",
            /production database host "prod-postgres"/,
        ],
        [
            "staging DNS record for erp",
            () =>
                mutate(staging, "staging-dns-staging", (i) => {
                    i["name"] = "erp.example.com";
                }),
            "isolation-production-reach",
            "mandatory",
            /DNS record erp\.example\.com belongs to production/,
        ],
        // data-protection
        [
            "unprotected production volume",
            () => mutate(prod, "prod-data", (_i, r) => ({ ...r, protect: false })),
            "data-protection",
            "mandatory",
            /Volume "prod-data" is not protected/,
        ],
        [
            "unversioned backup bucket",
            () =>
                mutate(prod, "prod-backup-bucket", (i) => {
                    i["versioning"] = { enabled: false };
                }),
            "data-protection",
            "mandatory",
            /not versioned/,
        ],
        [
            "backup bucket without lifecycle",
            () =>
                mutate(prod, "prod-backup-bucket", (i) => {
                    i["lifecycleRules"] = [];
                }),
            "data-protection",
            "mandatory",
            /no enabled lifecycle rule/,
        ],
        [
            "backup bucket in the host's region",
            () =>
                mutate(prod, "prod-backup-bucket", (i) => {
                    i["region"] = "fra1";
                }),
            "data-protection",
            "mandatory",
            /is in fra1, the host's region/,
        ],
        // exposure-*
        [
            "SSH open to the world",
            () =>
                mutate(staging, "staging-fw", (i) => {
                    list(i, "inboundRules").push({
                        protocol: "tcp",
                        portRange: "22",
                        sourceAddresses: ["::/0"],
                    });
                }),
            "exposure-admin-ports",
            "mandatory",
            /opens SSH \(22\) to ::\/0/,
        ],
        [
            "PostgreSQL published",
            () =>
                mutate(prod, "prod-postgres", (i) => {
                    i["ports"] = [{ internal: 5432, external: 5432 }];
                }),
            "exposure-admin-ports",
            "mandatory",
            /publishes PostgreSQL/,
        ],
        [
            "public backup bucket",
            () =>
                mutate(prod, "prod-backup-bucket", (i) => {
                    i["acl"] = "public-read";
                }),
            "exposure-bucket-private",
            "mandatory",
            /acl "public-read"/,
        ],
        [
            "database list on",
            () => mutate(prod, "prod-odoo", (i) => setFlag(i, "no-database-list", undefined)),
            "exposure-database-manager",
            "mandatory",
            /lists its databases/,
        ],
        [
            "weak master password",
            () =>
                mutate(prod, "prod-odoo", (i) => {
                    i["uploads"] = [
                        secret({
                            file: "/etc/odoo/odoo.conf",
                            content: "[options]\nadmin_passwd = admin\n",
                        }),
                    ];
                }),
            "exposure-database-manager",
            "mandatory",
            /no strong admin_passwd/,
        ],
        // hygiene-* (advisory)
        [
            "droplet without monitoring agent",
            () =>
                mutate(prod, "prod-droplet", (i) => {
                    i["monitoring"] = false;
                }),
            "hygiene-droplet-monitoring",
            "advisory",
            /no monitoring agent/,
        ],
        [
            "untagged volume",
            () =>
                mutate(prod, "prod-data", (i) => {
                    i["tags"] = [];
                }),
            "hygiene-tags",
            "advisory",
            /prod-data has no "odoo-platform" tag/,
        ],
        [
            "Odoo without memory limit",
            () =>
                mutate(prod, "prod-odoo", (i) => {
                    delete i["memory"];
                }),
            "hygiene-container-limits",
            "advisory",
            /"prod-odoo" has no memory limit/,
        ],
    ];
    /** Changes one component of an app's spec on the wire. */
    const component = (i: Raw, list: string, name: string) => {
        const spec = i["spec"] as Raw;
        const hit = (spec[list] as Raw[]).find((c) => c["name"] === name);
        assert.ok(hit, `no ${list} component ${name}`);
        return hit;
    };
    const appEnv = (i: Raw, key: string, value: string) => {
        const envs = (i["spec"] as Raw)["envs"] as Raw[];
        const e = envs.find((x) => x["key"] === key);
        assert.ok(e, `no app env ${key}`);
        e["value"] = value;
    };
    const withoutResource = (run: ProgramRun, name: string): ProgramRun => ({
        ...run,
        resources: run.resources.filter((r) => r.name !== name),
    });
    cases.push(
        // neutralization-odoo on App Platform
        [
            "a staging App Platform web component running crons",
            () =>
                mutate(appStaging, "staging-app", (i) => {
                    const web = component(i, "services", "web");
                    web["runCommand"] = String(web["runCommand"]).replace(
                        "--max-cron-threads=0",
                        "--max-cron-threads=2",
                    );
                }),
            "neutralization-odoo",
            "mandatory",
            /Odoo web component "web" on a staging stack runs crons \(--max-cron-threads=2\)/,
        ],
        [
            "a staging App Platform job mailing a real server",
            () =>
                mutate(appStaging, "staging-app", (i) => {
                    const job = component(i, "jobs", "upgrade");
                    job["runCommand"] = String(job["runCommand"]).replace(
                        "--smtp=mailpit",
                        "--smtp=smtp.example.com",
                    );
                }),
            "neutralization-odoo",
            "mandatory",
            /Odoo upgrade component "upgrade" .* sends mail to "smtp\.example\.com", not to this stack's Mailpit \(mailpit\)/,
        ],
        // isolation-production-reach on App Platform
        [
            "a staging app attached to production's cluster",
            () =>
                mutate(appStaging, "staging-app", (i) => {
                    ((i["spec"] as Raw)["databases"] as Raw[])[0]["clusterName"] =
                        "odoo-prod-db-pg";
                }),
            "isolation-production-reach",
            "mandatory",
            /app "staging-app" attaches production's cluster odoo-prod-db-pg/,
        ],
        [
            "a staging app answering for the production host",
            () =>
                mutate(appStaging, "staging-app", (i) => {
                    ((i["spec"] as Raw)["domainNames"] as Raw[])[0]["name"] = "erp.example.com";
                }),
            "isolation-production-reach",
            "mandatory",
            /app "staging-app" answers for production host erp\.example\.com/,
        ],
        [
            "a staging app writing attachments into production's bucket",
            () =>
                mutate(appStaging, "staging-app", (i) => {
                    ((i["spec"] as Raw)["envs"] as Raw[]).push({
                        key: "AWS_BUCKETNAME",
                        value: "odoo-prod-attachments",
                        scope: "RUN_TIME",
                        type: "GENERAL",
                    });
                }),
            "isolation-production-reach",
            "mandatory",
            /app "staging-app" stores attachments in production's bucket odoo-prod-attachments/,
        ],
        [
            "a staging droplet's Odoo on production's managed cluster",
            () =>
                mutate(managedStaging, "staging-odoo", (i) => {
                    i["envs"] = list(i, "envs").map((e) =>
                        typeof e === "string" && e.startsWith("HOST=")
                            ? "HOST=private-odoo-prod-db-pg-do-user-0.db.ondigitalocean.com"
                            : e,
                    );
                }),
            "isolation-production-reach",
            "mandatory",
            /Odoo uses the production database host "private-odoo-prod-db-pg/,
        ],
        // exposure-database-manager on App Platform
        [
            "an App Platform web component listing its databases",
            () =>
                mutate(appProd, "prod-app", (i) => {
                    const web = component(i, "services", "web");
                    web["runCommand"] = String(web["runCommand"]).replace(
                        " --no-database-list",
                        "",
                    );
                }),
            "exposure-database-manager",
            "mandatory",
            /Odoo web component "web" lists its databases/,
        ],
        [
            "an App Platform job without the master password",
            () =>
                mutate(appProd, "prod-app", (i) => {
                    const job = component(i, "jobs", "upgrade");
                    job["envs"] = (job["envs"] as Raw[]).filter(
                        (e) => e["key"] !== "ODOO_ADMIN_PASSWD",
                    );
                }),
            "exposure-database-manager",
            "mandatory",
            /Odoo upgrade component "upgrade" has no strong ODOO_ADMIN_PASSWD/,
        ],
        // odoo-addons-path on App Platform
        [
            "an App Platform cron worker with a reordered addons path",
            () =>
                mutate(appProd, "prod-app", (i) => {
                    const cron = component(i, "workers", "cron");
                    cron["runCommand"] = String(cron["runCommand"]).replace(
                        "/opt/odoo/src/addons,/opt/odoo/src/third-party/example-tools",
                        "/opt/odoo/src/third-party/example-tools,/opt/odoo/src/addons",
                    );
                }),
            "odoo-addons-path",
            "mandatory",
            /addons path differs from the canonical list/,
        ],
        // app-platform-state-off-disk
        [
            "attachments on the instances' disk",
            () => mutate(appProd, "prod-app", (i) => appEnv(i, "ODOO_ATTACHMENT_LOCATION", "file")),
            "app-platform-state-off-disk",
            "mandatory",
            /Odoo web component "web" keeps attachments outside the database \(ODOO_ATTACHMENT_LOCATION=file\): an instance's disk goes with every deploy/,
        ],
        [
            "sessions without the Redis store",
            () =>
                mutate(appProd, "prod-app", (i) => {
                    const cron = component(i, "workers", "cron");
                    cron["runCommand"] = String(cron["runCommand"]).replace(",session_redis", "");
                }),
            "app-platform-state-off-disk",
            "mandatory",
            /Odoo cron component "cron" keeps sessions on its disk/,
        ],
        [
            "attachments in S3, which no maintained module serves",
            () => mutate(appProd, "prod-app", (i) => appEnv(i, "ODOO_ATTACHMENT_LOCATION", "s3")),
            "app-platform-state-off-disk",
            "mandatory",
            /Odoo web component "web" keeps attachments outside the database \(ODOO_ATTACHMENT_LOCATION=s3\).*no maintained module serves S3/,
        ],
        // app-platform-upgrade-job
        [
            "an app without the upgrade job",
            () =>
                mutate(appProd, "prod-app", (i) => {
                    (i["spec"] as Raw)["jobs"] = [];
                }),
            "app-platform-upgrade-job",
            "mandatory",
            /no PRE_DEPLOY job running the module upgrade/,
        ],
        [
            "an upgrade that runs after the deploy",
            () =>
                mutate(appProd, "prod-app", (i) => {
                    component(i, "jobs", "upgrade")["kind"] = "POST_DEPLOY";
                }),
            "app-platform-upgrade-job",
            "mandatory",
            /no PRE_DEPLOY job running the module upgrade/,
        ],
        [
            "an upgrade of every module on every deploy",
            () =>
                mutate(appProd, "prod-app", (i) => {
                    const job = component(i, "jobs", "upgrade");
                    job["runCommand"] = `${String(job["runCommand"])} --update=all`;
                }),
            "app-platform-upgrade-job",
            "mandatory",
            /the upgrade job "upgrade" runs --update=all: every deploy would update every module/,
        ],
        // app-platform-production-scale
        [
            "one production web instance",
            () =>
                mutate(appProd, "prod-app", (i) => {
                    component(i, "services", "web")["instanceCount"] = 1;
                }),
            "app-platform-production-scale",
            "mandatory",
            /web service "web" of app "prod-app" runs 1 instance; production needs at least 2/,
        ],
        // exposure-database-cluster
        [
            "a PostgreSQL cluster without its firewall",
            () => withoutResource(appProd, "prod-db-firewall"),
            "exposure-database-cluster",
            "mandatory",
            /database cluster "prod-db-cluster" has no DatabaseFirewall/,
        ],
        [
            "a session store open to the world",
            () =>
                mutate(appProd, "prod-sessions-firewall", (i) => {
                    i["rules"] = [{ type: "ip_addr", value: "0.0.0.0/0" }];
                }),
            "exposure-database-cluster",
            "mandatory",
            /firewall "prod-sessions-firewall" admits ip_addr 0\.0\.0\.0\/0 \(the whole IPv4 internet\)/,
        ],
        [
            "a PostgreSQL cluster admitting an address range",
            () =>
                mutate(appProd, "prod-db-firewall", (i) => {
                    list(i, "rules").push({ type: "ip_addr", value: "198.51.100.0/24" });
                }),
            "exposure-database-cluster",
            "mandatory",
            /firewall "prod-db-firewall" admits ip_addr 198\.51\.100\.0\/24: admit the droplet or the app/,
        ],
        [
            "a droplet-runtime managed cluster without its firewall",
            () => withoutResource(managedProd, "prod-db-firewall"),
            "exposure-database-cluster",
            "mandatory",
            /database cluster "prod-db-cluster" has no DatabaseFirewall/,
        ],
    );
    /** Appends words to an app component's run command. */
    const appendRun = (i: Raw, list: string, name: string, ...words: string[]) => {
        const c = component(i, list, name);
        c["runCommand"] = [String(c["runCommand"]), ...words].join(" ");
    };
    /** Replaces a container's uploaded odoo.conf. */
    const setConf = (i: Raw, content: string) => {
        i["uploads"] = [secret({ file: "/etc/odoo/odoo.conf", content })];
    };
    const STAGING_CONF = "[options]\nadmin_passwd = a-long-master-password\n";
    cases.push(
        // Odoo's command line and env read as Odoo and Docker read them (optparse, odoo.conf)
        [
            "a repeated --max-cron-threads whose last value runs crons",
            () =>
                mutate(staging, "staging-odoo", (i) => {
                    command(i).push("--max-cron-threads=2");
                }),
            "neutralization-odoo",
            "mandatory",
            /runs crons \(--max-cron-threads=2\)/,
        ],
        [
            "crons through a unique prefix (--max-cron)",
            () =>
                mutate(staging, "staging-odoo", (i) => {
                    setFlag(i, "max-cron-threads", undefined);
                    command(i).push("--max-cron=2");
                }),
            "neutralization-odoo",
            "mandatory",
            /runs crons \(--max-cron-threads=2\)/,
        ],
        [
            "crons in the separate-word form (--max-cron-threads 2) after =0",
            () =>
                mutate(staging, "staging-odoo", (i) => {
                    command(i).push("--max-cron-threads", "2");
                }),
            "neutralization-odoo",
            "mandatory",
            /runs crons \(--max-cron-threads=2\)/,
        ],
        [
            "crons from odoo.conf when the command line leaves them out",
            () =>
                mutate(staging, "staging-odoo", (i) => {
                    setFlag(i, "max-cron-threads", undefined);
                    setConf(i, `${STAGING_CONF}max_cron_threads = 2\n`);
                }),
            "neutralization-odoo",
            "mandatory",
            /runs crons \(max_cron_threads = 2 in odoo\.conf\)/,
        ],
        [
            "an App Platform web component whose last --max-cron-threads runs crons",
            () =>
                mutate(appStaging, "staging-app", (i) =>
                    appendRun(i, "services", "web", "--max-cron-threads=2"),
                ),
            "neutralization-odoo",
            "mandatory",
            /Odoo web component "web" on a staging stack runs crons \(--max-cron-threads=2\)/,
        ],
        [
            "a repeated --smtp whose last value is a real relay",
            () =>
                mutate(appStaging, "staging-app", (i) =>
                    appendRun(i, "jobs", "upgrade", "--smtp=smtp.example.com"),
                ),
            "neutralization-odoo",
            "mandatory",
            /Odoo upgrade component "upgrade" .* sends mail to "smtp\.example\.com"/,
        ],
        [
            "a real relay in the separate-word form after --smtp=staging-mailpit",
            () =>
                mutate(staging, "staging-odoo", (i) => {
                    command(i).push("--smtp", "smtp.example.com");
                }),
            "neutralization-odoo",
            "mandatory",
            /sends mail to "smtp\.example\.com", not to this stack's Mailpit/,
        ],
        [
            "an SMTP user through a unique prefix (--smtp-us)",
            () =>
                mutate(staging, "staging-odoo", (i) => {
                    command(i).push("--smtp-us=odoo@example.com");
                }),
            "neutralization-odoo",
            "mandatory",
            /production SMTP credentials \(--smtp-user\)/,
        ],
        [
            "a repeated ODOO_STAGE env whose last value is production",
            () =>
                mutate(staging, "staging-odoo", (i) => {
                    list(i, "envs").push("ODOO_STAGE=production");
                }),
            "neutralization-odoo",
            "mandatory",
            /ODOO_STAGE=production; it must be "staging"/,
        ],
        [
            "an ambiguous option prefix (--smtp-p), which Odoo refuses",
            () =>
                mutate(staging, "staging-odoo", (i) => {
                    command(i).push("--smtp-p=587");
                }),
            "odoo-command-line",
            "mandatory",
            /ambiguous option: --smtp-p \(--smtp-password, --smtp-port\?\)/,
        ],
        [
            "a positive --db-list, an option Odoo 18 does not have",
            () =>
                mutate(prod, "prod-odoo", (i) => {
                    command(i).push("--db-list");
                }),
            "odoo-command-line",
            "mandatory",
            /no such option: --db-list/,
        ],
        [
            "a value in a flag that takes none (--no-database-list=1)",
            () =>
                mutate(prod, "prod-odoo", (i) => {
                    setFlag(i, "no-database-list", undefined);
                    command(i).push("--no-database-list=1");
                }),
            "odoo-command-line",
            "mandatory",
            /--no-database-list option does not take a value/,
        ],
        [
            "a cron count Odoo cannot read as a number (08, octal for optparse)",
            () => mutate(staging, "staging-odoo", (i) => setFlag(i, "max-cron-threads", "08")),
            "odoo-command-line",
            "mandatory",
            /option --max-cron-threads: invalid integer value: '08'/,
        ],
        [
            "an odoo.conf with an option twice, which Odoo's config parser refuses",
            () =>
                mutate(staging, "staging-odoo", (i) =>
                    setConf(i, `${STAGING_CONF}smtp_server = a\nsmtp_server = b\n`),
                ),
            "odoo-command-line",
            "mandatory",
            /odoo\.conf: option "smtp_server" .* given twice/,
        ],
        [
            "list_db = True in odoo.conf without --no-database-list",
            () =>
                mutate(prod, "prod-odoo", (i) => {
                    setFlag(i, "no-database-list", undefined);
                    setConf(
                        i,
                        "[options]\nadmin_passwd = a-long-master-password\nlist_db = True\n",
                    );
                }),
            "exposure-database-manager",
            "mandatory",
            /Odoo lists its databases \(list_db = True in odoo\.conf\)/,
        ],
        [
            "a list_db that Python reads as true (list_db = 0)",
            () =>
                mutate(prod, "prod-odoo", (i) => {
                    setFlag(i, "no-database-list", undefined);
                    setConf(i, "[options]\nadmin_passwd = a-long-master-password\nlist_db = 0\n");
                }),
            "exposure-database-manager",
            "mandatory",
            /Odoo lists its databases \(list_db = 0 in odoo\.conf\)/,
        ],
        [
            "a repeated --addons-path whose last value is not the image's",
            () =>
                mutate(staging, "staging-odoo", (i) => {
                    command(i).push("--addons-path=/opt/odoo/src/addons");
                }),
            "odoo-addons-path",
            "mandatory",
            /the official image odoo:18\.0 holds Odoo's core addons only, but Odoo runs with \/opt\/odoo\/src\/addons:/,
        ],
        [
            "an upgrade of every module through -u all",
            () => mutate(appProd, "prod-app", (i) => appendRun(i, "jobs", "upgrade", "-u", "all")),
            "app-platform-upgrade-job",
            "mandatory",
            /the upgrade job "upgrade" runs --update=all/,
        ],
        [
            "a repeated --load whose last value drops session_redis",
            () =>
                mutate(appProd, "prod-app", (i) =>
                    appendRun(i, "services", "web", "--load=base,web"),
                ),
            "app-platform-state-off-disk",
            "mandatory",
            /Odoo web component "web" keeps sessions on its disk/,
        ],
        [
            "a staging Odoo whose odoo.conf points at production's database",
            () =>
                mutate(staging, "staging-odoo", (i) =>
                    setConf(i, `${STAGING_CONF}db_host = prod-postgres\n`),
                ),
            "isolation-production-reach",
            "mandatory",
            /Odoo uses the production database host "prod-postgres"/,
        ],
        [
            "a staging App Platform component given production's cluster with --db_host",
            () =>
                mutate(appStaging, "staging-app", (i) =>
                    appendRun(
                        i,
                        "services",
                        "web",
                        "--db_host=private-odoo-prod-db-pg-do-user-0.db.ondigitalocean.com",
                    ),
                ),
            "isolation-production-reach",
            "mandatory",
            /Odoo web component "web" of app "staging-app" uses the production database host "private-odoo-prod-db-pg-do-user-0/,
        ],
    );
    /** Every public IPv4 block, listed one by one without the private ones. */
    const PUBLIC_V4 = [
        "1.0.0.0/8",
        "2.0.0.0/7",
        "4.0.0.0/6",
        "8.0.0.0/7",
        "11.0.0.0/8",
        "12.0.0.0/6",
        "16.0.0.0/4",
        "32.0.0.0/3",
        "64.0.0.0/3",
        "96.0.0.0/6",
        "100.0.0.0/10",
        "100.128.0.0/9",
        "101.0.0.0/8",
        "102.0.0.0/7",
        "104.0.0.0/5",
        "112.0.0.0/5",
        "120.0.0.0/6",
        "124.0.0.0/7",
        "126.0.0.0/8",
        "128.0.0.0/3",
        "160.0.0.0/5",
        "168.0.0.0/8",
        "169.0.0.0/9",
        "169.128.0.0/10",
        "169.192.0.0/11",
        "169.224.0.0/12",
        "169.240.0.0/13",
        "169.248.0.0/14",
        "169.252.0.0/15",
        "169.255.0.0/16",
        "170.0.0.0/7",
        "172.0.0.0/12",
        "172.32.0.0/11",
        "172.64.0.0/10",
        "172.128.0.0/9",
        "173.0.0.0/8",
        "174.0.0.0/7",
        "176.0.0.0/4",
        "192.0.1.0/24",
        "192.0.3.0/24",
        "192.0.4.0/22",
        "192.0.8.0/21",
        "192.0.16.0/20",
        "192.0.32.0/19",
        "192.0.64.0/18",
        "192.0.128.0/17",
        "192.1.0.0/16",
        "192.2.0.0/15",
        "192.4.0.0/14",
        "192.8.0.0/13",
        "192.16.0.0/12",
        "192.32.0.0/11",
        "192.64.0.0/10",
        "192.128.0.0/11",
        "192.160.0.0/13",
        "192.169.0.0/16",
        "192.170.0.0/15",
        "192.172.0.0/14",
        "192.176.0.0/12",
        "192.192.0.0/10",
        "193.0.0.0/8",
        "194.0.0.0/7",
        "196.0.0.0/7",
        "198.0.0.0/12",
        "198.16.0.0/15",
        "198.20.0.0/14",
        "198.24.0.0/13",
        "198.32.0.0/12",
        "198.48.0.0/15",
        "198.50.0.0/16",
        "198.51.0.0/18",
        "198.51.64.0/19",
        "198.51.96.0/22",
        "198.51.101.0/24",
        "198.51.102.0/23",
        "198.51.104.0/21",
        "198.51.112.0/20",
        "198.51.128.0/17",
        "198.52.0.0/14",
        "198.56.0.0/13",
        "198.64.0.0/10",
        "198.128.0.0/9",
        "199.0.0.0/8",
        "200.0.0.0/7",
        "202.0.0.0/8",
        "203.0.0.0/18",
        "203.0.64.0/19",
        "203.0.96.0/20",
        "203.0.112.0/24",
        "203.0.114.0/23",
        "203.0.116.0/22",
        "203.0.120.0/21",
        "203.0.128.0/17",
        "203.1.0.0/16",
        "203.2.0.0/15",
        "203.4.0.0/14",
        "203.8.0.0/13",
        "203.16.0.0/12",
        "203.32.0.0/11",
        "203.64.0.0/10",
        "203.128.0.0/9",
        "204.0.0.0/6",
        "208.0.0.0/4",
    ];
    const sshFrom =
        (...sourceAddresses: string[]) =>
        (i: Raw) => {
            list(i, "inboundRules").push({ protocol: "tcp", portRange: "22", sourceAddresses });
        };
    cases.push(
        // Address ranges judged by the addresses they cover, not by their spelling
        [
            "SSH open to the world as two halves (0.0.0.0/1 + 128.0.0.0/1)",
            () => mutate(staging, "staging-fw", sshFrom("0.0.0.0/1", "128.0.0.0/1")),
            "exposure-admin-ports",
            "mandatory",
            /inbound tcp\/22 opens SSH \(22\) to 0\.0\.0\.0\/1, 128\.0\.0\.0\/1 \(the whole IPv4 internet\)/,
        ],
        [
            "SSH open to the world through two rules (2000::/4, 3000::/4)",
            () =>
                mutate(staging, "staging-fw", (i) => {
                    sshFrom("2000::/4")(i);
                    sshFrom("3000::/4")(i);
                }),
            "exposure-admin-ports",
            "mandatory",
            /inbound tcp\/22, tcp\/22 open SSH \(22\) to 2000::\/4, 3000::\/4 \(the whole IPv6 internet\)/,
        ],
        [
            "SSH open to ::/1 + 8000::/1, of which ::/1 alone holds every routed IPv6 address",
            () =>
                mutate(staging, "staging-fw", (i) => {
                    sshFrom("::/1")(i);
                    sshFrom("8000::/1")(i);
                }),
            "exposure-admin-ports",
            "mandatory",
            /inbound tcp\/22 opens SSH \(22\) to ::\/1 \(the whole IPv6 internet\)/,
        ],
        [
            "SSH open to all of global unicast IPv6 (2000::/3)",
            () => mutate(staging, "staging-fw", sshFrom("2000::/3")),
            "exposure-admin-ports",
            "mandatory",
            /opens SSH \(22\) to 2000::\/3 \(the whole IPv6 internet\)/,
        ],
        [
            "SSH open to every public IPv4 block, the private ones left out",
            () => mutate(staging, "staging-fw", sshFrom(...PUBLIC_V4)),
            "exposure-admin-ports",
            "mandatory",
            /opens SSH \(22\) to 1\.0\.0\.0\/8, .*208\.0\.0\.0\/4 \(the whole IPv4 internet\)/,
        ],
        [
            "SSH open to a /0 spelled with host bits (8.8.8.8/0)",
            () => mutate(staging, "staging-fw", sshFrom("8.8.8.8/0")),
            "exposure-admin-ports",
            "mandatory",
            /opens SSH \(22\) to 8\.8\.8\.8\/0 \(the whole IPv4 internet\)/,
        ],
        [
            "SSH open to the uncompressed IPv6 world (0:0:0:0:0:0:0:0/0)",
            () => mutate(staging, "staging-fw", sshFrom("0:0:0:0:0:0:0:0/0")),
            "exposure-admin-ports",
            "mandatory",
            /opens SSH \(22\) to 0:0:0:0:0:0:0:0\/0 \(the whole IPv6 internet\)/,
        ],
        [
            "PostgreSQL open to the world over every port, protocol spelled TCP",
            () =>
                mutate(prod, "prod-fw", (i) => {
                    list(i, "inboundRules").push({
                        protocol: "TCP",
                        portRange: "1-65535",
                        sourceAddresses: ["0.0.0.0/1", "128.0.0.0/1"],
                    });
                }),
            "exposure-admin-ports",
            "mandatory",
            /inbound TCP\/1-65535 opens PostgreSQL \(5432\) to 0\.0\.0\.0\/1, 128\.0\.0\.0\/1 \(the whole IPv4 internet\)/,
        ],
        [
            "SSH from a source the pack cannot read as an address",
            () => mutate(staging, "staging-fw", sshFrom("my-office")),
            "exposure-admin-ports",
            "mandatory",
            /inbound tcp\/22 admits SSH \(22\) from "my-office", which is no address range/,
        ],
        [
            "a session store open to the world as two halves",
            () =>
                mutate(appProd, "prod-sessions-firewall", (i) => {
                    i["rules"] = [
                        { type: "ip_addr", value: "0.0.0.0/1" },
                        { type: "ip_addr", value: "128.0.0.0/1" },
                    ];
                }),
            "exposure-database-cluster",
            "mandatory",
            /firewall "prod-sessions-firewall" admits 0\.0\.0\.0\/1, 128\.0\.0\.0\/1: together the whole IPv4 internet/,
        ],
        [
            "a staging firewall letting TCP (upper case) out to one address on every port",
            () =>
                mutate(staging, "staging-fw", (i) => {
                    list(i, "outboundRules").push({
                        protocol: "TCP",
                        portRange: "all",
                        destinationAddresses: ["192.0.2.25/32"],
                    });
                }),
            "egress-no-smtp",
            "mandatory",
            /outbound rule TCP\/all lets this non-production host reach SMTP ports 25, 465, 587, 2525/,
        ],
        [
            "a staging firewall with an outbound range the pack cannot read",
            () =>
                mutate(staging, "staging-fw", (i) => {
                    list(i, "outboundRules").push({
                        protocol: "tcp",
                        portRange: "587-",
                        destinationAddresses: ["0.0.0.0/0"],
                    });
                }),
            "egress-no-smtp",
            "mandatory",
            /outbound rule tcp\/587- lets this non-production host reach SMTP ports 25, 465, 587, 2525/,
        ],
    );
    const BUCKET_POLICY = "digitalocean:index/spacesBucketPolicy:SpacesBucketPolicy";
    const bucketPolicy = (statement: Raw) =>
        withResource(prod, "prod-backup-bucket", BUCKET_POLICY, "prod-backup-policy", {
            bucket: "example-com-odoo-backups",
            region: "ams3",
            policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }),
        });
    const toEnvironment = (environment: string) => (i: Raw) => {
        i["environment"] = environment;
    };
    const componentEnv = (i: Raw, list: string, name: string, key: string, value: string) => {
        (component(i, list, name)["envs"] as Raw[]).push({
            key,
            value,
            scope: "RUN_TIME",
            type: "GENERAL",
        });
    };
    cases.push(
        // isolation-production-reach through the GitHub environment's neighbours
        [
            "a staging stack writing a secret into the production GitHub environment",
            () =>
                mutate(
                    staging,
                    "staging-github-secret-platform-deploy-token",
                    toEnvironment("production"),
                ),
            "isolation-production-reach",
            "mandatory",
            /a non-production stack writes the secret PLATFORM_DEPLOY_TOKEN into the GitHub environment "production"/,
        ],
        [
            "a staging stack writing a variable into Production (GitHub's names ignore case)",
            () => mutate(staging, "staging-github-var-stack", toEnvironment("Production")),
            "isolation-production-reach",
            "mandatory",
            /a non-production stack writes the variable STACK into the GitHub environment "Production"/,
        ],
        [
            "a staging stack managing the PRODUCTION environment",
            () => mutate(staging, "staging-github-environment", toEnvironment("PRODUCTION")),
            "isolation-production-reach",
            "mandatory",
            /a non-production stack manages the GitHub environment "PRODUCTION"/,
        ],
        [
            "a staging stack setting production's deployment branches",
            () =>
                withResource(
                    staging,
                    "staging-github-environment",
                    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
                    "staging-github-deploy-from-dev",
                    { repository: "odoo", environment: "production", branchPattern: "dev" },
                ),
            "isolation-production-reach",
            "mandatory",
            /a non-production stack sets which branches deploy to the GitHub environment "production"/,
        ],
        // exposure-bucket-private beyond the bucket's ACL
        [
            "a bucket made public by a bucket policy",
            () =>
                bucketPolicy({
                    Effect: "Allow",
                    Principal: "*",
                    Action: "s3:GetObject",
                    Resource: "arn:aws:s3:::example-com-odoo-backups/*",
                }),
            "exposure-bucket-private",
            "mandatory",
            /bucket policy "prod-backup-policy" lets anyone \(Principal \*\) s3:GetObject on example-com-odoo-backups/,
        ],
        [
            "a bucket policy public to the world's addresses as two halves",
            () =>
                bucketPolicy({
                    Effect: "Allow",
                    Principal: { AWS: ["*"] },
                    Action: ["s3:GetObject", "s3:ListBucket"],
                    Resource: ["arn:aws:s3:::example-com-odoo-backups/*"],
                    Condition: { IpAddress: { "aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"] } },
                }),
            "exposure-bucket-private",
            "mandatory",
            /bucket policy "prod-backup-policy" lets anyone \(Principal \*\) s3:GetObject, s3:ListBucket/,
        ],
        [
            "a bucket policy granting everyone but one account (NotPrincipal)",
            () =>
                bucketPolicy({
                    Effect: "Allow",
                    NotPrincipal: { AWS: "arn:aws:iam::123456789012:root" },
                    Action: "s3:*",
                }),
            "exposure-bucket-private",
            "mandatory",
            /bucket policy "prod-backup-policy" lets anyone \(NotPrincipal\) s3:\*/,
        ],
        [
            "a bucket policy the pack cannot read",
            () =>
                withResource(prod, "prod-backup-bucket", BUCKET_POLICY, "prod-backup-policy", {
                    bucket: "example-com-odoo-backups",
                    region: "ams3",
                    policy: "{not json",
                }),
            "exposure-bucket-private",
            "mandatory",
            /bucket policy "prod-backup-policy" is no JSON policy document the pack can read/,
        ],
        [
            "a public object in the backup bucket",
            () =>
                withResource(
                    prod,
                    "prod-backup-bucket",
                    "digitalocean:index/spacesBucketObject:SpacesBucketObject",
                    "prod-backup-readme",
                    {
                        bucket: "example-com-odoo-backups",
                        region: "ams3",
                        key: "README",
                        content: "x",
                        acl: "public-read",
                    },
                ),
            "exposure-bucket-private",
            "mandatory",
            /object README in bucket example-com-odoo-backups has acl "public-read"/,
        ],
        [
            "a CORS configuration letting any website read the bucket",
            () =>
                withResource(
                    prod,
                    "prod-backup-bucket",
                    "digitalocean:index/spacesBucketCorsConfiguration:SpacesBucketCorsConfiguration",
                    "prod-backup-cors",
                    {
                        bucket: "example-com-odoo-backups",
                        region: "ams3",
                        corsRules: [{ allowedMethods: ["GET"], allowedOrigins: ["*"] }],
                    },
                ),
            "exposure-bucket-private",
            "mandatory",
            /CORS of bucket example-com-odoo-backups lets any origin \(\*\) GET/,
        ],
        [
            "a bucket's own CORS rule for every https origin",
            () =>
                mutate(prod, "prod-backup-bucket", (i) => {
                    i["corsRules"] = [
                        { allowedMethods: ["GET", "PUT"], allowedOrigins: ["https://*"] },
                    ];
                }),
            "exposure-bucket-private",
            "mandatory",
            /CORS of bucket example-com-odoo-backups lets any origin \(https:\/\/\*\) GET, PUT/,
        ],
        // App Platform components reaching production through their envs
        [
            "a staging App Platform component with production's cluster in PGHOST",
            () =>
                mutate(appStaging, "staging-app", (i) => {
                    const web = component(i, "services", "web");
                    web["envs"] = (web["envs"] as Raw[]).map((e) =>
                        e["key"] === "PGHOST"
                            ? {
                                  ...e,
                                  value: "private-odoo-prod-db-pg-do-user-0.db.ondigitalocean.com",
                              }
                            : e,
                    );
                }),
            "isolation-production-reach",
            "mandatory",
            /Odoo web component "web" of app "staging-app" uses the production database host "private-odoo-prod-db-pg-do-user-0/,
        ],
        [
            "a staging App Platform component keeping sessions in production's store",
            () =>
                mutate(appStaging, "staging-app", (i) => {
                    const web = component(i, "services", "web");
                    web["envs"] = (web["envs"] as Raw[]).map((e) =>
                        e["key"] === "ODOO_SESSION_REDIS_URL"
                            ? {
                                  ...e,
                                  value: secret(
                                      "rediss://doadmin:x@odoo-prod-sessions-do-user-0.db.ondigitalocean.com:25061",
                                  ),
                              }
                            : e,
                    );
                }),
            "isolation-production-reach",
            "mandatory",
            /Odoo web component "web" of app "staging-app" has ODOO_SESSION_REDIS_URL pointing at production's odoo-prod-sessions/,
        ],
        [
            "a staging App Platform job writing attachments into production's bucket",
            () =>
                mutate(appStaging, "staging-app", (i) =>
                    componentEnv(i, "jobs", "upgrade", "AWS_BUCKETNAME", "odoo-prod-attachments"),
                ),
            "isolation-production-reach",
            "mandatory",
            /Odoo upgrade component "upgrade" of app "staging-app" stores attachments in production's bucket odoo-prod-attachments/,
        ],
        [
            "a staging App Platform component given an SMTP password the entrypoint writes to odoo.conf",
            () =>
                mutate(appStaging, "staging-app", (i) =>
                    componentEnv(i, "services", "web", "ODOO_SMTP_PASSWORD", "relay-password"),
                ),
            "neutralization-odoo",
            "mandatory",
            /Odoo web component "web" on a staging stack carries production SMTP credentials \(ODOO_SMTP_PASSWORD env \(smtp_password in odoo\.conf\)\)/,
        ],
    );
    const labels = (i: Raw) => list(i, "labels") as { label: string; value: string }[];
    const withoutLabel = (match: RegExp) => (i: Raw) => {
        i["labels"] = labels(i).filter((l) => !match.test(l.label));
    };
    const setLabel = (label: RegExp, value: string) => (i: Raw) => {
        for (const l of labels(i)) if (label.test(l.label)) l.value = value;
    };
    const tokenPolicies = (i: Raw) =>
        i["policies"] as {
            effect: string;
            permissionGroups: { id: string }[];
            resources: string;
        }[];
    const DEPLOY_POLICY =
        "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy";
    cases.push(
        // exposure-noindex
        [
            "a staging Odoo served without X-Robots-Tag",
            () => mutate(staging, "staging-odoo", withoutLabel(/X-Robots-Tag$/)),
            "exposure-noindex",
            "mandatory",
            /container "staging-odoo" serves staging\.example\.com without X-Robots-Tag: noindex \(routers staging-example-com, staging-example-com-open0, staging-example-com-ws\)/,
        ],
        [
            "a staging Mailpit router without its headers middleware",
            () =>
                // The headers middleware taken out of the router's list; the door stays.
                mutate(staging, "staging-mailpit", (i) => {
                    for (const l of routerLabels(i)) {
                        if (l.label.endsWith(".middlewares")) {
                            l.value = l.value.replace(/^[^,]*-headers,?/, "");
                        }
                    }
                }),
            "exposure-noindex",
            "mandatory",
            /container "staging-mailpit" serves mail\.dev\.example\.com without X-Robots-Tag: noindex/,
        ],
        [
            "an X-Robots-Tag that lets robots index",
            () => mutate(staging, "staging-odoo", setLabel(/X-Robots-Tag$/, "all")),
            "exposure-noindex",
            "mandatory",
            /container "staging-odoo" serves staging\.example\.com without X-Robots-Tag: noindex/,
        ],
        [
            "an X-Robots-Tag for one robot only (googlebot: noindex)",
            () => mutate(staging, "staging-odoo", setLabel(/X-Robots-Tag$/, "googlebot: noindex")),
            "exposure-noindex",
            "mandatory",
            /container "staging-odoo" serves staging\.example\.com without X-Robots-Tag: noindex/,
        ],
        // isolation-production-reviewers
        [
            "a production environment without reviewers",
            () =>
                mutate(prod, "prod-github-environment", (i) => {
                    i["reviewers"] = [{ users: [], teams: [] }];
                }),
            "isolation-production-reviewers",
            "mandatory",
            /GitHub environment "production" of odoo has no reviewers/,
        ],
        [
            "a production environment that lets a deployer approve their own deploy",
            () =>
                mutate(prod, "prod-github-environment", (i) => {
                    i["preventSelfReview"] = false;
                }),
            "isolation-production-reviewers",
            "mandatory",
            /GitHub environment "production" of odoo lets the one who starts a deploy approve it/,
        ],
        [
            "a production environment whose admins bypass the reviewers (GitHub's default)",
            () =>
                mutate(prod, "prod-github-environment", (i) => {
                    delete i["canAdminsBypass"];
                }),
            "isolation-production-reviewers",
            "mandatory",
            /GitHub environment "production" of odoo lets administrators bypass its reviewers/,
        ],
        [
            "a production environment any protected branch deploys to",
            () =>
                mutate(prod, "prod-github-environment", (i) => {
                    i["deploymentBranchPolicy"] = {
                        protectedBranches: true,
                        customBranchPolicies: false,
                    };
                }),
            "isolation-production-reviewers",
            "mandatory",
            /GitHub environment "production" of odoo deploys from every protected branch/,
        ],
        [
            "a production environment every branch deploys to",
            () =>
                mutate(prod, "prod-github-environment", (i) => {
                    delete i["deploymentBranchPolicy"];
                }),
            "isolation-production-reviewers",
            "mandatory",
            /GitHub environment "production" of odoo deploys from any branch/,
        ],
        [
            "a production deployment policy for every branch",
            () =>
                mutate(prod, "prod-github-deploy-from-main", (i) => {
                    i["branchPattern"] = "*";
                }),
            "isolation-production-reviewers",
            "mandatory",
            /GitHub environment "production" of odoo deploys from branches matching "\*", not only from main/,
        ],
        [
            "a production deployment policy for tags",
            () =>
                mutate(prod, "prod-github-deploy-from-main", (i) => {
                    delete i["branchPattern"];
                    i["tagPattern"] = "v*";
                }),
            "isolation-production-reviewers",
            "mandatory",
            /GitHub environment "production" of odoo deploys from tags matching "v\*", not only from main/,
        ],
        [
            "a second deployment branch for production",
            () =>
                withResource(
                    prod,
                    "prod-github-deploy-from-main",
                    DEPLOY_POLICY,
                    "prod-github-deploy-from-release",
                    {
                        repository: "odoo",
                        environment: "production",
                        branchPattern: "release/*",
                    },
                ),
            "isolation-production-reviewers",
            "mandatory",
            /GitHub environment "production" of odoo deploys from branches matching "release\/\*", not only from main/,
        ],
        [
            "a production environment without its deployment branch policy",
            () => withoutResource(prod, "prod-github-deploy-from-main"),
            "isolation-production-reviewers",
            "mandatory",
            /GitHub environment "production" of odoo names no branch to deploy from/,
        ],
        // exposure-dns-token-scope
        [
            "a Traefik token for the whole account",
            () =>
                mutate(staging, "staging-dns-traefik-token", (i) => {
                    tokenPolicies(i)[0].resources = JSON.stringify({
                        "com.cloudflare.api.account.0123456789abcdef0123456789abcdef": "*",
                    });
                }),
            "exposure-dns-token-scope",
            "mandatory",
            /API token "staging-dns-traefik-token" reaches com\.cloudflare\.api\.account\.0123456789abcdef0123456789abcdef, account-wide/,
        ],
        [
            "a Traefik token for every zone of the account",
            () =>
                mutate(staging, "staging-dns-traefik-token", (i) => {
                    tokenPolicies(i)[0].resources = JSON.stringify({
                        "com.cloudflare.api.account.0123456789abcdef0123456789abcdef": {
                            "com.cloudflare.api.account.zone.*": "*",
                        },
                    });
                }),
            "exposure-dns-token-scope",
            "mandatory",
            /API token "staging-dns-traefik-token" reaches com\.cloudflare\.api\.account\.0123456789abcdef0123456789abcdef, account-wide/,
        ],
        [
            "a Traefik token for every zone (zone.*)",
            () =>
                mutate(staging, "staging-dns-traefik-token", (i) => {
                    tokenPolicies(i)[0].resources = JSON.stringify({
                        "com.cloudflare.api.account.zone.*": "*",
                    });
                }),
            "exposure-dns-token-scope",
            "mandatory",
            /API token "staging-dns-traefik-token" reaches com\.cloudflare\.api\.account\.zone\.\*, every zone/,
        ],
        [
            "a Traefik token for a second zone",
            () =>
                mutate(staging, "staging-dns-traefik-token", (i) => {
                    const p = tokenPolicies(i);
                    p.push({
                        ...p[0],
                        resources: JSON.stringify({
                            "com.cloudflare.api.account.zone.fedcba9876543210fedcba9876543210": "*",
                        }),
                    });
                }),
            "exposure-dns-token-scope",
            "mandatory",
            /API token "staging-dns-traefik-token" covers 2 zones .*; it must cover this stack's zone 0123456789abcdef0123456789abcdef only/,
        ],
        [
            "a Traefik token for another zone than the stack's records",
            () =>
                mutate(staging, "staging-dns-traefik-token", (i) => {
                    tokenPolicies(i)[0].resources = JSON.stringify({
                        "com.cloudflare.api.account.zone.fedcba9876543210fedcba9876543210": "*",
                    });
                }),
            "exposure-dns-token-scope",
            "mandatory",
            /API token "staging-dns-traefik-token" covers zone fedcba9876543210fedcba9876543210; it must cover this stack's zone 0123456789abcdef0123456789abcdef only/,
        ],
        [
            "a Traefik token with a permission beyond DNS",
            () =>
                mutate(staging, "staging-dns-traefik-token", (i) => {
                    tokenPolicies(i)[0].permissionGroups.push({
                        id: "e6d2666161e84845a636613608cee8d5",
                    });
                }),
            "exposure-dns-token-scope",
            "mandatory",
            /API token "staging-dns-traefik-token" grants permission group e6d2666161e84845a636613608cee8d5, which is neither DNS Write nor Zone Read/,
        ],
        [
            "a Traefik token without DNS Write",
            () =>
                mutate(staging, "staging-dns-traefik-token", (i) => {
                    const p = tokenPolicies(i)[0];
                    p.permissionGroups = p.permissionGroups.filter(
                        (g) => g.id !== "4755a26eedb94da69e1066d98aa820be",
                    );
                }),
            "exposure-dns-token-scope",
            "mandatory",
            /API token "staging-dns-traefik-token" grants no DNS Write on zone/,
        ],
    );

    cases.push(
        // exposure-zone-tls
        [
            "a zone whose edge reaches the origin without checking its certificate (full)",
            () =>
                mutate(prod, "prod-dns-ssl", (i) => {
                    i["value"] = "full";
                }),
            "exposure-zone-tls",
            "mandatory",
            /zone setting ssl is "full"; it must be "strict"/,
        ],
        [
            "a zone that answers plain HTTP",
            () =>
                mutate(prod, "prod-dns-always-use-https", (i) => {
                    i["value"] = "off";
                }),
            "exposure-zone-tls",
            "mandatory",
            /zone setting always_use_https is "off"; it must be "on"/,
        ],
        [
            "a zone that accepts TLS 1.0",
            () =>
                mutate(prod, "prod-dns-min-tls-version", (i) => {
                    i["value"] = "1.0";
                }),
            "exposure-zone-tls",
            "mandatory",
            /zone setting min_tls_version is "1\.0"; it must be "1\.2" or "1\.3"/,
        ],
        [
            "a staging stack changing the zone's settings, which production owns",
            () =>
                withResource(
                    staging,
                    "staging-dns-staging",
                    "cloudflare:index/zoneSetting:ZoneSetting",
                    "staging-dns-ssl",
                    {
                        zoneId: "0123456789abcdef0123456789abcdef",
                        settingId: "ssl",
                        value: "strict",
                    },
                ),
            "exposure-zone-tls",
            "mandatory",
            /a staging stack sets zone setting ssl, which production owns/,
        ],
        // exposure-spaces-key-scope
        [
            "a Spaces key with full access",
            () =>
                mutate(prod, "prod-backup-key", (i) => {
                    i["grants"] = [{ bucket: "", permission: "fullaccess" }];
                }),
            "exposure-spaces-key-scope",
            "mandatory",
            /Spaces key "prod-backup-key" grants fullaccess on every bucket of the account/,
        ],
        [
            "a Spaces key reaching a bucket this stack does not create",
            () =>
                mutate(prod, "prod-backup-key", (i) => {
                    list(i, "grants").push({
                        bucket: "example-com-pulumi-state",
                        permission: "read",
                    });
                }),
            "exposure-spaces-key-scope",
            "mandatory",
            /Spaces key "prod-backup-key" grants read on bucket example-com-pulumi-state, which this stack does not create/,
        ],
    );
    for (const [title, make, policy, level, message] of cases) {
        it(`${policy}: refuses ${title}`, async () => {
            await expectOnly(make(), policy, level, message);
        });
    }

    const safeAsOdooReadsIt: [string, () => ProgramRun][] = [
        [
            "crons off by the last of two --max-cron-threads",
            () =>
                mutate(staging, "staging-odoo", (i) => {
                    setFlag(i, "max-cron-threads", "2");
                    command(i).push("--max-cron-threads=0");
                }),
        ],
        [
            "crons off as octal 00, which optparse reads as 0",
            () => mutate(staging, "staging-odoo", (i) => setFlag(i, "max-cron-threads", "00")),
        ],
        [
            "the database list off through a unique prefix (--no-database)",
            () =>
                mutate(prod, "prod-odoo", (i) => {
                    setFlag(i, "no-database-list", undefined);
                    command(i).push("--no-database");
                }),
        ],
        [
            "the database list off by list_db = false in odoo.conf",
            () =>
                mutate(prod, "prod-odoo", (i) => {
                    setFlag(i, "no-database-list", undefined);
                    setConf(
                        i,
                        "[options]\nadmin_passwd = a-long-master-password\nlist_db = false\n",
                    );
                }),
        ],
        [
            "smtp_user = False in a staging odoo.conf (no user)",
            () =>
                mutate(staging, "staging-odoo", (i) =>
                    setConf(i, `${STAGING_CONF}smtp_user = False\n`),
                ),
        ],
        [
            "a first ODOO_STAGE that the last one overrides with the right stage",
            () =>
                mutate(staging, "staging-odoo", (i) => {
                    list(i, "envs").unshift("ODOO_STAGE=production");
                }),
        ],
        [
            "a --db_host on the command line, which the image's entrypoint overrides with HOST",
            () =>
                mutate(staging, "staging-odoo", (i) => {
                    command(i).push("--db_host=prod-postgres");
                }),
        ],
    ];
    const BUCKET_POLICY_TYPE = "digitalocean:index/spacesBucketPolicy:SpacesBucketPolicy";
    const withBucketPolicy = (statement: Raw) =>
        withResource(prod, "prod-backup-bucket", BUCKET_POLICY_TYPE, "prod-backup-policy", {
            bucket: "example-com-odoo-backups",
            region: "ams3",
            policy: JSON.stringify({ Version: "2012-10-17", Statement: statement }),
        });
    safeAsOdooReadsIt.push(
        [
            "a bucket policy that denies everyone outside one office",
            () =>
                withBucketPolicy({
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Condition: { NotIpAddress: { "aws:SourceIp": "198.51.100.0/24" } },
                }),
        ],
        [
            "CORS for the platform's own origin",
            () =>
                mutate(prod, "prod-backup-bucket", (i) => {
                    i["corsRules"] = [
                        { allowedMethods: ["GET"], allowedOrigins: ["https://erp.example.com"] },
                    ];
                }),
        ],
    );
    const routerLabels = (i: Raw) => i["labels"] as { label: string; value: string }[];
    safeAsOdooReadsIt.push(
        [
            "an X-Robots-Tag label whose header name is in lower case",
            () =>
                mutate(staging, "staging-odoo", (i) => {
                    for (const l of routerLabels(i)) {
                        l.label = l.label.replace(/X-Robots-Tag$/, "x-robots-tag");
                    }
                }),
        ],
        [
            "a router naming its middleware with the provider (@docker)",
            () =>
                mutate(staging, "staging-odoo", (i) => {
                    for (const l of routerLabels(i)) {
                        if (l.label.endsWith(".middlewares")) {
                            l.value = l.value
                                .split(",")
                                .map((m) => (m.includes("@") ? m : `${m}@docker`))
                                .join(",");
                        }
                    }
                }),
        ],
        [
            "noindex through a chain middleware",
            () =>
                mutate(staging, "staging-odoo", (i) => {
                    for (const l of routerLabels(i)) {
                        if (l.label.endsWith(".middlewares")) l.value = "staging-chain";
                    }
                    routerLabels(i).push({
                        label: "traefik.http.middlewares.staging-chain.chain.middlewares",
                        value: "staging-example-com-headers,nonprod-door@docker",
                    });
                }),
        ],
        [
            "a production environment reviewed by a team",
            () =>
                mutate(prod, "prod-github-environment", (i) => {
                    i["reviewers"] = [{ teams: [42] }];
                }),
        ],
        [
            "a Traefik token with a deny policy over the account",
            () =>
                mutate(staging, "staging-dns-traefik-token", (i) => {
                    (i["policies"] as Raw[]).push({
                        effect: "deny",
                        permissionGroups: [{ id: "e6d2666161e84845a636613608cee8d5" }],
                        resources: JSON.stringify({
                            "com.cloudflare.api.account.0123456789abcdef0123456789abcdef": "*",
                        }),
                    });
                }),
        ],
    );
    for (const [title, make] of safeAsOdooReadsIt) {
        it(`accepts ${title}`, async () => {
            assert.deepEqual(await analyze(make()), []);
        });
    }

    it("isolation-preview-scope: a pr-<N> stack may create nothing shared and must name everything pr-<N>", async () => {
        const vs = (await analyze(asStack(staging, "pr-7"))).filter(
            (v) => v.policy === "isolation-preview-scope",
        );
        const messages = vs.map((v) => v.message);
        for (const shared of [
            'Droplet "staging-droplet"',
            'Vpc "staging-vpc"',
            'Firewall "staging-fw"',
            'Volume "staging-data"',
            'ReservedIp "staging-ip"',
        ]) {
            assert.ok(
                messages.some((m) => m.includes(`must not create ${shared}`)),
                shared,
            );
        }
        assert.ok(messages.some((m) => m.includes('resource "staging-odoo" does not carry pr-7')));
        assert.ok(vs.every((v) => v.enforcementLevel === "mandatory"));
    });

    it("reads the stage from policy config and stack tags before the stack name", async () => {
        const cron = mutate(staging, "staging-odoo", (i) => setFlag(i, "max-cron-threads", "2"));
        const viaConfig = await pack.analyze(cron, {
            config: { ...packConfig(), "neutralization-odoo": { stage: "production" } },
        });
        assert.deepEqual(
            viaConfig.filter((v) => v.policy === "neutralization-odoo"),
            [],
        );
        const viaTag = await analyze(asStack(prod, "erp-main"), {
            tags: { "odoo-platform:stage": "production" },
        });
        assert.deepEqual(viaTag, []);
        // Without a tag an unknown stack name gets non-production rules.
        const untagged = await analyze(asStack(prod, "erp-main"));
        assert.ok(
            untagged.some(
                (v) => v.policy === "neutralization-odoo" && v.enforcementLevel === "mandatory",
            ),
        );
    });

    it("skips unknown values the way the CLI does: advisory, never mandatory", async () => {
        const unknown = mutate(staging, "staging-odoo", (i) => {
            i["command"] = UNKNOWN;
        });
        const vs: Violation[] = await analyze(unknown);
        assert.ok(vs.length > 0);
        assert.ok(
            vs.every((v) => v.enforcementLevel === "advisory"),
            JSON.stringify(vs, null, 2),
        );
        assert.ok(
            vs.some((v) => /can't run policy 'odoo-addons-path' .* during preview/.test(v.message)),
        );
    });

    it("the policy pack config can change a policy's enforcement level", async () => {
        const run = mutate(prod, "prod-droplet", (i) => {
            i["monitoring"] = false;
        });
        const vs = await pack.analyze(run, {
            config: {
                ...packConfig(),
                "hygiene-droplet-monitoring": { enforcementLevel: "mandatory" },
            },
        });
        assert.deepEqual(
            vs.map((v) => [v.policy, v.enforcementLevel]),
            [["hygiene-droplet-monitoring", "mandatory"]],
        );
    });

    it("reads the pack's files from policy/ only (no import of the program)", () => {
        const files = fs
            .readdirSync(POLICY_DIR, { recursive: true, encoding: "utf8" })
            .filter((x) => x.endsWith(".ts"));
        assert.ok(files.includes(path.join("lib", "index.ts")), "the shared readers are read too");
        for (const f of files) {
            const text = fs.readFileSync(path.join(POLICY_DIR, f), "utf8");
            const outside = f.startsWith("lib") ? /from "\.\.\/\.\.\// : /from "\.\.\//;
            assert.doesNotMatch(text, outside, `${f} imports from outside the pack`);
        }
    });
});

import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PLATFORM_EXTRAS_SQL } from "../components/backup-scripts";
import {
    renderTemplateRefreshScript,
    renderPrCreateScript,
    renderPrDeleteScript,
    overSsh,
    prSecret,
} from "../components/preview-scripts";
import { CANONICAL_ADDONS_PATH } from "../stacks/addons";
import { ConfigError, parsePreviewConfig } from "../stacks/config";
import { devHostProblems } from "../stacks/preview";
import {
    NEUTRALIZE_EMULATION_SQL,
    createOdooDatabase,
    filestoreFingerprints,
    tableFingerprints,
} from "./doubles/odoo-fixture";
import { ProgramRun, isSecret } from "./doubles/mock-cloud";
import { PgServer, databaseExists, psql, startPostgres } from "./doubles/pg";
import { loadStackConfig } from "../tools/stack-config";
import { countByType, one, runPreviewStack } from "./helpers";

const IMAGE =
    "ghcr.io/example/odoo@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945";

describe("pr-<N> stack (offline, mocked staging reference)", function () {
    let run: ProgramRun;
    before(async () => {
        run = await runPreviewStack();
    });

    it("creates a handful of PR-scoped resources and nothing shared", () => {
        const owned = run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
        assert.deepEqual(countByType(owned), {
            "pulumi:pulumi:StackReference": 1,
            "odoo-platform:preview:PreviewEnvironment": 1,
            "pulumi:providers:docker": 1,
            "docker:index/remoteImage:RemoteImage": 1,
            "command:local:Command": 1,
            "docker:index/container:Container": 1,
        });
        assert.ok(owned.length <= 6);
        for (const r of owned) assert.match(r.name, /(^|-)pr-42(-|$)/, r.name);
    });

    it("runs the PR image with neutralized flags, a memory limit and its own host name", () => {
        const odoo = one(run.resources, "docker:index/container:Container", "pr-42-odoo").inputs;
        // The container runs what the PR image resource pulled: the image by its digest.
        const image = one(run.resources, "docker:index/remoteImage:RemoteImage", "pr-42-image");
        assert.equal(image.inputs["name"], IMAGE);
        assert.match(String(odoo["image"]), /^sha256:[0-9a-f]{64}$/);
        assert.equal(odoo["memory"], 1536);
        const cmd = odoo["command"] as string[];
        for (const f of [
            "--database=odoo_pr_42",
            "--db-filter=^odoo_pr_42$",
            "--no-database-list",
            "--workers=0",
            "--max-cron-threads=0",
            "--smtp=staging-mailpit",
            "--smtp-port=1025",
            "--update=sale_custom",
            `--addons-path=${CANONICAL_ADDONS_PATH.join(",")}`,
        ]) {
            assert.ok(cmd.includes(f), f);
        }
        const env = odoo["envs"] as string[];
        assert.ok(env.includes("ODOO_STAGE=preview"));
        assert.ok(env.includes("HOST=staging-postgres"));
        // Its own role, with a password derived from the dev host's: never staging's superuser.
        assert.ok(env.includes("USER=odoo_pr_42"), env.join(" "));
        const devPassword = "preview-placeholder-postgresPassword";
        assert.ok(env.includes(`PASSWORD=${prSecret(devPassword, 42, "role")}`));
        assert.ok(!env.some((e) => e.includes(devPassword)));
        const raw = one(run.resources, "docker:index/container:Container", "pr-42-odoo").resource
            .rawInputs["envs"] as unknown[];
        assert.ok(isSecret(raw[raw.length - 1]), "the PASSWORD item is secret");
        // Its own master password too.
        const conf = (odoo["uploads"] as { content: string }[])[0].content;
        assert.equal(
            conf,
            `[options]\nadmin_passwd = ${prSecret("preview-placeholder-adminPassword", 42, "admin")}\n`,
        );
        const labels = Object.fromEntries(
            (odoo["labels"] as { label: string; value: string }[]).map((l) => [l.label, l.value]),
        );
        assert.equal(
            labels["traefik.http.routers.pr-42-dev-example-com.rule"],
            "Host(`pr-42.dev.example.com`)",
        );
        assert.equal(
            labels["traefik.http.routers.pr-42-dev-example-com.tls.domains[0].main"],
            "dev.example.com",
        );
        assert.equal(
            labels["traefik.http.routers.pr-42-dev-example-com.tls.domains[0].sans"],
            "*.dev.example.com",
        );
        assert.equal(
            labels[
                "traefik.http.middlewares.pr-42-dev-example-com-headers.headers.customResponseHeaders.X-Robots-Tag"
            ],
            "noindex, nofollow",
        );
        assert.equal(labels["odoo-platform.pr"], "42");
        assert.deepEqual(odoo["networksAdvanced"], [{ name: "odoo-staging" }]);
        assert.deepEqual(odoo["mounts"], [
            {
                type: "bind",
                source: "/mnt/odoo-data/odoo/filestore/odoo_pr_42",
                target: "/var/lib/odoo/filestore/odoo_pr_42",
            },
        ]);
    });

    it("clones the template on create and drops the clone on delete, over SSH to the dev host", () => {
        const data = one(run.resources, "command:local:Command", "pr-42-database").inputs;
        const dev = run.resources.find((r) => r.type === "pulumi:providers:docker")!;
        const address = String((dev.rawInputs as { host: string }).host).replace("ssh://root@", "");
        const psqlCmd = "docker exec -i staging-postgres psql -U odoo";
        const args = {
            n: 42,
            max: 8,
            baseUrl: "https://pr-42.dev.example.com",
            filestoreRoot: "/mnt/odoo-data/odoo/filestore",
            template: "odoo_pr_template",
        };
        assert.equal(
            data["create"],
            overSsh(address, psqlCmd, renderPrCreateScript(args), ["PR_DB_PASSWORD"]),
        );
        const raw = one(run.resources, "command:local:Command", "pr-42-database").resource
            .rawInputs["environment"];
        assert.ok(
            isSecret((raw as Record<string, unknown>)["PR_DB_PASSWORD"]) || isSecret(raw),
            "the role's password is secret",
        );
        assert.deepEqual(data["environment"], {
            PR_DB_PASSWORD: prSecret("preview-placeholder-postgresPassword", 42, "role"),
        });
        assert.equal(data["delete"], overSsh(address, psqlCmd, renderPrDeleteScript(args)));
        assert.match(
            String(data["create"]),
            /CREATE DATABASE \\"\$db\\" TEMPLATE \\"\$template\\"/,
        );
        assert.match(String(data["delete"]), /DROP DATABASE IF EXISTS \\"\$db\\" WITH \(FORCE\)/);
        const container = one(
            run.resources,
            "docker:index/container:Container",
            "pr-42-odoo",
        ).resource;
        assert.ok(
            container.dependencies.includes(
                one(run.resources, "command:local:Command", "pr-42-database").resource.urn,
            ),
        );
    });

    it("exports the URL", () => {
        assert.equal(run.outputs["url"], "https://pr-42.dev.example.com");
        assert.equal(run.outputs["database"], "odoo_pr_42");
    });
});

describe("pr-<N> config", () => {
    const cfg = (overrides: Record<string, string>) => ({
        ...loadStackConfig("pr-7").config,
        ...overrides,
    });
    const problems = (stack: string, raw: Record<string, string>) => {
        try {
            parsePreviewConfig(stack, raw);
        } catch (e) {
            assert.ok(e instanceof ConfigError);
            return e.problems.map((p) => `${p.key}: ${p.message}`).join("\n");
        }
        assert.fail("accepted");
    };

    it("accepts the example and reads the number from the stack name", () => {
        const c = parsePreviewConfig("pr-7", loadStackConfig("pr-7").config);
        assert.equal(c.number, 7);
        assert.equal(c.pr.image, IMAGE);
        assert.deepEqual(c.pr.updateModules, ["sale_custom"]);
        assert.equal(c.stagingStack, "staging");
    });

    it("refuses a number that is not the stack's", () => {
        assert.match(
            problems("pr-8", cfg({})),
            /odoo-platform:pr\.number: must be 8, the number in the stack name pr-8/,
        );
    });

    it("refuses an image not pinned by digest", () => {
        const raw = cfg({
            "odoo-platform:pr": JSON.stringify({ number: 7, image: "ghcr.io/example/odoo:latest" }),
        });
        assert.match(problems("pr-7", raw), /odoo-platform:pr\.image: must be pinned by digest/);
    });

    it("refuses settings that belong to the staging stack", () => {
        assert.match(
            problems("pr-7", cfg({ "odoo-platform:domain": "example.com" })),
            /odoo-platform:domain: is not used by a pr-<N> stack/,
        );
    });

    it("refuses a missing pr setting with the command that sets it", () => {
        assert.match(problems("pr-7", {}), /odoo-platform:pr: is required on a pr-<N> stack/);
    });

    it("checks the staging stack's dev output before using it", () => {
        assert.match(devHostProblems(undefined)[0], /exports no `dev` output: deploy staging/);
        assert.deepEqual(devHostProblems({ address: "1.2.3.4" }).length, 9);
    });
});

describe("preview database scripts on a real PostgreSQL", function () {
    this.timeout(120_000);
    let pg: PgServer;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    const fsRoot = () => path.join(dir, "filestore");
    const sh = (script: string, extra: NodeJS.ProcessEnv = {}) => {
        const r = spawnSync("sh", ["-s"], {
            input: script,
            env: { ...env, ...extra },
            encoding: "utf8",
        });
        return { status: r.status, out: `${r.stdout}${r.stderr}` };
    };
    const args = (n: number, max = 3) => ({
        n,
        max,
        baseUrl: `https://pr-${n}.dev.example.com`,
        filestoreRoot: fsRoot(),
    });

    before(() => {
        pg = startPostgres();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-platform-pr-"));
        env = {
            ...pg.env,
            PSQL: "psql",
            TOOLS: "local",
            FILESTORE_ROOT: fsRoot(),
            SPOOL: path.join(dir, "spool"),
            MAILPIT_HOST: "staging-mailpit",
            BASE_URL: "https://staging.example.com",
            ANONYMIZE: "off",
            PR_DB_PASSWORD: prSecret("dev-host-password", 1, "role"),
        };
        createOdooDatabase(env, "odoo_staging", fsRoot(), {
            partners: 300,
            attachments: 5,
            fileBytes: 256,
        });
    });
    after(() => {
        for (const db of [
            "odoo_staging",
            "odoo_pr_template",
            "odoo_pr_1",
            "odoo_pr_2",
            "odoo_pr_3",
            "odoo_pr_4",
        ]) {
            try {
                psql(
                    pg.env,
                    "postgres",
                    `UPDATE pg_database SET datistemplate = false WHERE datname = '${db}'; DROP DATABASE IF EXISTS "${db}"`,
                );
            } catch {
                /* best effort */
            }
        }
        pg?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("template refresh refuses a staging database that is not neutralized", () => {
        const r = sh(renderTemplateRefreshScript(), { PGDATABASE: "odoo_staging" });
        assert.notEqual(r.status, 0);
        assert.match(r.out, /gate: database\.is_neutralized is not set/);
        assert.match(r.out, /template refresh failed; odoo_pr_template is untouched/);
        assert.equal(
            psql(
                env,
                "postgres",
                "SELECT count(*) FROM pg_database WHERE datname LIKE 'odoo_pr_template%'",
            ),
            "0",
        );
    });

    it("template refresh copies neutralized staging into a template that refuses connections", () => {
        // Staging as a refresh leaves it: Odoo's neutralization, then the platform's extras.
        psql(env, "odoo_staging", NEUTRALIZE_EMULATION_SQL);
        const extras = spawnSync(
            "psql",
            [
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-v",
                "base_url=https://staging.example.com",
                "-v",
                "mailpit_host=staging-mailpit",
                "-v",
                "mailpit_port=1025",
                "-d",
                "odoo_staging",
            ],
            { env, input: PLATFORM_EXTRAS_SQL, encoding: "utf8" },
        );
        assert.equal(extras.status, 0, extras.stderr);
        const r = sh(renderTemplateRefreshScript(), { PGDATABASE: "odoo_staging" });
        assert.equal(r.status, 0, r.out);
        assert.equal(
            psql(
                env,
                "postgres",
                "SELECT datistemplate || ',' || datallowconn FROM pg_database WHERE datname = 'odoo_pr_template'",
            ),
            "true,false",
        );
        assert.deepEqual(
            filestoreFingerprints(path.join(fsRoot(), "odoo_pr_template")),
            filestoreFingerprints(path.join(fsRoot(), "odoo_staging")),
        );
    });

    it("clones a PR database and filestore from the template, with its own base URL", () => {
        const r = sh(renderPrCreateScript(args(1)));
        assert.equal(r.status, 0, r.out);
        const clone = tableFingerprints(env, "odoo_pr_1");
        const staging = tableFingerprints(env, "odoo_staging");
        assert.deepEqual(clone.res_partner, staging.res_partner);
        assert.equal(
            psql(
                env,
                "odoo_pr_1",
                "SELECT value FROM ir_config_parameter WHERE key = 'web.base.url'",
            ),
            "https://pr-1.dev.example.com",
        );
        const a = fs.statSync(
            path.join(
                fsRoot(),
                "odoo_pr_1",
                Object.keys(filestoreFingerprints(path.join(fsRoot(), "odoo_pr_1")))[0],
            ),
        );
        assert.ok(a.nlink >= 3, "the filestore is hard-linked, not copied");
        // Its own identity: not staging's uuid, nor the secret that signs staging's sessions.
        const identity = (db: string) =>
            psql(
                env,
                db,
                "SELECT string_agg(value, ',' ORDER BY key) FROM ir_config_parameter WHERE key IN ('database.secret', 'database.uuid')",
            );
        const own = identity("odoo_pr_1");
        assert.match(own, /^[0-9a-f-]{36},[0-9a-f-]{36}$/);
        for (const part of identity("odoo_staging").split(",")) {
            assert.ok(!own.includes(part), `the clone kept staging's ${part}`);
        }
        assert.equal(sh(renderPrCreateScript(args(1))).status, 0, "create is idempotent");
        assert.equal(identity("odoo_pr_1"), own, "a rerun keeps the clone's identity");
    });

    it("refuses a new PR when the dev host is at capacity, but not an existing one", () => {
        assert.equal(sh(renderPrCreateScript(args(2))).status, 0);
        assert.equal(sh(renderPrCreateScript(args(3))).status, 0);
        const r = sh(renderPrCreateScript(args(4)));
        assert.notEqual(r.status, 0);
        assert.match(r.out, /the dev host is at capacity: 3 of 3 preview environments exist/);
        assert.match(
            r.out,
            /raise\nprEnvironments\.max in the staging stack|prEnvironments\.max in the staging stack/,
        );
        assert.ok(!databaseExists(env, "odoo_pr_4"));
        assert.equal(
            sh(renderPrCreateScript(args(2))).status,
            0,
            "an existing PR updates at capacity",
        );
    });

    it("removes the PR's database and filestore, even with a session connected", async () => {
        const session = spawn("psql", ["-X", "-d", "odoo_pr_2", "-c", "SELECT pg_sleep(60)"], {
            env,
        });
        const exited = new Promise((resolve) => session.on("exit", resolve));
        await new Promise((resolve) => setTimeout(resolve, 500));
        assert.equal(
            psql(
                env,
                "postgres",
                "SELECT count(*) FROM pg_stat_activity WHERE datname = 'odoo_pr_2'",
            ),
            "1",
        );
        const r = sh(renderPrDeleteScript(args(2)));
        await exited;
        assert.equal(r.status, 0, r.out);
        assert.ok(!databaseExists(env, "odoo_pr_2"));
        assert.ok(!fs.existsSync(path.join(fsRoot(), "odoo_pr_2")));
        assert.ok(fs.existsSync(path.join(fsRoot(), "odoo_pr_template")), "the template stays");
        assert.equal(sh(renderPrDeleteScript(args(2))).status, 0, "delete is idempotent");
    });
});

describe("preview roles on a real PostgreSQL: a PR's Odoo reaches its own database only", function () {
    this.timeout(180_000);
    let pg: PgServer;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    const password = (n: number) => prSecret("dev-host-password", n, "role");
    const sh = (script: string, extra: NodeJS.ProcessEnv = {}) => {
        const r = spawnSync("sh", ["-s"], {
            input: script,
            env: { ...env, ...extra },
            encoding: "utf8",
        });
        return { status: r.status, out: `${r.stdout}${r.stderr}` };
    };
    const args = (n: number) => ({
        n,
        max: 8,
        baseUrl: `https://pr-${n}.dev.example.com`,
        filestoreRoot: path.join(dir, "filestore"),
    });
    const create = (n: number) =>
        sh(renderPrCreateScript(args(n)), { PR_DB_PASSWORD: password(n) });
    /** psql over TCP as `role`, as the PR's Odoo connects over the Docker network. */
    const as = (role: string, secret: string, db: string, sql: string) => {
        const r = spawnSync("psql", ["-X", "-v", "ON_ERROR_STOP=1", "-Atq", "-d", db], {
            input: sql,
            env: { ...env, PGHOST: "127.0.0.1", PGUSER: role, PGPASSWORD: secret },
            encoding: "utf8",
        });
        return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
    };
    const pr1 = (db: string, sql: string) => as("odoo_pr_1", password(1), db, sql);

    before(() => {
        pg = startPostgres({ passwordOverTcp: true });
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-platform-roles-"));
        env = {
            ...pg.env,
            PSQL: "psql",
            TOOLS: "local",
            FILESTORE_ROOT: path.join(dir, "filestore"),
            SPOOL: path.join(dir, "spool"),
            MAILPIT_HOST: "staging-mailpit",
            BASE_URL: "https://staging.example.com",
            ANONYMIZE: "off",
        };
        createOdooDatabase(env, "odoo_staging", path.join(dir, "filestore"), {
            partners: 200,
            attachments: 3,
            fileBytes: 128,
        });
        psql(env, "odoo_staging", NEUTRALIZE_EMULATION_SQL);
        const extras = spawnSync(
            "psql",
            [
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-v",
                "base_url=https://staging.example.com",
                "-v",
                "mailpit_host=staging-mailpit",
                "-v",
                "mailpit_port=1025",
                "-d",
                "odoo_staging",
            ],
            { env, input: PLATFORM_EXTRAS_SQL, encoding: "utf8" },
        );
        assert.equal(extras.status, 0, extras.stderr);
        const refresh = sh(renderTemplateRefreshScript(), { PGDATABASE: "odoo_staging" });
        assert.equal(refresh.status, 0, refresh.out);
        for (const n of [1, 2]) {
            const r = create(n);
            assert.equal(r.status, 0, r.out);
        }
    });
    after(() => {
        pg?.stop();
        if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("logs in with its derived password only, and owns everything in its database", () => {
        const partners = psql(env, "odoo_staging", "SELECT count(*) FROM res_partner");
        assert.deepEqual(pr1("odoo_pr_1", "SELECT count(*) FROM res_partner"), {
            status: 0,
            out: partners,
        });
        const wrong = as("odoo_pr_1", password(2), "odoo_pr_1", "SELECT 1");
        assert.notEqual(wrong.status, 0);
        assert.match(wrong.out, /password authentication failed for user "odoo_pr_1"/);
        // What Odoo does to its database on an update: alter tables, create, use sequences.
        const work = pr1(
            "odoo_pr_1",
            "ALTER TABLE res_partner ADD COLUMN x_pr integer; CREATE TABLE x_pr_new (id serial); " +
                "SELECT nextval(pg_get_serial_sequence('res_partner', 'id')) > 0; " +
                "UPDATE ir_config_parameter SET value = 'x' WHERE key = 'web.base.url'; " +
                "DROP TABLE x_pr_new;",
        );
        assert.deepEqual(work, { status: 0, out: "t" });
        assert.equal(
            psql(
                env,
                "odoo_pr_1",
                `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = 'public' AND c.relowner <> 'odoo_pr_1'::regrole`,
            ),
            "0",
        );
    });

    it("cannot connect to staging, the template or another preview", () => {
        const refusals: [string, RegExp][] = [
            ["odoo_staging", /permission denied for database "odoo_staging"/],
            [
                "odoo_pr_template",
                /database "odoo_pr_template" is not currently accepting connections/,
            ],
            ["odoo_pr_2", /permission denied for database "odoo_pr_2"/],
        ];
        for (const [db, message] of refusals) {
            const r = pr1(db, "SELECT 1");
            assert.notEqual(r.status, 0, db);
            assert.match(r.out, message, db);
        }
        // The maintenance database admits it (Odoo looks there at start) and holds nothing it
        // may change.
        assert.equal(pr1("postgres", "SELECT 1").out, "1");
        assert.match(
            pr1("postgres", "CREATE TABLE x (id int)").out,
            /permission denied for schema public/,
        );
        // The other preview reaches its own, and not this one.
        assert.equal(as("odoo_pr_2", password(2), "odoo_pr_2", "SELECT 1").out, "1");
        assert.match(
            as("odoo_pr_2", password(2), "odoo_pr_1", "SELECT 1").out,
            /permission denied for database "odoo_pr_1"/,
        );
    });

    it("cannot drop another database, create one, make roles or reach the server", () => {
        const refusals: [string, RegExp][] = [
            ["DROP DATABASE odoo_staging", /must be owner of database odoo_staging/],
            ["DROP DATABASE odoo_pr_template", /must be owner of database odoo_pr_template/],
            ["DROP DATABASE odoo_pr_2", /must be owner of database odoo_pr_2/],
            ["CREATE DATABASE odoo_pr_9", /permission denied to create database/],
            ["CREATE ROLE intruder", /permission denied to create role/],
            ["ALTER ROLE odoo_pr_1 SUPERUSER", /permission denied to alter role|must be superuser/],
            ["SET ROLE postgres", /permission denied to set role "postgres"/],
            [
                "COPY (SELECT 1) TO PROGRAM 'id'",
                /permission denied to COPY to or from an external program|must be superuser/,
            ],
            ["SELECT pg_read_file('/etc/hostname')", /permission denied for function pg_read_file/],
            [
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'postgres'",
                /permission denied to terminate process|must be a (superuser|member of the role)/,
            ],
        ];
        for (const [sql, message] of refusals) {
            const r = pr1("odoo_pr_1", sql);
            assert.notEqual(r.status, 0, sql);
            assert.match(r.out, message, sql);
        }
        assert.ok(databaseExists(env, "odoo_staging") && databaseExists(env, "odoo_pr_template"));
    });

    it("takes over a clone an older script left to the superuser, and a rerun changes nothing", () => {
        psql(env, "postgres", "CREATE DATABASE odoo_pr_3 TEMPLATE odoo_pr_template");
        const r = create(3);
        assert.equal(r.status, 0, r.out);
        const foreign = () =>
            psql(
                env,
                "odoo_pr_3",
                `SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                          WHERE n.nspname = 'public' AND c.relowner <> 'odoo_pr_3'::regrole)
                      + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                          WHERE n.nspname = 'public' AND p.proowner <> 'odoo_pr_3'::regrole)
                      + (SELECT count(*) FROM pg_database
                          WHERE datname = 'odoo_pr_3' AND datdba <> 'odoo_pr_3'::regrole)`,
            );
        assert.equal(foreign(), "0");
        assert.equal(
            as("odoo_pr_3", password(3), "odoo_pr_3", "SELECT count(*) > 0 FROM res_partner").out,
            "t",
        );
        assert.equal(create(3).status, 0);
        assert.equal(foreign(), "0");
    });

    it("clones with STRATEGY FILE_COPY on PostgreSQL 15+, and without it on an older server", () => {
        // A psql that logs each statement it is given, and plays an older server when asked.
        const shim = path.join(dir, "psql-shim");
        const log = path.join(dir, "statements");
        fs.writeFileSync(
            shim,
            [
                "#!/bin/sh",
                'for a in "$@"; do last="$a"; done',
                `printf '%s\\n' "$last" >>'${log}'`,
                'if [ "$last" = "SHOW server_version_num" ] && [ -n "$OLD_SERVER" ]; then echo 140011; exit 0; fi',
                'exec psql "$@"',
                "",
            ].join("\n"),
            { mode: 0o755 },
        );
        const creates = () =>
            fs
                .readFileSync(log, "utf8")
                .split("\n")
                .filter((l) => l.startsWith("CREATE DATABASE"));
        const version = Number(psql(env, "postgres", "SHOW server_version_num"));
        assert.ok(version >= 150000, `PostgreSQL ${version}`);
        let r = sh(renderPrCreateScript(args(5)), { PR_DB_PASSWORD: password(5), PSQL: shim });
        assert.equal(r.status, 0, r.out);
        assert.deepEqual(creates(), [
            'CREATE DATABASE "odoo_pr_5" TEMPLATE "odoo_pr_template" OWNER "odoo_pr_5" STRATEGY FILE_COPY',
        ]);
        fs.rmSync(log);
        r = sh(renderPrCreateScript(args(6)), {
            PR_DB_PASSWORD: password(6),
            PSQL: shim,
            OLD_SERVER: "1",
        });
        assert.equal(r.status, 0, r.out);
        assert.deepEqual(creates(), [
            'CREATE DATABASE "odoo_pr_6" TEMPLATE "odoo_pr_template" OWNER "odoo_pr_6" ',
        ]);
        assert.deepEqual(
            tableFingerprints(env, "odoo_pr_5").res_partner,
            tableFingerprints(env, "odoo_pr_6").res_partner,
        );
    });

    it("refuses to run without the role's password", () => {
        const r = sh(renderPrCreateScript(args(4)), { PR_DB_PASSWORD: "" });
        assert.notEqual(r.status, 0);
        assert.match(r.out, /PR_DB_PASSWORD must be the PR role's password \(hex\)/);
        assert.ok(!databaseExists(env, "odoo_pr_4"));
    });

    it("drops the role with the database, and leaves the others", () => {
        const r = sh(renderPrDeleteScript(args(1)));
        assert.equal(r.status, 0, r.out);
        assert.equal(
            psql(env, "postgres", "SELECT count(*) FROM pg_roles WHERE rolname = 'odoo_pr_1'"),
            "0",
        );
        assert.ok(!databaseExists(env, "odoo_pr_1"));
        assert.match(
            pr1("odoo_pr_1", "SELECT 1").out,
            /password authentication failed|role "odoo_pr_1" does not exist/,
        );
        assert.equal(as("odoo_pr_2", password(2), "odoo_pr_2", "SELECT 1").out, "1");
        assert.equal(sh(renderPrDeleteScript(args(1))).status, 0, "delete is idempotent");
    });
});

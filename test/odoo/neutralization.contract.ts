/**
 * The staging refresh, the preview template and a PR clone, done by the rendered scripts on a
 * real Odoo database with the real `odoo neutralize`: production (base, web, mail and the example
 * repository's modules, with production's mail servers, crons and keys) is backed up into
 * restic, restored as staging through the gate, copied into the preview template and cloned for
 * a pull request, and Odoo runs each stage's rendered command on the result. The stand-in the
 * unit tests use for `odoo neutralize` (test/doubles/odoo-fixture.ts) is held to what Odoo wrote here.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    TABLE_CHECKSUMS_SQL,
    prelude,
    renderBackupScript,
    renderRestoreScript,
} from "../../components/backup-scripts";
import { ODOO_CONF_PATH, flagValue } from "../../components/odoo-settings";
import {
    prDatabase,
    renderPrCreateScript,
    renderTemplateRefreshScript,
} from "../../components/preview-scripts";
import { CANONICAL_ADDONS_PATH } from "../../stacks/addons";
import { NEUTRALIZE_EMULATION_SQL } from "../doubles/odoo-fixture";
import { psql } from "../doubles/pg";
import { envOf } from "./entrypoint";
import { realOdoo } from "./real-odoo";
import { renderedOdoo } from "./rendered";
import { DB_ROLE, HttpAnswer, IMAGE_CORE_ADDONS, OdooRunner, get, sharedRunner } from "./runner";
import * as http from "http";

const PROD = "contract_prod";
const STAGING_URL = "https://staging.example.com";
const PRODUCTION_URL = "https://erp.example.com";
const MAILPIT = "staging-mailpit";
const LIVE_KEY = "live-reminder-key";
/** Staging runs production's image: an image of the platform's build, by digest. */
const BUILT_IMAGE =
    "ghcr.io/example/odoo@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945";

/** A POST of a form, with cookies and headers; the answer whatever its status. */
function post(
    url: string,
    form: Record<string, string>,
    headers: Record<string, string>,
): Promise<HttpAnswer> {
    const body = new URLSearchParams(form).toString();
    return new Promise((resolve, reject) => {
        const req = http.request(
            url,
            {
                method: "POST",
                headers: {
                    ...headers,
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Content-Length": String(Buffer.byteLength(body)),
                },
                timeout: 60_000,
            },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () =>
                    resolve({
                        status: res.statusCode ?? 0,
                        headers: res.headers,
                        body: Buffer.concat(chunks).toString("utf8"),
                    }),
                );
            },
        );
        req.on("error", reject);
        req.end(body);
    });
}

/**
 * Logs in as the administrator through the login form, as a browser behind the proxy would for
 * `forwardedHost`: Odoo then sets `web.base.url` to that host unless it is frozen.
 */
async function adminLogin(baseUrl: string, forwardedHost: string): Promise<number> {
    const proxy = { "X-Forwarded-Host": forwardedHost, "X-Forwarded-Proto": "https" };
    const page = await get(`${baseUrl}/web/login`, proxy);
    assert.equal(page.status, 200, page.body.slice(0, 500));
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(page.body)?.[1];
    assert.ok(csrf, "the login form has no csrf_token");
    const cookie = String(page.headers["set-cookie"]?.[0] ?? "").split(";")[0];
    const answer = await post(
        `${baseUrl}/web/login`,
        { login: "admin", password: "admin", csrf_token: csrf, redirect: "/odoo" },
        { ...proxy, Cookie: cookie },
    );
    return answer.status;
}

describe("neutralization on a real Odoo: staging refresh, preview template, PR clone", function () {
    let runner: OdooRunner;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    let filestore: string;
    let prodIdentity: { uuid: string; secret: string };
    const sql = (db: string, query: string) => psql(env, db, query);
    const param = (db: string, key: string) =>
        sql(db, `SELECT value FROM ir_config_parameter WHERE key = '${key}'`);
    const sh = (script: string, args: string[], extra: NodeJS.ProcessEnv = {}) => {
        const file = path.join(dir, `script-${Math.random().toString(36).slice(2)}.sh`);
        fs.writeFileSync(file, script);
        const r = spawnSync("sh", [file, ...args], {
            env: { ...env, ...extra },
            encoding: "utf8",
        });
        return { status: r.status, out: `${r.stdout}${r.stderr}` };
    };
    /** `odoo neutralize` as the backup container runs it (the image, the stack's path). */
    const neutralizeCommand = (addonsPath: readonly string[]) =>
        runner.shellCommand(
            ["odoo", "neutralize", `--addons-path=${addonsPath.join(",")}`, "-d", "__DB__"],
            runner.dbEnv(),
        );

    before(async function () {
        if (spawnSync("restic", ["version"]).status !== 0) {
            throw new Error("restic is not on PATH (the suite backs up into a real repository)");
        }
        runner = sharedRunner(realOdoo());
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-contract-restore-"));
        filestore = path.join(runner.dataDir, "filestore");
        env = {
            ...runner.pg.env,
            PGUSER: DB_ROLE,
            TOOLS: "local",
            PGDATABASE: PROD,
            FILESTORE_ROOT: filestore,
            SPOOL: path.join(dir, "spool"),
            RESTIC_REPOSITORY: path.join(dir, "restic"),
            RESTIC_PASSWORD: "contract-repository-password",
            RESTIC_CACHE_DIR: path.join(dir, "restic-cache"),
            BASE_URL: STAGING_URL,
            MAILPIT_HOST: MAILPIT,
            MAILPIT_PORT: "1025",
            // The default of staging: Odoo then serves the anonymized copy and admin logs in.
            ANONYMIZE: "personal-data",
        };
        // Production: Odoo's mail and the example repository's modules, installed by Odoo.
        await runner.initDatabase(PROD, ["base", "web", "mail", "example_reminder"], {
            addonsPath: CANONICAL_ADDONS_PATH,
        });
        // What production holds that a copy must not keep, as an administrator leaves it.
        sql(
            PROD,
            `UPDATE ir_config_parameter SET value = '${PRODUCTION_URL}' WHERE key = 'web.base.url';
             INSERT INTO ir_config_parameter (key, value) VALUES
               ('database.enterprise_code', 'M-PRODUCTION-CODE'),
               ('example_reminder.api_key', '${LIVE_KEY}');
             INSERT INTO ir_mail_server (name, smtp_host, smtp_port, smtp_authentication,
                                         smtp_encryption, smtp_user, smtp_pass, active, sequence)
               VALUES ('Production relay', 'smtp.example.com', 2525, 'login', 'starttls',
                       'odoo@example.com', 'production-smtp-secret', true, 10);
             INSERT INTO fetchmail_server (name, server, port, server_type, is_ssl, "user",
                                           password, active, state)
               VALUES ('Support inbox', 'imap.example.com', 993, 'imap', true,
                       'support@example.com', 'imap-secret', true, 'done');
             UPDATE ir_cron SET active = true
              WHERE id IN (SELECT res_id FROM ir_model_data
                            WHERE model = 'ir.cron'
                              AND name IN ('ir_cron_mail_scheduler_action',
                                           'ir_cron_mail_gateway_action'));`,
        );
        prodIdentity = {
            uuid: param(PROD, "database.uuid"),
            secret: param(PROD, "database.secret"),
        };
        assert.match(prodIdentity.uuid, /^[0-9a-f-]{36}$/);
        assert.match(prodIdentity.secret, /^[0-9a-f-]{36}$/);
    });

    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("holds the unit tests' stand-in to what odoo neutralize writes, row for row", async () => {
        runner.cloneDatabase(PROD, "contract_real");
        runner.cloneDatabase(PROD, "contract_standin");
        const real = sh(`#!/bin/sh\n${await neutralizeCommand(CANONICAL_ADDONS_PATH)}\n`, [
            "contract_real",
        ]);
        assert.equal(real.status, 0, real.out);
        assert.match(real.out, /Neutralization finished/);
        sql("contract_standin", NEUTRALIZE_EMULATION_SQL);
        const rows: Record<string, string> = {
            ir_mail_server:
                "SELECT string_agg(concat_ws('|', name, smtp_host, smtp_port, smtp_encryption, " +
                "smtp_authentication, smtp_user, smtp_pass, active, sequence, " +
                "smtp_ssl_certificate IS NULL, smtp_ssl_private_key IS NULL), E'\\n' ORDER BY id) " +
                "FROM ir_mail_server",
            ir_cron: "SELECT string_agg(id || ':' || active, ',' ORDER BY id) FROM ir_cron",
            ir_config_parameter:
                "SELECT string_agg(key || '=' || value, E'\\n' ORDER BY key) FROM ir_config_parameter " +
                // The stand-in writes what Odoo's own base and mail write; mail's web-push keys and
                // the example module's key are not in the unit tests' fixture.
                "WHERE key NOT LIKE 'mail.web_push%' AND key <> 'mail.sfu_server_key' " +
                "AND key NOT LIKE 'example_reminder.%'",
            fetchmail_server:
                "SELECT string_agg(concat_ws('|', name, active, \"user\", password), E'\\n' ORDER BY id) " +
                "FROM fetchmail_server",
        };
        for (const [table, query] of Object.entries(rows)) {
            assert.equal(
                sql("contract_standin", query),
                sql("contract_real", query),
                `${table}: the stand-in differs from odoo neutralize`,
            );
        }
        assert.equal(param("contract_real", "database.is_neutralized"), "true");
    });

    it("skips a custom module's neutralize.sql without a word when the addons path lacks it", async () => {
        runner.cloneDatabase(PROD, "contract_core_only");
        const r = sh(`#!/bin/sh\n${await neutralizeCommand([IMAGE_CORE_ADDONS])}\n`, [
            "contract_core_only",
        ]);
        // Odoo still says it finished, and production's key is still there.
        assert.equal(r.status, 0, r.out);
        assert.match(r.out, /Neutralization finished/);
        assert.equal(param("contract_core_only", "example_reminder.api_key"), LIVE_KEY);
    });

    it("refuses production itself at the gate", () => {
        const r = sh(
            `${prelude()}\nverify_neutralized ${PROD} ${prodIdentity.uuid} ${prodIdentity.secret}\n`,
            [],
        );
        assert.notEqual(r.status, 0);
        for (const problem of [
            "gate: database.is_neutralized is not set",
            "gate: active mail server smtp.example.com:2525 is not Mailpit",
            "gate: mail server",
            "gate: incoming mail server",
            "gate: active cron",
            "gate: database.enterprise_code is kept",
            `gate: web.base.url is ${PRODUCTION_URL}, not ${STAGING_URL}`,
            "gate: database.uuid is the source database's",
            "gate: database.secret is the source database's",
        ]) {
            assert.ok(r.out.includes(problem), `${problem}\n${r.out}`);
        }
    });

    it("backs production up and restores it as staging: neutralized by Odoo, extras, gate", async () => {
        const backup = sh(renderBackupScript(), []);
        assert.equal(backup.status, 0, backup.out);
        assert.match(backup.out, /snapshot [0-9a-f]{64} saved/);
        const restore = sh(renderRestoreScript(), ["latest", "odoo_staging", "staging"], {
            NEUTRALIZE_CMD: await neutralizeCommand(CANONICAL_ADDONS_PATH),
        });
        assert.equal(restore.status, 0, restore.out);
        // Every table of Odoo's schema compared with the manifest before neutralization, each
        // one hashed as stored: Odoo's column types all hash by value.
        const tables = Number(
            sql(PROD, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"),
        );
        assert.ok(tables > 100, `${tables} tables`);
        assert.match(
            restore.out,
            new RegExp(`manifest: ${tables} tables \\([0-9]+ rows\\) and [0-9]+ files match`),
        );
        const statements = sql(PROD, TABLE_CHECKSUMS_SQL.replace("\\gexec", ";")).split("\n");
        assert.equal(statements.length, tables);
        assert.deepEqual(
            statements.filter((s) => !s.includes("hash_record_extended(t, 0)")),
            [],
        );
        assert.match(restore.out, /Neutralization finished/);
        assert.match(restore.out, /restored contract_prod into odoo_staging/);
        // Anonymized on Odoo's own schema, its gate passed, the administrator kept.
        assert.match(restore.out, /anonymizing odoo_staging_restoring \(personal-data\)/);
        assert.equal(param("odoo_staging", "odoo_platform.anonymized"), "personal-data");
        assert.equal(
            sql("odoo_staging", "SELECT count(*) FROM res_users WHERE login = 'admin'"),
            "1",
        );

        const db = "odoo_staging";
        assert.equal(param(db, "database.is_neutralized"), "true");
        // Mail: only the server odoo neutralize inserted, pointed at Mailpit, without login.
        assert.equal(
            sql(
                db,
                "SELECT string_agg(concat_ws(':', name, smtp_host, smtp_port, smtp_encryption), ',') FROM ir_mail_server WHERE active",
            ),
            `neutralization - disable emails:${MAILPIT}:1025:none`,
        );
        assert.equal(
            sql(
                db,
                "SELECT count(*) FROM ir_mail_server WHERE smtp_user IS NOT NULL OR smtp_pass IS NOT NULL",
            ),
            "0",
        );
        assert.equal(
            sql(db, "SELECT count(*) FROM fetchmail_server WHERE active OR password IS NOT NULL"),
            "0",
        );
        // Crons: the autovacuum alone.
        assert.equal(
            sql(
                db,
                `SELECT string_agg(d.module || '.' || d.name, ',') FROM ir_cron c
                   JOIN ir_model_data d ON d.model = 'ir.cron' AND d.res_id = c.id
                  WHERE c.active`,
            ),
            "base.autovacuum_job",
        );
        // The copy's own address, frozen, and its own identity.
        assert.equal(param(db, "web.base.url"), STAGING_URL);
        assert.equal(param(db, "web.base.url.freeze"), "True");
        assert.notEqual(param(db, "database.uuid"), prodIdentity.uuid);
        assert.notEqual(param(db, "database.secret"), prodIdentity.secret);
        assert.equal(param(db, "database.enterprise_code"), "");
        // The example module's own data/neutralize.sql ran: production's key is gone.
        assert.equal(param(db, "example_reminder.api_key"), "");
    });

    it("serves the refreshed copy with staging's command; an admin login leaves the frozen URL", async () => {
        const rendered = await renderedOdoo("staging", { odooImage: BUILT_IMAGE });
        assert.equal(flagValue(rendered.command, "database"), "odoo_staging");
        assert.equal(flagValue(rendered.command, "addons-path"), CANONICAL_ADDONS_PATH.join(","));
        const odoo = await runner.start(rendered.command, rendered.envs, { conf: rendered.conf });
        try {
            const status = await adminLogin(odoo.baseUrl, "elsewhere.example.net");
            assert.equal(status, 303, "the administrator logs in");
            assert.doesNotMatch(odoo.log(), /not installable, skipped|Some modules are not loaded/);
            assert.equal(param("odoo_staging", "web.base.url"), STAGING_URL);
        } finally {
            await odoo.stop();
        }
        // The same login on a copy without the freeze moves the URL: the check can fail.
        runner.cloneDatabase("odoo_staging", "odoo_unfrozen");
        sql("odoo_unfrozen", "DELETE FROM ir_config_parameter WHERE key = 'web.base.url.freeze'");
        const unfrozen = rendered.command.map((f) =>
            f.startsWith("--database=")
                ? "--database=odoo_unfrozen"
                : f.startsWith("--db-filter=")
                  ? "--db-filter=^odoo_unfrozen$"
                  : f,
        );
        const other = await runner.start(unfrozen, rendered.envs, { conf: rendered.conf });
        try {
            assert.equal(await adminLogin(other.baseUrl, "elsewhere.example.net"), 303);
            assert.equal(param("odoo_unfrozen", "web.base.url"), "https://elsewhere.example.net");
        } finally {
            await other.stop();
        }
    });

    it("refreshes the preview template from staging and clones a PR database with its own identity", async () => {
        const refresh = sh(renderTemplateRefreshScript(), [], { PGDATABASE: "odoo_staging" });
        assert.equal(refresh.status, 0, refresh.out);
        assert.equal(
            sql(
                "postgres",
                "SELECT datistemplate || ',' || datallowconn FROM pg_database WHERE datname = 'odoo_pr_template'",
            ),
            "true,false",
        );
        // Not 42: the flags contract runs pr-42 on a database of its own.
        const n = 7;
        const create = renderPrCreateScript({
            n,
            max: 8,
            baseUrl: `https://pr-${n}.dev.example.com`,
            filestoreRoot: filestore,
        });
        // The superuser runs the script; the role's password is the one the PR stack renders.
        const rendered = await renderedOdoo(`pr-${n}`);
        const password = envOf([...rendered.envs])["PASSWORD"];
        assert.match(password, /^[0-9a-f]{64}$/);
        const psqlCmd = { PSQL: `psql -U ${DB_ROLE}`, PR_DB_PASSWORD: password };
        const first = sh(create, [], psqlCmd);
        assert.equal(first.status, 0, first.out);
        const db = prDatabase(n);
        const identity = () => `${param(db, "database.uuid")},${param(db, "database.secret")}`;
        const own = identity();
        for (const value of [
            param("odoo_staging", "database.uuid"),
            param("odoo_staging", "database.secret"),
            prodIdentity.uuid,
            prodIdentity.secret,
        ]) {
            assert.ok(!own.includes(value), `the clone kept ${value}`);
        }
        assert.equal(param(db, "web.base.url"), `https://pr-${n}.dev.example.com`);
        const again = sh(create, [], psqlCmd);
        assert.equal(again.status, 0, again.out);
        assert.equal(identity(), own, "a second run changes nothing");

        // The PR stack's rendered command serves the clone, as the PR's own role.
        assert.equal(flagValue(rendered.command, "database"), db);
        assert.equal(envOf([...rendered.envs])["USER"], db);
        assert.equal(
            rendered.conf.split("\n")[0],
            "[options]",
            `${ODOO_CONF_PATH} is the rendered one`,
        );
        const odoo = await runner.start(rendered.command, rendered.envs, {
            conf: rendered.conf,
            ownRole: true,
        });
        try {
            const login = await get(`${odoo.baseUrl}/web/login`);
            assert.equal(login.status, 200, login.body.slice(0, 300));
            // Its sessions are Odoo's, as that role; the role reaches no other database.
            assert.match(odoo.log(), new RegExp(`database: ${db}@`));
            assert.equal(
                sql(
                    db,
                    `SELECT count(*) FROM pg_stat_activity WHERE datname = '${db}' AND usename = '${db}'`,
                ) !== "0",
                true,
                "Odoo's connections are the PR role's",
            );
            assert.equal(
                sql(db, "SELECT state FROM ir_module_module WHERE name = 'example_reminder'"),
                "installed",
            );
        } finally {
            await odoo.stop();
        }
    });
});

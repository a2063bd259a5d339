/**
 * The pack's readers in policy/lib/, directly: Odoo's effective options from a command line and
 * odoo.conf (the table the contract suite holds to a real Odoo), the official image's entrypoint
 * (held to the contract suite's reproduction of it), Docker's env, and App Platform components.
 */
import { strict as assert } from "assert";
import {
    AppProps,
    appOdooProcesses,
    containerOdoo,
    databaseHosts,
    envOf,
    odooConfig,
    officialEntrypointArgs,
    optparseInt,
} from "../policy/lib";
import { entrypointDbArgs } from "./odoo/entrypoint";
import { OPTIONS_CASES } from "./odoo/options-cases";

describe("policy/lib: Odoo's effective options", () => {
    for (const c of OPTIONS_CASES) {
        it(c.title, () => {
            const fix = (s: string) => s.replace("{conf}", "/conf");
            const env = Object.fromEntries(
                Object.entries(c.env ?? { ODOO_RC: "{conf}" }).map(([k, v]) => [k, fix(v)]),
            );
            const files: Record<string, string> = c.conf === undefined ? {} : { "/conf": c.conf };
            const cfg = odooConfig(c.args.map(fix), env, files);
            if ("error" in c.expect) {
                assert.ok(cfg.problems.length > 0, "Odoo refuses this, the reader must too");
                if (c.expect.error.startsWith("odoo.conf")) {
                    assert.match(cfg.problems[0], /^odoo\.conf: /);
                } else {
                    assert.deepEqual(cfg.problems, [c.expect.error]);
                }
            } else {
                assert.deepEqual(cfg.problems, []);
                for (const [dest, value] of Object.entries(c.expect.values)) {
                    assert.deepEqual(cfg.value(dest), value, dest);
                }
            }
        });
    }

    it("names where a value comes from, never Odoo's default", () => {
        const cfg = odooConfig(
            ["--max-cron=2", "--smtp", "relay"],
            { ODOO_RC: "/c" },
            {
                "/c": "[options]\nlist_db = True\n",
            },
        );
        assert.equal(cfg.source("max_cron_threads"), "--max-cron-threads=2");
        assert.equal(cfg.source("smtp_server"), "--smtp=relay");
        assert.equal(cfg.source("list_db"), "list_db = True in odoo.conf");
        assert.equal(cfg.source("smtp_port"), undefined);
        assert.equal(cfg.value("smtp_port"), 25);
    });

    it("reads integers as optparse does", () => {
        const table: [string, number | undefined][] = [
            ["0", 0],
            ["2", 2],
            ["007", 7],
            ["08", undefined],
            ["0o10", 8],
            ["0x1F", 31],
            ["0b", 0],
            ["0b102", undefined],
            ["+3", 3],
            ["-3", -3],
            [" 4 ", 4],
            ["1__0", undefined],
            ["_1", undefined],
            ["", undefined],
            ["two", undefined],
        ];
        for (const [text, value] of table) assert.equal(optparseInt(text), value, text);
    });
});

describe("policy/lib: the official image's entrypoint", () => {
    const envs: Record<string, string>[] = [
        {},
        { HOST: "staging-postgres", PORT: "5432", USER: "odoo", PASSWORD: "x" },
        { HOST: "", PGHOST: "pg", PGPORT: "5433", POSTGRES_USER: "u", PGPASSWORD: "p" },
        { DB_PORT_5432_TCP_ADDR: "linked", DB_ENV_POSTGRES_PASSWORD: "q" },
    ];
    const confs = [
        "",
        "[options]\ndb_host = prod-postgres\n",
        "[options]\n  db_user=a\ndb_port =1\n",
    ];
    it("appends what the contract suite's reproduction appends", () => {
        for (const env of envs) {
            for (const conf of confs) {
                assert.deepEqual(
                    officialEntrypointArgs(["--workers=2"], env, conf),
                    ["--workers=2", ...entrypointDbArgs(env, conf, () => "")],
                    JSON.stringify({ env, conf }),
                );
            }
        }
    });

    it("gives Odoo the entrypoint's --db_host over the command line's, unless odoo.conf has one", () => {
        const odoo = (command: string[], conf: string) =>
            containerOdoo({
                command,
                envs: ["HOST=staging-postgres"],
                uploads: [{ file: "/etc/odoo/odoo.conf", content: conf }],
            });
        const plain = odoo(["odoo", "--db_host=prod-postgres"], "[options]\n");
        assert.deepEqual(plain && databaseHosts(plain), ["staging-postgres"]);
        const inConf = odoo(["odoo"], "[options]\ndb_host = prod-postgres\n");
        assert.deepEqual(inConf && databaseHosts(inConf), ["prod-postgres"]);
        const own = containerOdoo({ entrypoints: ["odoo"], command: ["--db_host=x"] });
        assert.deepEqual(own && databaseHosts(own), ["x"]);
        assert.equal(containerOdoo({ command: ["traefik"] }), undefined);
    });

    it("keeps the last of a repeated env name, as Docker does", () => {
        assert.deepEqual(envOf(["A=1", "B=2", "A=3", "C", "=x"]), { A: "3", B: "2" });
    });
});

describe("policy/lib: App Platform components", () => {
    const props = (envs: Record<string, string>, runCommand: string): AppProps => ({
        spec: {
            envs: [{ key: "ODOO_STAGE", value: "staging" }],
            services: [
                {
                    name: "web",
                    runCommand,
                    envs: Object.entries(envs).map(([key, value]) => ({ key, value })),
                },
            ],
        },
    });

    it("reads the odoo.conf the image's entrypoint writes from the envs", () => {
        const [web] = appOdooProcesses(
            props(
                { ODOO_ADMIN_PASSWD: "a-long-master-password", ODOO_SMTP_PASSWORD: "s" },
                "odoo-platform-entrypoint web --max-cron-threads=0",
            ),
        );
        assert.equal(web.role, "web");
        assert.equal(web.config.value("admin_passwd"), "a-long-master-password");
        assert.equal(web.config.value("smtp_password"), "s");
        assert.equal(
            web.config.source("smtp_password"),
            "ODOO_SMTP_PASSWORD env (smtp_password in odoo.conf)",
        );
        assert.equal(web.config.value("max_cron_threads"), 0);
        assert.equal(web.env["ODOO_STAGE"], "staging");
    });

    it("writes no smtp_password for an empty ODOO_SMTP_PASSWORD, and lets the component's env win", () => {
        const app: AppProps = {
            spec: {
                envs: [{ key: "PGHOST", value: "app-level" }],
                workers: [
                    {
                        name: "cron",
                        runCommand: "odoo-platform-entrypoint cron",
                        envs: [
                            { key: "ODOO_SMTP_PASSWORD", value: "" },
                            { key: "PGHOST", value: "component-level" },
                        ],
                    },
                ],
            },
        };
        const [cron] = appOdooProcesses(app);
        assert.equal(cron.config.value("smtp_password"), false);
        assert.deepEqual(databaseHosts(cron), ["component-level"]);
    });

    it("connects where --db_host says, else where PGHOST says", () => {
        const [web] = appOdooProcesses(
            props({ PGHOST: "${db.HOSTNAME}" }, "odoo-platform-entrypoint web --db_host=elsewhere"),
        );
        assert.deepEqual(databaseHosts(web), ["elsewhere"]);
        const [uri] = appOdooProcesses(
            props({}, "odoo-platform-entrypoint web -d postgresql://u@prod-host:5432/odoo"),
        );
        assert.deepEqual(databaseHosts(uri), ["prod-host"]);
    });
});

describe("policy/lib: a container running the platform's entrypoint", () => {
    it("is read as the Odoo the entrypoint starts (the droplet's first start)", () => {
        const p = containerOdoo({
            name: "prod-odoo-init",
            command: [
                "odoo-platform-entrypoint",
                "init",
                "--database=odoo",
                "--max-cron-threads=0",
                "--max-cron-threads=2",
                "--stop-after-init",
            ],
            envs: ["PGHOST=staging-postgres", "ODOO_ADMIN_PASSWD=a-long-master-password"],
        });
        assert.ok(p !== undefined, "an entrypoint container is an Odoo process");
        assert.equal(p.what, "Odoo init container");
        assert.equal(p.name, "prod-odoo-init");
        // Read as optparse does: the last occurrence wins.
        assert.equal(p.config.value("max_cron_threads"), 2);
        assert.equal(p.config.value("admin_passwd"), "a-long-master-password");
        assert.deepEqual(databaseHosts(p), ["staging-postgres"]);
        // By its absolute path too.
        const abs = containerOdoo({
            command: ["/usr/local/bin/odoo-platform-entrypoint", "init", "--workers=3"],
        });
        assert.equal(abs?.config.value("workers"), 3);
        assert.equal(containerOdoo({ command: ["sh", "-c", "odoo"] }), undefined);
    });
});

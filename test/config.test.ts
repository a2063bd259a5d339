import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { CANONICAL_ADDONS_PATH } from "../stacks/addons";
import {
    CONFIG_KEYS,
    ConfigError,
    STAGE_DEFAULTS,
    parseConfig,
    stageOfStack,
} from "../stacks/config";
import { renderPulumiYaml } from "../tools/gen-pulumi-yaml";
import { ROOT, exampleConfig } from "./helpers";

function problemsOf(stack: "prod" | "staging", overrides: Record<string, string | undefined>) {
    const { config } = exampleConfig(stack, overrides);
    try {
        parseConfig(stack, config);
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
        return e;
    }
    assert.fail("the config was accepted");
}

describe("config schema", () => {
    it("accepts both example stacks and fills the stage defaults", () => {
        const staging = parseConfig("staging", exampleConfig("staging").config);
        assert.equal(staging.stage, "staging");
        assert.equal(staging.odooMaxCronThreads, 0);
        assert.equal(staging.odooWorkers, STAGE_DEFAULTS.staging.odooWorkers);
        assert.equal(staging.odooDatabase, "odoo_staging");
        assert.equal(staging.odooImage, "odoo:18.0");
        assert.deepEqual(staging.odooAddonsPath, [...CANONICAL_ADDONS_PATH]);
        assert.equal(staging.smtpHost, undefined);
        assert.equal(staging.smtpPort, undefined);
        assert.equal(staging.manageZoneSettings, false);

        const prod = parseConfig("prod", exampleConfig("prod").config);
        assert.equal(prod.stage, "production");
        assert.equal(prod.odooMaxCronThreads, 2);
        assert.equal(prod.odooWorkers, 6);
        assert.equal(prod.smtpSsl, true);
        assert.equal(prod.backupRegion, "ams3");
        assert.equal(prod.manageZoneSettings, true);
    });

    it("never returns secret values in the parsed config", () => {
        const prod = parseConfig("prod", exampleConfig("prod").config) as Record<string, unknown>;
        for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
            if (spec.secret) assert.equal(prod[key], undefined, key);
        }
    });

    it("keeps a false and a 0 given by the user (no || defaults)", () => {
        const prod = parseConfig(
            "prod",
            exampleConfig("prod", {
                manageZoneSettings: "false",
                odooWorkers: "0",
                smtpSsl: "false",
            }).config,
        );
        assert.equal(prod.manageZoneSettings, false);
        assert.equal(prod.odooWorkers, 0);
        assert.equal(prod.smtpSsl, false);
    });

    // Each malformed config, the key it must name, and a fragment of the message.
    const malformed: [
        string,
        "prod" | "staging",
        Record<string, string | undefined>,
        string,
        RegExp,
    ][] = [
        ["bad domain", "staging", { domain: "Example..com" }, "domain", /domain name/],
        [
            "missing zone id",
            "staging",
            { cloudflareZoneId: undefined },
            "cloudflareZoneId",
            /required/,
        ],
        [
            "short zone id",
            "staging",
            { cloudflareZoneId: "abc" },
            "cloudflareZoneId",
            /32-character/,
        ],
        ["unknown region", "staging", { region: "mars1" }, "region", /DigitalOcean region/],
        ["size not a slug", "staging", { dropletSize: "big" }, "dropletSize", /size slug/],
        [
            "volume not a number",
            "staging",
            { volumeSizeGb: "lots" },
            "volumeSizeGb",
            /whole number/,
        ],
        ["volume too small", "staging", { volumeSizeGb: "1" }, "volumeSizeGb", /at least 10/],
        [
            "no SSH CIDR",
            "staging",
            { sshAllowedCidrs: "[]" },
            "sshAllowedCidrs",
            /at least one CIDR/,
        ],
        [
            "SSH address without mask",
            "staging",
            { sshAllowedCidrs: '["198.51.100.4"]' },
            "sshAllowedCidrs[0]",
            /CIDR/,
        ],
        [
            "bad public key",
            "staging",
            { sshPublicKey: "hello" },
            "sshPublicKey",
            /OpenSSH public key/,
        ],
        ["bad ACME e-mail", "staging", { acmeEmail: "ops" }, "acmeEmail", /e-mail/],
        [
            "unsupported Odoo",
            "staging",
            { odooVersion: "16.0" },
            "odooVersion",
            /17\.0, 18\.0 or 19\.0/,
        ],
        [
            "cron threads on staging",
            "staging",
            { odooMaxCronThreads: "2" },
            "odooMaxCronThreads",
            /must be 0 on a staging stack/,
        ],
        [
            "relative addons entry",
            "staging",
            { odooAddonsPath: '["/mnt/a","oca/web"]' },
            "odooAddonsPath",
            /absolute/,
        ],
        [
            "duplicate addons entry",
            "staging",
            { odooAddonsPath: '["/mnt/a","/mnt/a/"]' },
            "odooAddonsPath",
            /repeats entry \[0\]/,
        ],
        [
            "staging with real SMTP",
            "staging",
            { smtpHost: "smtp.example.com" },
            "smtpHost",
            /must not be set on a staging stack/,
        ],
        [
            "staging with a backup region",
            "staging",
            { backupRegion: "ams3" },
            "backupRegion",
            /must not be set/,
        ],
        [
            "staging without Mailpit password",
            "staging",
            { mailpitUiPassword: undefined },
            "mailpitUiPassword",
            /at least 12/,
        ],
        [
            "short admin password",
            "staging",
            { adminPassword: "short" },
            "adminPassword",
            /at least 16/,
        ],
        [
            "soft limit above hard",
            "staging",
            { odooLimitMemorySoftMb: "4096" },
            "odooLimitMemorySoftMb",
            /below odooLimitMemoryHardMb/,
        ],
        [
            "production without SMTP",
            "prod",
            { smtpHost: undefined },
            "smtpHost",
            /required in production/,
        ],
        [
            "production without SMTP password",
            "prod",
            { smtpPassword: undefined },
            "smtpPassword",
            /required in production/,
        ],
        [
            "production without backup region",
            "prod",
            { backupRegion: undefined },
            "backupRegion",
            /required in production/,
        ],
        [
            "backup in the host's region",
            "prod",
            { backupRegion: "fra1" },
            "backupRegion",
            /must differ from region/,
        ],
        [
            "backup region without Spaces",
            "prod",
            { backupRegion: "nyc1" },
            "backupRegion",
            /Spaces region/,
        ],
        [
            "unknown runtime",
            "prod",
            { runtime: "kubernetes" },
            "runtime",
            /droplet or app-platform/,
        ],
        [
            "app-platform on the database container",
            "prod",
            { runtime: "app-platform", database: "container", odooImage: "ghcr.io/x/odoo:18" },
            "database",
            /must be managed with runtime app-platform/,
        ],
        [
            "app-platform on the official image",
            "staging",
            { runtime: "app-platform" },
            "odooImage",
            /required with runtime app-platform/,
        ],
        [
            "app-platform image from an unknown registry",
            "staging",
            { runtime: "app-platform", odooImage: "quay.io/x/odoo:18" },
            "odooImage",
            /registry App Platform pulls from/,
        ],
        [
            "one web instance in production",
            "prod",
            {
                runtime: "app-platform",
                odooImage: "ghcr.io/x/odoo:18",
                appInstanceCount: "1",
                backupRegion: undefined,
                resticPassword: undefined,
            },
            "appInstanceCount",
            /at least 2 in production/,
        ],
        [
            "a single-instance App Platform size",
            "staging",
            {
                runtime: "app-platform",
                odooImage: "ghcr.io/x/odoo:18",
                appInstanceSize: "apps-s-1vcpu-0.5gb",
            },
            "appInstanceSize",
            /can scale out/,
        ],
        [
            "no standby in production",
            "prod",
            { database: "managed", databaseNodeCount: "1" },
            "databaseNodeCount",
            /standby node/,
        ],
        [
            "managed database keys on the container",
            "staging",
            { databaseSize: "db-s-1vcpu-1gb" },
            "databaseSize",
            /configures database managed/,
        ],
        [
            "App Platform keys on the droplet",
            "staging",
            { appInstanceCount: "2" },
            "appInstanceCount",
            /configures runtime app-platform/,
        ],
        [
            "restic on App Platform",
            "prod",
            { runtime: "app-platform", odooImage: "ghcr.io/x/odoo:18" },
            "resticPassword",
            /managed cluster's daily backups/,
        ],
        [
            "unknown PostgreSQL version",
            "prod",
            { database: "managed", databaseVersion: "12" },
            "databaseVersion",
            /14, 15, 16, 17/,
        ],
        [
            "unknown key",
            "staging",
            { odooWorkerz: "4" },
            "odooWorkerz",
            /not a setting of this project/,
        ],
        [
            "slack channel without URL",
            "prod",
            { alertSlackChannel: "#ops" },
            "alertSlackUrl",
            /go together/,
        ],
        ["no alert address", "prod", { alertEmails: "[]" }, "alertEmails", /at least one address/],
    ];
    for (const [title, stack, overrides, key, message] of malformed) {
        it(`refuses ${title}, naming odoo-platform:${key}`, () => {
            const err = problemsOf(stack, overrides);
            const hit = err.problems.find((p) => p.key === `odoo-platform:${key}`);
            assert.ok(hit, `no problem names ${key}:\n${err.message}`);
            assert.match(hit.message, message);
            assert.match(
                err.message,
                new RegExp(`odoo-platform:${key.replace(/[[\]]/g, "\\$&")}: `),
            );
            assert.match(err.message, /Fix: pulumi config (set|rm) /);
        });
    }

    it("lists every problem of a config at once, across keys and stage rules", () => {
        const err = problemsOf("staging", {
            region: "mars1",
            volumeSizeGb: "lots",
            smtpHost: "smtp.example.com",
            odooMaxCronThreads: "3",
            odooAddonsPath: '["rel"]',
        });
        const keys = err.problems.map((p) => p.key).sort();
        assert.deepEqual(keys, [
            "odoo-platform:odooAddonsPath",
            "odoo-platform:odooMaxCronThreads",
            "odoo-platform:region",
            "odoo-platform:smtpHost",
            "odoo-platform:volumeSizeGb",
        ]);
        assert.match(
            err.message,
            /^stack "staging" has 5 configuration problems; nothing was created/,
        );
    });

    it("shows what was found but never a secret value", () => {
        const err = problemsOf("staging", { adminPassword: "tooshort-secret" });
        const hit = err.problems.find((p) => p.key === "odoo-platform:adminPassword");
        assert.equal(hit?.found, "[secret]");
        assert.doesNotMatch(err.message, /tooshort-secret/);
    });

    it("reads the stage from the stack name and refuses any other name", () => {
        assert.equal(stageOfStack("prod"), "production");
        assert.equal(stageOfStack("staging"), "staging");
        assert.equal(stageOfStack("pr-42"), "preview");
        for (const bad of ["production", "dev", "pr-0", "pr-x", ""]) {
            assert.throws(() => stageOfStack(bad), /must be "prod", "staging" or "pr-<N>"/, bad);
        }
    });

    it("Pulumi.yaml declares exactly the project's keys, each with type and description", () => {
        const text = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
        assert.equal(
            text,
            renderPulumiYaml(),
            "regenerate: npx ts-node tools/gen-pulumi-yaml.ts > Pulumi.yaml",
        );
        const doc = YAML.parse(text);
        assert.equal(doc.name, "odoo-platform");
        assert.equal(doc.runtime.name, "nodejs");
        assert.equal(doc.runtime.options.typescript, true);
        assert.deepEqual(Object.keys(doc.config).sort(), Object.keys(CONFIG_KEYS).sort());
        for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
            assert.equal(doc.config[key].type, spec.type, key);
            assert.equal(doc.config[key].description, spec.description, key);
            assert.equal(doc.config[key].secret === true, spec.secret === true, key);
        }
    });

    it("the example stacks commit no secret", () => {
        for (const stack of ["prod", "staging"]) {
            const text = fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");
            const doc = YAML.parse(text);
            for (const key of Object.keys(doc.config)) {
                const bare = key.split(":")[1];
                assert.notEqual(CONFIG_KEYS[bare]?.secret, true, `${stack}: ${key} is a secret`);
            }
            assert.doesNotMatch(text, /secure:/);
        }
    });
});

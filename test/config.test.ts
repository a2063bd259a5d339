import { strict as assert } from "assert";
import { DatabaseSlug, DropletSlug } from "@pulumi/digitalocean/types/enums";
import { DATABASE_SIZES, DROPLET_SIZES, parseDropletSlug } from "../stacks/prices";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import * as packLib from "../policy/lib";
import {
    CANONICAL_ADDONS_PATH,
    CORE_ADDONS_PATH,
    addonsPathFor,
    isOfficialImage,
} from "../stacks/addons";
import {
    CONFIG_KEYS,
    ConfigError,
    STAGE_DEFAULTS,
    parseConfig,
    stageOfStack,
} from "../stacks/config";
import { renderPulumiYaml } from "../tools/gen-pulumi-yaml";
import { parseStackConfig } from "../tools/stack-config";
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

describe("addons path of an image", () => {
    const official = [
        "odoo:18.0",
        "odoo",
        "odoo:17",
        "library/odoo:19.0",
        "docker.io/library/odoo:18.0-20250421",
        "docker.io/odoo@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
    ];
    const built = [
        "ghcr.io/example/odoo@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
        "example/odoo:18.0",
        "registry.digitalocean.com/example/odoo:main",
        "docker.io/example/odoo:18.0",
        "odoo-custom:18.0",
    ];
    it("gives the official image its core addons only, a built image the canonical path", () => {
        for (const image of official) {
            assert.ok(isOfficialImage(image), image);
            assert.deepEqual(addonsPathFor(image), [CORE_ADDONS_PATH], image);
        }
        for (const image of built) {
            assert.ok(!isOfficialImage(image), image);
            assert.deepEqual(addonsPathFor(image), CANONICAL_ADDONS_PATH, image);
        }
    });

    it("is read the same way by the policy pack", () => {
        assert.equal(packLib.CORE_ADDONS_PATH, CORE_ADDONS_PATH);
        for (const image of [...official, ...built]) {
            assert.equal(packLib.isOfficialImage(image), isOfficialImage(image), image);
        }
        assert.deepEqual(packLib.repositoryAddonsPath(), CANONICAL_ADDONS_PATH);
    });
});

describe("config schema", () => {
    it("accepts both example stacks and fills the stage defaults", () => {
        const staging = parseConfig("staging", exampleConfig("staging").config);
        assert.equal(staging.stage, "staging");
        assert.equal(staging.odooMaxCronThreads, 0);
        assert.equal(staging.odooWorkers, STAGE_DEFAULTS.staging.odooWorkers);
        assert.equal(staging.odooDatabase, "odoo_staging");
        assert.equal(staging.odooImage, "odoo:18.0");
        // The official image holds Odoo's core addons only: anything else would stop Odoo.
        assert.deepEqual(staging.odooAddonsPath, ["/usr/lib/python3/dist-packages/odoo/addons"]);
        // (2 workers + 0 cron + 1 gevent) x 768 MB + 256 MB
        assert.equal(staging.odooContainerMemoryMb, 2560);
        assert.equal(staging.vpcIpRange, "10.60.16.0/20");
        assert.equal(staging.smtpHost, undefined);
        assert.equal(staging.smtpPort, undefined);
        assert.equal(staging.manageZoneSettings, false);

        const prod = parseConfig("prod", exampleConfig("prod").config);
        assert.equal(prod.stage, "production");
        assert.equal(prod.odooMaxCronThreads, 2);
        assert.equal(prod.odooWorkers, 4);
        assert.equal(prod.smtpEncryption, "starttls");
        assert.equal(prod.smtpPort, 2525);
        // (4 workers + 2 cron + 1 gevent) x 768 MB + 256 MB
        assert.equal(prod.odooContainerMemoryMb, 5632);
        assert.equal(prod.vpcIpRange, "10.60.0.0/20");
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
                odooMaxCronThreads: "0",
                smtpUser: undefined,
                smtpPassword: undefined,
                smtpEncryption: "none",
            }).config,
        );
        assert.equal(prod.manageZoneSettings, false);
        assert.equal(prod.odooWorkers, 0);
        assert.equal(prod.odooMaxCronThreads, 0);
        assert.equal(prod.smtpEncryption, "none");
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
        [
            "size not a slug",
            "staging",
            { dropletSize: "big" },
            "dropletSize",
            /droplet size DigitalOcean offers/,
        ],
        [
            "a droplet size DigitalOcean does not offer",
            "staging",
            { dropletSize: "s-2vcpu-4gib" },
            "dropletSize",
            /droplet size DigitalOcean offers, e\.g\. s-2vcpu-4gb/,
        ],
        [
            "a managed database size DigitalOcean does not offer",
            "prod",
            { database: "managed", databaseSize: "db-s-1vcpu-3gb" },
            "databaseSize",
            /managed database size DigitalOcean offers: db-s-1vcpu-1gb, /,
        ],
        [
            "SSH range with host bits set",
            "staging",
            { sshAllowedCidrs: '["198.51.100.4/24"]' },
            "sshAllowedCidrs[0]",
            /host bits set; the network is 198\.51\.100\.0\/24/,
        ],
        [
            "SSH IPv6 range not in canonical spelling",
            "staging",
            { sshAllowedCidrs: '["2001:DB8:0:0::/48"]' },
            "sshAllowedCidrs[0]",
            /spelled 2001:db8::\/48 in canonical form/,
        ],
        [
            "SSH IPv6 range that is not an address",
            "staging",
            { sshAllowedCidrs: '["2001:db8:::1/128"]' },
            "sshAllowedCidrs[0]",
            /is not a CIDR such as/,
        ],
        [
            "a backup at hour 25",
            "prod",
            { backupSchedule: "0 25 * * *" },
            "backupSchedule",
            /hour 25 is out of range 0-23/,
        ],
        [
            "a backup schedule of six fields",
            "prod",
            { backupSchedule: "0 0 2 * * *" },
            "backupSchedule",
            /must be 5 fields/,
        ],
        [
            "a backup schedule with an unknown weekday",
            "prod",
            { backupSchedule: "0 2 * * fri-sonday" },
            "backupSchedule",
            /day of week "fri-sonday" is neither a number nor a name/,
        ],
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
            { odooAddonsPath: '["/opt/odoo/src/addons","third-party/example-tools"]' },
            "odooAddonsPath",
            /absolute/,
        ],
        [
            "duplicate addons entry",
            "staging",
            { odooAddonsPath: '["/opt/odoo/src/addons","/opt/odoo/src/addons/"]' },
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
            "an addons entry outside the repository and core",
            "staging",
            { odooAddonsPath: '["/mnt/extra-addons/custom"]' },
            "odooAddonsPath",
            /"\/mnt\/extra-addons\/custom" is neither Odoo's core .* nor a folder of your repository in the image \(\/opt\/odoo\/src\/<folder>\)/,
        ],
        [
            "production without SMTP",
            "prod",
            { smtpHost: undefined },
            "smtpHost",
            /required in production/,
        ],
        [
            "production SMTP user without its password",
            "prod",
            { smtpPassword: undefined },
            "smtpPassword",
            /smtpUser and smtpPassword \(secret\) go together/,
        ],
        [
            "production SMTP on a port DigitalOcean blocks",
            "prod",
            { smtpPort: "587" },
            "smtpPort",
            /blocked for outbound mail from DigitalOcean droplets.*port 2525/,
        ],
        [
            "implicit TLS, which Odoo's flags cannot speak",
            "prod",
            { smtpEncryption: "ssl" },
            "smtpEncryption",
            /must be starttls or none: Odoo's --smtp-ssl is STARTTLS/,
        ],
        [
            "a password sent in the clear",
            "prod",
            { smtpEncryption: "none" },
            "smtpEncryption",
            /would send smtpUser's password unencrypted/,
        ],
        [
            "the replaced smtpSsl",
            "prod",
            { smtpSsl: "true" },
            "smtpSsl",
            /is not a setting any more: it was replaced by smtpEncryption/,
        ],
        [
            "a container smaller than its processes at their hard limit",
            "prod",
            { odooContainerMemoryMb: "4096" },
            "odooContainerMemoryMb",
            /\(4 workers \+ 2 cron \+ 1 gevent\) x 768 MB \(odooLimitMemoryHardMb\) \+ 256 MB main process = 5632 MB/,
        ],
        [
            "a droplet too small for the Odoo container and the rest",
            "prod",
            { dropletSize: "s-2vcpu-4gb" },
            "dropletSize",
            /s-2vcpu-4gb has 4096 MB, less than the Odoo container's 5632 MB .* plus 1152 MB for the system, PostgreSQL/,
        ],
        [
            "an addons path the official image lacks",
            "staging",
            {
                odooAddonsPath:
                    '["/opt/odoo/src/addons","/usr/lib/python3/dist-packages/odoo/addons"]',
            },
            "odooAddonsPath",
            /names \/opt\/odoo\/src\/addons, which the official image odoo:18\.0 does not hold.*no such directory/,
        ],
        [
            "a VPC range that overlaps the other stack's",
            "prod",
            { vpcIpRange: "10.60.16.0/24" },
            "vpcIpRange",
            /overlaps 10\.60\.16\.0\/20, the staging stack's default range: DigitalOcean refuses/,
        ],
        [
            "a VPC range DigitalOcean refuses",
            "staging",
            { vpcIpRange: "10.229.0.0/20" },
            "vpcIpRange",
            /overlaps 10\.229\.0\.0\/16: DigitalOcean refuses it in every region/,
        ],
        [
            "a public VPC range",
            "staging",
            { vpcIpRange: "8.8.0.0/20" },
            "vpcIpRange",
            /must lie in a private IPv4 range/,
        ],
        [
            "a VPC range with host bits",
            "staging",
            { vpcIpRange: "10.61.0.1/20" },
            "vpcIpRange",
            /has host bits set; the network is 10\.61\.0\.0\/20/,
        ],
        [
            "a VPC larger than DigitalOcean makes",
            "staging",
            { vpcIpRange: "10.0.0.0/12" },
            "vpcIpRange",
            /must be \/16 to \/28/,
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
            "a weekly backup on App Platform (its worker backs up daily)",
            "prod",
            {
                runtime: "app-platform",
                odooImage: "ghcr.io/x/odoo:18",
                backupSchedule: "0 3 * * 0",
            },
            "backupSchedule",
            /must be daily .* with runtime app-platform/,
        ],
        [
            "a short restic password on App Platform",
            "prod",
            { runtime: "app-platform", odooImage: "ghcr.io/x/odoo:18", resticPassword: "short" },
            "resticPassword",
            /at least 24 characters/,
        ],
        [
            "unknown PostgreSQL version",
            "prod",
            { database: "managed", databaseVersion: "12" },
            "databaseVersion",
            /14, 15, 16, 17/,
        ],
        [
            "a PostgreSQL image with a managed cluster",
            "prod",
            { database: "managed", postgresImage: "postgres:15" },
            "postgresImage",
            /must not be set with database managed: .*postgres:<databaseVersion>.*pg_dump refuses a newer server/,
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

    it("refuses a key in a misspelt namespace instead of silently ignoring it", () => {
        const err = problemsOf("staging", { "odoo-platfrom:odooWorkers": "4" });
        assert.equal(err.problems.length, 1);
        assert.equal(err.problems[0].key, "odoo-platfrom:odooWorkers");
        assert.match(err.problems[0].message, /did you mean odoo-platform:odooWorkers\?/);
        assert.match(
            err.message,
            /Fix: pulumi config rm odoo-platfrom:odooWorkers -s staging; pulumi config set odoo-platform:odooWorkers <value> -s staging/,
        );
        // A provider namespace misspelt may hold a token: the value is not shown.
        const token = problemsOf("staging", { "cloudflar:apiToken": "cf-token-value" });
        assert.match(token.problems[0].message, /did you mean cloudflare:apiToken\?/);
        assert.doesNotMatch(token.message, /cf-token-value/);
        // Provider namespaces the program uses pass.
        assert.doesNotThrow(() =>
            parseConfig("staging", exampleConfig("staging", { "digitalocean:token": "x" }).config),
        );
    });

    it("accepts every droplet size of the provider's list that can host Odoo, with its memory", () => {
        const slugs = Object.values(DropletSlug) as string[];
        const hosts = slugs.filter((s) => !s.startsWith("gpu-") && !/^\d+(gb|mb)$/.test(s));
        assert.ok(hosts.length > 100, `${hosts.length} slugs`);
        for (const slug of hosts) assert.ok(slug in DROPLET_SIZES, slug);
        assert.deepEqual(parseDropletSlug("s-1vcpu-2gb-70gb-intel"), { vcpus: 1, memoryMb: 2048 });
        assert.deepEqual(parseDropletSlug("s-1vcpu-512mb-10gb"), { vcpus: 1, memoryMb: 512 });
        assert.deepEqual(parseDropletSlug("c-4-intel"), { vcpus: 4, memoryMb: 8192 });
        assert.equal(parseDropletSlug("gpu-h100x1-80gb"), undefined);
        assert.equal(parseDropletSlug("1gb"), undefined);
        // The provider's managed database sizes are all accepted.
        for (const slug of Object.values(DatabaseSlug)) {
            assert.ok((DATABASE_SIZES as readonly string[]).includes(slug), slug);
        }
    });

    it("accepts cron names, ranges, lists and steps crond reads", () => {
        for (const schedule of [
            "15 2 * * *",
            "*/30 1-5 * * mon-fri",
            "0 3 1,15 jan,jul 0",
            "0 4 * * 7",
        ]) {
            assert.doesNotThrow(
                () =>
                    parseConfig("prod", exampleConfig("prod", { backupSchedule: schedule }).config),
                schedule,
            );
        }
    });

    it("names the stack commands when the stack name is not one the program knows", () => {
        assert.throws(
            () => parseConfig("dev", exampleConfig("staging").config),
            (e: unknown) =>
                e instanceof ConfigError &&
                /stack name: must be "prod", "staging" or "pr-<N>"/.test(e.message) &&
                /Fix: pulumi stack select staging \(or prod\); a new stack: pulumi stack init staging/.test(
                    e.message,
                ),
        );
    });

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
            // relative, and not what the official image holds
            "odoo-platform:odooAddonsPath",
            "odoo-platform:odooAddonsPath",
            "odoo-platform:odooMaxCronThreads",
            "odoo-platform:region",
            "odoo-platform:smtpHost",
            "odoo-platform:volumeSizeGb",
        ]);
        assert.match(
            err.message,
            /^stack "staging" has 6 configuration problems; nothing was created/,
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

describe("stack files as Pulumi reads them", () => {
    const prodFile = fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8");
    const appFile = fs.readFileSync(
        path.join(ROOT, "examples", "Pulumi.prod.app-platform.yaml"),
        "utf8",
    );
    const withLines = (text: string, lines: string[]) =>
        `${text.trimEnd()}\n${lines.map((l) => `  ${l}`).join("\n")}\n`;
    const refused = (text: string) => {
        try {
            parseStackConfig("prod", text, "Pulumi.prod.yaml");
        } catch (e) {
            assert.ok(e instanceof ConfigError, String(e));
            return e;
        }
        assert.fail("the stack file was accepted");
    };

    it("refuses a secret key in plain text, as Pulumi does for a key Pulumi.yaml declares secret", () => {
        const err = refused(
            withLines(prodFile, ["odoo-platform:adminPassword: correct-horse-battery-staple"]),
        );
        assert.equal(err.problems.length, 1);
        assert.equal(err.problems[0].key, "odoo-platform:adminPassword");
        assert.match(err.problems[0].message, /must be encrypted as it is secret/);
        assert.match(
            err.message,
            /Fix: pulumi config set --secret odoo-platform:adminPassword <value> -s prod/,
        );
        assert.doesNotMatch(err.message, /correct-horse/);
        // Pulumi.yaml declares exactly the keys the program treats as secret.
        const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
            config: Record<string, { secret?: boolean }>;
        };
        const declared = Object.keys(project.config).filter(
            (k) => project.config[k].secret === true,
        );
        const secret = Object.keys(CONFIG_KEYS).filter((k) => CONFIG_KEYS[k].secret === true);
        assert.deepEqual(declared.sort(), secret.sort());
    });

    it("refuses a malformed secure value instead of taking the mapping as the value", () => {
        const cases: [string, RegExp][] = [
            ["odoo-platform:adminPassword:\n    secur: v1:AAAABBBBCCCC", /misspelt "secure:"/],
            ["odoo-platform:adminPassword:\n    Secure: v1:AAAABBBBCCCC", /misspelt "secure:"/],
            ['odoo-platform:adminPassword:\n    secure: ""', /without its ciphertext/],
            ["odoo-platform:adminPassword:\n    secure:", /without its ciphertext/],
            [
                "odoo-platform:adminPassword:\n    secure: v1:AAAA\n    extra: 1",
                /other keys beside "secure" \(extra\)/,
            ],
            // A key that is not secret but was meant to be encrypted: still not a value.
            ["odoo-platform:alertSlackChannel:\n    secrue: v1:AAAABBBBCCCC", /misspelt "secure:"/],
        ];
        for (const [line, message] of cases) {
            const err = refused(withLines(prodFile, [line]));
            assert.equal(err.problems.length, 1, line);
            assert.match(err.problems[0].message, message, line);
            assert.match(err.problems[0].message, /\(Pulumi\.prod\.yaml\)/);
            assert.doesNotMatch(err.message, /AAAABBBB/);
        }
    });

    it("puts placeholders the key's own check accepts in place of every secure value", () => {
        const secret = Object.keys(CONFIG_KEYS).filter((k) => CONFIG_KEYS[k].secret === true);
        const secureLines = (keys: string[]) =>
            keys.map((k) => `odoo-platform:${k}:\n    secure: v1:c2VjcmV0`);
        const onApp = [
            "appRegistryCredentials",
            "adminPassword",
            "alertSlackUrl",
            "smtpPassword",
            "resticPassword",
        ];
        const onStaging = [
            "mailpitUiPassword",
            "adminPassword",
            "postgresPassword",
            "nonProdAccessPassword",
        ];
        const onDroplet = secret.filter(
            (k) =>
                k !== "appRegistryCredentials" &&
                k !== "mailpitUiPassword" &&
                k !== "nonProdAccessPassword",
        );
        const stagingFile = fs.readFileSync(path.join(ROOT, "Pulumi.staging.yaml"), "utf8");
        const staging = parseStackConfig(
            "staging",
            withLines(stagingFile, secureLines(onStaging)),
            "Pulumi.staging.yaml",
        );
        const droplet = parseStackConfig(
            "prod",
            withLines(prodFile, [
                ...secureLines(onDroplet),
                "odoo-platform:alertSlackChannel: '#ops'",
                "odoo-platform:logService: papertrail",
            ]),
            "Pulumi.prod.yaml",
        );
        const app = parseStackConfig(
            "prod",
            withLines(appFile, [
                ...secureLines(onApp).filter((l) => !appFile.includes(l.split(":\n")[0])),
                ...(appFile.includes("alertSlackChannel")
                    ? []
                    : ["odoo-platform:alertSlackChannel: '#ops'"]),
            ]),
            "Pulumi.prod.app-platform.yaml",
        );
        assert.deepEqual(
            [...new Set([...onApp, ...onDroplet, ...onStaging])].sort(),
            secret.sort(),
        );
        for (const [stack, cfg] of [
            ["prod", droplet],
            ["prod", app],
            ["staging", staging],
        ] as const) {
            for (const key of cfg.placeholders) {
                assert.match(cfg.config[key], /preview-placeholder/);
                assert.ok(cfg.secretKeys.includes(key), key);
            }
            assert.doesNotThrow(() => parseConfig(stack, cfg.config));
        }
        assert.equal(
            droplet.config["odoo-platform:alertSlackUrl"],
            "https://hooks.slack.com/services/preview-placeholder-alertSlackUrl",
        );
        assert.match(app.config["odoo-platform:appRegistryCredentials"], /^[^\s:]+:\S+$/);
    });

    it("names the file of a YAML syntax error", () => {
        assert.throws(
            () =>
                parseStackConfig(
                    "prod",
                    "config:\n  odoo-platform:domain: [example.com\n",
                    "/tmp/Pulumi.prod.yaml",
                ),
            /^Error: \/tmp\/Pulumi\.prod\.yaml: not valid YAML: /,
        );
    });
});

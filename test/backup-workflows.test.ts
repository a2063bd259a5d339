/**
 * The backup workflows (backup-now, backup-list, backup-restore, backup-download, restore-drill)
 * step by step with stub CLIs: the exact calls of the DigitalOcean API that create and delete the
 * run's own Spaces key, what reaches the hosts (and that no long-lived read key does), the job
 * summaries, and that the key is deleted when a step fails. The stubs answer what the real tools
 * print: restic's `snapshots --json` is captured from restic 0.18.0 here, the API's answers follow
 * DigitalOcean's reference (POST /v2/spaces/keys answers {"key": {...}}; DELETE answers 204).
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BACKUP_IMAGES } from "../components/backup-job";
import { odooBackupArgs, refuseLocks } from "./doubles/snapshots";
import { PLATFORM, Wiring, programWiring, scenarioRepositories } from "./secret-places";
import { Event, ROOT, Rule, WorkflowRun, runWorkflow } from "./workflow-harness";

const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const REPOSITORY = "s3:https://ams3.digitaloceanspaces.com/example-com-odoo-backups/restic";
/** How backup-list runs restic (tools/ci/backups.sh); the listing below comes from restic with these. */
const LIST_ARGS = ["--no-lock", "snapshots", "--json", "--host", "odoo-platform", "--tag", "odoo"];
const DEV_HOST = "203.0.113.20";
const PROD_HOST = "203.0.113.30";
const RUN_ID = 7001;
// The shape of DigitalOcean's answer to POST /v2/spaces/keys (API reference, Spaces Keys).
const ACCESS = "DO00RUNKEYEXAMPLE777";
const SECRET = "run-secret-key-1c1b7e0a9d6f4e2b8a3c5d7e9f1a2b3c4d5e6f7a";
const keyAnswer = (permission: string) =>
    JSON.stringify({
        key: {
            name: `odoo-platform-run-${RUN_ID}-${permission}`,
            access_key: ACCESS,
            secret_key: SECRET,
            grants: [{ bucket: "example-com-odoo-backups", permission }],
            created_at: "2026-11-27T10:00:00Z",
        },
    });
// The staging environment's DIGITALOCEAN_TOKEN, as scenarioRepositories fills it.
const TOKEN = "digitalocean_token-value";
const createKey = (permission: string, token = TOKEN) =>
    [
        "curl -fsS -X POST https://api.digitalocean.com/v2/spaces/keys",
        `-H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json'`,
        `-d '{"name":"odoo-platform-run-${RUN_ID}-${permission}","grants":[{"bucket":"example-com-odoo-backups","permission":"${permission}"}]}'`,
    ].join(" ");
const deleteKey = `curl -fsS -X DELETE https://api.digitalocean.com/v2/spaces/keys/${ACCESS} -H 'Authorization: Bearer ${TOKEN}'`;
const keyRules = (permission: string): Rule[] => [
    { cmd: "curl", args: /^-fsS -X POST /, stdout: keyAnswer(permission) },
    { cmd: "curl", args: /^-fsS -X DELETE / },
];
const resticRules: Rule[] = [
    {
        cmd: "docker",
        args: /^create --name restic-7001 restic\/restic:0\.18\.0$/,
        stdout: "c0ffee\n",
    },
    { cmd: "docker", args: /^cp restic-7001:\/usr\/bin\/restic / },
    { cmd: "docker", args: /^rm restic-7001$/, stdout: "restic-7001\n" },
];

describe("backup workflows: back up now, list, restore a chosen snapshot, download, drill", function () {
    this.timeout(300_000);
    let wiring: Wiring;
    let snapshotsJson: string;
    let ids: string[];
    const runs: WorkflowRun[] = [];

    before(async () => {
        wiring = await programWiring();
        // What restic 0.18.0 prints for `snapshots --json` of a repository odoo-backup wrote.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-platform-snaps-"));
        const env = {
            ...process.env,
            RESTIC_REPOSITORY: path.join(dir, "repo"),
            RESTIC_PASSWORD: "snapshot-listing-password",
            RESTIC_CACHE_DIR: path.join(dir, "cache"),
        };
        const restic = (args: string[]) => {
            const r = spawnSync("restic", args, { env, encoding: "utf8" });
            assert.equal(r.status, 0, r.stderr);
            return r.stdout;
        };
        restic(["init"]);
        fs.mkdirSync(path.join(dir, "current"));
        for (const n of [1, 2]) {
            fs.writeFileSync(path.join(dir, "current", "database.dump"), `dump ${n}`);
            restic(odooBackupArgs("odoo", path.join(dir, "current")));
        }
        // The run's key can only read the bucket: restic cannot write a lock there.
        refuseLocks(env.RESTIC_REPOSITORY, env, LIST_ARGS.slice(1));
        snapshotsJson = restic(LIST_ARGS);
        ids = (JSON.parse(snapshotsJson) as { id: string }[]).map((s) => s.id);
        fs.rmSync(dir, { recursive: true, force: true });
    });
    after(() => runs.forEach((r) => r.dispose()));

    const run = (file: string, inputs: Record<string, string>, rules: Rule[]) => {
        const event: Event = { name: "workflow_dispatch", ref: "refs/heads/main", inputs };
        const r = runWorkflow({
            workflow: path.join(WORKFLOWS, file),
            repository: PLATFORM,
            repositories: scenarioRepositories(wiring, {
                PULUMI_BACKEND_URL:
                    "s3://example-pulumi-state?endpoint=fra1.digitaloceanspaces.com&region=us-east-1",
                DEV_HOST,
                BACKUP_RESTIC_REPOSITORY: REPOSITORY,
                BACKUP_RESTIC_PASSWORD: "production-restic-password",
                ODOO_REPOSITORY: "example/odoo",
                REGISTRY_USERNAME: "example-bot",
            }),
            event,
            rules,
            runId: RUN_ID,
        });
        runs.push(r);
        return r;
    };

    it("the runner's restic is the release the hosts run", () => {
        const script = fs.readFileSync(path.join(ROOT, "tools", "ci", "backups.sh"), "utf8");
        assert.equal(/^RESTIC_IMAGE=(.*)$/m.exec(script)?.[1], BACKUP_IMAGES.restic);
    });

    it("backup-list: a read-only key for the run, restic's snapshots newest first, the key deleted", () => {
        const r = run("backup-list.yml", {}, [
            ...keyRules("read"),
            ...resticRules,
            { cmd: "restic", args: new RegExp(`^${LIST_ARGS.join(" ")}$`), stdout: snapshotsJson },
        ]);
        assert.deepEqual(r.unexpected, [], r.explain());
        assert.deepEqual(r.results, { list: "success" });
        const curls = r.lines(["curl"]);
        assert.equal(curls[0], createKey("read"));
        assert.equal(curls[1], deleteKey);
        assert.equal(curls.length, 2);
        const summary = r.jobs.list.summary;
        assert.match(summary, /### 2 snapshots of production, newest first/);
        assert.ok(summary.indexOf(ids[1]) < summary.indexOf(ids[0]), summary);
        assert.match(summary, new RegExp(`\\| \`${ids[0]}\` \\| odoo \\| 0\\.0 MB \\|`));
    });

    it("backup-list: the key is deleted when restic fails", () => {
        const r = run("backup-list.yml", {}, [
            ...keyRules("read"),
            ...resticRules,
            {
                cmd: "restic",
                stderr: "Fatal: unable to open config file: Stat: Access Denied.\n",
                exit: 1,
            },
        ]);
        assert.deepEqual(r.unexpected, [], r.explain());
        assert.deepEqual(r.results, { list: "failure" });
        assert.equal(r.lines(["curl"]).filter((l) => l.includes("-X DELETE")).length, 1);
    });

    it("backup-restore: the chosen snapshot into staging's own database, with the run's key on stdin", () => {
        const snapshot = ids[0].slice(0, 8);
        const r = run("backup-restore.yml", { snapshot }, [
            ...keyRules("read"),
            {
                cmd: "ssh",
                args: new RegExp(`root@${DEV_HOST} umask 077; cat >/root/.restore.env;`),
                stdout:
                    `[2026-11-27T10:00:01Z] restoring snapshot ${ids[0]}\n` +
                    "[2026-11-27T10:00:09Z] manifest: 412 tables (981233 rows) and 5120 files match the backup, row for row and byte for byte\n" +
                    "[2026-11-27T10:01:02Z] restored odoo into odoo_staging in 61 s (previous copy: odoo_staging_previous)\n",
            },
        ]);
        assert.deepEqual(r.unexpected, [], r.explain());
        assert.deepEqual(r.results, { restore: "success" });
        const ssh = r.calls.find((c) => c.cmd === "ssh")!;
        assert.equal(
            ssh.remote,
            `umask 077; cat >/root/.restore.env; status=0; docker exec --env-file /root/.restore.env staging-backup sh -c 'odoo-restore ${snapshot} "$PGDATABASE" staging' || status=$?; rm -f /root/.restore.env; exit $status`,
        );
        // The credentials travel on stdin: the run's key, never a long-lived one.
        assert.equal(
            ssh.stdin,
            `RESTIC_REPOSITORY=${REPOSITORY}\nRESTIC_PASSWORD=production-restic-password\nAWS_ACCESS_KEY_ID=${ACCESS}\nAWS_SECRET_ACCESS_KEY=${SECRET}\n`,
        );
        assert.ok(!ssh.argv.join(" ").includes(SECRET));
        assert.match(
            r.jobs.restore.summary,
            /manifest: 412 tables \(981233 rows\) and 5120 files match/,
        );
        assert.equal(r.lines(["curl"]).filter((l) => l.includes("-X DELETE")).length, 1);
    });

    it("backup-restore: refuses a snapshot that is not an id before touching the host; key deleted", () => {
        const r = run("backup-restore.yml", { snapshot: "latest; rm -rf /" }, keyRules("read"));
        assert.deepEqual(r.unexpected, [], r.explain());
        assert.deepEqual(r.results, { restore: "failure" });
        assert.deepEqual(r.lines(["ssh"]), []);
        assert.match(r.explain(), /snapshot must be latest or a snapshot id/);
        assert.equal(r.lines(["curl"]).filter((l) => l.includes("-X DELETE")).length, 1);
    });

    it("backup-now: production's backup container backs up now and the snapshot is reported", () => {
        const id = ids[1];
        const r = run("backup-now.yml", {}, [
            { cmd: "pulumi", args: /^login s3:\/\/example-pulumi-state/ },
            // No runtime set: the droplet default (the message of pkg/cmd/pulumi/config, getConfig).
            {
                cmd: "pulumi",
                args: /^config get runtime --stack prod$/,
                stderr: "error: configuration key 'odoo-platform:runtime' not found for stack 'prod'\n",
                exit: 255,
            },
            { cmd: "pulumi", args: /^stack output hostIp --stack prod$/, stdout: `${PROD_HOST}\n` },
            {
                cmd: "ssh",
                args: /docker exec prod-backup odoo-backup$/,
                stdout: `[2026-11-27T10:00:00Z] dumping odoo\n[2026-11-27T10:02:00Z] snapshot ${id} saved\n[2026-11-27T10:02:30Z] backup of odoo done\n`,
            },
        ]);
        assert.deepEqual(r.unexpected, [], r.explain());
        assert.deepEqual(r.results, { backup: "success" });
        assert.deepEqual(r.lines(["ssh"]), [
            `ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new root@${PROD_HOST} docker exec prod-backup odoo-backup`,
        ]);
        assert.equal(r.jobs.backup.outputs.snapshot, id);
        assert.match(r.jobs.backup.summary, new RegExp(`Snapshot \`${id}\` of production`));
        const agent = r.calls.find((c) => c.cmd === "uses" && c.argv[0] === "webfactory/ssh-agent");
        assert.equal(agent?.with?.["ssh-private-key"], "host_ssh_key-value");
    });

    it("backup-now: App Platform production is told where its backups run, nothing is touched", () => {
        const r = run("backup-now.yml", {}, [
            { cmd: "pulumi", args: /^login / },
            { cmd: "pulumi", args: /^config get runtime --stack prod$/, stdout: "app-platform\n" },
        ]);
        assert.deepEqual(r.unexpected, [], r.explain());
        assert.deepEqual(r.results, { backup: "failure" });
        assert.match(r.explain(), /production runs on App Platform: its backup worker backs up/);
        assert.deepEqual(r.lines(["ssh"]), []);
    });

    it("backup-download: Odoo's zip of the snapshot, uploaded under downloads/, a link for link-minutes, then both gone", () => {
        const r = run("backup-download.yml", { snapshot: "latest", "link-minutes": "45" }, [
            ...keyRules("readwrite"),
            ...resticRules,
            // The archive itself is made by tools/backup-archive.ts (test/backup-archive.test.ts
            // runs it against a real restic and PostgreSQL).
            { cmd: "npx", args: /^ts-node --transpile-only tools\/backup-archive\.ts / },
            { cmd: "aws", args: /^s3 cp / },
            {
                cmd: "aws",
                args: /^s3 presign /,
                stdout: "https://ams3.digitaloceanspaces.com/example-com-odoo-backups/downloads/7001/odoo-backup-latest-7001.zip?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=2700\n",
            },
            { cmd: "aws", args: /^s3 rm / },
        ]);
        assert.deepEqual(r.unexpected, [], r.explain());
        assert.deepEqual(r.results, { download: "success" });
        const temp = /tools\/backup-archive\.ts latest (\S+)\/odoo-backup-latest-7001\.zip$/.exec(
            r.lines(["npx"])[0],
        );
        assert.ok(temp, r.lines(["npx"]).join("\n"));
        const object = "downloads/7001/odoo-backup-latest-7001.zip";
        const endpoint = "--endpoint-url https://ams3.digitaloceanspaces.com --region ams3";
        assert.deepEqual(r.lines(["aws"]), [
            `aws s3 cp ${temp[1]}/odoo-backup-latest-7001.zip s3://example-com-odoo-backups/${object} ${endpoint} --only-show-errors`,
            `aws s3 presign s3://example-com-odoo-backups/${object} --expires-in 2700 ${endpoint}`,
            `aws s3 rm s3://example-com-odoo-backups/${object} ${endpoint} --only-show-errors`,
        ]);
        // The link is held open for its lifetime, then the key that signed it is deleted.
        assert.deepEqual(r.lines(["sleep"]), ["sleep 2700"]);
        const curls = r.lines(["curl"]);
        assert.match(curls[0], /"permission":"readwrite"/);
        assert.match(
            curls[1],
            new RegExp(`-X DELETE https://api.digitalocean.com/v2/spaces/keys/${ACCESS} `),
        );
        const names = r.calls.map((c) => c.cmd);
        assert.ok(names.lastIndexOf("curl") > names.lastIndexOf("aws"), "the key goes last");
        assert.match(
            r.jobs.download.summary,
            /\[odoo-backup-latest\.zip\]\(https:\/\/ams3\.digitaloceanspaces\.com\/.*X-Amz-Expires=2700\)/,
        );
        assert.match(r.jobs.download.summary, /works for 45 minutes/);
    });

    it("backup-download: refuses a link longer than 240 minutes; nothing uploaded, the key deleted", () => {
        const r = run("backup-download.yml", { snapshot: "latest", "link-minutes": "10000" }, [
            ...keyRules("readwrite"),
        ]);
        assert.deepEqual(r.unexpected, [], r.explain());
        assert.deepEqual(r.results, { download: "failure" });
        assert.match(r.explain(), /link-minutes must be between 5 and 240/);
        assert.deepEqual(r.lines(["aws"]), []);
        assert.equal(r.lines(["curl"]).filter((l) => l.includes("-X DELETE")).length, 1);
    });

    it("restore-drill: REQUIRE_MANIFEST=1, the manifest's verdict in the summary, the scratch database dropped", () => {
        const verdict =
            "manifest: 412 tables (981233 rows) and 5120 files match the backup, row for row and byte for byte";
        const r = run("restore-drill.yml", {}, [
            ...keyRules("read"),
            {
                cmd: "ssh",
                args: /umask 077; cat >\/root\/.drill.env;/,
                stdout: `[2026-11-27T05:00:01Z] restoring snapshot ${ids[1]}\n[2026-11-27T05:00:09Z] ${verdict}\n`,
            },
            { cmd: "ssh", args: /DROP DATABASE IF EXISTS odoo_drill WITH \(FORCE\)/ },
        ]);
        assert.deepEqual(r.unexpected, [], r.explain());
        assert.deepEqual(r.results, { drill: "success" });
        const [restore, clean] = r.calls.filter((c) => c.cmd === "ssh");
        assert.equal(
            restore.remote,
            "umask 077; cat >/root/.drill.env; status=0; docker exec --env-file /root/.drill.env staging-backup odoo-restore latest odoo_drill staging || status=$?; rm -f /root/.drill.env; exit $status",
        );
        assert.equal(
            restore.stdin,
            `RESTIC_REPOSITORY=${REPOSITORY}\nRESTIC_PASSWORD=production-restic-password\nAWS_ACCESS_KEY_ID=${ACCESS}\nAWS_SECRET_ACCESS_KEY=${SECRET}\nREQUIRE_MANIFEST=1\n`,
        );
        assert.match(clean.remote!, /rm -rf \/mnt\/odoo-data\/odoo\/filestore\/odoo_drill /);
        assert.match(
            r.jobs.drill.summary,
            new RegExp(
                `\\| ${ids[1]} \\| 412 tables \\(981233 rows\\) and 5120 files match the backup`,
            ),
        );
        assert.equal(r.lines(["curl"]).filter((l) => l.includes("-X DELETE")).length, 1);
    });

    it("restore-drill: a restore that differs from its manifest fails the drill, and it still cleans up", () => {
        const r = run("restore-drill.yml", {}, [
            ...keyRules("read"),
            {
                cmd: "ssh",
                args: /umask 077; cat >\/root\/.drill.env;/,
                stdout: `[2026-11-27T05:00:01Z] restoring snapshot ${ids[1]}\n`,
                stderr: "  differs: table public.res_partner: content differs from the backup (300 rows)\nerror: the restore of snapshot x differs from the manifest its backup wrote\n",
                exit: 1,
            },
            { cmd: "ssh", args: /DROP DATABASE IF EXISTS odoo_drill WITH \(FORCE\)/ },
        ]);
        assert.deepEqual(r.unexpected, [], r.explain());
        assert.deepEqual(r.results, { drill: "failure" });
        assert.match(r.explain(), /differs: table public\.res_partner/);
        assert.equal(r.lines(["ssh"]).length, 2);
        assert.equal(r.lines(["curl"]).filter((l) => l.includes("-X DELETE")).length, 1);
    });

    it("no workflow reads a long-lived backup key for these operations", () => {
        for (const f of [
            "backup-list.yml",
            "backup-restore.yml",
            "backup-download.yml",
            "restore-drill.yml",
        ]) {
            const text = fs.readFileSync(path.join(WORKFLOWS, f), "utf8");
            assert.doesNotMatch(text, /BACKUP_READ_(ACCESS|SECRET)/, f);
        }
    });
});

import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Runner, defaultRunner, parseArgs, planReap, prNumberOf, reap } from "../tools/pr-reaper";

const now = new Date("2026-11-25T06:00:00Z");
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();

describe("PR reaper", () => {
    const stacks = [
        { name: "prod", lastUpdate: daysAgo(90) },
        { name: "staging", lastUpdate: daysAgo(60) },
        { name: "pr-12", lastUpdate: daysAgo(1) }, // closed PR
        { name: "pr-13", lastUpdate: daysAgo(2) }, // open PR, fresh
        { name: "organization/odoo-platform/pr-14", lastUpdate: daysAgo(30) }, // open, stale
        { name: "pr-15" }, // open, never updated
        { name: "pr-abc", lastUpdate: daysAgo(100) }, // malformed
        { name: "pr-007", lastUpdate: daysAgo(100) }, // malformed (leading zero)
        { name: "pr-16", lastUpdate: daysAgo(1), updateInProgress: true }, // closed, busy
    ];

    it("destroys closed and stale PR stacks, keeps open ones, never touches others", () => {
        const decisions = planReap({ stacks, openPrs: [13, 14, 15], now, ttlDays: 14 });
        assert.deepEqual(
            decisions.map((d) => [d.stack, d.action, d.reason]),
            [
                ["pr-12", "destroy", "pull request #12 is closed"],
                ["pr-13", "keep", "pull request #13 is open"],
                [
                    "organization/odoo-platform/pr-14",
                    "destroy",
                    "last updated 30 days ago (TTL 14 days)",
                ],
                ["pr-15", "keep", "pull request #15 is open"],
                ["pr-abc", "skip", "not a pr-<N> name; left alone"],
                ["pr-007", "skip", "not a pr-<N> name; left alone"],
                ["pr-16", "skip", "an update is in progress"],
            ],
        );
    });

    it("reads PR numbers only from well-formed names", () => {
        assert.equal(prNumberOf("pr-42"), 42);
        assert.equal(prNumberOf("org/odoo-platform/pr-42"), 42);
        for (const bad of ["pr-0", "pr-", "pr-4x", "xpr-4", "staging", "pr-1234567890"]) {
            assert.equal(prNumberOf(bad), undefined, bad);
        }
    });

    function fakeRunner(
        responses: Record<string, { status: number; stdout?: string; stderr?: string }>,
    ) {
        const calls: string[] = [];
        const run: Runner = (cmd, args) => {
            const key = `${cmd} ${args.join(" ")}`;
            calls.push(key);
            const hit = Object.entries(responses).find(([prefix]) => key.startsWith(prefix));
            if (!hit) throw new Error(`unexpected command ${key}`);
            return {
                status: hit[1].status,
                stdout: hit[1].stdout ?? "",
                stderr: hit[1].stderr ?? "",
            };
        };
        return { run, calls };
    }
    const lists = {
        "pulumi stack ls --json": { status: 0, stdout: JSON.stringify(stacks) },
        "gh pr list": {
            status: 0,
            stdout: JSON.stringify([{ number: 13 }, { number: 14 }, { number: 15 }]),
        },
        "pulumi destroy": { status: 0 },
    };

    it("is a dry run unless asked to apply", () => {
        const { run, calls } = fakeRunner(lists);
        const logs: string[] = [];
        reap({ repo: "example/odoo", ttlDays: 14, apply: false, now }, run, (s) => logs.push(s));
        assert.ok(!calls.some((c) => c.startsWith("pulumi destroy")));
        assert.match(logs.join("\n"), /dry run: nothing was destroyed/);
    });

    it("with --apply destroys and removes exactly the decided stacks", () => {
        const { run, calls } = fakeRunner(lists);
        reap({ repo: "example/odoo", ttlDays: 14, apply: true, now }, run, () => undefined);
        assert.deepEqual(
            calls.filter((c) => c.startsWith("pulumi destroy")),
            [
                "pulumi destroy --yes --remove --stack pr-12",
                "pulumi destroy --yes --remove --stack organization/odoo-platform/pr-14",
            ],
        );
        assert.ok(
            calls.includes(
                "gh pr list --repo example/odoo --state open --json number --limit 1000",
            ),
        );
    });

    for (const [title, override] of [
        ["the PR list cannot be read", { "gh pr list": { status: 1, stderr: "HTTP 502" } }],
        [
            "the PR list is not JSON",
            { "gh pr list": { status: 0, stdout: "<html>rate limited</html>" } },
        ],
        [
            "the stack list cannot be read",
            { "pulumi stack ls --json": { status: 255, stderr: "no backend" } },
        ],
    ] as const) {
        it(`destroys nothing when ${title}`, () => {
            const { run, calls } = fakeRunner({ ...lists, ...override });
            assert.throws(
                () =>
                    reap(
                        { repo: "example/odoo", ttlDays: 14, apply: true, now },
                        run,
                        () => undefined,
                    ),
                /nothing was destroyed/,
            );
            assert.ok(!calls.some((c) => c.startsWith("pulumi destroy")));
        });
    }

    it("needs the Odoo repository and a positive TTL", () => {
        assert.throws(() => parseArgs([]), /--repo <owner\/repo> is required/);
        assert.deepEqual(parseArgs(["--repo", "example/odoo", "--ttl-days", "7", "--apply"]), {
            repo: "example/odoo",
            ttlDays: 7,
            apply: true,
        });
        assert.throws(() => planReap({ stacks: [], openPrs: [], now, ttlDays: 0 }), /positive/);
        assert.throws(
            () => parseArgs(["--repo", "example/odoo", "--ttl", "7"]),
            /Unknown option '--ttl'.*usage: npm run reaper --/,
        );
    });

    it("says how to install a CLI that is missing instead of spawnSync ENOENT", () => {
        const saved = process.env.PATH;
        process.env.PATH = fs.mkdtempSync(path.join(os.tmpdir(), "empty-path-"));
        try {
            const r = defaultRunner("pulumi", ["stack", "ls", "--json"]);
            assert.equal(r.status, 127);
            assert.match(
                r.stderr,
                /^pulumi is not installed or not on PATH: install the Pulumi CLI 3\.256\.0/,
            );
            assert.throws(
                () =>
                    reap(
                        { repo: "example/odoo", ttlDays: 14, apply: true, now },
                        defaultRunner,
                        () => undefined,
                    ),
                (e: unknown) =>
                    e instanceof Error &&
                    /pulumi is not installed or not on PATH/.test(e.message) &&
                    /nothing was destroyed/.test(e.message) &&
                    !/ENOENT/.test(e.message),
            );
        } finally {
            process.env.PATH = saved;
        }
    });
});

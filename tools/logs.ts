/**
 * `npm run logs -- <stack> [odoo|postgres|proxy] [--since 1h] [--user <login>]`: the recent log of
 * a stage, one command. A droplet stage asks its host through your own login's entry
 * (`ssh <login>@<host> logs ...`, see components/host-access.ts; the role decides); `pr-<N>` asks
 * the staging host for that preview's Odoo; an App Platform stage asks `doctl apps logs`. What
 * older than the host keeps, or searching across stages: the log service (README, "Logs").
 *
 * Inputs are what the CLIs print: `pulumi stack output --json --stack <stack>` (outputs `hostIp`
 * or `appId`, as stacks/production.ts and stacks/staging.ts export them).
 */
import { spawnSync } from "child_process";
import * as os from "os";
import { parseArgs } from "node:util";

export interface LogsRequest {
    readonly stack: string;
    readonly what: "odoo" | "postgres" | "proxy";
    readonly since: string;
    readonly user: string;
    readonly stagingStack: string;
}

/** The stack whose outputs to read: a preview's host is staging's. */
export function outputsStack(r: LogsRequest): string {
    return /^pr-[1-9]\d*$/.test(r.stack) ? r.stagingStack : r.stack;
}

/** The command (argv) that prints the log, from the stack's outputs. Pure: the tests drive it. */
export function logsCommand(r: LogsRequest, outputs: Readonly<Record<string, unknown>>): string[] {
    const preview = /^pr-[1-9]\d*$/.test(r.stack);
    if (typeof outputs.hostIp === "string") {
        const target = preview ? r.stack : r.what;
        return [
            "ssh",
            "-o",
            "BatchMode=yes",
            `${r.user}@${outputs.hostIp}`,
            "logs",
            target,
            r.since,
        ];
    }
    if (typeof outputs.appId === "string" && !preview) {
        if (r.what !== "odoo") {
            throw new Error(
                `${r.stack} runs on App Platform: its ${r.what} log is in the log service (README, "Logs")`,
            );
        }
        return ["doctl", "apps", "logs", outputs.appId, "web", "--type", "run", "--tail", "500"];
    }
    throw new Error(
        `stack ${outputsStack(r)} exports neither hostIp nor appId: has it been deployed (pulumi up)?`,
    );
}

/** What the host entry accepts: 1-99 minutes or hours, 1-9 days. */
const SINCE = /^([1-9]\d?[mh]|[1-9]d)$/;

export function parseRequest(argv: readonly string[], env: NodeJS.ProcessEnv): LogsRequest {
    const { values, positionals } = parseArgs({
        args: [...argv],
        allowPositionals: true,
        options: {
            since: { type: "string", default: "1h" },
            user: { type: "string" },
            "staging-stack": { type: "string", default: "staging" },
        },
    });
    const [stack, what = "odoo", ...rest] = positionals;
    if (stack === undefined || rest.length > 0) {
        throw new Error(
            "usage: npm run logs -- <prod|staging|pr-N> [odoo|postgres|proxy] [--since 1h]",
        );
    }
    if (what !== "odoo" && what !== "postgres" && what !== "proxy") {
        throw new Error(`what to show must be odoo, postgres or proxy, got "${what}"`);
    }
    const since = values.since as string;
    if (!SINCE.test(since)) {
        throw new Error(
            `--since must be 1-99 minutes or hours or 1-9 days, e.g. 30m, 2h, 1d; got "${since}"`,
        );
    }
    return {
        stack,
        what,
        since,
        user:
            (values.user as string | undefined) ?? env.ODOO_PLATFORM_USER ?? os.userInfo().username,
        stagingStack: values["staging-stack"] as string,
    };
}

function main(): number {
    let request: LogsRequest;
    try {
        request = parseRequest(process.argv.slice(2), process.env);
    } catch (e) {
        console.error((e as Error).message);
        return 2;
    }
    const out = spawnSync(
        "pulumi",
        ["stack", "output", "--json", "--stack", outputsStack(request)],
        {
            encoding: "utf8",
        },
    );
    if (out.error) {
        console.error(
            `pulumi could not run (${out.error.message}): install the Pulumi CLI and log in to ` +
                'the state backend (README, "Deploying for real")',
        );
        return 1;
    }
    if (out.status !== 0) {
        console.error(
            `pulumi stack output --stack ${outputsStack(request)} failed: ${out.stderr.trim()}`,
        );
        return 1;
    }
    let argv: string[];
    try {
        argv = logsCommand(request, JSON.parse(out.stdout) as Record<string, unknown>);
    } catch (e) {
        console.error((e as Error).message);
        return 1;
    }
    const run = spawnSync(argv[0], argv.slice(1), { stdio: "inherit" });
    if (run.error) {
        console.error(`${argv[0]} could not run: ${run.error.message}`);
        return 1;
    }
    return run.status ?? 1;
}

if (require.main === module) process.exit(main());

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { BACKUP_IMAGES } from "./backup-job";
import { healthEndpoint } from "./health-endpoint";
import { CONTAINER_LOGGING } from "./log-shipping";

/**
 * Alerts on Odoo's real traffic on the droplet runtime: the error rate and the 95th percentile of
 * request durations, read from Traefik's access log (Common Log Format on stdout, `--accesslog`),
 * not from a probe. A checker evaluates the last window every minute; a small endpoint answers 503
 * while a threshold is crossed (or the checker has stopped), and an uptime check on it alerts
 * through the environment's e-mail and Slack targets, like the backup freshness check.
 *
 * Defaults follow the seeds' Prometheus rules (monitoring/prometheus/alerts.yml): 5xx above 5 % of
 * requests over 5 minutes, p95 above 2 s over 5 minutes.
 */
export const TRAFFIC_HEALTH_PATH = "/.platform/traffic-health";
export const TRAFFIC_WINDOW_SECONDS = 300;
/** Below this many requests in the window, neither rate nor percentile means anything. */
export const TRAFFIC_MIN_REQUESTS = 20;
const SPOOL = "/var/spool/odoo-traffic";

/**
 * Reads Traefik's access log on stdin and prints `<requests> <errors> <p95 ms>` for one router.
 * Traefik's line (docs "Access Logs", Common Log Format) ends in
 * `... <count> "<router>" "<server URL>" <duration>ms`; the request line before it comes from the
 * client, so the router and the duration are read from the end. The router is matched exactly:
 * Odoo's `<router>-ws` (websocket, long-lived by design) and the platform's own paths are not
 * Odoo's requests. The status is the first `" NNN ` after the timestamp: a client that forges its
 * request line can make its own request count as a 5xx, which it could as well cause. p95 is the
 * nearest rank.
 */
export const TRAFFIC_STATS = String.raw`#!/bin/sh
# odoo-traffic-stats ROUTER: Odoo's requests in a Traefik access log (stdin) as
# "<requests> <errors> <p95 ms>".
set -eu
awk -v router="$1@docker" '
    / [0-9]+ms$/ {
        n = split($0, q, "\"")
        # ... "<router>" "<server>" <duration>ms: q[n-3] is the router, q[n] " <d>ms".
        if (n < 5 || q[n - 3] != router) next
        d = q[n]; sub(/^ /, "", d); sub(/ms$/, "", d)
        if (d !~ /^[0-9]+$/) next
        if (!match($0, /\] "[^"]*" [0-9][0-9][0-9] /)) next
        print d, substr($0, RSTART + RLENGTH - 4, 3)
    }
' | sort -n | awk '
    { d[NR] = $1; if ($2 >= 500) errors++ }
    END {
        if (NR == 0) { print "0 0 0"; exit }
        printf "%d %d %d\n", NR, errors, d[int((95 * NR + 99) / 100)]
    }
'
`;

/**
 * Every minute: the stats of the last window, judged against the thresholds, into the status file
 * the endpoint serves (`ok ...` or `alert ...`, with the time it was written).
 */
export const TRAFFIC_CHECK = `#!/bin/sh
# odoo-traffic-check: judges Odoo's last ${TRAFFIC_WINDOW_SECONDS} s of traffic (Traefik's access log).
set -eu
spool=\${SPOOL:-${SPOOL}}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
docker logs --since "\${WINDOW_SECONDS}s" "$TRAEFIK_CONTAINER" 2>&1 |
    odoo-traffic-stats "$ODOO_ROUTER" >"$tmp"
read -r requests errs p95 <"$tmp"
state=ok
why=""
if [ "$requests" -ge "\${MIN_REQUESTS}" ]; then
    # Integer percent: errs/requests > limit/100.
    if [ $((errs * 100)) -gt $((ERROR_RATE_PERCENT * requests)) ]; then
        state=alert
        why="$why error rate above \${ERROR_RATE_PERCENT}%"
    fi
    if [ "$p95" -gt "$LATENCY_P95_MS" ]; then
        state=alert
        why="$why p95 above \${LATENCY_P95_MS} ms"
    fi
fi
printf '%s %s requests=%s errors=%s p95_ms=%s window_s=%s%s\\n' \\
    "$state" "$(date +%s)" "$requests" "$errs" "$p95" "$WINDOW_SECONDS" "\${why:+ :$why}" \\
    >"$spool/status.tmp"
mv "$spool/status.tmp" "$spool/status"
`;

/** The endpoint: 200 while the last verdict is `ok` and fresh, 503 otherwise. */
export const TRAFFIC_CGI = `#!/bin/sh
# Odoo's traffic for the uptime check: 200 when the last minute's verdict is ok, 503 when a
# threshold is crossed or the checker has not written for three minutes.
status="\${SPOOL:-${SPOOL}}/status"
line=""
[ -r "$status" ] && line=$(cat "$status")
state=\${line%% *}
rest=\${line#* }
written=\${rest%% *}
case $written in '' | *[!0-9]*) written=0 ;; esac
age=$(( $(date +%s) - written ))
if [ "$state" = ok ] && [ "$age" -le 180 ]; then
  printf 'Status: 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\n%s\\n' "$line"
elif [ "$age" -gt 180 ]; then
  printf 'Status: 503 Service Unavailable\\r\\nContent-Type: text/plain\\r\\n\\r\\nno verdict for %s s: the traffic checker is not running\\n' "$age"
else
  printf 'Status: 503 Service Unavailable\\r\\nContent-Type: text/plain\\r\\n\\r\\n%s\\n' "$line"
fi
`;

export interface TrafficAlertsArgs {
    readonly provider: docker.Provider;
    /** The environment's Docker network (Traefik routes on it). */
    readonly network: string;
    /** Name of the Traefik container whose access log is read. */
    readonly traefikContainer: pulumi.Input<string>;
    /** Traefik router of Odoo's requests (`routerName(host)`). */
    readonly odooRouter: string;
    /** Host name the endpoint answers on (Odoo's). */
    readonly host: string;
    /** Alert above this percent of 5xx answers. @default 5 */
    readonly errorRatePercent?: number;
    /** Alert above this p95 in ms. @default 2000 */
    readonly latencyP95Ms?: number;
}

/** The checker and its endpoint on the droplet; `healthUrl` is what the uptime check probes. */
export class TrafficAlerts extends pulumi.ComponentResource {
    public readonly healthUrl: string;

    constructor(name: string, args: TrafficAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("odoo-platform:monitoring:TrafficAlerts", name, {}, opts);
        const child = { parent: this, provider: args.provider };
        const rate = args.errorRatePercent ?? 5;
        const p95 = args.latencyP95Ms ?? 2000;
        if (!Number.isInteger(rate) || rate < 1 || rate > 100) {
            throw new Error(`${name}: errorRatePercent must be a whole percent 1-100, got ${rate}`);
        }
        if (!Number.isInteger(p95) || p95 < 1) {
            throw new Error(`${name}: latencyP95Ms must be a whole number of ms, got ${p95}`);
        }
        const volume = new docker.Volume(`${name}-spool`, { name: `${name}-spool` }, child);
        const image = (key: string, ref: string) =>
            new docker.RemoteImage(`${name}-${key}-image`, { name: ref, keepLocally: true }, child);
        const spool = { type: "volume", source: volume.name, target: SPOOL };
        new docker.Container(
            `${name}-check`,
            {
                name: `${name}-check`,
                ...CONTAINER_LOGGING,
                image: image("check", BACKUP_IMAGES.scheduler).imageId,
                command: ["crond", "-f", "-l", "8"],
                envs: [
                    pulumi.interpolate`TRAEFIK_CONTAINER=${args.traefikContainer}`,
                    `ODOO_ROUTER=${args.odooRouter}`,
                    `WINDOW_SECONDS=${TRAFFIC_WINDOW_SECONDS}`,
                    `MIN_REQUESTS=${TRAFFIC_MIN_REQUESTS}`,
                    `ERROR_RATE_PERCENT=${rate}`,
                    `LATENCY_P95_MS=${p95}`,
                ],
                uploads: [
                    {
                        file: "/usr/local/bin/odoo-traffic-stats",
                        content: TRAFFIC_STATS,
                        executable: true,
                    },
                    {
                        file: "/usr/local/bin/odoo-traffic-check",
                        content: TRAFFIC_CHECK,
                        executable: true,
                    },
                    {
                        file: "/etc/crontabs/root",
                        content: "* * * * * /usr/local/bin/odoo-traffic-check\n",
                    },
                ],
                mounts: [
                    // `docker logs` of Traefik: the host's Docker, as the backup scheduler has it.
                    {
                        type: "bind",
                        source: "/var/run/docker.sock",
                        target: "/var/run/docker.sock",
                    },
                    spool,
                ],
                networksAdvanced: [{ name: args.network }],
                restart: "unless-stopped",
                memory: 64,
            },
            child,
        );
        healthEndpoint(
            `${name}-health`,
            {
                image: image("health", BACKUP_IMAGES.health).imageId,
                host: args.host,
                path: TRAFFIC_HEALTH_PATH,
                cgiName: "traffic-health",
                cgi: TRAFFIC_CGI,
                envs: [`SPOOL=${SPOOL}`],
                mount: spool,
                network: args.network,
            },
            child,
        );
        this.healthUrl = `https://${args.host}${TRAFFIC_HEALTH_PATH}`;
        this.registerOutputs({ healthUrl: this.healthUrl });
    }
}

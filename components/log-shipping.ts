/**
 * Where every environment's logs go, as pure functions. One log service (config `logService`,
 * today Papertrail: a syslog endpoint that App Platform, managed PostgreSQL and a droplet's
 * rsyslog all speak) receives Odoo's, PostgreSQL's and the proxy's lines of every stage, searchable
 * in its web UI by anyone the team invites there, no SSH needed. On a droplet every container
 * logs to journald (capped in size, kept `logRetentionDays` days), which forwards to rsyslog,
 * which sends each line over TLS to the service and writes nothing to /var/log itself.
 */

export const LOG_SERVICES = ["papertrail"] as const;
export type LogService = (typeof LOG_SERVICES)[number];

export interface LogDestination {
    readonly service: LogService;
    /** e.g. `logs5.papertrailapp.com` */
    readonly host: string;
    readonly port: number;
    /** As App Platform takes it: `syslog+tls://<host>:<port>`. */
    readonly endpoint: string;
}

/** Papertrail's hosts are logsN.papertrailapp.com; any label of its domain is taken. */
const PAPERTRAIL = /^syslog\+tls:\/\/([A-Za-z0-9-]+\.papertrailapp\.com):([0-9]{1,5})$/;

/** Why a `logDestination` is not a Papertrail log destination, or undefined. */
export function logDestinationProblem(service: LogService, value: string): string | undefined {
    const m = PAPERTRAIL.exec(value);
    if (m === null || Number(m[2]) < 1 || Number(m[2]) > 65535) {
        return (
            `must be your ${service} log destination as syslog+tls://logsN.papertrailapp.com:PORT ` +
            "(Papertrail: Settings, Log Destinations)"
        );
    }
    return undefined;
}

export function parseLogDestination(service: LogService, value: string): LogDestination {
    const problem = logDestinationProblem(service, value);
    if (problem !== undefined) throw new Error(`logDestination ${problem}`);
    const m = PAPERTRAIL.exec(value) as RegExpExecArray;
    return { service, host: m[1].toLowerCase(), port: Number(m[2]), endpoint: value };
}

/**
 * How every container the platform runs on a droplet logs: to journald (so `docker logs` still
 * works, and journald's caps and retention hold for all), tagged with the container's name, which
 * becomes the program name the log service shows (`prod-odoo`, `staging-postgres`, `pr-42-odoo`).
 */
export const CONTAINER_LOGGING = {
    logDriver: "journald",
    logOpts: { tag: "{{.Name}}" },
} as const;

/** Docker's own default, for any container started outside Pulumi (the same as above). */
export function renderDockerDaemonJson(): string {
    return `${JSON.stringify({ "log-driver": "journald", "log-opts": { tag: "{{.Name}}" } }, null, 2)}\n`;
}

/** Bytes of the host's disk journald may use, and what it always leaves free. */
export const JOURNAL_LIMITS = { maxUse: "2G", keepFree: "4G" } as const;

/**
 * journald: persistent, at most 2 GB and never the last 4 GB of the disk, nothing older than the
 * retention, and every line handed to rsyslog (which ships it).
 */
export function renderJournaldConf(retentionDays: number): string {
    if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 365) {
        throw new Error(
            `logRetentionDays must be a whole number of days, 1 to 365, got ${retentionDays}`,
        );
    }
    return `# odoo-platform: the host's own copy of every log line, capped in size and age
[Journal]
Storage=persistent
SystemMaxUse=${JOURNAL_LIMITS.maxUse}
SystemKeepFree=${JOURNAL_LIMITS.keepFree}
MaxRetentionSec=${retentionDays}d
ForwardToSyslog=yes
`;
}

/**
 * rsyslog: every message over TLS (the server's name checked against the service's) to the log
 * service, a disk-assisted queue so an outage of the service loses nothing up to 512 MB, then
 * `stop`: journald keeps the host's copy, /var/log does not grow a second one.
 */
export function renderRsyslogForward(d: LogDestination): string {
    if (!/^[a-z0-9.-]+$/.test(d.host)) throw new Error(`log host ${d.host} is not a host name`);
    return `# odoo-platform: every log line to ${d.service}; nothing written to /var/log
global(DefaultNetstreamDriverCAFile="/etc/ssl/certs/ca-certificates.crt")
action(type="omfwd" target="${d.host}" port="${d.port}" protocol="tcp"
       StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name"
       StreamDriverPermittedPeers="*.papertrailapp.com"
       template="RSYSLOG_SyslogProtocol23Format"
       queue.type="LinkedList" queue.size="50000" queue.filename="odoo-platform-forward"
       queue.spoolDirectory="/var/spool/rsyslog" queue.maxDiskSpace="512m"
       queue.saveOnShutdown="on" action.resumeRetryCount="-1")
stop
`;
}

export const JOURNALD_DROP_IN = "/etc/systemd/journald.conf.d/60-odoo-platform.conf";
export const RSYSLOG_DROP_IN = "/etc/rsyslog.d/10-odoo-platform.conf";

/**
 * The script that sets a host's logging: journald's caps and retention, and the forward to the
 * log service (checked by `rsyslogd -N1` before rsyslog restarts; removed when no service is
 * set). Runs as root on the host; ROOT prefixes every path for the tests.
 */
export function renderLogSettingsScript(retentionDays: number, d?: LogDestination): string {
    const journald = renderJournaldConf(retentionDays);
    const forward =
        d === undefined
            ? `rm -f "$ROOT${RSYSLOG_DROP_IN}"
`
            : `cat >"$tmp/forward.conf" <<'ODOO_PLATFORM_FILE'
${renderRsyslogForward(d)}ODOO_PLATFORM_FILE
install -d -m 0755 "$ROOT/etc/rsyslog.d"
install -m 0644 "$tmp/forward.conf" "$ROOT${RSYSLOG_DROP_IN}"
if ! rsyslogd -N1 >"$tmp/check" 2>&1; then
    rm -f "$ROOT${RSYSLOG_DROP_IN}"
    cat "$tmp/check" >&2
    echo "rsyslog refused the forward to the log service; it was removed again" >&2
    exit 1
fi
`;
    return `#!/bin/sh
# odoo-platform: this host's logging (rendered by components/log-shipping.ts).
set -eu
ROOT=\${ROOT:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A droplet from before logging was part of the platform lacks the shipper.
# shellcheck disable=SC2016 # dpkg-query's format, not a shell expansion
if ! dpkg-query -W -f='\${Status}' rsyslog-gnutls 2>/dev/null | grep -q 'ok installed'; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q rsyslog rsyslog-gnutls >/dev/null
fi

cat >"$tmp/journald.conf" <<'ODOO_PLATFORM_FILE'
${journald}ODOO_PLATFORM_FILE
install -d -m 0755 "$ROOT/etc/systemd/journald.conf.d"
install -m 0644 "$tmp/journald.conf" "$ROOT${JOURNALD_DROP_IN}"

${forward}systemctl restart systemd-journald
systemctl restart rsyslog
`;
}

/** App Platform's log destination for every component of an app. */
export function appLogDestinations<T>(
    endpoint: T,
): { name: string; papertrail: { endpoint: T } }[] {
    return [{ name: "papertrail", papertrail: { endpoint } }];
}

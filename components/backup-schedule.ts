/** When the backup job runs and how the uptime check learns that it did. */
import { cronProblem } from "./cron";

export const RETENTION = { daily: 7, weekly: 4, monthly: 3 } as const;

/** Hours after which the newest backup counts as stale and the health endpoint says so. */
export const STALE_AFTER_HOURS = 26;

/** A crontab line of the backup container (busybox crond), output to the container's log. */
export function renderCrontab(
    schedule: string,
    job = "/usr/local/bin/odoo-backup --if-exists",
): string {
    const problem = cronProblem(schedule);
    if (problem !== undefined) {
        throw new Error(`schedule "${schedule}": ${problem}`);
    }
    return `${schedule.trim()} ${job} >>/proc/1/fd/1 2>&1\n`;
}

/**
 * CGI behind Traefik at `/.platform/backup-health`: 200 while the newest backup is younger than
 * STALE_AFTER_HOURS, 503 otherwise. DigitalOcean's uptime check on it turns a stale backup into
 * an alert.
 */
export function renderHealthCgi(): string {
    return `#!/bin/sh
# Backup freshness for the uptime check: 200 when fresh, 503 when stale or missing.
stamp="\${SPOOL:-/mnt/odoo-data/backups}/last-success"
now=$(date +%s)
last=0
if [ -r "$stamp" ]; then
  last=$(cat "$stamp")
fi
age=$((now - last))
if [ "$age" -lt ${STALE_AFTER_HOURS * 3600} ]; then
  printf 'Status: 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nfresh: last backup %s s ago\\n' "$age"
else
  printf 'Status: 503 Service Unavailable\\r\\nContent-Type: text/plain\\r\\n\\r\\nstale: last backup %s s ago\\n' "$age"
fi
`;
}

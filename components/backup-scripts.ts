/**
 * The backup and restore scripts, rendered by the program and uploaded into the backup container;
 * the same text runs by hand, in `npm run drill`, and in the tests against a real PostgreSQL and
 * a real restic repository. Tools come from their official images on the host (`TOOLS=docker`:
 * `postgres:<n>` for pg_dump/pg_restore/psql, `restic/restic` for restic) or from the PATH
 * (`TOOLS=local`).
 */

export const RETENTION = { daily: 7, weekly: 4, monthly: 3 } as const;

/** Hours after which the newest backup counts as stale and the health endpoint says so. */
export const STALE_AFTER_HOURS = 26;

/**
 * The verification gate of a neutralized database: one row per problem, none when it may serve.
 * psql variable `mailpit_host` names the only mail server allowed to be active.
 */
export const NEUTRALIZATION_GATE_SQL = `SELECT 'database.is_neutralized is not set'
 WHERE NOT EXISTS (SELECT 1 FROM ir_config_parameter
                    WHERE key = 'database.is_neutralized' AND value = 'True');
SELECT 'active mail server ' || smtp_host || ':' || smtp_port || ' is not Mailpit'
  FROM ir_mail_server WHERE active AND smtp_host <> :'mailpit_host';
SELECT 'active cron ' || c.id || ' is not the autovacuum'
  FROM ir_cron c
 WHERE c.active AND c.id NOT IN (SELECT res_id FROM ir_model_data
                                  WHERE module = 'base' AND name = 'autovacuum_job'
                                    AND model = 'ir.cron');
`;

/** Shared shell functions: tool wrappers and name checks. */
export function prelude(): string {
    return `set -eu

# Tools run from their official images on the host (TOOLS=docker) or from the PATH (TOOLS=local).
# Paths are the same inside and outside the containers, so bind mounts use them unchanged.
TOOLS="\${TOOLS:-local}"

pg() {
  tool="$1"
  shift
  if [ "$TOOLS" = docker ]; then
    docker run --rm -i --network "$NETWORK" -e PGHOST -e PGPORT -e PGUSER -e PGPASSWORD -e PGSSLMODE \\
      -v "$SPOOL:$SPOOL" "$PG_IMAGE" "$tool" "$@"
  else
    "$tool" "$@"
  fi
}

rs() {
  if [ "$TOOLS" = docker ]; then
    docker run --rm -i -e RESTIC_REPOSITORY -e RESTIC_PASSWORD -e AWS_ACCESS_KEY_ID \\
      -e AWS_SECRET_ACCESS_KEY -v "$SPOOL:$SPOOL" -v "$FILESTORE_ROOT:$FILESTORE_ROOT" \\
      -v odoo-platform-restic-cache:/root/.cache/restic "$RESTIC_IMAGE" "$@"
  else
    restic "$@"
  fi
}

die() {
  echo "error: $*" >&2
  exit 1
}

check_name() {
  # Database names are interpolated into SQL identifiers: allow only what Odoo itself allows.
  printf '%s' "$1" | grep -Eq '^[a-z_][a-z0-9_]{0,50}$' || die "invalid database name '$1'"
}

log() {
  echo "[$(date -u +%Y-%m-%dT%H:%M:%SZ)] $*"
}

verify_neutralized() {
  # The gate: prints one "gate:" line per problem and fails when there is any.
  problems=$(pg psql -d "$1" -At -v mailpit_host="$MAILPIT_HOST" <<'SQL'
${NEUTRALIZATION_GATE_SQL}SQL
)
  if [ -n "$problems" ]; then
    echo "$problems" | sed 's/^/  gate: /' >&2
    return 1
  fi
}
`;
}

/**
 * `odoo-backup [--if-exists]`: pg_dump -Fc and the filestore into the restic repository, then
 * retention 7 daily / 4 weekly / 3 monthly with prune, then the freshness stamp.
 * Env: PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE FILESTORE_ROOT SPOOL RESTIC_REPOSITORY
 * RESTIC_PASSWORD (and AWS_* for Spaces), TOOLS, NETWORK, PG_IMAGE, RESTIC_IMAGE.
 */
export function renderBackupScript(): string {
    return `#!/bin/sh
# odoo-backup: database and filestore into restic, with retention. Rendered by odoo-platform.
${prelude()}
: "\${PGDATABASE:?set PGDATABASE}" "\${FILESTORE_ROOT:?set FILESTORE_ROOT}" "\${SPOOL:?set SPOOL}"
: "\${RESTIC_REPOSITORY:?set RESTIC_REPOSITORY}" "\${RESTIC_PASSWORD:?set RESTIC_PASSWORD}"
check_name "$PGDATABASE"

if [ "\${1:-}" = "--if-exists" ]; then
  found=$(pg psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$PGDATABASE'")
  if [ "$found" != 1 ]; then
    log "database $PGDATABASE does not exist yet: nothing to back up"
    exit 0
  fi
fi

stage="$SPOOL/current"
rm -rf "$stage"
mkdir -p "$stage" "$FILESTORE_ROOT/$PGDATABASE"
log "dumping $PGDATABASE"
pg pg_dump -Fc --no-owner --no-acl -f "$stage/database.dump" "$PGDATABASE"
printf 'database=%s\\nfilestore=%s\\n' "$PGDATABASE" "$FILESTORE_ROOT/$PGDATABASE" >"$stage/manifest"

if ! rs cat config >/dev/null 2>&1; then
  log "initialising restic repository"
  rs init
fi
log "uploading database and filestore"
rs backup --tag odoo --tag "db:$PGDATABASE" --host odoo-platform \\
  "$stage" "$FILESTORE_ROOT/$PGDATABASE"
log "applying retention ${RETENTION.daily} daily / ${RETENTION.weekly} weekly / ${RETENTION.monthly} monthly"
rs forget --tag odoo --host odoo-platform --group-by host,tags \\
  --keep-daily ${RETENTION.daily} --keep-weekly ${RETENTION.weekly} --keep-monthly ${RETENTION.monthly} --prune
rm -rf "$stage"
date -u +%s >"$SPOOL/last-success"
log "backup of $PGDATABASE done"
`;
}

/**
 * `odoo-restore <snapshot|latest> <target-db> <stage>`: restic restore → pg_restore -j into a new
 * database → filestore → for a non-production target: neutralize, the platform's extras and the
 * verification gate → only then the switch of the target. On any failure the target is untouched.
 * Env as odoo-backup, plus BASE_URL and MAILPIT_HOST/MAILPIT_PORT (non-production), JOBS, and
 * NEUTRALIZE_CMD (default: `odoo neutralize` in the Odoo image; tests inject their own).
 */
export function renderRestoreScript(): string {
    return `#!/bin/sh
# odoo-restore: restore, neutralize, verify, then switch. Rendered by odoo-platform.
${prelude()}
[ $# -eq 3 ] || die "usage: odoo-restore <snapshot-id|latest> <target-database> <production|staging|preview>"
snapshot="$1"
target="$2"
stage="$3"
: "\${FILESTORE_ROOT:?set FILESTORE_ROOT}" "\${SPOOL:?set SPOOL}"
: "\${RESTIC_REPOSITORY:?set RESTIC_REPOSITORY}" "\${RESTIC_PASSWORD:?set RESTIC_PASSWORD}"
check_name "$target"
case "$stage" in
  production) ;;
  staging | preview)
    : "\${BASE_URL:?set BASE_URL for a $stage restore}" "\${MAILPIT_HOST:?set MAILPIT_HOST}"
    ;;
  *) die "stage must be production, staging or preview, got '$stage'" ;;
esac
printf '%s' "$snapshot" | grep -Eq '^(latest|[0-9a-f]{8,64})$' || die "invalid snapshot '$snapshot'"

new="\${target}_restoring"
work="$SPOOL/restore-$$"
fs_pid=""
cleanup() {
  status=$?
  if [ -n "$fs_pid" ]; then
    kill "$fs_pid" 2>/dev/null || true
    wait "$fs_pid" 2>/dev/null || true
  fi
  rm -rf "$work" "$work.filestore.log"
  if [ "$status" -ne 0 ]; then
    pg psql -d postgres -qc "DROP DATABASE IF EXISTS \\"$new\\"" >/dev/null 2>&1 || true
    rm -rf "\${FILESTORE_ROOT:?}/$new"
    echo "restore failed; $target is untouched" >&2
  fi
}
trap cleanup EXIT

started=$(date +%s)
log "restoring snapshot $snapshot"
rm -rf "$work"
mkdir -p "$work"
# The dump first; the filestore is restored in the background while PostgreSQL loads the dump.
if ! out=$(rs restore "$snapshot" --target "$work" --host odoo-platform --tag odoo \\
  --include "$SPOOL/current" 2>&1); then
  echo "$out" >&2
  die "restic could not restore snapshot $snapshot"
fi
id=$(printf '%s\\n' "$out" | sed -n 's/^restoring <Snapshot \\([0-9a-f]*\\) .*/\\1/p' | head -n 1)
[ -n "$id" ] || die "restic did not say which snapshot it restored"
manifest=$(find "$work" -path '*/current/manifest' | head -n 1)
[ -n "$manifest" ] || die "snapshot $snapshot holds no odoo-platform backup"
dump="$(dirname "$manifest")/database.dump"
source_db=$(sed -n 's/^database=//p' "$manifest")
source_path=$(sed -n 's/^filestore=//p' "$manifest")
source_fs="$work$source_path"
[ -s "$dump" ] || die "snapshot $snapshot has no database dump"
rs restore "$id" --target "$work" --include "$source_path" >"$work.filestore.log" 2>&1 &
fs_pid=$!

log "loading $source_db into $new"
pg psql -d postgres -qc "DROP DATABASE IF EXISTS \\"$new\\""
pg psql -d postgres -qc "CREATE DATABASE \\"$new\\""
pg pg_restore -j "\${JOBS:-2}" --no-owner --no-acl -d "$new" "$dump"
if ! wait "$fs_pid"; then
  fs_pid=""
  cat "$work.filestore.log" >&2
  die "restic could not restore the filestore of snapshot $id"
fi
fs_pid=""
rm -rf "\${FILESTORE_ROOT:?}/$new"
mkdir -p "$FILESTORE_ROOT"
if [ -d "$source_fs" ]; then
  mv "$source_fs" "$FILESTORE_ROOT/$new"
else
  mkdir -p "$FILESTORE_ROOT/$new"
fi

if [ "$stage" != production ]; then
  log "neutralizing $new"
  if [ -n "\${NEUTRALIZE_CMD:-}" ]; then
    sh -c "$NEUTRALIZE_CMD" neutralize "$new"
  elif [ "$TOOLS" = docker ]; then
    docker run --rm --network "$NETWORK" -e HOST="$PGHOST" -e PORT="$PGPORT" -e USER="$PGUSER" -e PGSSLMODE \\
      -e PASSWORD="$PGPASSWORD" "$ODOO_IMAGE" odoo neutralize -d "$new"
  else
    die "set NEUTRALIZE_CMD (e.g. 'odoo neutralize -d') to neutralize outside the host"
  fi
  log "platform extras: base URL, new uuid, no enterprise code, mail to Mailpit"
  pg psql -d "$new" -v ON_ERROR_STOP=1 -q -v base_url="$BASE_URL" \\
    -v mailpit_host="$MAILPIT_HOST" -v mailpit_port="\${MAILPIT_PORT:-1025}" <<'SQL'
UPDATE ir_config_parameter SET value = :'base_url' WHERE key = 'web.base.url';
INSERT INTO ir_config_parameter (key, value)
  SELECT 'web.base.url', :'base_url'
  WHERE NOT EXISTS (SELECT 1 FROM ir_config_parameter WHERE key = 'web.base.url');
UPDATE ir_config_parameter SET value = 'True' WHERE key = 'web.base.url.freeze';
INSERT INTO ir_config_parameter (key, value)
  SELECT 'web.base.url.freeze', 'True'
  WHERE NOT EXISTS (SELECT 1 FROM ir_config_parameter WHERE key = 'web.base.url.freeze');
UPDATE ir_config_parameter SET value = gen_random_uuid()::text WHERE key = 'database.uuid';
DELETE FROM ir_config_parameter WHERE key = 'database.enterprise_code';
UPDATE ir_mail_server
   SET smtp_host = :'mailpit_host', smtp_port = :'mailpit_port'::int,
       smtp_encryption = 'none', smtp_user = NULL, smtp_pass = NULL
 WHERE active AND smtp_host = 'invalid';
SQL
  log "verifying neutralization of $new"
  verify_neutralized "$new" || die "neutralization of $new failed its verification"
fi

log "switching $target to the restored copy"
pg psql -d postgres -v ON_ERROR_STOP=1 -qAt >/dev/null <<SQL
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
 WHERE datname IN ('$target', '\${target}_previous') AND pid <> pg_backend_pid();
DROP DATABASE IF EXISTS "\${target}_previous";
SQL
exists=$(pg psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$target'")
if [ "$exists" = 1 ]; then
  pg psql -d postgres -qc "ALTER DATABASE \\"$target\\" RENAME TO \\"\${target}_previous\\""
fi
pg psql -d postgres -qc "ALTER DATABASE \\"$new\\" RENAME TO \\"$target\\""
rm -rf "\${FILESTORE_ROOT:?}/\${target}_previous"
if [ -d "$FILESTORE_ROOT/$target" ]; then
  mv "$FILESTORE_ROOT/$target" "$FILESTORE_ROOT/\${target}_previous"
fi
mv "$FILESTORE_ROOT/$new" "$FILESTORE_ROOT/$target"
log "restored $source_db into $target in $(($(date +%s) - started)) s (previous copy: \${target}_previous)"
`;
}

/** A crontab line of the backup container (busybox crond), output to the container's log. */
export function renderCrontab(
    schedule: string,
    job = "/usr/local/bin/odoo-backup --if-exists",
): string {
    if (!/^(\S+\s+){4}\S+$/.test(schedule.trim())) {
        throw new Error(`schedule must be a 5-field cron expression, got "${schedule}"`);
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

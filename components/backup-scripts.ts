/**
 * The backup and restore scripts, rendered by the program and uploaded into the backup container;
 * the same text runs by hand, in `npm run drill`, and in the tests against a real PostgreSQL and
 * a real restic repository. Tools come from their official images on the host (`TOOLS=docker`:
 * `postgres:<n>` for pg_dump/pg_restore/psql, `restic/restic` for restic) or from the PATH
 * (`TOOLS=local`).
 */

import { anonymizationShell } from "./anonymization";
import {
    CHECKSUM_SETTINGS_SQL,
    NEUTRALIZATION_GATE_SQL,
    PLATFORM_EXTRAS_SQL,
    TABLE_CHECKSUMS_SQL,
} from "./backup-sql";

import { RETENTION } from "./backup-schedule";

export * from "./backup-sql";
export { RETENTION, STALE_AFTER_HOURS, renderCrontab, renderHealthCgi } from "./backup-schedule";

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

file_checksums() {
  # sha256 of every file under $1, one "<sha256>  ./<path>" line each, sorted by path.
  if [ -d "$1" ]; then
    (cd "$1" && find . -type f -exec sha256sum {} +) | sort -k 2
  fi
}

table_checksums() {
  # "schema.table|rows|checksum" per table of database $1, as the backup's manifest records them.
  pg psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" <<'SQL' | grep -E '^[^|]+[|][0-9]+[|]-?[0-9]+$'
${CHECKSUM_SETTINGS_SQL}${TABLE_CHECKSUMS_SQL}SQL
}

files_differ() {
  # The files of checksum list $1 (as file_checksums prints them) that are not those of list $2
  # (the manifest's "files"), one line each.
  awk '
    { path = substr($0, 67) }
    NR == FNR { got[path] = $1; next }
    !(path in got) { print "file " path ": in the backup, missing from the restore"; next }
    got[path] != $1 { print "file " path ": content differs from the backup" }
    { seen[path] = 1 }
    END { for (p in got) if (!(p in seen)) print "file " p ": restored, not in the backup" }
  ' "$1" "$2"
}

verify_manifest() {
  # Compares database $1 and filestore $3 with the manifest in directory $2 (its "tables" and
  # "files"): prints one "differs:" line per table or file that is not as it was backed up.
  table_checksums "$1" >"$2/restored-tables"
  file_checksums "$3" >"$2/restored-files"
  problems=$(awk -F'|' '
    NR == FNR { rows[$1] = $2; sum[$1] = $3; next }
    !($1 in rows) { print "table " $1 ": in the backup, missing from the restore"; next }
    rows[$1] != $2 { print "table " $1 ": " rows[$1] " rows restored, " $2 " in the backup"; seen[$1] = 1; next }
    sum[$1] != $3 { print "table " $1 ": content differs from the backup (" $2 " rows)" }
    { seen[$1] = 1 }
    END { for (t in rows) if (!(t in seen)) print "table " t ": restored, not in the backup" }
  ' "$2/restored-tables" "$2/tables"
  files_differ "$2/restored-files" "$2/files")
  if [ -n "$problems" ]; then
    echo "$problems" | sed 's/^/  differs: /' >&2
    return 1
  fi
  log "manifest: $(wc -l <"$2/tables" | tr -d ' ') tables ($(awk -F'|' '{ n += $2 } END { print n + 0 }' "$2/tables") rows) and $(wc -l <"$2/files" | tr -d ' ') files match the backup, row for row and byte for byte"
}

neutralize() {
  # \`odoo neutralize\` runs the data/neutralize.sql of every installed module it finds through the
  # addons path; without the stack's path a custom module's file is skipped without a word.
  if [ -n "\${NEUTRALIZE_CMD:-}" ]; then
    sh -c "$NEUTRALIZE_CMD" neutralize "$1"
  elif [ "$TOOLS" = docker ]; then
    : "\${ADDONS_PATH:?set ADDONS_PATH to the addons path of the stack}"
    docker run --rm --network "$NETWORK" -e HOST="$PGHOST" -e PORT="$PGPORT" -e USER="$PGUSER" \\
      -e PASSWORD="$PGPASSWORD" -e PGSSLMODE "$ODOO_IMAGE" \\
      odoo neutralize --addons-path="$ADDONS_PATH" -d "$1"
  else
    # shellcheck disable=SC2016 # the example is meant literally
    die 'set NEUTRALIZE_CMD to neutralize outside the host, e.g. NEUTRALIZE_CMD='"'"'odoo neutralize --addons-path=<addons path of the stack> -d "$1"'"'"
  fi
}

verify_neutralized() {
  # The gate: prints one "gate:" line per problem and fails when there is any. $1 is the database,
  # $2 and $3 the uuid and secret of the database it was copied from (empty: not compared).
  problems=$(pg psql -d "$1" -At -v mailpit_host="$MAILPIT_HOST" -v base_url="$BASE_URL" \\
    -v source_uuid="\${2:-}" -v source_secret="\${3:-}" <<'SQL'
${NEUTRALIZATION_GATE_SQL}SQL
)
  if [ -n "$problems" ]; then
    echo "$problems" | sed 's/^/  gate: /' >&2
    return 1
  fi
}

${anonymizationShell()}`;
}

/**
 * `odoo-backup [--if-exists]`: pg_dump -Fc -Z1 and the filestore into the restic repository, then
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
# The dump and the manifest read one snapshot of the database: a psql session opens a read-only
# repeatable-read transaction and exports its snapshot, pg_dump dumps exactly that snapshot, and
# the same session checksums every table. The manifest describes the dump, however busy Odoo is.
mkfifo "$stage/session.in"
pg psql -X -q -At -v ON_ERROR_STOP=1 -d "$PGDATABASE" <"$stage/session.in" \\
  >"$stage/session.out" 2>"$stage/session.err" &
session=$!
exec 3>"$stage/session.in"
printf '%s\\n' "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;" \\
  "SELECT 'snapshot=' || pg_export_snapshot();" >&3
# psql answers within milliseconds: look every tenth of a second, for five minutes at most.
waited=0
until grep -q '^snapshot=' "$stage/session.out"; do
  if ! kill -0 "$session" 2>/dev/null || [ "$waited" -ge 3000 ]; then
    cat "$stage/session.err" >&2
    die "could not open a snapshot of $PGDATABASE"
  fi
  waited=$((waited + 1))
  sleep 0.1
done
snapshot_name=$(sed -n 's/^snapshot=//p' "$stage/session.out")
# The session checksums every table of the snapshot while pg_dump dumps it, and the filestore is
# checksummed meanwhile: the three run at once (npm run bench). The session commits only after
# pg_dump ended, so the snapshot it imports stays valid for as long as it needs.
log "checksumming every table of the dumped snapshot and every file of the filestore"
cat >&3 <<'SQL'
${CHECKSUM_SETTINGS_SQL}${TABLE_CHECKSUMS_SQL}SQL
# gzip level 1 (-Z1): about a third of the default level's time for a few percent more bytes
# (measured by npm run bench); an uncompressed dump writes and uploads, and a restore reads,
# many times more.
pg pg_dump -Fc -Z1 --no-owner --no-acl --snapshot="$snapshot_name" -f "$stage/database.dump" "$PGDATABASE" &
dumping=$!
file_checksums "$FILESTORE_ROOT/$PGDATABASE" >"$stage/files"
wait "$dumping" || die "pg_dump of $PGDATABASE failed"
printf 'COMMIT;\\n' >&3
exec 3>&-
if ! wait "$session"; then
  cat "$stage/session.err" >&2
  die "could not checksum the tables of $PGDATABASE"
fi
grep -E '^[^|]+[|][0-9]+[|]-?[0-9]+$' "$stage/session.out" >"$stage/tables" ||
  die "the manifest of $PGDATABASE lists no table"
rm -f "$stage/session.in" "$stage/session.out" "$stage/session.err"
# The manifest travels inside the snapshot: "tables" (schema.table|rows|checksum, see
# TABLE_CHECKSUMS_SQL) and "files" (sha256sum of every filestore file), beside the dump.
printf 'database=%s\\nfilestore=%s\\ntables=%s\\nfiles=%s\\n' "$PGDATABASE" "$FILESTORE_ROOT/$PGDATABASE" \\
  "$(wc -l <"$stage/tables" | tr -d ' ')" "$(wc -l <"$stage/files" | tr -d ' ')" >"$stage/manifest"

if ! rs cat config >/dev/null 2>&1; then
  log "initialising restic repository"
  rs init
fi
log "uploading database and filestore"
# restic's machine interface: the summary line names the snapshot (stable across releases).
rs backup --json --tag odoo --tag "db:$PGDATABASE" --host odoo-platform \\
  "$stage" "$FILESTORE_ROOT/$PGDATABASE" >"$SPOOL/backup.json"
snapshot=$(grep -o '"snapshot_id":"[0-9a-f]\\{64\\}"' "$SPOOL/backup.json" | tail -n 1 | cut -d'"' -f4)
rm -f "$SPOOL/backup.json"
[ -n "$snapshot" ] || die "restic backup reported no snapshot"
log "snapshot $snapshot saved"
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
 * database → filestore → for a non-production target: neutralize, the platform's extras, the
 * anonymization (components/anonymization.ts) and the verification gate → only then the switch of
 * the target. On any failure the target is untouched.
 * Env as odoo-backup, plus BASE_URL, MAILPIT_HOST/MAILPIT_PORT and ANONYMIZE (non-production), JOBS, and
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
    check_anonymize
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
# The snapshot's full id, read from restic's machine interface (snapshots --json, stable across
# releases; the prose that restore prints changed in restic 0.17).
if ! listing=$(rs snapshots --json --host odoo-platform --tag odoo "$snapshot" 2>&1); then
  echo "$listing" >&2
  die "restic could not list snapshot $snapshot"
fi
id=$(printf '%s' "$listing" | grep -o '"id":"[0-9a-f]\\{64\\}"' | head -n 1 | cut -d'"' -f4)
[ -n "$id" ] || die "the repository has no odoo-platform snapshot $snapshot"
log "restoring snapshot $id"
rm -rf "$work"
mkdir -p "$work"
# The dump first; the filestore is restored in the background while PostgreSQL loads the dump.
if ! out=$(rs restore "$id" --target "$work" --include "$SPOOL/current" 2>&1); then
  echo "$out" >&2
  die "restic could not restore snapshot $id"
fi
manifest=$(find "$work" -path '*/current/manifest' | head -n 1)
[ -n "$manifest" ] || die "snapshot $id holds no odoo-platform backup"
dump="$(dirname "$manifest")/database.dump"
source_db=$(sed -n 's/^database=//p' "$manifest")
source_path=$(sed -n 's/^filestore=//p' "$manifest")
source_fs="$work$source_path"
[ -s "$dump" ] || die "snapshot $id has no database dump"
rs restore "$id" --target "$work" --include "$source_path" >"$work.filestore.log" 2>&1 &
fs_pid=$!

# The copy the last restore kept (\${target}_previous) goes now, before the load: dropping a database
# forces a checkpoint, cheap now, seconds once the load has dirtied the buffers. The target itself
# stays untouched until the switch.
pg psql -d postgres -v ON_ERROR_STOP=1 -qAt >/dev/null <<SQL
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
 WHERE datname = '\${target}_previous' AND pid <> pg_backend_pid();
DROP DATABASE IF EXISTS "\${target}_previous";
SQL
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

# Before anything changes the copy: every table and file against the manifest the backup wrote.
manifest_dir=$(dirname "$manifest")
if [ -s "$manifest_dir/tables" ]; then
  log "comparing $new with the manifest of snapshot $id"
  verify_manifest "$new" "$manifest_dir" "$FILESTORE_ROOT/$new" ||
    die "the restore of snapshot $id differs from the manifest its backup wrote"
elif [ "\${REQUIRE_MANIFEST:-}" = 1 ]; then
  die "snapshot $id has no manifest (taken before odoo-backup wrote one); REQUIRE_MANIFEST=1 refuses it"
else
  log "snapshot $id has no manifest (taken before odoo-backup wrote one): rows and files not compared"
fi

if [ "$stage" != production ]; then
  # The copy's identity as production left it: the gate checks that the copy no longer has it.
  source_uuid=$(pg psql -d "$new" -Atc "SELECT value FROM ir_config_parameter WHERE key = 'database.uuid'")
  source_secret=$(pg psql -d "$new" -Atc "SELECT value FROM ir_config_parameter WHERE key = 'database.secret'")
  log "neutralizing $new"
  neutralize "$new"
  log "platform extras: base URL, new uuid and secret, no enterprise code, no mail credentials, mail to Mailpit"
  pg psql -d "$new" -v ON_ERROR_STOP=1 -q -v base_url="$BASE_URL" \
    -v mailpit_host="$MAILPIT_HOST" -v mailpit_port="\${MAILPIT_PORT:-1025}" >/dev/null <<'SQL'
${PLATFORM_EXTRAS_SQL}SQL
  if [ "$ANONYMIZE" != off ]; then
    log "anonymizing $new ($ANONYMIZE)"
  fi
  anonymize "$new"
  log "verifying neutralization of $new"
  verify_neutralized "$new" "$source_uuid" "$source_secret" ||
    die "neutralization of $new failed its verification"
  verify_anonymized "$new" || die "anonymization of $new failed its verification"
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

/**
 * The backup and restore scripts, rendered by the program and uploaded into the backup container;
 * the same text runs by hand, in `npm run drill`, and in the tests against a real PostgreSQL and
 * a real restic repository. Tools come from their official images on the host (`TOOLS=docker`:
 * `postgres:<n>` for pg_dump/pg_restore/psql, `restic/restic` for restic) or from the PATH
 * (`TOOLS=local`).
 */

import { anonymizationShell } from "./anonymization";
import {
    CHECKSUM_VERSION,
    CHECKSUM_SETTINGS_SQL,
    LEGACY_TABLE_CHECKSUMS_SQL,
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

check_checksums() {
  # $1, the checksums= line of a manifest, is a version this script can compare: ${CHECKSUM_VERSION}, or empty
  # for manifests written before that line (version 1).
  case "$1" in
    ${CHECKSUM_VERSION} | "") ;;
    *) die "the manifest's checksums are version '$1', which this script does not know: use the odoo-platform release that took the backup, or a later one" ;;
  esac
}

file_checksums() {
  # "<hash>  ./<path>" for every file under $1, sorted by path, as a manifest of checksums version
  # $2 records them: SHA-512 for ${CHECKSUM_VERSION}, SHA-256 for manifests without the line. Both are BusyBox
  # applets too (the backup container is Alpine's); b2sum, faster still, is not.
  check_checksums "\${2:-}"
  if [ -n "\${2:-}" ]; then sum=sha512sum; else sum=sha256sum; fi
  command -v "$sum" >/dev/null 2>&1 || die "$sum is not installed: no file could be compared"
  if [ -d "$1" ]; then
    # Through a file: a pipe into sort would hide a failed hash, and compare no file at all.
    sums=$(mktemp)
    if ! (cd "$1" && find . -type f -exec "$sum" {} +) >"$sums"; then
      rm -f "$sums"
      die "could not checksum the files under $1"
    fi
    sort -k 2 "$sums"
    rm -f "$sums"
  fi
}

table_checksums_sql() {
  # The statements that checksum every table as a manifest of checksums version $1 records them
  # (TABLE_CHECKSUMS_SQL for ${CHECKSUM_VERSION}, the md5 of printed rows without the line).
  cat <<'SQL'
${CHECKSUM_SETTINGS_SQL}SQL
  case "$1" in
    ${CHECKSUM_VERSION})
      cat <<'SQL'
${TABLE_CHECKSUMS_SQL}SQL
      ;;
    *)
      cat <<'SQL'
${LEGACY_TABLE_CHECKSUMS_SQL}SQL
      ;;
  esac
}

table_checksums() {
  # "schema.table|rows|checksum" per table of database $1, as a manifest of checksums version $2
  # records them.
  check_checksums "\${2:-}"
  table_checksums_sql "\${2:-}" | pg psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" |
    grep -E '^[^|]+[|][0-9]+[|]-?[0-9]+$'
}

files_differ() {
  # The files of checksum list $1 (as file_checksums prints them) that are not those of list $2
  # (the manifest's "files"), one line each.
  awk '
    { cut = index($0, "  "); path = substr($0, cut + 2); sum = substr($0, 1, cut - 1) }
    NR == FNR { got[path] = sum; next }
    !(path in got) { print "file " path ": in the backup, missing from the restore"; next }
    got[path] != sum { print "file " path ": content differs from the backup" }
    { seen[path] = 1 }
    END { for (p in got) if (!(p in seen)) print "file " p ": restored, not in the backup" }
  ' "$1" "$2"
}

compare_manifest() {
  # Compares the restored tables' and files' checksums ($2/restored-tables, $2/restored-files, as
  # table_checksums and file_checksums print them) with the manifest in directory $1 (its "tables"
  # and "files"): prints one "differs:" line per table or file that is not as it was backed up.
  problems=$(awk -F'|' '
    NR == FNR { rows[$1] = $2; sum[$1] = $3; next }
    !($1 in rows) { print "table " $1 ": in the backup, missing from the restore"; next }
    rows[$1] != $2 { print "table " $1 ": " rows[$1] " rows restored, " $2 " in the backup"; seen[$1] = 1; next }
    # As text: awk would compare numbers as floats, blind below their 53 bits of precision.
    (sum[$1] "") != ($3 "") { print "table " $1 ": content differs from the backup (" $2 " rows)" }
    { seen[$1] = 1 }
    END { for (t in rows) if (!(t in seen)) print "table " t ": restored, not in the backup" }
  ' "$2/restored-tables" "$1/tables"
  files_differ "$2/restored-files" "$1/files")
  if [ -n "$problems" ]; then
    echo "$problems" | sed 's/^/  differs: /' >&2
    return 1
  fi
  log "manifest: $(wc -l <"$1/tables" | tr -d ' ') tables ($(awk -F'|' '{ n += $2 } END { print n + 0 }' "$1/tables") rows) and $(wc -l <"$1/files" | tr -d ' ') files match the backup, row for row and byte for byte"
}

neutralize() {
  # \`odoo neutralize\` runs the data/neutralize.sql of every installed module it finds through the
  # addons path; without the stack's path a custom module's file is skipped without a word.
  if [ -n "\${NEUTRALIZE_CMD:-}" ]; then
    sh -c "$NEUTRALIZE_CMD" neutralize "$1"
  elif [ "$TOOLS" = docker ]; then
    : "\${ADDONS_PATH:?set ADDONS_PATH to the addons path of the stack}"
    # PGSSLMODE reaches the image's wait-for-psql.py (libpq); Odoo itself passes its own
    # --db_sslmode (default prefer) to every connection and never reads it.
    docker run --rm --network "$NETWORK" -e HOST="$PGHOST" -e PORT="$PGPORT" -e USER="$PGUSER" \\
      -e PASSWORD="$PGPASSWORD" -e PGSSLMODE "$ODOO_IMAGE" \\
      odoo neutralize --addons-path="$ADDONS_PATH" \${PGSSLMODE:+"--db_sslmode=$PGSSLMODE"} -d "$1"
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
table_checksums_sql ${CHECKSUM_VERSION} >&3
# gzip level 1 (-Z1): about a third of the default level's time for a few percent more bytes
# (measured by npm run bench); an uncompressed dump writes and uploads, and a restore reads,
# many times more.
pg pg_dump -Fc -Z1 --no-owner --no-acl --snapshot="$snapshot_name" -f "$stage/database.dump" "$PGDATABASE" &
dumping=$!
file_checksums "$FILESTORE_ROOT/$PGDATABASE" ${CHECKSUM_VERSION} >"$stage/files"
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
# TABLE_CHECKSUMS_SQL) and "files" (sha512sum of every filestore file), beside the dump; "checksums"
# says how both were taken (CHECKSUM_VERSION).
printf 'database=%s\\nfilestore=%s\\ntables=%s\\nfiles=%s\\nchecksums=%s\\n' "$PGDATABASE" \\
  "$FILESTORE_ROOT/$PGDATABASE" "$(wc -l <"$stage/tables" | tr -d ' ')" "$(wc -l <"$stage/files" | tr -d ' ')" \\
  ${CHECKSUM_VERSION} >"$stage/manifest"

log "uploading database and filestore"
# restic's machine interface: the summary line names the snapshot (stable across releases).
upload() {
  rs backup --json --tag odoo --tag "db:$PGDATABASE" --host odoo-platform \\
    "$stage" "$FILESTORE_ROOT/$PGDATABASE" >"$SPOOL/backup.json"
}
# A repository is made on the first night: restic exits 10 when there is none (0.17 and later).
# Asking first would cost every backup one more restic process, and its key derivation.
uploaded=0
upload || uploaded=$?
if [ "$uploaded" = 10 ]; then
  log "initialising restic repository"
  rs init
  uploaded=0
  upload || uploaded=$?
fi
[ "$uploaded" = 0 ] || die "restic backup of $PGDATABASE failed (exit $uploaded)"
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
meta="$work.meta"
fs_pid=""
create_pid=""
drop_pid=""
cleanup() {
  status=$?
  for pid in $fs_pid $create_pid $drop_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work" "$meta"
  if [ "$status" -ne 0 ]; then
    pg psql -d postgres -qc "DROP DATABASE IF EXISTS \\"$new\\"" >/dev/null 2>&1 || true
    rm -rf "\${FILESTORE_ROOT:?}/$new"
    echo "restore failed; $target is untouched" >&2
  fi
}
trap cleanup EXIT

started=$(date +%s)
rm -rf "$work" "$meta"
mkdir -p "$work" "$meta"
# One restic process restores the whole snapshot (each restic process first derives the
# repository's key, about half a second of CPU): the load starts as soon as restic reports the
# dump and the manifest restored, while it goes on with the filestore, whose files are
# checksummed as soon as they are all on disk. restic resolves "latest" once and names the
# snapshot it restores in its first line; its JSON output does not name it. Those lines are read
# as restic 0.18 prints them (the version the image pins and the tests run): without the id the
# restore stops; without the per-file lines the load waits for the whole snapshot. restic reads
# without a lock: it waits 200 ms after writing one, and a prune running meanwhile can make a
# restore fail (the target untouched), never make it wrong (the manifest comparison below).
(
  trap '[ -e "$meta/restic.status" ] || echo failed >"$meta/restic.status"' EXIT
  { rs --no-lock restore "$snapshot" --host odoo-platform --tag odoo --target "$work" -vv 2>"$meta/restic.err"
    echo "$?" >"$meta/restic.exit"; } |
    awk -v meta="$meta" '
      !id && /^restoring snapshot [0-9a-f]+ / { id = $3; print id > (meta "/id"); close(meta "/id") }
      /^restored  .*\\/current\\/(database\\.dump|manifest) with size / {
        path = substr($0, 11); sub(/ with size .*$/, "", path)
        name = path; sub(/^.*\\//, "", name)
        print path > (meta "/" name); close(meta "/" name)
      }'
  # Written once restic and the reader of its lines have both ended.
  mv "$meta/restic.exit" "$meta/restic.status"
  [ "$(cat "$meta/restic.status")" = 0 ] || exit 1
  manifest=$(find "$work" -path '*/current/manifest' | head -n 1)
  if [ -n "$manifest" ] && grep -q '^tables=' "$manifest"; then
    file_checksums "$work$(sed -n 's/^filestore=//p' "$manifest")" "$(sed -n 's/^checksums=//p' "$manifest")" \\
      >"$meta/restored-files"
  fi
) &
fs_pid=$!
# The new copy's empty database meanwhile (the target is not touched before the switch).
pg psql -d postgres -v ON_ERROR_STOP=1 -qAt >"$meta/create.log" 2>&1 <<SQL &
SET client_min_messages = warning;
DROP DATABASE IF EXISTS "$new";
CREATE DATABASE "$new";
SQL
create_pid=$!
# restic names the dump within a second or so: look every fiftieth of a second.
until { [ -s "$meta/database.dump" ] && [ -s "$meta/manifest" ]; } || [ -e "$meta/restic.status" ]; do
  sleep 0.02
done
if [ "$(cat "$meta/restic.status" 2>/dev/null || echo 0)" != 0 ]; then
  wait "$fs_pid" || true
  fs_pid=""
  cat "$meta/restic.err" >&2
  die "restic could not restore snapshot $snapshot (odoo-platform snapshots: restic snapshots --host odoo-platform --tag odoo)"
fi
id=$(cat "$meta/id" 2>/dev/null || true)
[ -n "$id" ] || die "restic restore did not name the snapshot it restores (restic 0.18 prints 'restoring snapshot <id> of ...')"
log "restoring snapshot $id"
if [ -s "$meta/manifest" ]; then
  manifest="$work$(cat "$meta/manifest")"
else
  manifest=$(find "$work" -path '*/current/manifest' | head -n 1)
fi
[ -f "$manifest" ] || die "snapshot $id holds no odoo-platform backup"
manifest_dir=$(dirname "$manifest")
dump="$manifest_dir/database.dump"
source_db=$(sed -n 's/^database=//p' "$manifest")
source_path=$(sed -n 's/^filestore=//p' "$manifest")
source_fs="$work$source_path"
[ -s "$dump" ] || die "snapshot $id has no database dump"
checksums=$(sed -n 's/^checksums=//p' "$manifest")
compare=""
if grep -q '^tables=' "$manifest"; then
  compare=1
  # Fails now, before anything is loaded, when the backup checksummed its tables another way.
  check_checksums "$checksums"
elif [ "\${REQUIRE_MANIFEST:-}" = 1 ]; then
  die "snapshot $id has no manifest (taken before odoo-backup wrote one); REQUIRE_MANIFEST=1 refuses it"
else
  log "snapshot $id has no manifest (taken before odoo-backup wrote one): rows and files not compared"
fi

# The copy the last restore kept (\${target}_previous, database and filestore) goes now, beside
# the load (dropping a database forces a checkpoint: cheap now, seconds once the load has dirtied
# the buffers; the switch waits for it). The target itself stays untouched until the switch.
{
  pg psql -d postgres -v ON_ERROR_STOP=1 -qAt <<SQL
SET client_min_messages = warning;
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
 WHERE datname = '\${target}_previous' AND pid <> pg_backend_pid();
DROP DATABASE IF EXISTS "\${target}_previous";
SQL
  rm -rf "\${FILESTORE_ROOT:?}/\${target}_previous"
} >"$meta/drop.log" 2>&1 &
drop_pid=$!
if ! wait "$create_pid"; then
  create_pid=""
  cat "$meta/create.log" >&2
  die "could not create the database $new"
fi
create_pid=""
log "loading $source_db into $new"
# The schema in one transaction, then the data, indexes and constraints JOBS at a time: pg_restore
# -j runs the schema one statement per commit, and an Odoo database's schema is thousands of
# statements (tables, sequences, a comment on every column), each commit a WAL flush.
pg pg_restore --section=pre-data --single-transaction --no-owner --no-acl -d "$new" "$dump"
pg pg_restore -j "\${JOBS:-2}" --section=data --section=post-data --no-owner --no-acl -d "$new" "$dump"
if [ -n "$compare" ]; then
  table_checksums "$new" "$checksums" >"$meta/restored-tables" ||
    die "could not checksum the tables of $new"
fi
if ! wait "$fs_pid"; then
  fs_pid=""
  cat "$meta/restic.err" >&2
  die "restic could not restore the filestore of snapshot $id"
fi
fs_pid=""
if ! wait "$drop_pid"; then
  drop_pid=""
  cat "$meta/drop.log" >&2
  die "could not drop \${target}_previous, the copy the last restore kept"
fi
drop_pid=""
rm -rf "\${FILESTORE_ROOT:?}/$new"
mkdir -p "$FILESTORE_ROOT"
if [ -d "$source_fs" ]; then
  mv "$source_fs" "$FILESTORE_ROOT/$new"
else
  mkdir -p "$FILESTORE_ROOT/$new"
fi

# Before anything changes the copy: every table and file against the manifest the backup wrote.
if [ -n "$compare" ]; then
  log "comparing $new with the manifest of snapshot $id"
  compare_manifest "$manifest_dir" "$meta" ||
    die "the restore of snapshot $id differs from the manifest its backup wrote"
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
# Both renames in one transaction: the target names the old copy or the new one, never nothing.
pg psql -d postgres -v ON_ERROR_STOP=1 -qAt >/dev/null <<SQL
SET client_min_messages = warning;
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
 WHERE datname IN ('$target', '\${target}_previous') AND pid <> pg_backend_pid();
DROP DATABASE IF EXISTS "\${target}_previous";
DO \\$\\$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_database WHERE datname = '$target') THEN
    EXECUTE 'ALTER DATABASE "$target" RENAME TO "\${target}_previous"';
  END IF;
  EXECUTE 'ALTER DATABASE "$new" RENAME TO "$target"';
END \\$\\$;
SQL
rm -rf "\${FILESTORE_ROOT:?}/\${target}_previous"
if [ -d "$FILESTORE_ROOT/$target" ]; then
  mv "$FILESTORE_ROOT/$target" "$FILESTORE_ROOT/\${target}_previous"
fi
mv "$FILESTORE_ROOT/$new" "$FILESTORE_ROOT/$target"
log "restored $source_db into $target in $(($(date +%s) - started)) s (previous copy: \${target}_previous)"
`;
}

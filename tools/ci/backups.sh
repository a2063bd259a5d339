#!/usr/bin/env bash
# The steps of the backup workflows (backup-now, backup-list, backup-restore, backup-download,
# restore-drill). Nobody types a credential: the repository password is the BACKUP_RESTIC_PASSWORD
# secret, and the bucket is opened by a Spaces key created for this run alone (scoped to the backup
# bucket) and deleted when the job ends, whatever happened.
#
#   backups.sh key <read|readwrite>  a Spaces key for this run, scoped to the backup bucket
#   backups.sh key-delete            that key deleted (run with `if: always()`)
#   backups.sh now                   production: a backup now, on the host, its snapshot reported
#   backups.sh list                  the snapshots, newest first, in the job summary
#   backups.sh restore               staging replaced by a chosen snapshot, neutralized and verified
#   backups.sh drill                 the latest snapshot into odoo_drill, compared with its manifest
#   backups.sh drill-clean           odoo_drill dropped again
#   backups.sh download              the snapshot as Odoo's backup zip, behind a link of LINK_MINUTES
#   backups.sh download-clean        the uploaded archive removed (the bucket's lifecycle also does)
#
# Env: RESTIC_REPOSITORY (s3:https://<region>.digitaloceanspaces.com/<bucket>/restic),
# RESTIC_PASSWORD, DIGITALOCEAN_TOKEN (key, key-delete), HOST (now, restore, drill), SNAPSHOT
# (restore, download), LINK_MINUTES (download); the key's AWS_* after `key` (through GITHUB_ENV).
set -euo pipefail
# shellcheck source=tools/ci/lib.sh
. "$(dirname "$0")/lib.sh"

API=https://api.digitalocean.com/v2/spaces/keys
# The restic the hosts run (BACKUP_IMAGES.restic), copied out of its image onto the runner.
RESTIC_IMAGE=restic/restic:0.18.0
SNAPSHOT_RE='^(latest|[0-9a-f]{8,64})$'
DOWNLOADS=downloads

# The region and bucket of the repository, from RESTIC_REPOSITORY.
bucket_of() {
    [[ ${RESTIC_REPOSITORY:?} =~ ^s3:https://([a-z0-9-]+)\.digitaloceanspaces\.com/([a-z0-9][a-z0-9.-]+)/ ]] ||
        die "BACKUP_RESTIC_REPOSITORY must be s3:https://<region>.digitaloceanspaces.com/<bucket>/<path>, got '$RESTIC_REPOSITORY'"
    REGION=${BASH_REMATCH[1]}
    BUCKET=${BASH_REMATCH[2]}
}

ssh_host() {
    ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new "root@${HOST:?}" "$@"
}

snapshot_arg() {
    [[ ${SNAPSHOT:?} =~ $SNAPSHOT_RE ]] || die "snapshot must be latest or a snapshot id (8 to 64 hex digits), got '$SNAPSHOT'"
}

# restic 0.18.0 on the runner: the binary of the image the hosts run.
use_restic() {
    local bin=${RUNNER_TEMP:?}/restic-bin
    mkdir -p "$bin"
    docker create --name "restic-$GITHUB_RUN_ID" "$RESTIC_IMAGE" >/dev/null
    docker cp "restic-$GITHUB_RUN_ID:/usr/bin/restic" "$bin/restic"
    docker rm "restic-$GITHUB_RUN_ID" >/dev/null
    PATH="$bin:$PATH"
}

# The read credentials travel on stdin into a root-only file on the host, never on a command line;
# the backup container of the stage reads them for one command, and the file goes.
on_host_with_credentials() {
    local file=$1 command=$2
    # shellcheck disable=SC2029 # expanded here on purpose: the values were validated
    printf 'RESTIC_REPOSITORY=%s\nRESTIC_PASSWORD=%s\nAWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n%s' \
        "$RESTIC_REPOSITORY" "${RESTIC_PASSWORD:?}" "${AWS_ACCESS_KEY_ID:?}" "${AWS_SECRET_ACCESS_KEY:?}" \
        "${EXTRA_ENV:-}" |
        ssh_host "umask 077; cat >$file; status=0; $command || status=\$?; rm -f $file; exit \$status"
}

case "${1:-}" in
key)
    permission=${2:-read}
    [[ $permission == read || $permission == readwrite ]] || die "permission must be read or readwrite"
    bucket_of
    name="odoo-platform-run-${GITHUB_RUN_ID:?}-$permission"
    body=$(printf '{"name":"%s","grants":[{"bucket":"%s","permission":"%s"}]}' "$name" "$BUCKET" "$permission")
    # POST /v2/spaces/keys answers {"key": {"name", "access_key", "secret_key", "grants", ...}}.
    response=$(curl -fsS -X POST "$API" -H "Authorization: Bearer ${DIGITALOCEAN_TOKEN:?}" \
        -H "Content-Type: application/json" -d "$body")
    field() { python3 -c 'import json, sys; print(json.load(sys.stdin)["key"][sys.argv[1]])' "$1" <<<"$response"; }
    access=$(field access_key)
    secret=$(field secret_key)
    [[ -n $access && -n $secret ]] || die "DigitalOcean returned no key"
    echo "::add-mask::$secret"
    {
        echo "AWS_ACCESS_KEY_ID=$access"
        echo "AWS_SECRET_ACCESS_KEY=$secret"
        echo "RUN_SPACES_KEY=$access"
    } >>"${GITHUB_ENV:?}"
    echo "created Spaces key $name ($access): $permission on $BUCKET, for this run only"
    ;;
key-delete)
    if [ -z "${RUN_SPACES_KEY:-}" ]; then
        echo "no Spaces key was created"
        exit 0
    fi
    curl -fsS -X DELETE "$API/$RUN_SPACES_KEY" -H "Authorization: Bearer ${DIGITALOCEAN_TOKEN:?}"
    echo "deleted Spaces key $RUN_SPACES_KEY"
    ;;
now)
    runtime=$(pulumi config get runtime --stack prod 2>/dev/null || echo droplet)
    [ "$runtime" = droplet ] ||
        die "production runs on App Platform: its backup worker backs up daily at backupSchedule's time; backup-now backs up the droplet runtime only"
    HOST=$(pulumi stack output hostIp --stack prod)
    ssh_host docker exec prod-backup odoo-backup | tee backup.log
    snapshot=$(sed -n 's/.*snapshot \([0-9a-f]\{64\}\) saved$/\1/p' backup.log | tail -n 1)
    [ -n "$snapshot" ] || die "the backup reported no snapshot"
    output snapshot "$snapshot"
    {
        echo "### Backup taken"
        echo "Snapshot \`$snapshot\` of production; restore it into staging with backup-restore, or download it with backup-download."
    } >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
    ;;
list)
    use_restic
    # The run's key only reads: restic would write a lock into the bucket, and fail (--no-lock).
    restic --no-lock snapshots --json --host odoo-platform --tag odoo >snapshots.json
    python3 - snapshots.json >>"${GITHUB_STEP_SUMMARY:-/dev/null}" <<'PY'
import json, sys
snaps = sorted(json.load(open(sys.argv[1])), key=lambda s: s["time"], reverse=True)
print(f"### {len(snaps)} snapshots of production, newest first")
print("| taken (UTC) | snapshot | database | size |")
print("| --- | --- | --- | --- |")
for s in snaps:
    db = ",".join(t[3:] for t in s.get("tags", []) if t.startswith("db:"))
    size = s.get("summary", {}).get("total_bytes_processed")
    print(f"| {s['time'][:19].replace('T', ' ')} | `{s['id']}` | {db} | {'' if size is None else f'{size / 1e6:.1f} MB'} |")
PY
    python3 -c 'import json, sys; [print(s["short_id"], s["time"][:19]) for s in json.load(open(sys.argv[1]))]' snapshots.json
    ;;
restore)
    snapshot_arg
    # odoo-restore with the container's own database (PGDATABASE is the stack's odooDatabase): a
    # new copy, the manifest compared, neutralized, the gate, and only then the switch.
    on_host_with_credentials /root/.restore.env \
        "docker exec --env-file /root/.restore.env staging-backup sh -c 'odoo-restore $SNAPSHOT \"\$PGDATABASE\" staging'" |
        tee restore.log
    {
        echo "### Staging restored from snapshot \`$SNAPSHOT\`"
        grep -o 'manifest: .*' restore.log || true
        grep -o 'restored .* in [0-9]* s.*' restore.log || true
    } >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
    ;;
drill)
    started=$(date +%s)
    EXTRA_ENV=$'REQUIRE_MANIFEST=1\n' on_host_with_credentials /root/.drill.env \
        "docker exec --env-file /root/.drill.env staging-backup odoo-restore latest odoo_drill staging" |
        tee drill.log
    verdict=$(grep -o 'manifest: .*' drill.log) || die "the drill printed no manifest verdict"
    {
        echo "### Restore drill"
        echo "| snapshot | compared with its manifest | seconds |"
        echo "| --- | --- | --- |"
        echo "| $(sed -n 's/.*restoring snapshot \([0-9a-f]*\).*/\1/p' drill.log | head -n 1) | ${verdict#manifest: } | $(($(date +%s) - started)) |"
    } >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
    ;;
drill-clean)
    ssh_host "docker exec staging-postgres psql -U odoo -d postgres -qc 'DROP DATABASE IF EXISTS odoo_drill WITH (FORCE)';
        docker exec staging-postgres psql -U odoo -d postgres -qc 'DROP DATABASE IF EXISTS odoo_drill_previous WITH (FORCE)';
        rm -rf /mnt/odoo-data/odoo/filestore/odoo_drill /mnt/odoo-data/odoo/filestore/odoo_drill_previous"
    ;;
download)
    snapshot_arg
    bucket_of
    if ! [[ ${LINK_MINUTES:?} =~ ^[0-9]{1,3}$ ]] || ((LINK_MINUTES < 5 || LINK_MINUTES > 240)); then
        die "link-minutes must be between 5 and 240, got '$LINK_MINUTES'"
    fi
    use_restic
    archive="$RUNNER_TEMP/odoo-backup-$SNAPSHOT-$GITHUB_RUN_ID.zip"
    SPOOL="$RUNNER_TEMP" npx ts-node --transpile-only tools/backup-archive.ts "$SNAPSHOT" "$archive"
    object="$DOWNLOADS/$GITHUB_RUN_ID/$(basename "$archive")"
    endpoint="https://$REGION.digitaloceanspaces.com"
    aws s3 cp "$archive" "s3://$BUCKET/$object" --endpoint-url "$endpoint" --region "$REGION" --only-show-errors
    rm -f "$archive"
    url=$(aws s3 presign "s3://$BUCKET/$object" --expires-in $((LINK_MINUTES * 60)) \
        --endpoint-url "$endpoint" --region "$REGION")
    output object "$object"
    {
        echo "### Backup download"
        echo "[odoo-backup-$SNAPSHOT.zip]($url) — dump.sql and filestore/, as Odoo's database manager restores it."
        echo "The link works for $LINK_MINUTES minutes, while this job runs; then the archive and the key that signed it are deleted."
    } >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
    ;;
download-clean)
    bucket_of
    if [ -n "${OBJECT:-}" ]; then
        aws s3 rm "s3://$BUCKET/$OBJECT" --endpoint-url "https://$REGION.digitaloceanspaces.com" --region "$REGION" --only-show-errors
        echo "removed $OBJECT"
    fi
    ;;
*)
    die "usage: backups.sh key|key-delete|now|list|restore|drill|drill-clean|download|download-clean"
    ;;
esac

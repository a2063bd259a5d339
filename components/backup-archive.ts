/**
 * `odoo-archive`: one snapshot of the restic repository as the archive Odoo's own database manager
 * (and Odoo.sh's download) uses: a zip holding `dump.sql` (plain SQL, owners left out) and
 * `filestore/`, which `/web/database/restore` and `odoo-bin db load` take as they are; plus
 * `odoo-platform/` with the snapshot's manifest. The filestore is compared with the manifest
 * before it is packed. Run by the backup-download workflow on the runner (TOOLS=local, restic
 * copied out of the image the hosts run) and by the tests against a real restic and PostgreSQL.
 */
import { prelude } from "./backup-scripts";

export function renderArchiveScript(): string {
    return `#!/bin/sh
# odoo-archive: a snapshot as Odoo's backup zip (dump.sql + filestore/). Rendered by odoo-platform.
${prelude()}
[ $# -eq 2 ] || die "usage: odoo-archive <snapshot-id|latest> <archive.zip>"
snapshot="$1"
out="$2"
: "\${SPOOL:?set SPOOL}" "\${RESTIC_REPOSITORY:?set RESTIC_REPOSITORY}" "\${RESTIC_PASSWORD:?set RESTIC_PASSWORD}"
printf '%s' "$snapshot" | grep -Eq '^(latest|[0-9a-f]{8,64})$' || die "invalid snapshot '$snapshot'"
case "$out" in
  /*.zip) ;;
  *) die "the archive must be an absolute path ending in .zip, got '$out'" ;;
esac
command -v zip >/dev/null 2>&1 || die "zip is not installed"

work="$SPOOL/archive-$$"
trap 'rm -rf "$work"' EXIT
if ! listing=$(rs snapshots --json --host odoo-platform --tag odoo "$snapshot" 2>&1); then
  echo "$listing" >&2
  die "restic could not list snapshot $snapshot"
fi
id=$(printf '%s' "$listing" | grep -o '"id":"[0-9a-f]\\{64\\}"' | head -n 1 | cut -d'"' -f4)
[ -n "$id" ] || die "the repository has no odoo-platform snapshot $snapshot"
log "restoring snapshot $id"
rm -rf "$work"
mkdir -p "$work/restored" "$work/zip/odoo-platform"
if ! restored=$(rs restore "$id" --target "$work/restored" 2>&1); then
  echo "$restored" >&2
  die "restic could not restore snapshot $id"
fi
manifest=$(find "$work/restored" -path '*/current/manifest' | head -n 1)
[ -n "$manifest" ] || die "snapshot $id holds no odoo-platform backup"
mdir=$(dirname "$manifest")
[ -s "$mdir/database.dump" ] || die "snapshot $id has no database dump"
source_db=$(sed -n 's/^database=//p' "$manifest")
source_path=$(sed -n 's/^filestore=//p' "$manifest")
if [ -d "$work/restored$source_path" ]; then
  mv "$work/restored$source_path" "$work/zip/filestore"
else
  mkdir -p "$work/zip/filestore"
fi
if [ -s "$mdir/files" ]; then
  file_checksums "$work/zip/filestore" "$(sed -n 's/^checksums=//p' "$manifest")" >"$work/files"
  problems=$(files_differ "$work/files" "$mdir/files")
  if [ -n "$problems" ]; then
    echo "$problems" | sed 's/^/  differs: /' >&2
    die "the filestore of snapshot $id differs from the manifest its backup wrote"
  fi
  log "filestore: $(wc -l <"$mdir/files" | tr -d ' ') files match the manifest"
fi
log "writing dump.sql of $source_db"
pg pg_restore --no-owner --no-acl -f "$work/zip/dump.sql" "$mdir/database.dump"
for f in manifest tables files; do
  if [ -f "$mdir/$f" ]; then cp "$mdir/$f" "$work/zip/odoo-platform/$f"; fi
done
rm -f "$out"
(cd "$work/zip" && zip -q -r -X "$out" dump.sql filestore odoo-platform)
log "archive of $source_db from snapshot $id: $out ($(wc -c <"$out" | tr -d ' ') bytes)"
`;
}

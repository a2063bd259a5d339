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
dump_version() {
  # The version of the pg_dump that wrote custom-format archive $1, from its header (PostgreSQL's
  # pg_backup_archiver.c, WriteHead): "PGDMP", the archive version (3 bytes), int and offset
  # sizes, the format, the compression (a byte from archive version 1.15 on, an int before), seven
  # ints of the creation time, then three strings: the database, the server's version and
  # pg_dump's. An int is a sign byte and then intSize bytes, least significant first; a string,
  # its length as an int and its bytes. Fails for a file without that header.
  od -An -v -tu1 -N 1024 "$1" | awk '
    function int_at(   v, k, sign) {
      sign = b[p]; v = 0
      for (k = isize; k >= 1; k--) v = v * 256 + b[p + k]
      p += isize + 1
      return sign ? -v : v
    }
    function str_at(   len, s, k) {
      len = int_at(); s = ""
      for (k = 0; k < len; k++) s = s sprintf("%c", b[p + k])
      p += len
      return s
    }
    { for (i = 1; i <= NF; i++) b[n++] = $i }
    END {
      if (n < 12 || sprintf("%c%c%c%c%c", b[0], b[1], b[2], b[3], b[4]) != "PGDMP") exit 1
      isize = b[8]; p = 11
      if (b[5] > 1 || b[6] >= 15) p++; else int_at()
      for (k = 0; k < 7; k++) int_at()
      str_at(); str_at(); v = str_at()
      if (v !~ /^[0-9]+\\.[0-9]+/) exit 1
      print v
    }'
}

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
# pg_restore reads the archives of its own release and older ones only (pg_dump 17 writes
# archive version 1.16, which pg_restore 15 and 16 refuse): the official image of the pg_dump that
# wrote this one reads it when the local pg_restore is older (App Platform's backups come from the
# Odoo image's pg_dump, the newest release).
written_by=$(dump_version "$mdir/database.dump") ||
  die "snapshot $id's database.dump is no custom-format archive of pg_dump"
dump_major=\${written_by%%.*}
log "writing dump.sql of $source_db (dumped by pg_dump $written_by)"
if [ "$TOOLS" = local ] && [ "$(pg_restore --version | sed -n 's/^pg_restore (PostgreSQL) \\([0-9]*\\).*/\\1/p')" -lt "$dump_major" ]; then
  command -v docker >/dev/null 2>&1 ||
    die "database.dump was written by pg_dump $written_by, which this $(pg_restore --version) cannot read: install PostgreSQL $dump_major's client, or run where Docker runs the postgres:$dump_major image"
  docker run --rm --user "$(id -u):$(id -g)" -v "$work:$work" "postgres:$dump_major" \\
    pg_restore --no-owner --no-acl -f "$work/zip/dump.sql" "$mdir/database.dump"
else
  pg pg_restore --no-owner --no-acl -f "$work/zip/dump.sql" "$mdir/database.dump"
fi
for f in manifest tables files; do
  if [ -f "$mdir/$f" ]; then cp "$mdir/$f" "$work/zip/odoo-platform/$f"; fi
done
rm -f "$out"
(cd "$work/zip" && zip -q -r -X "$out" dump.sql filestore odoo-platform)
log "archive of $source_db from snapshot $id: $out ($(wc -c <"$out" | tr -d ' ') bytes)"
`;
}

/**
 * Scripts of the preview environments, rendered by the program:
 *  - `odoo-template-refresh` (in the staging backup container, on a schedule): staging's database
 *    and filestore copied into the PR template, verified neutralized before it replaces the old.
 *  - the create and delete scripts of one PR's database and filestore, run on the dev host over
 *    SSH by the PR stack: a `CREATE DATABASE ... TEMPLATE` clone (seconds, not a restore) and a
 *    hard-link copy of the filestore; the capacity of the dev host is checked first.
 */
import { prelude } from "./backup-scripts";

export const TEMPLATE_DATABASE = "odoo_pr_template";

/** Database name of a preview environment. */
export function prDatabase(n: number): string {
    if (!Number.isInteger(n) || n < 1)
        throw new Error(`PR number must be a positive integer, got ${n}`);
    return `odoo_pr_${n}`;
}

/**
 * `odoo-template-refresh`: staging ($PGDATABASE) → `<template>_new` by dump and restore (staging
 * keeps serving: CREATE DATABASE ... TEMPLATE would need it idle), the neutralization gate, then
 * the swap, and the filestore copied with hard links. The template refuses connections, so PR
 * clones from it never wait.
 */
export function renderTemplateRefreshScript(template = TEMPLATE_DATABASE): string {
    return `#!/bin/sh
# odoo-template-refresh: staging into the preview template. Rendered by odoo-platform.
${prelude()}
: "\${PGDATABASE:?set PGDATABASE (the staging database)}" "\${FILESTORE_ROOT:?set FILESTORE_ROOT}"
: "\${SPOOL:?set SPOOL}" "\${MAILPIT_HOST:?set MAILPIT_HOST}" "\${BASE_URL:?set BASE_URL (the staging URL)}"
template="\${1:-${template}}"
check_name "$PGDATABASE"
check_name "$template"
new="\${template}_new"
dump="$SPOOL/template-$$.dump"
cleanup() {
  status=$?
  rm -f "$dump"
  if [ "$status" -ne 0 ]; then
    pg psql -d postgres -qc "DROP DATABASE IF EXISTS \\"$new\\"" >/dev/null 2>&1 || true
    rm -rf "\${FILESTORE_ROOT:?}/$new"
    echo "template refresh failed; $template is untouched" >&2
  fi
}
trap cleanup EXIT

mkdir -p "$SPOOL"
log "copying $PGDATABASE into $new"
pg pg_dump -Fc --no-owner --no-acl -f "$dump" "$PGDATABASE"
pg psql -d postgres -qc "DROP DATABASE IF EXISTS \\"$new\\""
pg psql -d postgres -qc "CREATE DATABASE \\"$new\\""
pg pg_restore -j "\${JOBS:-2}" --no-owner --no-acl -d "$new" "$dump"

log "verifying that $new is neutralized"
verify_neutralized "$new" ||
  die "$PGDATABASE is not neutralized: refresh staging first (odoo-restore ... staging)"

rm -rf "\${FILESTORE_ROOT:?}/$new"
if [ -d "$FILESTORE_ROOT/$PGDATABASE" ]; then
  cp -al "$FILESTORE_ROOT/$PGDATABASE" "$FILESTORE_ROOT/$new"
else
  mkdir -p "$FILESTORE_ROOT/$new"
fi

log "swapping $new in as $template"
pg psql -d postgres -v ON_ERROR_STOP=1 -q <<SQL
UPDATE pg_database SET datistemplate = false WHERE datname = '$template';
DROP DATABASE IF EXISTS "$template";
ALTER DATABASE "$new" RENAME TO "$template";
ALTER DATABASE "$template" WITH ALLOW_CONNECTIONS false IS_TEMPLATE true;
SQL
rm -rf "\${FILESTORE_ROOT:?}/$template"
mv "$FILESTORE_ROOT/$new" "$FILESTORE_ROOT/$template"
log "template $template refreshed from $PGDATABASE"
`;
}

export interface PrScriptArgs {
    /** PR number. */
    readonly n: number;
    /** Most preview databases the dev host holds. */
    readonly max: number;
    /** Base URL the clone gets, e.g. https://pr-42.dev.example.com. */
    readonly baseUrl: string;
    /** Filestore root on the dev host. */
    readonly filestoreRoot: string;
    readonly template?: string;
}

/**
 * Runs on the dev host: refuses when the host is at capacity, clones the template database and
 * its filestore (hard links), and points the clone's base URL at its own host name. Idempotent.
 * PSQL is the psql command line (default: psql inside the staging PostgreSQL container).
 */
export function renderPrCreateScript(a: PrScriptArgs): string {
    const db = prDatabase(a.n);
    const template = a.template ?? TEMPLATE_DATABASE;
    return `#!/bin/sh
# Creates preview environment pr-${a.n}: database ${db} and its filestore. Rendered by odoo-platform.
set -eu
db='${db}'
template='${template}'
max=${a.max}
fs='${a.filestoreRoot}'
q() {
  # shellcheck disable=SC2086 # PSQL is a command line on purpose
  $PSQL -X -v ON_ERROR_STOP=1 -Atq "$@"
}
if [ "$(q -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = '$db'")" = 0 ]; then
  count=$(q -d postgres -c "SELECT count(*) FROM pg_database WHERE datname ~ '^odoo_pr_[0-9]+$'")
  if [ "$count" -ge "$max" ]; then
    echo "the dev host is at capacity: $count of $max preview environments exist." >&2
    echo "Close a pull request (its environment goes with it), run the reaper, or raise" >&2
    echo "prEnvironments.max in the staging stack." >&2
    exit 1
  fi
  if [ "$(q -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = '$template'")" = 0 ]; then
    echo "the dev host has no template database $template: run odoo-template-refresh in staging-backup" >&2
    exit 1
  fi
  q -d postgres -c "CREATE DATABASE \\"$db\\" TEMPLATE \\"$template\\""
  # Its own identity: a clone keeps the template's uuid and the secret that signs sessions.
  if ! q -d "$db" -c "UPDATE ir_config_parameter SET value = gen_random_uuid()::text WHERE key IN ('database.uuid', 'database.secret')"; then
    q -d postgres -c "DROP DATABASE \\"$db\\""
    exit 1
  fi
fi
q -d "$db" -c "UPDATE ir_config_parameter SET value = '${a.baseUrl}' WHERE key = 'web.base.url'"
if [ ! -d "$fs/$db" ]; then
  rm -rf "$fs/$db.partial"
  if [ -d "$fs/$template" ]; then
    cp -al "$fs/$template" "$fs/$db.partial"
  else
    mkdir -p "$fs/$db.partial"
  fi
  mv "$fs/$db.partial" "$fs/$db"
fi
echo "pr-${a.n}: $db ready"
`;
}

/** Runs on the dev host when the PR stack is destroyed: drops the database and its filestore. */
export function renderPrDeleteScript(a: Pick<PrScriptArgs, "n" | "filestoreRoot">): string {
    const db = prDatabase(a.n);
    return `#!/bin/sh
# Removes preview environment pr-${a.n}: database ${db} and its filestore. Rendered by odoo-platform.
set -eu
db='${db}'
fs='${a.filestoreRoot}'
# shellcheck disable=SC2086 # PSQL is a command line on purpose
$PSQL -X -v ON_ERROR_STOP=1 -Atq -d postgres -c "DROP DATABASE IF EXISTS \\"$db\\" WITH (FORCE)"
rm -rf "\${fs:?}/$db" "\${fs:?}/$db.partial"
echo "pr-${a.n}: $db removed"
`;
}

/** The local command that runs a host script over SSH (what the PR stack's command executes). */
export function overSsh(host: string, psql: string, script: string): string {
    if (script.includes("\nODOO_PLATFORM_EOF\n"))
        throw new Error("script contains the heredoc marker");
    return (
        `ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new root@${host} ` +
        `PSQL='${psql}' sh -s <<'ODOO_PLATFORM_EOF'\n${script}ODOO_PLATFORM_EOF\n`
    );
}

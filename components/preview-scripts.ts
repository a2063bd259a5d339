/**
 * Scripts of the preview environments, rendered by the program:
 *  - `odoo-template-refresh` (in the staging backup container, on a schedule): staging's database
 *    and filestore copied into the PR template, verified neutralized before it replaces the old.
 *  - the create and delete scripts of one PR's database and filestore, run on the dev host over
 *    SSH by the PR stack: a `CREATE DATABASE ... TEMPLATE` clone (seconds, not a restore) and a
 *    hard-link copy of the filestore; the capacity of the dev host is checked first.
 */
import * as crypto from "crypto";
import { prelude } from "./backup-scripts";

export const TEMPLATE_DATABASE = "odoo_pr_template";

/** Database name of a preview environment. */
export function prDatabase(n: number): string {
    if (!Number.isInteger(n) || n < 1)
        throw new Error(`PR number must be a positive integer, got ${n}`);
    return `odoo_pr_${n}`;
}

/** The login role of a preview environment: it owns its database and nothing else. */
export const prRole = prDatabase;

/**
 * A preview environment's own secret (its role's password, its master password): derived from
 * the dev host's secret, so each PR's differs and none reveals the dev host's. 64 hex digits.
 */
export function prSecret(devSecret: string, n: number, purpose: "role" | "admin"): string {
    return crypto
        .createHmac("sha256", devSecret)
        .update(`odoo-platform ${purpose} ${prDatabase(n)}`)
        .digest("hex");
}

/**
 * SQL (run by the superuser, connected to the PR database) that hands every object of the
 * database to the PR role: what the template's owner made (tables with their indexes and owned
 * sequences, views, free sequences, routines, types, schemas), extension members aside. Only
 * what another role owns is altered, so a rerun is quick.
 */
export function ownershipSql(role: string): string {
    return `DO $ownership$
DECLARE
  target constant name := '${role}';
  stmt text;
BEGIN
  FOR stmt IN
    SELECT format('ALTER SCHEMA %I OWNER TO %I', n.nspname, target)
      FROM pg_namespace n
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND left(n.nspname, 3) <> 'pg_'
       AND n.nspowner <> 'pg_database_owner'::regrole AND n.nspowner <> target::regrole
    UNION ALL
    SELECT format('ALTER %s %s OWNER TO %I',
                  CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                                 WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE'
                                 ELSE 'TABLE' END,
                  c.oid::regclass, target)
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND left(n.nspname, 3) <> 'pg_'
       AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND c.relowner <> target::regrole
       -- Extension members stay; a sequence owned by a column moves with its table.
       AND NOT EXISTS (SELECT FROM pg_depend d
                        WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                          AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
    UNION ALL
    SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, target)
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND left(n.nspname, 3) <> 'pg_'
       AND p.proowner <> target::regrole
       AND NOT EXISTS (SELECT FROM pg_depend d
                        WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    UNION ALL
    SELECT format('ALTER TYPE %s OWNER TO %I', t.oid::regtype, target)
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND left(n.nspname, 3) <> 'pg_'
       AND t.typtype IN ('e', 'd', 'r', 'm') AND t.typowner <> target::regrole
       AND NOT EXISTS (SELECT FROM pg_depend d
                        WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
  LOOP
    EXECUTE stmt;
  END LOOP;
END
$ownership$;
`;
}

/**
 * `odoo-template-refresh`: staging ($PGDATABASE) → `<template>_new` by dump and restore (staging
 * keeps serving: CREATE DATABASE ... TEMPLATE would need it idle), the neutralization gate, the
 * anonymization (ANONYMIZE, again over what staging gained since its refresh) and its gate, then
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
check_anonymize
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
# gzip level 1 (-Z1): the dump lives for the next command only; the default level costs about
# three times the time for a few percent fewer bytes, no compression writes many times more.
pg pg_dump -Fc -Z1 --no-owner --no-acl -f "$dump" "$PGDATABASE"
pg psql -d postgres -qc "DROP DATABASE IF EXISTS \\"$new\\""
pg psql -d postgres -qc "CREATE DATABASE \\"$new\\""
pg pg_restore -j "\${JOBS:-2}" --no-owner --no-acl -d "$new" "$dump"

log "verifying that $new is neutralized"
verify_neutralized "$new" ||
  die "$PGDATABASE is not neutralized: refresh staging first (odoo-restore ... staging)"
# Again over staging's copy: people create partners on staging between two refreshes.
anonymize "$new"
verify_anonymized "$new" || die "anonymization of $new failed its verification"

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
 * its filestore (hard links), and points the clone's base URL at its own host name. The clone
 * belongs to the PR's own role (PR_DB_PASSWORD, hex), which may log in, owns every object of its
 * database and nothing else: no other database admits it (PUBLIC's CONNECT is revoked on each),
 * it creates no database or role. Idempotent. PSQL is the psql command line of the superuser
 * (default: psql inside the staging PostgreSQL container).
 */
export function renderPrCreateScript(a: PrScriptArgs): string {
    const db = prDatabase(a.n);
    const role = prRole(a.n);
    const template = a.template ?? TEMPLATE_DATABASE;
    return `#!/bin/sh
# Creates preview environment pr-${a.n}: role and database ${db}, and its filestore.
# Rendered by odoo-platform.
set -eu
db='${db}'
role='${role}'
template='${template}'
max=${a.max}
fs='${a.filestoreRoot}'
case "\${PR_DB_PASSWORD:-}" in
  ''|*[!0-9a-f]*) echo "PR_DB_PASSWORD must be the PR role's password (hex)" >&2; exit 1 ;;
esac
q() {
  # Never the script's own stdin: sh may still be reading this script from it.
  # shellcheck disable=SC2086 # PSQL is a command line on purpose
  $PSQL -X -v ON_ERROR_STOP=1 -Atq "$@" </dev/null
}
qin() {
  # shellcheck disable=SC2086 # PSQL is a command line on purpose
  $PSQL -X -v ON_ERROR_STOP=1 -Atq "$@"
}
# The role: it logs in, and may do nothing a server-wide privilege allows. It inherits
# pg_database_owner, which owns the schema public of its database (PostgreSQL 15).
qin -d postgres <<SQL
SELECT format('CREATE ROLE %I', '$role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role')
\\gexec
ALTER ROLE "$role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT
  CONNECTION LIMIT 64 PASSWORD '$PR_DB_PASSWORD';
SQL
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
  # FILE_COPY (PostgreSQL 15+) copies the template's files instead of writing every block to the
  # WAL: the clone runs at file speed (the template takes no connections, so nothing waits).
  strategy=""
  if [ "$(q -d postgres -c "SHOW server_version_num")" -ge 150000 ]; then
    strategy="STRATEGY FILE_COPY"
  fi
  q -d postgres -c "CREATE DATABASE \\"$db\\" TEMPLATE \\"$template\\" OWNER \\"$role\\" $strategy"
  # Its own identity: a clone keeps the template's uuid and the secret that signs sessions.
  if ! q -d "$db" -c "UPDATE ir_config_parameter SET value = gen_random_uuid()::text WHERE key IN ('database.uuid', 'database.secret')"; then
    q -d postgres -c "DROP DATABASE \\"$db\\""
    exit 1
  fi
fi
# Everything in the clone is the role's; only the role (and the superuser) may connect to it,
# and no database admits PUBLIC, so no other preview's role reaches it. Except the maintenance
# database postgres, which holds nothing and where Odoo looks whether its database exists at
# start (odoo.service.db._create_empty_database: a refused connection stops the server).
qin -d "$db" <<'SQL'
${ownershipSql(role)}SQL
qin -d postgres <<SQL
ALTER DATABASE "$db" OWNER TO "$role";
SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', datname)
  FROM pg_database WHERE datname NOT IN ('postgres', 'template0') \\gexec
SQL
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
echo "pr-${a.n}: $db ready, owned by role $role"
`;
}

/**
 * Runs on the dev host when the PR stack is destroyed: drops the database, its role and its
 * filestore.
 */
export function renderPrDeleteScript(a: Pick<PrScriptArgs, "n" | "filestoreRoot">): string {
    const db = prDatabase(a.n);
    return `#!/bin/sh
# Removes preview environment pr-${a.n}: database and role ${db}, and its filestore. Rendered by odoo-platform.
set -eu
db='${db}'
fs='${a.filestoreRoot}'
# shellcheck disable=SC2086 # PSQL is a command line on purpose
$PSQL -X -v ON_ERROR_STOP=1 -Atq -d postgres </dev/null -c "DROP DATABASE IF EXISTS \\"$db\\" WITH (FORCE)"
# shellcheck disable=SC2086 # PSQL is a command line on purpose
$PSQL -X -v ON_ERROR_STOP=1 -Atq -d postgres </dev/null -c "DROP ROLE IF EXISTS \\"$db\\""
rm -rf "\${fs:?}/$db" "\${fs:?}/$db.partial"
echo "pr-${a.n}: $db removed"
`;
}

/**
 * The local command that runs a host script over SSH (what the PR stack's command executes).
 * The variables named in `forward` (set in the command's environment; letters, digits, `-`, `_`
 * only) go ahead of the script on its stdin, never on a command line a process list shows.
 */
export function overSsh(
    host: string,
    psql: string,
    script: string,
    forward: readonly string[] = [],
): string {
    if (script.includes("\nODOO_PLATFORM_EOF\n"))
        throw new Error("script contains the heredoc marker");
    const checks: string[] = [];
    const lines: string[] = [];
    for (const name of forward) {
        if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`cannot forward ${name}`);
        checks.push(
            `case "\${${name}:-}" in ''|*[!A-Za-z0-9_-]*) ` +
                `echo "${name} is empty or holds characters it may not" >&2; exit 1 ;; esac\n`,
        );
        lines.push(`printf '${name}=%s\\n' "$${name}"; `);
    }
    return (
        checks.join("") +
        `{ ${lines.join("")}cat <<'ODOO_PLATFORM_EOF'\n${script}ODOO_PLATFORM_EOF\n} | ` +
        `ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new root@${host} ` +
        `PSQL='${psql}' sh -s\n`
    );
}

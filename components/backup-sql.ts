/**
 * The SQL of the backup and restore scripts (components/backup-scripts.ts): what a copy of
 * production must lose, the neutralization gate, and the manifest's table checksums.
 */

/**
 * What a copy of production must not keep in a mail-server row: the credentials Odoo 18 stores
 * there (`odoo neutralize` deactivates the rows but leaves these in place). Incoming mail servers
 * keep a password the same way. OAuth token columns (google_gmail, microsoft_outlook) exist only
 * where their module is installed and are cleared where they exist.
 */
export const MAIL_CREDENTIAL_COLUMNS = [
    "smtp_user",
    "smtp_pass",
    "smtp_ssl_certificate",
    "smtp_ssl_private_key",
] as const;

/** Column names of OAuth tokens in ir_mail_server / fetchmail_server, by pattern. */
const OAUTH_COLUMN = "(_token|_authorization_code)$";

/**
 * The platform's extras after `odoo neutralize`, for a copy of production data (psql variables
 * `base_url`, `mailpit_host`, `mailpit_port`): the base URL of the copy, frozen; a new
 * `database.uuid` and `database.secret` (the secret signs sessions and tokens: a copy that kept
 * it would accept production's); no `database.enterprise_code`; no credential on any mail server,
 * outgoing or incoming, active or not; the mail server `odoo neutralize` inserted (host
 * `invalid`) pointed at Mailpit, since that server wins over the command line's SMTP flags.
 */
export const PLATFORM_EXTRAS_SQL = `UPDATE ir_config_parameter SET value = :'base_url' WHERE key = 'web.base.url';
INSERT INTO ir_config_parameter (key, value)
  SELECT 'web.base.url', :'base_url'
  WHERE NOT EXISTS (SELECT 1 FROM ir_config_parameter WHERE key = 'web.base.url');
UPDATE ir_config_parameter SET value = 'True' WHERE key = 'web.base.url.freeze';
INSERT INTO ir_config_parameter (key, value)
  SELECT 'web.base.url.freeze', 'True'
  WHERE NOT EXISTS (SELECT 1 FROM ir_config_parameter WHERE key = 'web.base.url.freeze');
UPDATE ir_config_parameter SET value = gen_random_uuid()::text
 WHERE key IN ('database.uuid', 'database.secret');
DELETE FROM ir_config_parameter WHERE key = 'database.enterprise_code';
UPDATE ir_mail_server
   SET ${MAIL_CREDENTIAL_COLUMNS.map((c) => `${c} = NULL`).join(", ")};
UPDATE ir_mail_server
   SET smtp_host = :'mailpit_host', smtp_port = :'mailpit_port'::int,
       smtp_encryption = 'none', smtp_authentication = 'login'
 WHERE active AND smtp_host = 'invalid';
DO $$
DECLARE c record;
BEGIN
  IF to_regclass('fetchmail_server') IS NOT NULL THEN
    EXECUTE 'UPDATE fetchmail_server SET password = NULL, active = false';
  END IF;
  FOR c IN SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = current_schema()
              AND table_name IN ('ir_mail_server', 'fetchmail_server')
              AND column_name ~ '${OAUTH_COLUMN}'
  LOOP
    EXECUTE format('UPDATE %I SET %I = NULL', c.table_name, c.column_name);
  END LOOP;
END $$;
`;

/**
 * The verification gate of a neutralized database: one row per problem, none when it may serve.
 * psql variables: `mailpit_host` (the only mail server allowed to be active), `base_url` (what
 * `web.base.url` must be, frozen), `source_uuid` / `source_secret` (the identity of the database
 * it was copied from, which it must not keep; empty to skip). `database.is_neutralized` is
 * compared with what Odoo writes: the text `true` (Odoo 18.0 inserts a boolean into the text
 * column; observed, see test/doubles/odoo-fixture.ts).
 */
export const NEUTRALIZATION_GATE_SQL = `SELECT 'database.is_neutralized is not set'
 WHERE NOT EXISTS (SELECT 1 FROM ir_config_parameter
                    WHERE key = 'database.is_neutralized' AND value = 'true');
SELECT 'active mail server ' || coalesce(smtp_host, '(no host)') || ':' || coalesce(smtp_port::text, '-')
       || ' is not Mailpit'
  FROM ir_mail_server WHERE active AND smtp_host IS DISTINCT FROM :'mailpit_host';
SELECT 'mail server ' || m.id || ' (' || m.name || ') keeps its credentials'
  FROM ir_mail_server m
 WHERE EXISTS (SELECT 1 FROM jsonb_each(to_jsonb(m)) kv
                WHERE (kv.key IN (${MAIL_CREDENTIAL_COLUMNS.map((c) => `'${c}'`).join(", ")})
                       OR kv.key ~ '${OAUTH_COLUMN}')
                  AND kv.value <> 'null'::jsonb);
SELECT 'incoming mail server ' || (xpath('/row/id/text()', r))[1]::text
       || ' is active or keeps its credentials'
  FROM unnest(xpath('/table/row',
         CASE WHEN to_regclass('fetchmail_server') IS NULL THEN '<table/>'::xml
              ELSE query_to_xml('SELECT f.id FROM fetchmail_server f WHERE f.active OR EXISTS (
                     SELECT 1 FROM jsonb_each(to_jsonb(f)) kv
                      WHERE (kv.key = ''password'' OR kv.key ~ ''${OAUTH_COLUMN}'')
                        AND kv.value <> ''null''::jsonb)', false, false, '') END)) r;
SELECT 'active cron ' || c.id || ' is not the autovacuum'
  FROM ir_cron c
 WHERE c.active AND c.id NOT IN (SELECT res_id FROM ir_model_data
                                  WHERE module = 'base' AND name = 'autovacuum_job'
                                    AND model = 'ir.cron');
SELECT 'database.enterprise_code is kept'
 WHERE EXISTS (SELECT 1 FROM ir_config_parameter WHERE key = 'database.enterprise_code');
SELECT 'web.base.url is ' || coalesce((SELECT value FROM ir_config_parameter
                                         WHERE key = 'web.base.url'), '(unset)')
       || ', not ' || :'base_url'
 WHERE NOT EXISTS (SELECT 1 FROM ir_config_parameter
                    WHERE key = 'web.base.url' AND value = :'base_url');
SELECT 'web.base.url.freeze is not set'
 WHERE NOT EXISTS (SELECT 1 FROM ir_config_parameter
                    WHERE key = 'web.base.url.freeze' AND value = 'True');
SELECT key || ' is the source database''s'
  FROM ir_config_parameter
 WHERE (key = 'database.uuid' AND value = :'source_uuid' AND :'source_uuid' <> '')
    OR (key = 'database.secret' AND value = :'source_secret' AND :'source_secret' <> '');
`;

/**
 * Session settings under which a row renders as the same text at backup time and after a restore
 * (dates, time zone, floats, bytea and intervals all print by session settings), without JIT
 * compilation: each table's checksum is one scan that compiling for does not repay (0.04 s of the
 * 0.6 s a 1.2 GB table takes in npm run bench).
 */
export const CHECKSUM_SETTINGS_SQL = `SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';
SET extra_float_digits = 1;
SET bytea_output = 'hex';
SET intervalstyle = 'postgres';
SET jit = off;
`;

/**
 * The version of the manifest's checksums, its `checksums=` line: 2 hashes each table's rows with
 * TABLE_CHECKSUMS_SQL and each file with SHA-512 (`sha512sum`: on 64-bit machines about 1.3
 * times sha256sum's speed, in coreutils and BusyBox alike).
 * Manifests written before that line (version 1) summed md5s of printed rows
 * (LEGACY_TABLE_CHECKSUMS_SQL) and hashed files with sha256; a restore reads the line and
 * checksums what it restored the same way, so those snapshots still restore and compare.
 */
export const CHECKSUM_VERSION = "2";

/**
 * Types whose hash depends on their value alone, so a table and its restored copy hash alike
 * (an enum hashes its label's oid, a reg* type its object's oid: both change in a restore).
 */
const VALUE_HASHED_TYPES = [
    "bool",
    "int2",
    "int4",
    "int8",
    "float4",
    "float8",
    "numeric",
    "text",
    "varchar",
    "bpchar",
    "date",
    "time",
    "timetz",
    "timestamp",
    "timestamptz",
    "interval",
    "uuid",
    "jsonb",
    "bytea",
    "inet",
    "macaddr",
] as const;

/**
 * A column whose values PostgreSQL hashes as stored, without printing them: its type, a domain's
 * base type or an array's element type is one of VALUE_HASHED_TYPES, under a deterministic
 * collation. `hash_record_extended` then hashes the row several times faster than printing it
 * (npm run bench). Anything else (json, xml, point, tsvector, enums, ranges, composites…) sends
 * the table to the printed row's hash.
 */
const HASHABLE_COLUMN = `rt.oid = ANY ('{${VALUE_HASHED_TYPES.join(",")}}'::regtype[])
       AND (a.attcollation = 0 OR EXISTS (SELECT 1 FROM pg_collation co
                                            WHERE co.oid = a.attcollation AND co.collisdeterministic))`;

/** The tables pg_dump dumps: ordinary tables outside the system schemas and extensions. */
const DUMPED_TABLE = `c.relkind = 'r'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname !~ '^pg_(toast|temp)'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`;

/**
 * One line `schema.table|rows|checksum` per table of the database (psql -At, `\gexec` runs the
 * generated statements), as checksums version 2 (CHECKSUM_VERSION) takes them. The checksum is
 * the sum of one 64-bit hash per row, as a numeric: a changed, missing or extra row changes it,
 * row order does not, and it streams through any table size (a hash of ordered rows would sort
 * and hold the whole table). The row's
 * hash is `hash_record_extended` (PostgreSQL 14+) of the stored values when every column is
 * hashable (HASHABLE_COLUMN; equal values hash alike, so 1.0 and 1.00 in a numeric count as the
 * same), else `hashtextextended` of the printed row. Dropped columns take no part in either, so a
 * table and its restored copy agree. Tables that belong to an extension are left out, as pg_dump
 * leaves them out.
 */
export const TABLE_CHECKSUMS_SQL = `SELECT format(
         'SELECT %L, count(*), coalesce(sum(%s), 0) FROM %I.%I t',
         n.nspname || '.' || c.relname,
         CASE WHEN h.hashable THEN 'hash_record_extended(t, 0)' ELSE 'hashtextextended(t::text, 0)' END,
         n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 CROSS JOIN LATERAL (
       SELECT coalesce(bool_and(${HASHABLE_COLUMN}), true) AS hashable
         FROM pg_attribute a
         JOIN pg_type ty ON ty.oid = a.atttypid
         JOIN pg_type bt ON bt.oid = CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE ty.oid END
         JOIN pg_type rt ON rt.oid = CASE WHEN bt.typcategory = 'A' AND bt.typelem <> 0
                                          THEN bt.typelem ELSE bt.oid END
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) h
 WHERE ${DUMPED_TABLE}
 ORDER BY n.nspname, c.relname \\gexec
`;

/**
 * The table checksums of manifests written before their `checksums=` line (version 1): the sum
 * of the first 64 bits of each printed row's md5. Kept so that those snapshots still restore and
 * compare.
 */
export const LEGACY_TABLE_CHECKSUMS_SQL = `SELECT format(
         'SELECT %L, count(*), coalesce(sum((''x'' || left(md5(t::text), 16))::bit(64)::bigint::numeric), 0) FROM %I.%I t',
         n.nspname || '.' || c.relname, n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE ${DUMPED_TABLE}
 ORDER BY n.nspname, c.relname \\gexec
`;

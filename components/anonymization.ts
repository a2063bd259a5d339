/**
 * Anonymization of the personal data in a copy of production (staging and the preview template),
 * rendered as SQL the restore and template-refresh scripts run after `odoo neutralize` and the
 * platform's extras, and the gate's check that it ran.
 *
 * Pseudonyms are functions of the row's id alone (`Partner 42`, `partner-42@anonymized.invalid`):
 * nothing of the original value survives, not even a hash that a dictionary of phone numbers or
 * e-mail addresses could reverse, and the same production row gets the same pseudonym on every
 * refresh (production's ids do not change), so testers find "Partner 42" again tomorrow. Every
 * expression is idempotent: run again on its own output it writes the same values, which lets
 * the template refresh re-run it over staging (where people create partners between refreshes).
 *
 * Kept as production has them: the companies' own partners (res_company.partner_id, printed on
 * every invoice), the users module data created (OdooBot, the public user, the portal template,
 * the first administrator) and every member of Settings (base.group_system), with their partners,
 * so that the people who run staging log in as themselves. Column names are Odoo 18's
 * (odoo/addons/base/models/res_partner.py, res_users.py, res_bank.py); columns of optional
 * modules (mail's email_normalized, phone_validation's phone_sanitized, auth_totp, auth_oauth)
 * and columns a version lacks (Odoo 19 drops res_partner.mobile) are treated where they exist.
 */

export const ANONYMIZE_MODES = ["personal-data", "off"] as const;
export type AnonymizeMode = (typeof ANONYMIZE_MODES)[number];

/** ir_config_parameter key of the marker the anonymization writes and the gate reads. */
export const ANONYMIZED_MARKER = "odoo_platform.anonymized";

/** The domain every pseudonymous address is in: `.invalid` never resolves (RFC 2606). */
export const PSEUDONYM_DOMAIN = "anonymized.invalid";

/** Users that keep their identity: created by base's data, or administrators (Settings). */
const KEPT_USERS = `SELECT d.res_id FROM ir_model_data d
                    WHERE d.module = 'base' AND d.model = 'res.users' AND d.res_id IS NOT NULL
                   UNION
                   SELECT r.uid FROM res_groups_users_rel r
                     JOIN ir_model_data d ON d.model = 'res.groups' AND d.res_id = r.gid
                    WHERE d.module = 'base' AND d.name = 'group_system'`;

/** Partners that keep their identity: the companies' own and the kept users'. */
const KEPT_PARTNERS = `SELECT c.partner_id FROM res_company c WHERE c.partner_id IS NOT NULL
                      UNION
                      SELECT u.partner_id FROM res_users u WHERE u.id IN (${KEPT_USERS})`;

/** One anonymized column: its table, the value it gets (SQL over the row `t`). */
export interface AnonymizedColumn {
    readonly table: "res_partner" | "res_users" | "res_partner_bank";
    readonly column: string;
    readonly value: string;
}

/** An expression that stays NULL where the column is NULL, and is `expr` elsewhere. */
const pseudo = (column: string, expr: string) =>
    `CASE WHEN t.${column} IS NULL THEN NULL ELSE ${expr} END`;

const PARTNER_NAME = `'Partner ' || t.id`;
const PARTNER_EMAIL = `'partner-' || t.id || '@${PSEUDONYM_DOMAIN}'`;
/** `+000` is no country's calling code: the number reaches no one. */
const PHONE = `'+000 ' || lpad(t.id::text, 9, '0')`;

/**
 * The row-local columns, in the order they are written. A column a database lacks is skipped
 * (modules and versions differ); the gate checks every one the database has.
 */
export const ANONYMIZED_COLUMNS: readonly AnonymizedColumn[] = [
    { table: "res_partner", column: "name", value: pseudo("name", PARTNER_NAME) },
    { table: "res_partner", column: "email", value: pseudo("email", PARTNER_EMAIL) },
    {
        table: "res_partner",
        column: "email_normalized",
        value: pseudo("email_normalized", PARTNER_EMAIL),
    },
    { table: "res_partner", column: "phone", value: pseudo("phone", PHONE) },
    { table: "res_partner", column: "mobile", value: pseudo("mobile", PHONE) },
    { table: "res_partner", column: "phone_sanitized", value: "NULL" },
    {
        table: "res_partner",
        column: "street",
        value: pseudo("street", `t.id || ' Anonymized Street'`),
    },
    { table: "res_partner", column: "street2", value: "NULL" },
    // A tax id keeps its country prefix (taxes and fiscal positions read it), not its number.
    {
        table: "res_partner",
        column: "vat",
        value: pseudo(
            "vat",
            `CASE WHEN t.vat ~ '^[A-Za-z]{2}' THEN upper(left(t.vat, 2)) ELSE '' END || lpad(t.id::text, 10, '0')`,
        ),
    },
    {
        table: "res_partner",
        column: "company_registry",
        value: pseudo("company_registry", `'REG' || t.id`),
    },
    {
        table: "res_partner",
        column: "company_name",
        value: pseudo("company_name", `'Company ' || t.id`),
    },
    { table: "res_partner", column: "website", value: "NULL" },
    { table: "res_partner", column: "comment", value: "NULL" },
    { table: "res_partner", column: "partner_latitude", value: "NULL" },
    { table: "res_partner", column: "partner_longitude", value: "NULL" },
    { table: "res_users", column: "login", value: `'user-' || t.id || '@${PSEUDONYM_DOMAIN}'` },
    // Their production passwords do not come along: they log in nowhere on a copy.
    { table: "res_users", column: "password", value: "NULL" },
    { table: "res_users", column: "signature", value: "NULL" },
    { table: "res_users", column: "totp_secret", value: "NULL" },
    { table: "res_users", column: "oauth_uid", value: "NULL" },
    { table: "res_users", column: "oauth_access_token", value: "NULL" },
    {
        table: "res_partner_bank",
        column: "acc_number",
        value: `'ANON' || lpad(t.id::text, 12, '0')`,
    },
    {
        table: "res_partner_bank",
        column: "sanitized_acc_number",
        value: `'ANON' || lpad(t.id::text, 12, '0')`,
    },
    {
        table: "res_partner_bank",
        column: "acc_holder_name",
        value: pseudo("acc_holder_name", `'Holder ' || t.id`),
    },
];

/** Which rows of each table are anonymized. */
export const ANONYMIZED_ROWS: Readonly<Record<AnonymizedColumn["table"], string>> = {
    res_partner: `t.id NOT IN (${KEPT_PARTNERS})`,
    res_users: `t.id NOT IN (${KEPT_USERS})`,
    // The companies' own accounts are printed on every invoice; everyone else's are personal.
    res_partner_bank: `t.partner_id NOT IN (SELECT c.partner_id FROM res_company c WHERE c.partner_id IS NOT NULL)`,
};

/**
 * What Odoo computes from the names (`_compute_commercial_company_name`,
 * `_get_complete_name` of res.partner in Odoo 18), over the pseudonyms: stored, they would
 * otherwise keep the real names.
 */
const COMMERCIAL = `CASE WHEN (SELECT x.is_company FROM res_partner x WHERE x.id = t.commercial_partner_id)
                         THEN (SELECT x.name FROM res_partner x WHERE x.id = t.commercial_partner_id)
                         ELSE t.company_name END`;
export const DERIVED_COLUMNS: readonly AnonymizedColumn[] = [
    { table: "res_partner", column: "commercial_company_name", value: COMMERCIAL },
    {
        table: "res_partner",
        column: "complete_name",
        value: `CASE WHEN (t.company_name IS NOT NULL OR t.parent_id IS NOT NULL)
                       AND NOT coalesce(t.is_company, false)
                     THEN btrim(coalesce(nullif(${COMMERCIAL}, ''),
                                         (SELECT x.name FROM res_partner x WHERE x.id = t.parent_id), '')
                                || ', ' || coalesce(t.name, ''))
                     ELSE btrim(coalesce(t.name, '')) END`,
    },
];

const literal = (s: string) => `$v$${s}$v$`;

/** `(table, column, value, rows)` rows of a VALUES list, for the PL/pgSQL below. */
function valuesOf(columns: readonly AnonymizedColumn[]): string {
    return columns
        .map(
            (c) =>
                `(${literal(c.table)}, ${literal(c.column)}, ${literal(c.value)}, ${literal(ANONYMIZED_ROWS[c.table])})`,
        )
        .join(",\n    ");
}

/**
 * One UPDATE per table with every column it has (no loop over rows), then the derived names,
 * then the marker. Run in one transaction (`psql -1`): all of it or nothing.
 */
export const ANONYMIZE_SQL = `DO $anonymize$
DECLARE
  step record;
BEGIN
  FOR step IN
    SELECT w.tbl, string_agg(format('%I = %s', w.col, w.val), ', ' ORDER BY w.ord) AS sets,
           min(w.rows) AS rows, bool_and(w.derived) AS derived
      FROM (SELECT v.*, row_number() OVER () AS ord, false AS derived FROM (VALUES
    ${valuesOf(ANONYMIZED_COLUMNS)}
           ) AS v(tbl, col, val, rows)
            UNION ALL
            SELECT v.*, 1000 + row_number() OVER (), true FROM (VALUES
    ${valuesOf(DERIVED_COLUMNS)}
           ) AS v(tbl, col, val, rows)) w
      JOIN information_schema.columns c
        ON c.table_schema = current_schema() AND c.table_name = w.tbl AND c.column_name = w.col
     GROUP BY w.tbl, w.derived
     -- Derived names after the names they are made of.
     ORDER BY bool_and(w.derived), w.tbl
  LOOP
    EXECUTE format('UPDATE %I t SET %s WHERE %s', step.tbl, step.sets, step.rows);
  END LOOP;
END
$anonymize$;
INSERT INTO ir_config_parameter (key, value) VALUES ('${ANONYMIZED_MARKER}', 'personal-data')
  ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
`;

/**
 * The gate's check (mode personal-data): the marker, and in every anonymized column of every
 * anonymized row the value the anonymization writes. One line per problem, none when it passed.
 */
export const ANONYMIZATION_GATE_SQL = `CREATE TEMP TABLE anonymization_problems (problem text);
DO $gate$
DECLARE
  c record;
  n bigint;
BEGIN
  FOR c IN
    SELECT w.tbl, w.col, w.val, w.rows FROM (VALUES
    ${valuesOf([...ANONYMIZED_COLUMNS, ...DERIVED_COLUMNS])}
    ) AS w(tbl, col, val, rows)
      JOIN information_schema.columns i
        ON i.table_schema = current_schema() AND i.table_name = w.tbl AND i.column_name = w.col
  LOOP
    EXECUTE format('SELECT count(*) FROM %I t WHERE (%s) AND t.%I IS DISTINCT FROM (%s)',
                   c.tbl, c.rows, c.col, c.val) INTO n;
    IF n > 0 THEN
      INSERT INTO anonymization_problems
        VALUES (format('%s row(s) of %s keep their %s', n, c.tbl, c.col));
    END IF;
  END LOOP;
END
$gate$;
SELECT '${ANONYMIZED_MARKER} is not set: the copy was not anonymized'
 WHERE NOT EXISTS (SELECT 1 FROM ir_config_parameter
                    WHERE key = '${ANONYMIZED_MARKER}' AND value = 'personal-data');
SELECT problem FROM anonymization_problems;
`;

/** Shell functions of the rendered scripts: `anonymize <db>` and `verify_anonymized <db>`. */
export function anonymizationShell(): string {
    return `check_anonymize() {
  # ANONYMIZE is the stack's setting (config anonymize), set by the backup job: no default here.
  case "\${ANONYMIZE:-}" in
    personal-data | off) ;;
    *) die "set ANONYMIZE to ${ANONYMIZE_MODES.join(" or ")} (config anonymize), got '\${ANONYMIZE:-}'" ;;
  esac
}

anonymize() {
  [ "$ANONYMIZE" = off ] && return 0
  pg psql -X -d "$1" -v ON_ERROR_STOP=1 -1 -q >/dev/null <<'SQL'
${ANONYMIZE_SQL}SQL
}

verify_anonymized() {
  # The anonymization's half of the gate: one "gate:" line per problem.
  [ "$ANONYMIZE" = off ] && return 0
  if ! problems=$(pg psql -X -d "$1" -v ON_ERROR_STOP=1 -qAt <<'SQL'
${ANONYMIZATION_GATE_SQL}SQL
  ); then
    echo "  gate: the anonymization check could not run on $1" >&2
    return 1
  fi
  if [ -n "$problems" ]; then
    echo "$problems" | sed 's/^/  gate: /' >&2
    return 1
  fi
}
`;
}

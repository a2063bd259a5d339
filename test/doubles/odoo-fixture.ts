/**
 * An Odoo-shaped database and filestore for backup tests, the drill and the benchmark: the tables
 * the restore pipeline touches (ir_config_parameter, ir_cron, ir_mail_server, ir_model_data) and
 * the bulk a real database carries (res_partner, res_users, ir_attachment with files on disk).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { psql } from "./pg";

export const TABLES = [
    "ir_config_parameter",
    "ir_cron",
    "ir_mail_server",
    "fetchmail_server",
    "ir_model_data",
    "res_partner",
    "res_users",
    "ir_attachment",
] as const;

export interface FixtureSize {
    readonly partners: number;
    readonly attachments: number;
    /** Bytes of each attachment file in the filestore. */
    readonly fileBytes: number;
    /** Extra bytes of text per partner row, to grow the database. */
    readonly partnerPadding?: number;
}

export const SMALL: FixtureSize = { partners: 2000, attachments: 60, fileBytes: 2048 };

/**
 * The columns of the tables the restore pipeline touches, with the names, types and NOT NULLs of a
 * real Odoo 18.0 database (observed with `\\d` on a database initialized by Odoo 18.0-20250421 with
 * base, web and mail). Columns nothing here reads are left out.
 */
const SCHEMA = `
CREATE TABLE ir_config_parameter (id serial PRIMARY KEY, key varchar NOT NULL UNIQUE, value text NOT NULL);
CREATE TABLE ir_cron (id serial PRIMARY KEY, cron_name varchar, active boolean, interval_number int NOT NULL DEFAULT 1,
  interval_type varchar NOT NULL DEFAULT 'days', nextcall timestamp NOT NULL DEFAULT now());
CREATE TABLE ir_mail_server (id serial PRIMARY KEY, name varchar NOT NULL, from_filter varchar, smtp_host varchar,
  smtp_port int, smtp_authentication varchar NOT NULL, smtp_user varchar, smtp_pass varchar,
  smtp_encryption varchar NOT NULL, smtp_ssl_certificate bytea, smtp_ssl_private_key bytea,
  smtp_debug boolean, active boolean, sequence int);
CREATE TABLE fetchmail_server (id serial PRIMARY KEY, name varchar NOT NULL, server varchar, port int,
  server_type varchar NOT NULL, is_ssl boolean, "user" varchar, password varchar, active boolean, state varchar);
CREATE TABLE ir_model_data (id serial PRIMARY KEY, module varchar NOT NULL, name varchar NOT NULL, model varchar NOT NULL, res_id int);
CREATE TABLE res_partner (id serial PRIMARY KEY, name varchar, email varchar, street varchar, city varchar, comment text, active boolean DEFAULT true);
CREATE TABLE res_users (id serial PRIMARY KEY, login varchar NOT NULL UNIQUE, partner_id int REFERENCES res_partner(id), active boolean DEFAULT true, password varchar);
CREATE TABLE ir_attachment (id serial PRIMARY KEY, name varchar, res_model varchar, res_id int, store_fname varchar, checksum varchar, file_size int, mimetype varchar);
CREATE INDEX res_partner_email_idx ON res_partner (email);
CREATE INDEX ir_attachment_res_idx ON ir_attachment (res_model, res_id);
`;

/** Deterministic file content for attachment i. */
function fileContent(i: number, bytes: number): Buffer {
    const seed = crypto.createHash("sha256").update(`attachment-${i}`).digest();
    const out = Buffer.alloc(bytes);
    for (let o = 0; o < bytes; o += seed.length) seed.copy(out, o);
    out.writeUInt32BE(i, 0);
    return out;
}

export function createOdooDatabase(
    env: NodeJS.ProcessEnv,
    db: string,
    filestoreRoot: string,
    size: FixtureSize = SMALL,
): void {
    psql(env, "postgres", `DROP DATABASE IF EXISTS "${db}"; CREATE DATABASE "${db}";`);
    const pad = size.partnerPadding ?? 0;
    psql(
        env,
        db,
        `${SCHEMA}
-- database.uuid is a uuid1 and database.secret a uuid4 in Odoo 18 (ir_config_parameter's
-- _default_parameters); database.enterprise_code is what an Enterprise subscription leaves.
INSERT INTO ir_config_parameter (key, value) VALUES
  ('web.base.url', 'https://erp.example.com'),
  ('database.uuid', '${PRODUCTION_UUID}'),
  ('database.secret', '${PRODUCTION_SECRET}'),
  ('database.create_date', '2024-01-01 00:00:00'),
  ('database.enterprise_code', 'M-PRODUCTION-CODE'),
  ('mail.catchall.domain', 'example.com');
INSERT INTO ir_cron (cron_name, active, interval_type) VALUES
  ('Base: Auto-vacuum internal data', true, 'days'),
  ('Mail: Email Queue Manager', true, 'minutes'),
  ('Invoicing: send reminders', true, 'days'),
  ('Payment: post-process transactions', true, 'minutes'),
  ('Old archived job', false, 'weeks');
INSERT INTO ir_model_data (module, name, model, res_id) VALUES
  ('base', 'autovacuum_job', 'ir.cron', 1),
  ('mail', 'ir_cron_mail_scheduler_action', 'ir.cron', 2);
INSERT INTO ir_mail_server (name, smtp_host, smtp_port, smtp_authentication, smtp_encryption, smtp_user,
                            smtp_pass, smtp_ssl_certificate, smtp_ssl_private_key, active, sequence) VALUES
  ('Production relay', 'smtp.example.com', 587, 'login', 'starttls', 'odoo@example.com',
   'production-smtp-secret', NULL, NULL, true, 10),
  ('Marketing relay', 'smtp.mailer.example.net', 465, 'certificate', 'ssl', NULL, NULL,
   '\\x2d2d2d2d2d424547494e', '\\x2d2d2d2d2d424547494e', true, 20);
INSERT INTO fetchmail_server (name, server, port, server_type, is_ssl, "user", password, active, state) VALUES
  ('Support inbox', 'imap.example.com', 993, 'imap', true, 'support@example.com', 'imap-secret', true, 'done');
INSERT INTO res_partner (name, email, street, city, comment)
  SELECT 'Partner ' || g, 'partner' || g || '@customer.example', g || ' Main Street', 'City ' || (g % 97),
         repeat(md5(g::text), ${Math.ceil(pad / 32)})
    FROM generate_series(1, ${size.partners}) g;
INSERT INTO res_users (login, partner_id, password)
  SELECT 'user' || g || '@example.com', g, '$pbkdf2-sha512$600000$' || md5(g::text)
    FROM generate_series(1, LEAST(${size.partners}, 25)) g;
`,
    );
    const dir = path.join(filestoreRoot, db);
    fs.rmSync(dir, { recursive: true, force: true });
    const rows: string[] = [];
    for (let i = 1; i <= size.attachments; i++) {
        const content = fileContent(i, size.fileBytes);
        const sha1 = crypto.createHash("sha1").update(content).digest("hex");
        const fname = `${sha1.slice(0, 2)}/${sha1}`;
        fs.mkdirSync(path.join(dir, sha1.slice(0, 2)), { recursive: true });
        fs.writeFileSync(path.join(dir, fname), content);
        rows.push(
            `('file-${i}.bin', 'res.partner', ${i}, '${fname}', '${sha1}', ${content.length}, 'application/octet-stream')`,
        );
    }
    for (let i = 0; i < rows.length; i += 1000) {
        psql(
            env,
            db,
            `INSERT INTO ir_attachment (name, res_model, res_id, store_fname, checksum, file_size, mimetype) VALUES ${rows.slice(i, i + 1000).join(",")};`,
        );
    }
}

/** md5 of every table's rows in id order, and row counts: equal fingerprints, equal data. */
export function tableFingerprints(
    env: NodeJS.ProcessEnv,
    db: string,
): Record<string, { rows: number; md5: string }> {
    const out: Record<string, { rows: number; md5: string }> = {};
    for (const t of TABLES) {
        const [rows, md5] = psql(
            env,
            db,
            `SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY id)), '') FROM ${t} t`,
        ).split("|");
        out[t] = { rows: Number(rows), md5 };
    }
    return out;
}

/**
 * A hash of every file under a filestore directory, by relative path: sha256 by default,
 * `sha512` for what sha512sum prints.
 */
export function filestoreFingerprints(
    dir: string,
    algorithm: "sha256" | "sha512" = "sha256",
): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else
                out[path.relative(dir, p)] = crypto
                    .createHash(algorithm)
                    .update(fs.readFileSync(p))
                    .digest("hex");
        }
    };
    if (fs.existsSync(dir)) walk(dir);
    return out;
}

/** The production identity the fixture starts with; a copy must end up with others. */
export const PRODUCTION_UUID = "80ca3264-ea2c-11f1-80e4-02fc00000001";
export const PRODUCTION_SECRET = "ebc2267d-da80-4025-a41d-e274bebf5766";

/**
 * Stand-in for `odoo neutralize -d <db>` where no Odoo runs (the unit tests, the drill): on the
 * fixture's tables it writes exactly what Odoo 18.0's own data/neutralize.sql files write
 * (observed on Odoo 18.0-20250421 with base, web and mail installed, values compared row by row
 * in test/odoo/neutralize.contract.ts):
 * - base: every mail server inactive, credentials kept; one server inserted, named
 *   `neutralization - disable emails`, host `invalid`, port 1025, encryption `none`,
 *   authentication `login`, active, no sequence; every cron inactive but `base.autovacuum_job`;
 *   `database.is_neutralized` set by inserting the boolean `true` into the text column, which
 *   PostgreSQL stores as the text `true`;
 * - mail: every incoming mail server inactive, its password kept.
 */
export const NEUTRALIZE_EMULATION_SQL = `
UPDATE ir_mail_server SET active = false;
INSERT INTO ir_mail_server (name, smtp_port, smtp_host, smtp_encryption, active, smtp_authentication)
  VALUES ('neutralization - disable emails', 1025, 'invalid', 'none', true, 'login');
UPDATE ir_cron SET active = false
 WHERE id NOT IN (SELECT res_id FROM ir_model_data
                   WHERE model = 'ir.cron' AND name = 'autovacuum_job' AND module = 'base');
INSERT INTO ir_config_parameter (key, value) VALUES ('database.is_neutralized', true)
  ON CONFLICT (key) DO UPDATE SET value = true;
UPDATE fetchmail_server SET active = false;
`;

/**
 * The personal data of an Odoo database, on top of the Odoo-shaped fixture (odoo-fixture.ts):
 * the res_partner, res_users, res_company, res_groups_users_rel and res_partner_bank columns the
 * anonymization reads and writes, with the names, types and NOT NULLs of Odoo 18.0
 * (odoo/addons/base/models/res_partner.py, res_users.py, res_bank.py, res_company.py; mail's
 * email_normalized), and the people of a small company: its own partner and bank account, the
 * users base creates (OdooBot `__system__`, `admin`, the public user), a second administrator in
 * Settings, employees and customers with companies, contacts and bank accounts.
 * test/odoo/anonymization.contract.ts holds these columns to a database Odoo 18 created.
 */
import { psql } from "./pg";

/** Columns added to the fixture's tables, as Odoo 18 declares them. */
export const PEOPLE_COLUMNS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
    res_partner: {
        complete_name: "character varying",
        email_normalized: "character varying",
        phone: "character varying",
        mobile: "character varying",
        street2: "character varying",
        zip: "character varying",
        vat: "character varying",
        company_registry: "character varying",
        company_name: "character varying",
        commercial_company_name: "character varying",
        website: "character varying",
        partner_latitude: "numeric",
        partner_longitude: "numeric",
        is_company: "boolean",
        parent_id: "integer",
        commercial_partner_id: "integer",
        type: "character varying",
    },
    res_users: { signature: "text" },
    res_company: { name: "character varying", partner_id: "integer" },
    res_partner_bank: {
        acc_number: "character varying",
        sanitized_acc_number: "character varying",
        acc_holder_name: "character varying",
        partner_id: "integer",
        active: "boolean",
    },
    res_groups_users_rel: { gid: "integer", uid: "integer" },
};

/** Ids the tests refer to. */
export const PEOPLE = {
    /** res_company 1's partner. */
    companyPartner: 50001,
    /** base.user_root (OdooBot) and base.user_admin, and their partners. */
    root: 50101,
    admin: 50102,
    /** In base.group_system by membership only (no xmlid). */
    secondAdmin: 50103,
    /** base.public_user. */
    publicUser: 50104,
    /** Internal users who are not administrators. */
    employee: 50105,
    /** A customer company and its contact. */
    customer: 50201,
    contact: 50202,
    /** A contact of the company itself. */
    ownContact: 50203,
    /** res.groups id of base.group_system. */
    groupSystem: 3,
} as const;

/**
 * Adds the columns and tables and the people. Users' partners are the partners with the same id;
 * the fixture's own partners and users (ids 1..n) stay as they are, each with its own partner.
 */
export function addPeople(env: NodeJS.ProcessEnv, db: string): void {
    const p = PEOPLE;
    const columns = Object.entries(PEOPLE_COLUMNS.res_partner)
        .map(([c, t]) => `ADD COLUMN ${c} ${t}`)
        .join(", ");
    psql(
        env,
        db,
        `ALTER TABLE res_partner ${columns};
ALTER TABLE res_users ADD COLUMN signature text;
CREATE TABLE res_company (id serial PRIMARY KEY, name varchar NOT NULL, partner_id int NOT NULL);
CREATE TABLE res_groups_users_rel (gid int NOT NULL, uid int NOT NULL, PRIMARY KEY (gid, uid));
CREATE TABLE res_partner_bank (id serial PRIMARY KEY, acc_number varchar NOT NULL,
  sanitized_acc_number varchar, acc_holder_name varchar, partner_id int NOT NULL, active boolean,
  CONSTRAINT res_partner_bank_unique_number UNIQUE (sanitized_acc_number, partner_id));
UPDATE res_partner SET complete_name = name, email_normalized = lower(email), is_company = false,
       commercial_partner_id = id, type = 'contact', phone = '+32 470 ' || lpad(id::text, 6, '0'),
       zip = '1000', vat = CASE WHEN id % 2 = 0 THEN 'BE0' || lpad(id::text, 9, '0') END;
INSERT INTO res_partner (id, name, complete_name, email, email_normalized, phone, mobile, street,
                         street2, zip, city, vat, company_registry, company_name,
                         commercial_company_name, website, comment, partner_latitude,
                         partner_longitude, is_company, parent_id, commercial_partner_id, type) VALUES
  (${p.companyPartner}, 'Own Company SA', 'Own Company SA', 'info@own.example', 'info@own.example',
   '+32 2 555 01 00', NULL, 'Rue de la Loi 1', NULL, '1000', 'Brussels', 'BE0123456789',
   '0123456789', NULL, 'Own Company SA', 'https://own.example', NULL, 50.8466, 4.3528, true, NULL,
   ${p.companyPartner}, 'contact'),
  (${p.root}, 'OdooBot', 'OdooBot', 'odoobot@example.com', 'odoobot@example.com', NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, NULL, ${p.root}, 'contact'),
  (${p.admin}, 'Alice Admin', 'Own Company SA, Alice Admin', 'alice@own.example', 'alice@own.example',
   '+32 470 11 11 11', '+32 470 11 11 12', NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   'Own Company SA', NULL, NULL, NULL, NULL, false, ${p.companyPartner}, ${p.companyPartner}, 'contact'),
  (${p.secondAdmin}, 'Bob Settings', 'Bob Settings', 'bob@own.example', 'bob@own.example', NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, NULL,
   ${p.secondAdmin}, 'contact'),
  (${p.publicUser}, 'Public user', 'Public user', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, NULL, ${p.publicUser}, 'contact'),
  (${p.employee}, 'Eve Employee', 'Eve Employee', 'eve@own.example', 'eve@own.example',
   '+32 470 22 22 22', '+32 470 22 22 23', 'Chaussée de Wavre 12', 'Boîte 3', '1050', 'Ixelles',
   NULL, NULL, NULL, NULL, 'https://eve.example', '<p>Allergic to peanuts</p>', 50.83, 4.37,
   false, NULL, ${p.employee}, 'contact'),
  (${p.customer}, 'Dupont & Fils SPRL', 'Dupont & Fils SPRL', 'contact@dupont.example',
   'contact@dupont.example', '+32 4 222 33 44', NULL, 'Rue Neuve 5', NULL, '4000', 'Liège',
   'BE0987654321', '0987654321', NULL, 'Dupont & Fils SPRL', 'https://dupont.example', NULL, NULL,
   NULL, true, NULL, ${p.customer}, 'contact'),
  (${p.contact}, 'Jean Dupont', 'Dupont & Fils SPRL, Jean Dupont', 'jean@dupont.example',
   'jean@dupont.example', NULL, '+32 495 12 34 56', 'Rue Neuve 5', NULL, '4000', 'Liège', NULL,
   NULL, NULL, 'Dupont & Fils SPRL', NULL, NULL, NULL, NULL, false, ${p.customer}, ${p.customer},
   'contact'),
  (${p.ownContact}, 'Carla Accounting', 'Own Company SA, Carla Accounting', 'carla@own.example',
   'carla@own.example', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'Own Company SA', NULL,
   NULL, NULL, NULL, false, ${p.companyPartner}, ${p.companyPartner}, 'contact');
INSERT INTO res_company (id, name, partner_id) VALUES (1, 'Own Company SA', ${p.companyPartner});
INSERT INTO res_users (id, login, partner_id, password, signature) VALUES
  (${p.root}, '__system__', ${p.root}, NULL, NULL),
  (${p.admin}, 'alice@own.example', ${p.admin}, '$pbkdf2-sha512$600000$alice', '<p>Alice</p>'),
  (${p.secondAdmin}, 'bob@own.example', ${p.secondAdmin}, '$pbkdf2-sha512$600000$bob', NULL),
  (${p.publicUser}, 'public', ${p.publicUser}, NULL, NULL),
  (${p.employee}, 'eve@own.example', ${p.employee}, '$pbkdf2-sha512$600000$eve', '<p>Eve, sales</p>');
INSERT INTO ir_model_data (module, name, model, res_id) VALUES
  ('base', 'user_root', 'res.users', ${p.root}),
  ('base', 'user_admin', 'res.users', ${p.admin}),
  ('base', 'public_user', 'res.users', ${p.publicUser}),
  ('base', 'group_system', 'res.groups', ${p.groupSystem}),
  ('base', 'group_user', 'res.groups', 1),
  ('base', 'main_company', 'res.company', 1),
  -- An export leaves xmlids on people too: they do not make a user module data.
  ('__export__', 'res_users_${p.employee}_abcd1234', 'res.users', ${p.employee});
INSERT INTO res_groups_users_rel (gid, uid) VALUES
  (${p.groupSystem}, ${p.root}), (${p.groupSystem}, ${p.admin}), (${p.groupSystem}, ${p.secondAdmin}),
  (1, ${p.root}), (1, ${p.admin}), (1, ${p.secondAdmin}), (1, ${p.employee});
INSERT INTO res_partner_bank (acc_number, sanitized_acc_number, acc_holder_name, partner_id, active) VALUES
  ('BE71 0961 2345 6769', 'BE71096123456769', 'Own Company SA', ${p.companyPartner}, true),
  ('BE68 5390 0754 7034', 'BE68539007547034', 'Dupont & Fils SPRL', ${p.customer}, true),
  ('BE62 5100 0754 7061', 'BE62510007547061', 'Eve Employee', ${p.employee}, true),
  ('BE45 0000 0000 1289', 'BE45000000001289', NULL, ${p.admin}, true);
SELECT setval(pg_get_serial_sequence('res_partner', 'id'), 60000);
SELECT setval(pg_get_serial_sequence('res_users', 'id'), 60000);
`,
    );
}

/**
 * What every policy of the pack shares, in one import: the stage and resource types (base.ts),
 * Odoo's options as Odoo reads them (odoo-option-table.ts, odoo-options.ts), the Odoo processes of
 * a plan (odoo-processes.ts) and firewall rules (firewall.ts). Self-contained on purpose: the pack
 * runs unchanged under the real CLI and imports nothing from the program.
 */
export * from "./base";
export * from "./firewall";
export * from "./odoo-option-table";
export * from "./odoo-options";
export * from "./odoo-processes";
export * from "./traefik";

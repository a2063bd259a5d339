/**
 * restic's arguments for a snapshot written by hand the way the rendered odoo-backup writes one
 * (its tags and host, components/backup-scripts.ts), so a restore finds it: the tests use it to
 * store a tampered or older-style backup.
 */
export const odooBackupArgs = (db: string, ...paths: string[]): string[] => [
    "backup",
    "--tag",
    "odoo",
    "--tag",
    `db:${db}`,
    "--host",
    "odoo-platform",
    ...paths,
];

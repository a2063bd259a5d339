import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

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

/**
 * Makes `repository` one restic can read but not lock, as with a key that only reads the bucket:
 * its locks/ becomes a file, which refuses every lock, even to root (restic then retries for
 * minutes). Asserts the premise: restic run with `lockingArgs` (and a lock) does not get through
 * within 3 s.
 */
export function refuseLocks(
    repository: string,
    env: NodeJS.ProcessEnv,
    lockingArgs: readonly string[] = ["snapshots"],
): void {
    const locks = path.join(repository, "locks");
    fs.rmSync(locks, { recursive: true, force: true });
    fs.writeFileSync(locks, "");
    const locking = spawnSync("restic", lockingArgs, { env, timeout: 3000 });
    assert.notEqual(
        locking.status,
        0,
        `restic ${lockingArgs.join(" ")} got through without a lock`,
    );
}

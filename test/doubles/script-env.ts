/**
 * The environment the rendered backup scripts (components/backup-scripts.ts) run with in the
 * tests and the drill: this machine's tools (TOOLS=local), and the filestore, spool, restic
 * repository and restic cache in a folder of the caller's.
 */
import * as fs from "fs";
import * as path from "path";
import { NEUTRALIZE_EMULATION_SQL } from "./odoo-fixture";

type Env = NodeJS.ProcessEnv;

/** `pgEnv` (the server's PG* variables), the database to back up, and the folders under `dir`. */
export function backupEnv(pgEnv: Env, dir: string, database: string): Env {
    return {
        ...pgEnv,
        TOOLS: "local",
        PGDATABASE: database,
        FILESTORE_ROOT: path.join(dir, "filestore"),
        SPOOL: path.join(dir, "spool"),
        RESTIC_REPOSITORY: path.join(dir, "repo"),
        RESTIC_PASSWORD: "test-repository-password",
        RESTIC_CACHE_DIR: path.join(dir, "cache"),
    };
}

/**
 * What a staging refresh adds: staging's URL, its Mailpit, and the stand-in for `odoo neutralize
 * -d <db>` (no Odoo here): NEUTRALIZE_EMULATION_SQL, written into `dir`, which `npm run
 * test:odoo` holds to what Odoo writes. Anonymization stays the caller's choice.
 */
export function refreshEnv(dir: string, anonymize: "off" | "personal-data"): Env {
    const neutralizeSql = path.join(dir, "neutralize.sql");
    fs.writeFileSync(neutralizeSql, NEUTRALIZE_EMULATION_SQL);
    return {
        BASE_URL: "https://staging.example.com",
        MAILPIT_HOST: "staging-mailpit",
        ANONYMIZE: anonymize,
        NEUTRALIZE_CMD: `psql -X -q -v ON_ERROR_STOP=1 -d "$1" -f '${neutralizeSql}'`,
    };
}

/**
 * Loaded before every test file (.mocharc.json): restic 0.18.0 as tools/test-tools.sh installs
 * it, first on the PATH, so the suite runs the release the backup job deploys.
 */
import * as fs from "fs";
import * as path from "path";

const RESTIC_BIN = "/opt/odoo-platform/restic/usr/bin";
if (fs.existsSync(path.join(RESTIC_BIN, "restic"))) {
    const entries = (process.env.PATH ?? "").split(path.delimiter).filter((p) => p !== RESTIC_BIN);
    process.env.PATH = [RESTIC_BIN, ...entries].join(path.delimiter);
}

/**
 * `npx ts-node tools/backup-archive.ts <snapshot|latest> <archive.zip>`: runs the rendered
 * `odoo-archive` (components/backup-archive.ts) with this process's environment (RESTIC_*, AWS_*,
 * SPOOL; TOOLS=local by default: restic, pg_restore and zip from the PATH). The backup-download
 * workflow runs it on the runner; a person can run it anywhere restic reaches the repository.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderArchiveScript } from "../components/backup-archive";

if (require.main === module) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "odoo-archive-"));
    const script = path.join(dir, "odoo-archive");
    fs.writeFileSync(script, renderArchiveScript(), { mode: 0o755 });
    const r = spawnSync("sh", [script, ...process.argv.slice(2)], {
        stdio: "inherit",
        env: { TOOLS: "local", SPOOL: dir, ...process.env },
    });
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(r.status ?? 1);
}

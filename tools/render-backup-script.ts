/**
 * `npx ts-node tools/render-backup-script.ts`: writes the rendered odoo-backup into
 * tools/odoo-image/, where the image build puts it for App Platform's backup worker. A test holds
 * the file equal to components/backup-scripts.ts; run this after changing the script.
 */
import * as fs from "fs";
import * as path from "path";
import { renderBackupScript } from "../components/backup-scripts";

export const IMAGE_BACKUP_SCRIPT = path.join(__dirname, "odoo-image", "odoo-backup");

if (require.main === module) {
    fs.writeFileSync(IMAGE_BACKUP_SCRIPT, renderBackupScript(), { mode: 0o755 });
    console.log(`wrote ${path.relative(process.cwd(), IMAGE_BACKUP_SCRIPT)}`);
}

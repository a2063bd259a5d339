import { strict as assert } from "assert";
import { runDrill } from "../tools/drill";

describe("npm run drill (round trip on a real PostgreSQL)", function () {
    this.timeout(300_000);

    it("restores every row and file of a generated Odoo database, neutralized", () => {
        const r = runDrill({ partners: 500, attachments: 12, fileBytes: 512 });
        assert.deepEqual(r.problems, []);
        assert.deepEqual(r.rows, {
            // 6 of production + database.is_neutralized + web.base.url.freeze - enterprise_code
            ir_config_parameter: 7,
            ir_cron: 5,
            ir_mail_server: 3, // two real ones, deactivated, plus the dummy pointed at Mailpit
            fetchmail_server: 1,
            ir_model_data: 2,
            res_partner: 500,
            res_users: 25,
            ir_attachment: 12,
        });
        assert.equal(r.files, 12);
        // The restore compared itself with the manifest inside the snapshot, before neutralizing:
        // 6 parameters, 5 crons, 2 mail servers, 1 incoming, 2 xml ids, 500 + 25 + 12 = 553 rows.
        assert.match(r.manifest, /^manifest: 8 tables \(553 rows\) and 12 files match the backup/);
        assert.ok(r.backupSeconds > 0 && r.restoreSeconds > 0);
    });
});

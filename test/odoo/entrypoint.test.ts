import { strict as assert } from "assert";
import { entrypointDbArgs, entrypointExec, envOf } from "./entrypoint";

// Expected values are what odoo/docker 18.0/entrypoint.sh (65242a59) passes on: each case was run
// through that script with a stub `odoo` that prints its arguments.
const noFile = (f: string): string => {
    throw new Error(`unexpected read of ${f}`);
};

describe("the official image's entrypoint, reproduced for source-tree runs", () => {
    const env = envOf(["HOST=staging-postgres", "PORT=5432", "USER=odoo", "PASSWORD=secret"]);

    it("appends --db_host, --db_port, --db_user, --db_password after the command's own flags", () => {
        assert.deepEqual(entrypointExec(["odoo", "--workers=2"], env, "[options]\n", noFile), [
            "odoo",
            "--workers=2",
            "--db_host",
            "staging-postgres",
            "--db_port",
            "5432",
            "--db_user",
            "odoo",
            "--db_password",
            "secret",
        ]);
    });

    it("leaves out a parameter that odoo.conf sets, however indented", () => {
        const conf = "[options]\n  db_host = elsewhere\ndb_password=x\n";
        assert.deepEqual(entrypointDbArgs(env, conf, noFile), [
            "--db_port",
            "5432",
            "--db_user",
            "odoo",
        ]);
    });

    it("falls back through the legacy and libpq variables, empty counting as unset", () => {
        const args = entrypointDbArgs(
            envOf(["HOST=", "PGHOST=/run/pg", "POSTGRES_USER=pg", "PGPORT=6543"]),
            "",
            noFile,
        );
        assert.deepEqual(args, [
            "--db_host",
            "/run/pg",
            "--db_port",
            "6543",
            "--db_user",
            "pg",
            "--db_password",
            "odoo",
        ]);
    });

    it("reads PASSWORD_FILE first, without its trailing newlines", () => {
        const args = entrypointDbArgs(envOf(["PASSWORD_FILE=/run/secrets/pg"]), "", (f) => {
            assert.equal(f, "/run/secrets/pg");
            return "from-file\n\n";
        });
        assert.deepEqual(args.slice(-2), ["--db_password", "from-file"]);
    });

    it("runs scaffold without database arguments and other commands as given", () => {
        assert.deepEqual(entrypointExec(["odoo", "scaffold", "x"], env, "", noFile), [
            "odoo",
            "scaffold",
            "x",
        ]);
        assert.deepEqual(entrypointExec(["sh", "-c", "true"], env, "", noFile), [
            "sh",
            "-c",
            "true",
        ]);
        assert.deepEqual(entrypointExec(["--", "--workers=0"], env, "", noFile).slice(0, 3), [
            "odoo",
            "--workers=0",
            "--db_host",
        ]);
        assert.deepEqual(entrypointExec(["--workers=0"], env, "", noFile).slice(0, 3), [
            "odoo",
            "--workers=0",
            "--db_host",
        ]);
    });

    it("keeps the last of a repeated env item, as Docker does", () => {
        assert.equal(envOf(["HOST=a", "HOST=b"]).HOST, "b");
    });
});

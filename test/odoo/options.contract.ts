/**
 * The option table the pack's reader is tested against (options-cases.ts), held to a real Odoo's
 * own parser: each case's command line and odoo.conf go through Odoo's `configmanager`
 * (`_parse_config`, what `odoo server` runs), and what Odoo holds, or the error it stops with, must
 * be what the table says.
 */
import { strict as assert } from "assert";
import { odooPython, realOdoo } from "./real-odoo";
import { OPTIONS_CASES } from "./options-cases";

/** Runs every case through the real parser; one JSON line per case. */
const SCRIPT = String.raw`
import io, json, os, sys, tempfile, contextlib
from odoo.tools.config import configmanager
cases = json.loads(sys.argv[1])
home = tempfile.mkdtemp()
for case in cases:
    for k in ("ODOO_RC", "OPENERP_SERVER"):
        os.environ.pop(k, None)
    os.environ["HOME"] = home
    conf = os.path.join(tempfile.mkdtemp(), "odoo.conf")
    if case.get("conf") is not None:
        with open(conf, "w") as f:
            f.write(case["conf"])
    env = case.get("env")
    if env is None:
        env = {"ODOO_RC": "{conf}"}
    for k, v in env.items():
        os.environ[k] = v.replace("{conf}", conf)
    args = [a.replace("{conf}", conf) for a in case["args"]]
    err = io.StringIO()
    result = {}
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            c = configmanager()
            c._parse_config(args)
        opts = {}
        for dest in case["dests"]:
            v = c.options.get(dest)
            if dest in ("init", "update"):
                v = ",".join(v.keys())
            opts[dest] = v
        result = {"values": opts}
    except SystemExit as e:
        lines = [l for l in err.getvalue().splitlines() if ": error: " in l]
        result = {"error": lines[-1].split(": error: ", 1)[1] if lines else "exit %s" % e.code}
    except Exception as e:
        result = {"error": "%s: %s" % (type(e).__name__, e)}
    print(json.dumps(result))
`;

describe("Odoo's own parser reads the option table as the pack does", function () {
    this.timeout(300_000);
    let answers: ({ values: Record<string, unknown> } | { error: string })[];

    before(() => {
        const real = realOdoo();
        const input = JSON.stringify(
            OPTIONS_CASES.map((c) => ({
                args: c.args,
                conf: c.conf ?? null,
                env: c.env ?? null,
                dests: "values" in c.expect ? Object.keys(c.expect.values) : [],
            })),
        );
        const r = odooPython(real, SCRIPT, [input]);
        assert.equal(r.status, 0, `the real parser did not run: ${r.stderr}`);
        answers = r.stdout
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l) as (typeof answers)[number]);
        assert.equal(answers.length, OPTIONS_CASES.length);
    });

    OPTIONS_CASES.forEach((c, i) => {
        it(c.title, () => {
            const got = answers[i];
            if ("error" in c.expect) {
                assert.ok("error" in got, `Odoo started: ${JSON.stringify(got)}`);
                // Command-line errors are optparse's exact words; odoo.conf errors are Python
                // exceptions the pack words its own way.
                if (!c.expect.error.startsWith("odoo.conf"))
                    assert.equal(got.error, c.expect.error);
            } else {
                assert.deepEqual(got, { values: c.expect.values });
            }
        });
    });
});

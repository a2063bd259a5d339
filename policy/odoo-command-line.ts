import { StackValidationPolicy } from "@pulumi/policy";
import { stackOdooProcesses } from "./lib";

/**
 * Every Odoo process starts: its command line and odoo.conf are ones Odoo's own parser accepts.
 * Odoo stops at start on an unknown option, an ambiguous prefix (optparse takes any unique prefix
 * of a long option and refuses one that fits several), a missing or unreadable value, a stray
 * word, or an odoo.conf with a key twice; the other policies cannot tell what such a process would
 * run with, so they leave it to this one.
 */
export const odooCommandLine: StackValidationPolicy = {
    name: "odoo-command-line",
    description:
        "Every Odoo (container or App Platform component) must have a command line and odoo.conf " +
        "that Odoo 18 accepts: no unknown option, no ambiguous prefix of a long option, every " +
        "value present and readable, no stray word, no odoo.conf key or section twice.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        for (const { r, p } of stackOdooProcesses(args.resources)) {
            for (const problem of p.config.problems) {
                reportViolation(
                    `${p.what} "${p.name || r.name}" would not start: ${problem}. Fix the ` +
                        "option in the stack config (or the rendered command) so Odoo reads it.",
                    r.urn,
                );
            }
        }
    },
};

/**
 * An Odoo process's options as Odoo reads them: optparse over the command line (last wins, unique
 * prefixes), odoo.conf through RawConfigParser under it, and the official image's entrypoint.
 */
import {
    KIND_OF_DEST,
    LONG_OF_DEST,
    ODOO_DEFAULTS,
    ODOO_LONG_OPTIONS,
    ODOO_SHORT_OPTIONS,
    OdooValue,
    OptionSpec,
} from "./odoo-option-table";

/** Python's repr of a string, as optparse's messages print it. */
function pyRepr(s: string): string {
    if (s.includes("'") && !s.includes('"')) return `"${s}"`;
    return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/**
 * optparse's integer reading (`_parse_num`): `0x` hexadecimal, `0b` binary, a leading `0` octal
 * (so `08` is no number and `010` is 8), else decimal; then Python's `int(text, radix)`, which
 * allows surrounding blanks, a sign and single underscores between digits.
 */
export function optparseInt(text: string): number | undefined {
    let radix = 10;
    let body = text;
    if (text.slice(0, 2).toLowerCase() === "0x") radix = 16;
    else if (text.slice(0, 2).toLowerCase() === "0b") {
        radix = 2;
        body = text.slice(2) === "" ? "0" : text.slice(2);
    } else if (text.slice(0, 1) === "0") radix = 8;
    const digits = { 2: "[01]", 8: "[0-7]", 10: "[0-9]", 16: "[0-9a-fA-F]" }[radix];
    const prefix = { 2: "(?:0[bB])?", 8: "(?:0[oO])?", 10: "", 16: "(?:0[xX])?" }[radix];
    const m = new RegExp(
        `^[ \\t\\n\\r\\f\\v]*([+-]?)${prefix}(_?${digits}(?:_?${digits})*)[ \\t\\n\\r\\f\\v]*$`,
    ).exec(body);
    if (m === null) return undefined;
    const clean = m[2].replace(/_/g, "");
    if (prefix === "" && m[2].startsWith("_")) return undefined;
    const value = parseInt(clean, radix);
    return m[1] === "-" && value !== 0 ? -value : value;
}

/** Python's `float(text)` for the plain decimal forms. */
function pythonFloat(text: string): number | undefined {
    const t = text.trim();
    return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) ? Number(t) : undefined;
}

/** A value of a typed option, as optparse's type checker turns it, or the message it fails with. */
function checkValue(spec: OptionSpec, opt: string, text: string): OdooValue | { problem: string } {
    if (spec.kind === "int") {
        const v = optparseInt(text);
        return v ?? { problem: `option ${opt}: invalid integer value: ${pyRepr(text)}` };
    }
    if (spec.kind === "float") {
        const v = pythonFloat(text);
        return v ?? { problem: `option ${opt}: invalid floating-point value: ${pyRepr(text)}` };
    }
    if (spec.kind === "choice" && !(spec.choices ?? []).includes(text)) {
        const choices = (spec.choices ?? []).map(pyRepr).join(", ");
        return {
            problem: `option ${opt}: invalid choice: ${pyRepr(text)} (choose from ${choices})`,
        };
    }
    return text;
}

interface Given {
    readonly value: OdooValue;
    /** How a reader finds it: `--max-cron-threads=2`, `max_cron_threads = 2 in odoo.conf`. */
    readonly source: string;
}

/** An Odoo command line as optparse reads it: the options given (last wins) and the errors. */
export function parseOdooArgs(args: readonly string[]): {
    given: Record<string, Given>;
    problems: string[];
} {
    const given: Record<string, Given> = {};
    const problems: string[] = [];
    const rest = [...args];
    const positional: string[] = [];
    const longs = Object.keys(ODOO_LONG_OPTIONS);
    const take = (long: string, spec: OptionSpec, opt: string, value: string | undefined) => {
        const shown = (v: OdooValue) => (v === true || v === false ? long : `${long}=${String(v)}`);
        switch (spec.kind) {
            case "true":
            case "false": {
                const v = spec.kind === "true";
                given[spec.dest] = { value: v, source: long };
                return;
            }
            case "exit":
                problems.push(`${long} makes Odoo print and exit instead of serving`);
                return;
            case "testEnable":
                if (given["test_tags"] === undefined) {
                    given["test_tags"] = { value: "+standard", source: long };
                }
                return;
            case "appendConst":
            case "append": {
                const before = given[spec.dest]?.value;
                const list = Array.isArray(before) ? before : [];
                const item = spec.kind === "append" ? (value as string) : (spec.constant as string);
                given[spec.dest] = { value: [...list, item], source: `${long}=${item}` };
                return;
            }
            default: {
                const v = checkValue(spec, opt, value as string);
                if (typeof v === "object" && !Array.isArray(v)) problems.push(v.problem);
                else given[spec.dest] = { value: v, source: shown(v) };
            }
        }
    };
    const takesValue = (spec: OptionSpec) =>
        !["true", "false", "exit", "testEnable", "appendConst"].includes(spec.kind);
    while (rest.length > 0 && problems.length === 0) {
        const arg = rest.shift() as string;
        if (arg === "--") {
            positional.push(...rest.splice(0));
        } else if (arg.startsWith("--")) {
            const eq = arg.indexOf("=");
            const written = eq >= 0 ? arg.slice(0, eq) : arg;
            if (eq >= 0) rest.unshift(arg.slice(eq + 1));
            let long = written;
            if (ODOO_LONG_OPTIONS[written] === undefined) {
                const hits = longs.filter((l) => l.startsWith(written)).sort();
                if (hits.length === 0) {
                    problems.push(`no such option: ${written}`);
                    break;
                }
                if (hits.length > 1) {
                    problems.push(`ambiguous option: ${written} (${hits.join(", ")}?)`);
                    break;
                }
                long = hits[0];
            }
            const spec = ODOO_LONG_OPTIONS[long];
            if (takesValue(spec)) {
                if (rest.length === 0) {
                    problems.push(`${long} option requires 1 argument`);
                    break;
                }
                take(long, spec, long, rest.shift());
            } else if (eq >= 0) {
                problems.push(`${long} option does not take a value`);
            } else {
                take(long, spec, long, undefined);
            }
        } else if (arg.startsWith("-") && arg.length > 1) {
            for (let i = 1; i < arg.length; i++) {
                const opt = `-${arg[i]}`;
                const long = ODOO_SHORT_OPTIONS[opt];
                if (long === undefined) {
                    problems.push(`no such option: ${opt}`);
                    break;
                }
                const spec = ODOO_LONG_OPTIONS[long];
                if (!takesValue(spec)) {
                    take(long, spec, opt, undefined);
                    continue;
                }
                if (i + 1 < arg.length) rest.unshift(arg.slice(i + 1));
                if (rest.length === 0) {
                    problems.push(`${opt} option requires 1 argument`);
                    break;
                }
                take(long, spec, opt, rest.shift());
                break;
            }
        } else {
            positional.push(arg);
        }
    }
    if (problems.length === 0 && positional.length > 0) {
        problems.push(`unrecognized parameters: '${positional.join(" ")}'`);
    }
    return { given, problems };
}

/**
 * An odoo.conf as Odoo 18 loads it: Python's RawConfigParser (`key = value` or `key: value`,
 * keys lower-cased, `#` and `;` comment whole lines only, indented lines continue a value, a key
 * or section given twice is an error), the `[options]` section with `[DEFAULT]` under it, then
 * `True`/`true` and `False`/`false` become booleans and xmlrpc_* keys their http_* names.
 */
export function parseOdooConf(text: string): {
    given: Record<string, Given>;
    problems: string[];
} {
    const problems: string[] = [];
    const sections = new Map<string, Map<string, string[]>>();
    let current: Map<string, string[]> | undefined;
    let section = "";
    let option: string | undefined;
    let indent = Number.MAX_SAFE_INTEGER;
    const seenSections = new Set<string>();
    const lines = text.split(/\r\n|\n|\r/);
    if (lines[lines.length - 1] === "") lines.pop();
    for (let n = 0; n < lines.length; n++) {
        const line = lines[n];
        const comment = /^\s*[#;]/.test(line);
        const value = comment ? "" : line.trim();
        if (value === "") {
            if (!comment && current !== undefined && option !== undefined) {
                current.get(option)?.push("");
            }
            continue;
        }
        const level = /\S/.exec(line)?.index ?? 0;
        if (current !== undefined && option !== undefined && level > indent) {
            current.get(option)?.push(value);
            continue;
        }
        indent = level;
        const header = /^\[(.+)\]/.exec(value);
        if (header !== null) {
            section = header[1];
            if (seenSections.has(section)) {
                problems.push(`odoo.conf: section "[${section}]" given twice (line ${n + 1})`);
                break;
            }
            seenSections.add(section);
            current = sections.get(section) ?? new Map();
            sections.set(section, current);
            option = undefined;
            continue;
        }
        if (current === undefined) {
            problems.push(`odoo.conf: line ${n + 1} comes before any section header`);
            break;
        }
        const m = /^(.*?)\s*([=:])\s*(.*)$/.exec(value);
        if (m === null || m[1] === "") {
            problems.push(`odoo.conf: line ${n + 1} is neither a section, an option nor a comment`);
            option = undefined;
            continue;
        }
        const key = m[1].trimEnd().toLowerCase();
        if (current.has(key)) {
            problems.push(
                `odoo.conf: option "${key}" in section "[${section}]" given twice (line ${n + 1})`,
            );
            break;
        }
        current.set(key, [m[3].trim()]);
        option = key;
    }
    const given: Record<string, Given> = {};
    const options = sections.get("options");
    if (problems.length > 0 || options === undefined) return { given, problems };
    const outdated: Record<string, string> = {
        xmlrpc_port: "http_port",
        xmlrpc_interface: "http_interface",
        xmlrpc: "http_enable",
    };
    const merged = new Map([...(sections.get("DEFAULT") ?? new Map()), ...options]);
    for (const [key, parts] of merged) {
        const raw = parts.join("\n").trimEnd();
        const name = outdated[key] ?? key;
        let value: OdooValue =
            raw === "True" || raw === "true"
                ? true
                : raw === "False" || raw === "false"
                  ? false
                  : raw;
        // Odoo casts a typed option's text with optparse's checker (configmanager._parse_config);
        // a value it cannot read stops Odoo at start.
        const spec = KIND_OF_DEST[name];
        if (typeof value === "string" && spec !== undefined) {
            const checked = checkValue(spec, name, value);
            if (typeof checked === "object" && !Array.isArray(checked)) {
                problems.push(`odoo.conf: ${checked.problem}`);
                continue;
            }
            value = checked;
        }
        given[name] = { value, source: `${key} = ${raw} in odoo.conf` };
    }
    return { given, problems };
}

/** Python's truth of a value: an empty text, 0 and False are false; any other text is true. */
export function truthy(v: OdooValue | undefined): boolean {
    if (v === undefined || v === false || v === "" || v === 0) return false;
    return !(Array.isArray(v) && v.length === 0);
}

/** Odoo's effective options of one process, and why Odoo would refuse to start with them. */
export interface OdooConfig {
    /** Empty when Odoo starts; else the errors Odoo stops with. */
    readonly problems: readonly string[];
    /** The effective value: command line over odoo.conf over Odoo's default. */
    value(dest: string): OdooValue | undefined;
    /**
     * Where the effective value comes from, as a reader looks for it (`--max-cron-threads=2`,
     * `max_cron_threads = 2 in odoo.conf`, `ODOO_SMTP_PASSWORD env (smtp_password in
     * odoo.conf)`), or undefined when it is Odoo's default.
     */
    source(dest: string): string | undefined;
}

/**
 * Reads Odoo's arguments (what follows `odoo`) with the odoo.conf it loads: `--config`, else
 * `$ODOO_RC`, is the file; a file the plan does not hold counts as empty.
 */
export function odooConfig(
    argv: readonly string[],
    environment: Readonly<Record<string, string>>,
    files: Readonly<Record<string, string>>,
    origins: Readonly<Record<string, string>> = {},
): OdooConfig {
    const args = [...argv];
    if (args[0] === "server") args.shift();
    const problems: string[] = [];
    if (args.length > 0 && !args[0].startsWith("-")) {
        problems.push(`the pack reads Odoo's server only, not its "${args[0]}" command`);
    }
    const cli = parseOdooArgs(args);
    problems.push(...cli.problems);
    // Python's `opt.config or ODOO_RC or OPENERP_SERVER`: an empty value counts as unset.
    const file = [
        cli.given["config"]?.value,
        environment["ODOO_RC"],
        environment["OPENERP_SERVER"],
    ].find((v) => typeof v === "string" && v !== "");
    const conf =
        typeof file === "string" && files[file] !== undefined
            ? parseOdooConf(files[file])
            : { given: {}, problems: [] };
    problems.push(...conf.problems);
    const pick = (dest: string): Given | undefined => {
        // -i/-u come from the command line only (configmanager._parse_config).
        if (dest === "init" || dest === "update") return cli.given[dest];
        return cli.given[dest] ?? conf.given[dest];
    };
    return {
        problems,
        value: (dest) => {
            const v = pick(dest)?.value ?? ODOO_DEFAULTS[dest];
            // configmanager._parse_config: an empty or "None" module list is Odoo's default.
            if (dest === "server_wide_modules" && (v === "" || v === "None")) return "base,web";
            return v;
        },
        source: (dest) => {
            const g = pick(dest);
            if (g === undefined) return undefined;
            const origin = origins[dest];
            return cli.given[dest] === undefined && origin !== undefined
                ? `${origin} env (${dest} in odoo.conf)`
                : g.source;
        },
    };
}

/** The long option that sets a destination, for messages: `max_cron_threads` → `--max-cron-threads`. */
export function optionOf(dest: string): string {
    return LONG_OF_DEST[dest] ?? dest;
}

/** The official image's `ODOO_RC` (odoo/docker 18.0 Dockerfile: `ENV ODOO_RC /etc/odoo/odoo.conf`). */
export const OFFICIAL_ODOO_RC = "/etc/odoo/odoo.conf";

/** `${A:=${B:=...}}`: the first set, non-empty variable of the chain, else the default. */
function firstSet(e: Readonly<Record<string, string>>, names: readonly string[], fallback: string) {
    for (const n of names) {
        const v = e[n];
        if (v !== undefined && v !== "") return v;
    }
    return fallback;
}

/**
 * What the official image's entrypoint hands Odoo for `odoo <args>` (odoo/docker 18.0
 * entrypoint.sh, 65242a59): the arguments, then `--db_host`, `--db_port`, `--db_user`,
 * `--db_password` from HOST/PORT/USER/PASSWORD (and their fallbacks) unless `$ODOO_RC` has a line
 * `<param> =`. The appended values come last, so they win over the same options in `<args>`.
 */
export function officialEntrypointArgs(
    args: readonly string[],
    environment: Readonly<Record<string, string>>,
    odooRc: string,
): string[] {
    if (args[0] === "scaffold") return [...args];
    const values: [string, string][] = [
        ["db_host", firstSet(environment, ["HOST", "DB_PORT_5432_TCP_ADDR", "PGHOST"], "db")],
        ["db_port", firstSet(environment, ["PORT", "DB_PORT_5432_TCP_PORT", "PGPORT"], "5432")],
        [
            "db_user",
            firstSet(
                environment,
                ["USER", "DB_ENV_POSTGRES_USER", "POSTGRES_USER", "PGUSER"],
                "odoo",
            ),
        ],
        [
            "db_password",
            firstSet(
                environment,
                ["PASSWORD", "DB_ENV_POSTGRES_PASSWORD", "POSTGRES_PASSWORD", "PGPASSWORD"],
                "odoo",
            ),
        ],
    ];
    const out = [...args];
    for (const [param, value] of values) {
        if (!new RegExp(`^\\s*\\b${param}\\b\\s*=`, "m").test(odooRc))
            out.push(`--${param}`, value);
    }
    return out;
}

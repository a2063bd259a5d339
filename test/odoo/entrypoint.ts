/**
 * What the official `odoo:<version>` image's entrypoint does to a container's command before Odoo
 * sees it, for running a source tree exactly as the image would run the same command.
 *
 * Source: odoo/docker, `18.0/entrypoint.sh` (same logic in 17.0 and 19.0) at commit 65242a59
 * "[REF] Odoo 17.0-19.0: handle postgres env variables" (2026-05-12):
 * - `HOST`, `PORT`, `USER`, `PASSWORD` default through `DB_PORT_5432_TCP_ADDR` / `PGHOST` / `db`,
 *   `DB_PORT_5432_TCP_PORT` / `PGPORT` / `5432`, `DB_ENV_POSTGRES_USER` / `POSTGRES_USER` /
 *   `PGUSER` / `odoo`, `DB_ENV_POSTGRES_PASSWORD` / `POSTGRES_PASSWORD` / `PGPASSWORD` / `odoo`
 *   (`: ${HOST:=...}`: an empty value counts as unset); `PASSWORD_FILE`, when set, replaces
 *   `PASSWORD` with that file's content;
 * - each of `db_host`, `db_port`, `db_user`, `db_password` becomes two arguments
 *   `--<param> <value>`, unless the config file (`$ODOO_RC`, /etc/odoo/odoo.conf) has a line
 *   `<param> =` (the script's `grep -E "^\s*\b<param>\b\s*="`);
 * - command `odoo ...` or `-- ...`: the first word is dropped and Odoo runs with the rest, then
 *   the database arguments (`odoo scaffold ...` without them); a command starting with `-`: the
 *   same without dropping anything; anything else runs as given.
 * The version before it (282f5a37, 2024-10-07) passed the four arguments always, with the config
 * file's value when it had one; for an odoo.conf without `db_*` keys (renderOdooConf writes none)
 * both versions give Odoo the same arguments. `wait-for-psql.py` (up to 30 s for the database to
 * answer) is not reproduced: the local cluster answers before any Odoo starts.
 */

/** The container's environment as Docker builds it from `NAME=value` items: the last one wins. */
export function envOf(items: readonly string[]): Record<string, string> {
    const env: Record<string, string> = {};
    for (const item of items) {
        const i = item.indexOf("=");
        if (i <= 0) throw new Error(`container env item ${JSON.stringify(item)} has no name`);
        env[item.slice(0, i)] = item.slice(i + 1);
    }
    return env;
}

/** `${A:=${B:=...}}`: the first set, non-empty variable of the chain, else the default. */
function firstSet(env: Record<string, string>, names: readonly string[], fallback: string) {
    for (const n of names) {
        const v = env[n];
        if (v !== undefined && v !== "") return v;
    }
    return fallback;
}

/** The database arguments the entrypoint appends, given the container env and `$ODOO_RC`. */
export function entrypointDbArgs(
    env: Record<string, string>,
    odooRc: string,
    readFile: (file: string) => string,
): string[] {
    // `PASSWORD="$(< $PASSWORD_FILE)"` comes first: command substitution drops trailing newlines.
    const given =
        env.PASSWORD_FILE === undefined
            ? env
            : { ...env, PASSWORD: readFile(env.PASSWORD_FILE).replace(/\n+$/, "") };
    const password = firstSet(
        given,
        ["PASSWORD", "DB_ENV_POSTGRES_PASSWORD", "POSTGRES_PASSWORD", "PGPASSWORD"],
        "odoo",
    );
    const values: [string, string][] = [
        ["db_host", firstSet(env, ["HOST", "DB_PORT_5432_TCP_ADDR", "PGHOST"], "db")],
        ["db_port", firstSet(env, ["PORT", "DB_PORT_5432_TCP_PORT", "PGPORT"], "5432")],
        [
            "db_user",
            firstSet(env, ["USER", "DB_ENV_POSTGRES_USER", "POSTGRES_USER", "PGUSER"], "odoo"),
        ],
        ["db_password", password],
    ];
    const args: string[] = [];
    for (const [param, value] of values) {
        const inConf = new RegExp(`^\\s*\\b${param}\\b\\s*=`, "m").test(odooRc);
        if (!inConf) args.push(`--${param}`, value);
    }
    return args;
}

/**
 * The process the entrypoint `exec`s for a container command: `["odoo", ...args]` when it runs
 * Odoo, or the command itself when it runs something else.
 */
export function entrypointExec(
    command: readonly string[],
    env: Record<string, string>,
    odooRc: string,
    readFile: (file: string) => string,
): string[] {
    const [first, ...rest] = command;
    if (first === "odoo" || first === "--") {
        if (rest[0] === "scaffold") return ["odoo", ...rest];
        return ["odoo", ...rest, ...entrypointDbArgs(env, odooRc, readFile)];
    }
    if (first !== undefined && first.startsWith("-")) {
        return ["odoo", ...command, ...entrypointDbArgs(env, odooRc, readFile)];
    }
    return [...command];
}

/**
 * Where the workflows' secrets and variables live: the README's table "Which secret lives where"
 * (what people set by hand, and what the program creates), and what the program's GithubWiring
 * really creates in the Odoo repository (the offline staging and prod runs).
 */
import * as fs from "fs";
import * as path from "path";
import { inputsOf } from "./doubles/mock-cloud";
import { ROOT, runStack } from "./helpers";
import { Place, Repository } from "./workflow-harness";

export type RepositoryKind = "platform" | "odoo";

export interface Name {
    readonly name: string;
    readonly optional: boolean;
}

/** One row of the README's table. */
export interface TableRow {
    readonly line: number;
    readonly repository: RepositoryKind;
    /** The environment, or undefined for the repository itself. */
    readonly environment?: string;
    readonly secrets: readonly Name[];
    readonly variables: readonly Name[];
    readonly setBy: string;
    /** The `gh ... set` commands of the row. */
    readonly commands: readonly string[];
    /** The stack whose GithubWiring creates what no command sets, if any. */
    readonly stack?: "staging" | "prod";
    readonly readBy: readonly string[];
}

export const TABLE_HEADING = "**Which secret lives where.**";
const HEADER = "| place | secrets | variables | set by | read by |";

const names = (cell: string): Name[] =>
    [...cell.matchAll(/`([A-Z][A-Z0-9_]*)`( \(optional\))?/g)].map((m) => ({
        name: m[1],
        optional: m[2] !== undefined,
    }));

/** The table's rows; throws, naming the line, on anything it cannot read. */
export function readTable(readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8")) {
    const lines = readme.split("\n");
    const heading = lines.findIndex((l) => l.startsWith(TABLE_HEADING));
    if (heading === -1) throw new Error(`README.md has no ${TABLE_HEADING}`);
    const header = lines.findIndex((l, i) => i > heading && l.startsWith("|"));
    if (lines[header] !== HEADER) {
        throw new Error(`README.md line ${header + 1}: the table's header must be ${HEADER}`);
    }
    const rows: TableRow[] = [];
    for (let i = header + 2; i < lines.length && lines[i].startsWith("|"); i++) {
        const cells = lines[i]
            .split("|")
            .slice(1, -1)
            .map((c) => c.trim());
        const where = `README.md line ${i + 1}`;
        if (cells.length !== 5) throw new Error(`${where}: 5 cells expected`);
        const [place, secrets, variables, setBy, readBy] = cells;
        const m = /^(this|Odoo) repository(?:, environment `([a-z]+)`)?$/.exec(place);
        if (!m) throw new Error(`${where}: unknown place "${place}"`);
        const stack = /the (staging|prod) stack/.exec(setBy)?.[1] as TableRow["stack"];
        rows.push({
            line: i + 1,
            repository: m[1] === "this" ? "platform" : "odoo",
            environment: m[2],
            secrets: names(secrets),
            variables: names(variables),
            setBy,
            commands: [...setBy.matchAll(/`(gh [^`]+)`/g)].map((c) => c[1]),
            stack,
            readBy: [...readBy.matchAll(/`([\w.-]+\.yml)`/g)].map((r) => r[1]),
        });
    }
    return rows;
}

/** Who sets a kind of name of a row: a person (with the command) or a stack's GithubWiring. */
export function setterOf(row: TableRow, kind: "secret" | "variable") {
    const command = row.commands.find((c) => c.startsWith(`gh ${kind} set `));
    return command !== undefined
        ? ({ by: "hand", command } as const)
        : row.stack !== undefined
          ? ({ by: "program", stack: row.stack } as const)
          : undefined;
}

/** What the Odoo repository holds from the program: per place, names and values. */
export interface Wiring {
    readonly repository: { secrets: Record<string, string>; vars: Record<string, string> };
    readonly environments: Record<
        string,
        { secrets: Record<string, string>; vars: Record<string, string> }
    >;
    /** Which stack created each place ("repository" or the environment's name). */
    readonly stackOf: Record<string, "staging" | "prod">;
}

const T = {
    envSecret: "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
    envVariable: "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
    repoVariable: "github:index/actionsVariable:ActionsVariable",
    repoSecret: "github:index/actionsSecret:ActionsSecret",
};

/** The GithubWiring resources of the offline staging and prod runs of the example stacks. */
export async function programWiring(): Promise<Wiring> {
    const out: Wiring = { repository: { secrets: {}, vars: {} }, environments: {}, stackOf: {} };
    for (const stack of ["staging", "prod"] as const) {
        const { resources } = await runStack(stack);
        for (const r of resources) {
            if (!Object.values(T).includes(r.type)) continue;
            const i = inputsOf(r) as Record<string, unknown>;
            const where =
                r.type === T.envSecret || r.type === T.envVariable
                    ? String(i.environment)
                    : undefined;
            const place =
                where === undefined
                    ? out.repository
                    : (out.environments[where] ??= { secrets: {}, vars: {} });
            const key = where ?? "repository";
            if (out.stackOf[key] !== undefined && out.stackOf[key] !== stack) {
                throw new Error(`${key} of the Odoo repository is written by both stacks`);
            }
            out.stackOf[key] = stack;
            const value = typeof i.value === "string" ? i.value : `${stack}-${r.name}`;
            if (r.type === T.envSecret || r.type === T.repoSecret) {
                place.secrets[String(i.secretName)] = value;
            } else {
                place.vars[String(i.variableName)] = value;
            }
        }
    }
    return out;
}

export const PLATFORM = "example/odoo-platform";
export const ODOO = "example/odoo";

/**
 * The file of this repository a caller's `uses:` names: the examples write this repository as
 * `example/odoo-platform` (`uses: example/odoo-platform/.github/workflows/x.yml@main`).
 */
export function platformWorkflow(uses: string): string | undefined {
    const m = /^example\/odoo-platform\/(\.github\/workflows\/[\w.-]+\.yml)@main$/.exec(uses);
    return m ? path.join(ROOT, m[1]) : undefined;
}

/** Where a name in a place comes from, and whether it may stay unset. */
export interface Origin {
    readonly by: "hand" | "program";
    readonly optional: boolean;
}

export interface PlaceNames {
    readonly secrets: Readonly<Record<string, Origin>>;
    readonly vars: Readonly<Record<string, Origin>>;
}

export interface Places {
    readonly repository: PlaceNames;
    readonly environments: Readonly<Record<string, PlaceNames>>;
}

/**
 * The names each place of each repository holds: what the README's table says people set by hand,
 * and, in the Odoo repository, what the program's GithubWiring creates.
 */
export function placesOf(
    rows: readonly TableRow[],
    wiring: Wiring,
): Record<RepositoryKind, Places> {
    const empty = () =>
        ({ secrets: {}, vars: {} }) as {
            secrets: Record<string, Origin>;
            vars: Record<string, Origin>;
        };
    const out = {
        platform: {
            repository: empty(),
            environments: {} as Record<string, ReturnType<typeof empty>>,
        },
        odoo: { repository: empty(), environments: {} as Record<string, ReturnType<typeof empty>> },
    };
    const place = (kind: RepositoryKind, environment: string | undefined) =>
        environment === undefined
            ? out[kind].repository
            : (out[kind].environments[environment] ??= empty());
    for (const row of rows) {
        const p = place(row.repository, row.environment);
        for (const [kind, list, key] of [
            ["secret", row.secrets, "secrets"],
            ["variable", row.variables, "vars"],
        ] as const) {
            if (setterOf(row, kind)?.by !== "hand") continue;
            for (const n of list) p[key][n.name] = { by: "hand", optional: n.optional };
        }
    }
    const program = (names: Record<string, string>) =>
        Object.fromEntries(Object.keys(names).map((n) => [n, { by: "program", optional: false }]));
    const add = (
        p: ReturnType<typeof empty>,
        w: { secrets: Record<string, string>; vars: Record<string, string> },
    ) => {
        Object.assign(p.secrets, program(w.secrets));
        Object.assign(p.vars, program(w.vars));
    };
    add(out.odoo.repository, wiring.repository);
    for (const [e, w] of Object.entries(wiring.environments)) add(place("odoo", e), w);
    return out;
}

/**
 * The two repositories as a run sees them: every name of every place (see placesOf) with a value,
 * from `values`, else the program's for what it creates, else a stand-in `<name>-value`; a name
 * that may stay unset (optional) only when `values` gives it.
 */
export function scenarioRepositories(
    wiring: Wiring,
    values: Record<string, string> = {},
    rows: readonly TableRow[] = readTable(),
): Record<string, Repository> {
    const places = placesOf(rows, wiring);
    const fill = (names: Readonly<Record<string, Origin>>, created: Record<string, string>) =>
        Object.fromEntries(
            Object.entries(names)
                .filter(([n, o]) => !o.optional || n in values)
                .map(([n]) => [n, values[n] ?? created[n] ?? `${n.toLowerCase()}-value`]),
        );
    const repository = (
        kind: RepositoryKind,
        dir: string,
        created: (environment?: string) => {
            secrets: Record<string, string>;
            vars: Record<string, string>;
        },
    ): Repository => {
        const place = (p: PlaceNames, environment?: string): Place => ({
            secrets: fill(p.secrets, created(environment).secrets),
            vars: fill(p.vars, created(environment).vars),
        });
        return {
            dir,
            repository: place(places[kind].repository),
            environments: Object.fromEntries(
                Object.entries(places[kind].environments).map(([e, p]) => [e, place(p, e)]),
            ),
        };
    };
    const none = () => ({ secrets: {}, vars: {} });
    return {
        [PLATFORM]: repository("platform", ROOT, none),
        [ODOO]: repository("odoo", path.join(ROOT, "examples", "odoo-repository"), (e) =>
            e === undefined ? wiring.repository : (wiring.environments[e] ?? none()),
        ),
    };
}

/**
 * GitHub Actions expressions (`${{ ... }}`), as far as this project's workflows use them: the
 * contexts, property access (case-insensitive, a missing property is null), literals, `!`, `==`,
 * `!=`, `<`, `<=`, `>`, `>=`, `&&`, `||` (which return an operand, not a boolean), and the functions
 * success(), failure(), always(), cancelled(), startsWith(), endsWith(), contains(), format(),
 * toJSON(), fromJSON(). Semantics from GitHub's "Evaluate expressions in workflows and actions":
 * loose equality converts to numbers when the types differ, strings compare ignoring case, and a
 * condition without a status function is `success() && (...)`.
 */

export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

export interface Scope {
    /** The contexts by name: github, inputs, needs, steps, env, vars, secrets, job, runner... */
    readonly contexts: Readonly<Record<string, Value>>;
    /** The status functions where they mean something (an `if`); elsewhere they throw. */
    readonly status?: { success(): boolean; failure(): boolean };
}

type Token =
    | { kind: "str"; value: string }
    | { kind: "num"; value: number }
    | { kind: "ident"; value: string }
    | { kind: "op"; value: string };

function tokenize(src: string): Token[] {
    const out: Token[] = [];
    let i = 0;
    while (i < src.length) {
        const c = src[i];
        if (/\s/.test(c)) {
            i++;
        } else if (c === "'") {
            let s = "";
            i++;
            for (;;) {
                if (i >= src.length) throw new Error(`unterminated string in: ${src}`);
                if (src[i] === "'") {
                    if (src[i + 1] === "'") {
                        s += "'";
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                s += src[i++];
            }
            out.push({ kind: "str", value: s });
        } else if (/[0-9]/.test(c) || (c === "-" && /[0-9]/.test(src[i + 1] ?? ""))) {
            const m = /^-?[0-9]+(\.[0-9]+)?/.exec(src.slice(i)) as RegExpExecArray;
            out.push({ kind: "num", value: Number(m[0]) });
            i += m[0].length;
        } else if (/[A-Za-z_]/.test(c)) {
            const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i)) as RegExpExecArray;
            out.push({ kind: "ident", value: m[0] });
            i += m[0].length;
        } else {
            const two = src.slice(i, i + 2);
            if (["==", "!=", "&&", "||", "<=", ">="].includes(two)) {
                out.push({ kind: "op", value: two });
                i += 2;
            } else if ("()[].,!<>*".includes(c)) {
                out.push({ kind: "op", value: c });
                i++;
            } else {
                throw new Error(`unexpected "${c}" in expression: ${src}`);
            }
        }
    }
    return out;
}

type Node =
    | { t: "lit"; v: Value }
    | { t: "ctx"; name: string }
    | { t: "prop"; of: Node; key: Node }
    | { t: "call"; name: string; args: Node[] }
    | { t: "not"; of: Node }
    | { t: "bin"; op: string; l: Node; r: Node };

function parse(src: string): Node {
    const toks = tokenize(src);
    let p = 0;
    const peek = () => toks[p];
    const isOp = (v: string) => peek()?.kind === "op" && peek()?.value === v;
    const expect = (v: string) => {
        if (!isOp(v)) throw new Error(`expected "${v}" in expression: ${src}`);
        p++;
    };
    const binary = (ops: string[], next: () => Node) => (): Node => {
        let l = next();
        while (peek()?.kind === "op" && ops.includes(peek().value as string)) {
            const op = toks[p++].value as string;
            l = { t: "bin", op, l, r: next() };
        }
        return l;
    };
    const primary = (): Node => {
        const tok = toks[p++];
        if (tok === undefined) throw new Error(`unexpected end of expression: ${src}`);
        if (tok.kind === "str" || tok.kind === "num") return { t: "lit", v: tok.value };
        if (tok.kind === "op" && tok.value === "(") {
            const e = or();
            expect(")");
            return e;
        }
        if (tok.kind === "ident") {
            const word = tok.value;
            if (word === "true" || word === "false") return { t: "lit", v: word === "true" };
            if (word === "null") return { t: "lit", v: null };
            if (isOp("(")) {
                p++;
                const args: Node[] = [];
                while (!isOp(")")) {
                    args.push(or());
                    if (!isOp(")")) expect(",");
                }
                p++;
                return { t: "call", name: word.toLowerCase(), args };
            }
            return { t: "ctx", name: word };
        }
        throw new Error(`unexpected "${String(tok.value)}" in expression: ${src}`);
    };
    const postfix = (): Node => {
        let n = primary();
        for (;;) {
            if (isOp(".")) {
                p++;
                const key = toks[p++];
                if (key?.kind !== "ident" && !(key?.kind === "op" && key.value === "*")) {
                    throw new Error(`expected a property name in expression: ${src}`);
                }
                if (key.kind === "op")
                    throw new Error(`object filters (*) are not modelled: ${src}`);
                n = { t: "prop", of: n, key: { t: "lit", v: key.value } };
            } else if (isOp("[")) {
                p++;
                const key = or();
                expect("]");
                n = { t: "prop", of: n, key };
            } else {
                return n;
            }
        }
    };
    const unary = (): Node => {
        if (isOp("!")) {
            p++;
            return { t: "not", of: unary() };
        }
        return postfix();
    };
    const compare = binary(["<", "<=", ">", ">="], unary);
    const equality = binary(["==", "!="], compare);
    const and = binary(["&&"], equality);
    const or = binary(["||"], and);
    const tree = or();
    if (p !== toks.length) throw new Error(`unexpected "${String(peek().value)}" in: ${src}`);
    return tree;
}

export function truthy(v: Value): boolean {
    if (v === null || v === false || v === "" || v === 0) return false;
    if (typeof v === "number" && Number.isNaN(v)) return false;
    return true;
}

function toNumber(v: Value): number {
    if (v === null) return 0;
    if (typeof v === "boolean") return v ? 1 : 0;
    if (typeof v === "number") return v;
    if (typeof v === "string") {
        if (v.trim() === "") return 0;
        const n = Number(v);
        return Number.isNaN(n) ? NaN : n;
    }
    return NaN;
}

function equal(a: Value, b: Value): boolean {
    const kind = (v: Value) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
    if (kind(a) === kind(b)) {
        if (typeof a === "string") return a.toLowerCase() === (b as string).toLowerCase();
        return a === b;
    }
    return toNumber(a) === toNumber(b);
}

/** An expression value as `${{ }}` puts it into a string. */
export function stringify(v: Value): string {
    if (v === null) return "";
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    return JSON.stringify(v, null, 2);
}

function property(of: Value, key: Value): Value {
    if (of === null || typeof of !== "object") return null;
    if (Array.isArray(of)) {
        const i = toNumber(key);
        return Number.isInteger(i) ? (of[i] ?? null) : null;
    }
    const want = stringify(key).toLowerCase();
    const hit = Object.keys(of).find((k) => k.toLowerCase() === want);
    return hit === undefined ? null : of[hit];
}

function evalNode(n: Node, scope: Scope): Value {
    switch (n.t) {
        case "lit":
            return n.v;
        case "ctx": {
            const name = Object.keys(scope.contexts).find(
                (k) => k.toLowerCase() === n.name.toLowerCase(),
            );
            if (name === undefined) throw new Error(`unknown context "${n.name}" here`);
            return scope.contexts[name];
        }
        case "prop":
            return property(evalNode(n.of, scope), evalNode(n.key, scope));
        case "not":
            return !truthy(evalNode(n.of, scope));
        case "bin": {
            const l = evalNode(n.l, scope);
            if (n.op === "&&") return truthy(l) ? evalNode(n.r, scope) : l;
            if (n.op === "||") return truthy(l) ? l : evalNode(n.r, scope);
            const r = evalNode(n.r, scope);
            if (n.op === "==") return equal(l, r);
            if (n.op === "!=") return !equal(l, r);
            const [a, b] = [toNumber(l), toNumber(r)];
            if (n.op === "<") return a < b;
            if (n.op === "<=") return a <= b;
            if (n.op === ">") return a > b;
            return a >= b;
        }
        case "call":
            return call(n.name, n.args, scope);
    }
}

function call(name: string, argNodes: Node[], scope: Scope): Value {
    const status = () => {
        if (scope.status === undefined) throw new Error(`${name}() is only allowed in an if`);
        return scope.status;
    };
    const args = () => argNodes.map((a) => evalNode(a, scope));
    switch (name) {
        case "success":
            return status().success();
        case "failure":
            return status().failure();
        case "always":
            status();
            return true;
        case "cancelled":
            status();
            return false;
        case "startswith": {
            const [s, prefix] = args().map((v) => stringify(v).toLowerCase());
            return s.startsWith(prefix);
        }
        case "endswith": {
            const [s, suffix] = args().map((v) => stringify(v).toLowerCase());
            return s.endsWith(suffix);
        }
        case "contains": {
            const [hay, needle] = args();
            if (Array.isArray(hay)) return hay.some((v) => equal(v, needle));
            return stringify(hay).toLowerCase().includes(stringify(needle).toLowerCase());
        }
        case "format": {
            const [fmt, ...rest] = args();
            return stringify(fmt).replace(/\{(\d+)\}/g, (_, i) => stringify(rest[Number(i)]));
        }
        case "tojson":
            return JSON.stringify(args()[0], null, 2);
        case "fromjson":
            return JSON.parse(stringify(args()[0])) as Value;
        default:
            throw new Error(`function ${name}() is not modelled`);
    }
}

/** Evaluates one expression (the text inside `${{ }}`, or an `if` without it). */
export function evaluate(expression: string, scope: Scope): Value {
    return evalNode(parse(expression), scope);
}

/** The `${{ }}` spans of a text, with the expression inside each. */
function spans(text: string): { start: number; end: number; expr: string }[] {
    const out: { start: number; end: number; expr: string }[] = [];
    let i = text.indexOf("${{");
    while (i !== -1) {
        let j = i + 3;
        let inString = false;
        for (; j < text.length; j++) {
            if (text[j] === "'") inString = !inString;
            else if (!inString && text.startsWith("}}", j)) break;
        }
        if (j >= text.length) throw new Error(`unterminated \${{ in: ${text}`);
        out.push({ start: i, end: j + 2, expr: text.slice(i + 3, j) });
        i = text.indexOf("${{", j + 2);
    }
    return out;
}

/**
 * A workflow value with its expressions evaluated: a string that is exactly one `${{ }}` keeps the
 * expression's type (a `with:` of a boolean input gets a boolean); any other string gets each
 * expression's text; other values stay as they are.
 */
export function resolve(raw: unknown, scope: Scope): Value {
    if (typeof raw !== "string") return (raw ?? null) as Value;
    const found = spans(raw);
    if (found.length === 1 && found[0].start === 0 && found[0].end === raw.length) {
        return evaluate(found[0].expr, scope);
    }
    let out = "";
    let last = 0;
    for (const s of found) {
        out += raw.slice(last, s.start) + stringify(evaluate(s.expr, scope));
        last = s.end;
    }
    return out + raw.slice(last);
}

/** A string with every `${{ }}` replaced by its text. */
export function interpolate(raw: string, scope: Scope): string {
    return stringify(resolve(raw, scope));
}

/** The expressions a workflow value holds: each `${{ }}`, or the whole text of an `if`. */
export function expressionsOf(raw: unknown, isCondition = false): string[] {
    if (typeof raw !== "string") return [];
    const found = spans(raw).map((s) => s.expr);
    return isCondition && found.length === 0 ? [raw] : found;
}

/**
 * An `if:`: the expression with or without `${{ }}`; without a status function it is
 * `success() && (...)`. No `if` is `success()`.
 */
export function condition(raw: unknown, scope: Scope): boolean {
    if (raw === undefined || raw === null) return truthy(evaluate("success()", scope));
    if (typeof raw === "boolean") return raw && truthy(evaluate("success()", scope));
    let text = String(raw).trim();
    const found = spans(text);
    if (found.length === 1 && found[0].start === 0 && found[0].end === text.length) {
        text = found[0].expr;
    }
    const hasStatus = /\b(success|failure|always|cancelled)\s*\(/i.test(text);
    return truthy(evaluate(hasStatus ? text : `success() && (${text})`, scope));
}

/**
 * Every `secrets.X`, `vars.X` and `inputs.X` an expression reads; reading `secrets` or `vars` whole
 * throws (what it reads could not be told).
 */
export function readsOf(expression: string): {
    secrets: string[];
    vars: string[];
    inputs: string[];
} {
    const out = { secrets: new Set<string>(), vars: new Set<string>(), inputs: new Set<string>() };
    const contextOf = (n: Node) =>
        n.t === "ctx" && ["secrets", "vars", "inputs"].includes(n.name.toLowerCase())
            ? (n.name.toLowerCase() as "secrets" | "vars" | "inputs")
            : undefined;
    const walk = (n: Node): void => {
        const ctx = n.t === "prop" ? contextOf(n.of) : undefined;
        if (n.t === "prop" && ctx !== undefined) {
            if (n.key.t !== "lit") throw new Error(`${ctx}[...] is not modelled: ${expression}`);
            out[ctx].add(stringify(n.key.v));
            return;
        }
        const whole = contextOf(n);
        if (whole !== undefined && whole !== "inputs") {
            throw new Error(`reads all of ${whole}: ${expression}`);
        }
        if (n.t === "prop") [n.of, n.key].forEach(walk);
        else if (n.t === "not") walk(n.of);
        else if (n.t === "bin") [n.l, n.r].forEach(walk);
        else if (n.t === "call") n.args.forEach(walk);
    };
    walk(parse(expression));
    const sorted = (set: Set<string>) => [...set].sort();
    return { secrets: sorted(out.secrets), vars: sorted(out.vars), inputs: sorted(out.inputs) };
}

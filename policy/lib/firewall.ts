/** Firewall rules: the ports a rule covers and the addresses it lets in. */
import { NON_PUBLIC, parseRange, reachesWorld } from "./net";

export interface FirewallRule {
    protocol?: string;
    portRange?: string;
    sourceAddresses?: string[];
    destinationAddresses?: string[];
}

/**
 * Whether a rule's port range covers the port: no range, "all" or "0" is every port; a range
 * written backwards covers the ports between its ends; a range the pack cannot read covers every
 * port, so that a spelling never makes a rule look narrower than it is.
 */
export function coversPort(rule: FirewallRule, port: number): boolean {
    const range = (rule.portRange ?? "").trim();
    if (range === "" || range === "all" || range === "0") return true;
    const m = /^(\d+)\s*(?:-\s*(\d+))?$/.exec(range);
    if (m === null) return true;
    const [a, b] = [Number(m[1]), Number(m[2] ?? m[1])];
    return port >= Math.min(a, b) && port <= Math.max(a, b);
}

/**
 * What a list of firewall addresses reaches, judged by the addresses the ranges cover: the
 * families whose whole public space they reach together, the entries that take part in it (those
 * with a public address of such a family), and the entries that are no address at all.
 */
export function worldReach(addresses: readonly string[]): {
    families: (4 | 6)[];
    reaching: string[];
    unreadable: string[];
} {
    const parsed = addresses.map((a) => ({ a, c: parseRange(a) }));
    const ranges = parsed.flatMap(({ c }) => (c === undefined ? [] : [c]));
    const families = reachesWorld(ranges);
    const reaching = parsed
        .filter(({ c }) => c !== undefined && families.includes(c.family))
        .filter(
            ({ c }) =>
                !NON_PUBLIC.some(
                    (n) => n.family === c?.family && n.first <= c.first && c.last <= n.last,
                ),
        )
        .map(({ a }) => a);
    return {
        families,
        reaching,
        unreadable: parsed.filter(({ c }) => c === undefined).map(({ a }) => a),
    };
}

/** "the whole IPv4 internet", "the whole IPv6 internet", or both. */
export function wholeInternet(families: readonly (4 | 6)[]): string {
    return families.length === 2
        ? "the whole internet, IPv4 and IPv6"
        : `the whole IPv${families[0]} internet`;
}

/** Whether a rule is TCP, however its protocol is spelled. */
export function isTcp(rule: FirewallRule): boolean {
    return (rule.protocol ?? "").trim().toLowerCase() === "tcp";
}

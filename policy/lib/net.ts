/**
 * IP ranges judged by the addresses they cover, not by their spelling: parsing (IPv4 and IPv6,
 * RFC 4291 text forms), the canonical spelling (RFC 5952), overlap, and whether a set of ranges
 * together covers another (`0.0.0.0/1` and `128.0.0.0/1` cover the world as `0.0.0.0/0` does).
 * The pack reads firewall rules with it, and the program's config checks its CIDRs with it.
 */

export interface Cidr {
    readonly family: 4 | 6;
    /** First address of the range. */
    readonly first: bigint;
    /** Last address of the range. */
    readonly last: bigint;
    readonly prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

function parseIpv4(text: string): bigint | undefined {
    const parts = text.split(".");
    if (parts.length !== 4) return undefined;
    let value = 0n;
    for (const p of parts) {
        // Leading zeros are refused: some readers take them as octal.
        if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
        value = (value << 8n) | BigInt(p);
    }
    return value;
}

function parseIpv6(text: string): bigint | undefined {
    let head = text;
    let tail = "";
    const double = text.indexOf("::");
    if (double >= 0) {
        if (text.indexOf("::", double + 1) >= 0) return undefined;
        head = text.slice(0, double);
        tail = text.slice(double + 2);
    }
    // An embedded IPv4 address may only end the whole address (RFC 4291 2.2.3).
    const groups = (s: string, last: boolean): number[] | undefined => {
        if (s === "") return [];
        const out: number[] = [];
        const parts = s.split(":");
        for (let i = 0; i < parts.length; i++) {
            const p = parts[i];
            if (last && i === parts.length - 1 && p.includes(".")) {
                const v4 = parseIpv4(p);
                if (v4 === undefined) return undefined;
                out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
            } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
                out.push(parseInt(p, 16));
            } else {
                return undefined;
            }
        }
        return out;
    };
    const h = groups(head, double < 0);
    const t = groups(tail, true);
    if (h === undefined || t === undefined) return undefined;
    const missing = 8 - h.length - t.length;
    if (double >= 0 ? missing < 1 : missing !== 0) return undefined;
    const all = [...h, ...Array<number>(double >= 0 ? missing : 0).fill(0), ...t];
    return all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Parses `a.b.c.d/n` or an IPv6 `x::y/n`; undefined when it is not a CIDR. */
export function parseCidr(text: string): Cidr | undefined {
    const m = /^([^/\s]+)\/(\d{1,3})$/.exec(text);
    if (m === null) return undefined;
    const family: 4 | 6 = m[1].includes(":") ? 6 : 4;
    const prefix = Number(m[2]);
    if (prefix > BITS[family] || (m[2].length > 1 && m[2].startsWith("0"))) return undefined;
    const address = family === 4 ? parseIpv4(m[1]) : parseIpv6(m[1]);
    if (address === undefined) return undefined;
    const hostBits = BigInt(BITS[family] - prefix);
    const first = (address >> hostBits) << hostBits;
    return { family, first, last: first + (1n << hostBits) - 1n, prefix };
}

function formatIpv4(v: bigint): string {
    return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join(".");
}

/** RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups as `::`. */
function formatIpv6(v: bigint): string {
    const groups = Array.from({ length: 8 }, (_, i) =>
        Number((v >> BigInt(112 - 16 * i)) & 0xffffn),
    );
    let bestStart = -1;
    let bestLength = 1;
    for (let i = 0; i < 8;) {
        if (groups[i] !== 0) {
            i++;
            continue;
        }
        let j = i;
        while (j < 8 && groups[j] === 0) j++;
        if (j - i > bestLength) {
            bestStart = i;
            bestLength = j - i;
        }
        i = j;
    }
    const hex = groups.map((g) => g.toString(16));
    if (bestStart < 0) return hex.join(":");
    return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/** The canonical spelling of a range: its network address and prefix. */
export function formatCidr(c: Cidr): string {
    return `${c.family === 4 ? formatIpv4(c.first) : formatIpv6(c.first)}/${c.prefix}`;
}

/**
 * What is wrong with a CIDR as a cloud API stores it: not a CIDR at all, host bits set, or a
 * spelling other than the canonical one (which the provider would normalize, showing a change on
 * every `up`). Undefined when it is fine.
 */
export function cidrProblem(text: string): string | undefined {
    const c = parseCidr(text);
    if (c === undefined) return `"${text}" is not a CIDR such as 203.0.113.7/32 or 2001:db8::/48`;
    const canonical = formatCidr(c);
    if (canonical !== text) {
        const address = text.split("/")[0];
        const parsed = c.family === 4 ? parseIpv4(address) : parseIpv6(address);
        return parsed !== c.first
            ? `"${text}" has host bits set; the network is ${canonical}`
            : `"${text}" is spelled ${canonical} in canonical form`;
    }
    return undefined;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
    return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** Whether the ranges together cover every address of `target` (same family only). */
export function covers(ranges: readonly Cidr[], target: Cidr): boolean {
    const sorted = ranges
        .filter((r) => r.family === target.family && overlaps(r, target))
        .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    let next = target.first;
    for (const r of sorted) {
        if (r.first > next) return false;
        if (r.last >= next) next = r.last + 1n;
        if (next > target.last) return true;
    }
    return next > target.last;
}

/**
 * Ranges that hold no public address. IPv4: RFC 6890's special-purpose blocks that are not
 * globally reachable (this network, RFC 1918, RFC 6598 shared space, loopback, link local, IETF
 * protocol assignments, documentation, benchmarking, multicast and the reserved 240/4). IPv6:
 * everything outside 2000::/3, the only block IANA has allocated for global unicast (the rest is
 * loopback, unspecified, IPv4-mapped, ULA fc00::/7, link local, multicast, or unallocated), and
 * the documentation and benchmarking blocks inside it (IANA IPv6 Address Space and Special-Purpose
 * Address registries).
 */
export const NON_PUBLIC = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/3",
    "::/3",
    "4000::/2",
    "8000::/1",
    "2001:2::/48",
    "2001:db8::/32",
    "3fff::/20",
].map((c) => parseCidr(c) as Cidr);

/** The whole IPv4 and IPv6 address spaces. */
export const WORLD_RANGES = [parseCidr("0.0.0.0/0") as Cidr, parseCidr("::/0") as Cidr];

/**
 * The families (4, 6) in which the ranges together reach every public address, however they are
 * spelled: `0.0.0.0/0`, `0.0.0.0/1` with `128.0.0.0/1`, `2000::/3`, or every public block
 * listed one by one. Ranges that leave out even one public address do not reach the world.
 */
export function reachesWorld(ranges: readonly Cidr[]): (4 | 6)[] {
    return WORLD_RANGES.filter((world) => {
        const family = ranges.filter((r) => r.family === world.family);
        const withPrivate = [...family, ...NON_PUBLIC.filter((n) => n.family === world.family)];
        return family.length > 0 && covers(withPrivate, world);
    }).map((w) => w.family);
}

/**
 * A firewall source or destination, read leniently so that a spelling never makes a range look
 * narrower than it is: a CIDR or a bare address (one address), surrounding blanks and leading
 * zeros in the prefix length (`/00` is `/0`) ignored. Undefined when it is no address at all.
 */
export function parseRange(text: string): Cidr | undefined {
    const t = text.trim();
    const m = /^([^/\s]+)(?:\/(\d{1,3}))?$/.exec(t);
    if (m === null) return undefined;
    const family: 4 | 6 = m[1].includes(":") ? 6 : 4;
    const prefix = m[2] === undefined ? BITS[family] : Number(m[2]);
    return parseCidr(`${m[1]}/${prefix}`);
}

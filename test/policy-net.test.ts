/**
 * policy/lib/net.ts, directly: address ranges judged by the addresses they cover (IPv4 and IPv6 in
 * every RFC 4291 text form), their canonical spelling (RFC 5952), and whether ranges together reach
 * every public address of a family.
 */
import { strict as assert } from "assert";
import {
    Cidr,
    NON_PUBLIC,
    cidrProblem,
    covers,
    formatCidr,
    parseCidr,
    parseRange,
    reachesWorld,
} from "../policy/lib/net";

const cidr = (text: string) => {
    const c = parseCidr(text);
    assert.ok(c, `${text} should parse`);
    return c;
};
const V4 = (a: number, b: number, c: number, d: number) =>
    (BigInt(a) << 24n) | (BigInt(b) << 16n) | (BigInt(c) << 8n) | BigInt(d);

describe("policy/net: parseCidr", () => {
    const table: [string, { family: 4 | 6; first: bigint; prefix: number } | undefined][] = [
        ["0.0.0.0/0", { family: 4, first: 0n, prefix: 0 }],
        ["192.168.1.0/24", { family: 4, first: V4(192, 168, 1, 0), prefix: 24 }],
        ["10.1.2.3/8", { family: 4, first: V4(10, 0, 0, 0), prefix: 8 }],
        ["8.8.8.8/0", { family: 4, first: 0n, prefix: 0 }],
        ["203.0.113.7/32", { family: 4, first: V4(203, 0, 113, 7), prefix: 32 }],
        ["::/0", { family: 6, first: 0n, prefix: 0 }],
        ["0:0:0:0:0:0:0:0/0", { family: 6, first: 0n, prefix: 0 }],
        ["2001:db8::/32", { family: 6, first: 0x20010db8n << 96n, prefix: 32 }],
        ["2001:DB8:0:0:0:0:0:0/32", { family: 6, first: 0x20010db8n << 96n, prefix: 32 }],
        ["2001:0db8:0000::/32", { family: 6, first: 0x20010db8n << 96n, prefix: 32 }],
        ["2001:db8::1/32", { family: 6, first: 0x20010db8n << 96n, prefix: 32 }],
        [
            "::ffff:192.0.2.1/128",
            { family: 6, first: (0xffffn << 32n) | V4(192, 0, 2, 1), prefix: 128 },
        ],
        [
            "::ffff:c000:201/128",
            { family: 6, first: (0xffffn << 32n) | V4(192, 0, 2, 1), prefix: 128 },
        ],
        [
            "1:2:3:4:5:6:1.2.3.4/128",
            { family: 6, first: (0x0001000200030004000500060102n << 16n) | 0x0304n, prefix: 128 },
        ],
        ["8000::/1", { family: 6, first: 1n << 127n, prefix: 1 }],
        // not ranges
        ["1.2.3.4", undefined],
        ["256.0.0.0/8", undefined],
        ["01.2.3.4/8", undefined],
        ["1.2.3/8", undefined],
        ["1.2.3.4/33", undefined],
        ["1.2.3.4/08", undefined],
        ["1.2.3.4/-1", undefined],
        ["2001:db8::/129", undefined],
        ["1::2::3/64", undefined],
        [":::/0", undefined],
        [":/0", undefined],
        ["1:2:3:4:5:6:7:8::/64", undefined],
        ["1:2:3:4:5:6:7:8:9/64", undefined],
        ["1:2:3:4:5:6:7:1.2.3.4/128", undefined],
        ["12345::/16", undefined],
        ["1.2.3.4::/64", undefined],
        ["1.2.3.4::1/64", undefined],
        ["::1.2.3.4:5/128", undefined],
        ["fe80::1%eth0/64", undefined],
        [" 0.0.0.0/0", undefined],
        ["", undefined],
    ];
    for (const [text, want] of table) {
        it(`${JSON.stringify(text)} → ${want === undefined ? "not a range" : `IPv${want.family} /${want.prefix}`}`, () => {
            const got = parseCidr(text);
            if (want === undefined) return assert.equal(got, undefined);
            assert.ok(got);
            assert.deepEqual({ family: got.family, first: got.first, prefix: got.prefix }, want);
            assert.equal(
                got.last - got.first + 1n,
                1n << BigInt((want.family === 4 ? 32 : 128) - want.prefix),
            );
        });
    }
});

describe("policy/net: parseRange, as a firewall reads its sources", () => {
    const table: [string, string | undefined][] = [
        ["0.0.0.0/0", "0.0.0.0/0"],
        [" 0.0.0.0/0 ", "0.0.0.0/0"],
        ["0.0.0.0/00", "0.0.0.0/0"],
        ["203.0.113.7", "203.0.113.7/32"],
        ["2001:db8::1", "2001:db8::1/128"],
        ["::", "::/128"],
        ["office", undefined],
        ["1.2.3.4/33", undefined],
    ];
    for (const [text, want] of table) {
        it(`${JSON.stringify(text)} → ${String(want)}`, () => {
            const got = parseRange(text);
            assert.equal(got === undefined ? undefined : formatCidr(got), want);
        });
    }
});

describe("policy/net: canonical spelling (RFC 5952)", () => {
    const table: [string, string][] = [
        ["2001:0db8:0000:0000:0000:0000:0000:0000/32", "2001:db8::/32"],
        ["2001:DB8:0:1:0:0:0:0/64", "2001:db8:0:1::/64"],
        ["2001:0:0:1:0:0:0:1/128", "2001:0:0:1::1/128"],
        ["2001:db8:0:0:1:0:0:1/128", "2001:db8::1:0:0:1/128"],
        ["1:0:2:3:4:5:6:7/128", "1:0:2:3:4:5:6:7/128"],
        ["0:0:0:0:0:0:0:1/128", "::1/128"],
        ["10.1.2.3/8", "10.0.0.0/8"],
    ];
    for (const [text, want] of table) {
        it(`${text} is spelled ${want}`, () => assert.equal(formatCidr(cidr(text)), want));
    }
    it("says what is wrong with a spelling", () => {
        assert.equal(cidrProblem("10.0.0.0/8"), undefined);
        assert.match(
            String(cidrProblem("10.1.2.3/8")),
            /has host bits set; the network is 10\.0\.0\.0\/8/,
        );
        assert.match(
            String(cidrProblem("2001:DB8::/32")),
            /is spelled 2001:db8::\/32 in canonical form/,
        );
        assert.match(String(cidrProblem("1.2.3.4")), /is not a CIDR/);
    });
});

describe("policy/net: coverage", () => {
    const all = (...texts: string[]) => texts.map(cidr);
    it("judges ranges together, not one by one", () => {
        assert.equal(covers(all("0.0.0.0/1", "128.0.0.0/1"), cidr("0.0.0.0/0")), true);
        assert.equal(covers(all("0.0.0.0/1", "128.0.0.0/2"), cidr("0.0.0.0/0")), false);
        assert.equal(covers(all("10.0.0.0/8", "10.128.0.0/9"), cidr("10.0.0.0/8")), true);
        assert.equal(covers(all("8.0.0.0/6"), cidr("10.0.0.0/8")), true, "a range starting before");
        assert.equal(covers(all("::/0"), cidr("0.0.0.0/0")), false, "another family");
        assert.equal(covers([], cidr("10.0.0.0/8")), false);
    });

    /** Every address of a family outside the given ranges, as CIDRs (a plain bit walk). */
    function complement(family: 4 | 6, holes: readonly Cidr[]): Cidr[] {
        const bits = family === 4 ? 32 : 128;
        const out: Cidr[] = [];
        const sorted = holes
            .filter((h) => h.family === family)
            .sort((a, b) => (a.first < b.first ? -1 : 1));
        let next = 0n;
        const end = (1n << BigInt(bits)) - 1n;
        const emit = (from: bigint, to: bigint) => {
            while (from <= to) {
                let size = 0;
                while (
                    size < bits &&
                    from % (1n << BigInt(size + 1)) === 0n &&
                    from + (1n << BigInt(size + 1)) - 1n <= to
                )
                    size++;
                out.push({
                    family,
                    first: from,
                    last: from + (1n << BigInt(size)) - 1n,
                    prefix: bits - size,
                });
                from += 1n << BigInt(size);
            }
        };
        for (const h of sorted) {
            if (h.first > next) emit(next, h.first - 1n);
            if (h.last + 1n > next) next = h.last + 1n;
        }
        if (next <= end) emit(next, end);
        return out;
    }

    const cases: [string, string[] | Cidr[], (4 | 6)[]][] = [
        ["0.0.0.0/0", ["0.0.0.0/0"], [4]],
        ["::/0 and 0.0.0.0/0", ["0.0.0.0/0", "::/0"], [4, 6]],
        ["0.0.0.0/1 + 128.0.0.0/1", ["0.0.0.0/1", "128.0.0.0/1"], [4]],
        ["::/1 + 8000::/1", ["::/1", "8000::/1"], [6]],
        ["2000::/3, all of global unicast IPv6", ["2000::/3"], [6]],
        ["::/1, which holds 2000::/3", ["::/1"], [6]],
        ["2000::/4, half of it", ["2000::/4"], []],
        ["8000::/1 alone", ["8000::/1"], []],
        ["every public IPv4 range without the private ones", complement(4, NON_PUBLIC), [4]],
        ["every public IPv6 range without the private ones", complement(6, NON_PUBLIC), [6]],
        ["the world but one public address", complement(4, [cidr("8.8.8.8/32")]), []],
        ["private ranges only", ["10.0.0.0/8", "192.168.0.0/16", "fc00::/7"], []],
        ["one office", ["198.51.100.0/24", "2001:db8:1::/48"], []],
        ["nothing", [], []],
    ];
    for (const [title, ranges, want] of cases) {
        it(`${title} reaches the world of ${want.length ? want.map((f) => `IPv${f}`).join(" and ") : "no family"}`, () => {
            const rs = ranges.map((r) => (typeof r === "string" ? cidr(r) : r));
            assert.deepEqual(reachesWorld(rs), want);
        });
    }
});

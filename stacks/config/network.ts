/**
 * The VPC range of a stack. DigitalOcean takes an RFC 1918 IPv4 range of /16 to /28 and refuses
 * one that overlaps any other network of the account (OpenAPI `vpc_create.ip_range`), the default
 * VPCs of its regions included; some ranges it keeps for itself.
 */
import { Cidr, cidrProblem, formatCidr, overlaps, parseCidr } from "../../policy/lib/net";

const PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((c) => parseCidr(c) as Cidr);

/** Ranges a VPC of the platform must stay clear of, with why. */
export const RESERVED_RANGES: readonly { range: string; why: string }[] = [
    { range: "10.229.0.0/16", why: "DigitalOcean refuses it in every region (since 2025-03)" },
    { range: "10.244.0.0/16", why: "DigitalOcean Kubernetes uses it for pods" },
    { range: "10.245.0.0/16", why: "DigitalOcean Kubernetes uses it for services" },
    { range: "10.246.0.0/24", why: "DigitalOcean Kubernetes keeps it" },
    { range: "172.17.0.0/16", why: "Docker's default bridge on the host uses it" },
];

/** What is wrong with a VPC range, or undefined. */
export function vpcRangeProblem(text: string): string | undefined {
    const spelling = cidrProblem(text);
    if (spelling !== undefined) return `must be an IPv4 range such as 10.60.0.0/20: ${spelling}`;
    const c = parseCidr(text) as Cidr;
    if (c.family !== 4 || !PRIVATE.some((p) => p.first <= c.first && c.last <= p.last)) {
        return "must lie in a private IPv4 range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)";
    }
    if (c.prefix < 16 || c.prefix > 28) {
        return `must be /16 to /28 (DigitalOcean's VPC sizes), got /${c.prefix}`;
    }
    for (const r of RESERVED_RANGES) {
        const reserved = parseCidr(r.range) as Cidr;
        if (overlaps(c, reserved)) return `overlaps ${r.range}: ${r.why}`;
    }
    return undefined;
}

/** Whether two IPv4 ranges share an address; false when either is not a range. */
export function rangesOverlap(a: string, b: string): boolean {
    const x = parseCidr(a);
    const y = parseCidr(b);
    return x !== undefined && y !== undefined && overlaps(x, y);
}

export { formatCidr };

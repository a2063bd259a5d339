import { StackValidationPolicy } from "@pulumi/policy";
import { T } from "./lib";

/**
 * Cloudflare's permission groups the Traefik token may hold, by id (the ids are Cloudflare's own,
 * the same in every account: GET /accounts/{id}/tokens/permission_groups).
 */
export const DNS_TOKEN_GROUPS: Readonly<Record<string, string>> = {
    "4755a26eedb94da69e1066d98aa820be": "DNS Write",
    c8fed203ed3043cba015a93ad1616f1f: "Zone Read",
};
const DNS_WRITE = "4755a26eedb94da69e1066d98aa820be";

const ZONE_PREFIX = "com.cloudflare.api.account.zone.";

interface TokenPolicy {
    effect?: string;
    permissionGroups?: { id?: string }[];
    resources?: string;
}

/**
 * The token Traefik holds on the host answers DNS-01 challenges: it needs to write DNS records in
 * the stack's zone and nothing more. A token for the account, for every zone or with more
 * permissions lets whoever reads the host's environment take over every domain of the account.
 */
export const exposureDnsTokenScope: StackValidationPolicy = {
    name: "exposure-dns-token-scope",
    description:
        "A Cloudflare API token the stack creates allows DNS Write (and Zone Read) on exactly one " +
        "zone, the stack's own: no other permission group, no account-wide or every-zone resource, " +
        "no second zone.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const zones = new Set(
            args.resources
                .filter((r) => r.type === T.dnsRecord)
                .map((r) => r.props.zoneId)
                .filter((z): z is string => typeof z === "string"),
        );
        const own = zones.size === 1 ? [...zones][0] : undefined;
        for (const r of args.resources.filter((x) => x.type === T.apiToken)) {
            const who = `API token "${r.name}"`;
            const report = (m: string) => reportViolation(`${who} ${m}`, r.urn);
            const granted = new Set<string>();
            const covered = new Set<string>();
            // Deny policies only take away; what a token can do is what its allow policies grant.
            for (const p of ((r.props.policies ?? []) as TokenPolicy[]).filter(
                (x) => x.effect !== "deny",
            )) {
                for (const g of p.permissionGroups ?? []) {
                    const id = String(g.id);
                    granted.add(id);
                    if (DNS_TOKEN_GROUPS[id] === undefined) {
                        report(
                            `grants permission group ${id}, which is neither DNS Write nor Zone ` +
                                "Read; Traefik's DNS-01 challenge needs nothing else.",
                        );
                    }
                }
                let resources: Record<string, unknown>;
                try {
                    resources = JSON.parse(String(p.resources)) as Record<string, unknown>;
                } catch {
                    report(
                        "has resources that are no JSON object; the pack cannot tell its reach.",
                    );
                    continue;
                }
                for (const [key, value] of Object.entries(resources)) {
                    if (key === `${ZONE_PREFIX}*`) {
                        report(`reaches ${key}, every zone; name the stack's zone only.`);
                    } else if (key.startsWith(ZONE_PREFIX) && value === "*") {
                        covered.add(key.slice(ZONE_PREFIX.length));
                    } else if (key.startsWith("com.cloudflare.api.account.")) {
                        report(`reaches ${key}, account-wide; name the stack's zone only.`);
                    } else {
                        report(
                            `reaches ${key}, which is no single zone; name the stack's zone only.`,
                        );
                    }
                }
            }
            const list = [...covered];
            if (list.length > 1) {
                report(
                    `covers ${list.length} zones (${list.join(", ")}); it must cover this stack's ` +
                        `zone ${own ?? "(the one its records are in)"} only.`,
                );
            } else if (list.length === 1 && own !== undefined && list[0] !== own) {
                report(
                    `covers zone ${list[0]}; it must cover this stack's zone ${own} only (the ` +
                        "zone of its DNS records).",
                );
            }
            if (list.length > 0 && !granted.has(DNS_WRITE)) {
                report(
                    `grants no DNS Write on zone ${list.join(", ")}; Traefik cannot answer DNS-01.`,
                );
            }
        }
    },
};

import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";

export interface DnsRecordSpec {
    /** Name relative to the zone: `erp`, `staging`, `*.dev`, `mail.dev`. */
    readonly name: string;
    /**
     * Orange-cloud the record. Only first-level names may be proxied: Cloudflare's free edge
     * certificate covers `*.<domain>`, not `pr-42.dev.<domain>`.
     */
    readonly proxied: boolean;
}

export interface WildcardDnsArgs {
    /** Cloudflare zone id of `domain`. */
    readonly zoneId: pulumi.Input<string>;
    /** Apex domain of the zone, e.g. `example.com`. */
    readonly domain: string;
    /** What every record points at: the host's reserved IP (A) or the app's hostname (CNAME). */
    readonly target: pulumi.Input<string>;
    /** @default "A" */
    readonly targetType?: "A" | "CNAME";
    /**
     * Create the zone-scoped token for Traefik's DNS-01 challenge (droplet runtime). App Platform
     * issues its own certificates. @default true
     */
    readonly issueToken?: boolean;
    readonly records: readonly DnsRecordSpec[];
    /**
     * Set the zone's TLS settings (SSL Full (strict), HTTPS only, TLS 1.2+). Zone settings are
     * shared by every stack on the zone, so exactly one stack (production) owns them.
     * @default false
     */
    readonly manageZoneSettings?: boolean;
}

/** Permission groups the Traefik token needs, looked up by name rather than hard-coded ids. */
export const TOKEN_PERMISSIONS = ["DNS Write", "Zone Read"] as const;

/** Checks a record name and says why it cannot work, before Cloudflare is called. */
export function dnsRecordProblems(r: DnsRecordSpec): string[] {
    const problems: string[] = [];
    if (!/^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(r.name)) {
        problems.push(`record "${r.name}" is not a valid relative name`);
    }
    if (r.proxied && r.name.split(".").length > 1) {
        problems.push(
            `record "${r.name}" is two levels deep and cannot be proxied: the free edge ` +
                "certificate covers one level only; make it DNS-only",
        );
    }
    return problems;
}

/**
 * Cloudflare records for an environment's host names, the zone's TLS settings (owner stack only),
 * and a Cloudflare API token scoped to this one zone with DNS edit, for Traefik's DNS-01 challenge.
 */
export class WildcardDns extends pulumi.ComponentResource {
    public readonly records: cloudflare.DnsRecord[];
    /** Fully qualified host names, in record order. */
    public readonly hostnames: string[];
    /** The scoped API token's value (secret); absent without `issueToken`. */
    public readonly apiToken?: pulumi.Output<string>;

    constructor(name: string, args: WildcardDnsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("odoo-platform:dns:WildcardDns", name, {}, opts);
        const child = { parent: this };
        const problems = args.records.flatMap(dnsRecordProblems);
        if (problems.length > 0) throw new Error(`${name}: ${problems.join("; ")}`);

        this.hostnames = args.records.map((r) => `${r.name}.${args.domain}`);
        // A record's child name is its host name: stable, and independent of list order.
        this.records = args.records.map(
            (r, i) =>
                new cloudflare.DnsRecord(
                    `${name}-${r.name.replace("*", "wildcard")}`,
                    {
                        zoneId: args.zoneId,
                        name: this.hostnames[i],
                        type: args.targetType ?? "A",
                        content: args.target,
                        proxied: r.proxied,
                        // 1 is "automatic", the only TTL Cloudflare accepts on proxied records.
                        ttl: r.proxied ? 1 : 300,
                        comment: "managed by odoo-platform",
                    },
                    // A record changing type (A for a droplet, CNAME for an app) is replaced;
                    // Cloudflare holds one A/CNAME per name, so the old one goes first.
                    { ...child, deleteBeforeReplace: true },
                ),
        );

        if (args.manageZoneSettings === true) {
            const settings: Record<string, string> = {
                ssl: "strict",
                always_use_https: "on",
                min_tls_version: "1.2",
            };
            for (const [settingId, value] of Object.entries(settings)) {
                new cloudflare.ZoneSetting(
                    `${name}-${settingId.replace(/_/g, "-")}`,
                    { zoneId: args.zoneId, settingId, value },
                    child,
                );
            }
        }

        if (args.issueToken === false) {
            this.registerOutputs({ hostnames: this.hostnames });
            return;
        }
        // The zone-scoped groups, picked by exact name here: the data source's `name` filter
        // "must be URL-encoded" (its docs), and whether the provider encodes it again is not
        // said; a filter that matched nothing would fail every preview.
        const zoneGroups = cloudflare.getApiTokenPermissionGroupsListOutput(
            { scope: "com.cloudflare.api.account.zone" },
            child,
        );
        const groups = TOKEN_PERMISSIONS.map((perm) =>
            zoneGroups.apply((r) => {
                const hit = r.results.find((g) => g.name === perm);
                if (hit === undefined) throw new Error(`Cloudflare has no "${perm}" group`);
                return { id: hit.id };
            }),
        );
        const token = new cloudflare.ApiToken(
            `${name}-traefik-token`,
            {
                name: `odoo-platform ${name} traefik dns-01`,
                policies: [
                    {
                        effect: "allow",
                        permissionGroups: groups,
                        resources: pulumi
                            .output(args.zoneId)
                            .apply((z) =>
                                JSON.stringify({ [`com.cloudflare.api.account.zone.${z}`]: "*" }),
                            ),
                    },
                ],
            },
            { parent: this, additionalSecretOutputs: ["value"] },
        );
        this.apiToken = pulumi.secret(token.value);

        this.registerOutputs({ hostnames: this.hostnames });
    }
}

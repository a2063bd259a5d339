/**
 * Monthly cost estimate from DigitalOcean list prices (USD, checked 2026-11). Cloudflare's free
 * plan and DigitalOcean's monitoring and uptime checks cost nothing.
 */
import {
    APP_INSTANCE_PRICES,
    DATABASE_NODE_PRICES,
    DROPLET_PRICES,
    RESERVED_IP_ASSIGNED,
    SPACES_MONTHLY,
    VOLUME_PER_GB,
} from "../stacks/prices";
import { RecordedResource, inputsOf } from "../test/doubles/mock-cloud";

export interface CostItem {
    readonly resource: string;
    readonly description: string;
    readonly monthlyUsd: number;
}

export interface CostEstimate {
    readonly monthlyUsd: number;
    readonly items: CostItem[];
    /** What the estimate leaves out for want of a list price (stacks/prices.ts), named. */
    readonly unpriced: string[];
}

const round = (n: number) => Math.round(n * 100) / 100;

export function estimateCost(resources: readonly RecordedResource[]): CostEstimate {
    const items: CostItem[] = [];
    const unpriced: string[] = [];
    let spaces = false;
    for (const r of resources) {
        const i = inputsOf(r);
        switch (r.type) {
            case "digitalocean:index/droplet:Droplet": {
                const size = String(i["size"]);
                const price = DROPLET_PRICES[size];
                if (price === undefined) {
                    unpriced.push(`droplet ${size}`);
                    break;
                }
                items.push({ resource: r.name, description: `droplet ${size}`, monthlyUsd: price });
                break;
            }
            case "digitalocean:index/volume:Volume": {
                const gb = Number(i["size"]);
                items.push({
                    resource: r.name,
                    description: `volume ${gb} GB`,
                    monthlyUsd: round(gb * VOLUME_PER_GB),
                });
                break;
            }
            case "digitalocean:index/reservedIp:ReservedIp":
                items.push({
                    resource: r.name,
                    description: "reserved IP (assigned)",
                    monthlyUsd: RESERVED_IP_ASSIGNED,
                });
                break;
            case "digitalocean:index/spacesBucket:SpacesBucket":
                if (!spaces) {
                    items.push({
                        resource: r.name,
                        description: "Spaces subscription (250 GiB, 1 TiB transfer)",
                        monthlyUsd: SPACES_MONTHLY,
                    });
                    spaces = true;
                }
                break;
            case "digitalocean:index/databaseCluster:DatabaseCluster": {
                const size = String(i["size"]);
                const nodes = Number(i["nodeCount"] ?? 1);
                const price = DATABASE_NODE_PRICES[size];
                const engine = i["engine"] === "valkey" ? "Valkey" : "PostgreSQL";
                if (price === undefined) {
                    unpriced.push(`managed ${engine} ${size} x${nodes}`);
                    break;
                }
                items.push({
                    resource: r.name,
                    description: `managed ${engine} ${size} x${nodes}`,
                    monthlyUsd: price * nodes,
                });
                break;
            }
            case "digitalocean:index/app:App": {
                const spec = (i["spec"] ?? {}) as Record<string, unknown>;
                const running = [
                    ...((spec["services"] ?? []) as Record<string, unknown>[]),
                    ...((spec["workers"] ?? []) as Record<string, unknown>[]),
                ];
                for (const c of running) {
                    const size = String(c["instanceSizeSlug"]);
                    const count = Number(c["instanceCount"] ?? 1);
                    const price = APP_INSTANCE_PRICES[size];
                    if (price === undefined) {
                        unpriced.push(`App Platform ${String(c["name"])} ${size} x${count}`);
                        continue;
                    }
                    items.push({
                        resource: `${r.name}/${String(c["name"])}`,
                        description: `App Platform ${String(c["name"])} ${size} x${count}`,
                        monthlyUsd: price * count,
                    });
                }
                break;
            }
            default:
                break;
        }
    }
    return { monthlyUsd: round(items.reduce((s, x) => s + x.monthlyUsd, 0)), items, unpriced };
}

/**
 * DigitalOcean list prices (USD per month, checked 2026-11), used by the cost estimate of the
 * offline preview and by the staging stack to state what one preview environment costs.
 */
export const DROPLET_PRICES: Readonly<Record<string, number>> = {
    "s-1vcpu-512mb-10gb": 4,
    "s-1vcpu-1gb": 6,
    "s-1vcpu-2gb": 12,
    "s-2vcpu-2gb": 18,
    "s-2vcpu-4gb": 24,
    "s-4vcpu-8gb": 48,
    "s-8vcpu-16gb": 96,
    "g-2vcpu-8gb": 63,
    "g-4vcpu-16gb": 126,
    "c-2": 42,
    "c-4": 84,
    "m-2vcpu-16gb": 84,
};
export const VOLUME_PER_GB = 0.1;
/** Spaces subscription: 250 GiB storage and 1 TiB transfer included. */
export const SPACES_MONTHLY = 5;
/** A reserved IP is free while assigned to a droplet. */
export const RESERVED_IP_ASSIGNED = 0;
/** Managed PostgreSQL and Valkey nodes; a standby node costs as much as the primary. */
export const DATABASE_NODE_PRICES: Readonly<Record<string, number>> = {
    "db-s-1vcpu-1gb": 15,
    "db-s-1vcpu-2gb": 30,
    "db-s-2vcpu-4gb": 60,
    "db-s-4vcpu-8gb": 120,
};
/** App Platform container sizes, per instance and month; jobs bill by the second (not counted). */
export const APP_INSTANCE_PRICES: Readonly<Record<string, number>> = {
    "apps-s-1vcpu-1gb": 12,
    "apps-s-1vcpu-2gb": 25,
    "apps-s-2vcpu-4gb": 50,
    "apps-d-1vcpu-2gb": 39,
    "apps-d-1vcpu-4gb": 49,
    "apps-d-2vcpu-4gb": 78,
    "apps-d-2vcpu-8gb": 98,
    "apps-d-4vcpu-8gb": 156,
    "apps-d-4vcpu-16gb": 196,
    "apps-d-8vcpu-32gb": 392,
};

/** Memory of a droplet size in MB, read from its slug (`s-2vcpu-4gb` → 4096). */
export function dropletMemoryMb(size: string): number | undefined {
    const m = /-(\d+)gb(-|$)/.exec(size);
    return m ? Number(m[1]) * 1024 : undefined;
}

/**
 * Monthly cost of one preview environment: its memory limit's share of the dev host's droplet
 * (memory is what limits how many fit). Undefined for a size without a list price.
 */
export function previewShareUsd(size: string, memoryMb: number): number | undefined {
    const price = DROPLET_PRICES[size];
    const total = dropletMemoryMb(size);
    if (price === undefined || total === undefined) return undefined;
    return Math.round(((price * memoryMb) / total) * 100) / 100;
}

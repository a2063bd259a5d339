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

/**
 * Droplet sizes DigitalOcean offers (slugs of the OpenAPI spec's size examples and `doctl compute
 * size list`), with vCPUs and memory. Basic sizes also come as `-amd` and `-intel` (premium CPUs,
 * same memory). CPU-optimized `c-<n>` slugs do not encode memory: 2 GB per vCPU.
 */
const SIZE_FAMILIES: Readonly<Record<string, readonly [number, number][]>> = {
    s: [
        [1, 1],
        [1, 2],
        [2, 2],
        [2, 4],
        [4, 8],
        [6, 16],
        [8, 16],
        [8, 32],
        [12, 48],
        [16, 64],
        [20, 96],
        [24, 128],
        [32, 192],
    ],
    g: [
        [2, 8],
        [4, 16],
        [8, 32],
        [16, 64],
        [32, 128],
        [40, 160],
    ],
    m: [
        [2, 16],
        [4, 32],
        [8, 64],
        [16, 128],
        [24, 192],
        [32, 256],
    ],
    so1_5: [
        [2, 16],
        [4, 32],
        [8, 64],
        [16, 128],
        [24, 192],
        [32, 256],
    ],
};

export interface DropletSize {
    readonly vcpus: number;
    readonly memoryMb: number;
}

function buildSizes(): Record<string, DropletSize> {
    const out: Record<string, DropletSize> = {
        "s-1vcpu-512mb-10gb": { vcpus: 1, memoryMb: 512 },
    };
    const add = (slug: string, vcpus: number, gb: number) => {
        out[slug] = { vcpus, memoryMb: gb * 1024 };
    };
    for (const [family, sizes] of Object.entries(SIZE_FAMILIES)) {
        const prefixes =
            family === "g" ? ["g", "gd"] : family === "m" ? ["m", "m3", "m6"] : [family];
        for (const [vcpus, gb] of sizes) {
            for (const prefix of prefixes) {
                const slug = `${prefix}-${vcpus}vcpu-${gb}gb`;
                add(slug, vcpus, gb);
                if (prefix === "s") {
                    add(`${slug}-amd`, vcpus, gb);
                    add(`${slug}-intel`, vcpus, gb);
                }
                if (prefix === "gd" || prefix === "so1_5") add(`${slug}-intel`, vcpus, gb);
            }
        }
    }
    for (const n of [2, 4, 8, 16, 32, 48]) add(`c-${n}`, n, n * 2);
    return out;
}

export const DROPLET_SIZES: Readonly<Record<string, DropletSize>> = buildSizes();

/** Memory of a droplet size in MB; undefined for a slug DigitalOcean does not offer. */
export function dropletMemoryMb(size: string): number | undefined {
    return DROPLET_SIZES[size]?.memoryMb;
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

/**
 * DigitalOcean list prices (USD per month, checked 2026-11), used by the cost estimate of the
 * offline preview and by the staging stack to state what one preview environment costs.
 */
import { DropletSlug } from "@pulumi/digitalocean/types/enums";

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
/**
 * Node sizes of DigitalOcean's managed databases (PostgreSQL and Valkey): the basic `db-s-*`
 * sizes (the provider's DatabaseSlug enum) and the general-purpose `gd-*`, storage-optimized
 * `so1_5-*` and memory-optimized `m-*` ones the databases API lists.
 */
export const DATABASE_SIZES = [
    "db-s-1vcpu-1gb",
    "db-s-1vcpu-2gb",
    "db-s-2vcpu-4gb",
    "db-s-4vcpu-8gb",
    "db-s-6vcpu-16gb",
    "db-s-8vcpu-32gb",
    "db-s-16vcpu-64gb",
    "gd-2vcpu-8gb",
    "gd-4vcpu-16gb",
    "gd-8vcpu-32gb",
    "gd-16vcpu-64gb",
    "gd-32vcpu-128gb",
    "gd-40vcpu-160gb",
    "so1_5-2vcpu-16gb",
    "so1_5-4vcpu-32gb",
    "so1_5-8vcpu-64gb",
    "so1_5-16vcpu-128gb",
    "so1_5-24vcpu-192gb",
    "so1_5-32vcpu-256gb",
    "m-2vcpu-16gb",
    "m-4vcpu-32gb",
    "m-8vcpu-64gb",
    "m-16vcpu-128gb",
    "m-24vcpu-192gb",
    "m-32vcpu-256gb",
] as const;

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
 * Droplet sizes DigitalOcean offers: the provider's DropletSlug enum, and the families below
 * (slugs of the OpenAPI spec's size examples and `doctl compute size list`). Basic sizes also come as `-amd` and `-intel` (premium CPUs,
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

/**
 * vCPUs and memory of a droplet slug as DigitalOcean spells them: `<family>-<n>vcpu-<m>gb[-...]`
 * (`s-1vcpu-512mb-10gb` in MB) or CPU-optimized `c-<n>[-intel]` with 2 GB per vCPU. Legacy
 * memory-only slugs (`1gb`) and GPU droplets are not Odoo hosts: undefined.
 */
export function parseDropletSlug(slug: string): DropletSize | undefined {
    if (slug.startsWith("gpu-")) return undefined;
    const sized = /^[a-z][a-z0-9_]*-(\d+)vcpu-(\d+)(gb|mb)(-|$)/.exec(slug);
    if (sized !== null) {
        const amount = Number(sized[2]);
        return { vcpus: Number(sized[1]), memoryMb: sized[3] === "gb" ? amount * 1024 : amount };
    }
    const cpu = /^c-(\d+)(-intel)?$/.exec(slug);
    return cpu === null ? undefined : { vcpus: Number(cpu[1]), memoryMb: Number(cpu[1]) * 2048 };
}

function buildSizes(): Record<string, DropletSize> {
    const out: Record<string, DropletSize> = {};
    const add = (slug: string) => {
        const size = parseDropletSlug(slug);
        if (size !== undefined) out[slug] = size;
    };
    // The provider's list (its DropletSlug enum), then the families above for slugs it lags on.
    for (const slug of Object.values(DropletSlug)) add(slug);
    add("s-1vcpu-512mb-10gb");
    for (const [family, sizes] of Object.entries(SIZE_FAMILIES)) {
        const prefixes =
            family === "g" ? ["g", "gd"] : family === "m" ? ["m", "m3", "m6"] : [family];
        for (const [vcpus, gb] of sizes) {
            for (const prefix of prefixes) {
                const slug = `${prefix}-${vcpus}vcpu-${gb}gb`;
                add(slug);
                if (prefix === "s") {
                    add(`${slug}-amd`);
                    add(`${slug}-intel`);
                }
                if (prefix === "gd" || prefix === "so1_5") add(`${slug}-intel`);
            }
        }
    }
    for (const n of [2, 4, 8, 16, 32, 48]) add(`c-${n}`);
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

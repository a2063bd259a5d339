/** Renders a recorded program run as a readable tree with the inputs that matter. */
import { CostEstimate } from "./cost";
import { RecordedResource, masked } from "../test/doubles/mock-cloud";

type Inputs = Record<string, unknown>;

const short = (type: string) => {
    const [pkg, , kind] = type.split(":");
    return kind === undefined ? type : `${pkg}:${kind.split("/").pop()?.split(":").pop() ?? kind}`;
};

function rules(
    list: unknown,
    key: "sourceAddresses" | "destinationAddresses",
    word: "from" | "to",
): string {
    if (!Array.isArray(list)) return "";
    return list
        .map(
            (r: Inputs) =>
                `${r["protocol"]}/${r["portRange"] ?? "*"} ${word} ${(r[key] as string[] | undefined)?.join("|")}`,
        )
        .join(" ");
}

/**
 * The few inputs a reviewer needs per resource type. `image` is the reference a container's
 * image came from (its RemoteImage's name): the container itself holds the pulled image's id.
 */
export function keyInputs(type: string, i: Inputs, image?: string): string {
    switch (type) {
        case "digitalocean:index/droplet:Droplet":
            return `${i["size"]} ${i["image"]} ${i["region"]} monitoring=${i["monitoring"]}`;
        case "digitalocean:index/volume:Volume":
            return `${i["size"]} GB ${i["initialFilesystemType"]} ${i["region"]}`;
        case "digitalocean:index/firewall:Firewall":
            return `in: ${rules(i["inboundRules"], "sourceAddresses", "from")}; out: ${rules(i["outboundRules"], "destinationAddresses", "to")}`;
        case "digitalocean:index/spacesBucket:SpacesBucket":
            return `${i["name"]} ${i["region"]} acl=${i["acl"]} versioning=${JSON.stringify(i["versioning"])}`;
        case "digitalocean:index/spacesKey:SpacesKey":
            return `grants=${JSON.stringify(i["grants"])}`;
        case "digitalocean:index/monitorAlert:MonitorAlert":
            return `${i["type"]} ${i["compare"]} ${i["value"]} over ${i["window"]}`;
        case "digitalocean:index/uptimeCheck:UptimeCheck":
            return `${i["target"]}`;
        case "digitalocean:index/uptimeAlert:UptimeAlert":
            return `${i["type"]}${i["threshold"] !== undefined ? ` > ${i["threshold"]}` : ""} per ${i["period"]}`;
        case "cloudflare:index/dnsRecord:DnsRecord":
            return `${i["type"]} ${i["name"]} -> ${i["content"]} proxied=${i["proxied"]}`;
        case "cloudflare:index/zoneSetting:ZoneSetting":
            return `${i["settingId"]}=${JSON.stringify(i["value"])}`;
        case "cloudflare:index/apiToken:ApiToken":
            return `${i["name"]}`;
        case "docker:index/container:Container": {
            const cmd = Array.isArray(i["command"]) ? (i["command"] as string[]) : [];
            const pick = cmd.filter((c) =>
                /^--(workers|max-cron-threads|smtp|db-filter)=|^--no-database-list/.test(c),
            );
            const mem = i["memory"] !== undefined ? ` memory=${i["memory"]}MB` : "";
            return `${image ?? i["image"]}${mem}${pick.length ? " " + pick.join(" ") : ""}`;
        }
        case "digitalocean:index/databaseCluster:DatabaseCluster":
            return `${i["engine"]} ${i["version"]} ${i["size"]} x${i["nodeCount"]} ${i["region"]}`;
        case "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool":
            return `${i["mode"]} pool of ${i["size"]}`;
        case "digitalocean:index/databaseFirewall:DatabaseFirewall":
            return `admits ${((i["rules"] ?? []) as Inputs[]).map((r) => r["type"]).join(", ")} only`;
        case "digitalocean:index/app:App": {
            const spec = (i["spec"] ?? {}) as Inputs;
            const parts = (key: string) =>
                ((spec[key] ?? []) as Inputs[]).map(
                    (c) =>
                        `${c["name"]}${c["kind"] ? `(${c["kind"]})` : `x${c["instanceCount"] ?? 1}`}`,
                );
            return `${spec["region"]} services ${parts("services").join(" ")}; workers ${parts("workers").join(" ") || "none"}; jobs ${parts("jobs").join(" ")}`;
        }
        case "docker:index/remoteImage:RemoteImage":
            return String(i["name"]);
        case "pulumi:providers:docker":
            return String(i["host"]);
        default:
            return "";
    }
}

export function renderPlan(
    stack: string,
    resources: readonly RecordedResource[],
    cost: CostEstimate,
    placeholders: readonly string[],
): string {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const imageOf = (r: RecordedResource) => {
        const source = byUrn.get(r.propertyDependencies["image"]?.[0] ?? "");
        const name = source?.rawInputs["name"];
        return typeof name === "string" ? name : undefined;
    };
    const children = new Map<string, RecordedResource[]>();
    for (const r of resources) {
        const list = children.get(r.parent) ?? [];
        list.push(r);
        children.set(r.parent, list);
    }
    const lines: string[] = [`Offline plan of stack "${stack}": ${resources.length} resources`];
    if (placeholders.length > 0) {
        lines.push(
            `(secrets replaced by placeholders: ${placeholders.map((p) => p.split(":")[1]).join(", ")})`,
        );
    }
    const walk = (parent: string, depth: number) => {
        for (const r of children.get(parent) ?? []) {
            const flags = [r.protect ? "protected" : "", r.retainOnDelete ? "retained" : ""].filter(
                Boolean,
            );
            const detail = keyInputs(r.type, masked(r.rawInputs) as Inputs, imageOf(r));
            lines.push(
                `${"  ".repeat(depth)}+ ${short(r.type)} ${r.name}` +
                    (flags.length ? ` [${flags.join(", ")}]` : "") +
                    (detail ? `  ${detail}` : ""),
            );
            walk(r.urn, depth + 1);
        }
    };
    walk("", 0);
    lines.push("", `Estimated monthly cost: $${cost.monthlyUsd.toFixed(2)}`);
    for (const item of cost.items) {
        lines.push(`  ${item.description.padEnd(48)} $${item.monthlyUsd.toFixed(2)}`);
    }
    for (const what of cost.unpriced) {
        lines.push(`  ${what.padEnd(48)} not counted: no list price in stacks/prices.ts`);
    }
    return lines.join("\n");
}

/**
 * Resources a stack owns (everything but the root Stack) and the length, in resources, of the
 * longest chain of dependencies among them; a provider reference counts as a dependency, since
 * the engine creates the provider first.
 */
export function dependencyStats(resources: readonly RecordedResource[]): {
    resources: number;
    longestChain: number;
} {
    const owned = resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
    const byUrn = new Map(owned.map((r) => [r.urn, r]));
    const memo = new Map<string, number>();
    const depth = (r: RecordedResource, seen: Set<string>): number => {
        const known = memo.get(r.urn);
        if (known !== undefined) return known;
        if (seen.has(r.urn)) throw new Error(`dependency cycle through ${r.name}`);
        seen.add(r.urn);
        const providerUrn =
            r.provider === "" ? [] : [r.provider.split("::").slice(0, -1).join("::")];
        let best = 0;
        for (const d of [...r.dependencies, ...providerUrn]) {
            const dep = byUrn.get(d);
            if (dep !== undefined && dep.custom) best = Math.max(best, depth(dep, seen));
        }
        seen.delete(r.urn);
        const result = (r.custom ? 1 : 0) + best;
        memo.set(r.urn, result);
        return result;
    };
    return {
        resources: owned.length,
        longestChain: Math.max(0, ...owned.map((r) => depth(r, new Set()))),
    };
}

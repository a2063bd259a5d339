import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";

export interface MonitoringArgs {
    /** Droplet id to watch; absent on App Platform, whose own alerts watch the instances. */
    readonly dropletId?: pulumi.Input<string>;
    /** Host name whose `/web/health` the uptime check probes, e.g. `erp.example.com`. */
    readonly healthHost: string;
    readonly emails: readonly string[];
    /** Slack target for every alert; channel and webhook URL (secret) together. */
    readonly slack?: { channel: string; url: pulumi.Input<string> };
    /** Thresholds in percent. @default cpu 85, memory 90, disk 85 */
    readonly thresholds?: { cpu?: number; memory?: number; disk?: number };
    /** Latency alert threshold in milliseconds. @default 2000 ms */
    readonly latencyMs?: number;
    /** URL answering 503 once the newest backup is stale; alerted on when down (production). */
    readonly backupHealthUrl?: string;
    /**
     * URL answering 503 while Odoo's error rate or p95 crosses its threshold (traffic-alerts.ts);
     * alerted on when down. @default none
     */
    readonly trafficHealthUrl?: string;
}

/** The droplet metrics alerted on, with DigitalOcean's metric names. */
export const HOST_METRICS = {
    cpu: "v1/insights/droplet/cpu",
    memory: "v1/insights/droplet/memory_utilization_percent",
    disk: "v1/insights/droplet/disk_utilization_percent",
} as const;

/**
 * DigitalOcean alerts on the host (CPU, memory, disk) and an uptime check on
 * `https://<host>/web/health` with down and latency alerts, sent to e-mail and optionally Slack.
 */
export class Monitoring extends pulumi.ComponentResource {
    public readonly uptimeCheck: digitalocean.UptimeCheck;
    public readonly healthUrl: string;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("odoo-platform:monitoring:Monitoring", name, {}, opts);
        if (args.emails.length === 0) {
            throw new Error(`${name}: alerts need at least one e-mail address (alertEmails)`);
        }
        const child = { parent: this };
        const limits = { cpu: 85, memory: 90, disk: 85, ...args.thresholds };
        const slacks = args.slack ? [{ channel: args.slack.channel, url: args.slack.url }] : [];

        const dropletId = args.dropletId;
        const metrics = dropletId === undefined ? [] : (["cpu", "memory", "disk"] as const);
        for (const metric of metrics) {
            new digitalocean.MonitorAlert(
                `${name}-${metric}`,
                {
                    type: HOST_METRICS[metric],
                    compare: "GreaterThan",
                    value: limits[metric],
                    window: "10m",
                    entities: dropletId === undefined ? [] : [dropletId],
                    description: `odoo-platform ${name}: ${metric} above ${limits[metric]}%`,
                    alerts: { emails: [...args.emails], slacks },
                    enabled: true,
                },
                child,
            );
        }

        this.healthUrl = `https://${args.healthHost}/web/health`;
        this.uptimeCheck = new digitalocean.UptimeCheck(
            `${name}-health`,
            {
                name: `odoo-platform ${name} health`,
                target: this.healthUrl,
                type: "https",
                regions: ["us_east", "eu_west"],
                enabled: true,
            },
            child,
        );
        const notifications = [{ emails: [...args.emails], slacks }];
        new digitalocean.UptimeAlert(
            `${name}-down`,
            {
                checkId: this.uptimeCheck.id,
                name: `odoo-platform ${name} down`,
                type: "down",
                period: "2m",
                notifications,
            },
            child,
        );
        new digitalocean.UptimeAlert(
            `${name}-latency`,
            {
                checkId: this.uptimeCheck.id,
                name: `odoo-platform ${name} slow`,
                type: "latency",
                comparison: "greater_than",
                threshold: args.latencyMs ?? 2000,
                period: "5m",
                notifications,
            },
            child,
        );
        new digitalocean.UptimeAlert(
            `${name}-tls`,
            {
                checkId: this.uptimeCheck.id,
                name: `odoo-platform ${name} certificate expiry`,
                type: "ssl_expiry",
                threshold: 14,
                period: "5m",
                notifications,
            },
            child,
        );

        if (args.backupHealthUrl !== undefined) {
            const fresh = new digitalocean.UptimeCheck(
                `${name}-backup-fresh`,
                {
                    name: `odoo-platform ${name} backup freshness`,
                    target: args.backupHealthUrl,
                    type: "https",
                    regions: ["eu_west"],
                    enabled: true,
                },
                child,
            );
            new digitalocean.UptimeAlert(
                `${name}-backup-stale`,
                {
                    checkId: fresh.id,
                    name: `odoo-platform ${name} backup older than a day`,
                    type: "down",
                    period: "10m",
                    notifications,
                },
                child,
            );
        }

        if (args.trafficHealthUrl !== undefined) {
            const traffic = new digitalocean.UptimeCheck(
                `${name}-traffic`,
                {
                    name: `odoo-platform ${name} error rate and p95`,
                    target: args.trafficHealthUrl,
                    type: "https",
                    regions: ["eu_west"],
                    enabled: true,
                },
                child,
            );
            new digitalocean.UptimeAlert(
                `${name}-traffic-alert`,
                {
                    checkId: traffic.id,
                    name: `odoo-platform ${name} error rate or p95 above threshold`,
                    type: "down",
                    period: "2m",
                    notifications,
                },
                child,
            );
        }

        this.registerOutputs({ healthUrl: this.healthUrl });
    }
}

import * as command from "@pulumi/command";
import * as digitalocean from "@pulumi/digitalocean";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { firewallRules, renderCloudInit, renderWaitForHostScript } from "./host-rendering";

export interface OdooHostArgs {
    /** DigitalOcean region of the droplet, volume, VPC and reserved IP, e.g. `fra1`. */
    readonly region: pulumi.Input<string>;
    /** Droplet size slug. @default none: the stack builder passes the stage's default. */
    readonly size: pulumi.Input<string>;
    /** Size in GB of the block-storage volume that holds PostgreSQL data and the filestore. */
    readonly volumeSizeGb: pulumi.Input<number>;
    /** CIDRs that may reach SSH; nothing else can. */
    readonly sshAllowedCidrs: readonly string[];
    /** OpenSSH public key installed for root. */
    readonly sshPublicKey: pulumi.Input<string>;
    /** Whether outbound SMTP (25/465/587) is allowed: production only. */
    readonly allowOutboundSmtp: boolean;
    /** Protect the volume and the reserved IP against deletion (production). @default false */
    readonly protectData?: boolean;
    /**
     * IP range of the VPC: DigitalOcean refuses one that overlaps another network of the account,
     * so each stack passes its own (config `vpcIpRange`).
     */
    readonly vpcIpRange: string;
    /** Tags put on the droplet, volume and firewall. */
    readonly tags: readonly string[];
}

/**
 * The machine Odoo runs on: a Debian 12 droplet in its own VPC, a block-storage volume for every
 * byte of state (so replacing the droplet loses nothing), a reserved IP that DNS points at, a
 * deny-by-default cloud firewall, and a Docker provider that reaches the host's engine over SSH.
 */
export class OdooHost extends pulumi.ComponentResource {
    public readonly vpc: digitalocean.Vpc;
    public readonly droplet: digitalocean.Droplet;
    public readonly volume: digitalocean.Volume;
    public readonly reservedIp: digitalocean.ReservedIp;
    public readonly firewall: digitalocean.Firewall;
    /** Public address of the host (the reserved IP). */
    public readonly ipAddress: pulumi.Output<string>;
    /** Droplet id, as DigitalOcean monitoring wants it. */
    public readonly dropletId: pulumi.Output<string>;
    /** Docker provider for containers on this host. */
    public readonly docker: docker.Provider;
    /** Completes once SSH answers and cloud-init has finished: containers depend on it. */
    public readonly ready: command.local.Command;

    constructor(name: string, args: OdooHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("odoo-platform:host:OdooHost", name, {}, opts);
        const child = { parent: this };
        const data = { parent: this, protect: args.protectData ?? false };
        const physical = `odoo-${name}`;

        this.vpc = new digitalocean.Vpc(
            `${name}-vpc`,
            {
                name: `${physical}-vpc`,
                region: args.region,
                ipRange: args.vpcIpRange,
                description: `odoo-platform ${name}`,
            },
            child,
        );

        const sshKey = new digitalocean.SshKey(
            `${name}-ssh`,
            { name: `${physical}-deploy`, publicKey: args.sshPublicKey },
            child,
        );

        const volumeName = `${physical}-data`;
        this.volume = new digitalocean.Volume(
            `${name}-data`,
            {
                name: volumeName,
                region: args.region,
                size: args.volumeSizeGb,
                initialFilesystemType: "ext4",
                initialFilesystemLabel: "odoo-data",
                description: "PostgreSQL data, filestore, certificates",
                tags: [...args.tags],
            },
            // Never deleted with the stack by accident: protect in production, and the volume
            // outlives a `pulumi destroy` everywhere (delete it by hand once the data is safe).
            { ...data, retainOnDelete: true },
        );

        this.droplet = new digitalocean.Droplet(
            `${name}-droplet`,
            {
                name: physical,
                image: "debian-12-x64",
                region: args.region,
                size: args.size,
                vpcUuid: this.vpc.id,
                sshKeys: [sshKey.fingerprint],
                volumeIds: [this.volume.id],
                userData: renderCloudInit(volumeName),
                monitoring: true,
                ipv6: true,
                gracefulShutdown: true,
                tags: [...args.tags],
            },
            // The volume can hang on one droplet only: stop the old host before the new one
            // takes the data.
            { parent: this, deleteBeforeReplace: true },
        );

        this.reservedIp = new digitalocean.ReservedIp(
            `${name}-ip`,
            { region: args.region },
            { ...data, retainOnDelete: args.protectData ?? false },
        );
        const assignment = new digitalocean.ReservedIpAssignment(
            `${name}-ip-assignment`,
            { ipAddress: this.reservedIp.ipAddress, dropletId: this.droplet.id.apply(Number) },
            child,
        );

        const rules = firewallRules({
            sshCidrs: args.sshAllowedCidrs,
            allowSmtp: args.allowOutboundSmtp,
        });
        this.firewall = new digitalocean.Firewall(
            `${name}-fw`,
            {
                name: `${physical}-fw`,
                dropletIds: [this.droplet.id.apply(Number)],
                inboundRules: rules.inbound.map((r) => ({
                    protocol: r.protocol,
                    portRange: r.portRange,
                    sourceAddresses: [...r.addresses],
                })),
                outboundRules: rules.outbound.map((r) => ({
                    protocol: r.protocol,
                    portRange: r.portRange,
                    destinationAddresses: [...r.addresses],
                })),
                tags: [...args.tags],
            },
            child,
        );

        this.ipAddress = this.reservedIp.ipAddress;
        this.dropletId = this.droplet.id;

        this.ready = new command.local.Command(
            `${name}-ready`,
            {
                create: this.ipAddress.apply((ip) => renderWaitForHostScript("root", ip)),
                interpreter: ["/bin/sh", "-c"],
                triggers: [this.droplet.id],
            },
            // SSH goes to the reserved IP: wait until it points at this droplet.
            { parent: this, dependsOn: [this.firewall, assignment] },
        );

        this.docker = new docker.Provider(
            `${name}-docker`,
            {
                host: pulumi.interpolate`ssh://root@${this.ipAddress}`,
                sshOpts: ["-o", "StrictHostKeyChecking=accept-new", "-o", "ServerAliveInterval=30"],
            },
            { parent: this, dependsOn: [this.ready] },
        );

        this.registerOutputs({
            ipAddress: this.ipAddress,
            dropletId: this.dropletId,
        });
    }
}

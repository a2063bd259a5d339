/**
 * What the program renders for the droplet itself, as pure functions: cloud-init, the host
 * preparation script, the wait-for-host script run from the deploying machine, and the cloud
 * firewall rules. Each rendered artifact is checked in the tests by the tool that consumes it
 * (`cloud-init schema`, `shellcheck`).
 */

import { renderDockerDaemonJson } from "./log-shipping";

export const DATA_MOUNT = "/mnt/odoo-data";
/** uid:gid of the `odoo` user in the official odoo:17.0+ images. */
export const ODOO_UID = 100;
export const ODOO_GID = 101;

/** Block device of a DigitalOcean volume, by the volume's name. */
export function volumeDevice(volumeName: string): string {
    return `/dev/disk/by-id/scsi-0DO_Volume_${volumeName}`;
}

/** Directories on the data volume, by the container that owns them. */
export const DATA_DIRS = {
    postgres: `${DATA_MOUNT}/postgres`,
    odoo: `${DATA_MOUNT}/odoo`,
    traefik: `${DATA_MOUNT}/traefik`,
    backups: `${DATA_MOUNT}/backups`,
} as const;

/** Runs once at first boot: waits for the volume, creates the data directories, starts Docker. */
export function renderPrepareScript(): string {
    return `#!/bin/sh
# Prepares the data volume for the containers. Idempotent: safe on every boot.
set -eu

i=0
until mountpoint -q ${DATA_MOUNT}; do
  i=$((i + 1))
  if [ "$i" -gt 60 ]; then
    echo "data volume is not mounted at ${DATA_MOUNT} after 5 minutes" >&2
    exit 1
  fi
  mount ${DATA_MOUNT} 2>/dev/null || sleep 5
done

install -d -m 0700 -o 999 -g 999 ${DATA_DIRS.postgres}
install -d -m 0750 -o ${ODOO_UID} -g ${ODOO_GID} ${DATA_DIRS.odoo}
install -d -m 0700 ${DATA_DIRS.traefik} ${DATA_DIRS.backups}
if [ ! -f ${DATA_DIRS.traefik}/acme.json ]; then
  install -m 0600 /dev/null ${DATA_DIRS.traefik}/acme.json
fi

systemctl enable --now docker
`;
}

function indent(text: string, spaces: number): string {
    const pad = " ".repeat(spaces);
    return text
        .split("\n")
        .map((l) => (l.length > 0 ? pad + l : l))
        .join("\n");
}

/**
 * cloud-init for the droplet: install Docker (every container logging to journald), the log
 * shipper (rsyslog with TLS) and sudo, no password login over SSH, mount the data volume, prepare
 * its directories. Nothing else: every container is a Pulumi resource, so refresh and drift
 * detection see it, and people and log settings change over SSH (HostSettings) without replacing
 * the droplet.
 */
export function renderCloudInit(volumeName: string): string {
    if (!/^[a-z0-9-]{1,64}$/.test(volumeName)) {
        throw new Error(
            `volume name must be lower case letters, digits and -, got "${volumeName}"`,
        );
    }
    return `#cloud-config
package_update: true
package_upgrade: true
ssh_pwauth: false
packages:
  - docker.io
  - unattended-upgrades
  - rsyslog
  - rsyslog-gnutls
  - sudo
mounts:
  - [${volumeDevice(volumeName)}, ${DATA_MOUNT}, ext4, "defaults,nofail,discard,noatime", "0", "2"]
write_files:
  - path: /etc/docker/daemon.json
    owner: root:root
    permissions: "0644"
    content: |
${indent(renderDockerDaemonJson(), 6)}
  - path: /usr/local/sbin/odoo-host-prepare
    owner: root:root
    permissions: "0755"
    content: |
${indent(renderPrepareScript(), 6)}
runcmd:
  - [/usr/local/sbin/odoo-host-prepare]
`;
}

/**
 * Run on the deploying machine before any container is created: waits until SSH answers and
 * cloud-init has finished, so the Docker provider finds a running engine.
 */
export function renderWaitForHostScript(user: string, address: string): string {
    return `#!/bin/sh
set -eu
target='${user}@${address}'
opts='-o BatchMode=yes -o StrictHostKeyChecking=accept-new -o ConnectTimeout=10'
i=0
# shellcheck disable=SC2086 # opts holds several options on purpose
until ssh $opts "$target" true 2>/dev/null; do
  i=$((i + 1))
  if [ "$i" -gt 60 ]; then
    echo "no SSH answer from $target after 10 minutes: check sshAllowedCidrs" >&2
    exit 1
  fi
  sleep 10
done
# shellcheck disable=SC2086
ssh $opts "$target" 'cloud-init status --wait >/dev/null; docker info >/dev/null'
`;
}

export interface FirewallRule {
    readonly protocol: "tcp" | "udp" | "icmp";
    readonly portRange?: string;
    readonly addresses: readonly string[];
}

export const ANYWHERE = ["0.0.0.0/0", "::/0"] as const;
/**
 * TCP ports of outgoing mail: 25 (SMTP), 465 (SMTPS), 587 (submission), and 2525, the relays'
 * alternative submission port that production uses on DigitalOcean.
 */
export const SMTP_PORTS = [25, 465, 587, 2525] as const;

/** The TCP port ranges 1-65535 without the given ports, for a deny-by-omission firewall. */
export function rangesWithout(excluded: readonly number[]): string[] {
    const sorted = [...new Set(excluded)].sort((a, b) => a - b);
    const ranges: string[] = [];
    let start = 1;
    for (const port of sorted) {
        if (port > start) ranges.push(port - 1 === start ? `${start}` : `${start}-${port - 1}`);
        start = port + 1;
    }
    if (start <= 65535) ranges.push(start === 65535 ? "65535" : `${start}-65535`);
    return ranges;
}

/**
 * DigitalOcean cloud firewalls deny whatever no rule allows, outbound included. Inbound: HTTP and
 * HTTPS from anywhere, SSH only from the given CIDRs, ICMP. Outbound: everything in production;
 * outside production every TCP port but 25, 465 and 587, so a copy of production data can never
 * reach a real mail server even if Odoo's own settings were wrong.
 */
export function firewallRules(opts: { sshCidrs: readonly string[]; allowSmtp: boolean }): {
    inbound: FirewallRule[];
    outbound: FirewallRule[];
} {
    const inbound: FirewallRule[] = [
        { protocol: "tcp", portRange: "80", addresses: ANYWHERE },
        { protocol: "tcp", portRange: "443", addresses: ANYWHERE },
        { protocol: "tcp", portRange: "22", addresses: [...opts.sshCidrs] },
        { protocol: "icmp", addresses: ANYWHERE },
    ];
    const tcp = opts.allowSmtp ? ["1-65535"] : rangesWithout(SMTP_PORTS);
    const outbound: FirewallRule[] = [
        ...tcp.map((portRange) => ({ protocol: "tcp" as const, portRange, addresses: ANYWHERE })),
        { protocol: "udp", portRange: "1-65535", addresses: ANYWHERE },
        { protocol: "icmp", addresses: ANYWHERE },
    ];
    return { inbound, outbound };
}

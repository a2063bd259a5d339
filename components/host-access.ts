/**
 * Who may touch which stage, on the droplet runtime, as pure functions: people with their own SSH
 * keys and a role (Odoo.sh's Admin / Developer / Tester split), each key bound to a forced command
 * (`odoo-entry`) that offers `odoo shell`, `psql` and the logs of that host's stage and nothing
 * else. Each rendered artifact is checked in the tests by the tool that consumes it (shellcheck,
 * `visudo -c`, `sshd -T`, `ssh-keygen -l`).
 */

import { assertPeople, Person } from "./people";

export * from "./people";

export const ENTRY_PATH = "/usr/local/sbin/odoo-entry";
export const PEOPLE_GROUP = "odoo-people";
export const AUTHORIZED_KEYS_DIR = "/etc/ssh/authorized_keys";
export const SSHD_DROP_IN = "/etc/ssh/sshd_config.d/10-odoo-platform.conf";
export const SUDOERS_FILE = "/etc/sudoers.d/odoo-people";

/** The authorized_keys line of a person: their key runs `odoo-entry` and nothing else. */
export function authorizedKeyLine(p: Person): string {
    // restrict: no forwarding of any kind, no ~/.ssh/rc; pty again for odoo shell and psql.
    const key = p.sshKey.trim().split(/ +/).slice(0, 2).join(" ");
    return `restrict,pty,command="sudo -n ${ENTRY_PATH} ${p.name} ${p.role}" ${key} ${p.name}`;
}

/**
 * sudoers: each person may run the entry as root with exactly their own name and role, nothing
 * else; the entry alone reaches Docker. SSH_ORIGINAL_COMMAND (what they asked for) passes.
 */
export function renderSudoers(people: readonly Person[]): string {
    const lines = [
        "# odoo-platform: each person runs the entry with their own name and role, nothing else.",
        `Defaults!${ENTRY_PATH} env_keep += "SSH_ORIGINAL_COMMAND"`,
        ...people.map((p) => `${p.name} ALL=(root) NOPASSWD: ${ENTRY_PATH} ${p.name} ${p.role}`),
    ];
    return `${lines.join("\n")}\n`;
}

/**
 * sshd: no password login anywhere, root by key only (the platform's deploy key: Pulumi's Docker
 * provider and the workflows), people by the root-owned key files of this platform only, with no
 * forwarding. Named 10-: sshd keeps the first value it reads, and Debian includes
 * sshd_config.d/*.conf before its own settings (cloud images add a 50-cloud-init.conf).
 */
export function renderSshdConfig(): string {
    return `# odoo-platform: written by the platform on every up
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
Match Group ${PEOPLE_GROUP}
    AuthorizedKeysFile ${AUTHORIZED_KEYS_DIR}/%u
    AllowTcpForwarding no
    AllowStreamLocalForwarding no
    AllowAgentForwarding no
    X11Forwarding no
    PermitTunnel no
    PermitUserRC no
`;
}

export interface EntryOptions {
    readonly stage: "production" | "staging";
    /** The Odoo container of the stage, e.g. `staging-odoo`. */
    readonly odooContainer: string;
    /** The PostgreSQL container, absent with a managed cluster. */
    readonly postgresContainer?: string;
    /** The proxy (Traefik) container. */
    readonly proxyContainer: string;
    /** The stage's database. */
    readonly database: string;
    /** Odoo's addons path, as the server runs it. */
    readonly addonsPath: readonly string[];
    /** Whether pr-<N> environments run on this host (the staging dev host). */
    readonly previews: boolean;
}

const SAFE = /^[A-Za-z0-9_./,-]+$/;

function shellWord(what: string, v: string): string {
    if (!SAFE.test(v))
        throw new Error(`${what} holds characters the entry script cannot carry: ${v}`);
    return v;
}

/**
 * The forced command of every person's key (run as root through sudo, with the name and role
 * sudoers pinned). It reads what the person asked for from SSH_ORIGINAL_COMMAND:
 *
 *   ssh <name>@<host>                    the menu of what this role may run here
 *   ssh -t <name>@<host> shell [pr-<N>]  odoo shell on the stage's (or a preview's) database
 *   ssh -t <name>@<host> psql [pr-<N>]   psql on the same database, as Odoo's role
 *   ssh <name>@<host> logs [odoo|postgres|proxy|pr-<N>] [since]   recent logs (default 1h)
 *   ssh -t <name>@<host> bash            admins: a shell in the Odoo container
 */
export function renderEntryScript(o: EntryOptions): string {
    const addons = shellWord("addons path", o.addonsPath.join(","));
    return `#!/bin/sh
# odoo-entry: the only command a person's SSH key runs on this host (odoo-platform).
#   odoo-entry <name> <role>     the request is in SSH_ORIGINAL_COMMAND
set -eu

STAGE='${o.stage}'
ODOO_CONTAINER='${shellWord("container", o.odooContainer)}'
POSTGRES_CONTAINER='${o.postgresContainer === undefined ? "" : shellWord("container", o.postgresContainer)}'
PROXY_CONTAINER='${shellWord("container", o.proxyContainer)}'
DATABASE='${shellWord("database", o.database)}'
ADDONS_PATH='${addons}'
PREVIEWS='${o.previews ? "yes" : "no"}'

name=\${1:-}
role=\${2:-}

refuse() {
    printf 'odoo-entry: %s\\n' "$*" >&2
    exit 77
}

case $role in
admin | developer | tester) ;;
*) refuse "unknown role '$role' for '$name'" ;;
esac

# Odoo.sh's split: production's shell, database and host are for admins only.
if [ "$STAGE" = production ] && [ "$role" != admin ]; then
    refuse "$name is a $role: production is for admins only. Ask an admin, or work on staging."
fi

case $role in
admin) allowed='shell psql logs bash' ;;
developer) allowed='shell psql logs' ;;
*) allowed='logs' ;;
esac

# The request, split into words without globbing; only known words pass below.
set -f
# shellcheck disable=SC2086 # word splitting is the point
set -- \${SSH_ORIGINAL_COMMAND:-help}
set +f
action=$1
shift

may() {
    case " $allowed " in
    *" $1 "*) return 0 ;;
    esac
    return 1
}

# The Odoo container and database of the target: the stage itself, or a preview on this host.
target_odoo() {
    container=$ODOO_CONTAINER
    database=$DATABASE
    case \${1:-} in
    '') ;;
    pr-[1-9] | pr-[1-9][0-9] | pr-[1-9][0-9][0-9] | pr-[1-9][0-9][0-9][0-9])
        [ "$PREVIEWS" = yes ] || refuse "no preview environments run on this host"
        container="$1-odoo"
        database="odoo_pr_\${1#pr-}"
        ;;
    *) refuse "unknown target '$1': leave it out for $STAGE, or name a preview (pr-42)" ;;
    esac
}

tty_flag() {
    if [ -t 0 ]; then printf '%s' -it; else printf '%s' -i; fi
}

# libpq's variables from the Odoo container's own connection settings: no password on any
# command line. Expanded inside the container, not here.
# shellcheck disable=SC2016
connect='export PGHOST="$HOST" PGPORT="$PORT" PGUSER="$USER" PGPASSWORD="$PASSWORD"'

case $action in
help)
    printf 'odoo-platform %s host. You are %s (%s). You may run:\\n' "$STAGE" "$name" "$role"
    may shell && printf '  ssh -t %s@<host> shell [pr-<N>]   odoo shell on %s\\n' "$name" "$DATABASE"
    may psql && printf '  ssh -t %s@<host> psql [pr-<N>]    psql on %s\\n' "$name" "$DATABASE"
    may logs && printf '  ssh %s@<host> logs [odoo|postgres|proxy|pr-<N>] [1h|30m|2d]\\n' "$name"
    may bash && printf '  ssh -t %s@<host> bash   a shell in %s\\n' "$name" "$ODOO_CONTAINER"
    exit 0
    ;;
shell | psql | logs | bash) ;;
*) refuse "unknown command '$action': run ssh $name@<host> for the list" ;;
esac
may "$action" || refuse "$name is a $role: '$action' is not for testers or developers here ($STAGE)"

case $action in
shell)
    target_odoo "\${1:-}"
    exec docker exec "$(tty_flag)" "$container" sh -c "$connect"'
exec odoo shell --config=/etc/odoo/odoo.conf --database="$1" --addons-path="$2" --no-http' \\
        odoo-entry "$database" "$ADDONS_PATH"
    ;;
psql)
    target_odoo "\${1:-}"
    exec docker exec "$(tty_flag)" "$container" sh -c "$connect"'
exec psql --dbname="$1"' odoo-entry "$database"
    ;;
bash)
    exec docker exec "$(tty_flag)" "$ODOO_CONTAINER" bash
    ;;
logs)
    what=\${1:-odoo}
    since=\${2:-1h}
    case $since in
    [1-9]m | [1-9][0-9]m | [1-9]h | [1-9][0-9]h | [1-9]d) ;;
    *) refuse "since must be minutes, hours or days such as 30m, 2h or 1d, got '$since'" ;;
    esac
    case $since in
    *d) since="$((\${since%d} * 24))h" ;;
    esac
    case $what in
    odoo) container=$ODOO_CONTAINER ;;
    proxy) container=$PROXY_CONTAINER ;;
    postgres)
        [ -n "$POSTGRES_CONTAINER" ] ||
            refuse "PostgreSQL is a managed cluster here: its logs are in the log service"
        container=$POSTGRES_CONTAINER
        ;;
    *)
        target_odoo "$what"
        ;;
    esac
    exec docker logs --timestamps --since "$since" "$container"
    ;;
esac
`;
}

/**
 * The script that sets a host's people: the entry, one locked-password login per person in the
 * `odoo-people` group with a root-owned key file, sudoers checked by `visudo -c` before it is
 * installed, sshd's drop-in checked by `sshd -t` before the reload; people no longer listed lose
 * their login, key and sudo rule. Runs as root on the host on every change (and on a new droplet).
 * ROOT prefixes every path for the tests.
 */
export function renderPeopleScript(people: readonly Person[], entry: EntryOptions): string {
    assertPeople(entry.stage, people);
    const entryScript = renderEntryScript(entry);
    for (const [what, text] of [
        ["entry", entryScript],
        ["sshd", renderSshdConfig()],
        ["sudoers", renderSudoers(people)],
    ]) {
        if (text.includes("ODOO_PLATFORM_FILE"))
            throw new Error(`${what} holds the heredoc marker`);
    }
    const names = people.map((p) => p.name).join(" ");
    const perPerson = people
        .map(
            (p) => `add_person ${p.name} ${p.role}
cat >"$tmp/${p.name}.keys" <<'ODOO_PLATFORM_FILE'
${authorizedKeyLine(p)}
ODOO_PLATFORM_FILE
install -m 0644 -o root -g root "$tmp/${p.name}.keys" "$ROOT${AUTHORIZED_KEYS_DIR}/${p.name}"
`,
        )
        .join("");
    return `#!/bin/sh
# odoo-platform: the people of this host and their entry (rendered by components/host-access.ts).
set -eu
ROOT=\${ROOT:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/odoo-entry" <<'ODOO_PLATFORM_FILE'
${entryScript}ODOO_PLATFORM_FILE
install -m 0755 -o root -g root "$tmp/odoo-entry" "$ROOT${ENTRY_PATH}"

groupadd -f ${PEOPLE_GROUP}
install -d -m 0755 -o root -g root "$ROOT${AUTHORIZED_KEYS_DIR}"

add_person() {
    if id -u "$1" >/dev/null 2>&1; then
        usermod --comment "odoo-platform $2" --groups ${PEOPLE_GROUP} --shell /bin/sh "$1"
    else
        useradd --create-home --comment "odoo-platform $2" --groups ${PEOPLE_GROUP} \\
            --shell /bin/sh "$1"
    fi
    # Keys only: no password to guess, none to share.
    passwd --lock "$1" >/dev/null
}

${perPerson}
# Whoever left the list loses their login, key and sudo rule.
keep=' ${names} '
members=$(getent group ${PEOPLE_GROUP} | cut -d: -f4 | tr ',' ' ')
for member in $members; do
    case $keep in
    *" $member "*) ;;
    *)
        pkill -KILL -u "$member" || true
        userdel --remove "$member" 2>/dev/null || userdel "$member"
        ;;
    esac
done
for file in "$ROOT${AUTHORIZED_KEYS_DIR}"/*; do
    [ -e "$file" ] || continue
    case $keep in
    *" \${file##*/} "*) ;;
    *) rm -f "$file" ;;
    esac
done

cat >"$tmp/sudoers" <<'ODOO_PLATFORM_FILE'
${renderSudoers(people)}ODOO_PLATFORM_FILE
visudo -c -q -f "$tmp/sudoers"
install -m 0440 -o root -g root "$tmp/sudoers" "$ROOT${SUDOERS_FILE}"

cat >"$tmp/sshd.conf" <<'ODOO_PLATFORM_FILE'
${renderSshdConfig()}ODOO_PLATFORM_FILE
install -m 0644 -o root -g root "$tmp/sshd.conf" "$ROOT${SSHD_DROP_IN}"
# A drop-in sshd refuses must never wait for the next restart to lock everyone out.
if ! sshd -t; then
    rm -f "$ROOT${SSHD_DROP_IN}"
    echo "sshd refused the platform's settings; they were removed again" >&2
    exit 1
fi
systemctl reload ssh
`;
}

#!/bin/sh
# The real tools the test suite runs: shellcheck and cloud-init (validators of what the program
# renders), visudo, sshd and rsyslogd (validators of the hosts' sudoers, sshd and log-forward
# files: the releases Debian 12 droplets run), PostgreSQL (server and client: backups, restores, preview clones and roles), and
# restic 0.18.0 (the release the backup job deploys), zip and unzip (Odoo's backup archive), and
# BusyBox (the shell and tools of the backup container, Alpine's, that runs the backup scripts).
#
#   sh tools/test-tools.sh check     exit 0 when all are here, else name what is missing
#   sh tools/test-tools.sh ensure    check; install what is missing when it can (root, or sudo
#                                    without a password, on Debian/Ubuntu); else one message
#   sh tools/test-tools.sh install   install (as root)
#
# `npm test` runs `ensure` first (pretest). restic goes to /opt/odoo-platform/restic (the tests
# put it first on their PATH): Debian trixie's package, a static binary, unpacked there without
# moving any other package to trixie.
set -eu

RESTIC_DIR=/opt/odoo-platform/restic
SBIN=/usr/sbin
LIBDIR=/usr/lib
# sshd -T refuses to run without it; only a running sshd's service creates it.
SSHD_RUN_DIR=/run/sshd
RESTIC_VERSION=0.18.0
# debian-archive-keyring: Ubuntu lacks it, and it signs trixie.
PACKAGES="shellcheck cloud-init postgresql postgresql-client debian-archive-keyring sudo openssh-server rsyslog rsyslog-gnutls zip unzip busybox"

restic_ok() {
    for bin in "$RESTIC_DIR/usr/bin/restic" "$(command -v restic || true)"; do
        [ -n "$bin" ] && [ -x "$bin" ] &&
            "$bin" version 2>/dev/null | grep -q "^restic $RESTIC_VERSION " && return 0
    done
    return 1
}

missing() {
    for tool in shellcheck cloud-init psql pg_dump pg_restore ssh-keygen zip unzip busybox; do
        command -v "$tool" >/dev/null 2>&1 || printf '%s\n' "$tool"
    done
    # In /usr/sbin, outside a user's PATH on some machines.
    for tool in visudo sshd rsyslogd; do
        [ -x "$SBIN/$tool" ] || command -v "$tool" >/dev/null 2>&1 || printf '%s\n' "$tool"
    done
    ls "$LIBDIR"/*/rsyslog/lmnsd_gtls.so >/dev/null 2>&1 || printf '%s\n' "rsyslog-gnutls"
    # A fresh machine or a container has no running sshd, hence no such directory.
    [ -d "$SSHD_RUN_DIR" ] || printf '%s\n' "$SSHD_RUN_DIR (sshd's privilege separation directory)"
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || [ -n "${PGHOST:-}" ] ||
        printf '%s\n' "initdb (PostgreSQL server)"
    restic_ok || printf '%s\n' "restic $RESTIC_VERSION"
}

install() {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086 # a list of package names
    apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null
    mkdir -p "$SSHD_RUN_DIR"
    chmod 0755 "$SSHD_RUN_DIR"
    if ! restic_ok; then
        trixie=/etc/apt/sources.list.d/odoo-platform-trixie.sources
        printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' >"$trixie"
        debs=$(mktemp -d)
        chmod 755 "$debs" # apt downloads as _apt
        status=0
        {
            apt-get update -qq -o "Dir::Etc::sourcelist=$trixie" -o Dir::Etc::sourceparts=- &&
                (cd "$debs" && apt-get download -qq -o "Dir::Etc::sourcelist=$trixie" \
                    -o Dir::Etc::sourceparts=- restic/trixie) &&
                mkdir -p "$RESTIC_DIR" &&
                dpkg -x "$debs"/restic_*.deb "$RESTIC_DIR"
        } || status=$?
        rm -f "$trixie"
        rm -rf "$debs"
        apt-get update -qq
        [ "$status" = 0 ] || exit "$status"
    fi
    restic_ok || { echo "restic $RESTIC_VERSION did not install" >&2; exit 1; }
}

case "${1:-ensure}" in
check)
    gaps=$(missing)
    [ -z "$gaps" ] && exit 0
    printf 'the tests need: %s\n' "$(printf '%s' "$gaps" | tr '\n' ',' | sed 's/,/, /g')" >&2
    exit 1
    ;;
install)
    [ "$(id -u)" = 0 ] || { echo "install runs as root: sudo sh tools/test-tools.sh install" >&2; exit 1; }
    install
    ;;
ensure)
    gaps=$(missing)
    [ -z "$gaps" ] && exit 0
    list=$(printf '%s' "$gaps" | tr '\n' ',' | sed 's/,/, /g')
    if command -v apt-get >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ]; then
            echo "installing what the tests need: $list" >&2
            install
            exit 0
        fi
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            echo "installing what the tests need (sudo): $list" >&2
            sudo sh "$0" install
            exit 0
        fi
        echo "the tests need $list. Install them with: sudo sh tools/test-tools.sh install" >&2
    else
        echo "the tests need $list (restic exactly $RESTIC_VERSION, on the PATH or in $RESTIC_DIR/usr/bin); this machine has no apt-get: install them with its package manager" >&2
    fi
    exit 1
    ;;
*)
    echo "usage: sh tools/test-tools.sh check|ensure|install" >&2
    exit 2
    ;;
esac

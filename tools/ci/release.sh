#!/usr/bin/env bash
# The steps of release.yml: an image of the Odoo repository released to a stage (staging or prod)
# by this repository, which holds the stage's credentials. Run from a checkout of this repository,
# with the Pulumi CLI logged in and the stage's host key in the SSH agent.
#
#   release.sh plan        what to release: the image, the modules to update and install
#   release.sh rehearse    production: the same updates on a neutralized copy of its latest backup
#   release.sh backup      a backup of the stage's database first (production)
#   release.sh upgrade     Odoo stopped, the database kept aside, the modules updated by the new image
#   release.sh up          pulumi up with the new image
#   release.sh health      /web/health and the login page answer within five minutes
#   release.sh record      the stage's config, with the new image, committed: later ups use it
#   release.sh rollback    the previous image and the pre-upgrade database back, production serving
#
# Inputs (env): STACK (staging|prod), IMAGE (repository@sha256:..., or `staging` for what staging
# runs), INSTALL_NEW (true|false); plan's outputs for the later steps: UPDATE, INSTALL, PREVIOUS,
# RUNTIME, HOST, ODOO_URL, DATABASE.
set -euo pipefail
# shellcheck source=tools/ci/lib.sh
. "$(dirname "$0")/lib.sh"

: "${STACK:?}"
[[ $STACK == staging || $STACK == prod ]] || die "STACK must be staging or prod, got '$STACK'"
DIGEST_REF='^[a-z0-9][a-z0-9./_:-]*@sha256:[0-9a-f]{64}$'

ssh_host() {
    ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new "root@${HOST:?}" "$@"
}

# The image's labels as JSON ({} for none), pulled first.
labels_of() {
    docker pull --quiet "$1" >/dev/null
    docker inspect -f '{{json .Config.Labels}}' "$1"
}

# The remote steps on the host, as one bash script fed to `ssh bash -s`: the stage's containers
# are <stack>-odoo and <stack>-postgres on the network odoo-<stack>.
remote() {
    # ssh joins its arguments with spaces into one command line for the remote shell: each one
    # is quoted for it, or an empty one (nothing to install) would vanish and shift the others.
    # shellcheck disable=SC2029 # expanded here on purpose
    ssh_host "bash -s -- $(printf '%q ' "$STACK" "${DATABASE:?}" "$@")" <<'REMOTE'
set -euo pipefail
stack=$1 db=$2 step=$3
shift 3
q() { docker exec -i "$stack-postgres" psql -X -v ON_ERROR_STOP=1 -U odoo -d postgres -Atq "$@"; }
# Keeping the database aside needs the database container: with a managed cluster
# (database: managed) there is none, and Odoo's role there may not create or rename databases.
# Checked before anything stops, so Odoo goes on serving the current image.
need_container() {
    docker inspect -f '{{.Name}}' "$stack-postgres" >/dev/null 2>&1 || {
        echo "$stack has no database container ($stack-postgres; database: managed?): the release cannot keep $db aside as ${db}_pre_upgrade, so it updates no module. Odoo still serves the current image. Release without module changes, or update them by hand after a backup (README, \"Promote\")" >&2
        exit 1
    }
}
disconnect() {
    q -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$1' AND pid <> pg_backend_pid()" >/dev/null
}
case "$step" in
upgrade)
    image=$1 update=$2 install=$3 addons=$4
    need_container
    docker pull --quiet "$image" >/dev/null
    # Odoo's environment as deployed (database address and password), for the upgrade run.
    docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$stack-odoo" | grep -v '^$' >"/root/.upgrade-$stack.env"
    chmod 600 "/root/.upgrade-$stack.env"
    docker stop --time 60 "$stack-odoo" >/dev/null
    disconnect "$db"
    q -c "DROP DATABASE IF EXISTS \"${db}_pre_upgrade\""
    q -c "CREATE DATABASE \"${db}_pre_upgrade\" TEMPLATE \"$db\" STRATEGY FILE_COPY"
    args=(--database="$db" --no-http --stop-after-init --addons-path="$addons" --data-dir=/var/lib/odoo)
    [ -n "$update" ] && args+=(--update="$update")
    [ -n "$install" ] && args+=(--init="$install")
    status=0
    docker run --rm --network "odoo-$stack" --env-file "/root/.upgrade-$stack.env" \
        -v /mnt/odoo-data/odoo:/var/lib/odoo "$image" odoo "${args[@]}" || status=$?
    rm -f "/root/.upgrade-$stack.env"
    if [ "$status" -ne 0 ]; then
        echo "the module upgrade failed (status $status): the database goes back, Odoo starts again" >&2
        disconnect "$db"
        q -c "DROP DATABASE \"$db\""
        q -c "ALTER DATABASE \"${db}_pre_upgrade\" RENAME TO \"$db\""
        docker start "$stack-odoo" >/dev/null
        exit 1
    fi
    ;;
restore-database)
    # The pre-upgrade database back in place; the failed one kept aside for a look.
    need_container
    [ "$(q -c "SELECT count(*) FROM pg_database WHERE datname = '${db}_pre_upgrade'")" = 1 ] || {
        echo "no ${db}_pre_upgrade to go back to" >&2
        exit 1
    }
    docker stop --time 60 "$stack-odoo" >/dev/null 2>&1 || true
    disconnect "$db"
    q -c "DROP DATABASE IF EXISTS \"${db}_failed\""
    q -c "ALTER DATABASE \"$db\" RENAME TO \"${db}_failed\""
    q -c "ALTER DATABASE \"${db}_pre_upgrade\" RENAME TO \"$db\""
    ;;
*)
    echo "unknown remote step $step" >&2
    exit 2
    ;;
esac
REMOTE
}

# Production's credentials live in this repository's `production` environment, and any holder of
# the deploy token can start this workflow: a release reaches them only after a second person
# approved it, so the environment must require reviewers, refuse self-review and admin bypass.
# Read from GitHub's answer (GET /repos/{owner}/{repo}/environments/production).
guard_production() {
    local answer verdict
    answer=$(gh api "repos/${GITHUB_REPOSITORY:?}/environments/production") ||
        die "cannot read the production environment of $GITHUB_REPOSITORY (the job needs actions: read)"
    verdict=$(python3 -c '
import json, sys
e = json.loads(sys.argv[1])
rules = [r for r in e.get("protection_rules") or [] if r.get("type") == "required_reviewers"]
problems = []
if not any(r.get("reviewers") for r in rules):
    problems.append("has no required reviewers")
elif not all(r.get("prevent_self_review") for r in rules):
    problems.append("lets the one who starts a release approve it (prevent self-review)")
if e.get("can_admins_bypass", True):
    problems.append("lets administrators bypass its protection rules")
print("; ".join(problems))
' "$answer")
    [ -z "$verdict" ] ||
        die "the production environment of $GITHUB_REPOSITORY $verdict: set it in Settings → Environments → production before releasing to production"
}

case "${1:-}" in
plan)
    if [ "$STACK" = prod ]; then guard_production; fi
    image=${IMAGE:?}
    if [ "$image" = staging ]; then
        image=$(pulumi config get odooImage --stack staging)
        echo "promoting what staging runs: $image"
    fi
    [[ $image =~ $DIGEST_REF ]] || die "the image must be pinned by digest (<repository>@sha256:<64 hex>), got '$image'"
    previous=$(pulumi config get odooImage --stack "$STACK" 2>/dev/null || true)
    runtime=$(pulumi config get runtime --stack "$STACK" 2>/dev/null || echo droplet)
    labels_of "$image" >new-labels.json
    if [[ -n $previous && $previous =~ $DIGEST_REF ]]; then
        labels_of "$previous" >previous-labels.json
    else
        echo '{}' >previous-labels.json
    fi
    canonical=$(canonical_addons_path stacks/addons-path.json)
    planning=(--from previous-labels.json --to new-labels.json)
    [ "${INSTALL_NEW:-false}" = true ] && planning+=(--install-new)
    plan=$(npx ts-node --transpile-only tools/release-plan.ts "${planning[@]}")
    field() { python3 -c 'import json, sys; v = json.loads(sys.argv[1])[sys.argv[2]]; print(",".join(v) if isinstance(v, list) else v)' "$plan" "$1"; }
    recorded=$(field addonsPath)
    [ "$recorded" = "$canonical" ] ||
        die "$image records the addons path '$recorded', but $STACK deploys '$canonical' (stacks/addons-path.json): rebuild it with this platform's build"
    output image "$image"
    output previous "$previous"
    output runtime "$runtime"
    output update "$(field update)"
    output install "$(field install)"
    output addons-path "$canonical"
    output url "$(pulumi stack output url --stack "$STACK")"
    output database "$(pulumi stack output odooDatabase --stack "$STACK")"
    if [ "$runtime" = droplet ]; then output host "$(pulumi stack output hostIp --stack "$STACK")"; fi
    {
        echo "### Release of \`$image\` to $STACK"
        echo "| | |"
        echo "| --- | --- |"
        echo "| previous | \`${previous:-none}\` |"
        echo "| update | $(field update | sed 's/^$/none/') |"
        echo "| install | $(field install | sed 's/^$/none/') |"
        echo "| gone from the image | $(field removed | sed 's/^$/none/') |"
    } >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
    ;;
rehearse)
    # On the dev host: production's latest backup restored as a neutralized copy (odoo-restore, as a
    # staging refresh), then the release's module updates with the new image.
    : "${IMAGE:?}" "${UPDATE?}" "${INSTALL?}" "${ADDONS_PATH:?}" "${RESTIC_REPOSITORY:?}" "${RESTIC_PASSWORD:?}"
    : "${AWS_ACCESS_KEY_ID:?}" "${AWS_SECRET_ACCESS_KEY:?}"
    if [ -z "$UPDATE$INSTALL" ]; then
        echo "no module changes version: nothing to rehearse" | tee -a "${GITHUB_STEP_SUMMARY:-/dev/null}"
        exit 0
    fi
    # The read credentials travel on stdin into a root-only file, never on a command line.
    # shellcheck disable=SC2016 # expanded on the host
    printf 'RESTIC_REPOSITORY=%s\nRESTIC_PASSWORD=%s\nAWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n' \
        "$RESTIC_REPOSITORY" "$RESTIC_PASSWORD" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" |
        ssh_host 'umask 077; cat >/root/.rehearsal.env;
            status=0; docker exec --env-file /root/.rehearsal.env staging-backup odoo-restore latest odoo_rehearsal staging || status=$?;
            rm -f /root/.rehearsal.env; exit $status'
    flags="--database=odoo_rehearsal --no-http --stop-after-init --addons-path=$ADDONS_PATH --data-dir=/var/lib/odoo"
    [ -n "$UPDATE" ] && flags="$flags --update=$UPDATE"
    [ -n "$INSTALL" ] && flags="$flags --init=$INSTALL"
    status=0
    # shellcheck disable=SC2029 # expanded here on purpose: the values were validated in plan
    ssh_host "docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' staging-odoo | grep -v '^\$' >/root/.rehearsal-odoo.env;
        docker run --rm --network odoo-staging --env-file /root/.rehearsal-odoo.env -v /mnt/odoo-data/odoo:/var/lib/odoo '$IMAGE' odoo $flags;
        status=\$?; rm -f /root/.rehearsal-odoo.env; exit \$status" >rehearsal.log 2>&1 || status=$?
    ssh_host "docker exec staging-postgres psql -U odoo -d postgres -qc 'DROP DATABASE IF EXISTS odoo_rehearsal WITH (FORCE)'; rm -rf /mnt/odoo-data/odoo/filestore/odoo_rehearsal"
    if [ "$status" -ne 0 ] || grep -qE ' (ERROR|CRITICAL) odoo_rehearsal ' rehearsal.log; then
        failing=$(sed -n 's/.*odoo\.modules\.loading: Loading module \([a-z0-9_]*\) .*/\1/p' rehearsal.log | tail -n 1)
        {
            echo "### The rehearsal failed: production is not touched"
            echo "Module being loaded when it failed: \`${failing:-unknown}\`"
            echo '```'
            grep -E ' (ERROR|CRITICAL) ' -A 20 rehearsal.log | head -n 80
            echo '```'
        } | tee -a "${GITHUB_STEP_SUMMARY:-/dev/null}" >&2
        exit 1
    fi
    echo "rehearsal passed: $UPDATE$INSTALL updated on a copy of production's latest backup"
    ;;
backup)
    ssh_host docker exec "$STACK-backup" odoo-backup
    ;;
upgrade)
    : "${IMAGE:?}" "${UPDATE?}" "${INSTALL?}" "${ADDONS_PATH:?}" "${RUNTIME:?}"
    if [ "$RUNTIME" != droplet ]; then
        echo "App Platform: its PRE_DEPLOY job updates the modules during the deploy"
        exit 0
    fi
    if [ -z "$UPDATE$INSTALL" ]; then
        echo "no module changes version: no upgrade run"
        exit 0
    fi
    remote upgrade "$IMAGE" "$UPDATE" "$INSTALL" "$ADDONS_PATH"
    ;;
up)
    : "${IMAGE:?}" "${UPDATE?}" "${RUNTIME:?}"
    pulumi config set odooImage "$IMAGE" --stack "$STACK"
    if [ "$RUNTIME" = app-platform ]; then
        # The PRE_DEPLOY job updates exactly these modules (config odooUpdateModules).
        if pulumi config get odooUpdateModules --stack "$STACK" >/dev/null 2>&1; then
            pulumi config rm odooUpdateModules --stack "$STACK"
        fi
        i=0
        for module in ${UPDATE//,/ }; do
            pulumi config set --path "odooUpdateModules[$i]" "$module" --stack "$STACK"
            i=$((i + 1))
        done
    fi
    pulumi up --yes --policy-pack ./policy --stack "$STACK"
    ;;
health)
    : "${ODOO_URL:?}"
    # Staging on the droplet runtime sits behind the door (Traefik basic auth, user team, config
    # nonProdAccessPassword; /web/health stays open): the login page is read through it with the
    # stack's own password, which this job decrypts for `pulumi up` anyway. curl reads it from a
    # config on stdin, never from a command line.
    door=()
    user=""
    if [[ $STACK == staging && ${RUNTIME:-droplet} == droplet ]]; then
        password=$(pulumi config get nonProdAccessPassword --stack "$STACK")
        password=${password//\\/\\\\}
        user="team:${password//\"/\\\"}"
        door=(--config -)
    fi
    for _ in $(seq "${HEALTH_TRIES:-30}"); do
        if curl -fsS --max-time 10 "$ODOO_URL/web/health" >/dev/null &&
            printf 'user = "%s"\n' "$user" |
            curl -fsS --max-time 20 -o /dev/null "${door[@]}" "$ODOO_URL/web/login"; then
            echo "healthy: $ODOO_URL/web/health and the login page answer"
            exit 0
        fi
        sleep "${HEALTH_WAIT:-10}"
    done
    die "$ODOO_URL did not serve /web/health and the login page within five minutes"
    ;;
record)
    : "${IMAGE:?}"
    git add "Pulumi.$STACK.yaml"
    if git diff --cached --quiet; then
        echo "Pulumi.$STACK.yaml already records $IMAGE"
        exit 0
    fi
    git -c user.name="odoo-platform release" -c user.email="odoo-platform@users.noreply.github.com" \
        commit -q -m "release $STACK: $IMAGE"
    git push origin "HEAD:${RECORD_BRANCH:-main}"
    ;;
rollback)
    : "${PREVIOUS?}" "${RUNTIME:?}"
    {
        echo "### Release to $STACK failed: back to the previous image and database"
        echo "previous image: \`${PREVIOUS:-the official image}\`"
    } | tee -a "${GITHUB_STEP_SUMMARY:-/dev/null}"
    # UPGRADED: the upgrade step ran to its end, so the pre-upgrade database waits aside (a
    # failed upgrade put it back itself).
    if [ "$RUNTIME" = droplet ] && [ "${UPGRADED:-false}" = true ]; then
        remote restore-database
    fi
    # The committed config is the last good release.
    git checkout -- "Pulumi.$STACK.yaml"
    pulumi up --yes --policy-pack ./policy --stack "$STACK"
    HEALTH_TRIES=${HEALTH_TRIES:-30} "$0" health
    ;;
*)
    die "usage: release.sh plan|rehearse|backup|upgrade|up|health|record|rollback"
    ;;
esac

#!/usr/bin/env bash
# The steps of the reusable workflows odoo-build.yml and odoo-tests.yml, one subcommand each, run
# from the job's working folder (the Odoo repository in src/, this repository in platform/).
# Kept out of the YAML so that shellcheck reads them and the step harness runs them.
#
#   odoo-build.sh layout               prove the layout, write addons-path, modules, team-modules
#   odoo-build.sh context              assemble the build context in context/
#   odoo-build.sh image                write image=<repository>@<digest>
#   odoo-build.sh test                 run odoo-platform-test in the image, on the job's PostgreSQL
#   odoo-build.sh status <context>     report the job's outcome as a commit status
set -euo pipefail
# shellcheck source=tools/ci/lib.sh
. "$(dirname "$0")/lib.sh"

# The layout script, run in the official image so that Odoo's core is the real one.
layout() {
    : "${ODOO_VERSION:?}"
    docker run --rm --entrypoint python3 \
        -v "$PWD/src:/opt/odoo/src:ro" \
        -v "$PWD/platform/tools/odoo-image/odoo-platform-layout:/usr/local/bin/odoo-platform-layout:ro" \
        "odoo:$ODOO_VERSION" /usr/local/bin/odoo-platform-layout "$@" \
        --root /opt/odoo/src --addons-path "$ADDONS_PATH"
}

# The modules (of the JSON object $2) holding a file that changed since commit $1: for each
# changed path, the nearest folder upwards with a __manifest__.py. A path outside any module
# (requirements.txt, README.md) adds none; the loop must still end with status 0, or pipefail
# fails the build.
changed_modules() {
    git -C src diff --name-only "$1...HEAD" | while read -r file; do
        dir=$(dirname "$file")
        while [ "$dir" != . ] && [ ! -f "src/$dir/__manifest__.py" ]; do dir=$(dirname "$dir"); done
        if [ "$dir" != . ]; then basename "$dir"; fi
    done | sort -u | python3 -c '
import json, sys
known = json.loads(sys.argv[1])
print(",".join(m for m in sys.stdin.read().split() if m in known))' "$2"
}

case "${1:-}" in
layout)
    ADDONS_PATH=$(canonical_addons_path platform/stacks/addons-path.json)
    export ADDONS_PATH
    layout check
    modules=$(layout modules | tr -d '\n')
    team=$(layout team-modules | paste -sd, -)
    output addons-path "$ADDONS_PATH"
    output modules "$modules"
    output team-modules "$team"
    echo "team modules: ${team:-none}"
    # A pull request: the modules whose files it changes, to update in its preview environment.
    if [ -n "${BASE_SHA:-}" ]; then
        changed=$(changed_modules "$BASE_SHA" "$modules")
        output changed-modules "$changed"
        echo "changed modules: ${changed:-none}"
    fi
    ;;
context)
    rm -rf context
    mkdir -p context/src
    cp platform/tools/odoo-image/Dockerfile platform/tools/odoo-image/odoo-platform-layout \
        platform/tools/odoo-image/odoo-platform-entrypoint \
        platform/tools/odoo-image/odoo-platform-test platform/tools/odoo-image/odoo-backup context/
    # The repository as checked out, submodules included, without git's data or the workflows.
    tar -C src --exclude=./.git --exclude='*/.git' --exclude=./.github -cf - . |
        tar -C context/src -xf -
    ;;
image)
    : "${IMAGE_REPOSITORY:?}" "${DIGEST:?}"
    [[ $DIGEST =~ ^sha256:[0-9a-f]{64}$ ]] || die "the build gave no digest (got '$DIGEST')"
    output image "$IMAGE_REPOSITORY@$DIGEST"
    echo "image: $IMAGE_REPOSITORY@$DIGEST"
    ;;
test)
    : "${IMAGE:?}" "${MODULES?}" "${RUNNER_TEMP:?}"
    [[ $IMAGE =~ @sha256:[0-9a-f]{64}$ ]] || die "the image must be pinned by digest, got '$IMAGE'"
    out="$RUNNER_TEMP/odoo-test"
    mkdir -p "$out"
    chmod 0777 "$out"
    if [ -z "$MODULES" ]; then
        echo "no modules of the team's to test" | tee -a "${GITHUB_STEP_SUMMARY:-/dev/null}"
        exit 0
    fi
    addons=$(image_addons_path "$IMAGE")
    [ -n "$addons" ] || die "$IMAGE records no addons path: was it built by odoo-build.yml?"
    docker run --rm --network host -v "$out:/out" "$IMAGE" odoo-platform-test \
        --database odoo_ci --modules "$MODULES" --log /out/odoo.log --summary /out/summary.md \
        -- --addons-path="$addons" --data-dir=/tmp/odoo-ci \
        --db_host=127.0.0.1 --db_port=5432 --db_user=odoo --db_password=odoo
    ;;
status)
    commit_status "${2:?status needs a context}" "${OUTCOME:-}"
    ;;
*)
    die "usage: odoo-build.sh layout|context|image|test|status <context>"
    ;;
esac

#!/usr/bin/env bash
# The steps of the reusable workflow pr-environment.yml, run from a checkout of this repository
# with the Pulumi CLI logged in to the state backend.
#
#   pr-environment.sh deploy     pr-<N> up with the PR's image (PR_NUMBER, IMAGE, UPDATE_MODULES)
#   pr-environment.sh destroy    pr-<N> destroyed and removed, if it exists
set -euo pipefail
# shellcheck source=tools/ci/lib.sh
. "$(dirname "$0")/lib.sh"

: "${PR_NUMBER:?}"
[[ $PR_NUMBER =~ ^[1-9][0-9]*$ ]] || die "PR number must be a positive integer, got '$PR_NUMBER'"
stack="pr-$PR_NUMBER"

# Whether the state backend holds the stack; fails (rather than says no) when it cannot be read.
stack_exists() {
    pulumi stack ls --json | python3 -c '
import json, sys
names = {s["name"].split("/")[-1] for s in json.load(sys.stdin)}
sys.exit(0 if sys.argv[1] in names else 1)' "$1"
}

case "${1:-}" in
deploy)
    : "${IMAGE:?}" "${UPDATE_MODULES?}"
    [[ $IMAGE =~ ^[a-z0-9][a-z0-9./_:-]*@sha256:[0-9a-f]{64}$ ]] ||
        die "the image must be pinned by digest (<repository>@sha256:<64 hex>), got '$IMAGE'"
    [[ -z $UPDATE_MODULES || $UPDATE_MODULES =~ ^[a-z0-9_]+(,[a-z0-9_]+)*$ ]] ||
        die "update-modules must be module names separated by commas, got '$UPDATE_MODULES'"
    # The image must hold the addons path this platform deploys: Odoo refuses to start otherwise.
    recorded=$(image_addons_path "$IMAGE")
    canonical=$(canonical_addons_path stacks/addons-path.json)
    if [ "$recorded" != "$canonical" ]; then
        die "$IMAGE records the addons path '${recorded:-none}', but this platform deploys" \
            "'$canonical' (stacks/addons-path.json): build the image with this platform's build"
    fi
    if ! stack_exists "$stack"; then
        pulumi stack init "$stack"
    fi
    pulumi stack select "$stack"
    pulumi config set --path pr.number "$PR_NUMBER"
    pulumi config set --path pr.image "$IMAGE"
    if pulumi config get --path pr.updateModules >/dev/null 2>&1; then
        pulumi config rm --path pr.updateModules
    fi
    i=0
    for module in ${UPDATE_MODULES//,/ }; do
        pulumi config set --path "pr.updateModules[$i]" "$module"
        i=$((i + 1))
    done
    pulumi up --yes --policy-pack ./policy --stack "$stack"
    output url "$(pulumi stack output url --stack "$stack")"
    output cost "$(pulumi stack output prMonthlyUsd --stack staging)"
    ;;
destroy)
    if stack_exists "$stack"; then
        pulumi destroy --yes --remove --stack "$stack"
    else
        echo "no stack $stack: nothing to remove"
    fi
    ;;
*)
    die "usage: pr-environment.sh deploy|destroy"
    ;;
esac

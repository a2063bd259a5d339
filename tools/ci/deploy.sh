#!/usr/bin/env bash
# The step of deploy.yml, in the Odoo repository: asks the platform repository to release an image
# to a stage (its release.yml, which holds the stage's credentials) and waits for the outcome, so
# that this job, and the GitHub Deployment of its environment, succeed or fail with the release.
# Env: GH_TOKEN (a token that runs the platform's workflows), PLATFORM_REPOSITORY, STAGE, IMAGE,
# INSTALL_NEW, REQUEST (an id of this request).
set -euo pipefail
# shellcheck source=tools/ci/lib.sh
. "$(dirname "$0")/lib.sh"

: "${PLATFORM_REPOSITORY:?}" "${STAGE:?}" "${IMAGE:?}" "${REQUEST:?}"
[[ $STAGE == staging || $STAGE == production ]] || die "stage must be staging or production, got '$STAGE'"
[[ $IMAGE == staging || $IMAGE =~ ^[a-z0-9][a-z0-9./_:-]*@sha256:[0-9a-f]{64}$ ]] ||
    die "the image must be pinned by digest (<repository>@sha256:<64 hex>) or be 'staging', got '$IMAGE'"

gh workflow run release.yml --repo "$PLATFORM_REPOSITORY" \
    -f stage="$STAGE" -f image="$IMAGE" -f install-new="${INSTALL_NEW:-false}" -f request="$REQUEST"

# The run that request started: release.yml names its runs `release <stage> <request>`.
run=""
for _ in $(seq "${FIND_TRIES:-24}"); do
    run=$(gh run list --repo "$PLATFORM_REPOSITORY" --workflow release.yml --event workflow_dispatch \
        --limit 50 --json databaseId,displayTitle \
        --jq ".[] | select(.displayTitle == \"release $STAGE $REQUEST\") | .databaseId" | head -n 1)
    [ -n "$run" ] && break
    sleep "${FIND_WAIT:-5}"
done
[ -n "$run" ] || die "the platform's release run for request $REQUEST did not show up"
url="https://github.com/$PLATFORM_REPOSITORY/actions/runs/$run"
echo "release of $IMAGE to $STAGE: $url" | tee -a "${GITHUB_STEP_SUMMARY:-/dev/null}"
gh run watch "$run" --repo "$PLATFORM_REPOSITORY" --exit-status --interval "${WATCH_INTERVAL:-20}" ||
    die "the release failed: $url"

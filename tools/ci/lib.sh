#!/usr/bin/env bash
# Shared by the workflow step scripts of tools/ci: sourced, never run.
# shellcheck shell=bash

die() {
    echo "error: $*" >&2
    exit 1
}

# A step output for later steps and jobs.
output() {
    printf '%s=%s\n' "$1" "$2" >>"${GITHUB_OUTPUT:?}"
}

# Reports a commit status on the commit under test: commit_status <context> <outcome>, where the
# outcome is pending, success, failure or anything else (an error). Needs GH_TOKEN, SHA, RUN_URL.
commit_status() {
    local context=$1 outcome=$2 state description
    : "${SHA:?}" "${RUN_URL:?}" "${GITHUB_REPOSITORY:?}"
    case "$outcome" in
    pending) state=pending description="running" ;;
    success) state=success description="passed" ;;
    failure) state=failure description="failed: see the run" ;;
    *) state=error description="did not finish ($outcome)" ;;
    esac
    gh api --silent -X POST "repos/$GITHUB_REPOSITORY/statuses/$SHA" \
        -f state="$state" -f context="$context" -f target_url="$RUN_URL" \
        -f description="$description"
}

# The addons path an image records (label odoo-platform.addons-path), pulled if need be.
image_addons_path() {
    docker pull --quiet "$1" >/dev/null
    docker inspect -f '{{ index .Config.Labels "odoo-platform.addons-path" }}' "$1"
}

# The canonical addons path of this checkout (stacks/addons-path.json), comma-separated.
canonical_addons_path() {
    python3 -c 'import json, sys; print(",".join(json.load(open(sys.argv[1]))))' \
        "${1:-stacks/addons-path.json}"
}

#!/usr/bin/env bash
# Tells people that something failed: the job summary always, Slack when ALERT_SLACK_URL is set
# (the incoming webhook of the stacks' alertSlackUrl). `alert.sh <message>`.
set -euo pipefail
# shellcheck source=tools/ci/lib.sh
. "$(dirname "$0")/lib.sh"

message="${1:?alert.sh needs a message}${RUN_URL:+ ($RUN_URL)}"
echo "### Alert: $message" >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
echo "alert: $message" >&2
if [ -n "${ALERT_SLACK_URL:-}" ]; then
    payload=$(python3 -c 'import json, sys; print(json.dumps({"text": sys.argv[1]}))' "$message")
    curl -fsS --max-time 20 -X POST -H 'Content-Type: application/json' \
        --data "$payload" "$ALERT_SLACK_URL" >/dev/null
fi

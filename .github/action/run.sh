#!/usr/bin/env bash
# Runs gatepass for the composite action. Every input arrives as an environment variable (never
# interpolated into a script) and becomes exactly one argument; secrets go to gatepass through
# its own environment variables, never as arguments.
set -euo pipefail

fail() {
  echo "::error title=gatepass::$1"
  exit 2
}

bin="${GATEPASS_BIN:?gatepass was not installed}"

# Prints each non-empty line of $1, trimmed.
lines() {
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    if [ -n "$line" ]; then printf '%s\n' "$line"; fi
  done <<<"$1"
}

# Whether $1 is true; $2 names the input for the error.
flag() {
  case "$1" in
    true | True | TRUE) return 0 ;;
    false | False | FALSE | "") return 1 ;;
    *) fail "input $2 must be true or false, not '$1'" ;;
  esac
}

command="${INPUT_COMMAND:-}"
args=("$command")
needs_github_token=false
case "$command" in
  issue | check)
    [ -n "${INPUT_POLICY:-}" ] || fail "input policy is required for command $command"
    [ -n "${INPUT_RELEASE:-}" ] || fail "input release is required for command $command"
    args+=(--policy "$INPUT_POLICY" --release "$INPUT_RELEASE")
    while IFS= read -r dir; do args+=(--approvals "$dir"); done < <(lines "${INPUT_APPROVALS:-}")
    while IFS= read -r file; do args+=(--exception "$file"); done < <(lines "${INPUT_EXCEPTIONS:-}")
    if [ "$command" = issue ]; then
      args+=(--mode "${INPUT_MODE:-enforce}")
      if [ -n "${INPUT_SIGNING_KEY:-}" ]; then
        export GATEPASS_SIGNING_KEY="$INPUT_SIGNING_KEY"
      fi
    elif [ "${INPUT_MODE:-enforce}" != enforce ]; then
      fail "input mode applies to command issue; for check, use continue-on-error on the step"
    fi
    if flag "${INPUT_GITHUB_APPROVALS:-}" github-approvals; then
      args+=(--github-approvals)
      needs_github_token=true
    fi
    if flag "${INPUT_PUBLISH_CHECK:-}" publish-check; then
      args+=(--publish-check)
      needs_github_token=true
    fi
    ;;
  verify)
    [ -n "${INPUT_KEYS:-}" ] || fail "input keys is required for command verify"
    [ -n "${INPUT_AUDIENCE:-}" ] || fail "input audience is required for command verify"
    args+=(--keys "$INPUT_KEYS" --audience "$INPUT_AUDIENCE")
    while IFS= read -r artifact; do args+=(--artifact "$artifact"); done < <(lines "${INPUT_ARTIFACTS:-}")
    if [ -n "${INPUT_TOKEN:-}" ]; then
      export GATEPASS_TOKEN="$INPUT_TOKEN"
    fi
    ;;
  *)
    fail "input command must be issue, check or verify, not '$command'"
    ;;
esac
if [ -n "${INPUT_AUDIT_LOG:-}" ]; then
  args+=(--audit-log "$INPUT_AUDIT_LOG")
fi

# The GitHub token reaches gatepass only when a feature that needs it is on.
if [ "$needs_github_token" = true ]; then
  export GITHUB_TOKEN="${INPUT_GITHUB_TOKEN:-}"
else
  unset GITHUB_TOKEN
fi
unset INPUT_SIGNING_KEY INPUT_GITHUB_TOKEN INPUT_TOKEN

# stdout of `issue` is the token: it reaches later steps only as the (masked) output `token`,
# never the log.
if [ "$command" = issue ]; then
  exec "$bin" "${args[@]}" >/dev/null
fi
exec "$bin" "${args[@]}"

#!/usr/bin/env bash
# Regenerates the example approval and exception records with the demo keys in keys/approvers/.
#
#   examples/sign-approvals.sh
#
# Run it after changing any artifact or evidence file of an example: a record is bound to the
# release digest, so one changed byte makes every earlier record stop counting.
#
# Approvals are signed with --expires 3650d, but the policies' `max_age = "7d"` still applies at
# evaluation: a week after signing, `gatepass check` reports them as too old. Exceptions cannot
# outlive `[exceptions].max_ttl` (4h in the example policies), so they are signed for 4h and
# are expired in a checkout; rerun this script to use them live.
#
# The demo keys' private halves are published: never use them for anything real.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --bin gatepass
gatepass=target/debug/gatepass
keys=keys/approvers

approve() { # release-dir environment role approver [extra args...]
  local dir=$1 env=$2 role=$3 who=$4
  shift 4
  mkdir -p "examples/$dir/approvals"
  "$gatepass" approve --key "$keys/$who.key" --release "examples/$dir/release.toml" \
    --environment "$env" --role "$role" --approver "$who" --expires 3650d \
    --out "examples/$dir/approvals/$env.$role.$who.approval.jwt" "$@" >/dev/null
}

exception() { # release-dir environment approver waive reason risk-acceptance
  local dir=$1 env=$2 who=$3 waive=$4 reason=$5 risk=$6
  mkdir -p "examples/$dir/exceptions"
  "$gatepass" exception --key "$keys/$who.key" --release "examples/$dir/release.toml" \
    --environment "$env" --waive "$waive" --reason "$reason" --risk-acceptance "$risk" \
    --approver "$who" --expires 4h \
    --out "examples/$dir/exceptions/$env.exception.$who.jwt" >/dev/null
}

# The summarizer 1.4.0: approved for staging and production by the ML lead and the product lead.
# The production policy counts the two production records and reports the staging ones as
# approved for another environment.
rm -f examples/summarizer/approvals/*.jwt examples/summarizer/exceptions/*.jwt
for env in staging production; do
  approve summarizer "$env" ml-lead jrivera --comment "eval report and red-team results reviewed"
  approve summarizer "$env" product schen --comment "summary style signed off with support leads" \
    --condition "watch the escalation rate for 48h after rollout"
done

# Break-glass: both release managers waive the Friday-to-Monday deploy freeze for the
# summarizer in production (the policy needs two distinct release managers).
reason="fix for summaries leaking ticket ids; cannot wait for Monday"
risk="weekend deploy with reduced staffing; on-call ML lead watches the dashboards and rolls back on any alert"
exception summarizer production rm1 deploy-window "$reason" "$risk"
exception summarizer production rm2 deploy-window "$reason" "$risk"

# Quote pricing 2.3.0 (a model change, tier critical): approved by all three roles. The gate
# still denies it: the input contract is unmet, and no approval or exception can waive that.
rm -f examples/pricing/approvals/*.jwt
approve pricing production ml-lead jrivera --comment "backtest reviewed"
approve pricing production product schen
approve pricing production compliance mokafor --comment "pricing fairness review done"

echo "signed: $(ls examples/*/approvals/*.jwt examples/*/exceptions/*.jwt | wc -l) records" >&2

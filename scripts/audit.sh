#!/usr/bin/env bash
# make audit: known vulnerabilities in what we ship — both Python locks (pip-audit) and the
# console's npm lock (npm audit). A service that cannot be reached, or answers without data,
# makes an audit say "clean" about anything; so a known-vulnerable canary (jinja2 3.0.0,
# CVE-2024-22195) must be flagged first, else this prints "audit unavailable" and exits 2.
set -uo pipefail
cd "$(dirname "$0")/.."
AUDIT=.venv-actions/bin/pip-audit
CANARY="jinja2==3.0.0"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "$CANARY" > "$work/canary.txt"
if ! "$AUDIT" -r "$work/canary.txt" --no-deps --disable-pip -f json 2> "$work/canary.err" \
    | grep -q '"vulns": \[{'; then
  echo "audit unavailable: pip-audit did not flag the canary $CANARY (known CVE-2024-22195);" \
       "its vulnerability service is unreachable or answered without data, so a clean result would mean nothing." >&2
  tail -2 "$work/canary.err" >&2
  exit 2
fi

status=0
for lock in requirements/rasa.lock requirements/actions.lock; do
  echo "==> $lock"
  "$AUDIT" -r "$lock" --no-deps --disable-pip 2> >(grep -v "encouraged to fully hash\|pip-compile" >&2) || status=1
done

echo "==> console/package-lock.json"
if ! (cd console && npm audit --omit=dev > "$work/npm.log" 2>&1); then
  if grep -q "audit endpoint returned an error" "$work/npm.log"; then
    echo "audit unavailable for npm: the registry's advisory endpoint answered with an error." >&2
    status=2
  else
    cat "$work/npm.log"
    status=1
  fi
else
  cat "$work/npm.log"
fi
exit $status

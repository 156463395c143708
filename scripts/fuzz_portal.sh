#!/usr/bin/env bash
# Schema-driven fuzzing of the sandbox portal with schemathesis: every operation of
# /openapi.json, generated valid and invalid inputs, as an authenticated demo citizen.
# Reports how many cases ran and any 5xx or response that breaks the portal's own schema.
# POST /me/logout is left out (it would revoke the fuzzer's own token); the
# positive_data_acceptance check is off because schema-valid bodies can still break business
# rules (unknown service codes, numbers that belong to nobody) and rightly get a 4xx.
#
#   scripts/fuzz_portal.sh                    # starts its own portal (temporary SQLite, dev mode)
#   PORTAL_URL=http://127.0.0.1:8001 scripts/fuzz_portal.sh   # fuzz a running portal (needs BANSHI_PORTAL_DEV=1)
#   MAX_EXAMPLES=200 scripts/fuzz_portal.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv-actions/bin/python}
ST=${ST:-.venv-actions/bin/schemathesis}
MAX_EXAMPLES=${MAX_EXAMPLES:-100}

if ! [ -x "$ST" ]; then
  echo "schemathesis 未安装：.venv-actions/bin/python -m pip install schemathesis" >&2
  exit 2
fi

WORK=$(mktemp -d)
PORTAL_PID=""
cleanup() {
  [ -n "$PORTAL_PID" ] && kill "$PORTAL_PID" 2>/dev/null && wait "$PORTAL_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "${PORTAL_URL:-}" ]; then
  PORT=$($PY -c "from bot.ops.processes import free_port; print(free_port())")
  PORTAL_URL="http://127.0.0.1:$PORT"
  BANSHI_PORTAL_DEV=1 BANSHI_PORTAL_TICK_SECONDS=0.5 BANSHI_PORTAL_DB_URL="sqlite:///$WORK/portal.db" \
    $PY -m portal --host 127.0.0.1 --port "$PORT" >"$WORK/portal.log" 2>&1 &
  PORTAL_PID=$!
  for _ in $(seq 60); do
    curl -fs "$PORTAL_URL/health" >/dev/null 2>&1 && break
    sleep 0.5
  done
fi

# A token for a demo citizen (张伟), through the real binding flow and the dev-mode SMS endpoint.
TOKEN=$($PY - "$PORTAL_URL" <<'PYEOF'
import sys, httpx
url = sys.argv[1]
started = httpx.post(f"{url}/identity/bindings", json={
    "channel": "web", "channel_user_id": "fuzz", "name": "张伟", "id_number": "99010219940512043X"}).json()
code = httpx.get(f"{url}/dev/sms/{started['binding_id']}").json()["code"]
print(httpx.post(f"{url}/identity/bindings/{started['binding_id']}/verify", json={"code": code}).json()["token"])
PYEOF
)

set +e
# schemathesis keeps a crash cache in ./.schemathesis; run from the temporary folder so the
# repository stays clean.
(cd "$WORK" && "$OLDPWD/$ST" run "$PORTAL_URL/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --max-examples "$MAX_EXAMPLES" \
  --checks all \
  --exclude-checks positive_data_acceptance \
  --exclude-operation-id logout \
  --report ndjson --report-ndjson-path "$WORK/events.ndjson" \
  --seed 20261123 \
  --warnings off >"$WORK/schemathesis.txt" 2>&1)
STATUS=$?
set -e
grep -v "^\s*$" "$WORK/schemathesis.txt" | tail -n 80

$PY - "$WORK/events.ndjson" <<'PYEOF'
import json, sys, collections
cases = 0
statuses = collections.Counter()
per_operation = collections.defaultdict(collections.Counter)
for line in open(sys.argv[1], encoding="utf-8"):
    event = json.loads(line)
    for kind, payload in event.items():
        if kind != "ScenarioFinished":
            continue
        recorder = payload.get("recorder") or {}
        for case in recorder.get("interactions", {}).values():
            response = case.get("response")
            cases += 1
            if response:
                statuses[response["status_code"]] += 1
                per_operation[recorder.get("label")][response["status_code"]] += 1
five = sum(n for s, n in statuses.items() if s >= 500)
# an authenticated operation the fuzzer only ever saw refused (401/403) was not exercised
unexercised = [op for op, seen in per_operation.items() if seen and set(seen) <= {401, 403}]
for op, seen in sorted(per_operation.items()):
    print(f"   {op}: {dict(sorted(seen.items()))}")
print(f"\n== fuzz summary: {cases} requests, {five} with 5xx; status counts: {dict(sorted(statuses.items()))}")
print(f"== operations answered only 401/403: {len(unexercised)} {unexercised}")
PYEOF
[ -n "$PORTAL_PID" ] && grep -c "未处理的错误" "$WORK/portal.log" | sed 's/^/portal log unhandled errors: /' || true
exit $STATUS

#!/usr/bin/env bash
# The end-to-end demo behind `make demo`: collector + responder's phone (a local webhook
# receiver) + one agent, a suspicious-looking but harmless process, and what the helper team
# sees. Runs unattended; everything lives in a temporary directory and is stopped at the end.
set -euo pipefail

BUILD_DIR=${1:-build}
BIN="$(cd "$BUILD_DIR/bin" && pwd)"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK=$(mktemp -d /tmp/otasuke-demo.XXXXXX)
PIDS=()

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_for_file() {  # path, seconds
  for _ in $(seq 1 $(($2 * 10))); do [ -s "$1" ] && return 0; sleep 0.1; done
  echo "demo: timed out waiting for $1" >&2
  return 1
}

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: the agent watches process starts through the kernel's proc connector," >&2
  echo "      which needs root (CAP_NET_ADMIN). Run 'make demo' as root." >&2
  exit 1
fi

say "1/6  Starting the responder's phone: a local webhook receiver"
"$BIN/webhook_sink" --port 0 --port-file "$WORK/sink.port" --output "$WORK/webhook.jsonl" \
  >"$WORK/sink.log" 2>&1 &
PIDS+=($!)
wait_for_file "$WORK/sink.port" 10
SINK_PORT=$(cat "$WORK/sink.port")
echo "     webhook receiver on http://127.0.0.1:$SINK_PORT/"

say "2/6  Starting the collector (embedded SQLite in $WORK/collector)"
"$BIN/otasuke-collector" --listen 127.0.0.1:0 --port-file "$WORK/collector.port" \
  --data-dir "$WORK/collector" --webhook-url "http://127.0.0.1:$SINK_PORT/otasuke" --run-as-user root \
  >"$WORK/collector.log" 2>&1 &
PIDS+=($!)
wait_for_file "$WORK/collector.port" 20
COLLECTOR=127.0.0.1:$(cat "$WORK/collector.port")
echo "     collector listening on $COLLECTOR with TLS (its CA was generated at first start)"
# otasukectl verifies the collector with its CA and authenticates with a console token; the
# first start wrote an admin one.
export OTASUKE_CA_FILE="$WORK/collector/pki/ca.crt"
export OTASUKE_TOKEN_FILE="$WORK/collector/admin.token"

echo "     enrolling the agent: a single-use token from otasukectl, then otasuke-agent enroll"
ENROLL=$("$BIN/otasukectl" --collector "$COLLECTOR" enroll-tokens create --tenant demo-bakery \
  --ttl 1h --json)
TOKEN=$(echo "$ENROLL" | sed -n 's/.*"secret":"\([^"]*\)".*/\1/p')
CA_FINGERPRINT=$(echo "$ENROLL" | sed -n 's/.*"ca_fingerprint":"\([^"]*\)".*/\1/p')
"$BIN/otasuke-agent" enroll --collector "$COLLECTOR" --token "$TOKEN" \
  --ca-fingerprint "$CA_FINGERPRINT" --state-dir "$WORK/agent" --hostname reception-pc |
  sed 's/^/     /'

say "3/6  Starting an agent for the SME 'demo-bakery' with the project's rule pack"
"$BIN/otasuke-agent" --tenant demo-bakery --hostname reception-pc --collector "$COLLECTOR" \
  --state-dir "$WORK/agent" --rules "$ROOT/rules" --heartbeat-interval 2s --run-as-user root \
  >"$WORK/agent.log" 2>&1 &
AGENT_PID=$!
PIDS+=($AGENT_PID)
for _ in $(seq 1 100); do
  grep -q "connected to collector" "$WORK/agent.log" && break
  sleep 0.1
done
grep "rule set\|sigma:\|suricata:\|connected to collector" "$WORK/agent.log" | sed 's/^/     agent: /'

say "4/6  Something suspicious happens: a shell writes a script to /tmp and runs it"
SCRIPT=$(mktemp /tmp/otasuke-demo-payload.XXXXXX.sh)
cat >"$SCRIPT" <<'PAYLOAD'
#!/bin/sh
echo "     (harmless demo payload ran: $(date))"
PAYLOAD
chmod +x "$SCRIPT"
sh -c "\"$SCRIPT\""
rm -f "$SCRIPT"

say "5/6  The alert crosses gRPC, is stored, becomes an incident, and the responder is notified"
wait_for_file "$WORK/webhook.jsonl" 30
echo "     webhook received (what the responder's phone gets):"
head -n 1 "$WORK/webhook.jsonl" | cut -c1-1500 | sed 's/^/     /'
echo
echo "     otasukectl alerts list:"
"$BIN/otasukectl" --collector "$COLLECTOR" alerts list | sed 's/^/     /'

say "6/6  otasukectl incidents list"
"$BIN/otasukectl" --collector "$COLLECTOR" incidents list | sed 's/^/     /'
echo
"$BIN/otasukectl" --collector "$COLLECTOR" agents list | sed 's/^/     /'

say "Stopping everything"
kill -TERM "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null || true
echo "     demo finished: the alert went agent -> collector -> incident -> responder."

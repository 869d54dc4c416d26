# Sourced by the agent benches: starts a collector on loopback and the agent with the project's
# rule pack, both in $WORK, and removes them on exit. Needs BUILD, ROOT and WORK set; extra
# arguments go to the agent. Sets COLLECTOR and AGENT to their pids.
trap 'kill $AGENT $COLLECTOR 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT
"$BUILD/bin/otasuke-collector" --listen 127.0.0.1:0 --port-file "$WORK/port" \
  --data-dir "$WORK/c" --transport-security insecure --run-as-user root >"$WORK/c.log" 2>&1 &
COLLECTOR=$!
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
"$BUILD/bin/otasuke-agent" --tenant bench --collector "127.0.0.1:$(cat "$WORK/port")" \
  --state-dir "$WORK/a" --rules "$ROOT/rules" --transport-security insecure --run-as-user root \
  "$@" >"$WORK/a.log" 2>&1 &
AGENT=$!

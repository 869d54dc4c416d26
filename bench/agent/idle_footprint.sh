#!/usr/bin/env bash
# Measures the agent's resident memory and idle CPU with the live process source and the
# project's rule pack, connected to a local collector. Usage (as root, after `make`):
#   bench/agent/idle_footprint.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
BUILD=${1:-build}
SECS=${2:-60}
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK=$(mktemp -d)
trap 'kill $AGENT $COLLECTOR 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$BUILD/bin/otasuke-collector" --listen 127.0.0.1:0 --port-file "$WORK/port" \
  --data-dir "$WORK/c" --transport-security insecure --run-as-user root >"$WORK/c.log" 2>&1 &
COLLECTOR=$!
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
"$BUILD/bin/otasuke-agent" --tenant bench --collector "127.0.0.1:$(cat "$WORK/port")" \
  --state-dir "$WORK/a" --rules "$ROOT/rules" --transport-security insecure --run-as-user root >"$WORK/a.log" 2>&1 &
AGENT=$!
sleep 5  # start-up (rule compile) is not idle time
ticks() { awk '{print $14 + $15}' "/proc/$AGENT/stat"; }
t0=$(ticks); s0=$(date +%s.%N)
sleep "$SECS"
t1=$(ticks); s1=$(date +%s.%N)
hz=$(getconf CLK_TCK)
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$AGENT/status")
hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$AGENT/status")
awk -v t0="$t0" -v t1="$t1" -v s0="$s0" -v s1="$s1" -v hz="$hz" -v rss="$rss_kb" -v hwm="$hwm_kb" \
  'BEGIN { printf "agent idle: RSS %.1f MB (peak %.1f MB), CPU %.3f %% of one core over %.0f s\n",
           rss/1024, hwm/1024, 100*(t1-t0)/hz/(s1-s0), s1-s0 }'
# Where the resident pages are: anonymous (the agent's own heap, stacks, rule databases) versus
# file-backed (library and program text, shared with every other process mapping the same
# files), and the largest mappings.
awk '/^(Rss|Pss|Anonymous|Shared_Clean|Private_Clean|Private_Dirty):/ {printf "  %-14s %6.1f MB\n", $1, $2/1024}' \
  "/proc/$AGENT/smaps_rollup"
echo "  largest mappings (RSS):"
awk '/^[0-9a-f]+-[0-9a-f]+ / {name = ($6 == "" ? "[anon]" : $6)} /^Rss:/ {rss[name] += $2}
     END {for (n in rss) printf "    %6.1f MB %s\n", rss[n]/1024, n}' "/proc/$AGENT/smaps" |
  sort -rn | head -8

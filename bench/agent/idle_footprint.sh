#!/usr/bin/env bash
# Measures the agent's resident memory and idle CPU with the live process source and the
# project's rule pack, connected to a local collector. Usage (as root, after `make`):
#   bench/agent/idle_footprint.sh [BUILD_DIR] [SECONDS] [AGENT FLAGS...]
# Extra arguments go to the agent (e.g. --reconnect-keepalive-interval 5m, to compare).
set -euo pipefail
BUILD=${1:-build}
SECS=${2:-60}
shift $(($# < 2 ? $# : 2))
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK=$(mktemp -d)
. "$ROOT/bench/agent/start_pair.sh" "$@"
# Start-up is not idle time: the rule compile, and the one-off release of the pages used while
# connecting, 20 s after the stream came up (agent_app.cc), which costs a few milliseconds.
sleep 25
# CPU per thread in nanoseconds (schedstat), not clock ticks: at 0.1 % of a core a 60 s window
# is 60 ms, six ticks. Threads are named (src-process, src-network_con, transport, ...).
thread_cpu() {
  for t in /proc/$AGENT/task/*; do
    printf '%s %s\n' "$(cat "$t/comm")" "$(awk '{print $1}' "$t/schedstat")"
  done | awk '{ns[$1] += $2} END {for (n in ns) print n, ns[n]}' | sort
}
forks() { awk '/^processes/ {print $2}' /proc/stat; }
thread_cpu >"$WORK/cpu0"; f0=$(forks); s0=$(date +%s.%N)
sleep "$SECS"
thread_cpu >"$WORK/cpu1"; f1=$(forks); s1=$(date +%s.%N)
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$AGENT/status")
hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$AGENT/status")
# Every process the host starts is an event the agent reads from /proc, hashes once per image
# and matches: the host's own activity is part of the agent's "idle" CPU, so it is printed.
join "$WORK/cpu0" "$WORK/cpu1" | awk -v s0="$s0" -v s1="$s1" -v rss="$rss_kb" -v hwm="$hwm_kb" \
  -v forks="$((f1 - f0))" '
  { d = $3 - $2; total += d; if (d > 0) line[$1] = d }
  END {
    secs = s1 - s0
    printf "agent idle: RSS %.1f MB (peak %.1f MB), CPU %.3f %% of one core over %.0f s\n",
           rss/1024, hwm/1024, 100*total/1e9/secs, secs
    printf "  host started %d processes meanwhile (%.1f per second)\n", forks, forks/secs
    for (n in line) printf "  %-16s %.3f %% (%.1f ms)\n", n, 100*line[n]/1e9/secs, line[n]/1e6
  }'
# Where the resident pages are: anonymous (the agent's own heap, stacks, rule databases) versus
# file-backed (library and program text, shared with every other process mapping the same
# files), and the largest mappings.
awk '/^(Rss|Pss|Anonymous|Shared_Clean|Private_Clean|Private_Dirty):/ {printf "  %-14s %6.1f MB\n", $1, $2/1024}' \
  "/proc/$AGENT/smaps_rollup"
echo "  largest mappings (RSS):"
awk '/^[0-9a-f]+-[0-9a-f]+ / {name = ($6 == "" ? "[anon]" : $6)} /^Rss:/ {rss[name] += $2}
     END {for (n in rss) printf "    %6.1f MB %s\n", rss[n]/1024, n}' "/proc/$AGENT/smaps" |
  sort -rn | head -8

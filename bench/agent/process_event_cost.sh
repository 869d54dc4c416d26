#!/usr/bin/env bash
# CPU the agent's process source spends per process the host starts. Usage (as root, after
# `make`):
#   bench/agent/process_event_cost.sh [BUILD_DIR] [STARTS]
# Starts a collector and the agent with rules/, measures the `src-process` thread's CPU
# (schedstat, ns) over 5 s of background, then while this script starts STARTS copies of
# /bin/true (a cached image: no hashing), and divides by every process the host started
# meanwhile (/proc/stat "processes"), the background's included.
set -euo pipefail
BUILD=${1:-build}
STARTS=${2:-3000}
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK=$(mktemp -d)
set --  # no agent flags: the sourced script passes "$@" to the agent
. "$ROOT/bench/agent/start_pair.sh"
sleep 5  # start-up
TID=""
for t in /proc/$AGENT/task/*; do
  [ "$(cat "$t/comm")" = src-process ] && TID=$(basename "$t")
done
[ -n "$TID" ] || { echo "no src-process thread in the agent" >&2; exit 1; }
cpu_ns() { awk '{print $1}' "/proc/$AGENT/task/$TID/schedstat"; }
forks() { awk '/^processes/ {print $2}' /proc/stat; }
n0=$(cpu_ns); f0=$(forks)
sleep 5
n1=$(cpu_ns); f1=$(forks)
for _ in $(seq "$STARTS"); do /bin/true; done
n2=$(cpu_ns); f2=$(forks)
echo "background: $((f1 - f0)) process starts, $(((n1 - n0) / 1000)) us of src-process CPU"
echo "loop: $((f2 - f1)) process starts, $(((n2 - n1) / 1000)) us => $(((n2 - n1) / (f2 - f1) / 1000)) us per process start"

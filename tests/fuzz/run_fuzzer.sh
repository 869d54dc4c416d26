#!/bin/sh
# A brief libFuzzer run for ctest (label fuzz-run): FUZZER SEED_DIR WORK_DIR SECONDS.
# New inputs go to WORK_DIR/corpus (the committed seeds are only read); a crash, leak, timeout
# or sanitizer report leaves WORK_DIR/crash-* (or leak-*, timeout-*, oom-*) and fails the test.
# See docs/FUZZING.md for long runs and for turning a crash into a regression seed.
set -eu
fuzzer=$1 seeds=$2 work=$3 seconds=$4
rm -rf "$work"
mkdir -p "$work/corpus"
# -timeout: one input taking 10 s is a hang; -rss_limit_mb: a parser growing past 2 GB is a bug
# (both are reported as failures with the input saved). -max_len bounds one input at 64 KiB so
# a short run explores structure rather than size.
exec "$fuzzer" "$work/corpus" "$seeds" -max_total_time="$seconds" -timeout=10 \
  -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$work/" -print_final_stats=1

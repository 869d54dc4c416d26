#!/usr/bin/env bash
# Suricata 7 and Otasuke side by side on the same rules (the in-subset ET Open rules), the same
# vars (Suricata's defaults) and the same capture, one thread each (Suricata --runmode single,
# checksums not validated: -k none). For each engine it reports rule-load time (a run over a
# one-packet capture), packet-phase time (the full run minus that), peak RSS and the number of
# alerts; then it runs both over one pass of the bench pcaps and compares their EVE alerts per
# (sid, flow 5-tuple, count) with suricata_eve_diff.py and the known differences in
# suricata_known_differences.tsv.
#
#   bench/network/suricata_side_by_side.sh [--build DIR] [--shared DIR] [--pcap FILE]
#                                          [--work DIR] [--diff-only]
#
# --pcap defaults to the bench pcaps repeated to 1 GB by otasuke-pcap-repeat (made in --work
# if absent). Needs otasuke-scan-pcap and otasuke-pcap-repeat in --build/bin. Prints SKIP and
# exits 0 when suricata (../shared/tools/install-suricata) or ../shared is absent. Exit 1 when
# the EVE comparison finds a difference that is not a known one.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$root/build
shared=$root/../shared
pcap=
work=${TMPDIR:-/tmp}/otasuke-side-by-side
diff_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --shared) shared=$2; shift 2 ;;
    --pcap) pcap=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --diff-only) diff_only=1; shift ;;
    *) echo "usage: $0 [--build DIR] [--shared DIR] [--pcap FILE] [--work DIR] [--diff-only]" >&2
       exit 2 ;;
  esac
done

if ! command -v suricata >/dev/null; then
  echo "SKIP: suricata is not installed (../shared/tools/install-suricata installs 7.0.10)"
  exit 0
fi
if [ ! -f "$shared/rulesets/et-open/SUBSET.tsv" ] || [ ! -d "$shared/bench/pcaps" ]; then
  echo "SKIP: $shared (ET Open rules, bench pcaps) is absent"
  exit 0
fi
for tool in otasuke-scan-pcap otasuke-pcap-repeat; do
  if [ ! -x "$build/bin/$tool" ]; then
    echo "$build/bin/$tool is missing: cmake --build build -j2 --target otasuke_scan_pcap" \
         "otasuke_pcap_repeat" >&2
    exit 2
  fi
done
mkdir -p "$work"

vars=$shared/conformance/suricata-verify/_etc/default-vars.yaml
classification=$shared/rulesets/et-open/rules/classification.config
rules=$work/et_subset.rules

# The rules SUBSET.tsv marks in_keyword_subset, as one file both engines load.
python3 - "$shared/rulesets/et-open" "$rules" <<'EOF'
import csv, os, re, sys
et, out = sys.argv[1], sys.argv[2]
with open(os.path.join(et, "SUBSET.tsv"), encoding="utf-8") as tsv:
    rows = csv.reader(tsv, delimiter="\t")
    next(rows)
    subset = {row[0] for row in rows if len(row) > 5 and row[5] == "yes"}
sid = re.compile(r"\bsid:\s*(\d+)\s*;")
kept = 0
with open(out, "w", encoding="utf-8") as rules:
    for name in sorted(os.listdir(os.path.join(et, "rules"))):
        if not name.endswith(".rules"):
            continue
        with open(os.path.join(et, "rules", name), encoding="utf-8", errors="replace") as f:
            for line in f:
                m = sid.search(line)
                if line.strip() and not line.startswith("#") and m and m.group(1) in subset:
                    rules.write(line)
                    kept += 1
print(f"rules: {kept} in-subset ET Open rules -> {out}")
EOF

# Suricata's configuration: the same vars, EVE alerts only, no other output.
{
  echo '%YAML 1.1'
  echo '---'
  grep -v '^%YAML\|^---' "$vars"
  cat <<EOF
classification-file: $classification
reference-config-file: /etc/suricata/reference.config
logging:
  default-log-level: notice
outputs:
  - eve-log:
      enabled: yes
      filetype: regular
      filename: eve.json
      types:
        - alert
EOF
} > "$work/suricata.yaml"

once=$work/bench-once.pcap
[ -f "$once" ] || "$build/bin/otasuke-pcap-repeat" --out "$once" --min-bytes 1 "$shared/bench/pcaps"
if [ -z "$pcap" ] && [ "$diff_only" = 0 ]; then  # --diff-only compares one pass only
  pcap=$work/bench-1g.pcap
  [ -f "$pcap" ] || "$build/bin/otasuke-pcap-repeat" --out "$pcap" --min-bytes 1073741824 \
    "$shared/bench/pcaps"
fi
# A one-packet capture: a run over it is rule load plus start-up and shut-down.
tiny=$work/first-packet.pcap
python3 - "$once" "$tiny" <<'EOF'
import struct, sys
with open(sys.argv[1], "rb") as f:
    header = f.read(24)
    endian = "<" if header[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    record = f.read(16)
    caplen = struct.unpack(endian + "IIII", record)[2]
    data = f.read(caplen)
with open(sys.argv[2], "wb") as f:
    f.write(header + record + data)
EOF

# run NAME CMD...: runs CMD with stdout and stderr to $work/NAME.log; sets wall, cpu, rss_mb.
run() {
  local name=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/$name.time" "$@" > "$work/$name.log" 2>&1 || {
    echo "$name failed, see $work/$name.log" >&2
    tail -5 "$work/$name.log" >&2
    exit 1
  }
  read -r wall user sys rss_kb < "$work/$name.time"
  cpu=$(awk -v a="$user" -v b="$sys" 'BEGIN { print a + b }')
  rss_mb=$((rss_kb / 1024))
}
# engine_command ENGINE PCAP OUTDIR: sets `command` to that engine's run over PCAP, EVE in OUTDIR.
engine_command() {
  mkdir -p "$3"
  rm -f "$3/eve.json"
  if [ "$1" = suricata ]; then
    command=(suricata -c "$work/suricata.yaml" --runmode single -k none -S "$rules" -r "$2" -l "$3")
  else
    command=("$build/bin/otasuke-scan-pcap" --rules "$rules" --vars "$vars"
             --classification "$classification" --eve "$3/eve.json" "$2")
  fi
}
minus() { awk -v a="$1" -v b="$2" 'BEGIN { print a - b }'; }
alerts_in() { grep -c '"event_type":"alert"' "$1" || true; }

if [ "$diff_only" = 0 ]; then
  echo "capture: $pcap ($(stat -c %s "$pcap") bytes); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  printf '%-9s | %-22s | %-24s | %-12s | %s\n' engine "rule load CPU s (wall)" \
    "packet phase CPU s (wall)" "peak RSS MB" alerts
  for engine in suricata otasuke; do
    engine_command "$engine" "$tiny" "$work/$engine-load"
    run "$engine-load" "${command[@]}"
    load_cpu=$cpu load_wall=$wall load_rss=$rss_mb
    engine_command "$engine" "$pcap" "$work/$engine-full"
    run "$engine-full" "${command[@]}"
    printf '%-9s | %6.2f (%6.2f)        | %6.2f (%6.2f)          | %4d (load %d) | %s\n' \
      "$engine" "$load_cpu" "$load_wall" "$(minus "$cpu" "$load_cpu")" \
      "$(minus "$wall" "$load_wall")" "$rss_mb" "$load_rss" \
      "$(alerts_in "$work/$engine-full/eve.json")"
  done
fi

echo "differential check: one pass over $shared/bench/pcaps ($once)"
for engine in suricata otasuke; do
  engine_command "$engine" "$once" "$work/$engine-once"
  run "$engine-once" "${command[@]}"
done
python3 "$here/suricata_eve_diff.py" "$work/suricata-once/eve.json" \
  "$work/otasuke-once/eve.json" --known "$here/suricata_known_differences.tsv"

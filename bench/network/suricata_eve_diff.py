#!/usr/bin/env python3
"""Differential check of EVE alerts: Suricata against Otasuke on the same pcap and rules.

Compares alert counts per (sid, flow 5-tuple). The 5-tuple is direction-free (the two
endpoints in sorted order), so an alert raised on the reply direction by one engine and on
the request direction by the other still counts as the same flow. Every difference is
printed with the rule's message; a difference whose sid is listed in the known-differences
file (TSV: sid, cause) is reported as known, any other one as UNEXPLAINED.

  suricata_eve_diff.py SURICATA_EVE OTASUKE_EVE [--known FILE] [--verbose]

Exit status: 0 when every difference is known, 1 when some are not, 2 on bad input.
"""

import argparse
import collections
import json
import sys


def read_alerts(path):
    """(sid, flow) -> count, and sid -> signature, from the alert events of an EVE file."""
    counts = collections.Counter()
    names = {}
    with open(path, encoding="utf-8") as eve:
        for number, line in enumerate(eve, 1):
            line = line.strip()
            if not line:
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError as error:
                sys.exit(f"{path}:{number}: not JSON: {error}")
            if event.get("event_type") != "alert":
                continue
            alert = event.get("alert", {})
            sid = alert.get("signature_id")
            ends = sorted([(event.get("src_ip", ""), event.get("src_port", 0)),
                           (event.get("dest_ip", ""), event.get("dest_port", 0))])
            flow = (event.get("proto", ""),) + tuple(ends)
            counts[(sid, flow)] += 1
            names[sid] = alert.get("signature", "")
    return counts, names


def read_known(path):
    """sid -> cause from the known-differences TSV (comments start with #)."""
    known = {}
    if path is None:
        return known
    with open(path, encoding="utf-8") as tsv:
        for number, line in enumerate(tsv, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) < 2 or not fields[0].isdigit():
                sys.exit(f"{path}:{number}: expected 'sid<TAB>cause'")
            known[int(fields[0])] = fields[1]
    return known


def flow_text(flow):
    proto, (a_ip, a_port), (b_ip, b_port) = flow
    return f"{proto} {a_ip}:{a_port} <> {b_ip}:{b_port}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suricata_eve")
    parser.add_argument("otasuke_eve")
    parser.add_argument("--known", help="TSV of known differences: sid, cause")
    parser.add_argument("--verbose", action="store_true", help="list every differing flow")
    args = parser.parse_args()
    try:
        suricata, names = read_alerts(args.suricata_eve)
        otasuke, otasuke_names = read_alerts(args.otasuke_eve)
        known = read_known(args.known)
    except OSError as error:
        print(f"suricata_eve_diff: {error}", file=sys.stderr)
        return 2
    for sid, name in otasuke_names.items():
        names.setdefault(sid, name)

    same = 0
    differences = []  # (known cause or None, sid, flow, suricata count, otasuke count)
    for key in sorted(set(suricata) | set(otasuke), key=lambda k: (k[0], k[1])):
        s, o = suricata.get(key, 0), otasuke.get(key, 0)
        if s == o:
            same += 1
            continue
        differences.append((known.get(key[0]), key[0], key[1], s, o))

    print(f"alerts: suricata {sum(suricata.values())}, otasuke {sum(otasuke.values())}; "
          f"(sid, flow) pairs: {len(set(suricata) | set(otasuke))}, same count {same}, "
          f"different {len(differences)}")
    # One line per sid: how many flows differ and the alert totals on those flows.
    per_sid = collections.OrderedDict()
    for cause, sid, flow, s, o in differences:
        entry = per_sid.setdefault(sid, [cause, 0, 0, 0, flow])
        entry[1] += 1
        entry[2] += s
        entry[3] += o
    for sid, (cause, flows, s, o, example) in per_sid.items():
        label = "known" if cause is not None else "UNEXPLAINED"
        print(f"  {label}: sid {sid} ({names.get(sid, '')}): {flows} flows differ, "
              f"suricata {s} / otasuke {o} alerts on them (e.g. {flow_text(example)})")
        if cause is not None:
            print(f"      cause: {cause}")
    if args.verbose:
        for cause, sid, flow, s, o in differences:
            print(f"  sid {sid} {flow_text(flow)}: suricata {s}, otasuke {o}")
    unexplained = [sid for sid, entry in per_sid.items() if entry[0] is None]
    if unexplained:
        print(f"{len(unexplained)} sids differ without a known cause")
        return 1
    print("every difference is a known one")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes the binary seed corpora of the protobuf fuzz targets from readable text protos.

Each tests/fuzz/seeds/<target>/<name>.txtpb becomes tests/fuzz/corpus/<target>/<name>.bin.
Its first line says how to encode it:
  # type: <message>                 one message (protoc --encode)
  # type: <message> stream          messages separated by lines '---', each varint-length-
                                    delimited (the collector_*_fuzzer stream inputs)
  # type: <message> prefix: <byte>  one message after a selector byte
Run from anywhere after editing a seed: tests/fuzz/make_seeds.py (needs protoc).
"""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEEDS = ROOT / "tests/fuzz/seeds"
CORPUS = ROOT / "tests/fuzz/corpus"
PROTOS = ["otasuke/v1/agent_service.proto", "otasuke/v1/console_service.proto",
          "otasuke/v1/workorder_service.proto"]


def encode(message_type, text):
    return subprocess.run(["protoc", f"--encode={message_type}", f"-I{ROOT / 'proto'}", *PROTOS],
                          input=text.encode(), capture_output=True, check=True).stdout


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def main():
    for seed in sorted(SEEDS.glob("*/*.txtpb")):
        text = seed.read_text()
        header = re.match(r"# type: (\S+)(?: (stream))?(?: prefix: (\d+))?\n", text)
        if not header:
            sys.exit(f"{seed}: first line must be '# type: <message> [stream] [prefix: N]'")
        message_type, stream, prefix = header.groups()
        if stream:
            data = b"".join(varint(len(m)) + m
                            for m in (encode(message_type, part)
                                      for part in re.split(r"^---$", text, flags=re.M)))
        else:
            data = encode(message_type, text)
        if prefix is not None:
            data = bytes([int(prefix)]) + data
        out = CORPUS / seed.parent.name / (seed.stem + ".bin")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        print(f"{out.relative_to(ROOT)}: {len(data)} bytes")


if __name__ == "__main__":
    main()

"""Writes each frame of the classic-pcap captures in a folder as one file: the fuzzer's
seed corpus (real Ethernet, loopback and IPv6 frames with SYNs, ClientHellos, HTTP).

usage: python3 Fuzz/seed-corpus.py fixtures/ja4 Fuzz/.corpus
"""
import os
import struct
import sys

source, target = sys.argv[1], sys.argv[2]
os.makedirs(target, exist_ok=True)
count = 0
for name in sorted(os.listdir(source)):
    if not name.endswith(".pcap"):
        continue
    data = open(os.path.join(source, name), "rb").read()
    if data[:4] != b"\xd4\xc3\xb2\xa1":  # little-endian classic pcap only
        continue
    at = 24
    while at + 16 <= len(data):
        captured = struct.unpack("<I", data[at + 8 : at + 12])[0]
        with open(os.path.join(target, "%s-%04d" % (name, count)), "wb") as out:
            out.write(data[at + 16 : at + 16 + captured])
        count += 1
        at += 16 + captured
print("seed corpus: %d frames in %s" % (count, target))

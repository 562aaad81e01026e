"""Writes malformed .npy files into the directory argv[1], one per case:
each must give one located error, never a crash, a hang or a wrong read."""
import os
import struct
import sys


def npy(header, data=b"", version=1):
    text = header.encode()
    text += b" " * ((64 - (10 + len(text) + 1) % 64) % 64) + b"\n"
    length = struct.pack("<H", len(text)) if version == 1 else struct.pack("<I", len(text))
    return b"\x93NUMPY" + bytes([version, 0]) + length + text + data


CASES = {
    # The element count wraps to 0 in 64 bits: 2^32 * 2^32.
    "overflow": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 1), }",
                    b"\0" * 64),
    "junk": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4, abc), }", b"\0" * 64),
    "huge": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 1234567890123456789012345678901234567890), }"),
    "unclosed": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4, }", b"\0" * 32),
    "version": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", b"\0" * 16, version=4),
    "trailing": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", b"\0" * 24),
    "truncated": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", b"\0" * 8),
    "good": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", struct.pack("<2d", 1.5, 2.5)),
}

for name, content in CASES.items():
    with open(os.path.join(sys.argv[1], name + ".npy"), "wb") as f:
        f.write(content)

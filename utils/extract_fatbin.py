#!/usr/bin/env python3
"""Writes each CUDA fatbin embedded in a compiled model to its own file, so
that the toolkit's cuobjdump can list its images (cuobjdump does not look
inside the global a compiled model keeps its device code in).

    extract_fatbin.py model.so OUT_PREFIX      # OUT_PREFIX0.fatbin, ...

A fatbin starts with the magic 0xBA55ED50, a 16-bit version, a 16-bit header
size and a 64-bit size of what follows the header (little-endian). Prints the
number of fatbins written; exits 1 if there is none.
"""

import struct
import sys

MAGIC = struct.pack("<I", 0xBA55ED50)


def main():
    data = open(sys.argv[1], "rb").read()
    count, start = 0, data.find(MAGIC)
    while start >= 0:
        _, _, header_size, body_size = struct.unpack_from("<IHHQ", data, start)
        end = start + header_size + body_size
        with open(f"{sys.argv[2]}{count}.fatbin", "wb") as out:
            out.write(data[start:end])
        count += 1
        start = data.find(MAGIC, end)
    print(count)
    return 0 if count else 1


if __name__ == "__main__":
    sys.exit(main())

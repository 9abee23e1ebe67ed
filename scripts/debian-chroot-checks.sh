#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs inside a clean Debian root (scripts/stage-debian.sh puts it in /work with
# the freshly built .debs in /work/debs and tests/consumer in /work/consumer):
# installs the packages, then uses them the ways a user would.
# Usage: sh /work/debian-chroot-checks.sh MAJOR.MINOR
set -eu
wanted=${1:?usage: debian-chroot-checks.sh MAJOR.MINOR}
cd /work
step() { echo "-- $*"; }

step "dpkg -i the packages"
dpkg -i debs/*.deb > dpkg.log 2>&1 || { cat dpkg.log; exit 1; }
dpkg-query -W -f '   ${Package} ${Version}\n' libmemmap0.1 libmemmap-dev python3-memmap memmap-tools

step "a C consumer through pkg-config"
cc consumer/main.c $(pkg-config --cflags --libs memmap) -o consumer_pkgconfig
./consumer_pkgconfig | tee out.txt
grep -q "installed memmap works" out.txt

step "a C consumer through find_package(memmap $wanted)"
cmake -S consumer -B consumer-build -DMEMMAP_WANTED="$wanted" > cmake.log 2>&1 || { cat cmake.log; exit 1; }
cmake --build consumer-build > build.log 2>&1 || { cat build.log; exit 1; }
for program in consumer_shared consumer_static; do
  ./consumer-build/$program | tee out.txt
  grep -q "installed memmap works" out.txt
done

step "python3: import memmap and map a small file"
python3 -c '
import memmap
with open("small.bin", "wb") as f:
    f.write(b"hello, map")
m = memmap.open("small.bin", "r+")
assert m[0:5] == b"hello", m[0:5]
m[0:5] = b"HELLO"
m.close()
assert open("small.bin", "rb").read() == b"HELLO, map"
print("   python3 maps files with", memmap.__file__)
'

step "mmcat on a file"
head -c 100000 /usr/bin/cmake > input.bin
mmcat input.bin > output.bin
cmp input.bin output.bin
echo "   mmcat copied $(wc -c < output.bin) bytes exactly"

step "man finds the pages"
man -w memmap_open memmap mmcat

echo "debian-chroot-checks: OK"

#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds and runs the whole benchmark suite, then writes bench/results/results.md
# and bench/results/chart.png.
#
#   bench/run.sh            the full suite: 1 GiB data file, 75 s to 2 min here
#   bench/run.sh --quick    a small run to try things out (64 MiB); its results
#                           go to build-bench/results, never to bench/results
#   bench/run.sh --cache [memmap_bench options]
#                           the page-cache groups only (cold scan and random
#                           reads of an evicted file, huge pages), written as
#                           their own section of bench/results/results.md
#   bench/run.sh --grow [memmap_bench options]
#                           the growing-in-place groups only (append while
#                           reading, one resize per record), written as their
#                           own section of bench/results/results.md
#   bench/run.sh --ring [memmap_bench options]
#                           a byte stream between two processes (ring against
#                           pipe and socketpair, 4 GiB; one-byte round trips),
#                           written as its own section of bench/results/results.md
#
# Everything it builds and every data file lives in build-bench/ (override the
# data directory with MEMMAP_BENCH_DIR).  It needs cmake and a C compiler;
# valgrind adds instruction counts; /usr/bin/python3 with numpy and the memmap
# extension adds the Python half; gnuplot draws the chart (installed with
# apt-get when missing).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-bench"
data="${MEMMAP_BENCH_DIR:-$build/data}"
python="${MEMMAP_BENCH_PYTHON:-/usr/bin/python3}"
started=$(date +%s)

quick=0
section=""
if [ "${1:-}" = "--quick" ]; then
    quick=1
    shift
elif [ "${1:-}" = "--cache" ] || [ "${1:-}" = "--grow" ] || [ "${1:-}" = "--ring" ]; then
    # Only some groups, written as one section of results.md; the arguments
    # after the option go to memmap_bench (--reps, --size, ...).
    section_option=$1
    shift
    if [ "$section_option" = --cache ]; then
        section="Page cache: cold loads and huge pages"
        section_cases=cold_scan,cold_random,tlb
    elif [ "$section_option" = --grow ]; then
        section="Growing in place: append while reading (issue 11)"
        section_cases=append_read,record_resize
    else
        section="Rings: a pipe between processes that copies nothing (issue 12)"
        section_cases=ring_stream,ring_pingpong
    fi
fi
if [ -n "$section" ]; then
    bench_args="--cases $section_cases $*"
    results="$root/bench/results"
elif [ "$quick" = 1 ]; then
    bench_args="--size 64M --reads 100000 --open-iterations 20000 --reps 3 --cold-reads 500 --anon-size 256M --tlb-reads 500000 --ring-size 256M --pings 2000"
    py_args="--size 64M --reps 3 --open-iterations 2000"
    results="$build/results"
else
    bench_args=""
    py_args=""
    results="$root/bench/results"
fi
raw="$build/raw-results"
mkdir -p "$data" "$raw" "$results"
rm -f "$raw"/*.tsv

say() { printf '\n=== %s\n' "$*"; }

ensure_gnuplot() {
    command -v gnuplot >/dev/null 2>&1 && return 0
    say "installing gnuplot-nox for the chart"
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y gnuplot-nox >/dev/null || true
    elif command -v sudo >/dev/null 2>&1; then
        sudo apt-get install -y gnuplot-nox >/dev/null || true
    fi
    command -v gnuplot >/dev/null 2>&1 || echo "no gnuplot: the table is written, the chart is not"
}

python_has_numpy() {
    [ -x "$python" ] && "$python" -c "import numpy" >/dev/null 2>&1
}

build_suite() {
    say "building (Release) in $build"
    python_option=OFF
    if python_has_numpy && [ -f "$root/bindings/python/CMakeLists.txt" ]; then
        python_option=ON
    fi
    # Warnings are the CI build's business; here a new compiler warning must
    # not stop a measurement.
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMEMMAP_BUILD_BENCH=ON \
        -DBUILD_TESTING=OFF -DMEMMAP_BUILD_EXAMPLES=OFF -DMEMMAP_WERROR=OFF \
        -DMEMMAP_BUILD_PYTHON=$python_option -DMEMMAP_PYTHON_EXECUTABLE="$python" >"$build/cmake.log" 2>&1 ||
        { cat "$build/cmake.log"; exit 1; }
    jobs=$(nproc 2>/dev/null || echo 2)
    cmake --build "$build" -j "$jobs" --target memmap_bench >"$build/build.log" 2>&1 ||
        { tail -40 "$build/build.log"; exit 1; }
    # The Python extension is optional: without it only the Python half is skipped.
    if [ "$python_option" = ON ]; then
        cmake --build "$build" -j "$jobs" >>"$build/build.log" 2>&1 ||
            echo "the Python extension did not build (see $build/build.log)"
    fi
}

# Instructions per iteration of one open/map/close loop, from two callgrind runs
# of different lengths so that start-up and the first iteration cancel out.
instructions_per_iteration() {
    loop=$1
    for n in 1000 3000; do
        valgrind --tool=callgrind --callgrind-out-file="$raw/callgrind.$loop.$n" \
            --collect-atstart=no --toggle-collect="open_loop_$loop" \
            "$build/bench/memmap_bench" --open-loop "$loop" --iterations $n --dir "$data" >/dev/null 2>&1
    done
    short=$(sed -n 's/^summary: //p' "$raw/callgrind.$loop.1000")
    long=$(sed -n 's/^summary: //p' "$raw/callgrind.$loop.3000")
    echo $(((long - short) / 2000))
}

count_instructions() {
    if ! command -v valgrind >/dev/null 2>&1; then
        echo "no valgrind: instruction counts skipped"
        return 0
    fi
    say "counting instructions with callgrind"
    title="open/map/close instructions per iteration (callgrind, user space)"
    for pair in "raw:raw open/fstat/mmap/munmap/close" "memmap:memmap_open/memmap_close" \
                "raw_handle:raw + malloc'd handle (floor)"; do
        loop=${pair%%:*}
        name=${pair#*:}
        count=$(instructions_per_iteration "$loop")
        printf '  %-36s %8s instructions\n' "$name" "$count"
        printf 'value\topen_ir\t%s\t%s\tinstructions\t%s\n' "$title" "$name" "$count" >>"$raw/callgrind.tsv"
    done
}

python_module_dir() {
    # The package CMake built (bindings/python/CMakeLists.txt), if it did.
    if [ -f "$build/bindings/python/memmap/__init__.py" ]; then
        echo "$build/bindings/python"
    fi
}

run_python() {
    if ! python_has_numpy; then
        echo "no numpy for $python: Python benchmarks skipped"
        return 0
    fi
    moddir=$(python_module_dir)
    if [ -n "$moddir" ]; then
        PYTHONPATH="$moddir${PYTHONPATH:+:$PYTHONPATH}"
        export PYTHONPATH
    fi
    if ! "$python" -c "import memmap" >/dev/null 2>&1; then
        echo "the memmap extension does not import for $python: Python benchmarks skipped"
        return 0
    fi
    say "Python benchmarks"
    # shellcheck disable=SC2086 # py_args is a list of words
    "$python" "$root/bench/bench.py" --dir "$data" --tsv "$raw/python.tsv" $py_args
}

load_average() { cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?"; }

if [ -n "$section" ]; then
    build_suite
    load_before=$(load_average)
    say "$section (memmap_bench $bench_args)"
    # shellcheck disable=SC2086 # bench_args is a list of words
    "$build/bench/memmap_bench" --dir "$data" --tsv "$raw/section.tsv" $bench_args
    load_after=$(load_average)
    compiler=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
    compiler="$compiler $("$compiler" -dumpfullversion 2>/dev/null || true)"
    revision=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
    "$python" "$root/bench/report.py" --out "$results" --section "$section" \
        --command "bench/run.sh $section_option $*" --data-dir "$data" --compiler "$compiler" \
        --revision "$revision" --load "$load_before / $load_after" "$raw/section.tsv" >/dev/null
    echo "written: the section \"$section\" of $results/results.md"
    echo "the run took $(($(date +%s) - started)) s"
    exit 0
fi

ensure_gnuplot
build_suite
load_before=$(load_average)

say "C benchmarks"
# shellcheck disable=SC2086 # bench_args is a list of words
"$build/bench/memmap_bench" --dir "$data" --tsv "$raw/c.tsv" $bench_args
count_instructions
run_python

load_after=$(load_average)
say "report"
compiler=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
compiler="$compiler $("$compiler" -dumpfullversion 2>/dev/null || true)"
command="bench/run.sh"
[ "$quick" = 1 ] && command="bench/run.sh --quick"
revision=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if ! git -C "$root" diff --quiet HEAD -- src include 2>/dev/null; then
    revision="$revision with uncommitted changes in src/ or include/"
fi
"$python" "$root/bench/report.py" --out "$results" --command "$command" --data-dir "$data" \
    --compiler "$compiler" --revision "$revision" --python "$("$python" -c 'import sys, numpy; print(sys.version.split()[0], "numpy", numpy.__version__)' 2>/dev/null || echo none)" \
    --load "$load_before / $load_after" \
    "$raw/c.tsv" "$raw/callgrind.tsv" "$raw/python.tsv" >/dev/null
echo "written: $results/results.md $results/chart.png"
echo "the suite took $(($(date +%s) - started)) s"

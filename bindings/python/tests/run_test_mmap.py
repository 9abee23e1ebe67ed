# SPDX-License-Identifier: MIT
"""Runs CPython's own mmap tests against the standard mmap and against memmap.mmap.

    python3 run_test_mmap.py [--suites DIR]

The suites: this interpreter's test.test_mmap (3.11 on Debian 12), and the
test_mmap.py files of newer CPythons kept in DIR (by default
../shared/cpython-test_mmap beside the repository): test_mmap_3_12.py,
test_mmap_3_13.py, test_mmap_3_14.py and test_mmap_main.py.  A suite that is
missing is a failure, not a pass.

Each suite runs twice, in child interpreters (fresh modules, a scratch
directory each): once with the standard mmap, once with sys.modules["mmap"]
set to memmap before the suite is imported, so every mmap.* it uses is ours.
A child that crashes (the standard 3.11 module segfaults on some newer tests)
is started again without the tests already done; the test it died in counts
as "crashed".

It fails when
  - a test passes with the standard mmap and not with memmap.mmap, or
  - a test of any suite neither passes nor is skipped by the suite itself
    with memmap.mmap, unless EXCLUDED lists it with the reason.
Exits 77 (skipped) when this interpreter has no test.test_mmap
(Debian: apt-get install libpython3.11-testsuite).
"""
import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import unittest

SKIPPED = 77
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SUITES = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "shared", "cpython-test_mmap"))

# (suite label, file in the suites directory; None for this interpreter's test.test_mmap)
SUITES = [
    ("installed", None),
    ("3.12", "test_mmap_3_12.py"),
    ("3.13", "test_mmap_3_13.py"),
    ("3.14", "test_mmap_3_14.py"),
    ("main", "test_mmap_main.py"),
]

# Tests that cannot pass against memmap.mmap on this interpreter, with why.
# Keyed by (suite label, test id).
EXCLUDED = {}


# --- the child -----------------------------------------------------------------------------


def add_missing_support():
    """The test.support names newer suites use and Python 3.11 lacks."""
    from test import support

    if not hasattr(support, "is_apple"):
        support.is_apple = sys.platform in ("darwin", "ios", "tvos", "watchos")
    if not hasattr(support, "linked_to_musl"):
        def linked_to_musl():
            import platform
            return platform.libc_ver()[0] == "" and sys.platform == "linux"
        support.linked_to_musl = linked_to_musl
    if not hasattr(support, "in_systemd_nspawn_sync_suppressed"):
        # Only true inside a systemd-nspawn container that ignores sync calls.
        support.in_systemd_nspawn_sync_suppressed = lambda: False
    if not hasattr(support, "subTests"):
        def subTests(arg_names, arg_values, /, *, _do_cleanups=False):
            """Runs the test once per set of arguments, each as a subTest."""
            if isinstance(arg_names, str):
                arg_names = arg_names.replace(",", " ").split()
            single = len(arg_names) == 1
            values_list = tuple(arg_values)

            def decorator(func):
                @functools.wraps(func)
                def wrapper(self, /, *args, **kwargs):
                    for values in values_list:
                        named = dict(zip(arg_names, (values,) if single else values))
                        with self.subTest(**named):
                            func(self, *args, **kwargs, **named)
                        if _do_cleanups:
                            self.doCleanups()
                return wrapper
            return decorator
        support.subTests = subTests


def load_suite(path):
    """The test module at path (None: test.test_mmap), made loadable by Python 3.11."""
    if path is None:
        from test import test_mmap
        return test_mmap
    with open(path, encoding="utf-8") as f:
        source = f.read()
    # 3.15's d"""...""" (dedented string) is a syntax error on 3.11; it only
    # appears in a Windows-only test, which is skipped here either way.
    source = source.replace('d"""', '"""')
    module = type(sys)("test_mmap")
    module.__file__ = path
    sys.modules["test_mmap"] = module
    exec(compile(source, path, "exec"), module.__dict__)
    return module


class StreamingResult(unittest.TextTestResult):
    """Prints one JSON line per test as it starts and ends, so a crash loses nothing."""

    def emit(self, test, outcome):
        print(json.dumps({"id": test.id(), "outcome": outcome}), flush=True)

    def startTest(self, test):
        super().startTest(test)
        print(json.dumps({"start": test.id()}), flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self.emit(test, "pass")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.emit(test, "fail")

    def addError(self, test, err):
        super().addError(test, err)
        self.emit(test, "error")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:  # the test as a whole then reports nothing else
            self.emit(test, "fail" if issubclass(err[0], test.failureException) else "error")

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.emit(test, "skip: " + reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.emit(test, "expected failure")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.emit(test, "unexpected success")


def flatten(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from flatten(item)
        else:
            yield item


def run_child(which, path, done):
    add_missing_support()
    if which == "memmap":
        import memmap
        sys.modules["mmap"] = memmap
    module = load_suite(path)
    if which == "memmap" and module.mmap is not sys.modules["mmap"]:
        raise SystemExit("the suite did not pick up memmap")
    tests = [t for t in flatten(unittest.defaultTestLoader.loadTestsFromModule(module)) if t.id() not in done]
    print(json.dumps({"module": sys.modules["mmap"].__name__}), flush=True)
    runner = unittest.TextTestRunner(stream=sys.stderr, verbosity=0, resultclass=StreamingResult)
    runner.run(unittest.TestSuite(tests))


# --- the parent ----------------------------------------------------------------------------


def child_path():
    """The child runs in a scratch directory: make a relative PYTHONPATH absolute."""
    entries = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    return os.pathsep.join(os.path.abspath(e) for e in entries if e)


def run(which, path):
    """{test id: outcome} of the suite at path with the chosen module, surviving crashes."""
    outcomes, module = {}, None
    while True:
        with tempfile.TemporaryDirectory(prefix="test_mmap-") as scratch:
            done_file = os.path.join(scratch, "done.json")
            with open(done_file, "w") as f:
                json.dump(sorted(outcomes), f)
            proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", which, path or "-",
                                   done_file], cwd=scratch, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=dict(os.environ, PYTHONPATH=child_path()))
        started = None
        for line in proc.stdout.splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a test's own print
            if "module" in record:
                module = record["module"]
            elif "start" in record:
                started = record["start"]
            elif "id" in record:
                outcomes.setdefault(record["id"], record["outcome"])
                started = None
        if proc.returncode == 0:
            return module, outcomes
        if started is None or started in outcomes:
            sys.stderr.write(proc.stderr[-4000:])
            raise SystemExit("the %s run of %s did not complete (exit code %d)" % (which, path, proc.returncode))
        outcomes[started] = "crashed (exit code %d)" % proc.returncode


def counts(outcomes):
    passed = sum(1 for o in outcomes.values() if o == "pass")
    skipped = sum(1 for o in outcomes.values() if o.startswith("skip"))
    return passed, len(outcomes) - passed - skipped, skipped


def check_suite(label, path):
    """Runs one suite both ways; prints the results; returns the number of problems."""
    real_module, real = run("real", path)
    our_module, ours = run("memmap", path)
    if real_module != "mmap" or our_module != "memmap":
        print("error: the runs of %s used %s and %s" % (label, real_module, our_module))
        return 1
    print("%-9s mmap: %d passed, %d failed, %d skipped | memmap.mmap: %d passed, %d failed, %d skipped"
          % ((label,) + counts(real) + counts(ours)))
    problems = 0
    for test_id in sorted(set(real) | set(ours)):
        theirs, our = real.get(test_id, "not run"), ours.get(test_id, "not run")
        excluded = EXCLUDED.get((label, test_id))
        if our == "pass":
            continue
        if our.startswith("skip") and theirs != "pass":
            print("  skipped   %s (%s)" % (test_id, our[len("skip: "):]))
            continue
        if excluded:
            print("  excluded  %s: %s (memmap: %s, mmap: %s)" % (test_id, excluded, our, theirs))
            continue
        print("  FAILED    %s: memmap: %s | mmap: %s" % (test_id, our, theirs))
        problems += 1
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suites", default=DEFAULT_SUITES, help="directory of the newer suites")
    args = parser.parse_args()
    try:
        import test.test_mmap  # noqa: F401  (only checks it is installed)
    except ImportError:
        print("SKIP: test.test_mmap is not installed (Debian: libpython3.11-testsuite)")
        return SKIPPED
    problems = 0
    for label, name in SUITES:
        path = None
        if name:
            path = os.path.join(args.suites, name)
            if not os.path.isfile(path):
                print("%-9s MISSING: %s" % (label, path))
                problems += 1
                continue
        problems += check_suite(label, path)
    if problems:
        print("FAILED: %d problem(s) above" % problems)
        return 1
    print("OK: every suite passes against memmap.mmap (exclusions listed with their reasons)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        with open(sys.argv[4]) as f:
            already_done = set(json.load(f))
        run_child(sys.argv[2], None if sys.argv[3] == "-" else sys.argv[3], already_done)
    else:
        sys.exit(main())

# SPDX-License-Identifier: MIT
"""Runs CPython's own test.test_mmap against the standard mmap and against memmap.

    python3 run_test_mmap.py            # compare; exit 1 on any regression

Each run happens in a child interpreter (fresh modules, its own scratch
directory).  In the memmap run, sys.modules["mmap"] is the memmap package
before test.test_mmap is imported, so every mmap.* the tests use is ours.
The comparison fails for every test that passes with the standard module but
does not pass with memmap.  Exits 77 (skipped) when test.test_mmap is not
installed (Debian: apt-get install libpython3.11-testsuite).
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

SKIPPED = 77


class RecordingResult(unittest.TextTestResult):
    """Keeps one outcome per test id."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcomes = {}

    def addSuccess(self, test):
        super().addSuccess(test)
        self.outcomes[test.id()] = "pass"

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.outcomes[test.id()] = "fail"

    def addError(self, test, err):
        super().addError(test, err)
        self.outcomes[test.id()] = "error"

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.outcomes[test.id()] = "skip: " + reason

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.outcomes[test.id()] = "expected failure"

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.outcomes[test.id()] = "unexpected success"


def run_child(which):
    """In the child: run the suite with the chosen module, print the outcomes as JSON."""
    if which == "memmap":
        import memmap
        sys.modules["mmap"] = memmap
    from test import test_mmap
    if which == "memmap" and test_mmap.mmap is not sys.modules["mmap"]:
        raise SystemExit("test_mmap did not pick up memmap")
    suite = unittest.defaultTestLoader.loadTestsFromModule(test_mmap)
    runner = unittest.TextTestRunner(stream=sys.stderr, verbosity=1, resultclass=RecordingResult)
    result = runner.run(suite)
    print(json.dumps({"module": sys.modules["mmap"].__name__, "outcomes": result.outcomes}))


def run(which):
    with tempfile.TemporaryDirectory(prefix="test_mmap-") as scratch:
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", which],
                              cwd=scratch, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=dict(os.environ, PYTHONPATH=child_path()))
    if proc.returncode != 0 or not proc.stdout.strip():
        sys.stderr.write(proc.stderr)
        raise SystemExit("the %s run did not complete (exit code %d)" % (which, proc.returncode))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def child_path():
    """The child runs in a scratch directory: make a relative PYTHONPATH absolute."""
    entries = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    return os.pathsep.join(os.path.abspath(e) for e in entries if e)


def main():
    try:
        import test.test_mmap  # noqa: F401  (only checks it is installed)
    except ImportError:
        print("SKIP: test.test_mmap is not installed (Debian: libpython3.11-testsuite)")
        return SKIPPED
    real = run("real")
    ours = run("memmap")
    if real["module"] != "mmap" or ours["module"] != "memmap":
        print("error: the runs used %s and %s" % (real["module"], ours["module"]))
        return 1
    regressions = []
    for test_id, outcome in sorted(real["outcomes"].items()):
        our_outcome = ours["outcomes"].get(test_id, "not run")
        if outcome == "pass" and our_outcome != "pass":
            regressions.append((test_id, our_outcome))
    passed_real = sum(1 for o in real["outcomes"].values() if o == "pass")
    passed_ours = sum(1 for o in ours["outcomes"].values() if o == "pass")
    print("test.test_mmap: %d tests; the standard mmap passes %d, memmap.mmap passes %d"
          % (len(real["outcomes"]), passed_real, passed_ours))
    for test_id, outcome in sorted(ours["outcomes"].items()):
        if outcome != "pass":
            print("  %-70s memmap: %s | mmap: %s" % (test_id, outcome, real["outcomes"].get(test_id)))
    if regressions:
        print("FAILED: %d test(s) pass with mmap but not with memmap.mmap:" % len(regressions))
        for test_id, outcome in regressions:
            print("  %s: %s" % (test_id, outcome))
        return 1
    print("OK: every test that passes with the standard mmap passes with memmap.mmap")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        run_child(sys.argv[2])
    else:
        sys.exit(main())

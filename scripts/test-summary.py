#!/usr/bin/env python3
"""test-summary.py: per-suite and total counts over meson test logs; fails on a failed test or an empty suite.

usage: test-summary.py [--expect SUITE]... [LABEL=]TESTLOG...

Each TESTLOG is a meson-logs/testlog.json; its tests are counted under their meson suites (the
'suite' field, or the 'project:suite / ' start of the name as meson 1.0 writes it), as LABEL/suite
when a LABEL is given (asan=build-asan/... gives asan/unit). Expected suites: every suite named in tests/**/meson.build (suite : 'name' or
suite = 'name') and every --expect SUITE. Exit 1 when a test failed or an expected suite ran no
test (passed + failed = 0). The last line is always 'tests: N passed, N failed, N skipped'.
"""
import json
import pathlib
import re
import sys

TESTS_DIR = pathlib.Path(__file__).resolve().parent.parent / "tests"


def suites_in_tests_dir():
    names = set()
    for mb in TESTS_DIR.rglob("meson.build"):
        names.update(re.findall(r"\bsuite\s*[:=]\s*'([\w.-]+)'", mb.read_text()))
    return names


def suites_of(r):
    """Suite names of a test record: its 'suite' field (newer meson) or, as meson 1.0 writes it,
    the start of its name, 'project:suite1+suite2 / test name'."""
    if r.get("suite"):
        return [s.split(":", 1)[-1] for s in r["suite"]]
    head, sep, _ = r.get("name", "").partition(" / ")
    if sep and ":" in head:
        return head.split(":", 1)[1].split("+")
    return ["(none)"]


def main(argv):
    expected, logs = [], []
    args = iter(argv)
    for a in args:
        if a == "--expect":
            expected.append(next(args))
        else:
            label, sep, path = a.partition("=")
            logs.append((label, path) if sep else ("", a))
    in_tree = suites_in_tests_dir()
    if not in_tree:
        print(f"test-summary: no suite found in {TESTS_DIR}/**/meson.build")
        return 1
    expected = sorted(in_tree) + [e for e in expected if e not in in_tree]

    counts = {}  # suite -> [passed, failed, skipped]
    passed = failed = skipped = 0
    failures, notes = [], []
    for label, path in logs:
        try:
            with open(path) as f:
                lines = f.readlines()
        except FileNotFoundError:
            notes.append(f"note: no test log {path} (no test ran in that build)")
            continue
        for line in lines:
            r = json.loads(line)
            res = r.get("result")
            col = 0 if res in ("OK", "EXPECTEDFAIL") else 2 if res == "SKIP" else 1
            suites = suites_of(r)
            for s in suites:
                counts.setdefault(f"{label}/{s}" if label else s, [0, 0, 0])[col] += 1
            if col == 0:
                passed += 1
            elif col == 2:
                skipped += 1
            else:
                failed += 1
                failures.append(f"FAILED: {label + '/' if label else ''}{r.get('name')} ({res})")

    empty = [s for s in expected if sum(counts.get(s, [0, 0, 0])[:2]) == 0]
    for s in empty:
        counts.setdefault(s, [0, 0, 0])
    for n in notes + failures:
        print(n)
    width = max(len(s) for s in counts) if counts else 5
    print(f"{'suite':<{width}} {'passed':>6} {'failed':>6} {'skipped':>7}")
    for s in sorted(counts, key=lambda s: (s.count("/"), s)):
        p, f, k = counts[s]
        print(f"{s:<{width}} {p:>6} {f:>6} {k:>7}{'   <- ran no test' if s in empty else ''}")
    if empty:
        print(f"EMPTY: {', '.join(empty)}: a suite that exists ran no test (not built? dependency missing?)")
    print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or empty or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

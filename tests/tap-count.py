#!/usr/bin/env python3
"""Counts test results for tests/run-all.sh.

  tap-count.py meson TESTLOG.json LABEL   counts every TAP assertion of a meson test log
  tap-count.py tap FILE LABEL             counts a TAP stream (bats --tap, check scripts)
  tap-count.py total COUNTS BUILD_FAILED  prints the breakdown and "N passed, N failed"

A test program that fails or crashes without printing a failing assertion counts as one
failure, so a crash can never pass silently.
"""
import json
import re
import sys

OK = re.compile(r'^ok \d+')
NOT_OK = re.compile(r'^not ok \d+')
SKIP = re.compile(r'#\s*skip', re.I)


def count_tap(text):
    passed = failed = skipped = 0
    for line in text.splitlines():
        if NOT_OK.match(line):
            if '# TODO' in line:
                continue
            failed += 1
        elif OK.match(line):
            if SKIP.search(line):
                skipped += 1
            else:
                passed += 1
    return passed, failed, skipped


def meson(path, label):
    passed = failed = skipped = 0
    try:
        with open(path) as f:
            lines = f.readlines()
    except OSError:
        print(f"{label} 0 1 0")
        return
    for line in lines:
        t = json.loads(line)
        p, fl, s = count_tap(t.get('stdout') or '')
        if t.get('result') not in ('OK', 'SKIP', 'EXPECTEDFAIL') and fl == 0:
            fl = 1
        passed, failed, skipped = passed + p, failed + fl, skipped + s
    print(f"{label} {passed} {failed} {skipped}")


def tap(path, label):
    try:
        with open(path, errors='replace') as f:
            text = f.read()
    except OSError:
        print(f"{label} 0 1 0")
        return
    p, fl, s = count_tap(text)
    plan = re.search(r'^1\.\.(\d+)', text, re.M)
    if plan and p + fl + s < int(plan.group(1)):
        fl += int(plan.group(1)) - (p + fl + s)   # the run stopped before its plan
    if p + fl + s == 0:
        fl = 1                                    # a stream with no result is a failure
    print(f"{label} {p} {fl} {s}")


def total(path, build_failed):
    passed = failed = skipped = 0
    with open(path) as f:
        for line in f:
            label, p, fl, s = line.split()
            print(f"  {label}: {p} passed, {fl} failed, {s} skipped")
            passed, failed, skipped = passed + int(p), failed + int(fl), skipped + int(s)
    if int(build_failed):
        print(f"  build: {build_failed} build(s) failed")
        failed += int(build_failed)
    tail = f", {skipped} skipped" if skipped else ""
    print(f"{passed} passed, {failed} failed{tail}")
    return 1 if failed else 0


if __name__ == '__main__':
    mode = sys.argv[1]
    if mode == 'meson':
        meson(sys.argv[2], sys.argv[3])
    elif mode == 'tap':
        tap(sys.argv[2], sys.argv[3])
    else:
        sys.exit(total(sys.argv[2], sys.argv[3]))

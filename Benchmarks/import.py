#!/usr/bin/env python3
"""`strata import` against DuckDB loading the same CSV, in one run.

    python3 Benchmarks/import.py            # from the repository root

Uses the 2-day reference fleet CSV of peers.py (17.1M rows, generated once
into Benchmarks/.cache by ../shared/fleet/gen_iot.py), builds the `strata`
executable in release, imports the CSV into a fresh store (the normal write
path: batches of 100,000 readings, each fsynced in the log before it counts)
and loads the same file into an on-disk DuckDB database with
`CREATE TABLE AS SELECT * FROM read_csv(...)`. Prints rows/s, CPU time and
the ratio of wall times; the machine's load average is printed before and
after, as both share this machine with whatever else runs.
"""
import os
import resource
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402  (the fleet CSV and its generator)

STORE = os.path.join(peers.CACHE, "import-store")
DUCK = os.path.join(peers.CACHE, "import.duckdb")


def timed(command):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.check_call(command)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    peers.ensure_duckdb()
    peers.generate()
    subprocess.check_call(["swift", "build", "-c", "release", "--product", "strata"], cwd=peers.ROOT)
    binary = os.path.join(peers.ROOT, ".build", "release", "strata")
    with open(peers.CSV, "rb") as f:
        rows = sum(1 for _ in f) - 1
    print(f"import.py: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; {rows:,} rows, "
          f"{os.path.getsize(peers.CSV) / 1e6:.0f} MB of CSV")
    results = {}
    for attempt in range(2):
        shutil.rmtree(STORE, ignore_errors=True)
        wall, cpu = timed([binary, "import", STORE, peers.CSV])
        results.setdefault("strata", []).append((wall, cpu))
        if os.path.exists(DUCK):
            os.remove(DUCK)
        code = (f"import duckdb; c = duckdb.connect('{DUCK}'); c.execute('SET enable_progress_bar = false'); "
                f"c.execute(\"CREATE TABLE r AS SELECT * FROM read_csv('{peers.CSV}', header = true)\"); c.close()")
        wall, cpu = timed([sys.executable, "-c", code])
        results.setdefault("duckdb", []).append((wall, cpu))
    s = min(results["strata"])
    d = min(results["duckdb"])
    print(f"strata import: {s[0]:.2f} s wall, {s[1]:.2f} s CPU: {rows / s[0] / 1e6:.2f} M rows/s")
    print(f"DuckDB load:   {d[0]:.2f} s wall, {d[1]:.2f} s CPU: {rows / d[0] / 1e6:.2f} M rows/s")
    print(f"ratio DuckDB / strata wall time: {d[0] / s[0]:.2f} (best of 2 each); load average after {os.getloadavg()[0]:.2f}")
    shutil.rmtree(STORE, ignore_errors=True)
    if os.path.exists(DUCK):
        os.remove(DUCK)


if __name__ == "__main__":
    main()

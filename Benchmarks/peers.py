#!/usr/bin/env python3
"""Strata against DuckDB on the 2-day reference fleet, in one run.

    python3 Benchmarks/peers.py            # from the repository root

Generates the fleet (../shared/fleet/gen_iot.py --devices 200 --sensors 5
--duration 2d --interval 10 --seed 1: 17.1M points) once into
Benchmarks/.cache, loads it into a Strata store (Benchmarks/Sources/QueryPeers,
release build; tiers of 1 minute and 1 hour, the queries issue's example) and
into DuckDB (Python `duckdb`, installed into Benchmarks/.cache/peers-venv when
missing), runs the five queries of the queries issue on both, and prints each
latency, the ratio DuckDB / Strata and whether the answers agree.

Latency is the median of repeated runs after three warm-up runs, both engines
in the same sitting on the same machine; DuckDB uses every core, as Strata does.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CACHE = os.path.join(HERE, ".cache")
CSV = os.path.join(CACHE, "fleet-200-2d.csv")
VENV = os.path.join(CACHE, "peers-venv")
STORE = os.path.join(CACHE, "peers-store")
HOUR = 3_600_000


def shared_dir():
    for base in [os.environ.get("STRATA_SHARED"), os.path.join(ROOT, "..", "shared"), os.path.join(ROOT, "shared")]:
        if base and os.path.isdir(os.path.join(base, "fleet")):
            return base
    sys.exit("peers.py: cannot find ../shared/fleet; set STRATA_SHARED")


def ensure_duckdb():
    """Re-runs this script under a virtual environment holding duckdb when it is missing."""
    try:
        import duckdb  # noqa: F401
        return
    except ImportError:
        pass
    python = os.path.join(VENV, "bin", "python3")
    if not os.path.exists(python):
        os.makedirs(CACHE, exist_ok=True)
        if subprocess.call([sys.executable, "-m", "venv", VENV]) != 0:
            # Debian: the venv module lives in python3-venv.
            subprocess.check_call(["apt-get", "install", "-y", "-q", "python3-venv"])
            subprocess.check_call([sys.executable, "-m", "venv", VENV])
    subprocess.check_call([python, "-m", "pip", "install", "-q", "duckdb"])
    os.execv(python, [python] + sys.argv)


def generate():
    if os.path.exists(CSV):
        return
    os.makedirs(CACHE, exist_ok=True)
    script = os.path.join(shared_dir(), "fleet", "gen_iot.py")
    tmp = CSV + ".tmp"
    subprocess.check_call([sys.executable, script, "--devices", "200", "--sensors", "5", "--duration", "2d",
                           "--interval", "10", "--seed", "1", "-o", tmp])
    os.rename(tmp, CSV)


def run_strata():
    subprocess.check_call(["swift", "build", "-c", "release", "--package-path", HERE, "--product", "query-peers"], cwd=ROOT)
    binary = os.path.join(HERE, ".build", "release", "query-peers")
    out = os.path.join(CACHE, "strata-answers.json")
    env = dict(os.environ, STRATA_SHARED=shared_dir())
    subprocess.check_call([binary, "--store", STORE, "--json", out], env=env)
    with open(out) as f:
        return json.load(f)


def measure(con, sql, seconds=1.0):
    for _ in range(3):
        answer = con.execute(sql).fetchall()
    times = []
    begin = time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - begin < seconds and len(times) < 100000):
        t = time.perf_counter()
        answer = con.execute(sql).fetchall()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3, answer


def duckdb_side(start, end):
    import duckdb
    con = duckdb.connect()
    t = time.perf_counter()
    con.execute(f"""CREATE TABLE sensor_readings AS
        SELECT device_id, sensor_type, timestamp_ms, make_timestamp(timestamp_ms * 1000) AS ts, value
        FROM read_csv('{CSV}', header = true,
             columns = {{'device_id': 'VARCHAR', 'sensor_type': 'VARCHAR', 'timestamp_ms': 'BIGINT', 'value': 'DOUBLE'}})""")
    load = time.perf_counter() - t
    ms = lambda x: f"make_timestamp({x} * 1000)"  # noqa: E731
    epoch = "epoch_ms(time_bucket(INTERVAL '{w}', ts))"
    queries = {
        "Q1": f"""SELECT {epoch.format(w='1 hour')} AS b, avg(value), min(value), max(value), count(*) FROM sensor_readings
                  WHERE device_id = 'sensor-00042' AND sensor_type = 'temperature' AND ts >= {ms(start)} AND ts < {ms(end)}
                  GROUP BY b ORDER BY b""",
        "Q2": f"""SELECT {epoch.format(w='1 hour')} AS b, device_id, avg(value) FROM sensor_readings
                  WHERE sensor_type = 'temperature' AND ts >= {ms(end - 24 * HOUR)} AND ts < {ms(end)}
                  GROUP BY b, device_id ORDER BY b, device_id""",
        "Q3": """SELECT device_id, max(timestamp_ms), arg_max(value, timestamp_ms) FROM sensor_readings
                 WHERE sensor_type = 'temperature' GROUP BY device_id ORDER BY device_id""",
        "Q4": f"""SELECT timestamp_ms, value FROM sensor_readings
                  WHERE device_id = 'sensor-00042' AND sensor_type = 'temperature'
                  AND ts >= {ms(start + 12 * HOUR)} AND ts < {ms(start + 13 * HOUR)} ORDER BY timestamp_ms""",
        "Q5": f"""SELECT {epoch.format(w='1 day')} AS b, sensor_type, avg(value), count(*) FROM sensor_readings
                  GROUP BY b, sensor_type ORDER BY b, sensor_type""",
    }
    results = {}
    for name, sql in queries.items():
        results[name] = measure(con, sql)
    return load, results


def agree(a, b):
    """Rows equal: names and times exactly, numbers to 1e-9 relative."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if len(x) != len(y):
            return False
        for u, v in zip(x, y):
            if isinstance(u, str) or isinstance(v, str):
                if u != v:
                    return False
            elif u is None or v is None:
                if u is not v:
                    return False
            elif abs(float(u) - float(v)) > 1e-9 * max(1.0, abs(float(u)), abs(float(v))):
                return False
    return True


def main():
    ensure_duckdb()
    generate()
    strata = run_strata()
    start, end = strata["start"], strata["end"]
    load, duck = duckdb_side(start, end)
    print(f"\nDuckDB {__import__('duckdb').__version__}: loaded the fleet in {load:.1f} s; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print(f"{'query':5} {'Strata ms':>11} {'DuckDB ms':>11} {'DuckDB/Strata':>14}  agree  what")
    failures = 0
    for r in strata["results"]:
        name = r["query"]
        d_ms, d_rows = duck[name]
        ok = agree(r["answer"], [list(row) for row in d_rows])
        failures += 0 if ok else 1
        print(f"{name:5} {r['ms']:11.4f} {d_ms:11.3f} {d_ms / r['ms']:13.1f}x  {'yes' if ok else 'NO ':5}  {r['what']}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

"""`tcpsim check` predicts a scenario's peak memory, `tcpsim run` stays near it, and a run
that cannot fit in this machine's memory is refused before it starts (exit 2, nothing
written).

usage: memory_estimate_test.py TCPSIM PROJECT_DIR COMPARE_RSS
COMPARE_RSS is 0 under sanitizers, whose shadow memory makes resident sizes meaningless."""
import os
import re
import resource
import subprocess
import sys
import tempfile

tcpsim, project, compare_rss = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
fleet = os.path.join(project, "bench/scenarios/fleet.pbtxt")
UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}


def predicted(sets):
    out = subprocess.run([tcpsim, "check", fleet, *sets], check=True, capture_output=True,
                         text=True).stdout
    m = re.search(r"^# predicted peak memory: ([\d.]+) (B|KiB|MiB|GiB|TiB) = ", out, re.M)
    assert m, out[-500:]
    return float(m.group(1)) * UNITS[m.group(2)]


with tempfile.TemporaryDirectory() as work:
    # 300 client hosts, each holding 15 x 60 = 900 TIME_WAIT records from the 60th second.
    sets = ["--set", "groups[0].count=300", "--set", "duration=70s"]
    guess = predicted(sets)
    if compare_rss:
        subprocess.run([tcpsim, "run", "-q", fleet, *sets, "-o", os.path.join(work, "r.h5")],
                       check=True, stdout=subprocess.DEVNULL)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        ratio = guess / peak
        print(f"predicted {guess / 2**20:.1f} MiB, peak RSS {peak / 2**20:.1f} MiB, "
              f"ratio {ratio:.2f}")
        assert 0.7 <= ratio <= 1.3, ratio

    # 100,000 client hosts, each filling tcp_max_tw_buckets: about 500 GB.
    huge = ["--set", "groups[0].count=100000", "--set", "groups[0].address_base=10.64.0.1/10",
            "--set", "clients[0].load.poisson.rate=10000"]
    assert predicted(huge) > 300 * 2**30
    out = os.path.join(work, "huge.h5")
    r = subprocess.run([tcpsim, "run", "-q", fleet, *huge, "-o", out], capture_output=True,
                       text=True)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "cannot fit in this machine's memory" in r.stderr, r.stderr
    assert "predicted" not in r.stdout and not os.path.exists(out)
    print(r.stderr.strip())

"""The HTTP/1.0 example exhausts ports as range / rate predicts: 28,232 ports
at 600 connections/s per client host run out after about 47 s, and every
client host then holds its whole range in TIME_WAIT."""
import sys

import h5py
import numpy as np

with h5py.File(sys.argv[1], "r") as f:
    clients = f["groups/clients"]
    summary = clients["summary"].attrs
    states = [s.decode() if isinstance(s, bytes) else s for s in clients["state_sum"].attrs["states"]]
    tw = states.index("TIME_WAIT")
    first = float(summary["first_eaddrnotavail_s"])
    predicted = 28232 / 600.0
    # Poisson arrivals: the earliest of 20 hosts runs out a little before R / lambda.
    assert predicted - 2.0 <= first <= predicted + 0.5, f"first EADDRNOTAVAIL at {first}"
    peak = int(np.asarray(summary["state_peak"])[tw])
    assert peak == 20 * 28232, f"TIME_WAIT peak {peak}"
    failures = dict(zip([e.decode() if isinstance(e, bytes) else e for e in summary["errors"]],
                        np.asarray(summary["failures"])))
    assert failures["EADDRNOTAVAIL"] > 0
    # Each success holds its port for 60 s of TIME_WAIT: no 60-s window can
    # see more successes than ports, and once exhausted the range is kept full.
    t = clients["time_s"][()]
    ok = clients["connects_succeeded"][()]
    i, j = int(np.searchsorted(t, 50.0)), int(np.searchsorted(t, 110.0))
    window = int(ok[j] - ok[i])
    assert 0.95 * 20 * 28232 <= window <= 20 * 28232, f"{window} successes in 60 s"

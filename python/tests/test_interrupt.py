"""Runs release the GIL, and Ctrl-C (SIGINT) stops a long run promptly with KeyboardInterrupt,
leaving nothing behind."""

import glob
import os
import signal
import tempfile
import threading
import time

import numpy as np
import pytest

import clvsim
from conftest import scenario_path


def test_another_thread_runs_during_a_run():
    s = clvsim.Scenario(scenario_path("saas_variants.toml"))
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.005)

    t = threading.Thread(target=tick)
    t.start()
    time.sleep(0.05)
    start = time.monotonic()
    s.run(replications=600, seed=1, threads=1)
    end = time.monotonic()
    stop.set()
    t.join()
    inside = [start] + [x for x in ticks if start < x < end] + [end]
    assert end - start > 0.5, "the run is too short to tell"
    # With the GIL held for the whole run the other thread could not tick at all inside it: one
    # gap as long as the run. Released, it ticks all along (gaps of a few ms, more on a busy machine).
    gaps = [b - a for a, b in zip(inside, inside[1:])]
    assert len(inside) > 20 and max(gaps) < 0.25 * (end - start), (len(inside), max(gaps), end - start)


def scratch_dirs():
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "clvsim-*")))


@pytest.mark.parametrize("what", ["run", "sweep", "sensitivity"])
def test_sigint_interrupts_a_long_run(what, tmp_path, monkeypatch):
    # A temporary directory of its own: other processes' runs do not show in it.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    s = clvsim.Scenario(scenario_path("saas_sweep.toml" if what != "run" else "saas_variants.toml"))
    before = scratch_dirs()
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            if what == "run":
                s.run(replications=100_000, seed=1, threads=2)   # many minutes if not interrupted
            elif what == "sweep":
                s.sweep(replications=200_000, threads=2)
            else:
                s.sensitivity(samples=50_000, threads=2)
    finally:
        timer.cancel()
    elapsed = time.monotonic() - start
    assert elapsed < 0.5 + 5.0, elapsed
    assert scratch_dirs() <= before  # no temporary file left

    # Nothing leaked into the next run: it equals a run in a fresh process' terms (same seed).
    if what == "run":
        a = s.run(replications=20, seed=3, threads=2)
        b = clvsim.Scenario(scenario_path("saas_variants.toml")).run(replications=20, seed=3, threads=1)
        assert np.array_equal(a.base.totals.to_numpy(), b.base.totals.to_numpy())


def test_progress_is_called_and_can_stop_a_run():
    s = clvsim.Scenario(scenario_path("saas.toml"))
    seen = []

    def progress(done, total):
        seen.append((done, total))
        if done < total and len(seen) >= 2:
            raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        s.run(replications=200_000, seed=1, threads=1, progress=progress)
    assert seen and seen[0][1] == 200_000

    seen.clear()
    s.run(replications=50, seed=1, progress=lambda d, n: seen.append((d, n)))
    assert seen[-1] == (50, 50)


def test_a_results_private_file_goes_with_it():
    import gc

    r = clvsim.Scenario(scenario_path("saas.toml")).run(replications=5, seed=1)
    directory = os.path.dirname(r._owned)
    assert os.path.isdir(directory)
    del r
    gc.collect()
    assert not os.path.exists(directory)

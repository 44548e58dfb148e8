#!/usr/bin/python3
"""Times clvsim against its NumPy peer (bench/numpy_peer.py) on the default scenario.

Both run as whole processes (start-up, parameter draws, simulation, statistics and the results
file included), one thread each (OMP_NUM_THREADS=1, -t 1, and single-threaded BLAS for NumPy),
interleaved so that a change in the machine's load affects both alike. For each number of
replications it prints each tool's times and the ratio peer / clvsim (min, median, max over the
repeats), on CPU time (user + system of the process, robust to other load on the machine) and
on wall time.

Usage: compare_numpy.py [--clvsim build/clvsim] [--replications 100 1000 10000] [--repeats 5]
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = os.path.join(HERE, "..", "scenarios", "saas.toml")
PEER = os.path.join(HERE, "numpy_peer.py")
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def timed(cmd):
    """(wall seconds, cpu seconds) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, **ONE_THREAD))
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def triple(xs):
    return min(xs), statistics.median(xs), max(xs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clvsim", default=os.path.join(HERE, "..", "build", "clvsim"))
    ap.add_argument("--replications", type=int, nargs="+", default=[100, 1000, 10000])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    print(f"default scenario, one thread, {args.repeats} interleaved repeats; "
          "ratio = NumPy time / clvsim time (min / median / max)")
    print(f"{'R':>7} {'clvsim cpu s':>14} {'numpy cpu s':>13} {'ratio (cpu)':>22} {'ratio (wall)':>22}")
    with tempfile.TemporaryDirectory() as tmp:
        h5 = os.path.join(tmp, "saas.h5")
        npz = os.path.join(tmp, "saas.npz")
        clvsim = [args.clvsim, "run", SCENARIO, "-t", "1", "-q", "-f", "-o", h5]
        peer = [sys.executable, PEER, SCENARIO, "-o", npz]
        timed(clvsim + ["-r", "10"])  # warm the file cache
        timed(peer + ["-r", "10"])
        for R in args.replications:
            c_wall, c_cpu, p_wall, p_cpu = [], [], [], []
            for i in range(args.repeats):
                # Alternate which tool goes first, so neither always follows the other.
                order = [("c", clvsim), ("p", peer)] if i % 2 == 0 else [("p", peer), ("c", clvsim)]
                for who, cmd in order:
                    wall, cpu = timed(cmd + ["-r", str(R)])
                    (c_wall if who == "c" else p_wall).append(wall)
                    (c_cpu if who == "c" else p_cpu).append(cpu)
            r_cpu = triple([p / c for p, c in zip(p_cpu, c_cpu)])
            r_wall = triple([p / c for p, c in zip(p_wall, c_wall)])
            print(f"{R:>7} {statistics.median(c_cpu):>14.3f} {statistics.median(p_cpu):>13.3f} "
                  f"{r_cpu[0]:>6.2f} /{r_cpu[1]:>6.2f} /{r_cpu[2]:>6.2f} "
                  f"{r_wall[0]:>6.2f} /{r_wall[1]:>6.2f} /{r_wall[2]:>6.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

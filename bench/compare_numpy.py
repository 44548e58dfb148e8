#!/usr/bin/python3
"""Times clvsim against its NumPy peer (bench/numpy_peer.py) on the default scenario.

Both run as whole processes (start-up, parameter draws, simulation, statistics and the results
file included), one thread each (OMP_NUM_THREADS=1, -t 1, and single-threaded BLAS for NumPy),
interleaved so that a change in the machine's load affects both alike. For each number of
replications it prints each tool's times and the ratio peer / clvsim (min, median, max over the
repeats), on CPU time (user + system of the process, robust to other load on the machine) and
on wall time.

With --baseline OTHER_CLVSIM, a second clvsim build (e.g. of an earlier commit) is timed in the
same interleaved rounds, and its ratios are printed beside: before and after under the same load.

Usage: compare_numpy.py [--clvsim build/clvsim] [--baseline PATH] [--replications 100 1000 10000]
                        [--repeats 5]
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
    ap.add_argument("--baseline", help="another clvsim executable, timed in the same rounds")
    args = ap.parse_args()

    tools = [("clvsim", args.clvsim)] + ([("baseline", args.baseline)] if args.baseline else [])
    print(f"default scenario, one thread, {args.repeats} interleaved repeats; "
          "ratio = NumPy time / clvsim time (min / median / max)")
    print(f"{'R':>7} {'build':>9} {'clvsim cpu s':>13} {'numpy cpu s':>12} {'ratio (cpu)':>22} "
          f"{'ratio (wall)':>22}")
    with tempfile.TemporaryDirectory() as tmp:
        h5 = os.path.join(tmp, "saas.h5")
        npz = os.path.join(tmp, "saas.npz")
        commands = {name: [path, "run", SCENARIO, "-t", "1", "-q", "-f", "-o", h5] for name, path in tools}
        commands["numpy"] = [sys.executable, PEER, SCENARIO, "-o", npz]
        for cmd in commands.values():
            timed(cmd + ["-r", "10"])  # warm the file cache
        for R in args.replications:
            wall = {name: [] for name in commands}
            cpu = {name: [] for name in commands}
            names = list(commands)
            for i in range(args.repeats):
                # Rotate which tool goes first, so none always follows another.
                for name in names[i % len(names):] + names[:i % len(names)]:
                    w, c = timed(commands[name] + ["-r", str(R)])
                    wall[name].append(w)
                    cpu[name].append(c)
            for name, _ in tools:
                r_cpu = triple([p / c for p, c in zip(cpu["numpy"], cpu[name])])
                r_wall = triple([p / c for p, c in zip(wall["numpy"], wall[name])])
                print(f"{R:>7} {name:>9} {statistics.median(cpu[name]):>13.3f} "
                      f"{statistics.median(cpu['numpy']):>12.3f} "
                      f"{r_cpu[0]:>6.2f} /{r_cpu[1]:>6.2f} /{r_cpu[2]:>6.2f} "
                      f"{r_wall[0]:>6.2f} /{r_wall[1]:>6.2f} /{r_wall[2]:>6.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

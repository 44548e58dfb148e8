"""`cmake --install` installs the command, the libraries, the headers and the module, which work
from the prefix; the example script in docs/ runs and draws its chart."""

import os
import subprocess
import sys

import pytest

from conftest import SOURCE

BUILD = os.environ.get("CLVSIM_BUILD_DIR", os.path.join(SOURCE, "build"))


def test_install_into_a_prefix(tmp_path):
    prefix = tmp_path / "prefix"
    p = subprocess.run(["cmake", "--install", BUILD, "--prefix", str(prefix)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    clvsim = prefix / "bin" / "clvsim"
    assert (prefix / "include" / "clvsim" / "monte_carlo.hpp").is_file()
    assert (prefix / "include" / "clvsim" / "io" / "scenario_toml.hpp").is_file()
    libs = {f.name for f in (prefix / "lib").glob("*.a")}
    assert {"libclvsim_core.a", "libclvsim_io.a"} <= libs, libs
    site = next((prefix / "lib").glob("python3*/site-packages"))
    assert (site / "clvsim" / "__init__.py").is_file()

    # The installed command and module, away from the build tree.
    work = tmp_path / "work"
    work.mkdir()
    subprocess.run([str(clvsim), "run", "-r", "20", "-s", "5", "-q", "-o", "cli.h5"], cwd=work, check=True,
                   capture_output=True)
    env = dict(os.environ, PYTHONPATH=str(site))
    code = ("import clvsim, numpy as np; assert clvsim.__file__.startswith(%r), clvsim.__file__; "
            "r = clvsim.Scenario().run(replications=20, seed=5); f = clvsim.read('cli.h5'); "
            "assert np.array_equal(r.base.totals.to_numpy(), f.base.totals.to_numpy()); print('ok')" % str(site))
    p = subprocess.run(["/usr/bin/python3", "-c", code], cwd=work, env=env, capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.strip() == "ok", p.stderr


def test_example_retention_by_year(tmp_path):
    script = os.path.join(SOURCE, "docs", "examples", "retention_by_year.py")
    env = dict(os.environ, MPLBACKEND="Agg")
    p = subprocess.run([sys.executable, script, str(tmp_path)], env=env, capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 0, p.stderr
    png = tmp_path / "retention_by_year.png"
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # one line per year of the three-year horizon, each with a positive mean change
    lines = [l for l in p.stdout.splitlines() if l.strip()[:1].isdigit()]
    assert len(lines) == 3, p.stdout

"""A result from Python equals, bit for bit, the command line's for the same scenario and seed,
and reading the command line's file gives the same objects as the computation in Python."""

import os

import numpy as np
import pandas as pd
import pytest

import clvsim
from conftest import cli, h5_differences, scenario_path


def assert_same_file(cli_file, result, tmp):
    mine = os.path.join(tmp, "python.h5")
    result.save(mine)
    diff = h5_differences(cli_file, mine)
    assert not diff, "\n".join(diff[:20])


def frames_equal(a: pd.DataFrame, b: pd.DataFrame):
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_run_with_variants_equals_the_cli(tmp):
    # Different thread counts: the results must not depend on them either.
    out = tmp / "cli.h5"
    cli("run", scenario_path("saas_variants.toml"), "-r", 300, "-s", 7, "-t", 2, "-q", "-o", out)
    s = clvsim.Scenario(scenario_path("saas_variants.toml"))
    r = s.run(replications=300, seed=7, threads=1)
    assert_same_file(out, r, tmp)

    # The file read back gives the same objects.
    f = clvsim.read(out)
    assert isinstance(f, clvsim.Results) and f.variants == r.variants == s.variants
    assert f.seed == r.seed == 7 and f.replications == 300
    for name in r.scenarios:
        frames_equal(f[name].period_stats, r[name].period_stats)
        frames_equal(f[name].totals, r[name].totals)
        frames_equal(f[name].summary, r[name].summary)
    frames_equal(f.comparison_by_year, r.comparison_by_year)
    frames_equal(f.comparison_summary, r.comparison_summary)


def test_reader_matches_the_file_layout(tmp):
    import h5py

    out = tmp / "cli.h5"
    cli("run", scenario_path("saas_variants.toml"), "-r", 50, "-s", 3, "-q", "-o", out)
    r = clvsim.read(out)
    with h5py.File(out, "r") as f:
        q = f["quantile_probabilities"][:]
        assert np.array_equal(r.base.mean("profit"), f["metrics/profit/mean"][:])
        assert np.array_equal(r.base.stats("revenue")["p95"].to_numpy(),
                              f["metrics/revenue/quantiles"][list(q).index(0.95)])
        assert np.array_equal(r.base.totals["npv"].to_numpy(), f["totals/npv"][:])
        c = f["comparison/retention_plus_5/by_year/profit"]
        by_year = r.comparison("retention_plus_5").by_year.loc["profit"]
        assert np.array_equal(by_year["delta_mean"].to_numpy(), c["delta_mean"][:])
        assert np.array_equal(by_year["ci90_low"].to_numpy(), c["delta_ci90"][:, 0])
        assert np.array_equal(by_year.index.to_numpy(), f["comparison/retention_plus_5/by_year/year"][:])
        assert np.array_equal(r.comparison("retention_plus_5").deltas["npv"].to_numpy(),
                              f["comparison/retention_plus_5/totals/npv/delta"][:])
    # names, units and descriptions; strings come back as str
    info = r.base.metrics
    assert info.loc["revenue", "unit"] == "money" and info.loc["active_customers", "kind"] == "stock"
    assert all(isinstance(x, str) for x in info["description"])
    assert isinstance(r.scenario_text, str) and "[variants.retention_plus_5]" in r.scenario_text
    assert r.base.total_info.loc["npv", "unit"] == "money"
    assert list(r.base.ltv.index) == ["basic", "premium"]


def test_expected_mode_is_the_runs_expected_column():
    s = clvsim.Scenario(scenario_path("saas.toml"))
    e = s.expected()
    r = s.run(replications=10, seed=1)
    assert np.array_equal(e.metrics()["profit"].to_numpy(), r.base.expected("profit"))
    assert np.array_equal(e.totals().to_numpy(), r.base.summary["expected"].to_numpy())
    assert list(e.metric_info().index) == r.base.metric_names


def test_dict_and_text_give_the_files_results():
    import tomllib

    path = scenario_path("saas.toml")
    with open(path, "rb") as f:
        tables = tomllib.load(f)
    with open(path) as f:
        text = f.read()
    a = clvsim.Scenario(path).run(replications=40, seed=11)
    b = clvsim.Scenario.from_dict(tables).run(replications=40, seed=11)
    c = clvsim.Scenario.from_toml(text).run(replications=40, seed=11)
    frames_equal(a.base.totals, b.base.totals)
    frames_equal(a.base.period_stats, b.base.period_stats)
    frames_equal(a.base.totals, c.base.totals)


def test_sweep_equals_the_cli(tmp):
    out = tmp / "cli.sweep.h5"
    cli("sweep", scenario_path("saas_sweep.toml"), "-r", 20, "-q", "-o", out)
    r = clvsim.Scenario(scenario_path("saas_sweep.toml")).sweep(replications=20, threads=1)
    assert_same_file(out, r, tmp)
    f = clvsim.read(out)
    assert isinstance(f, clvsim.SweepResults)
    frames_equal(f.table, r.table)
    assert list(f.parameters["pattern"])[0] in f.table.columns
    assert "npv_mean" in f.table.columns


def test_sensitivity_equals_the_cli(tmp):
    out = tmp / "cli.sensitivity.h5"
    cli("sensitivity", scenario_path("saas_sweep.toml"), "--samples", 16, "-q", "-o", out)
    r = clvsim.Scenario(scenario_path("saas_sweep.toml")).sensitivity(samples=16)
    assert_same_file(out, r, tmp)
    f = clvsim.read(out)
    assert isinstance(f, clvsim.SensitivityResults) and f.metric == "npv"
    frames_equal(f.table, r.table)
    swings = f.table["swing"].to_numpy()
    assert np.all(swings[:-1] >= swings[1:])  # in decreasing order of swing


def test_optimize_equals_the_cli(tmp):
    out = tmp / "cli.optimize.h5"
    cli("optimize", scenario_path("saas_optimize.toml"), "-r", 20, "--evaluation-replications", 40, "-q",
        "-o", out)
    r = clvsim.Scenario(scenario_path("saas_optimize.toml")).optimize(replications=20, evaluation_replications=40)
    assert_same_file(out, r, tmp)
    f = clvsim.read(out)
    assert isinstance(f, clvsim.OptimizeResults)
    frames_equal(f.variables, r.variables)


def test_fit_file_reads_the_published_estimates(tmp):
    from conftest import SHARED_DATA

    data = os.path.join(SHARED_DATA, "fader_hardie_2007_retention.csv")
    if not os.path.exists(data):
        pytest.skip(f"reference data {data} is missing")
    cli("fit", "--cohorts", data, "--cohort-size", 1000, "--calibration-periods", 7, "--period", "year",
        "-o", tmp / "fh.toml", "-q")
    f = clvsim.read(tmp / "fh.fit.h5")
    assert isinstance(f, clvsim.FitResults)
    fits = f.fits
    # Fader & Hardie (2007): regular alpha 0.704, beta 1.182; high end alpha 0.668, beta 3.806
    for cohort, alpha, beta in (("regular", 0.704, 1.182), ("high_end", 0.668, 3.806)):
        est = fits.loc[f"segments.{cohort} churn per year", "estimate"]
        assert abs(est["alpha"] - alpha) < 5e-4 and abs(est["beta"] - beta) < 5e-4
    assert all(isinstance(x, str) for x in fits.index.get_level_values("parameter"))


def test_fit_equals_the_cli(tmp):
    from conftest import SHARED_DATA

    data = os.path.join(SHARED_DATA, "fader_hardie_2007_retention.csv")
    if not os.path.exists(data):
        pytest.skip(f"reference data {data} is missing")
    (tmp / "cli").mkdir()
    (tmp / "py").mkdir()
    cli("fit", "--cohorts", data, "--cohort-size", 1000, "--calibration-periods", 7, "--period", "year",
        "-o", tmp / "cli" / "fh.toml", "-q")
    f = clvsim.fit(tmp / "py" / "fh.toml", cohorts=data, cohort_size=1000, calibration_periods=7, period="year")
    assert not h5_differences(tmp / "cli" / "fh.fit.h5", tmp / "py" / "fh.fit.h5")
    assert (tmp / "cli" / "fh.draws.csv").read_bytes() == (tmp / "py" / "fh.draws.csv").read_bytes()
    strip = lambda p: [l for l in p.read_text().splitlines() if "Fitted by clvsim fit" not in l]
    assert strip(tmp / "cli" / "fh.toml") == strip(tmp / "py" / "fh.toml")
    assert f.scenario.segments == clvsim.Scenario(tmp / "cli" / "fh.toml").segments
    assert "alpha" in f.text
    with pytest.raises(clvsim.InputError, match="already exists"):
        clvsim.fit(tmp / "py" / "fh.toml", cohorts=data, cohort_size=1000, period="year")


def test_yearly_values_agree_with_the_comparison_by_year():
    r = clvsim.Scenario(scenario_path("saas_variants.toml")).run(replications=60, seed=8)
    if not r.base.has_yearly:
        pytest.skip("this build's results files have no yearly/ group")
    v = r["retention_plus_5"]
    for metric in ("profit", "revenue", "active_customers"):
        base, var = r.base.yearly(metric), v.yearly(metric)
        assert base.shape == (len(r.base.yearly_summary(metric)), 60)
        by_year = r.comparison("retention_plus_5").by_year.loc[metric]
        np.testing.assert_allclose((var - base).mean(axis=1).to_numpy(), by_year["delta_mean"].to_numpy(),
                                   rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(base.mean(axis=1).to_numpy(), r.base.yearly_summary(metric)["mean"].to_numpy(),
                                   rtol=1e-12, atol=1e-9)

"""Changes by key path: the command line's checks and messages, raised as clvsim.InputError with
the key, the value and what is accepted; a refused change leaves the scenario as it was."""

import re

import pytest

import clvsim
from conftest import cli, scenario_path


def cli_message(tmp, toml):
    """The command line's message for a scenario text, without 'clvsim: error: ' and its location."""
    path = tmp / "bad.toml"
    path.write_text(toml)
    p = cli("run", path, "-r", 2, "-q", "-o", tmp / "out.h5", check=False)
    assert p.returncode == 2, p.stderr
    assert not (tmp / "out.h5").exists()
    line = p.stderr.strip().splitlines()[-1]
    prefix = f"clvsim: error: {path}:"
    assert line.startswith(prefix), line
    location, message = re.match(r"(\d+:\d+): (.*)", line[len(prefix):]).groups()
    return location, message


VARIANT = """extends = "{base}"
[variants.v]
set = {{ "{key}" = {value} }}
"""


@pytest.mark.parametrize("key, value", [
    ("segments.premium.churn", 1.4),          # out of its domain
    ("segments.basik.churn", 0.1),            # a misspelt name: did you mean
    ("segments.basic.churn", 0.1),            # a parameter the scenario does not use (sBG churn)
    ("channels.*.cost_per_lead", -3.0),       # a pattern, out of range
    ("simulation.horizon_x", 1.0),            # no such key
])
def test_set_raises_the_clis_message(tmp, key, value):
    _, expected = cli_message(tmp, VARIANT.format(base=scenario_path("saas.toml"), key=key, value=value))
    s = clvsim.Scenario(scenario_path("saas.toml"))
    before = s.text, s.get("segments.premium.churn")
    with pytest.raises(clvsim.InputError) as err:
        s.set(key, value)
    e = err.value
    assert str(e) == expected
    assert isinstance(e, ValueError)
    assert e.key is not None and (e.key == key or e.key.startswith(key.split("*")[0]))
    assert e.accepted and e.accepted in expected
    # refused: nothing changed
    assert (s.text, s.get("segments.premium.churn")) == before and s.changes == []


def test_out_of_range_value_carries_its_parts():
    s = clvsim.Scenario(scenario_path("saas.toml"))
    with pytest.raises(clvsim.InputError) as err:
        s.set("segments.premium.churn", 1.4)
    e = err.value
    assert (e.key, e.value, e.accepted) == ("segments.premium.churn", "1.4", "must be in [0, 1]")
    assert e.problem.startswith("is out of range")


def test_a_bad_scenario_text_names_line_and_column(tmp):
    text = open(scenario_path("saas.toml")).read().replace("horizon = 36", "horizon = -36")
    location, expected = cli_message(tmp, text)
    with pytest.raises(clvsim.InputError) as err:
        clvsim.Scenario.from_toml(text, name="mine.toml")
    e = err.value
    assert str(e) == f"mine.toml:{location}: {expected}"
    assert (e.file, f"{e.line}:{e.column}", e.key) == ("mine.toml", location, "simulation.horizon")
    assert e.location == f"mine.toml:{location}"


def test_a_bad_file_raises_with_its_location(tmp):
    path = tmp / "s.toml"
    path.write_text(open(scenario_path("saas.toml")).read().replace("seed = 20261122", "seeed = 1"))
    p = cli("run", path, "-q", check=False)
    with pytest.raises(clvsim.InputError) as err:
        clvsim.Scenario(path)
    assert "clvsim: error: " + str(err.value) == p.stderr.strip().splitlines()[-1]
    assert err.value.file == str(path) and err.value.line > 0


def test_not_a_number():
    s = clvsim.Scenario()
    with pytest.raises(clvsim.InputError):
        s.set("segments.premium.churn", "0.1")
    with pytest.raises(clvsim.InputError):
        s.set("segments.premium.churn", float("nan"))


def test_set_changes_the_run_as_a_variant_does():
    # The base changed in Python equals the variant declared in the file, replication by replication.
    r = clvsim.Scenario(scenario_path("saas_variants.toml")).run(replications=30, seed=2)
    s = clvsim.Scenario(scenario_path("saas_variants.toml")).remove_variants()
    s.scale("segments.*.churn_multiplier", 0.77)
    mine = s.run(replications=30, seed=2)
    assert (mine.base.totals.to_numpy() == r["retention_plus_5"].totals.to_numpy()).all()
    assert "scale segments.*.churn_multiplier 0.77" in mine.scenario_text
    assert s.get("segments.premium.churn_multiplier") == pytest.approx(0.77)


def test_variants_declared_in_python_equal_the_files():
    r = clvsim.Scenario(scenario_path("saas_variants.toml")).run(replications=30, seed=4)
    s = clvsim.Scenario(scenario_path("saas.toml"))
    s.add_variant("retention_plus_5", scale={"segments.*.churn_multiplier": 0.77})
    mine = s.run(replications=30, seed=4)
    a, b = mine.comparison("retention_plus_5").by_year, r.comparison("retention_plus_5").by_year
    assert (a.to_numpy() == b.to_numpy()).all()
    # the stored text runs again as it is
    again = clvsim.Scenario.from_toml(mine.scenario_text).run(replications=30, seed=4)
    assert (again.comparison("retention_plus_5").by_year.to_numpy() == b.to_numpy()).all()
    with pytest.raises(clvsim.InputError, match="changes nothing"):
        s.add_variant("same", scale={"segments.*.churn_multiplier": 1.0})
    assert s.variants == ["retention_plus_5"]


def test_run_options_are_checked():
    s = clvsim.Scenario()
    for kw in ({"replications": 0}, {"replications": 2.5}, {"seed": -1}, {"threads": -2}):
        with pytest.raises(clvsim.InputError) as err:
            s.run(**kw)
        assert err.value.key == next(iter(kw))
    with pytest.raises(clvsim.InputError):
        s.sensitivity(samples=4)

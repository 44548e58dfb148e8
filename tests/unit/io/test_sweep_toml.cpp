// The TOML reader's [sweep] and [sensitivity] tables: what they turn into, and how bad input is
// reported.
//
// Error tests locate the offending token in the test's own text and require the message to
// start with exactly that file:line:column, so a location that drifts by one column fails.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "clvsim/engine.hpp"
#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/scenario.hpp"
#include "toml_test_helpers.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using clvsim::Design;
using clvsim::InputError;
using clvsim::Override;
using clvsim::Scenario;
using clvsim::SensitivitySpec;
using clvsim::SweepParameter;
using clvsim::SweepSpec;

namespace fs = std::filesystem;
using namespace toml_test;

namespace {

// A small valid scenario; the tests append [sweep] and [sensitivity] tables to it.
const std::string BASE = R"([scenario]
name = "bank"

[simulation]
horizon = 4
replications = 10
seed = 7

[funnel]
stages = ["lead", "qualified"]

[funnel.lead]
advance = 0.3
drop = 0.2

[funnel.qualified]
advance = 0.5
drop = 0.1

[channels.search]
spend = 1000
cost_per_lead = 20
segment_mix = { basic = 3, premium = 1 }

[segments.basic]
churn = 0.05
order_value = 30

[segments.premium]
churn = 0.02
order_value = 90
)";

// Every form of swept parameter; the keys are deliberately not in alphabetical order.
const std::string SWEEP = R"(
[sweep]
design = "grid"
replications = 200
seed = 11

[sweep.parameters]
"segments.*.churn_multiplier" = { values = [0.7, 0.8, 0.9, 1] }
"retention.spend_per_customer" = { min = 0.0, max = 9, steps = 4 }
"channels.*.spend" = { min = 0.5, max = 1.5, steps = 3, op = "scale" }
"channels.search.cost_per_lead" = { values = [-2.5, 2.5], op = "add" }
)";

const std::string SENSITIVITY = R"(
[sensitivity]
parameters = ["segments.*.churn_multiplier", "channels.search.cost_per_lead", "retention.spend_per_customer"]
relative_change = 0.2
metric = "ltv_cac"
samples = 64
sobol = false

[sensitivity.ranges]
"retention.spend_per_customer" = { low = 0.0, high = 6 }
"channels.search.cost_per_lead" = { low = 15, high = 25.5 }
)";

std::string sweep_edit(const std::string& from, const std::string& to) {
  return edit(BASE + SWEEP, from, to);
}

std::string sensitivity_edit(const std::string& from, const std::string& to) {
  return edit(BASE + SENSITIVITY, from, to);
}

//! BASE followed by a [sweep] of `design` with these parameter lines.
std::string sweep_with(const std::string& header, const std::string& parameters) {
  return BASE + "\n[sweep]\n" + header + "\n[sweep.parameters]\n" + parameters + "\n";
}

//! A scratch directory for files that extend one another, removed at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    path_ = fs::temp_directory_path() /
            ("clvsim_sweep_toml_" + std::to_string(reinterpret_cast<std::uintptr_t>(this)) + "_" +
             std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::string write(const std::string& name, const std::string& text) const {
    const fs::path p = path_ / name;
    std::ofstream out(p, std::ios::binary);
    out << text;
    REQUIRE(out.good());
    return p.string();
  }

 private:
  fs::path path_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// [sweep]: valid forms
// ---------------------------------------------------------------------------------------------

TEST_CASE("sweep: every form of parameter, in file order", "[io][sweep_toml]") {
  const std::string text = BASE + SWEEP;
  const Scenario s = clvsim::parse_scenario(text, "x.toml");
  REQUIRE(s.sweep.has_value());
  const SweepSpec& sw = *s.sweep;
  CHECK(sw.design == Design::Grid);
  CHECK(sw.points == 0);  // a grid's points are the combinations of its values
  CHECK(sw.replications == 200);
  CHECK(sw.seed == 11);
  check_where(sw.where, text, "[sweep]\n");
  REQUIRE(sw.parameters.size() == 4);

  const SweepParameter& churn = sw.parameters[0];
  CHECK(churn.pattern == "segments.*.churn_multiplier");
  CHECK(churn.op == Override::Op::Set);
  CHECK(churn.values == std::vector<double>{0.7, 0.8, 0.9, 1.0});
  CHECK_FALSE(churn.range);
  CHECK(churn.steps == 0);
  check_where(churn.where, text, "{ values = [0.7");

  const SweepParameter& spend = sw.parameters[1];
  CHECK(spend.pattern == "retention.spend_per_customer");
  CHECK(spend.op == Override::Op::Set);
  CHECK(spend.range);
  CHECK(spend.values.empty());
  CHECK(spend.min == 0.0);
  CHECK(spend.max == 9.0);
  CHECK(spend.steps == 4);
  check_where(spend.where, text, "{ min = 0.0");

  const SweepParameter& scale = sw.parameters[2];
  CHECK(scale.pattern == "channels.*.spend");
  CHECK(scale.op == Override::Op::Scale);
  CHECK(scale.range);
  CHECK(scale.min == 0.5);
  CHECK(scale.max == 1.5);
  CHECK(scale.steps == 3);

  const SweepParameter& add = sw.parameters[3];
  CHECK(add.pattern == "channels.search.cost_per_lead");
  CHECK(add.op == Override::Op::Add);
  CHECK(add.values == std::vector<double>{-2.5, 2.5});

  CHECK_FALSE(s.sensitivity.has_value());
}

TEST_CASE("sweep: defaults", "[io][sweep_toml]") {
  const std::string text = sweep_with("", "\"channels.search.spend\" = { values = [500] }");
  const Scenario s = clvsim::parse_scenario(text, "x.toml");
  REQUIRE(s.sweep.has_value());
  CHECK(s.sweep->design == Design::Grid);
  CHECK(s.sweep->points == 0);
  CHECK(s.sweep->replications == 100);
  CHECK(s.sweep->seed == 0);
  REQUIRE(s.sweep->parameters.size() == 1);
  CHECK(s.sweep->parameters[0].values == std::vector<double>{500.0});

  SECTION("no [sweep] and no [sensitivity]") {
    const Scenario none = clvsim::parse_scenario(BASE, "x.toml");
    CHECK_FALSE(none.sweep.has_value());
    CHECK_FALSE(none.sensitivity.has_value());
  }
  SECTION("the parameters alone make a sweep") {
    const Scenario only = clvsim::parse_scenario(
        BASE + "\n[sweep.parameters]\n\"channels.search.spend\" = { values = [1, 2] }\n", "x.toml");
    REQUIRE(only.sweep.has_value());
    CHECK(only.sweep->replications == 100);
    CHECK(only.sweep->parameters.size() == 1);
  }
}

TEST_CASE("sweep: Latin hypercube and Sobol' designs take points, and ranges without steps",
          "[io][sweep_toml]") {
  const std::string params =
      "\"channels.search.spend\" = { min = 500, max = 1500 }\n"
      "\"segments.*.churn_multiplier\" = { values = [0.8, 0.9, 1.0], op = \"scale\" }";
  for (const auto& [name, design] : std::vector<std::pair<std::string, Design>>{
           {"latin_hypercube", Design::LatinHypercube}, {"sobol", Design::Sobol}}) {
    INFO(name);
    const Scenario s = clvsim::parse_scenario(
        sweep_with("design = \"" + name + "\"\npoints = 64\nreplications = 5\nseed = 0", params),
        "x.toml");
    REQUIRE(s.sweep.has_value());
    CHECK(s.sweep->design == design);
    CHECK(s.sweep->points == 64);
    CHECK(s.sweep->replications == 5);
    REQUIRE(s.sweep->parameters.size() == 2);
    const SweepParameter& r = s.sweep->parameters[0];
    CHECK(r.range);
    CHECK(r.min == 500.0);
    CHECK(r.max == 1500.0);
    CHECK(r.steps == 0);
    const SweepParameter& v = s.sweep->parameters[1];
    CHECK(v.op == Override::Op::Scale);
    CHECK(v.values == std::vector<double>{0.8, 0.9, 1.0});
  }
}

TEST_CASE("sweep: parameters written as tables, in file order", "[io][sweep_toml]") {
  const std::string text = BASE + R"(
[sweep]
replications = 3

[sweep.parameters."segments.premium.order_value"]
min = 80
max = 100
steps = 5
op = "set"

[sweep.parameters."channels.search.spend"]
values = [900, 1100]
)";
  const Scenario s = clvsim::parse_scenario(text, "x.toml");
  REQUIRE(s.sweep.has_value());
  REQUIRE(s.sweep->parameters.size() == 2);
  CHECK(s.sweep->parameters[0].pattern == "segments.premium.order_value");
  CHECK(s.sweep->parameters[0].steps == 5);
  check_where(s.sweep->parameters[0].where, text, "[sweep.parameters.\"segments");
  CHECK(s.sweep->parameters[1].pattern == "channels.search.spend");
  CHECK(s.sweep->parameters[1].values == std::vector<double>{900.0, 1100.0});
}

TEST_CASE("sweep: the largest seed and integer values", "[io][sweep_toml]") {
  const Scenario s = clvsim::parse_scenario(
      sweep_with("seed = 9223372036854775807",
                 "\"channels.search.spend\" = { min = -3, max = 3, steps = 2 }"),
      "x.toml");
  REQUIRE(s.sweep.has_value());
  CHECK(s.sweep->seed == 9223372036854775807ull);
  CHECK(s.sweep->parameters[0].min == -3.0);
  CHECK(s.sweep->parameters[0].max == 3.0);
  CHECK(s.sweep->parameters[0].steps == 2);
}

// ---------------------------------------------------------------------------------------------
// [sensitivity]: valid forms
// ---------------------------------------------------------------------------------------------

TEST_CASE("sensitivity: every key, in file order", "[io][sweep_toml]") {
  const std::string text = BASE + SENSITIVITY;
  const Scenario s = clvsim::parse_scenario(text, "x.toml");
  REQUIRE(s.sensitivity.has_value());
  const SensitivitySpec& se = *s.sensitivity;
  CHECK(se.parameters == std::vector<std::string>{"segments.*.churn_multiplier",
                                                  "channels.search.cost_per_lead",
                                                  "retention.spend_per_customer"});
  CHECK(se.relative_change == 0.2);
  CHECK(se.metric == "ltv_cac");
  CHECK(se.samples == 64);
  CHECK_FALSE(se.sobol);
  check_where(se.where, text, "[sensitivity]\n");
  REQUIRE(se.ranges.size() == 2);
  CHECK(se.ranges[0].pattern == "retention.spend_per_customer");
  CHECK(se.ranges[0].low == 0.0);
  CHECK(se.ranges[0].high == 6.0);
  check_where(se.ranges[0].where, text, "{ low = 0.0");
  CHECK(se.ranges[1].pattern == "channels.search.cost_per_lead");
  CHECK(se.ranges[1].low == 15.0);
  CHECK(se.ranges[1].high == 25.5);
  check_where(se.ranges[1].where, text, "{ low = 15");
  CHECK_FALSE(s.sweep.has_value());
}

TEST_CASE("sensitivity: defaults", "[io][sweep_toml]") {
  const Scenario s = clvsim::parse_scenario(BASE + "\n[sensitivity]\n", "x.toml");
  REQUIRE(s.sensitivity.has_value());
  CHECK(s.sensitivity->parameters.empty());  // every numeric parameter
  CHECK(s.sensitivity->relative_change == 0.1);
  CHECK(s.sensitivity->metric == "npv");
  CHECK(s.sensitivity->samples == 256);
  CHECK(s.sensitivity->sobol);
  CHECK(s.sensitivity->ranges.empty());
}

TEST_CASE("sensitivity: every horizon total is a metric", "[io][sweep_toml]") {
  for (const auto& info : clvsim::total_infos()) {
    INFO(info.name);
    const Scenario s = clvsim::parse_scenario(
        BASE + "\n[sensitivity]\nmetric = \"" + info.name + "\"\nsamples = 8\nsobol = true\n",
        "x.toml");
    CHECK(s.sensitivity->metric == info.name);
    CHECK(s.sensitivity->samples == 8);
  }
}

TEST_CASE("sweep and sensitivity together", "[io][sweep_toml]") {
  const Scenario s = clvsim::parse_scenario(BASE + SWEEP + SENSITIVITY, "x.toml");
  REQUIRE(s.sweep.has_value());
  REQUIRE(s.sensitivity.has_value());
  CHECK(s.sweep->parameters.size() == 4);
  CHECK(s.sensitivity->ranges.size() == 2);
}

// ---------------------------------------------------------------------------------------------
// extends
// ---------------------------------------------------------------------------------------------

TEST_CASE("sweep: a file that extends a base adds or changes a [sweep]", "[io][sweep_toml]") {
  const ScratchDir dir;
  SECTION("the extending file adds [sweep] and [sensitivity]") {
    dir.write("base.toml", BASE);
    const std::string child_text =
        "extends = \"base.toml\"\n[scenario]\nname = \"child\"\n" + SWEEP + SENSITIVITY;
    const std::string child = dir.write("child.toml", child_text);
    const Scenario s = clvsim::read_scenario_file(child);
    CHECK(s.name == "child");
    REQUIRE(s.sweep.has_value());
    REQUIRE(s.sweep->parameters.size() == 4);
    CHECK(s.sweep->parameters[0].pattern == "segments.*.churn_multiplier");
    CHECK(s.sweep->parameters[3].pattern == "channels.search.cost_per_lead");
    const auto [line, column] = line_col(child_text, "{ values = [0.7");
    CHECK(s.sweep->parameters[0].where.file == child);
    CHECK(s.sweep->parameters[0].where.line == line);
    CHECK(s.sweep->parameters[0].where.column == column);
    REQUIRE(s.sensitivity.has_value());
    CHECK(s.sensitivity->metric == "ltv_cac");

    // The resolved text stored with results reads back to the same sweep.
    const Scenario again = clvsim::parse_scenario(s.source_text, "resolved.toml");
    REQUIRE(again.sweep.has_value());
    REQUIRE(again.sweep->parameters.size() == 4);
    for (std::size_t i = 0; i < 4; ++i) {
      const SweepParameter& a = s.sweep->parameters[i];
      const SweepParameter& b = again.sweep->parameters[i];
      CHECK(a.pattern == b.pattern);
      CHECK(a.op == b.op);
      CHECK(a.values == b.values);
      CHECK(a.range == b.range);
      CHECK(a.min == b.min);
      CHECK(a.max == b.max);
      CHECK(a.steps == b.steps);
    }
    CHECK(again.sweep->replications == 200);
    CHECK(again.sweep->seed == 11);
    REQUIRE(again.sensitivity.has_value());
    CHECK(again.sensitivity->parameters == s.sensitivity->parameters);
    CHECK(again.sensitivity->ranges.size() == 2);
    CHECK_FALSE(again.sensitivity->sobol);
  }
  SECTION("tables merge key by key: the base's parameters first, then the new ones") {
    dir.write("base.toml", BASE + SWEEP);
    const std::string child =
        dir.write("child.toml",
                  "extends = \"base.toml\"\n[sweep]\nreplications = 7\n[sweep.parameters]\n"
                  "\"segments.premium.order_value\" = { values = [80, 100] }\n"
                  "\"retention.spend_per_customer\" = { values = [1, 2] }\n");
    const Scenario s = clvsim::read_scenario_file(child);
    REQUIRE(s.sweep.has_value());
    CHECK(s.sweep->replications == 7);
    CHECK(s.sweep->seed == 11);  // from the base
    REQUIRE(s.sweep->parameters.size() == 5);
    CHECK(s.sweep->parameters[0].pattern == "segments.*.churn_multiplier");
    // An inline entry replaces the base's entry whole, in the base's place.
    CHECK(s.sweep->parameters[1].pattern == "retention.spend_per_customer");
    CHECK_FALSE(s.sweep->parameters[1].range);
    CHECK(s.sweep->parameters[1].values == std::vector<double>{1.0, 2.0});
    CHECK(s.sweep->parameters[1].where.file == child);
    CHECK(s.sweep->parameters[4].pattern == "segments.premium.order_value");
  }
  SECTION("an error in the extending file names that file") {
    dir.write("base.toml", BASE + SWEEP);
    const std::string text = "extends = \"base.toml\"\n[sweep]\ndesign = \"sobel\"\n";
    const std::string child = dir.write("child.toml", text);
    try {
      (void)clvsim::read_scenario_file(child);
      FAIL("accepted");
    } catch (const InputError& e) {
      const std::string msg = e.what();
      INFO(msg);
      CHECK_THAT(msg, StartsWith(at(text, "\"sobel\"", 0, child)));
      CHECK_THAT(msg, Contains("sweep.design = \"sobel\" is not a known design (did you mean "
                               "\"sobol\"?"));
    }
  }
  SECTION("a base's range cannot be merged into a list") {
    dir.write("base.toml", BASE +
                               "\n[sweep.parameters.\"channels.search.spend\"]\nmin = 1\n"
                               "max = 2\nsteps = 2\n");
    const std::string text =
        "extends = \"base.toml\"\n[sweep.parameters.\"channels.search.spend\"]\nvalues = [1]\n";
    const std::string child = dir.write("child.toml", text);
    try {
      (void)clvsim::read_scenario_file(child);
      FAIL("accepted");
    } catch (const InputError& e) {
      const std::string msg = e.what();
      INFO(msg);
      CHECK_THAT(msg, StartsWith(at(text, "[1]", 0, child)));
      CHECK_THAT(msg,
                 Contains("sweep.parameters.\"channels.search.spend\".values = [1] cannot be "
                          "given together with sweep.parameters.\"channels.search.spend\".min, "
                          "written at "));
      CHECK_THAT(msg, Contains("an inline table replaces the base's table whole"));
    }
  }
}

TEST_CASE("the shipped sweep example parses", "[io][sweep_toml]") {
  const std::string path = CLVSIM_SOURCE_DIR "/scenarios/saas_sweep.toml";
  const Scenario s = clvsim::read_scenario_file(path);
  CHECK(s.name == "saas_sweep");
  REQUIRE(s.sweep.has_value());
  CHECK(s.sweep->design == Design::Grid);
  CHECK(s.sweep->replications == 100);
  REQUIRE(s.sweep->parameters.size() == 2);
  const SweepParameter& spend = s.sweep->parameters[0];
  CHECK(spend.pattern == "retention.spend_per_customer");
  CHECK(spend.range);
  CHECK(spend.min == 0.0);
  CHECK(spend.max == 7.0);
  CHECK(spend.steps == 8);
  const SweepParameter& churn = s.sweep->parameters[1];
  CHECK(churn.pattern == "segments.*.churn_multiplier");
  CHECK(churn.values == std::vector<double>{0.65, 0.70, 0.75, 0.80, 0.85, 0.90, 0.95, 1.00});
  REQUIRE(s.sensitivity.has_value());
  CHECK(s.sensitivity->parameters.size() == 8);
  CHECK(s.sensitivity->samples == 256);
  CHECK(s.sensitivity->metric == "npv");
  // The business itself is saas.toml's.
  const Scenario base = clvsim::read_scenario_file(CLVSIM_SOURCE_DIR "/scenarios/saas.toml");
  CHECK(s.segments.size() == base.segments.size());
  CHECK(s.channels.size() == base.channels.size());
  CHECK(s.retention.spend.value == base.retention.spend.value);
}

// ---------------------------------------------------------------------------------------------
// [sweep]: bad input
// ---------------------------------------------------------------------------------------------

TEST_CASE("sweep: unknown keys suggest the closest key", "[io][sweep_toml][errors]") {
  SECTION("in [sweep]") {
    const auto text = sweep_edit("replications = 200", "replication = 200");
    check_error(text, at(text, "replication ="),
                {"sweep.replication is not a known key (did you mean 'replications'? accepted: "
                 "design, points, replications, seed, parameters)"});
  }
  SECTION("in a parameter") {
    const auto text = sweep_edit("steps = 4 }", "step = 4 }");
    check_error(text, at(text, "step = 4"),
                {"sweep.parameters.\"retention.spend_per_customer\".step is not a known key (did "
                 "you mean 'steps'? accepted: values, min, max, steps, op)"});
  }
  SECTION("a top-level table") {
    const auto text = sweep_edit("[sweep]", "[swep]");
    check_error(text, at(text, "swep]"), {"swep is not a known key", "did you mean 'sweep'?"});
  }
}

TEST_CASE("sweep: design, points, replications and seed", "[io][sweep_toml][errors]") {
  SECTION("an unknown design") {
    const auto text = sweep_edit("design = \"grid\"", "design = \"latin\"");
    check_error(text, at(text, "\"latin\""),
                {"sweep.design = \"latin\" is not a known design (did you mean "
                 "\"latin_hypercube\"? accepted: \"grid\", \"latin_hypercube\", \"sobol\")"});
  }
  SECTION("a design that is not a string") {
    const auto text = sweep_edit("design = \"grid\"", "design = 1");
    check_error(text, at(text, "design = 1", 9),
                {"sweep.design = 1 is an integer, not a string",
                 "accepted: \"grid\", \"latin_hypercube\", \"sobol\""});
  }
  SECTION("sobol without points") {
    const auto text = sweep_edit("design = \"grid\"", "design = \"sobol\"");
    check_error(text, at(text, "[sweep]\n"),
                {"sweep is missing required key 'points' (the number of design points for design "
                 "= \"sobol\", an integer >= 1)"});
  }
  SECTION("latin_hypercube without points") {
    const auto text = sweep_with("design = \"latin_hypercube\"",
                                 "\"channels.search.spend\" = { values = [1, 2] }");
    check_error(text, at(text, "[sweep]\n"),
                {"sweep is missing required key 'points' (the number of design points for design "
                 "= \"latin_hypercube\", an integer >= 1)"});
  }
  SECTION("points with a grid") {
    const auto text = sweep_edit("design = \"grid\"", "design = \"grid\"\npoints = 64");
    check_error(text, at(text, "64"),
                {"sweep.points = 64 is only used with design = \"latin_hypercube\" or \"sobol\" "
                 "(this sweep has design = \"grid\", whose points are every combination of the "
                 "parameters' values; remove points, or choose another design)"});
    const auto by_default = sweep_edit("design = \"grid\"", "points = 64");
    check_error(by_default, at(by_default, "64"),
                {"sweep.points = 64 is only used with design = \"latin_hypercube\" or \"sobol\"",
                 "this sweep has design = \"grid\" (the default)"});
  }
  SECTION("points out of range or not an integer") {
    const auto zero = sweep_edit("design = \"grid\"", "design = \"sobol\"\npoints = 0");
    check_error(zero, at(zero, "points = 0", 9),
                {"sweep.points = 0 is out of range (must be an integer >= 1)"});
    const auto real = sweep_edit("design = \"grid\"", "design = \"sobol\"\npoints = 64.0");
    check_error(real, at(real, "64.0"),
                {"sweep.points = 64.0 is not an integer (must be an integer >= 1, written without "
                 "a decimal point)"});
  }
  SECTION("replications") {
    const auto text = sweep_edit("replications = 200", "replications = 0");
    check_error(text, at(text, "replications = 0", 15),
                {"sweep.replications = 0 is out of range (must be an integer >= 1: Monte Carlo "
                 "replications at each point)"});
    const auto str = sweep_edit("replications = 200", "replications = \"200\"");
    check_error(str, at(str, "\"200\""),
                {"sweep.replications = \"200\" is a string, not an integer"});
  }
  SECTION("seed") {
    const auto text = sweep_edit("seed = 11", "seed = -1");
    check_error(text, at(text, "-1"),
                {"sweep.seed = -1 is out of range (must be an integer >= 0; 0 means the "
                 "scenario's simulation.seed)"});
  }
  SECTION("[sweep] that is not a table") {
    const auto text = "sweep = 3\n" + BASE;
    check_error(text, at(text, "sweep = 3", 8), {"sweep = 3 is an integer, not a table"});
  }
}

TEST_CASE("sweep: parameters", "[io][sweep_toml][errors]") {
  SECTION("a sweep without parameters") {
    const auto text = BASE + "\n[sweep]\nreplications = 5\n";
    check_error(text, at(text, "[sweep]"),
                {"sweep is missing required key 'parameters' (at least one parameter to sweep: "
                 "[sweep.parameters] with \"<key path>\" = { values = [...] } or { min = ..., max "
                 "= ..., steps = ... })"});
  }
  SECTION("an empty [sweep.parameters]") {
    const auto text = BASE + "\n[sweep]\nreplications = 5\n[sweep.parameters]\n";
    check_error(text, at(text, "[sweep.parameters]"),
                {"sweep.parameters is empty (at least one parameter to sweep"});
  }
  SECTION("parameters that are not a table") {
    const auto text = BASE + "\n[sweep]\nparameters = [\"segments.*.churn\"]\n";
    check_error(text, at(text, "[\"segments"),
                {"sweep.parameters = [\"segments.*.churn\"] is an array, not a table"});
  }
  SECTION("an entry that is not a table") {
    const auto text = sweep_with("", "\"channels.search.spend\" = [1, 2]");
    check_error(text, at(text, "[1, 2]"),
                {"sweep.parameters.\"channels.search.spend\" = [1, 2] is an array, not a table "
                 "(expected { values = [...] } or { min = ..., max = ..., steps = ... }, with an "
                 "optional op = \"set\", \"scale\" or \"add\")"});
  }
  SECTION("an unquoted key path") {
    const auto text = sweep_with("", "channels.search.spend = { values = [1, 2] }");
    check_error(text, at(text, "channels.search.spend = {"),
                {"sweep.parameters.channels is a table of nested keys, not a key path (write the "
                 "key path in quotes, as in \"channels.search.spend\" = { values = [1, 2] }"});
  }
  SECTION("an empty key path") {
    const auto text = sweep_with("", "\"\" = { values = [1, 2] }");
    check_error(text, at(text, "\"\" ="), {"sweep.parameters.\"\" is an empty key path"});
  }
  SECTION("both values and a range") {
    const auto text = sweep_edit("{ values = [0.7, 0.8, 0.9, 1] }",
                                 "{ values = [0.7, 0.8, 0.9, 1], min = 0.5, max = 1 }");
    check_error(text, at(text, "0.5, max = 1 }"),
                {"sweep.parameters.\"segments.*.churn_multiplier\".min = 0.5 cannot be given "
                 "together with sweep.parameters.\"segments.*.churn_multiplier\".values (give "
                 "either a list values = [...] or a range min = ..., max = ...)"});
    const auto later =
        sweep_edit("{ min = 0.0, max = 9, steps = 4 }", "{ max = 9, values = [1, 2] }");
    check_error(later, at(later, "[1, 2]"),
                {"sweep.parameters.\"retention.spend_per_customer\".values = [1, 2] cannot be "
                 "given together with sweep.parameters.\"retention.spend_per_customer\".max"});
  }
  SECTION("neither values nor a range") {
    const auto text = sweep_edit("{ values = [0.7, 0.8, 0.9, 1] }", "{ op = \"scale\" }");
    check_error(text, at(text, "{ op = \"scale\" }"),
                {"sweep.parameters.\"segments.*.churn_multiplier\" is missing required key "
                 "'values' (or a range min = ..., max = ...: the values the parameter takes in "
                 "the sweep)"});
  }
  SECTION("half a range") {
    const auto no_max = sweep_edit("{ min = 0.0, max = 9, steps = 4 }", "{ min = 0.0, steps = 4 }");
    check_error(no_max, at(no_max, "{ min = 0.0, steps"),
                {"sweep.parameters.\"retention.spend_per_customer\" is missing required key 'max' "
                 "(the top of the range; a range needs min and max)"});
    const auto no_min = sweep_edit("{ min = 0.0, max = 9, steps = 4 }", "{ max = 9, steps = 4 }");
    check_error(
        no_min, at(no_min, "{ max = 9, steps"),
        {"sweep.parameters.\"retention.spend_per_customer\" is missing required key 'min'"});
  }
  SECTION("min not below max") {
    const auto text =
        sweep_edit("{ min = 0.0, max = 9, steps = 4 }", "{ min = 9.0, max = 9, steps = 4 }");
    check_error(text, at(text, "9, steps"),
                {"sweep.parameters.\"retention.spend_per_customer\".max = 9 is not greater than "
                 "min = 9.0 (a range needs min < max; for a single value write values = [...])"});
    const auto reversed = sweep_edit("{ min = 0.5, max = 1.5", "{ min = 1.5, max = 0.5");
    check_error(reversed, at(reversed, "0.5, steps = 3"),
                {"sweep.parameters.\"channels.*.spend\".max = 0.5 is not greater than min = 1.5"});
  }
  SECTION("min or max not a finite number") {
    const auto str = sweep_edit("{ min = 0.0,", "{ min = \"0\",");
    check_error(str, at(str, "\"0\""),
                {"sweep.parameters.\"retention.spend_per_customer\".min = \"0\" is a string, not a "
                 "number (expected a finite number)"});
    const auto inf = sweep_edit("max = 9,", "max = inf,");
    check_error(inf, at(inf, "inf"),
                {"sweep.parameters.\"retention.spend_per_customer\".max = inf is not a finite "
                 "number"});
  }
  SECTION("a grid range without steps") {
    const auto text = sweep_edit("{ min = 0.0, max = 9, steps = 4 }", "{ min = 0.0, max = 9 }");
    check_error(text, at(text, "{ min = 0.0, max = 9 }"),
                {"sweep.parameters.\"retention.spend_per_customer\" is missing required key "
                 "'steps' (the number of grid values from min to max, both ends included, an "
                 "integer >= 2; a range in a grid needs it)"});
  }
  SECTION("too few steps") {
    const auto text = sweep_edit("steps = 4", "steps = 1");
    check_error(text, at(text, "steps = 1 }", 8),
                {"sweep.parameters.\"retention.spend_per_customer\".steps = 1 is out of range "
                 "(must be an integer >= 2: the number of grid values from min to max, both ends "
                 "included)"});
    const auto real = sweep_edit("steps = 4", "steps = 4.0");
    check_error(real, at(real, "4.0"),
                {"sweep.parameters.\"retention.spend_per_customer\".steps = 4.0 is not an "
                 "integer"});
  }
  SECTION("steps with a list of values") {
    const auto text = sweep_edit("[0.7, 0.8, 0.9, 1] }", "[0.7, 0.8, 0.9, 1], steps = 4 }");
    check_error(text, at(text, "1], steps = 4", 12),
                {"sweep.parameters.\"segments.*.churn_multiplier\".steps = 4 is only used with a "
                 "range (min and max) (a list of values is swept as written; remove steps)"});
  }
  SECTION("steps with a design that is not a grid") {
    const auto text = sweep_with("design = \"latin_hypercube\"\npoints = 10",
                                 "\"channels.search.spend\" = { min = 1, max = 2, steps = 5 }");
    check_error(text, at(text, "5 }"),
                {"sweep.parameters.\"channels.search.spend\".steps = 5 is only used with design "
                 "= \"grid\" (this sweep has design = \"latin_hypercube\", which draws "
                 "sweep.points values anywhere in [min, max]; remove steps)"});
  }
  SECTION("values") {
    const auto empty = sweep_edit("[0.7, 0.8, 0.9, 1]", "[]");
    check_error(empty, at(empty, "[]"),
                {"sweep.parameters.\"segments.*.churn_multiplier\".values = [] is empty (at least "
                 "one value is required)"});
    const auto str = sweep_edit("[0.7, 0.8, 0.9, 1]", "[0.7, \"0.8\"]");
    check_error(str, at(str, "\"0.8\""),
                {"sweep.parameters.\"segments.*.churn_multiplier\".values[1] = \"0.8\" is a "
                 "string, not a number (expected a list of finite numbers such as [0.8, 0.9, "
                 "1.0])"});
    const auto nan = sweep_edit("[0.7, 0.8, 0.9, 1]", "[0.7, 0.8, nan]");
    check_error(nan, at(nan, "nan"),
                {"sweep.parameters.\"segments.*.churn_multiplier\".values[2] = nan is not a "
                 "finite number",
                 "nan and inf are not accepted"});
    const auto scalar = sweep_edit("[0.7, 0.8, 0.9, 1]", "0.7");
    check_error(scalar, at(scalar, "0.7 }"),
                {"sweep.parameters.\"segments.*.churn_multiplier\".values = 0.7 is a "
                 "floating-point number, not an array"});
  }
  SECTION("an unknown op") {
    const auto text = sweep_edit("op = \"scale\"", "op = \"scael\"");
    check_error(text, at(text, "\"scael\""),
                {"sweep.parameters.\"channels.*.spend\".op = \"scael\" is not a known operation "
                 "(did you mean \"scale\"? accepted: \"set\", \"scale\", \"add\")"});
    const auto num = sweep_edit("op = \"scale\"", "op = 2");
    check_error(num, at(num, "op = 2", 5),
                {"sweep.parameters.\"channels.*.spend\".op = 2 is an integer, not a string"});
  }
}

// ---------------------------------------------------------------------------------------------
// [sensitivity]: bad input
// ---------------------------------------------------------------------------------------------

TEST_CASE("sensitivity: bad input", "[io][sweep_toml][errors]") {
  SECTION("an unknown key") {
    const auto text = sensitivity_edit("metric = ", "metrics = ");
    check_error(text, at(text, "metrics"),
                {"sensitivity.metrics is not a known key (did you mean 'metric'? accepted: "
                 "parameters, relative_change, metric, samples, sobol, ranges)"});
  }
  SECTION("an unknown metric") {
    const auto text = sensitivity_edit("\"ltv_cac\"", "\"nvp\"");
    check_error(text, at(text, "\"nvp\""),
                {"sensitivity.metric = \"nvp\" is not a horizon total (did you mean \"npv\"? "
                 "accepted: \"npv\", \"revenue\", \"gross_margin\", \"profit\", "
                 "\"acquisition_spend\", \"retention_spend\", \"new_customers\", "
                 "\"churned_customers\", \"won_back_customers\", \"active_customers\", \"cac\", "
                 "\"ltv\", \"ltv_cac\", \"payback_periods\", \"payback_never\", "
                 "\"attributed_cac\", \"arr\")"});
    const auto num = sensitivity_edit("\"ltv_cac\"", "3");
    check_error(num, at(num, "metric = 3", 9),
                {"sensitivity.metric = 3 is an integer, not a string (expected the name of a "
                 "horizon total: \"npv\", \"revenue\""});
  }
  SECTION("relative_change outside (0, 1)") {
    for (const std::string v : {"0", "0.0", "1", "1.0", "1.5", "-0.1"}) {
      const auto text = sensitivity_edit("relative_change = 0.2", "relative_change = " + v);
      check_error(text, at(text, "relative_change = " + v, 18),
                  {"sensitivity.relative_change = " + v +
                   " is out of range (must be a number > 0 and < 1: each parameter varies from "
                   "value * (1 - relative_change) to value * (1 + relative_change))"});
    }
    const auto str = sensitivity_edit("relative_change = 0.2", "relative_change = \"10%\"");
    check_error(str, at(str, "\"10%\""),
                {"sensitivity.relative_change = \"10%\" is a string, not a number"});
    const auto nan = sensitivity_edit("relative_change = 0.2", "relative_change = nan");
    check_error(nan, at(nan, "nan"), {"sensitivity.relative_change = nan is not a finite number"});
  }
  SECTION("samples") {
    const auto few = sensitivity_edit("samples = 64", "samples = 7");
    check_error(few, at(few, "samples = 7", 10),
                {"sensitivity.samples = 7 is out of range (must be an integer >= 8: the Saltelli "
                 "base sample size N; the analysis evaluates N (P + 2) points for P parameters)"});
    const auto real = sensitivity_edit("samples = 64", "samples = 64.0");
    check_error(real, at(real, "64.0"), {"sensitivity.samples = 64.0 is not an integer"});
  }
  SECTION("sobol is a boolean") {
    const auto str = sensitivity_edit("sobol = false", "sobol = \"false\"");
    check_error(str, at(str, "\"false\""),
                {"sensitivity.sobol = \"false\" is a string, not a boolean (expected true or "
                 "false, without quotes)"});
    const auto num = sensitivity_edit("sobol = false", "sobol = 1");
    check_error(num, at(num, "sobol = 1", 8),
                {"sensitivity.sobol = 1 is an integer, not a boolean"});
  }
  SECTION("parameters") {
    const auto str = sensitivity_edit(
        "parameters = [\"segments.*.churn_multiplier\", \"channels.search.cost_per_lead\", "
        "\"retention.spend_per_customer\"]",
        "parameters = \"segments.*.churn_multiplier\"");
    check_error(str, at(str, "\"segments.*.churn_multiplier\"\n"),
                {"sensitivity.parameters = \"segments.*.churn_multiplier\" is a string, not an "
                 "array (expected a list of key paths in quotes"});
    const auto empty = sensitivity_edit(
        "parameters = [\"segments.*.churn_multiplier\", \"channels.search.cost_per_lead\", "
        "\"retention.spend_per_customer\"]",
        "parameters = []");
    check_error(empty, at(empty, "[]"),
                {"sensitivity.parameters = [] is empty (list at least one key path, or leave "
                 "parameters out to vary every numeric parameter)"});
    const auto num =
        sensitivity_edit("\"channels.search.cost_per_lead\", \"retention", "3, \"retention");
    check_error(num, at(num, "3, \"retention"),
                {"sensitivity.parameters[1] = 3 is an integer, not a string"});
    const auto blank =
        sensitivity_edit("\"channels.search.cost_per_lead\", \"retention", "\"\", \"retention");
    check_error(blank, at(blank, "\"\", \"retention"),
                {"sensitivity.parameters[1] = \"\" is an empty key path"});
    const auto twice =
        sensitivity_edit("\"retention.spend_per_customer\"]", "\"segments.*.churn_multiplier\"]");
    check_error(twice, at(twice, "\"segments.*.churn_multiplier\"]"),
                {"sensitivity.parameters[2] = \"segments.*.churn_multiplier\" repeats a key path "
                 "(list each key path once)"});
  }
  SECTION("ranges") {
    const auto key = sensitivity_edit("high = 6 }", "hihg = 6 }");
    check_error(key, at(key, "hihg"),
                {"sensitivity.ranges.\"retention.spend_per_customer\".hihg is not a known key (did "
                 "you mean 'high'? accepted: low, high)"});
    const auto missing = sensitivity_edit("{ low = 0.0, high = 6 }", "{ low = 0.0 }");
    check_error(missing, at(missing, "{ low = 0.0 }"),
                {"sensitivity.ranges.\"retention.spend_per_customer\" is missing required key "
                 "'high' (the top of the range the parameter is set to)"});
    const auto no_low = sensitivity_edit("{ low = 0.0, high = 6 }", "{ high = 6 }");
    check_error(no_low, at(no_low, "{ high = 6 }"),
                {"sensitivity.ranges.\"retention.spend_per_customer\" is missing required key "
                 "'low'"});
    const auto order = sensitivity_edit("{ low = 15, high = 25.5 }", "{ low = 25.5, high = 15 }");
    check_error(order, at(order, "15 }"),
                {"sensitivity.ranges.\"channels.search.cost_per_lead\".high = 15 is not greater "
                 "than low = 25.5 (a range needs low < high)"});
    const auto str = sensitivity_edit("high = 6 }", "high = \"6\" }");
    check_error(str, at(str, "\"6\""),
                {"sensitivity.ranges.\"retention.spend_per_customer\".high = \"6\" is a string, "
                 "not a number"});
    const auto not_table = sensitivity_edit("{ low = 0.0, high = 6 }", "[0, 6]");
    check_error(not_table, at(not_table, "[0, 6]"),
                {"sensitivity.ranges.\"retention.spend_per_customer\" = [0, 6] is an array, not a "
                 "table (expected { low = ..., high = ... }"});
    const auto nested = sensitivity_edit("\"retention.spend_per_customer\" = { low",
                                         "retention.spend_per_customer = { low");
    check_error(nested, at(nested, "retention.spend_per_customer = { low"),
                {"sensitivity.ranges.retention is a table of nested keys, not a key path",
                 "as in \"retention.spend_per_customer\" = { low = 0.0, high = 6 }"});
    const auto ranges = BASE + "\n[sensitivity]\nranges = 3\n";
    check_error(ranges, at(ranges, "ranges = 3", 9),
                {"sensitivity.ranges = 3 is an integer, not a table"});
  }
  SECTION("[sensitivity] that is not a table") {
    const auto text = "sensitivity = true\n" + BASE;
    check_error(text, at(text, "true"), {"sensitivity = true is a boolean, not a table"});
  }
}

// ---------------------------------------------------------------------------------------------
// validate(): the same rules for specs built in code
// ---------------------------------------------------------------------------------------------

TEST_CASE("validate: sweep and sensitivity specs built in code", "[io][sweep_toml][validate]") {
  Scenario s = clvsim::parse_scenario(BASE, "x.toml");
  SweepSpec sw;
  SweepParameter p;
  p.pattern = "segments.*.churn_multiplier";
  p.values = {0.8, 1.0};
  sw.parameters.push_back(p);
  s.sweep = sw;
  CHECK_NOTHROW(clvsim::validate(s));

  SECTION("no parameters") {
    s.sweep->parameters.clear();
    CHECK_THROWS_WITH(clvsim::validate(s), Contains("sweep.parameters is empty"));
  }
  SECTION("replications") {
    s.sweep->replications = 0;
    CHECK_THROWS_WITH(clvsim::validate(s), Contains("sweep.replications = 0 is out of range"));
  }
  SECTION("points for a design that draws them") {
    s.sweep->design = Design::Sobol;
    CHECK_THROWS_WITH(clvsim::validate(s), Contains("sweep.points = 0 is out of range"));
    s.sweep->points = 16;
    CHECK_NOTHROW(clvsim::validate(s));
  }
  SECTION("values") {
    s.sweep->parameters[0].values.clear();
    CHECK_THROWS_WITH(clvsim::validate(s),
                      Contains("sweep.parameters.\"segments.*.churn_multiplier\".values = [] is "
                               "empty"));
    s.sweep->parameters[0].values = {1.0, std::nan("")};
    CHECK_THROWS_WITH(clvsim::validate(s),
                      Contains("sweep.parameters.\"segments.*.churn_multiplier\".values[1] = nan "
                               "is not a finite number"));
  }
  SECTION("ranges") {
    auto& r = s.sweep->parameters[0];
    r.range = true;
    r.min = 2.0;
    r.max = 1.0;
    r.steps = 3;
    CHECK_THROWS_WITH(clvsim::validate(s),
                      Contains("sweep.parameters.\"segments.*.churn_multiplier\".max = 1 is not "
                               "greater than min = 2"));
    r.min = 0.5;
    r.steps = 1;
    CHECK_THROWS_WITH(clvsim::validate(s),
                      Contains("sweep.parameters.\"segments.*.churn_multiplier\".steps = 1 is out "
                               "of range"));
    s.sweep->design = Design::LatinHypercube;
    s.sweep->points = 5;
    CHECK_NOTHROW(clvsim::validate(s));
  }
  SECTION("sensitivity") {
    s.sensitivity = SensitivitySpec{};
    CHECK_NOTHROW(clvsim::validate(s));
    s.sensitivity->metric = "nvp";
    CHECK_THROWS_WITH(clvsim::validate(s),
                      Contains("sensitivity.metric = \"nvp\" is not a horizon total"));
    s.sensitivity->metric = "npv";
    s.sensitivity->relative_change = 1.0;
    CHECK_THROWS_WITH(clvsim::validate(s),
                      Contains("sensitivity.relative_change = 1 is out of range"));
    s.sensitivity->relative_change = 0.1;
    s.sensitivity->samples = 4;
    CHECK_THROWS_WITH(clvsim::validate(s), Contains("sensitivity.samples = 4 is out of range"));
    s.sensitivity->samples = 8;
    s.sensitivity->ranges.push_back({"retention.spend_per_customer", 3.0, 3.0, {}});
    CHECK_THROWS_WITH(clvsim::validate(s),
                      Contains("sensitivity.ranges.\"retention.spend_per_customer\".high = 3 is "
                               "not greater than low = 3"));
  }
}

// Sweeps and sensitivity: results independent of how the work is split, and elasticities equal
// to their closed forms.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "clvsim/sensitivity.hpp"
#include "clvsim/sweep.hpp"
#include "engine_helpers.hpp"

using namespace clvsim;

namespace {

SweepSpec small_grid() {
  SweepSpec spec;
  spec.design = Design::Grid;
  spec.replications = 8;
  SweepParameter churn;
  churn.pattern = "segments.*.churn_multiplier";
  churn.values = {0.8, 1.0, 1.2};
  SweepParameter spend;
  spend.pattern = "retention.spend_per_customer";
  spend.range = true;
  spend.min = 0.0;
  spend.max = 6.0;
  spend.steps = 3;
  spec.parameters = {churn, spend};
  return spec;
}

}  // namespace

TEST_CASE("Sweep rows do not depend on threads, shards or resumed points", "[sweep][driver]") {
  const Scenario base = test::load_example("saas");
  const SweepSpec spec = small_grid();
  const auto points = design_points(spec, 1);
  REQUIRE(points.size() == 9);
  SerialCommunicator comm;

  SweepRunOptions one;
  one.threads = 1;
  const auto whole = run_sweep(base, spec, points, 42, comm, one);
  REQUIRE(whole.size() == 9);

  SECTION("two threads") {
    SweepRunOptions two;
    two.threads = 2;
    CHECK(run_sweep(base, spec, points, 42, comm, two) == whole);
  }
  SECTION("three shards cover the points once, with the same rows") {
    std::map<std::size_t, std::vector<double>> merged;
    for (int i = 0; i < 3; ++i) {
      SweepRunOptions o;
      o.shard = {i, 3};
      for (auto& [k, row] : run_sweep(base, spec, points, 42, comm, o)) CHECK(merged.emplace(k, row).second);
    }
    CHECK(merged == whole);
  }
  SECTION("points marked done are skipped; the rest are unchanged") {
    SweepRunOptions o;
    o.done.assign(9, 0);
    o.done[0] = o.done[4] = 1;
    std::vector<std::size_t> journaled;
    o.on_point = [&](std::size_t i, const std::vector<double>&) { journaled.push_back(i); };
    const auto rest = run_sweep(base, spec, points, 42, comm, o);
    CHECK(rest.size() == 7);
    CHECK(journaled == std::vector<std::size_t>{1, 2, 3, 5, 6, 7, 8});
    for (const auto& [k, row] : rest) CHECK(row == whole.at(k));
  }
  SECTION("a point's row is its own Monte Carlo summary") {
    // Point 5 = churn multiplier 1.0, retention spend 6.0 (grid order: last parameter fastest).
    CHECK(points[5] == std::vector<double>{1.0, 6.0});
    const Scenario at = point_scenario(base, spec, points[5], 5);
    CHECK(run_point(at, 8, 42, 1) == whole.at(5));
  }
}

TEST_CASE("A sweep value out of range is reported with its point", "[sweep][driver]") {
  const Scenario base = test::load_example("saas");
  SweepSpec spec = small_grid();
  spec.parameters[0].pattern = "funnel.lead.advance";
  spec.parameters[0].values = {0.2, 1.5};
  spec.parameters[0].where = {"sweep.toml", 4, 1};
  const auto points = design_points(spec, 1);
  CHECK_THROWS_WITH(point_scenario(base, spec, points[3], 3),
                    Catch::Contains("sweep.toml:4:1") && Catch::Contains("funnel.lead.advance") &&
                        Catch::Contains("sweep point 3"));
}

TEST_CASE("NPV elasticities equal their closed forms", "[sensitivity]") {
  // One cohort of N customers, constant churn c, margin m per period, no costs, no acquisition,
  // long horizon: NPV = N m r / (1 + i - r) with r = 1 - c (Gupta, Lehmann & Stuart 2004).
  const std::string toml = R"(
[simulation]
horizon = 900
annual_discount_rate = 0.10
[funnel]
stages = ["lead"]
[funnel.lead]
advance = 0.0
[segments.only]
churn = 0.04
order_model = "fixed"
order_value = 60
gross_margin = 0.5
initial_customers = 1000
)";
  const Scenario s = parse_scenario(toml, "cohort.toml");
  SensitivitySpec spec;
  spec.parameters = {"segments.only.order_value", "segments.only.churn", "simulation.annual_discount_rate"};
  spec.relative_change = 0.1;
  spec.sobol = false;
  SerialCommunicator comm;
  const SensitivityResult r = run_sensitivity(s, spec, comm, 1);

  const double i0 = std::pow(1.10, 1.0 / 12.0) - 1.0;
  auto npv = [&](double c, double annual) {
    const double i = std::pow(1.0 + annual, 1.0 / 12.0) - 1.0;
    const double ret = 1.0 - c;
    return 1000.0 * 30.0 * ret / (1.0 + i - ret);
  };
  REQUIRE(r.parameters.size() == 3);
  CHECK(r.base == Approx(npv(0.04, 0.10)).epsilon(1e-9));
  // NPV is proportional to the order value: elasticity exactly 1.
  CHECK(r.oat[0].elasticity == Approx(1.0).epsilon(1e-9));
  // Churn and discount rate: arc elasticities over +-10%.
  const double e_churn = ((npv(0.044, 0.10) - npv(0.036, 0.10)) / npv(0.04, 0.10)) / 0.2;
  const double e_rate = ((npv(0.04, 0.11) - npv(0.04, 0.09)) / npv(0.04, 0.10)) / 0.2;
  CHECK(r.oat[1].elasticity == Approx(e_churn).epsilon(1e-7));
  CHECK(r.oat[2].elasticity == Approx(e_rate).epsilon(1e-7));
  // Point elasticity -c/r - c/(1+i-r), close to the arc value.
  const double r0 = 0.96, point = -0.04 / r0 - 0.04 / (1.0 + i0 - r0);
  CHECK(r.oat[1].elasticity == Approx(point).epsilon(0.01));
}

TEST_CASE("Sobol' indices of the model: an inert parameter explains nothing", "[sensitivity]") {
  // Referral reward with no referrals cannot move NPV; the others share the variance.
  Scenario s = test::without_uncertainty(test::load_example("b2b"));
  SensitivitySpec spec;
  spec.parameters = {"segments.mid_market.churn", "channels.marketing.cost_per_lead", "referral.reward"};
  spec.ranges.push_back({"referral.reward", 0.0, 500.0, {}});
  spec.samples = 256;
  SerialCommunicator comm;
  const SensitivityResult r = run_sensitivity(s, spec, comm, 2);
  REQUIRE(r.sobol);
  const auto& idx = *r.sobol;
  CHECK(std::fabs(idx.first_order[2]) < 1e-12);
  CHECK(std::fabs(idx.total[2]) < 1e-12);
  CHECK(r.oat[2].swing == 0.0);
  // The live parameters carry all the variance: first-order shares sum to at most 1 (plus
  // estimator noise), totals are at least the first-order shares (interactions are >= 0).
  double first = 0.0;
  for (std::size_t j = 0; j < 2; ++j) {
    CHECK(idx.total[j] > 0.0);
    CHECK(idx.total[j] >= idx.first_order[j] - 0.02);
    first += idx.first_order[j];
  }
  CHECK(first <= 1.02);
  CHECK(idx.total[0] + idx.total[1] >= 0.98);
  CHECK(r.evaluations == 1 + 2 * 3 + 256 * (3 + 2));
}

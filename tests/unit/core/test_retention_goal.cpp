// A variant that asks for annual retention directly: the solved churn factor against the closed
// form of one segment with constant churn, the reached retention recomputed independently, and
// the errors for goals that scaling churn cannot reach.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/variants.hpp"

using namespace clvsim;

namespace {

// One segment with constant churn c = 0.03 a month and a steady inflow, so every period has
// customers at risk and the per-period retention rate is exactly 1 - c x.
std::string scenario(const std::string& goal) {
  return R"(
[simulation]
horizon = 24
[funnel]
stages = ["lead"]
[funnel.lead]
advance = 0.5
[channels.ads]
spend = 1000
cost_per_lead = 10
[segments.only]
churn = 0.03
order_value = 20
initial_customers = 500
[variants.better]
)" + goal +
         "\n";
}

}  // namespace

TEST_CASE("A retention goal is solved for the churn factor in expected-value mode",
          "[variants][retention]") {
  SECTION("+5 points") {
    const auto v =
        expand_variants(parse_scenario(scenario("annual_retention = { add = 0.05 }"), "g.toml"));
    const double base = std::pow(0.97, 12);
    CHECK(expected_annual_retention(v[0]) == Approx(base).epsilon(1e-12));
    const RetentionSolution& rs = v[1].retention_solution;
    CHECK(rs.base == Approx(base).epsilon(1e-12));
    CHECK(rs.goal == Approx(base + 0.05).epsilon(1e-12));
    // (1 - c x)^12 = goal, so x = (1 - goal^(1/12)) / c.
    CHECK(rs.churn_scale == Approx((1.0 - std::pow(base + 0.05, 1.0 / 12.0)) / 0.03).epsilon(1e-9));
    CHECK(expected_annual_retention(v[1]) == Approx(base + 0.05).epsilon(1e-10));
    CHECK(rs.reached == Approx(base + 0.05).epsilon(1e-10));
    CHECK(v[1].segments[0].churn_multiplier.value == Approx(rs.churn_scale).epsilon(1e-15));
  }
  SECTION("a target level, below the base") {
    const auto v =
        expand_variants(parse_scenario(scenario("annual_retention = { target = 0.6 }"), "g.toml"));
    CHECK(v[1].retention_solution.churn_scale ==
          Approx((1.0 - std::pow(0.6, 1.0 / 12.0)) / 0.03).epsilon(1e-9));
    CHECK(expected_annual_retention(v[1]) == Approx(0.6).epsilon(1e-10));
  }
  SECTION("together with other changes, relative to the base") {
    const auto v = expand_variants(parse_scenario(
        scenario("annual_retention = { add = -0.1 }\nscale = { \"channels.ads.spend\" = 2 }"),
        "g.toml"));
    CHECK(expected_annual_retention(v[1]) == Approx(std::pow(0.97, 12) - 0.1).epsilon(1e-10));
    CHECK(v[1].channels[0].spend[0].value == 2000.0);
  }
}

TEST_CASE("Unreachable or malformed retention goals are errors at their place",
          "[variants][retention]") {
  // A level of 1 needs no churn at all and is outside (0, 1); scaling churn cannot go below the
  // retention of a hazard of 1, which is 0 here, so low targets are reachable.
  CHECK_THROWS_WITH(
      parse_scenario(scenario("annual_retention = { target = 1.0 }"), "g.toml"),
      Catch::Contains("g.toml:16:31: variants.better.annual_retention.target = 1.0 is not "
                      "an annual retention"));
  CHECK_THROWS_WITH(
      expand_variants(parse_scenario(scenario("annual_retention = { add = 0.5 }"), "g.toml")),
      Catch::Contains("g.toml:16:28: variants.better.annual_retention") &&
          Catch::Contains("cannot reach") && Catch::Contains("reachable:"));
  CHECK_THROWS_WITH(
      parse_scenario(scenario("annual_retention = { add = 0.05, target = 0.9 }"), "g.toml"),
      Catch::Contains("cannot be given together"));
  CHECK_THROWS_WITH(parse_scenario(scenario("annual_retention = { ad = 0.05 }"), "g.toml"),
                    Catch::Contains("variants.better.annual_retention.ad is not a known key") &&
                        Catch::Contains("add"));
}

// Values written per year (per = "year") are converted to the scenario's period, and
// simulation.rates_per stops a change of period from reinterpreting per-period values.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "../core/engine_helpers.hpp"
#include "../core/stat_helpers.hpp"
#include "clvsim/engine.hpp"
#include "clvsim/model.hpp"
#include "toml_test_helpers.hpp"

using namespace clvsim;

namespace {

std::string cohort(const std::string& period, const std::string& churn,
                   const std::string& extra = "") {
  return "[simulation]\nperiod = \"" + period + "\"\nhorizon = 2\n" + extra +
         "[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 0.5\n"
         "[channels.web]\nspend = [{ value = 12000, per = \"year\" }, 1000]\ncost_per_lead = 10\n"
         "[segments.users]\nchurn = " +
         churn +
         "\norders_per_period = { value = 24, per = \"year\" }\norder_value = 10\n"
         "cost_to_serve = { value = 60, per = \"year\" }\ninitial_customers = 10000\n";
}

}  // namespace

TEST_CASE("A probability per year keeps the year's survival in any period",
          "[io][toml][per_year]") {
  for (const auto& [period, P] :
       {std::pair{"month", 12}, {"week", 52}, {"quarter", 4}, {"year", 1}}) {
    INFO("period = " << period);
    std::string text = cohort(period, "{ value = 0.3, per = \"year\" }");
    if (std::string(period) != "month")
      text =
          toml_test::edit(text, "spend = [{ value = 12000, per = \"year\" }, 1000]", "spend = 0");
    const Scenario s = parse_scenario(text, "x.toml");
    const ModelParams m = resolve_nominal(s);
    // 1 - (1 - 0.3)^(1/P) a period: survival over the P periods of a year is exactly 0.7.
    CHECK(std::pow(1.0 - m.churn_const[0], P) == Approx(0.7).epsilon(1e-14));
    CHECK(m.orders_per_period[0] == Approx(24.0 / P).epsilon(1e-15));
    CHECK(m.cost_to_serve[0] == Approx(60.0 / P).epsilon(1e-15));
    if (std::string(period) == "month") {
      CHECK(m.channel_spend[0] == Approx(1000.0).epsilon(1e-15));
      CHECK(m.channel_spend[1] == 1000.0);
    }
  }
}

TEST_CASE("Expected and Monte Carlo survival over a year match the annual churn",
          "[engine][per_year]") {
  const Scenario s = parse_scenario(
      toml_test::edit(cohort("week", "{ value = 0.3, per = \"year\" }"),
                      "spend = [{ value = 12000, per = \"year\" }, 1000]", "spend = 0"),
      "x.toml");
  // A year of weeks: the horizon of the cohort is extended to 52 periods.
  Scenario year = s;
  year.simulation.horizon = 52;
  const ModelParams m = resolve_nominal(year);
  const MetricLayout layout(year);
  std::vector<double> e(static_cast<std::size_t>(layout.size()) * 52),
      totals(static_cast<std::size_t>(Total::Count_));
  expected_trajectory(m, e, totals);
  const int active = layout.index("active_customers");
  CHECK(e[static_cast<std::size_t>(active) * 52 + 51] == Approx(10000 * 0.7).epsilon(1e-12));
  const test::Trajectories mc = test::simulate_trajectories(year, 400, 9);
  test::Moments x;
  for (double v : mc.across(active, 51)) x.add(v);
  test::check_mean(x, 7000.0, 10000 * 0.7 * 0.3, "customers left after a year");
}

TEST_CASE("An uncertain value per year converts each draw", "[io][toml][per_year]") {
  const Scenario per_year = parse_scenario(
      cohort("month", "{ dist = \"beta\", alpha = 3, beta = 7, per = \"year\" }"), "x.toml");
  const Scenario per_month =
      parse_scenario(cohort("month", "{ dist = \"beta\", alpha = 3, beta = 7 }"), "x.toml");
  for (std::uint64_t r : {0u, 1u, 17u}) {
    const double annual = resolve(per_month, 42, r).churn_const[0];  // the same stream: the draw
    CHECK(resolve(per_year, 42, r).churn_const[0] ==
          Approx(1.0 - std::pow(1.0 - annual, 1.0 / 12)).epsilon(1e-14));
  }
  // The point value, shown and used in expected-value mode, is the converted mean.
  CHECK(resolve_nominal(per_year).churn_const[0] ==
        Approx(1.0 - std::pow(0.7, 1.0 / 12)).epsilon(1e-14));
}

TEST_CASE("per and rates_per are checked with their locations", "[io][toml][per_year]") {
  using toml_test::at;
  using toml_test::check_error;
  using toml_test::edit;
  const std::string base = cohort("month", "0.03");
  (void)parse_scenario(base, "x.toml");

  std::string bad = edit(base, "order_value = 10", "order_value = { value = 10, per = \"year\" }");
  check_error(bad, at(bad, "\"year\" }\ncost"),
              {"segments.users.order_value.per = \"year\" is not accepted here", "no time unit"});
  bad = edit(base, "churn = 0.03", "churn = { value = 0.3, per = \"month\" }");
  check_error(bad, at(bad, "\"month\" }\norders"),
              {"segments.users.churn.per = \"month\" is not a known unit"});
  bad = edit(base, "churn = 0.03", "churn = { value = 0.3, per = \"year\", sd = 1 }");
  check_error(bad, at(bad, "sd = 1"), {"segments.users.churn.sd is not a key of a value per year"});

  const std::string ok = cohort("month", "0.03", "rates_per = \"month\"\n");
  CHECK(parse_scenario(ok, "x.toml").simulation.rates_per == PeriodUnit::Month);
  bad = edit(ok, "period = \"month\"", "period = \"day\"");
  check_error(
      bad, at(bad, "\"day\""),
      {"simulation.period = \"day\" differs from the period the per-period values are written for",
       "rates_per = \"month\"", "per = \"year\""});
  bad = edit(ok, "period = \"month\"\n", "");
  bad = edit(bad, "rates_per = \"month\"", "rates_per = \"week\"");
  check_error(bad, at(bad, "\"week\""), {"simulation.rates_per = \"week\" differs", "by default"});
}

// Finance and growth metrics (docs/model.md §5, "Finance and growth metrics") against closed
// forms, and their Monte Carlo means against the expected-value mode within 4 standard errors.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "clvsim/engine.hpp"
#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/model.hpp"
#include "clvsim/statistics.hpp"
#include "engine_helpers.hpp"

using namespace clvsim;

namespace {

struct Expected {
  MetricLayout layout;
  int T;
  std::vector<double> metrics, totals;
  explicit Expected(const Scenario& s) : layout(s), T(s.simulation.horizon) {
    const ModelParams m = resolve_nominal(s);
    metrics.resize(static_cast<std::size_t>(layout.size()) * T);
    totals.resize(static_cast<std::size_t>(Total::Count_));
    expected_trajectory(m, metrics, totals);
  }
  [[nodiscard]] double at(const std::string& name, int t) const {
    const int i = layout.index(name);
    REQUIRE(i >= 0);
    return metrics[static_cast<std::size_t>(i) * T + t];
  }
  [[nodiscard]] double sum(const std::string& name) const {
    double s = 0.0;
    for (int t = 0; t < T; ++t) s += at(name, t);
    return s;
  }
};

// The Monte Carlo mean of a metric in period t lies within 4 standard errors of `exact`.
void check_monte_carlo(const Scenario& s, const std::string& name, int t, double exact,
                       int replications) {
  const test::Trajectories tr = test::simulate_trajectories(s, replications, 7);
  const Stats st = summarize(tr.across(MetricLayout(s).index(name), t));
  INFO(name << " in period " << t + 1 << ": Monte Carlo " << st.mean << " +- " << st.std_error
            << ", exact " << exact);
  CHECK(st.n == static_cast<std::size_t>(replications));
  CHECK(std::fabs(st.mean - exact) <= 4.0 * st.std_error);
  CHECK(st.std_error > 0.0);
}

// Two segments of the same constant churn; `low` moves to `high` with probability m a period.
std::string two_segments(double churn, double m, double value_low, double value_high,
                         const std::string& extra, const std::string& period = "month") {
  return "[simulation]\nperiod = \"" + period +
         "\"\nhorizon = 24\n"
         "[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 0.5\n"
         "[segments.low]\nchurn = " +
         std::to_string(churn) +
         "\norder_model = \"fixed\"\norder_value = " + std::to_string(value_low) +
         "\nmigration = { high = " + std::to_string(m) +
         " }\ninitial_customers = 20000\n"
         "[segments.high]\nchurn = " +
         std::to_string(churn) +
         "\norder_model = \"fixed\"\norder_value = " + std::to_string(value_high) + "\n" + extra;
}

// Two segments whose cells mix groups: a channel brings new customers into the cohort's cells,
// lapsed customers are won back, and the low segment's churn depends on tenure (sBG).
Scenario mixed_cells(const std::string& name) {
  const std::string extra = R"(
[channels.ads]
spend = 3000
cost_per_lead = 10
segment_mix = { low = 1, high = 1 }
[winback]
attempt_cost = 2
success_probability = 0.2
window = 3
)";
  std::string text = two_segments(0.05, 0.04, 40.0, 90.0, extra);
  text.replace(text.find("churn = 0.050000"), 16, "churn_sbg = { alpha = 1.2, beta = 9 }");
  return parse_scenario(text, name);
}

}  // namespace

TEST_CASE("Revenue retention of one segment is the annual retention", "[engine][finance]") {
  // One segment, constant churn c, no new customers in the cohort: nrr = grr = (1 - c)^12 for
  // every whole year, whatever the acquisition around it.
  const double c = 0.04;
  const Scenario s = parse_scenario(
      "[simulation]\nhorizon = 30\n[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 0.5\n"
      "[channels.ads]\nspend = 1000\ncost_per_lead = 10\n"
      "[segments.only]\nchurn = 0.04\norder_value = 30\ninitial_customers = 5000\n",
      "nrr.toml");
  const Expected e(s);
  for (int year_end : {11, 23}) {
    CHECK(e.at("nrr", year_end) == Approx(std::pow(1.0 - c, 12)).epsilon(1e-12));
    CHECK(e.at("grr", year_end) == Approx(std::pow(1.0 - c, 12)).epsilon(1e-12));
  }
  for (int t : {0, 10, 12, 24, 29}) {  // not the end of a whole year (year 3 is partial)
    CHECK(std::isnan(e.at("nrr", t)));
    CHECK(std::isnan(e.at("grr", t)));
  }
  // Year 1's cohort is the fixed initial base, so the ratio's denominator is not random.
  check_monte_carlo(s, "nrr", 11, std::pow(1.0 - c, 12), 400);
}

TEST_CASE("Migration to a dearer segment is expansion: NRR exceeds GRR by the closed form",
          "[engine][finance]") {
  // Cohort all in `low` (value v1), migration m a month to `high` (value v2), same churn c:
  // N_low = n (1-c)^12 (1-m)^12, N_high = n (1-c)^12 (1 - (1-m)^12).
  const double c = 0.03, m = 0.05;
  const double keep = std::pow(1.0 - c, 12), moved = 1.0 - std::pow(1.0 - m, 12);
  SECTION("expansion") {
    const double v1 = 50.0, v2 = 80.0;
    const Scenario s = parse_scenario(two_segments(c, m, v1, v2, ""), "expansion.toml");
    const Expected e(s);
    CHECK(e.at("grr", 11) == Approx(keep).epsilon(1e-12));
    CHECK(e.at("nrr", 11) == Approx(keep * ((1.0 - moved) + moved * v2 / v1)).epsilon(1e-12));
    CHECK(e.at("nrr", 11) - e.at("grr", 11) ==
          Approx(keep * moved * (v2 / v1 - 1.0)).epsilon(1e-10));
    CHECK(e.at("nrr", 11) > e.at("grr", 11));
    check_monte_carlo(s, "nrr", 11, e.at("nrr", 11), 400);
    check_monte_carlo(s, "grr", 11, e.at("grr", 11), 400);
  }
  SECTION("contraction") {
    const double v1 = 80.0, v2 = 50.0;
    const Scenario s = parse_scenario(two_segments(c, m, v1, v2, ""), "contraction.toml");
    const Expected e(s);
    const double value = keep * ((1.0 - moved) + moved * v2 / v1);
    CHECK(e.at("nrr", 11) == Approx(value).epsilon(1e-12));
    CHECK(e.at("grr", 11) == Approx(value).epsilon(1e-12));
  }
}

TEST_CASE("Revenue retention follows the cohort through mixed cells, win-back and sBG",
          "[engine][finance]") {
  // New customers share the cohort's cells, lapsed members come back, churn depends on tenure:
  // the cohort is followed in proportion, exact in mean. The Monte Carlo mean of year 1's NRR
  // (fixed denominator) lies within 4 standard errors of the expected-value mode.
  const Scenario s = mixed_cells("mixed.toml");
  const Expected e(s);
  CHECK(e.at("nrr", 11) > e.at("grr", 11));
  check_monte_carlo(s, "nrr", 11, e.at("nrr", 11), 400);
  check_monte_carlo(s, "grr", 11, e.at("grr", 11), 400);
}

TEST_CASE("MRR and ARR are the run-rate of the active base", "[engine][finance]") {
  // Weekly periods: MRR = sum_k active_k * orders * value * 52 / 12.
  const Scenario s = parse_scenario(two_segments(0.01, 0.02, 10.0, 25.0, "", "week"), "mrr.toml");
  const Expected e(s);
  for (int t : {0, 7, 23}) {
    const double rate = e.at("active_low", t) * 10.0 + e.at("active_high", t) * 25.0;
    CHECK(e.at("mrr", t) == Approx(rate * 52.0 / 12.0).epsilon(1e-12));
    CHECK(e.at("arr", t) == Approx(rate * 52.0).epsilon(1e-12));
  }
  CHECK(e.totals[static_cast<std::size_t>(Total::Arr)] == e.at("arr", 23));
}

TEST_CASE("Lead velocity rate of a growing budget", "[engine][finance]") {
  // One stage: the qualified leads are the leads, spend / cost_per_lead in expectation.
  const Scenario s = parse_scenario(
      "[simulation]\nhorizon = 5\n[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 0.5\n"
      "[channels.ads]\nspend = [1000, 1200, 1200, 0, 600]\ncost_per_lead = 10\n"
      "[segments.only]\nchurn = 0.1\norder_value = 30\n",
      "lvr.toml");
  const Expected e(s);
  CHECK(std::isnan(e.at("lead_velocity", 0)));
  CHECK(e.at("lead_velocity", 1) == Approx(0.2).epsilon(1e-12));
  CHECK(e.at("lead_velocity", 2) == Approx(0.0).margin(1e-12));
  CHECK(e.at("lead_velocity", 3) == Approx(-1.0).epsilon(1e-12));
  CHECK(std::isnan(e.at("lead_velocity", 4)));  // no qualified leads the period before
}

TEST_CASE("Attributed CAC is the cost of the customers a period's leads become",
          "[engine][finance]") {
  // A long funnel with nurturing and one period of spend: followed to the end of a long horizon,
  // the leads of period 1 convert over many periods, and all spend (channel and nurturing) over
  // all their converts is the attributed CAC of period 1. The per-period CAC of period 1 is NaN.
  const Scenario s = parse_scenario(R"(
[simulation]
horizon = 400
[funnel]
stages = ["lead", "mql", "sql"]
[funnel.lead]
advance = 0.2
drop = 0.3
nurtured_advance = 0.1
nurtured_drop = 0.2
nurture_cost = 1.5
[funnel.mql]
advance = 0.3
drop = 0.2
nurture_cost = 4
[funnel.sql]
advance = 0.5
drop = 0.1
nurtured_advance = 0.2
nurtured_drop = 0.3
nurture_cost = 10
[channels.ads]
spend = [)" +
                                        [] {
                                          std::string x = "50000";
                                          for (int t = 1; t < 400; ++t) x += ", 0";
                                          return x;
                                        }() +
                                        R"(]
cost_per_lead = 25
[segments.only]
churn = 0.1
order_value = 30
)",
                                    "attributed.toml");
  const Expected e(s);
  CHECK(std::isnan(e.at("cac", 0)));
  const double all_cost = e.sum("acquisition_spend"), all_customers = e.sum("new_customers");
  CHECK(e.at("attributed_cac", 0) == Approx(all_cost / all_customers).epsilon(1e-10));
  CHECK(e.at("attributed_cac_ads", 0) == e.at("attributed_cac", 0));
  CHECK(e.totals[static_cast<std::size_t>(Total::AttributedCac)] ==
        Approx(all_cost / all_customers).epsilon(1e-10));
  // Linear response: the marginal CAC equals the attributed CAC.
  CHECK(e.at("marginal_cac_ads", 0) == Approx(e.at("attributed_cac_ads", 0)).epsilon(1e-12));
  // No spend, no leads: undefined.
  CHECK(std::isnan(e.at("attributed_cac", 5)));
}

TEST_CASE("Marginal CAC is the slope of cost against customers on a saturating curve",
          "[engine][finance]") {
  // One period of spend x on a saturating channel, then nothing; the horizon is long enough for
  // every lead to leave the funnel (0.6^300 is negligible). Customers Y(x) = l(x) pi and cost
  // x + l(x) nu: the closed-form derivative against a central finite difference of the
  // expected-value mode.
  const double M = 400.0, h = 20000.0;
  auto scenario = [&](double x) {
    std::string spend = std::to_string(x);
    for (int t = 1; t < 300; ++t) spend += ", 0";
    return parse_scenario(R"(
[simulation]
horizon = 300
[funnel]
stages = ["lead", "sql"]
[funnel.lead]
advance = 0.25
drop = 0.35
nurture_cost = 3
[funnel.sql]
advance = 0.4
drop = 0.2
nurtured_advance = 0.15
nurtured_drop = 0.25
nurture_cost = 12
[channels.events]
response = "saturating"
spend = [)" + spend + R"(]
max_leads = 400
half_saturation_spend = 20000
[segments.only]
churn = 0.1
order_value = 30
)",
                          "marginal.toml");
  };
  // Funnel yield by hand: A = a + (1 - a - d) a' / (a' + d'); nurtured periods (1 - a - d) / (a' +
  // d').
  const double A0 = 0.25 + 0.4 * 0.25 / 0.6, A1 = 0.4 + 0.4 * 0.15 / 0.4;
  const double pi = A0 * A1, nu = 0.4 / 0.6 * 3.0 + A0 * (0.4 / 0.4 * 12.0);
  for (double x : {5000.0, 20000.0, 60000.0}) {
    const double slope = M * h / ((x + h) * (x + h));
    const double closed = (1.0 + slope * nu) / (slope * pi);
    const Expected e(scenario(x));
    INFO("spend " << x);
    CHECK(e.at("marginal_cac_events", 0) == Approx(closed).epsilon(1e-12));
    const double eps = 1e-3 * x;
    const Expected up(scenario(x + eps)), down(scenario(x - eps));
    const double fd = (up.sum("acquisition_spend") - down.sum("acquisition_spend")) /
                      (up.sum("new_customers") - down.sum("new_customers"));
    // Central difference: error O(eps^2 Y'''/Y'), far below 1e-6 relative here.
    CHECK(fd == Approx(closed).epsilon(1e-6));
    // Saturation: the next customer costs more than the average one.
    CHECK(e.at("marginal_cac_events", 0) > e.at("attributed_cac_events", 0));
  }
}

TEST_CASE("Per-channel and per-segment ratios", "[engine][finance]") {
  const Scenario s = test::without_uncertainty(test::load_example("saas"));
  const Expected e(s);
  const ModelParams m = resolve_nominal(s);
  for (int t : {3, 20}) {
    // Segment LTV is the Markov-chain value; churn rate per segment from the segment's flows.
    CHECK(e.at("ltv_basic", t) == m.ltv[0]);
    CHECK(e.at("ltv_premium", t) == m.ltv[1]);
    for (const auto& ch : s.channels) {
      const double attributed = e.at("attributed_cac_" + ch.name, t);
      CHECK(attributed > 0.0);
      const int c = static_cast<int>(&ch - s.channels.data());
      double value = 0.0;
      for (int k = 0; k < m.segments; ++k) value += m.sources[c].segment_mix[k] * m.ltv[k];
      CHECK(e.at("ltv_cac_" + ch.name, t) == Approx(value / attributed).epsilon(1e-12));
    }
  }
  // Churn rates of the segments average to the retention rate, weighted by customers at risk.
  const Scenario one = parse_scenario(
      "[simulation]\nhorizon = 3\n[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 0.5\n"
      "[segments.a]\nchurn = 0.1\norder_value = 1\ninitial_customers = 300\n"
      "[segments.b]\nchurn = 0.3\norder_value = 1\ninitial_customers = 100\n",
      "churn.toml");
  const Expected c(one);
  CHECK(c.at("churn_rate_a", 0) == Approx(0.1).epsilon(1e-12));
  CHECK(c.at("churn_rate_b", 2) == Approx(0.3).epsilon(1e-12));
  CHECK(1.0 - c.at("retention_rate", 0) == Approx((300 * 0.1 + 100 * 0.3) / 400.0).epsilon(1e-12));
}

TEST_CASE("Cohort triangle of a cohort under geometric churn", "[engine][finance]") {
  // One channel buys N1 = 1,000 customers in period 1 and N2 = 500 in period 13 (a one-stage
  // funnel that converts every lead at once); constant churn c, margin m = 30 * 0.6 - 10 a
  // period, no discounting. Cohort y, acquired at the end of period a_y (0-based t = a_y), has
  // N_y (1 - c)^(t - a_y) members at the end of period t, earns N_y (1 - c)^(t - a_y) * 30
  // in period t > a_y, and its cash is -x_y + N_y m (1 - c) (1 - (1 - c)^(t - a_y)) / c.
  const double c = 0.05, m = 30.0 * 0.6 - 10.0;
  std::string spend = "10000";
  for (int t = 1; t < 24; ++t) spend += t == 12 ? ", 5000" : ", 0";
  const Scenario s = parse_scenario(
      "[simulation]\nhorizon = 24\nannual_discount_rate = 0\n[funnel]\nstages = [\"lead\"]\n"
      "[funnel.lead]\nadvance = 1\n[channels.ads]\nspend = [" +
          spend +
          "]\ncost_per_lead = 10\n"
          "[segments.only]\nchurn = 0.05\norder_model = \"fixed\"\norder_value = 30\ngross_margin "
          "= 0.6\n"
          "cost_to_serve = 10\n",
      "cohort.toml");
  const Expected e(s);
  struct Cohort {
    int y, acquired;
    double n, cost;
  };
  for (const Cohort& k : {Cohort{1, 0, 1000.0, 10000.0}, Cohort{2, 12, 500.0, 5000.0}}) {
    const std::string p = "cohort_" + std::to_string(k.y) + "_";
    INFO("cohort " << k.y);
    for (int t = 0; t < 24; ++t) {
      INFO("period " << t + 1);
      if (t < 12 * (k.y - 1)) {
        CHECK(std::isnan(e.at(p + "customers", t)));
        continue;
      }
      const int age = t - k.acquired;
      CHECK(e.at(p + "customers", t) == Approx(k.n * std::pow(1.0 - c, age)).epsilon(1e-12));
      CHECK(e.at(p + "revenue", t) ==
            Approx(age > 0 ? k.n * std::pow(1.0 - c, age) * 30.0 : 0.0).epsilon(1e-12));
      const double cash = -k.cost + k.n * m * (1.0 - c) * (1.0 - std::pow(1.0 - c, age)) / c;
      CHECK(e.at(p + "cash", t) == Approx(cash).epsilon(1e-10));
      // LTV/CAC: V = m (1 - c) / c without discounting (Gupta, Lehmann & Stuart 2004).
      CHECK(e.at(p + "ltv_cac", t) == Approx(k.n * m * (1.0 - c) / c / k.cost).epsilon(1e-9));
    }
    // Payback: the first period whose cash is >= 0, counted from the start of the year.
    int first = -1;
    for (int age = 0; first < 0 && age < 24 - k.acquired; ++age)
      if (-k.cost + k.n * m * (1.0 - c) * (1.0 - std::pow(1.0 - c, age)) / c >= 0.0)
        first = k.acquired + age;
    REQUIRE(first >= 0);
    CHECK(std::isinf(e.at(p + "payback", first - 1)));
    CHECK(e.at(p + "payback", first) == first - 12 * (k.y - 1) + 1);
    CHECK(e.at(p + "payback", 23) == first - 12 * (k.y - 1) + 1);
  }
}

TEST_CASE("Cohort means of a Monte Carlo replication match the expected-value mode",
          "[engine][finance]") {
  // Cohorts share cells with the initial customers and with each other, migrate, lapse and are
  // won back; customers, revenue and cash are linear in the counts, so their Monte Carlo means
  // lie within 4 standard errors of the expected-value mode.
  const Scenario s = mixed_cells("cohorts.toml");
  const Expected e(s);
  for (const char* name : {"cohort_1_customers", "cohort_1_revenue", "cohort_1_cash",
                           "cohort_2_customers", "cohort_2_revenue"})
    check_monte_carlo(s, name, 23, e.at(name, 23), 400);
}

// The Bernoulli order model against independent references: the BG/BB closed form of Fader,
// Hardie & Shang (2010) at their published donations fit, the donations data themselves, and
// the binomial law of orders for a fixed number of active customers.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../io/toml_test_helpers.hpp"
#include "clvsim/engine.hpp"
#include "clvsim/model.hpp"
#include "clvsim/monte_carlo.hpp"
#include "clvsim/statistics.hpp"
#include "engine_helpers.hpp"
#include "stat_helpers.hpp"

using namespace clvsim;

namespace {

// The published BG/BB fit to the 1995 donations cohort (Fader, Hardie & Shang 2010): purchase
// probability p ~ Beta(alpha, beta), dropout probability theta ~ Beta(gamma, delta).
constexpr double ALPHA = 1.204, BETA = 0.750, GAMMA = 0.657, DELTA = 2.783;
constexpr double COHORT = 11104;   // first-time supporters in 1995
constexpr int OPPORTUNITIES = 11;  // 1996-2006

double log_beta(double a, double b) {
  return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
}

//! BG/BB expected repeat transactions of one customer in the first n opportunities:
//! E[X(n)] = alpha / (alpha + beta) * sum_{t=1..n} B(gamma, delta + t) / B(gamma, delta).
double bgbb_expected_transactions(int n) {
  double sum = 0.0;
  for (int t = 1; t <= n; ++t) sum += std::exp(log_beta(GAMMA, DELTA + t) - log_beta(GAMMA, DELTA));
  return ALPHA / (ALPHA + BETA) * sum;
}

std::string exact(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

//! The donations cohort as a scenario: sBG dropout with (gamma, delta), Bernoulli purchases at
//! the mean purchase probability, no acquisition.
Scenario donations_cohort() {
  const std::string toml =
      "[simulation]\nperiod = \"year\"\nhorizon = " + std::to_string(OPPORTUNITIES) +
      "\nannual_discount_rate = 0.0\n"
      "[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 0.0\n"
      "[segments.donors]\nchurn_sbg = { alpha = " +
      exact(GAMMA) + ", beta = " + exact(DELTA) +
      " }\norder_model = \"bernoulli\"\norders_per_period = " + exact(ALPHA / (ALPHA + BETA)) +
      "\norder_value = 1\ninitial_customers = " + exact(COHORT) + "\n";
  return parse_scenario(toml, "donations.toml");
}


}  // namespace

TEST_CASE("Bernoulli orders on sBG dropout equal the BG/BB closed form E[X(n)]",
          "[engine][orders][bgbb]") {
  const Scenario s = donations_cohort();
  const ModelParams m = resolve_nominal(s);
  const MetricLayout layout(s);
  std::vector<double> e(static_cast<std::size_t>(layout.size()) * m.horizon);
  std::vector<double> totals(static_cast<std::size_t>(Total::Count_));
  expected_trajectory(m, e, totals);
  const int orders = layout.index("orders");
  REQUIRE(orders >= 0);

  // Period t of the engine is opportunity t: the cohort starts at tenure 0 (its first purchase,
  // 1995), and each period churn (the sBG test) comes before repurchase, as BG/BB's customer
  // dies at the start of an opportunity, before it can buy.
  double cumulative = 0.0;
  for (int n = 1; n <= OPPORTUNITIES; ++n) {
    cumulative += e[static_cast<std::size_t>(orders) * OPPORTUNITIES + (n - 1)];
    INFO("n = " << n);
    CHECK(cumulative / COHORT == Approx(bgbb_expected_transactions(n)).epsilon(1e-9));
  }

  // And the fit describes its data: the cohort's repeat donations over the 6 calibration years
  // agree with E[X(6)] within 4 standard errors of the observed mean.
  std::ifstream in(std::string(CLVSIM_SHARED_DATA_DIR) + "/donations_1995_cohort.csv");
  REQUIRE(in.good());
  test::Moments donations;
  std::string line;
  std::getline(in, line);  // header: frequency,recency,periods,weights
  double people = 0.0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::stringstream ss(line);
    std::vector<double> row;
    for (std::string cell; std::getline(ss, cell, ',');) row.push_back(std::stod(cell));
    REQUIRE(row.size() == 4);
    REQUIRE(row[2] == 6.0);
    for (int i = 0; i < static_cast<int>(row[3]); ++i) donations.add(row[0]);
    people += row[3];
  }
  REQUIRE(people == COHORT);
  test::check_mean(donations, bgbb_expected_transactions(6), donations.variance(),
                   "observed repeat donations 1996-2001 per supporter");
}

TEST_CASE("Bernoulli orders: Monte Carlo mean within 4 standard errors of E[X(n)]",
          "[engine][orders][bgbb]") {
  const Scenario s = donations_cohort();
  const test::Trajectories r = test::simulate_trajectories(s, 1000, 2010);
  const int orders = MetricLayout(s).index("orders");
  std::vector<double> cumulative(static_cast<std::size_t>(r.replications), 0.0);
  for (int n = 1; n <= OPPORTUNITIES; ++n) {
    const std::vector<double> period = r.across(orders, n - 1);
    for (std::size_t i = 0; i < period.size(); ++i) cumulative[i] += period[i];
    const Stats st = summarize(cumulative);
    const double expected = COHORT * bgbb_expected_transactions(n);
    INFO("n = " << n << ": MC mean " << st.mean << " +- " << st.std_error << ", E = " << expected);
    REQUIRE(st.std_error > 0.0);
    CHECK(std::fabs(st.mean - expected) <= 4.0 * st.std_error);
  }
}

TEST_CASE("Bernoulli orders of a fixed active count are Binomial(n, p)", "[engine][orders]") {
  // No churn: every period has the same n active customers, and each period's orders come from
  // their own stream, so the periods of all replications are independent Binomial(n, p) draws.
  struct Case {
    int n;
    double p;
  };
  // n p below and above 18: the sampler's inversion and BTRS branches.
  for (const Case c : {Case{20, 0.2}, Case{400, 0.35}, Case{60, 0.9}}) {
    SECTION("n = " + std::to_string(c.n) + ", p = " + exact(c.p)) {
      const std::string toml =
          "[simulation]\nhorizon = 20\n[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = "
          "0.0\n"
          "[segments.only]\nchurn = 0.0\norder_model = \"bernoulli\"\norders_per_period = " +
          exact(c.p) + "\norder_value = 1\ninitial_customers = " + std::to_string(c.n) + "\n";
      const Scenario s = parse_scenario(toml, "binomial.toml");
      const test::Trajectories r = test::simulate_trajectories(s, 1000, 77);
      const int orders = MetricLayout(s).index("orders");
      test::Moments m;
      for (int t = 0; t < r.periods; ++t)
        for (double o : r.across(orders, t)) {
          REQUIRE(o >= 0.0);
          REQUIRE(o <= c.n);  // at most one order per customer
          REQUIRE(o == std::floor(o));
          m.add(o);
        }
      const double n = c.n, p = c.p, q = 1.0 - c.p;
      const double var = n * p * q;
      const double mu4 =
          n * p * q * (1.0 + 3.0 * (n - 2.0) * p * q);  // binomial 4th central moment
      test::check_moments(m, n * p, var, mu4, "orders");
    }
  }
}

TEST_CASE("order_model = \"bernoulli\" takes a probability", "[io][orders]") {
  using namespace toml_test;
  const std::string base =
      "[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 0.0\n"
      "[segments.only]\nchurn = 0.1\norder_model = \"bernoulli\"\norders_per_period = 0.4\n"
      "order_value = 1\ninitial_customers = 10\n";
  SECTION("accepted in [0, 1]") {
    const Scenario s = parse_scenario(base, "x.toml");
    CHECK(s.segments[0].order_model == OrderModel::Bernoulli);
    CHECK(s.segments[0].orders_per_period.domain == Domain::Probability);
    CHECK(s.segments[0].orders_per_period.value == 0.4);
  }
  SECTION("a rate above 1") {
    const std::string text = edit(base, "orders_per_period = 0.4", "orders_per_period = 1.5");
    check_error(
        text, at(text, "1.5"),
        {"segments.only.orders_per_period = 1.5 is not a probability", "[0, 1]", "bernoulli"});
  }
  SECTION("a distribution is truncated to [0, 1]") {
    const std::string text =
        edit(base, "orders_per_period = 0.4",
             "orders_per_period = { dist = \"normal\", mean = 0.9, sd = 0.3 }");
    const Scenario s = parse_scenario(text, "x.toml");
    CHECK(s.segments[0].orders_per_period.value < 0.9);  // the mean of the truncated normal
    for (std::uint64_t r = 0; r < 200; ++r) {
      const double p = resolve(s, 5, r).orders_per_period[0];
      CHECK((p >= 0.0 && p <= 1.0));
    }
  }
  SECTION("the same rate is fine for Poisson orders") {
    const std::string text = edit(edit(base, "orders_per_period = 0.4", "orders_per_period = 1.5"),
                                  "order_model = \"bernoulli\"\n", "");
    CHECK(parse_scenario(text, "x.toml").segments[0].orders_per_period.value == 1.5);
  }
}

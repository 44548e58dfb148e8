// Customer equity (docs/model.md, section 6): the horizon NPV plus the discounted chain value of
// the customers held at the horizon. Checked against the chain solved by sparse LU, against the
// closed form N m s / (1 + i - s) for a base with geometric churn, against its defining property
// (with no acquisition, or acquisition that stops, the expectation does not depend on where the
// horizon is cut), and the Monte Carlo mean within 4 standard errors of the expected-value mode.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/SparseLU>

#include "clvsim/engine.hpp"
#include "clvsim/markov.hpp"
#include "clvsim/model.hpp"
#include "clvsim/statistics.hpp"
#include "engine_helpers.hpp"

using namespace clvsim;

namespace {

struct Run {
  std::vector<double> metrics, totals;
  int T = 0;
  int equity = 0;
  [[nodiscard]] double at(int metric, int t) const {
    return metrics[static_cast<std::size_t>(metric) * T + t];
  }
};

Run expected_run(const Scenario& s) {
  const ModelParams m = resolve_nominal(s);
  const MetricLayout layout(s);
  Run r;
  r.T = m.horizon;
  r.equity = layout.customer_equity();
  r.metrics.assign(static_cast<std::size_t>(layout.size()) * r.T, 0.0);
  r.totals.assign(static_cast<std::size_t>(Total::Count_), 0.0);
  expected_trajectory(m, r.metrics, r.totals);
  return r;
}

double total(const Run& r, Total t) {
  return r.totals[static_cast<std::size_t>(t)];
}

// A customer base of 1000 at tenure 0 with constant churn: no acquisition at all.
const char* GEOMETRIC = R"(
[simulation]
horizon = 12
annual_discount_rate = 0.10
[funnel]
stages = ["lead"]
[funnel.lead]
advance = 0.0
[segments.only]
churn = 0.05
order_model = "fixed"
order_value = 50
gross_margin = 0.4
initial_customers = 1000
)";

// sBG and constant churn, migration, per-customer retention spend and win-back.
const char* RICH = R"(
[simulation]
horizon = 18
annual_discount_rate = 0.12
ltv_tenure_cap = 80
[funnel]
stages = ["lead"]
[funnel.lead]
advance = 1.0
[segments.low]
churn_sbg = { alpha = 0.8, beta = 6.0 }
order_value = 30
orders_per_period = 1.5
gross_margin = 0.6
cost_to_serve = 2
migration = { mid = 0.03, high = 0.01 }
initial_customers = [400, 0, 300, 0, 0, 200]
[segments.mid]
churn_sbg = { alpha = 2.0, beta = 9.0 }
order_value = 60
gross_margin = 0.5
cost_to_serve = 4
migration = { low = 0.02, high = 0.02 }
initial_customers = 500
initial_tenure = 7
[segments.high]
churn = 0.02
order_value = 100
gross_margin = 0.5
cost_to_serve = 5
migration = { low = 0.01 }
initial_customers = 100
[retention]
spend_per_customer = 1.5
max_churn_reduction = 0.2
half_saturation = 1.0
[winback]
attempt_cost = 4
success_probability = 0.15
window = 3
)";

}  // namespace

TEST_CASE("State values are the chain's (I - gamma P)^-1 r solved by sparse LU",
          "[equity][markov]") {
  const std::string winback =
      GENERATE(std::string(""),
               std::string("[winback]\nattempt_cost = 4\nsuccess_probability = 0.1\nwindow = 4\n"),
               std::string("[winback]\nattempt_cost = 1\nsuccess_probability = 1.0\nwindow = 2\n"),
               // By recency (Pfeifer & Carraway 2000), in both conventions for the won back.
               std::string("[winback]\nattempt_cost = 4\nsuccess_probability = [0.3, 0.12, 0.05, "
                           "0.0]\nwindow = 4\n"),
               std::string("[winback]\nattempt_cost = 4\nsuccess_probability = [0.3, 0.12, 0.05, "
                           "0.0]\nwindow = 4\nreturning_churn = \"next_period\"\n"),
               std::string("[winback]\nattempt_cost = 1\nsuccess_probability = 1.0\nwindow = 2\n"
                           "returning_churn = \"next_period\"\n"));
  std::string toml = RICH;
  toml = toml.substr(0, toml.find("[winback]")) + winback;
  const ModelParams m = resolve_nominal(parse_scenario(toml, "rich.toml"));
  const CustomerChain ch = customer_chain(m);
  const double gamma = 1.0 / (1.0 + m.discount_rate);
  Eigen::SparseMatrix<double> a(ch.size(), ch.size());
  a.setIdentity();
  a -= gamma * Eigen::SparseMatrix<double>(ch.transition);
  a.makeCompressed();
  Eigen::SparseLU<Eigen::SparseMatrix<double>> lu;
  lu.compute(a);
  REQUIRE(lu.info() == Eigen::Success);
  const Eigen::VectorXd u = lu.solve(ch.reward);
  REQUIRE(m.state_value.size() == static_cast<std::size_t>(ch.size()));
  double scale = 0.0;
  for (int i = 0; i < ch.size(); ++i) scale = std::max(scale, std::fabs(u[i]));
  for (int i = 0; i < ch.size(); ++i) {
    INFO("state " << i);
    CHECK(m.state_value[i] == Approx(u[i]).epsilon(1e-12).margin(1e-12 * scale));
  }
  for (int k = 0; k < m.segments; ++k)
    CHECK(gamma * m.state_value[ch.active_state(k, 0)] == Approx(m.ltv[k]).epsilon(1e-12));
}

TEST_CASE("Customer equity of a base with geometric churn is N m s / (1 + i - s)", "[equity]") {
  const Scenario s = parse_scenario(GEOMETRIC, "geometric.toml");
  const Run r = expected_run(s);
  const double i = std::pow(1.10, 1.0 / 12.0) - 1.0, keep = 0.95, margin = 50 * 0.4;
  const double closed = 1000.0 * margin * keep / (1.0 + i - keep);  // Gupta, Lehmann & Stuart 2004
  for (int t = 0; t < r.T; ++t) {
    INFO("period " << t + 1);
    CHECK(r.at(r.equity, t) == Approx(closed).epsilon(1e-12));
    CHECK(r.at(MetricIndex::fixed(Metric::Npv), t) < closed);
  }
  CHECK(total(r, Total::CustomerEquity) == Approx(closed).epsilon(1e-12));
  // The horizon NPV is the first 12 terms of the same series, N m sum (s / (1 + i))^t.
  double npv = 0.0;
  for (int t = 1; t <= 12; ++t) npv += 1000.0 * margin * std::pow(keep / (1.0 + i), t);
  CHECK(total(r, Total::Npv) == Approx(npv).epsilon(1e-12));
}

TEST_CASE("Customer equity does not depend on where the horizon is cut", "[equity]") {
  SECTION("no acquisition: every period's equity is the base's value at time 0") {
    const Scenario s = parse_scenario(RICH, "rich.toml");
    const ModelParams m = resolve_nominal(s);
    // The base's value at time 0: gamma u of each initial customer's state.
    const double gamma = 1.0 / (1.0 + m.discount_rate);
    double base = 0.0;
    for (int k = 0; k < m.segments; ++k)
      for (int tau = 0; tau < m.tenures; ++tau)
        base += m.initial_customers[static_cast<std::size_t>(k) * m.tenures + tau] * gamma *
                m.state_value[static_cast<std::size_t>(k) * m.ltv_tenure_cap +
                              std::min(tau, m.ltv_tenure_cap - 1)];
    const Run r = expected_run(s);
    for (int t = 0; t < r.T; ++t) {
      INFO("period " << t + 1);
      CHECK(r.at(r.equity, t) == Approx(base).epsilon(1e-11));
    }
  }
  SECTION("acquisition for 12 periods: equity at 12 equals equity at 18 of a longer run") {
    std::string toml = RICH;
    toml.replace(
        toml.find("[segments.low]"), 0,
        "[channels.ads]\nspend = [5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, "
        "5000, 5000, 0, 0, 0, 0, 0, 0]\ncost_per_lead = 25\nsegment_mix = { low = 3, mid = 1 }\n");
    const Scenario longer = parse_scenario(toml, "rich.toml");
    Scenario shorter = longer;
    shorter.simulation.horizon = 12;
    shorter.channels[0].spend.resize(12);
    const Run a = expected_run(shorter), b = expected_run(longer);
    REQUIRE(total(a, Total::NewCustomers) > 0.0);
    CHECK(total(a, Total::CustomerEquity) ==
          Approx(total(b, Total::CustomerEquity)).epsilon(1e-11));
    CHECK(total(a, Total::CustomerEquity) == Approx(b.at(b.equity, 11)).epsilon(1e-12));
  }
}

TEST_CASE("Monte Carlo customer equity lies within 4 standard errors of the expectation",
          "[equity]") {
  std::string toml = RICH;
  toml.replace(
      toml.find("[segments.low]"), 0,
      "[channels.ads]\nspend = 5000\ncost_per_lead = 25\nsegment_mix = { low = 3, mid = 1 }\n");
  const Scenario s = parse_scenario(toml, "rich.toml");
  const Run r = expected_run(s);
  const ModelParams m = resolve_nominal(s);
  const int R = 400;
  const std::uint64_t seed = 777;
  std::vector<double> equity, mid;
  std::vector<double> metrics(static_cast<std::size_t>(MetricLayout(s).size()) * m.horizon),
      totals(static_cast<std::size_t>(Total::Count_));
  for (int rep = 0; rep < R; ++rep) {
    simulate_replication(m, seed, static_cast<std::uint64_t>(rep), metrics, totals);
    equity.push_back(totals[static_cast<std::size_t>(Total::CustomerEquity)]);
    mid.push_back(metrics[static_cast<std::size_t>(r.equity) * m.horizon + 5]);
  }
  const Stats end = summarize(equity), six = summarize(mid);
  REQUIRE(end.std_error > 0.0);
  CHECK(std::fabs(end.mean - total(r, Total::CustomerEquity)) < 4.0 * end.std_error);
  CHECK(std::fabs(six.mean - r.at(r.equity, 5)) < 4.0 * six.std_error);
}

TEST_CASE("Customer equity is NaN without customer value and named like the other totals",
          "[equity]") {
  const Scenario s = parse_scenario(GEOMETRIC, "geometric.toml");
  const ModelParams m = resolve_nominal(s, Valuation::WithoutCustomerValue);
  std::vector<double> metrics(static_cast<std::size_t>(MetricLayout(s).size()) * m.horizon),
      totals(static_cast<std::size_t>(Total::Count_));
  expected_trajectory(m, metrics, totals);
  CHECK(std::isnan(totals[static_cast<std::size_t>(Total::CustomerEquity)]));
  CHECK(needs_customer_value(Total::CustomerEquity));
  CHECK(total_infos()[static_cast<std::size_t>(Total::CustomerEquity)].name == "customer_equity");
  CHECK(MetricLayout(s).index("customer_equity") == MetricLayout(s).customer_equity());
}

namespace {

// Fader & Hardie (2010), sBG with (alpha, beta) = (1/15, 4/15), one payment of 1 a year.
std::string derl_scenario(int renewals, const char* booking) {
  return std::string(
             "[simulation]\nperiod = \"year\"\nhorizon = 6\nannual_discount_rate = 0.10\n"
             "ltv_tenure_cap = 400\nbooking = \"") +
         booking +
         "\"\n[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 0.0\n"
         "[segments.contract]\nchurn_sbg = { alpha = 0.0666666666666666667, beta = "
         "0.266666666666666667 }\n"
         "order_model = \"fixed\"\norder_value = 1\ninitial_customers = 1\ninitial_tenure = " +
         std::to_string(renewals) + "\n";
}

// DERL(d | alpha, beta, n - 1) = B(alpha, beta + n) / B(alpha, beta + n - 1)
// * 2F1(1, beta + n; alpha + beta + n; 1 / (1 + d)), the hypergeometric series summed directly.
double derl_closed_form(double alpha, double beta, double d, int n) {
  const double ratio = (beta + n - 1) / (alpha + beta + n - 1);
  const double z = 1.0 / (1.0 + d);
  double term = 1.0, sum = 0.0;
  for (int j = 0; j < 100000 && term > 1e-17; ++j) {
    sum += term;
    term *= (beta + n + j) / (alpha + beta + n + j) * z;
  }
  return ratio * sum;
}

}  // namespace

TEST_CASE("Start booking: the base's value is Fader & Hardie's DERL", "[equity][derl]") {
  // Fader & Hardie (2010), Marketing Science 29(1), the DERL of a customer with n - 1 renewals,
  // n = 1..5, at d = 10%.
  const double published[] = {7.68, 9.46, 9.86, 10.06, 10.19};
  for (int n = 1; n <= 5; ++n) {
    INFO("n = " << n);
    const Scenario s = parse_scenario(derl_scenario(n - 1, "start"), "derl.toml");
    const ModelParams m = resolve_nominal(s);
    const BoundaryValues b = boundary_values(m);
    const double closed = derl_closed_form(1.0 / 15.0, 4.0 / 15.0, 0.10, n);
    CHECK(std::fabs(closed - published[n - 1]) < 0.005);
    CHECK(b.initial[0] == Approx(closed).epsilon(1e-10));
    CHECK(std::fabs(b.initial[0] - published[n - 1]) < 0.005);
    // The simulated base, valued at every horizon, in expected-value mode.
    const Run r = expected_run(s);
    for (int t = 0; t < r.T; ++t) CHECK(r.at(r.equity, t) == Approx(closed).epsilon(1e-10));
    // End booking pays the same amounts a period later.
    const ModelParams e = resolve_nominal(parse_scenario(derl_scenario(n - 1, "end"), "derl.toml"));
    CHECK(boundary_values(e).initial[0] == Approx(closed / 1.1).epsilon(1e-10));
  }
}

TEST_CASE("Start booking: value at acquisition includes the sign-up payment", "[equity][derl]") {
  // Geometric churn: E[CLV] = sum_{t >= 0} (s / (1 + i))^t m = m (1 + i) / (1 + i - s).
  std::string toml = GEOMETRIC;
  toml.replace(toml.find("annual_discount_rate"), 0, "booking = \"start\"\n");
  const Scenario s = parse_scenario(toml, "geometric.toml");
  const ModelParams m = resolve_nominal(s);
  const double i = std::pow(1.10, 1.0 / 12.0) - 1.0, keep = 0.95, margin = 20.0;
  CHECK(m.ltv[0] == Approx(margin * (1.0 + i) / (1.0 + i - keep)).epsilon(1e-12));
  // The base at tenure 0 at time 0 renews at once: N m (1 + i) s / (1 + i - s).
  const Run r = expected_run(s);
  for (int t = 0; t < r.T; ++t)
    CHECK(r.at(r.equity, t) ==
          Approx(1000.0 * margin * keep * (1.0 + i) / (1.0 + i - keep)).epsilon(1e-12));
}

TEST_CASE("Start booking: equity when acquisition stops, and the Monte Carlo mean",
          "[equity][derl]") {
  std::string toml = RICH;
  toml.replace(toml.find("ltv_tenure_cap"), 0, "booking = \"start\"\n");
  toml.replace(
      toml.find("[segments.low]"), 0,
      "[channels.ads]\nspend = [5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, "
      "5000, 5000, 0, 0, 0, 0, 0, 0]\ncost_per_lead = 25\nsegment_mix = { low = 3, mid = 1 }\n");
  for (const char* orders : {"", "order_model = \"bernoulli\"\norders_per_period = 0.7\n"}) {
    std::string text = toml;
    if (*orders) {
      text.replace(text.find("orders_per_period = 1.5\n"),
                   std::string("orders_per_period = 1.5\n").size(), orders);
    }
    const Scenario longer = parse_scenario(text, "rich.toml");
    Scenario shorter = longer;
    shorter.simulation.horizon = 12;
    shorter.channels[0].spend.resize(12);
    const Run a = expected_run(shorter), b = expected_run(longer);
    CHECK(total(a, Total::CustomerEquity) ==
          Approx(total(b, Total::CustomerEquity)).epsilon(1e-11));

    const ModelParams m = resolve_nominal(shorter);
    std::vector<double> equity, npv;
    std::vector<double> metrics(static_cast<std::size_t>(MetricLayout(shorter).size()) * m.horizon),
        totals(static_cast<std::size_t>(Total::Count_));
    for (int rep = 0; rep < 400; ++rep) {
      simulate_replication(m, 99, static_cast<std::uint64_t>(rep), metrics, totals);
      equity.push_back(totals[static_cast<std::size_t>(Total::CustomerEquity)]);
      npv.push_back(totals[static_cast<std::size_t>(Total::Npv)]);
    }
    const Stats se = summarize(equity), sn = summarize(npv);
    CHECK(std::fabs(se.mean - total(a, Total::CustomerEquity)) < 4.0 * se.std_error);
    CHECK(std::fabs(sn.mean - total(a, Total::Npv)) < 4.0 * sn.std_error);
  }
}

TEST_CASE("simulation.booking is read, and a bad value is named with its place", "[equity][derl]") {
  CHECK(parse_scenario(derl_scenario(0, "start"), "derl.toml").simulation.booking ==
        Booking::StartOfPeriod);
  CHECK(parse_scenario(derl_scenario(0, "end"), "derl.toml").simulation.booking ==
        Booking::EndOfPeriod);
  CHECK(parse_scenario(GEOMETRIC, "g.toml").simulation.booking == Booking::EndOfPeriod);
  REQUIRE_THROWS_WITH(
      parse_scenario(derl_scenario(0, "begin"), "derl.toml"),
      Catch::Contains("derl.toml:6:11: simulation.booking = \"begin\" is not a known booking") &&
          Catch::Contains("\"end\", \"start\""));
  std::string misspelt = derl_scenario(0, "end");
  misspelt.replace(misspelt.find("booking"), 7, "bookin");
  REQUIRE_THROWS_WITH(
      parse_scenario(misspelt, "derl.toml"),
      Catch::Contains("derl.toml:6:1: simulation.bookin") && Catch::Contains("booking"));
}

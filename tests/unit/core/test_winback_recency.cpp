// Win-back as a recency model (Pfeifer & Carraway 2000, "Modeling customer relationships as
// Markov chains", Journal of Interactive Marketing 14(2), 43-55): the probability that an
// approached lapsed customer returns depends on the periods since lapse, and the won back either
// face churn in the period they return (same_period) or from the next (next_period).
//
// The oracle is the recency chain written here from docs/model.md, independently of the engine
// and of markov.cpp: one segment, constant churn c, window W, success probabilities s_1..s_W;
// states active, lapsed-1..lapsed-W (lost is absorbing and left out). Expected counts at the start
// of period t are x_0 P^t, a period's profit is x_(t-1) r, and the customer value is
// u = (I - gamma P)^-1 r by a dense Eigen solve.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "clvsim/markov.hpp"
#include "clvsim/model.hpp"
#include "clvsim/variants.hpp"
#include "engine_helpers.hpp"
#include "stat_helpers.hpp"

using namespace clvsim;

namespace {

constexpr double CHURN = 0.08;
constexpr double ATTEMPT_COST = 3.0;
constexpr double MARGIN = 50.0 * 0.4;  // order_value x gross_margin, one fixed order a period
constexpr double ANNUAL_DISCOUNT = 0.10;
const std::vector<double> SUCCESS = {0.30, 0.18, 0.10, 0.04};

std::string scenario(const std::string& success, const std::string& convention, int customers,
                     int horizon = 36) {
  return "[simulation]\nhorizon = " + std::to_string(horizon) +
         "\nannual_discount_rate = 0.10\n"
         "[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 0.0\n"
         "[segments.only]\nchurn = 0.08\norder_model = \"fixed\"\norders_per_period = 1\n"
         "order_value = 50\ngross_margin = 0.4\ninitial_customers = " +
         std::to_string(customers) +
         "\n[winback]\nattempt_cost = 3\nwindow = 4\nsuccess_probability = " + success + "\n" +
         (convention.empty() ? "" : "returning_churn = \"" + convention + "\"\n");
}

const std::string RECENCY = "[0.30, 0.18, 0.10, 0.04]";

// The recency chain of one customer: state 0 active, state d lapsed d periods (d = 1..W).
struct RecencyChain {
  Eigen::MatrixXd P;  // one period, start of period to start of next
  Eigen::VectorXd r;  // expected contribution earned in the period from each state
};

RecencyChain recency_chain(bool same_period) {
  const int W = static_cast<int>(SUCCESS.size());
  RecencyChain ch{Eigen::MatrixXd::Zero(W + 1, W + 1), Eigen::VectorXd::Zero(W + 1)};
  const double c = CHURN;
  ch.P(0, 0) = 1.0 - c;
  ch.P(0, 1) = c;
  ch.r[0] = (1.0 - c) * MARGIN;
  for (int d = 1; d <= W; ++d) {
    const double s = SUCCESS[d - 1];
    ch.r[d] = -ATTEMPT_COST;
    if (same_period) {
      // Returns, then faces this period's churn test like an active customer.
      ch.P(d, 0) += s * (1.0 - c);
      ch.P(d, 1) += s * c;
      ch.r[d] += s * (1.0 - c) * MARGIN;
    } else {
      // Returns without facing this period's churn, earns, and is active next period.
      ch.P(d, 0) += s;
      ch.r[d] += s * MARGIN;
    }
    if (d < W) ch.P(d, d + 1) += 1.0 - s;  // after W: lost
  }
  return ch;
}

double gamma_per_period() {
  return 1.0 / std::pow(1.0 + ANNUAL_DISCOUNT, 1.0 / 12.0);
}

void check_close(double got, double want, const char* what, int t = -1) {
  INFO(what << (t >= 0 ? " in period " + std::to_string(t + 1) : std::string()) << ": " << got
            << " against " << want);
  CHECK(std::fabs(got - want) <= 1e-12 * std::max(1.0, std::fabs(want)));
}

}  // namespace

TEST_CASE("Recency win-back: expected-value mode and customer value against the recency chain",
          "[winback][markov]") {
  const std::string convention = GENERATE(std::string("same_period"), std::string("next_period"));
  const bool same = convention == "same_period";
  INFO("returning_churn = " << convention);
  const double N0 = 10000.0;
  const Scenario s = parse_scenario(scenario(RECENCY, convention, 10000), "recency.toml");
  const ModelParams m = resolve_nominal(s);
  const test::ExpectedRun e = test::expected_run(s);
  const RecencyChain ch = recency_chain(same);
  const int W = static_cast<int>(SUCCESS.size());
  const double gamma = gamma_per_period();
  REQUIRE(std::fabs(m.discount_rate - (1.0 / gamma - 1.0)) < 1e-15);

  // The customer chain the library builds is this one.
  const CustomerChain built = customer_chain(m);
  REQUIRE(built.size() == W + 1);
  const Eigen::MatrixXd dense = Eigen::MatrixXd(built.transition);
  for (int i = 0; i <= W; ++i) {
    for (int j = 0; j <= W; ++j) {
      const int bi = i == 0 ? built.active_state(0, 0) : built.lapsed_state(0, i - 1);
      const int bj = j == 0 ? built.active_state(0, 0) : built.lapsed_state(0, j - 1);
      check_close(dense(bi, bj), ch.P(i, j), "transition");
    }
    check_close(built.reward[i == 0 ? 0 : built.lapsed_state(0, i - 1)], ch.r[i], "reward");
  }

  // Expected counts and flows, period by period.
  Eigen::RowVectorXd x = Eigen::RowVectorXd::Zero(W + 1);
  x[0] = N0;
  double npv = 0.0, discount = 1.0;
  for (int t = 0; t < m.horizon; ++t) {
    const Eigen::RowVectorXd next = x * ch.P;
    double lapsed = 0.0, won = 0.0;
    for (int d = 1; d <= W; ++d) {
      lapsed += x[d];
      won += SUCCESS[d - 1] * x[d];
    }
    const double at_risk = same ? x[0] + won : x[0];
    const double profit = x.dot(ch.r);
    discount *= gamma;
    npv += discount * profit;
    check_close(e.at("active_customers", t), next[0], "active customers", t);
    check_close(e.at("won_back_customers", t), won, "won back", t);
    check_close(e.at("winback_spend", t), ATTEMPT_COST * lapsed, "win-back spend", t);
    check_close(e.at("churned_customers", t), CHURN * at_risk, "churned", t);
    const double earning = (1.0 - CHURN) * at_risk + (same ? 0.0 : won);
    check_close(e.at("revenue", t), 50.0 * earning, "revenue", t);
    check_close(e.at("profit", t), profit, "profit", t);
    check_close(e.at("npv", t), npv, "npv", t);
    x = next;
  }

  // Customer value: u = (I - gamma P)^-1 r; a new customer is worth gamma u(active).
  const Eigen::VectorXd u =
      (Eigen::MatrixXd::Identity(W + 1, W + 1) - gamma * ch.P).partialPivLu().solve(ch.r);
  check_close(m.ltv[0], gamma * u[0], "LTV");
  REQUIRE(m.state_value.size() == static_cast<std::size_t>(1 + W));
  for (int i = 0; i <= W; ++i) check_close(m.state_value[i], u[i], "state value");
  // Customer equity: npv + the held customers' value; with no acquisition, the base's value at
  // time 0 in every period.
  for (int t : {0, 11, m.horizon - 1}) {
    check_close(e.at("customer_equity", t), N0 * gamma * u[0], "customer equity", t);
  }
  check_close(e.at("customer_equity", m.horizon - 1),
              npv + std::pow(gamma, m.horizon + 1) * x.dot(u), "customer equity at the horizon");

  // Payback curve: the undiscounted cumulative contribution e_active P^i r of a new customer.
  Eigen::RowVectorXd y = Eigen::RowVectorXd::Zero(W + 1);
  y[0] = 1.0;
  double cumulative = 0.0;
  for (int n = 0; n < m.payback_periods && n < 120; ++n) {
    cumulative += y.dot(ch.r);
    check_close(m.payback_curve[static_cast<std::size_t>(n)], cumulative, "payback curve", n);
    y = y * ch.P;
  }
}

TEST_CASE("Recency win-back: the two conventions differ as the chain says", "[winback]") {
  // A customer won back in the same period faces churn at once; in the next period convention it
  // is sure to stay for the period of its return, so a lapsed customer is worth more.
  const ModelParams same = resolve_nominal(parse_scenario(scenario(RECENCY, "", 1000), "a.toml"));
  const ModelParams next =
      resolve_nominal(parse_scenario(scenario(RECENCY, "next_period", 1000), "b.toml"));
  CHECK(same.returning_churn == ReturningChurn::SamePeriod);  // the default
  CHECK(next.returning_churn == ReturningChurn::NextPeriod);
  const int W = 4;
  for (int d = 0; d < W; ++d) CHECK(next.state_value[1 + d] > same.state_value[1 + d]);
}

TEST_CASE("Recency win-back: Monte Carlo means within 4 standard errors", "[winback][mc]") {
  const std::string convention = GENERATE(std::string("same_period"), std::string("next_period"));
  INFO("returning_churn = " << convention);
  const Scenario s = parse_scenario(scenario(RECENCY, convention, 2000, 24), "recency.toml");
  const test::ExpectedRun e = test::expected_run(s);
  const MetricLayout layout(s);
  const int R = 400;
  const test::Trajectories mc = test::simulate_trajectories(s, R, 4242);
  for (const char* name : {"active_customers", "won_back_customers", "churned_customers",
                           "winback_spend", "profit", "npv", "customer_equity"}) {
    for (int t : {1, 3, 8, 23}) {
      test::Moments x;
      for (double v : mc.across(layout.index(name), t)) x.add(v);
      INFO(name << " in period " << t + 1);
      REQUIRE(x.variance() > 0.0);
      test::check_mean(x, e.at(name, t), x.variance(), name);
    }
  }
}

TEST_CASE("Recency win-back: an array of equal values is the scalar, bit for bit", "[winback]") {
  const std::string convention = GENERATE(std::string(""), std::string("next_period"));
  INFO("returning_churn = " << convention);
  const Scenario scalar = parse_scenario(scenario("0.15", convention, 3000, 24), "scalar.toml");
  const Scenario array =
      parse_scenario(scenario("[0.15, 0.15, 0.15, 0.15]", convention, 3000, 24), "array.toml");
  const ModelParams a = resolve_nominal(scalar), b = resolve_nominal(array);
  CHECK(a.ltv == b.ltv);
  CHECK(a.state_value == b.state_value);
  CHECK(a.payback_curve == b.payback_curve);
  const std::size_t size = static_cast<std::size_t>(MetricLayout(scalar).size()) * 24;
  std::vector<double> ma(size), mb(size), ta(static_cast<std::size_t>(Total::Count_)),
      tb(static_cast<std::size_t>(Total::Count_));
  expected_trajectory(a, ma, ta);
  expected_trajectory(b, mb, tb);
  CHECK(std::memcmp(ma.data(), mb.data(), size * sizeof(double)) == 0);
  for (std::uint64_t r : {0u, 5u, 31u}) {
    simulate_replication(a, 99, r, ma, ta);
    simulate_replication(b, 99, r, mb, tb);
    CHECK(std::memcmp(ma.data(), mb.data(), size * sizeof(double)) == 0);
    CHECK(std::memcmp(ta.data(), tb.data(), ta.size() * sizeof(double)) == 0);
  }
}

TEST_CASE("Recency win-back: uncertain elements, and variants address one recency",
          "[winback][variants]") {
  std::string text =
      scenario("[0.30, { dist = \"beta\", alpha = 2, beta = 8 }, 0.10, 0.04]", "", 1000);
  const Scenario s = parse_scenario(text, "uncertain.toml");
  REQUIRE(s.winback.success_probability.size() == 4);
  CHECK(s.winback.success_probability[1].path == "winback.success_probability[1]");
  CHECK(resolve_nominal(s).winback_success[1] == Approx(0.2).epsilon(1e-15));
  // Each replication draws the uncertain element; the numbers stay as written.
  const ModelParams r3 = resolve(s, 11, 3);
  CHECK(r3.winback_success[0] == 0.30);
  CHECK(r3.winback_success[2] == 0.10);
  CHECK(r3.winback_success[1] != resolve(s, 11, 4).winback_success[1]);

  // A variant's path with an index changes that recency; without, every recency.
  text +=
      "[variants.late]\nscale = { \"winback.success_probability[3]\" = 0.5 }\n"
      "[variants.all]\nadd = { \"winback.success_probability\" = 0.01 }\n";
  std::vector<Scenario> all = expand_variants(parse_scenario(text, "variants.toml"));
  REQUIRE(all.size() == 3);
  const ModelParams late = resolve_nominal(all[1]), every = resolve_nominal(all[2]);
  CHECK(late.winback_success[3] == Approx(0.02).epsilon(1e-15));
  CHECK(late.winback_success[0] == 0.30);
  CHECK(every.winback_success[0] == Approx(0.31).epsilon(1e-15));
  CHECK(every.winback_success[3] == Approx(0.05).epsilon(1e-15));
  CHECK(match_params(all[0], "winback.success_probability").size() == 4);
}

TEST_CASE("Recency win-back: the first year's revenue retention follows every won-back member",
          "[winback][finance]") {
  // Without acquisition and with nobody lapsed at the start, every customer active at the end of
  // year 1 is a member of its revenue-retention cohort, won back or not, in either convention:
  // nrr = grr = active(12) / N0 (one segment, so no expansion).
  const std::string convention = GENERATE(std::string("same_period"), std::string("next_period"));
  INFO("returning_churn = " << convention);
  const Scenario s = parse_scenario(scenario(RECENCY, convention, 10000, 24), "nrr.toml");
  const test::ExpectedRun e = test::expected_run(s);
  const double active = e.at("active_customers", 11);
  check_close(e.at("nrr", 11), active / 10000.0, "nrr");
  check_close(e.at("grr", 11), active / 10000.0, "grr");
  CHECK(e.at("won_back_customers", 11) > 0.0);
}

TEST_CASE("Recency win-back: next_period is Pfeifer & Carraway's recency chain",
          "[winback][markov]") {
  // Pfeifer & Carraway's recency model: a customer of recency r = 1..4 is mailed (cost M) and
  // buys with probability p_r (contribution NC), moving to recency 1, or else to r + 1; recency 5
  // is absorbing. Per period, from the purchase-period view, recency r earns p_r NC - M. In clvsim
  // terms: active = recency 1 with churn 1 - p_1 and a per-customer retention spend M that reduces
  // no churn, lapsed d = recency d + 1 with success p_(d+1) and attempt cost M, window 3, and
  // returning_churn = "next_period" (a return is the period's purchase).
  const double p[4] = {0.30, 0.20, 0.15, 0.05};
  const double NC = 40.0, M = 4.0;
  const std::string toml =
      "[simulation]\nannual_discount_rate = 0.2\nperiod = \"year\"\n"
      "[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 0.0\n"
      "[segments.only]\nchurn = 0.7\norder_model = \"fixed\"\norders_per_period = 1\n"
      "order_value = 40\n"
      "[retention]\nspend_per_customer = 4\nmax_churn_reduction = 0.0\n"
      "[winback]\nattempt_cost = 4\nwindow = 3\nsuccess_probability = [0.20, 0.15, 0.05]\n"
      "returning_churn = \"next_period\"\n";
  const ModelParams m = resolve_nominal(parse_scenario(toml, "pfeifer_carraway.toml"));
  const double gamma = 1.0 / 1.2;
  Eigen::MatrixXd P = Eigen::MatrixXd::Zero(5, 5);
  Eigen::VectorXd R = Eigen::VectorXd::Zero(5);
  for (int r = 0; r < 4; ++r) {
    P(r, 0) = p[r];
    P(r, r + 1) = 1.0 - p[r];
    R[r] = p[r] * NC - M;
  }
  P(4, 4) = 1.0;
  const Eigen::VectorXd V = (Eigen::MatrixXd::Identity(5, 5) - gamma * P).partialPivLu().solve(R);
  REQUIRE(m.state_value.size() == 4);
  for (int r = 0; r < 4; ++r) check_close(m.state_value[r], V[r], "value of recency r + 1");
  check_close(m.ltv[0], gamma * V[0], "value at acquisition");
}

// Finite markets against Bass (1969): the expected-value mode is the discrete-time Bass recursion
// exactly, it approaches the continuous Bass F(t) within the Euler error bound derived in
// docs/model.md §2, and the Monte Carlo mean lies within 4 standard errors of it.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "../io/toml_test_helpers.hpp"
#include "clvsim/engine.hpp"
#include "clvsim/model.hpp"
#include "clvsim/scenario.hpp"
#include "engine_helpers.hpp"
#include "stat_helpers.hpp"

using namespace clvsim;

namespace {

constexpr double P_YEAR = 0.03;  // innovation per year
constexpr double Q_YEAR = 0.38;  // imitation per year

std::string exact(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

//! A referral business in a market of `potential` people: a channel whose contacts are p M per
//! year, referrals at q per active customer per year, a one-stage funnel that converts every
//! prospect at once, and no churn. `periods` periods make a year.
std::string bass_text(const char* period, int periods_per_year, int years, double potential) {
  const double h = 1.0 / periods_per_year;
  return std::string("[simulation]\nperiod = \"") + period +
         "\"\nhorizon = " + std::to_string(years * periods_per_year) +
         "\nannual_discount_rate = 0.0\n"
         "[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 1.0\n"
         "[market]\npotential = " +
         exact(potential) + "\n[channels.ads]\nspend = " + exact(P_YEAR * h * potential) +
         "\ncost_per_lead = 1\n"
         "[segments.users]\nchurn = 0.0\norder_value = 0\nreferrals_per_customer = " +
         exact(Q_YEAR * h) + "\n";
}


//! Continuous Bass: F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}).
double bass_f(double t) {
  const double e = std::exp(-(P_YEAR + Q_YEAR) * t);
  return (1.0 - e) / (1.0 + Q_YEAR / P_YEAR * e);
}

//! The bound of docs/model.md §2 on |F_n - F(nh)| for Euler steps of h years:
//! h K2 / (2 mu) (e^{mu t} - 1), mu = q - p, K2 = max over [0, 1] of |f'(F) f(F)|.
double euler_bound(double t, double h) {
  const double p = P_YEAR, q = Q_YEAR, mu = q - p;
  double k2 = 0.0;
  for (int i = 0; i <= 100000; ++i) {  // |f' f| is a cubic: a fine grid finds its maximum
    const double F = i / 100000.0;
    k2 = std::max(k2, std::fabs((q - p - 2.0 * q * F) * (p + q * F) * (1.0 - F)));
  }
  // The grid misses the maximum by at most max|d(f' f)/dF| / 2e5 < 1 / 2e5.
  k2 += 1.0 / 200000.0;
  return h * k2 / (2.0 * mu) * (std::exp(mu * t) - 1.0);
}

}  // namespace

TEST_CASE("A finite market's expected adoption is the discrete Bass recursion",
          "[engine][market][bass]") {
  constexpr double M = 1e6;
  for (const auto& [period, P] : {std::pair{"year", 1}, {"quarter", 4}, {"month", 12}}) {
    INFO("period = " << period);
    const Scenario s = parse_scenario(bass_text(period, P, 10, M), "bass.toml");
    const test::ExpectedRun r = test::expected_run(s);
    const double h = 1.0 / P;
    double N = 0.0, cumulative = 0.0;
    for (int t = 0; t < r.T; ++t) {
      // Bass (1969) in discrete time: n(t) = (p + q N(t-1) / M) (M - N(t-1)).
      N += (P_YEAR * h + Q_YEAR * h * N / M) * (M - N);
      cumulative += r.at("new_customers", t);
      CHECK(cumulative == Approx(N).epsilon(1e-12));
      CHECK(r.at("market_unreached", t) == Approx(M - N).epsilon(1e-12).margin(1e-6));
      CHECK(r.at("active_customers", t) == Approx(N).epsilon(1e-12));
    }
  }
}

TEST_CASE("Discrete Bass adoption is within the Euler bound of the continuous F(t)",
          "[engine][market][bass]") {
  constexpr double M = 1e6;
  double previous_error = 0.0;
  for (const auto& [period, P] :
       {std::pair{"year", 1}, {"quarter", 4}, {"month", 12}, {"week", 52}}) {
    INFO("period = " << period);
    const Scenario s = parse_scenario(bass_text(period, P, 10, M), "bass.toml");
    const test::ExpectedRun r = test::expected_run(s);
    const double h = 1.0 / P;
    double cumulative = 0.0, worst = 0.0;
    for (int t = 0; t < r.T; ++t) {
      cumulative += r.at("new_customers", t);
      const double years = (t + 1) * h;
      const double error = std::fabs(cumulative / M - bass_f(years));
      INFO("t = " << years << " years: F_n = " << cumulative / M << ", F(t) = " << bass_f(years));
      CHECK(error <= euler_bound(years, h));
      worst = std::max(worst, error);
    }
    // First order: the error shrinks with the step (by more than half when it is 4x smaller or
    // more), so the discrete model converges to Bass's continuous curve.
    if (previous_error > 0.0) CHECK(worst < 0.5 * previous_error);
    previous_error = worst;
  }
  // At a monthly step the bound itself is small: the discrete model is Bass to within 0.08.
  CHECK(euler_bound(10.0, 1.0 / 12) < 0.08);
}

TEST_CASE(
    "A finite market's Monte Carlo mean lies within 4 standard errors of the expected adoption",
    "[engine][market][bass]") {
  // Binomial draws from the pool of people not reached. Referrals make the reach depend on the
  // active base, so the mean-field recursion differs from the exact mean by -q h Cov(N, U) / M a
  // period (docs/model.md §2): a few people here, far below the standard error.
  constexpr double M = 1e5;
  const Scenario s = parse_scenario(bass_text("month", 12, 5, M), "bass.toml");
  const test::ExpectedRun e = test::expected_run(s);
  constexpr int R = 400;
  const test::Trajectories mc = test::simulate_trajectories(s, R, 20240607);
  const int new_customers = e.layout.index("new_customers");
  const int unreached = e.layout.index("market_unreached");
  for (int t = 11; t < e.T; t += 12) {
    test::Moments cum, left;
    for (int rep = 0; rep < R; ++rep) {
      double c = 0.0;
      for (int u = 0; u <= t; ++u)
        c += mc.values[(static_cast<std::size_t>(rep) * mc.metrics + new_customers) * mc.periods +
                       u];
      const double l =
          mc.values[(static_cast<std::size_t>(rep) * mc.metrics + unreached) * mc.periods + t];
      cum.add(c);
      left.add(l);
      // Every person reached converts at once: adopters and the pool always add up to M.
      CHECK(c + l == M);
    }
    double n_expected = 0.0;
    for (int u = 0; u <= t; ++u) n_expected += e.at("new_customers", u);
    INFO("period " << t + 1);
    test::check_mean(cum, n_expected, cum.variance(), "cumulative adoption");
    test::check_mean(left, e.at("market_unreached", t), left.variance(), "people not reached");
  }
}

TEST_CASE("Without referrals a finite market is exact: the mean reach is the pool times p",
          "[engine][market]") {
  // Leads are Binomial(U, pi) with a fixed pi: E[U_t] = M (1 - pi)^t exactly.
  constexpr double M = 20000;
  const std::string text =
      "[simulation]\nperiod = \"month\"\nhorizon = 24\n"
      "[funnel]\nstages = [\"lead\", \"sql\"]\n[funnel.lead]\nadvance = 0.3\ndrop = 0.5\n"
      "[funnel.sql]\nadvance = 0.5\n"
      "[market]\npotential = 20000\n"
      "[channels.ads]\nspend = 1500\ncost_per_lead = 1\n"
      "[segments.users]\nchurn = 0.05\norder_value = 10\ninitial_customers = 500\n";
  const Scenario s = parse_scenario(text, "x.toml");
  const test::ExpectedRun e = test::expected_run(s);
  double U = M - 500;
  for (int t = 0; t < e.T; ++t) {
    U *= 1.0 - 1500.0 / M;
    CHECK(e.at("market_unreached", t) == Approx(U).epsilon(1e-12));
    CHECK(e.at("leads", t) == Approx(U * 1500.0 / M / (1.0 - 1500.0 / M)).epsilon(1e-12));
  }
  constexpr int R = 400;
  const test::Trajectories mc = test::simulate_trajectories(s, R, 7);
  for (const char* name : {"leads", "new_customers", "market_unreached", "active_customers"}) {
    const int i = e.layout.index(name);
    for (int t : {2, 11, 23}) {
      test::Moments x;
      for (double v : mc.across(i, t)) x.add(v);
      INFO(name << " in period " << t + 1);
      test::check_mean(x, e.at(name, t), x.variance(), name);
    }
  }
}

TEST_CASE("Contacts beyond the pool reach everybody left, split in proportion",
          "[engine][market]") {
  const std::string text =
      "[simulation]\nhorizon = 2\n"
      "[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 1.0\n"
      "[market]\npotential = 1000\n"
      "[channels.a]\nspend = 3000\ncost_per_lead = 1\n"
      "[channels.b]\nspend = 1000\ncost_per_lead = 1\n"
      "[segments.users]\nchurn = 0.0\norder_value = 0\n";
  const Scenario s = parse_scenario(text, "x.toml");
  const test::ExpectedRun e = test::expected_run(s);
  CHECK(e.at("leads", 0) == Approx(1000.0));
  CHECK(e.at("new_customers_a", 0) == Approx(750.0));
  CHECK(e.at("new_customers_b", 0) == Approx(250.0));
  CHECK(e.at("market_unreached", 0) == Approx(0.0).margin(1e-9));
  CHECK(e.at("leads", 1) == Approx(0.0).margin(1e-9));
  // In a replication the whole pool is reached in period 1: Binomial(1000, 3/4) by a, the rest by
  // b.
  constexpr int R = 200;
  const test::Trajectories mc = test::simulate_trajectories(s, R, 3);
  const auto a = mc.across(e.layout.index("new_customers_a"), 0);
  const auto b = mc.across(e.layout.index("new_customers_b"), 0);
  const auto left = mc.across(e.layout.index("market_unreached"), 1);
  test::Moments share;
  for (int r = 0; r < R; ++r) {
    CHECK(a[r] + b[r] == 1000.0);
    CHECK(left[r] == 0.0);
    share.add(a[r]);
  }
  test::check_mean(share, 750.0, 1000.0 * 0.75 * 0.25, "channel a's reach");
}

TEST_CASE("[market] is read with its location and checked", "[io][toml][market]") {
  using toml_test::at;
  using toml_test::check_error;
  const std::string base =
      "[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 0.5\n"
      "[segments.users]\nchurn = 0.1\norder_value = 5\ninitial_customers = 300\n"
      "[market]\npotential = 5000\n";
  const Scenario s = parse_scenario(base, "x.toml");
  CHECK(s.market.enabled);
  CHECK(s.market.potential.value == 5000.0);
  CHECK(s.market.potential.path == "market.potential");
  CHECK(MetricLayout(s).index("market_unreached") == MetricLayout(s).size() - 1);
  CHECK(MetricLayout(
            parse_scenario(toml_test::edit(base, "[market]\npotential = 5000\n", ""), "x.toml"))
            .index("market_unreached") == -1);

  std::string bad = toml_test::edit(base, "potential = 5000", "potental = 5000");
  check_error(bad, at(bad, "potental"),
              {"market.potental is not a known key", "did you mean 'potential'"});
  bad = toml_test::edit(base, "potential = 5000", "");
  check_error(bad, at(bad, "[market]"), {"market is missing required key 'potential'"});
  bad = toml_test::edit(base, "potential = 5000", "potential = -3");
  check_error(bad, at(bad, "-3"), {"market.potential = -3", "count"});
  bad = toml_test::edit(base, "potential = 5000", "potential = 200");
  check_error(bad, at(bad, "200"),
              {"market.potential = 200 is below the initial customers", "300"});
}

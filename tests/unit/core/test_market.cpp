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

// ---------------------------------------------------------------------------------------------
// A market per segment (docs/model.md §2, *Finite market by segment*).

namespace {

//! A business with a two-stage funnel, a pipeline, initial customers, churn, referrals and a
//! channel, in a market given by `market` (the [market] table's body).
std::string rich_text(const std::string& market) {
  return "[simulation]\nhorizon = 18\n"
         "[funnel]\nstages = [\"lead\", \"sql\"]\n[funnel.lead]\nadvance = 0.4\ndrop = 0.3\n"
         "nurture_cost = 2\n[funnel.sql]\nadvance = 0.6\n"
         "[pipeline]\nprospects = { lead = 700, sql = 150 }\n"
         "[market]\n" +
         market +
         "\n[channels.ads]\nspend = 4000\ncost_per_lead = 2\n"
         "[segments.users]\nchurn = 0.04\norder_value = 30\norder_value_cv = 0.5\n"
         "initial_customers = 1200\nreferrals_per_customer = 0.05\n";
}

//! Two segments, each a Bass market of its own: one channel whose contacts are split 1 : 3 over
//! the segments, referrals that join the referrer's segment, a one-stage funnel that converts
//! at once, no churn. `periods` periods a year.
struct TwoBass {
  double M[2] = {2000.0, 50000.0};      // potentials
  double p[2] = {0.0, 0.0};             // innovation per period, from the channel's contacts
  double q[2] = {0.45 / 12, 0.3 / 12};  // imitation per period: referrals per customer
  double contacts = 0.0;                // the channel's contacts per period
  std::string text;
};

TwoBass two_bass(int horizon, double scale = 1.0) {
  TwoBass b;
  b.M[0] *= scale;
  b.M[1] *= scale;
  // p_enterprise = 0.25 c / M_enterprise = 0.2 a year, p_smb = 0.75 c / M_smb = 0.024 a year.
  b.contacts = 0.04 / 12 * 40000 * scale;
  const double w[2] = {0.25, 0.75};
  for (int j = 0; j < 2; ++j) b.p[j] = b.contacts * w[j] / b.M[j];
  b.text =
      "[simulation]\nperiod = \"month\"\nhorizon = " + std::to_string(horizon) +
      "\nannual_discount_rate = 0.0\n"
      "[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 1.0\n"
      "[market]\npotential = { enterprise = " +
      exact(b.M[0]) + ", smb = " + exact(b.M[1]) +
      " }\n[channels.ads]\nspend = " + exact(b.contacts) +
      "\ncost_per_lead = 1\nsegment_mix = { enterprise = 1, smb = 3 }\n"
      "[segments.enterprise]\nchurn = 0.0\norder_value = 0\nreferrals_per_customer = " +
      exact(b.q[0]) +
      "\n[segments.smb]\nchurn = 0.0\norder_value = 0\nreferrals_per_customer = " + exact(b.q[1]) +
      "\n";
  return b;
}

//! Every metric of `a` (a business market) equals the same metric of `b` (a market per segment,
//! whose layout appends market_unreached_<segment>) bit for bit, NaN where the other is NaN.
void check_same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(b.size() >= a.size());
  int differing = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) ++differing;
  CHECK(differing == 0);
}

}  // namespace

TEST_CASE("A market per segment with one segment is the business's market, bit for bit",
          "[engine][market]") {
  const Scenario business = parse_scenario(rich_text("potential = 9000"), "x.toml");
  const Scenario by_segment = parse_scenario(rich_text("potential = { users = 9000 }"), "x.toml");
  const MetricLayout lb(business), ls(by_segment);
  REQUIRE(ls.size() == lb.size() + 1);
  CHECK(ls.index("market_unreached_users") == ls.size() - 1);
  for (int i = 0; i < lb.size(); ++i) CHECK(ls.metrics()[i].name == lb.metrics()[i].name);

  // Expected-value mode: the trajectories agree in every metric and period.
  const test::ExpectedRun eb = test::expected_run(business);
  const test::ExpectedRun es = test::expected_run(by_segment);
  check_same_bits(eb.metrics, es.metrics);
  for (int t = 0; t < eb.T; ++t)
    CHECK(es.at("market_unreached_users", t) == eb.at("market_unreached", t));

  // Monte Carlo: every replication draws the same numbers for the same events.
  constexpr int R = 12;
  const test::Trajectories mb = test::simulate_trajectories(business, R, 99);
  const test::Trajectories ms = test::simulate_trajectories(by_segment, R, 99);
  const int u = lb.index("market_unreached");
  for (int r = 0; r < R; ++r) {
    const std::size_t nb = static_cast<std::size_t>(mb.metrics) * mb.periods;
    const std::size_t ns = static_cast<std::size_t>(ms.metrics) * ms.periods;
    check_same_bits(
        std::vector<double>(mb.values.begin() + r * nb, mb.values.begin() + (r + 1) * nb),
        std::vector<double>(ms.values.begin() + r * ns, ms.values.begin() + r * ns + nb));
    for (int t = 0; t < mb.periods; ++t)
      CHECK(ms.values[r * ns + static_cast<std::size_t>(ls.size() - 1) * ms.periods + t] ==
            mb.values[r * nb + static_cast<std::size_t>(u) * mb.periods + t]);
  }
}

TEST_CASE("Two segments with markets of their own follow each segment's discrete Bass recursion",
          "[engine][market][bass]") {
  // Segment j's contacts: the channel's share w_j c (p_j = w_j c / M_j) and its own customers'
  // referrals q_j N_j, reaching only segment j's unreached M_j - N_j, so
  //   N_j(t) = N_j(t-1) + (p_j + q_j N_j(t-1) / M_j) (M_j - N_j(t-1)),   N_j(0) = 0.
  const TwoBass b = two_bass(120);
  const Scenario s = parse_scenario(b.text, "bass2.toml");
  const test::ExpectedRun r = test::expected_run(s);
  const char* names[2] = {"enterprise", "smb"};
  double N[2] = {0.0, 0.0};
  for (int t = 0; t < r.T; ++t) {
    double leads = 0.0, referred = 0.0;
    for (int j = 0; j < 2; ++j) {
      leads += b.p[j] * (b.M[j] - N[j]);
      referred += b.q[j] * N[j] / b.M[j] * (b.M[j] - N[j]);
      N[j] += (b.p[j] + b.q[j] * N[j] / b.M[j]) * (b.M[j] - N[j]);
      INFO("period " << t + 1 << ", segment " << names[j]);
      CHECK(r.at(std::string("active_") + names[j], t) == Approx(N[j]).epsilon(1e-12));
      CHECK(r.at(std::string("market_unreached_") + names[j], t) ==
            Approx(b.M[j] - N[j]).epsilon(1e-12).margin(1e-9));
    }
    CHECK(r.at("leads", t) == Approx(leads).epsilon(1e-12));
    CHECK(r.at("referred_prospects", t) == Approx(referred).epsilon(1e-12).margin(1e-12));
    CHECK(r.at("market_unreached", t) ==
          Approx(b.M[0] + b.M[1] - N[0] - N[1]).epsilon(1e-12).margin(1e-9));
  }
  // The two markets fill at their own pace: the enterprise market, with more innovation and
  // imitation per person, is nearly full after ten years, the small-business one is not.
  CHECK(N[0] / b.M[0] > 0.95);
  CHECK(N[1] / b.M[1] < 0.8);
}

TEST_CASE("Markets per segment: Monte Carlo means within 4 standard errors, pools kept apart",
          "[engine][market][bass]") {
  // Referrals make the reach a product of two random counts: the mean-field recursion is off by
  // about q Cov(N, U) / M a period (docs/model.md §2), a few people over three years, so the
  // markets are large enough for that to stay far below the standard error.
  const TwoBass b = two_bass(36, 20.0);
  const Scenario s = parse_scenario(b.text, "bass2.toml");
  const test::ExpectedRun e = test::expected_run(s);
  constexpr int R = 400;
  const test::Trajectories mc = test::simulate_trajectories(s, R, 314159);
  for (const char* seg : {"enterprise", "smb"}) {
    const int a = e.layout.index(std::string("active_") + seg);
    const int u = e.layout.index(std::string("market_unreached_") + seg);
    const double M = std::string(seg) == "enterprise" ? b.M[0] : b.M[1];
    for (int t : {0, 5, 11, 23, 35}) {
      test::Moments active, left;
      const auto av = mc.across(a, t), uv = mc.across(u, t);
      for (int r = 0; r < R; ++r) {
        // Whoever a segment's contacts reach is of that segment and converts at once: its
        // customers and its pool add up to its potential in every replication.
        CHECK(av[r] + uv[r] == M);
        active.add(av[r]);
        left.add(uv[r]);
      }
      INFO(seg << ", period " << t + 1);
      test::check_mean(active, e.at(std::string("active_") + seg, t), active.variance(),
                       "adopters");
      test::check_mean(left, e.at(std::string("market_unreached_") + seg, t), left.variance(),
                       "people not reached");
    }
  }
}

TEST_CASE("Markets per segment: the pipeline's prospects are split by its mix and stay in it",
          "[engine][market]") {
  // No channel and no referral: each pool keeps M_j - initial_j - (its share of the pipeline),
  // exactly in expected-value mode; in a replication the pipeline is split Multinomial(P; w),
  // so segment j's pool is M_j - initial_j - Binomial(P, w_j).
  const std::string text =
      "[simulation]\nhorizon = 3\n"
      "[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 1.0\n"
      "[pipeline]\nprospects = { lead = 1000 }\nsegment_mix = { a = 0.3, b = 0.7 }\n"
      "[market]\npotential = { a = 900, b = 2000 }\n"
      "[segments.a]\nchurn = 0.0\norder_value = 0\ninitial_customers = 100\n"
      "[segments.b]\nchurn = 0.0\norder_value = 0\ninitial_customers = 50\n";
  const Scenario s = parse_scenario(text, "x.toml");
  const test::ExpectedRun e = test::expected_run(s);
  CHECK(e.at("market_unreached_a", 0) == Approx(900.0 - 100.0 - 300.0));
  CHECK(e.at("market_unreached_b", 0) == Approx(2000.0 - 50.0 - 700.0));
  CHECK(e.at("active_a", 0) == Approx(400.0));
  constexpr int R = 400;
  const test::Trajectories mc = test::simulate_trajectories(s, R, 11);
  const auto ua = mc.across(e.layout.index("market_unreached_a"), 2);
  const auto ub = mc.across(e.layout.index("market_unreached_b"), 2);
  const auto aa = mc.across(e.layout.index("active_a"), 2);
  const auto ab = mc.across(e.layout.index("active_b"), 2);
  test::Moments split;
  for (int r = 0; r < R; ++r) {
    // The pipeline's prospects of segment a become customers of a: pool and customers of a
    // segment add up to its potential.
    CHECK(ua[r] + aa[r] == 900.0);
    CHECK(ub[r] + ab[r] == 2000.0);
    split.add(aa[r] - 100.0);
  }
  test::check_mean(split, 300.0, 1000.0 * 0.3 * 0.7, "pipeline prospects of segment a");
}

TEST_CASE("[market] potential per segment is read with its location and checked",
          "[io][toml][market]") {
  using toml_test::at;
  using toml_test::check_error;
  const std::string base =
      "[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 0.5\n"
      "[pipeline]\nprospects = { lead = 400 }\nsegment_mix = { enterprise = 1, smb = 3 }\n"
      "[segments.enterprise]\nchurn = 0.1\norder_value = 5\ninitial_customers = 300\n"
      "[segments.smb]\nchurn = 0.1\norder_value = 5\n"
      "[market]\npotential = { enterprise = 2000, smb = 50000 }\n";
  const Scenario s = parse_scenario(base, "x.toml");
  REQUIRE(s.market.segment_potential.size() == 2);
  CHECK(s.market.segment_potential[1].value == 50000.0);
  CHECK(s.market.segment_potential[0].path == "market.potential.enterprise");
  const MetricLayout layout(s);
  CHECK(layout.index("market_unreached") == layout.size() - 3);
  CHECK(layout.index("market_unreached_smb") == layout.size() - 1);
  const ModelParams m = resolve_nominal(s);
  CHECK(m.market_potential == 52000.0);
  CHECK(m.market_pools() == 2);

  // A distribution is still the business's potential; a segment's potential may be one.
  CHECK(parse_scenario(toml_test::edit(base, "{ enterprise = 2000, smb = 50000 }",
                                       "{ dist = \"uniform\", min = 9000, max = 11000 }"),
                       "x.toml")
            .market.segment_potential.empty());
  const Scenario u = parse_scenario(
      toml_test::edit(base, "smb = 50000", "smb = { dist = \"uniform\", min = 4e4, max = 6e4 }"),
      "x.toml");
  CHECK(u.market.segment_potential[1].value == 50000.0);

  std::string bad = toml_test::edit(base, "smb = 50000", "smbb = 50000");
  check_error(bad, at(bad, "smbb"),
              {"market.potential.smbb = 50000 is not a defined segment", "did you mean 'smb'?",
               "accepted: enterprise, smb"});
  bad = toml_test::edit(base, ", smb = 50000", "");
  check_error(bad, at(bad, "{ enterprise = 2000"),
              {"market.potential is missing required key 'smb'", "every segment"});
  bad = toml_test::edit(base, "smb = 50000", "smb = -4");
  check_error(bad, at(bad, "-4"), {"market.potential.smb = -4", "count"});
  // Enterprise: 300 initial customers and a quarter of the pipeline's 400 prospects.
  bad = toml_test::edit(base, "enterprise = 2000", "enterprise = 350");
  check_error(bad, at(bad, "350"),
              {"market.potential.enterprise = 350 is below the segment's initial customers and "
               "pipeline prospects, 400",
               "it must be >= 400"});
  bad = toml_test::edit(base, "smb = 50000", "smb = 299");
  check_error(bad, at(bad, "299"), {"market.potential.smb = 299 is below", "300"});
}

TEST_CASE("Markets per segment: referrals reach the pools of the segments the referred join",
          "[engine][market]") {
  // No channel; referrals q per customer a period, split by referral.segment_mix w = (1/4, 3/4)
  // over the pools: pool j receives the contacts w_j q (N_a + N_b), so with everybody reached
  // converting at once and no churn
  //   N_j(t) = N_j(t-1) + w_j q (N_a(t-1) + N_b(t-1)) (M_j - N_j(t-1)) / M_j.
  const double M[2] = {30000.0, 90000.0}, w[2] = {0.25, 0.75}, q = 0.05;
  const std::string text =
      "[simulation]\nhorizon = 48\n"
      "[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 1.0\n"
      "[referral]\nsegment_mix = { a = 1, b = 3 }\n"
      "[market]\npotential = { a = 30000, b = 90000 }\n"
      "[segments.a]\nchurn = 0.0\norder_value = 0\ninitial_customers = 400\n"
      "referrals_per_customer = 0.05\n"
      "[segments.b]\nchurn = 0.0\norder_value = 0\ninitial_customers = 100\n"
      "referrals_per_customer = 0.05\n";
  const Scenario s = parse_scenario(text, "x.toml");
  const test::ExpectedRun e = test::expected_run(s);
  double N[2] = {400.0, 100.0};
  for (int t = 0; t < e.T; ++t) {
    const double base = N[0] + N[1];
    for (int j = 0; j < 2; ++j) N[j] += w[j] * q * base * (M[j] - N[j]) / M[j];
    INFO("period " << t + 1);
    CHECK(e.at("active_a", t) == Approx(N[0]).epsilon(1e-12));
    CHECK(e.at("active_b", t) == Approx(N[1]).epsilon(1e-12));
    CHECK(e.at("market_unreached_b", t) == Approx(M[1] - N[1]).epsilon(1e-12));
  }
  constexpr int R = 300;
  const test::Trajectories mc = test::simulate_trajectories(s, R, 5);
  for (const char* seg : {"a", "b"}) {
    const double Mj = std::string(seg) == "a" ? M[0] : M[1];
    const int a = e.layout.index(std::string("active_") + seg);
    const int u = e.layout.index(std::string("market_unreached_") + seg);
    for (int t : {11, 47}) {
      test::Moments x;
      const auto av = mc.across(a, t), uv = mc.across(u, t);
      for (int r = 0; r < R; ++r) {
        CHECK(av[r] + uv[r] == Mj);  // referred prospects of a segment become its customers
        x.add(av[r]);
      }
      INFO(seg << ", period " << t + 1);
      test::check_mean(x, e.at(std::string("active_") + seg, t), x.variance(), "customers");
    }
  }
}

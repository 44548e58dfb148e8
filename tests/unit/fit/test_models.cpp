// Likelihood building blocks against closed forms, boundary solutions, draws and dates.
#include <catch2/catch.hpp>

#include <cmath>

#include "clvsim/fit/bgbb.hpp"
#include "clvsim/fit/funnel.hpp"
#include "clvsim/fit/gamma_gamma.hpp"
#include "clvsim/fit/io/csv.hpp"
#include "clvsim/fit/sbg.hpp"

using namespace clvsim::fit;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {
double lbeta(double a, double b) {
  return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
}
}  // namespace

TEST_CASE("sBG probabilities equal the beta-function forms of Fader & Hardie (2007)",
          "[fit][sbg]") {
  const double a = 0.668, b = 3.806;
  for (int t = 1; t <= 30; ++t) {
    // P(T = t) = B(a + 1, b + t - 1) / B(a, b); S(t) = B(a, b + t) / B(a, b).
    CHECK_THAT(sbg_log_churn_probability(a, b, t),
               WithinAbs(lbeta(a + 1, b + t - 1) - lbeta(a, b), 1e-11));
    CHECK_THAT(sbg_log_survival(a, b, t), WithinAbs(lbeta(a, b + t) - lbeta(a, b), 1e-11));
  }
}

TEST_CASE("BG/BB expected transactions equal eq. 7 of Fader, Hardie & Shang (2010)",
          "[fit][bgbb]") {
  const BgbbParams p{1.204, 0.750, 0.657, 2.783};
  for (int n : {1, 2, 6, 11, 50}) {
    const double closed =
        p.alpha / (p.alpha + p.beta) * p.delta / (p.gamma - 1.0) *
        (1.0 - std::exp(std::lgamma(p.gamma + p.delta) + std::lgamma(1.0 + p.delta + n) -
                        std::lgamma(p.gamma + p.delta + n) - std::lgamma(1.0 + p.delta)));
    CHECK_THAT(bgbb_expected_transactions(p, n), WithinRel(closed, 1e-12));
  }
  // The likelihoods of all (x, t_x) histories over n periods sum to 1.
  for (int n : {1, 3, 6}) {
    double total = 0.0;
    for (int x = 0; x <= n; ++x)
      for (int tx = x; tx <= n; ++tx) {
        if ((x == 0) != (tx == 0)) continue;
        // Number of purchase patterns with x purchases, the last in period tx: C(tx - 1, x - 1).
        const double ways =
            x == 0 ? 1.0 : std::exp(std::lgamma(tx) - std::lgamma(x) - std::lgamma(tx - x + 1.0));
        total += ways * std::exp(bgbb_log_likelihood(p, x, tx, n));
      }
    CHECK_THAT(total, WithinAbs(1.0, 1e-12));
  }
}

TEST_CASE("gamma-gamma density integrates to one over the mean spend", "[fit][gamma_gamma]") {
  // Trapezoid rule on a log grid: integral of f(m | x) dm over (0, inf) = 1.
  for (double x : {1.0, 3.0}) {
    double total = 0.0, prev_m = 0.0, prev_f = 0.0;
    for (int i = 0; i <= 200000; ++i) {
      const double m = std::exp(-8.0 + 18.0 * i / 200000.0);
      const double f = std::exp(gamma_gamma_log_likelihood(6.25, 3.74, 15.44, SpendRow{x, m}));
      if (i > 0) total += 0.5 * (f + prev_f) * (m - prev_m);
      prev_m = m, prev_f = f;
    }
    CHECK_THAT(total, WithinAbs(1.0, 1e-6));
  }
}

TEST_CASE("homogeneous churn is reported as its constant-rate limit", "[fit][sbg][boundary]") {
  // A cohort that loses exactly 20% each period has no heterogeneity: the sBG likelihood rises
  // with alpha + beta to the geometric limit, churn = churners / periods at risk = 0.2.
  std::vector<double> alive = {1000};
  for (int t = 1; t <= 8; ++t) alive.push_back(alive.back() * 0.8);
  const FitResult f = fit_sbg(survival_from_cohort(alive));
  CHECK(f.model == "geometric");
  CHECK_FALSE(f.boundary_note.empty());
  CHECK_THAT(f.param("churn").estimate, WithinAbs(0.2, 1e-12));
  // Binomial information: se = sqrt(c (1 - c) / periods at risk ... ) with exposure sum alive.
  double exposure = 0.0;
  for (std::size_t t = 0; t + 1 < alive.size(); ++t) exposure += alive[t];
  CHECK_THAT(f.param("churn").std_error, WithinRel(std::sqrt(0.2 * 0.8 / exposure), 1e-4));
}

TEST_CASE("BG/BB with homogeneous purchase and dropout reports both limits",
          "[fit][bgbb][boundary]") {
  // Expected counts of every history under p = 0.3, theta = 0.1 for everyone.
  const double p = 0.3, theta = 0.1;
  RfSummary s;
  const int n = 6;
  for (int x = 0; x <= n; ++x)
    for (int tx = x; tx <= n; ++tx) {
      if ((x == 0) != (tx == 0)) continue;
      // Alive through tx, x purchases among tx with the last at tx, then alive or dead after.
      const double ways =
          x == 0 ? 1.0 : std::exp(std::lgamma(tx) - std::lgamma(x) - std::lgamma(tx - x + 1.0));
      double after = std::pow(1 - theta, n) * std::pow(1 - p, n - tx);
      for (int i = 0; i < n - tx; ++i)
        after += std::pow(1 - theta, tx + i) * theta * std::pow(1 - p, i);
      const double prob = ways * std::pow(p, x) * std::pow(1 - p, tx - x) * after;
      s.rows.push_back({x, tx, n, 10000.0 * prob});
    }
  const FitResult f = fit_bgbb(s);
  CHECK_FALSE(f.boundary_note.empty());
  CHECK_THAT(f.param("p").estimate, WithinAbs(p, 1e-4));
  CHECK_THAT(f.param("theta").estimate, WithinAbs(theta, 1e-4));
}

TEST_CASE("joint draws follow the asymptotic normal on the log scale", "[fit][draws]") {
  std::vector<double> alive = {1000, 869, 743, 653, 593, 551, 517, 491};
  const FitResult f = fit_sbg(survival_from_cohort(alive));
  const int n = 20000;
  const Eigen::MatrixXd d = draw_parameters(f, n, 7);
  REQUIRE(d.rows() == n);
  Eigen::MatrixXd z = d.array().log().matrix();
  const Eigen::RowVectorXd mean = z.colwise().mean();
  const Eigen::MatrixXd centred = z.rowwise() - mean;
  const Eigen::MatrixXd cov = centred.transpose() * centred / (n - 1.0);
  for (int i = 0; i < 2; ++i) {
    const double se = std::sqrt(f.covariance(i, i));
    CHECK(std::abs(mean[i] - f.transformed[i]) < 4.0 * se / std::sqrt(n));
    // sd of a sample variance ~ var sqrt(2 / n)
    CHECK(std::abs(cov(i, i) - f.covariance(i, i)) < 4.0 * f.covariance(i, i) * std::sqrt(2.0 / n));
  }
  CHECK(cov(0, 1) / std::sqrt(cov(0, 0) * cov(1, 1)) > 0.9);  // strongly correlated, as estimated
  CHECK((d.array() > 0).all());                               // positivity kept
  CHECK(draw_parameters(f, 5, 7) == d.topRows(5));            // deterministic in the seed
}

TEST_CASE("funnel rates: maximum likelihood and Dirichlet posterior margins", "[fit][funnel]") {
  StageCounts c;
  c.stage = "lead";
  c.fresh_advance = 30, c.fresh_drop = 20, c.fresh_stay = 50;
  const StageRates r = fit_funnel({c})[0];
  CHECK_THAT(r.advance.mle, WithinAbs(0.3, 1e-12));
  CHECK_THAT(r.advance.posterior_mean(), WithinAbs(31.0 / 103.0, 1e-12));
  CHECK(r.advance.lower < 0.3);
  CHECK(r.advance.upper > 0.3);
  const Eigen::MatrixXd d = draw_funnel({c}, 4000, 3);
  CHECK(((d.col(0) + d.col(1)).array() <= 1.0).all());
  CHECK(std::abs(d.col(0).mean() - 31.0 / 103.0) < 4.0 * std::sqrt(0.3 * 0.7 / 104.0 / 4000.0));
}

TEST_CASE("channel cost per lead is spend over leads", "[fit][channels]") {
  const FitResult f = fit_linear_channel({{1000, 20}, {3000, 40}});
  CHECK_THAT(f.param("cost_per_lead").estimate, WithinRel(4000.0 / 60.0, 1e-12));
  // Poisson information: se(log cpl) = 1 / sqrt(leads).
  CHECK_THAT(f.param("cost_per_lead").std_error, WithinRel(4000.0 / 60.0 / std::sqrt(60.0), 1e-4));
  // A saturating curve recovers max_leads and half saturation from its exact means.
  std::vector<ChannelPeriod> h;
  for (double x : {1000.0, 5000.0, 20000.0, 80000.0}) h.push_back({x, 900.0 * x / (x + 20000.0)});
  const FitResult s = fit_saturating_channel(h);
  CHECK_THAT(s.param("max_leads").estimate, WithinRel(900.0, 1e-5));
  CHECK_THAT(s.param("half_saturation_spend").estimate, WithinRel(20000.0, 1e-5));
}

TEST_CASE("dates and calendar periods", "[fit][io]") {
  CHECK(parse_date("1970-01-01") == 0);
  CHECK(parse_date("19970101") == parse_date("1997-01-01"));
  CHECK(parse_date("2024-02-29T10:00:00").has_value());
  CHECK_FALSE(parse_date("2023-02-29").has_value());
  CHECK_FALSE(parse_date("2024-13-01").has_value());
  CHECK_FALSE(parse_date("31/01/2024").has_value());
  CHECK(format_date(*parse_date("2024-03-31")) == "2024-03-31");
  const PeriodClock month("month");
  CHECK(month.whole_periods(*parse_date("2024-01-15"), *parse_date("2024-02-14")) == 0);
  CHECK(month.whole_periods(*parse_date("2024-01-15"), *parse_date("2024-02-15")) == 1);
  CHECK(month.whole_periods(*parse_date("2024-01-31"), *parse_date("2024-02-29")) == 1);
  CHECK(month.add(*parse_date("2024-01-31"), 1) == *parse_date("2024-02-29"));
  const PeriodClock week("week");
  CHECK(week.whole_periods(0, 13) == 1);
  CHECK(week.whole_periods(0, 14) == 2);
  CHECK_THROWS_AS(PeriodClock("fortnight"), clvsim::InputError);
}

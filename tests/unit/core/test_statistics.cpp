#include "clvsim/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "stat_helpers.hpp"

namespace {

constexpr double INF = std::numeric_limits<double>::infinity();
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

double q(std::vector<double> sorted, double p) {
  return clvsim::quantile_sorted(sorted, p);
}

}  // namespace

TEST_CASE("quantile_sorted is numpy's default linear interpolation", "[statistics]") {
  // numpy.quantile(a, p) with method="linear": h = (n - 1) p, a[floor h] + frac(h) (a[ceil h] -
  // a[floor h]). Worked by hand.
  const std::vector<double> four = {1.0, 2.0, 3.0, 4.0};
  CHECK(q(four, 0.25) == Approx(1.75));  // h = 0.75
  CHECK(q(four, 0.50) == Approx(2.5));   // h = 1.5
  CHECK(q(four, 0.75) == Approx(3.25));  // h = 2.25
  CHECK(q(four, 0.05) == Approx(1.15));  // h = 0.15
  CHECK(q(four, 0.95) == Approx(3.85));  // h = 2.85
  CHECK(q(four, 0.0) == 1.0);
  CHECK(q(four, 1.0) == 4.0);

  const std::vector<double> uneven = {0.0, 10.0, 30.0};
  CHECK(q(uneven, 0.75) == Approx(20.0));  // h = 1.5: halfway between 10 and 30
  CHECK(q(uneven, 0.5) == 10.0);           // h = 1 exactly: the order statistic itself
  CHECK(q(uneven, 0.1) == Approx(2.0));    // h = 0.2

  const std::vector<double> five = {-2.0, -1.0, 0.0, 5.0, 100.0};
  CHECK(q(five, 0.05) == Approx(-1.8));  // h = 0.2
  CHECK(q(five, 0.5) == 0.0);
  CHECK(q(five, 0.95) == Approx(81.0));  // h = 3.8: 5 + 0.8 * 95

  CHECK(q({7.0}, 0.0) == 7.0);
  CHECK(q({7.0}, 0.5) == 7.0);
  CHECK(q({7.0}, 1.0) == 7.0);
  CHECK(q({3.0, 3.0, 3.0}, 0.3) == 3.0);
  CHECK(std::isnan(q({}, 0.5)));
}

TEST_CASE("quantile_sorted with infinite values", "[statistics]") {
  const std::vector<double> v = {1.0, 2.0, INF};
  CHECK(q(v, 0.25) == Approx(1.5));
  CHECK(q(v, 0.5) == 2.0);  // h = 1 exactly: the finite middle value, no 0 * inf
  CHECK(q(v, 0.75) == INF);
  CHECK(q(v, 1.0) == INF);
  CHECK(q({INF, INF}, 0.5) == INF);
  // 21 values, the last infinite: p = 0.95 gives h = 19 exactly, the 20th value.
  std::vector<double> w;
  for (int i = 0; i < 20; ++i) w.push_back(i);
  w.push_back(INF);
  CHECK(q(w, 0.95) == 19.0);
  CHECK(q(w, 0.5) == 10.0);
}

TEST_CASE("summarize: mean, sample sd with n - 1, standard error and quantiles", "[statistics]") {
  const std::vector<double> v = {4.0, 1.0, 3.0, 2.0};  // unsorted on purpose
  const clvsim::Stats s = clvsim::summarize(v);
  CHECK(s.n == 4);
  CHECK(s.mean == Approx(2.5));
  CHECK(s.sd == Approx(std::sqrt(5.0 / 3.0)));  // sum of squares 5 over n - 1 = 3
  CHECK(s.std_error == Approx(std::sqrt(5.0 / 3.0) / 2.0));
  REQUIRE(clvsim::QUANTILES.size() == 5);
  CHECK(s.q[0] == Approx(1.15));
  CHECK(s.q[1] == Approx(1.75));
  CHECK(s.q[2] == Approx(2.5));
  CHECK(s.q[3] == Approx(3.25));
  CHECK(s.q[4] == Approx(3.85));

  // Two-pass variance: a large offset does not cancel the spread away.
  std::vector<double> shifted;
  for (double x : v) shifted.push_back(1e9 + x);
  const clvsim::Stats t = clvsim::summarize(shifted);
  CHECK(t.mean == Approx(1e9 + 2.5).epsilon(1e-15));
  CHECK(t.sd == Approx(std::sqrt(5.0 / 3.0)).epsilon(1e-9));

  const clvsim::Stats one = clvsim::summarize(std::vector<double>{42.0});
  CHECK(one.n == 1);
  CHECK(one.mean == 42.0);
  CHECK(one.sd == 0.0);
  CHECK(one.std_error == 0.0);
  for (double x : one.q) CHECK(x == 42.0);
}

TEST_CASE("summarize skips NaN", "[statistics]") {
  const std::vector<double> v = {NaN, 4.0, 1.0, NaN, 3.0, 2.0, NaN};
  const clvsim::Stats s = clvsim::summarize(v);
  CHECK(s.n == 4);
  CHECK(s.mean == Approx(2.5));
  CHECK(s.sd == Approx(std::sqrt(5.0 / 3.0)));
  CHECK(s.q[1] == Approx(1.75));

  for (const auto& none : {std::vector<double>{NaN, NaN}, std::vector<double>{}}) {
    const clvsim::Stats e = clvsim::summarize(none);
    CHECK(e.n == 0);
    CHECK(std::isnan(e.mean));
    CHECK(std::isnan(e.sd));
    CHECK(std::isnan(e.std_error));
    for (double x : e.q) CHECK(std::isnan(x));
  }
}

TEST_CASE("summarize keeps +inf (a payback that never happens)", "[statistics]") {
  // 21 paybacks, 11 of them never: the median (h = 10) is the last finite one.
  std::vector<double> v;
  for (int i = 1; i <= 10; ++i) v.push_back(i);
  v.push_back(11.0);
  for (int i = 0; i < 10; ++i) v.push_back(INF);
  v.push_back(NaN);
  const clvsim::Stats s = clvsim::summarize(v);
  CHECK(s.n == 21);
  CHECK(s.mean == INF);
  CHECK(s.q[0] == Approx(2.0));  // h = 1
  CHECK(s.q[1] == Approx(6.0));  // h = 5
  CHECK(s.q[2] == 11.0);         // h = 10 exactly
  CHECK(s.q[3] == INF);
  CHECK(s.q[4] == INF);
}

// The helpers the statistical tests rely on, checked against independent values.
TEST_CASE("summarize's quantiles are those of the sorted values, for any size and order",
          "[statistics]") {
  // Up to 128 values are sorted by counting ranks; beyond, the quantiles come from the order
  // statistics by selection. Either way they must be exactly those of a full sort, with ties,
  // infinities and sizes where one quantile's ranks overlap the next's.
  std::uint64_t state = 12345;
  const auto next = [&] {  // a small LCG: the values only need to be shuffled
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  };
  std::vector<std::size_t> sizes;  // small ones are sorted, larger ones selected
  for (std::size_t n = 1; n <= 64; ++n) sizes.push_back(n);
  for (std::size_t n : {100, 128, 150, 160, 161, 200, 255, 256, 257, 258, 270, 500, 1023, 1024})
    sizes.push_back(n);
  for (const std::size_t n : sizes) {
    for (int round = 0; round < 5; ++round) {
      std::vector<double> v(n);
      for (double& x : v) x = static_cast<double>(next() % (round + 2 == 2 ? 3 : 1000)) - 10.0;
      if (round == 4) v[next() % n] = INF;
      std::vector<double> sorted = v;
      std::sort(sorted.begin(), sorted.end());
      const clvsim::Stats s = clvsim::summarize(v);
      for (std::size_t i = 0; i < clvsim::QUANTILES.size(); ++i) {
        const double want = clvsim::quantile_sorted(sorted, clvsim::QUANTILES[i]);
        INFO("n = " << n << ", round " << round << ", quantile " << clvsim::QUANTILES[i]);
        CHECK((s.q[i] == want || (std::isnan(s.q[i]) && std::isnan(want))));
      }
    }
  }
}

TEST_CASE("summarize orders -0 before +0, and its quantiles do not depend on the input's order",
          "[statistics]") {
  // Quantiles read order statistics in IEEE 754's totalOrder: as <, with -0 below +0. So a
  // quantile between the two is -0 whatever the size (sorted below 128 values, selected above)
  // and whatever the order of the values: the same bits as quantile_sorted() of the values sorted
  // by that order. Patterns that are hard on a selection's pivots are included: sorted, reversed,
  // all equal, organ pipe, two values, and many repeats.
  const auto total_order = [](double a, double b) {
    if (a == 0.0 && b == 0.0) return std::signbit(a) && !std::signbit(b);
    return a < b;
  };
  const auto same_bits = [](double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; };
  std::uint64_t state = 777;
  const auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  };
  std::vector<std::size_t> sizes;
  for (std::size_t n = 1; n <= 140; ++n) sizes.push_back(n);
  for (std::size_t n : {255u, 256u, 257u, 1000u, 1024u, 3000u}) sizes.push_back(n);
  for (const std::size_t n : sizes) {
    for (int pattern = 0; pattern < 8; ++pattern) {
      std::vector<double> v(n);
      for (std::size_t i = 0; i < n; ++i) {
        const auto j = static_cast<double>(i);
        switch (pattern) {
          case 0:  // signed zeros
            v[i] = next() % 2 == 0 ? 0.0 : -0.0;
            break;
          case 1:  // many repeats
            v[i] = static_cast<double>(next() % 5) - 2.0;
            break;
          case 2:  // -0 among whole numbers of both signs
            v[i] = next() % 3 == 0 ? -0.0 : static_cast<double>(next() % 1000) - 500.0;
            break;
          case 3:  // sorted
            v[i] = j;
            break;
          case 4:  // reversed
            v[i] = -j;
            break;
          case 5:  // all equal
            v[i] = 7.0;
            break;
          case 6:  // organ pipe
            v[i] = i < n / 2 ? j : static_cast<double>(n) - j;
            break;
          default:  // infinities of both signs and +0
            v[i] = next() % 4 == 0 ? INF : (next() % 2 == 0 ? -INF : 0.0);
            break;
        }
      }
      std::vector<double> sorted = v;
      std::sort(sorted.begin(), sorted.end(), total_order);
      const clvsim::Stats s = clvsim::summarize(v);
      for (std::size_t i = 0; i < clvsim::QUANTILES.size(); ++i) {
        const double want = clvsim::quantile_sorted(sorted, clvsim::QUANTILES[i]);
        INFO("n = " << n << ", pattern " << pattern << ", quantile " << clvsim::QUANTILES[i] << ": "
                    << s.q[i] << " against " << want);
        CHECK((same_bits(s.q[i], want) || (std::isnan(s.q[i]) && std::isnan(want))));
      }
    }
  }
}

TEST_CASE("stat helpers: incomplete gamma and chi-square quantiles", "[statistics][helpers]") {
  using namespace clvsim::test;
  for (double x : {0.01, 0.5, 1.0, 2.0, 7.5, 30.0}) {
    CHECK(regularized_gamma_p(1.0, x) == Approx(-std::expm1(-x)).epsilon(1e-13));
    CHECK(regularized_gamma_p(0.5, x) == Approx(std::erf(std::sqrt(x))).epsilon(1e-13));
    CHECK(regularized_gamma_p(2.5, x) + regularized_gamma_q(2.5, x) == Approx(1.0).epsilon(1e-14));
  }
  // mpmath gammainc(a, 0, x, regularized=True).
  CHECK(regularized_gamma_p(2.5, 3.7) == Approx(0.8074495669206043).epsilon(1e-13));
  CHECK(regularized_gamma_p(0.5, 0.01) == Approx(0.1124629160182849).epsilon(1e-13));
  CHECK(regularized_gamma_p(30.0, 45.0) == Approx(0.9926628007022035).epsilon(1e-13));
  CHECK(regularized_gamma_q(30.0, 45.0) == Approx(0.007337199297796504).epsilon(1e-12));

  // Table values (mpmath, 30 digits).
  CHECK(normal_quantile(0.9999) == Approx(3.719016485455708).epsilon(1e-12));
  CHECK(chi_square_quantile(1, 0.9999) == Approx(15.13670522662361).epsilon(1e-10));
  CHECK(chi_square_quantile(9, 0.9999) == Approx(33.71994843896491).epsilon(1e-10));
  CHECK(chi_square_quantile(10, 0.95) == Approx(18.30703805327514).epsilon(1e-10));
  CHECK(chi_square_quantile(99, 0.9999) == Approx(160.0557382966315).epsilon(1e-10));
  // Wilson-Hilferty is close for moderate dof.
  CHECK(chi_square_quantile_wilson_hilferty(99, 0.9999) ==
        Approx(chi_square_quantile(99, 0.9999)).epsilon(5e-3));
}

TEST_CASE("stat helpers: pooling keeps every expected count >= 5", "[statistics][helpers]") {
  using namespace clvsim::test;
  // Expected counts 1, 2, 3, 50, 40, 2, 1, 1 (total 100): pooled to {6, 50, 40 + 4}.
  const std::vector<double> probs = {0.01, 0.02, 0.03, 0.50, 0.40, 0.02, 0.01, 0.01};
  const std::vector<double> observed = {0, 3, 3, 50, 40, 2, 1, 1};
  const ChiSquare r = chi_square(probs, observed, 100.0);
  CHECK(r.dof == 2);
  CHECK(r.statistic == Approx(0.0));
  const std::vector<double> off = {6, 0, 0, 44, 46, 2, 1, 1};
  // Cells (6 vs 6), (44 vs 50), (50 vs 44): 0 + 36 / 50 + 36 / 44.
  CHECK(chi_square(probs, off, 100.0).statistic == Approx(36.0 / 50.0 + 36.0 / 44.0));
}

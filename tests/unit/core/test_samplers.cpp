#include "clvsim/samplers.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "clvsim/random.hpp"
#include "stat_helpers.hpp"

namespace {

using clvsim::Count;
using clvsim::RandomStream;
using clvsim::test::check_chi_square;
using clvsim::test::check_ks;
using clvsim::test::check_moments;
using clvsim::test::CountingRng;
using clvsim::test::Moments;
using clvsim::test::test_stream;

// Cells 1000-1999 of Purpose::Test belong to this file; each case takes its own.
constexpr std::uint64_t CELL = 1000;

std::string label(const char* what, double a, double b = NAN) {
  std::ostringstream os;
  os.precision(12);
  os << what << "(" << a;
  if (!std::isnan(b)) os << ", " << b;
  os << ")";
  return os.str();
}

// Binomial: mean n p, variance n p q, mu4 = n p q (1 + 3 (n - 2) p q).
void check_binomial_moments(Count n, double p, int draws, std::uint64_t cell) {
  RandomStream rng = test_stream(cell);
  Moments m;
  Count lo = n;
  Count hi = 0;
  for (int i = 0; i < draws; ++i) {
    const Count k = clvsim::binomial(rng, n, p);
    lo = std::min(lo, k);
    hi = std::max(hi, k);
    m.add(static_cast<double>(k));
  }
  const double nd = static_cast<double>(n);
  const double npq = nd * p * (1.0 - p);
  const std::string what = label("binomial", nd, p);
  INFO(what);
  CHECK(lo >= 0);
  CHECK(hi <= n);
  check_moments(m, nd * p, npq, npq * (1.0 + 3.0 * (nd - 2.0) * p * (1.0 - p)), what);
}

// Chi-square of binomial draws against the exact pmf on mean +- 12 sd (the rest, < 1e-30, is one
// more cell).
void check_binomial_pmf(Count n, double p, int draws, std::uint64_t cell) {
  RandomStream rng = test_stream(cell);
  std::vector<std::int64_t> x(static_cast<std::size_t>(draws));
  for (auto& k : x) k = clvsim::binomial(rng, n, p);
  const double nd = static_cast<double>(n);
  const double sd = std::sqrt(nd * p * (1.0 - p));
  const auto lo = static_cast<std::int64_t>(std::max(0.0, std::floor(nd * p - 12.0 * sd - 20.0)));
  const auto hi = static_cast<std::int64_t>(std::min(nd, std::ceil(nd * p + 12.0 * sd + 20.0)));
  const std::string what = label("binomial", nd, p);
  INFO(what);
  CHECK(*std::min_element(x.begin(), x.end()) >= 0);
  CHECK(*std::max_element(x.begin(), x.end()) <= n);
  const auto r = clvsim::test::chi_square_discrete(x, lo, hi, [&](std::int64_t k) {
    return std::exp(clvsim::test::binomial_log_pmf(nd, p, static_cast<double>(k)));
  });
  check_chi_square(r, what);
}

// Poisson: mean = variance = lambda, mu4 = lambda + 3 lambda^2.
void check_poisson_moments(double mean, int draws, std::uint64_t cell) {
  RandomStream rng = test_stream(cell);
  Moments m;
  Count lo = 0;
  for (int i = 0; i < draws; ++i) {
    const Count k = clvsim::poisson(rng, mean);
    lo = std::min(lo, k);
    m.add(static_cast<double>(k));
  }
  CHECK(lo >= 0);
  check_moments(m, mean, mean, mean + 3.0 * mean * mean, label("poisson", mean));
}

void check_poisson_pmf(double mean, int draws, std::uint64_t cell) {
  RandomStream rng = test_stream(cell);
  std::vector<std::int64_t> x(static_cast<std::size_t>(draws));
  for (auto& k : x) k = clvsim::poisson(rng, mean);
  const auto hi = static_cast<std::int64_t>(std::ceil(mean + 15.0 * std::sqrt(mean) + 30.0));
  const std::string what = label("poisson", mean);
  INFO(what);
  CHECK(*std::min_element(x.begin(), x.end()) >= 0);
  const auto r = clvsim::test::chi_square_discrete(x, 0, hi, [&](std::int64_t k) {
    return std::exp(clvsim::test::poisson_log_pmf(mean, static_cast<double>(k)));
  });
  check_chi_square(r, what);
}

// Gamma(k, theta): mean k theta, variance k theta^2, mu4 = 3 k (k + 2) theta^4.
void check_gamma_moments(double shape, double scale, int draws, std::uint64_t cell) {
  RandomStream rng = test_stream(cell);
  Moments m;
  bool positive = true;
  for (int i = 0; i < draws; ++i) {
    const double x = clvsim::gamma(rng, shape, scale);
    positive = positive && x > 0.0 && std::isfinite(x);
    m.add(x);
  }
  const std::string what = label("gamma", shape, scale);
  INFO(what);
  CHECK(positive);
  const double s4 = scale * scale * scale * scale;
  check_moments(m, shape * scale, shape * scale * scale, 3.0 * shape * (shape + 2.0) * s4, what);
}

// Beta(a, b): excess kurtosis 6 [(a - b)^2 (a + b + 1) - a b (a + b + 2)] / [a b (a + b + 2)(a + b
// + 3)].
void check_beta_moments(double a, double b, int draws, std::uint64_t cell) {
  RandomStream rng = test_stream(cell);
  Moments m;
  bool inside = true;
  for (int i = 0; i < draws; ++i) {
    const double x = clvsim::beta_variate(rng, a, b);
    inside = inside && x >= 0.0 && x <= 1.0;
    m.add(x);
  }
  const double s = a + b;
  const double var = a * b / (s * s * (s + 1.0));
  const double excess =
      6.0 * ((a - b) * (a - b) * (s + 1.0) - a * b * (s + 2.0)) / (a * b * (s + 2.0) * (s + 3.0));
  const std::string what = label("beta", a, b);
  INFO(what);
  CHECK(inside);
  check_moments(m, a / s, var, var * var * (3.0 + excess), what);
}

// Triangular(lo, mode, hi): variance (lo^2 + mode^2 + hi^2 - lo mode - lo hi - mode hi) / 18,
// excess kurtosis -3/5.
double triangular_variance(double lo, double mode, double hi) {
  return (lo * lo + mode * mode + hi * hi - lo * mode - lo * hi - mode * hi) / 18.0;
}

// The triangular cdf, written from the density 2 (x - lo) / ((hi - lo)(mode - lo)) on [lo, mode].
double triangular_cdf(double lo, double mode, double hi, double x) {
  if (x <= lo) return 0.0;
  if (x >= hi) return 1.0;
  if (x <= mode) return (x - lo) * (x - lo) / ((hi - lo) * (mode - lo));
  return 1.0 - (hi - x) * (hi - x) / ((hi - lo) * (hi - mode));
}

// Rejection samplers: `attempts` over `calls` calls, each geometric with mean `expected`
// (acceptance 1 / expected); the total is within 4 SE of calls * expected.
void check_attempts(double attempts, int calls, double expected, const std::string& what) {
  const double accept = 1.0 / expected;
  const double se = std::sqrt(calls * (1.0 - accept)) / accept;
  INFO(what << ": " << attempts / calls << " attempts per call, expected " << expected
            << ", z = " << (attempts - calls * expected) / se);
  CHECK(std::fabs(attempts - calls * expected) < clvsim::test::N_SE * se);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Binomial

TEST_CASE("binomial edge cases: n = 0, p = 0, p = 1 are exact and draw nothing", "[samplers]") {
  CountingRng rng(test_stream(CELL + 1));
  CHECK(clvsim::binomial(rng, 0, 0.3) == 0);
  CHECK(clvsim::binomial(rng, 0, 1.0) == 0);
  CHECK(clvsim::binomial(rng, 1000, 0.0) == 0);
  CHECK(clvsim::binomial(rng, Count{1} << 50, 0.0) == 0);
  CHECK(clvsim::binomial(rng, 1000, 1.0) == 1000);
  CHECK(clvsim::binomial(rng, Count{1} << 50, 1.0) == Count{1} << 50);
  CHECK(rng.count() == 0);
  CHECK(rng.stream().draws() == 0);
}

TEST_CASE("binomial matches the exact pmf in both regimes and on the p > 1/2 path", "[samplers]") {
  constexpr int N = 1'000'000;
  static_assert(clvsim::BINOMIAL_INVERSION_BELOW == 18.0, "the cases below straddle it");
  // Inversion (BINV): n min(p, 1 - p) < 18.
  check_binomial_pmf(1, 0.3, N, CELL + 10);
  check_binomial_pmf(3, 0.5, N, CELL + 177);   // BINV's first block of 4 is all of 0..n
  check_binomial_pmf(7, 0.45, N, CELL + 178);  // two blocks of 4
  check_binomial_pmf(10, 0.4, N, CELL + 179);  // two blocks and the last 3 values one by one
  check_binomial_pmf(20, 0.3, N, CELL + 11);
  check_binomial_pmf(20, 0.5, N, CELL + 12);
  check_binomial_pmf(20, 0.7, N, CELL + 13);              // symmetry: 20 - Bin(20, 0.3)
  check_binomial_pmf(1000, 0.0099, N, CELL + 14);         // n p = 9.9
  check_binomial_pmf(1'000'000'000, 3e-9, N, CELL + 15);  // huge n, q^n from log1p
  check_binomial_pmf(1000, 0.01, N, CELL + 16);           // n p = 10
  check_binomial_pmf(400, 0.035, N, CELL + 24);           // n p = 14
  check_binomial_pmf(1000, 0.0179, N, CELL + 25);         // n p = 17.9, last inversion case
  check_binomial_pmf(1000, 0.9821, N, CELL + 26);         // symmetry, n q = 17.9
  check_binomial_pmf(35, 0.5, N, CELL + 27);              // p = 1/2 at n p = 17.5: q^n = 2^-35
  // BTRS: n min(p, 1 - p) >= 18.
  check_binomial_pmf(1000, 0.018, N, CELL + 28);  // n p = 18, first BTRS case
  check_binomial_pmf(36, 0.5, N, CELL + 29);      // p = 1/2 at n p = 18
  check_binomial_pmf(1000, 0.02, N, CELL + 17);
  check_binomial_pmf(1000, 0.98, N, CELL + 18);  // symmetry into BTRS
  check_binomial_pmf(500, 0.4, N, CELL + 19);
  check_binomial_pmf(500, 0.6, N, CELL + 20);
  check_binomial_pmf(100'000, 0.5, N, CELL + 21);
  check_binomial_pmf(30, 0.45, N, CELL + 22);  // small n in BTRS: Stirling table, k <= 9
  // sd = 9.7: BTRS's acceptance test by pmf ratios within 15 of the mode and by Stirling
  // log-ratios beyond both decide many attempts.
  check_binomial_pmf(2000, 0.05, N, CELL + 23);
}

// For n beyond 10^12, lgamma(n + 1) loses the pmf's precision: there Binomial(n, p) with n p
// fixed is held to Poisson(n p) instead, which it matches in total variation to n p^2 (Le Cam
// 1960), below 1e-12 in these cases.
void check_binomial_pmf_huge_n(Count n, double p, int draws, std::uint64_t cell) {
  const double mean = static_cast<double>(n) * p;
  REQUIRE(mean * p < 1e-12);
  RandomStream rng = test_stream(cell);
  std::vector<std::int64_t> x(static_cast<std::size_t>(draws));
  for (auto& k : x) k = clvsim::binomial(rng, n, p);
  const std::string what = label("binomial", static_cast<double>(n), p);
  INFO(what);
  CHECK(*std::min_element(x.begin(), x.end()) >= 0);
  const auto hi = static_cast<std::int64_t>(std::ceil(mean + 15.0 * std::sqrt(mean) + 30.0));
  const auto r = clvsim::test::chi_square_discrete(x, 0, hi, [&](std::int64_t k) {
    return std::exp(clvsim::test::poisson_log_pmf(mean, static_cast<double>(k)));
  });
  check_chi_square(r, what);
}

TEST_CASE("binomial with huge n matches its Poisson limit on both sides of the switch to BTRS",
          "[samplers]") {
  constexpr int N = 1'000'000;
  constexpr Count n15 = 1'000'000'000'000'000;
  constexpr Count n53 = 9'007'199'254'740'992;                   // 2^53
  check_binomial_pmf_huge_n(n15, 3e-15, N, CELL + 150);          // BINV, n p = 3
  check_binomial_pmf_huge_n(n15, 1.79e-14, N, CELL + 151);       // BINV, n p = 17.9
  check_binomial_pmf_huge_n(n15, 1.8e-14, N, CELL + 152);        // BTRS, n p = 18
  check_binomial_pmf_huge_n(n53, 17.9 / 0x1p53, N, CELL + 153);  // BINV at n = 2^53
  check_binomial_pmf_huge_n(n53, 18.0 / 0x1p53, N, CELL + 154);  // BTRS at n = 2^53
}

namespace {
// BINV as Kachitvichyanukul & Schmeiser (1988) state it: one value at a time, subtracting each
// pmf from the uniform (the library's sampler compares with the cdf, by blocks of 4 values).
Count binv_step_by_step(RandomStream& rng, Count n, double p) {
  const double s = p / (1.0 - p);
  const double a = (static_cast<double>(n) + 1.0) * s;
  const double r0 = std::exp(static_cast<double>(n) * std::log1p(-p));
  for (;;) {
    double r = r0;
    double u = rng.uniform();
    Count x = 0;
    while (u > r) {
      u -= r;
      ++x;
      if (x > n) break;
      r *= a / static_cast<double>(x) - s;
    }
    if (x <= n) return x;
  }
}
}  // namespace

TEST_CASE("BINV by blocks of 4 draws what the step-by-step search draws", "[samplers]") {
  // Both find the least x with u <= F(x), F to within a few units in the last place, so they can
  // only disagree when the uniform falls within rounding of F: never in these 2.4 10^6 draws.
  // The cases cover n below one block (n < 3), the last value of the first block (n = 3: a
  // uniform above F(3) draws again), draws ending in the first block, in later blocks and in the
  // values after the last block, up to the switch to BTRS and n = 2^53.
  const std::vector<std::pair<Count, double>> cases = {
      {1, 0.3},
      {2, 0.45},
      {3, 0.5},
      {4, 0.4},
      {5, 0.2},
      {7, 0.5},
      {8, 0.49},
      {21, 0.02},
      {21, 0.3},
      {35, 0.5},
      {36, 0.4972},
      {1000, 0.0179},
      {1000, 0.004},
      {100'000, 1e-4},
      {1'000'000'000, 3e-9},
      {Count{1'000'000'000'000'000}, 1.79e-14},
      {Count{9'007'199'254'740'992}, 17.9 / 0x1p53}};
  std::uint64_t cell = CELL + 160;  // 160-176
  for (const auto& [n, p] : cases) {
    INFO("binomial(" << n << ", " << p << ")");
    REQUIRE(static_cast<double>(n) * p < clvsim::BINOMIAL_INVERSION_BELOW);
    RandomStream a = test_stream(cell), b = test_stream(cell);
    ++cell;
    for (int i = 0; i < 2'400'000 / static_cast<int>(cases.size()); ++i)
      REQUIRE(clvsim::binomial(a, n, p) == binv_step_by_step(b, n, p));
    REQUIRE(a.draws() == b.draws());
  }
}

namespace {
// BTRS with the Stirling log-ratio acceptance test at every k (the library's sampler uses pmf
// ratio products within 15 of the mode instead): the same attempts, the same bound.
Count btrs_log_test_everywhere(RandomStream& rng, Count count, double p) {
  const double n = static_cast<double>(count);
  const double q = 1.0 - p;
  const double spq = std::sqrt(n * p * q);
  const double b = 1.15 + 2.53 * spq;
  const double a = -0.0873 + 0.0248 * b + 0.01 * p;
  const double c = n * p + 0.5;
  const double vr = 0.92 - 4.2 / b;
  const double alpha = (2.83 + 5.1 / b) * spq;
  const double m = std::floor((n + 1.0) * p);
  const double big_a = (n + 2.0) * p, big_b = (n + 2.0) * q;
  using clvsim::detail::bd0;
  using clvsim::detail::stirling_tail;
  for (;;) {
    const double u = rng.uniform() - 0.5;
    const double v = rng.uniform();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / us + b) * u + c);
    if (k < 0.0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return static_cast<Count>(k);
    const double bound = bd0(m + 1.0, big_a) + bd0(n - m + 1.0, big_b) - bd0(k + 1.0, big_a) -
                         bd0(n - k + 1.0, big_b) +
                         0.5 * std::log((k + 1.0) * (n - k + 1.0) / ((m + 1.0) * (n - m + 1.0))) +
                         stirling_tail(m) + stirling_tail(n - m) - stirling_tail(k) -
                         stirling_tail(n - k);
    if (std::log(v * alpha / (a / (us * us) + b)) <= bound) return static_cast<Count>(k);
  }
}
}  // namespace

TEST_CASE("BTRS's acceptance by pmf ratio products decides as the Stirling log-ratio test does",
          "[samplers]") {
  // Both compute pmf(k) / pmf(m) to within a few units in the last place, so they can only
  // disagree when the uniform falls within rounding of the bound: never in these 10^6 draws.
  const std::vector<std::pair<Count, double>> cases = {
      {40, 0.3}, {1000, 0.01}, {2000, 0.05}, {500, 0.4}, {100'000, 0.5}, {Count{1} << 40, 0.2}};
  std::uint64_t cell = CELL + 140;  // 140-145
  for (const auto& [n, p] : cases) {
    RandomStream a = test_stream(cell), b = test_stream(cell);
    ++cell;
    for (int i = 0; i < 1'000'000 / static_cast<int>(cases.size()); ++i)
      REQUIRE(clvsim::detail::binomial_btrs(a, n, p) == btrs_log_test_everywhere(b, n, p));
    REQUIRE(a.draws() == b.draws());
  }
}

TEST_CASE("binomial mean n p and variance n p (1 - p) within 4 SE", "[samplers]") {
  constexpr int N = 400'000;
  check_binomial_moments(20, 0.3, N, CELL + 30);
  check_binomial_moments(20, 0.8, N, CELL + 31);
  check_binomial_moments(1000, 0.02, N, CELL + 32);
  check_binomial_moments(500, 0.4, N, CELL + 33);
  check_binomial_moments(100'000, 0.5, N, CELL + 34);
  check_binomial_moments(1'000'000'000, 0.3, N, CELL + 35);
  check_binomial_moments(1'000'000'000'000, 1e-3, N, CELL + 36);
  check_binomial_moments(1'000'000'000'000, 1.0 - 1e-6, N, CELL + 37);
  // Near 2^53 = 9.007e15 the acceptance test must not lose precision (lgamma and
  // (n + 1) log(ratio near 1) are off by whole units there).
  check_binomial_moments(1'000'000'000'000'000, 0.2, N, CELL + 38);
  check_binomial_moments(9'000'000'000'000'000, 0.3, N, CELL + 39);
  // At the switch from inversion to BTRS (n min(p, 1 - p) = 18), small and huge n.
  check_binomial_moments(1000, 0.0179, N, CELL + 56);
  check_binomial_moments(1000, 0.018, N, CELL + 57);
  check_binomial_moments(1'000'000'000'000'000, 1.79e-14, N, CELL + 58);
  check_binomial_moments(1'000'000'000, 1.0 - 1.79e-8, N, CELL + 59);
}

// ---------------------------------------------------------------------------------------------
// Poisson

TEST_CASE("poisson mean 0 is 0 and draws nothing", "[samplers]") {
  CountingRng rng(test_stream(CELL + 40));
  CHECK(clvsim::poisson(rng, 0.0) == 0);
  CHECK(rng.count() == 0);
}

TEST_CASE("poisson matches the exact pmf in both regimes", "[samplers]") {
  constexpr int N = 1'000'000;
  check_poisson_pmf(1e-3, N, CELL + 41);  // inversion
  check_poisson_pmf(0.5, N, CELL + 42);
  check_poisson_pmf(3.0, N, CELL + 43);
  check_poisson_pmf(9.9, N, CELL + 44);   // last inversion case
  check_poisson_pmf(10.0, N, CELL + 45);  // first PTRS case
  check_poisson_pmf(47.5, N, CELL + 46);
  check_poisson_pmf(1000.0, N, CELL + 47);
}

TEST_CASE("poisson mean and variance lambda within 4 SE", "[samplers]") {
  constexpr int N = 400'000;
  check_poisson_moments(0.5, N, CELL + 50);
  check_poisson_moments(9.9, N, CELL + 51);
  check_poisson_moments(10.0, N, CELL + 52);
  check_poisson_moments(1000.0, N, CELL + 53);
  check_poisson_moments(1e9, N, CELL + 54);
  check_poisson_moments(1e15, N, CELL + 55);  // lgamma(k + 1) ~ 3e16 is off by whole units here
}

// ---------------------------------------------------------------------------------------------
// Multinomial

TEST_CASE("multinomial marginal means, variances and covariances within 4 SE", "[samplers]") {
  constexpr int N = 100'000;
  struct Case {
    Count n;
    std::vector<double> probs;
    std::vector<double> effective;  // the law: a shortfall of the sum goes to the last category
  };
  const std::vector<Case> cases = {
      {50, {0.1, 0.2, 0.3, 0.4}, {0.1, 0.2, 0.3, 0.4}},          // inversion throughout
      {10'000, {0.25, 0.05, 0.6, 0.1}, {0.25, 0.05, 0.6, 0.1}},  // BTRS, p > 1/2 paths
      {1000, {0.2, 0.3, 0.1}, {0.2, 0.3, 0.5}},                  // remainder to the last
      {1'000'000'000, {0.5, 0.3, 0.2}, {0.5, 0.3, 0.2}},         // huge n
  };
  std::uint64_t cell = CELL + 60;
  for (const Case& c : cases) {
    const std::size_t k = c.probs.size();
    RandomStream rng = test_stream(cell++);
    std::vector<Count> out(k);
    std::vector<Moments> marginal(k);
    // Sample covariances from running sums of centred products (centred on the exact means).
    std::vector<double> cross(k * k, 0.0);
    std::vector<double> centred(k, 0.0);
    const double n = static_cast<double>(c.n);
    bool sums_to_n = true;
    for (int draw = 0; draw < N; ++draw) {
      clvsim::multinomial(rng, c.n, c.probs, out);
      Count total = 0;
      for (std::size_t j = 0; j < k; ++j) {
        total += out[j];
        marginal[j].add(static_cast<double>(out[j]));
        centred[j] = static_cast<double>(out[j]) - n * c.effective[j];
      }
      sums_to_n = sums_to_n && total == c.n;
      for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = i + 1; j < k; ++j) cross[i * k + j] += centred[i] * centred[j];
    }
    INFO("multinomial n = " << c.n << ", " << k << " categories");
    CHECK(sums_to_n);
    for (std::size_t j = 0; j < k; ++j) {
      const double p = c.effective[j];
      const double npq = n * p * (1.0 - p);
      check_moments(marginal[j], n * p, npq, npq * (1.0 + 3.0 * (n - 2.0) * p * (1.0 - p)),
                    "marginal " + std::to_string(j));
    }
    for (std::size_t i = 0; i < k; ++i) {
      for (std::size_t j = i + 1; j < k; ++j) {
        // One trial: A = Y_i - p_i, B = Y_j - p_j over the outcomes i, j and neither.
        const double pi = c.effective[i], pj = c.effective[j], r = 1.0 - pi - pj;
        auto moment = [&](int ea, int eb) {
          auto term = [&](double prob, double a, double b) {
            return prob * std::pow(a, ea) * std::pow(b, eb);
          };
          return term(pi, 1.0 - pi, -pj) + term(pj, -pi, 1.0 - pj) + term(r, -pi, -pj);
        };
        const double m11 = moment(1, 1), m20 = moment(2, 0), m02 = moment(0, 2), m22 = moment(2, 2);
        // Sum of n iid trials: E[S_A^2 S_B^2] = n m22 + n (n - 1)(m20 m02 + 2 m11^2).
        const double cov = n * m11;  // = -n p_i p_j
        const double e22 = n * m22 + n * (n - 1.0) * (m20 * m02 + 2.0 * m11 * m11);
        const double se = std::sqrt((e22 - cov * cov) / N);
        const double sample = cross[i * k + j] / N;
        INFO("covariance (" << i << ", " << j << "): sample " << sample << ", exact " << cov
                            << ", SE " << se);
        CHECK(cov == Approx(-n * pi * pj).epsilon(1e-9));
        CHECK(std::fabs(sample - cov) < clvsim::test::N_SE * se);
      }
    }
  }
}

TEST_CASE("multinomial zero-probability categories stay empty", "[samplers]") {
  RandomStream rng = test_stream(CELL + 70);
  const std::array<double, 6> probs = {0.0, 0.3, 0.0, 0.5, 0.2, 0.0};
  std::array<Count, 6> out{};
  bool zeros_empty = true;
  bool sums_to_n = true;
  for (int i = 0; i < 20'000; ++i) {
    const Count n = i % 2 == 0 ? 17 : 1'000'000;
    clvsim::multinomial(rng, n, probs, out);
    zeros_empty = zeros_empty && out[0] == 0 && out[2] == 0 && out[5] == 0;
    sums_to_n = sums_to_n && out[0] + out[1] + out[2] + out[3] + out[4] + out[5] == n;
  }
  CHECK(zeros_empty);
  CHECK(sums_to_n);

  // n = 0: everything 0, nothing drawn.
  CountingRng counting(test_stream(CELL + 71));
  out.fill(-1);
  clvsim::multinomial(counting, 0, probs, out);
  CHECK(std::all_of(out.begin(), out.end(), [](Count x) { return x == 0; }));
  CHECK(counting.count() == 0);
}

TEST_CASE("multinomial n = 3 over 3 categories matches the exact joint pmf", "[samplers]") {
  constexpr int N = 200'000;
  // The second set makes the conditional probability 0.3 / 0.4 > 1/2 (the symmetry path).
  const std::vector<std::array<double, 3>> prob_sets = {{0.2, 0.3, 0.5}, {0.6, 0.3, 0.1}};
  std::uint64_t cell = CELL + 72;
  for (const auto& p : prob_sets) {
    RandomStream rng = test_stream(cell++);
    // Outcomes (a, b, 3 - a - b), indexed a * 4 + b; 10 of the 16 slots are possible.
    std::vector<double> probs(16, 0.0);
    std::vector<double> observed(16, 0.0);
    for (int a = 0; a <= 3; ++a) {
      for (int b = 0; a + b <= 3; ++b) {
        const int c = 3 - a - b;
        const double coef =
            6.0 / (std::tgamma(a + 1.0) * std::tgamma(b + 1.0) * std::tgamma(c + 1.0));
        probs[static_cast<std::size_t>(a * 4 + b)] =
            coef * std::pow(p[0], a) * std::pow(p[1], b) * std::pow(p[2], c);
      }
    }
    std::array<Count, 3> out{};
    bool valid = true;
    for (int i = 0; i < N; ++i) {
      clvsim::multinomial(rng, 3, p, out);
      valid = valid && out[0] >= 0 && out[1] >= 0 && out[0] + out[1] <= 3 &&
              out[0] + out[1] + out[2] == 3;
      if (valid) observed[static_cast<std::size_t>(out[0] * 4 + out[1])] += 1.0;
    }
    REQUIRE(valid);
    // Drop the impossible slots so each possible outcome is a cell of its own.
    std::vector<double> cp;
    std::vector<double> co;
    for (std::size_t i = 0; i < 16; ++i) {
      if (probs[i] > 0.0) {
        cp.push_back(probs[i]);
        co.push_back(observed[i]);
      }
    }
    REQUIRE(cp.size() == 10);
    const auto r = clvsim::test::chi_square(cp, co, N);
    CHECK(r.dof == 9);
    check_chi_square(r, label("multinomial(3; p0, p1)", p[0], p[1]));
  }
}

// ---------------------------------------------------------------------------------------------
// Continuous samplers

TEST_CASE("gamma mean k theta and variance k theta^2 within 4 SE", "[samplers]") {
  constexpr int N = 200'000;
  check_gamma_moments(0.1, 2.0, N, CELL + 80);  // shape < 1: Stuart's transform
  check_gamma_moments(0.5, 2.0, N, CELL + 81);
  check_gamma_moments(1.0, 2.0, N, CELL + 82);
  check_gamma_moments(2.5, 0.5, N, CELL + 83);
  check_gamma_moments(30.0, 1.0, N, CELL + 84);
  check_gamma_moments(1e8, 1.0, N, CELL + 85);
}

TEST_CASE("gamma matches the exact cdf (Kolmogorov-Smirnov)", "[samplers]") {
  constexpr int N = 100'000;
  std::uint64_t cell = CELL + 90;
  for (const auto& [shape, scale] :
       std::vector<std::pair<double, double>>{{0.5, 1.0}, {2.5, 3.0}, {1.0, 1.0}, {0.05, 1.0}}) {
    RandomStream rng = test_stream(cell++);
    std::vector<double> x(N);
    for (double& v : x) v = clvsim::gamma(rng, shape, scale);
    const double a = shape, s = scale;
    auto r = clvsim::test::kolmogorov_smirnov(
        x, [a, s](double v) { return clvsim::test::regularized_gamma_p(a, v / s); });
    check_ks(r, label("gamma", shape, scale));
  }
}

TEST_CASE("standard_normal and normal: moments and cdf", "[samplers]") {
  constexpr int N = 200'000;
  RandomStream rng = test_stream(CELL + 100);
  Moments m;
  std::vector<double> x(N);
  for (double& v : x) {
    v = clvsim::standard_normal(rng);
    m.add(v);
  }
  check_moments(m, 0.0, 1.0, 3.0, "standard_normal");
  auto r = clvsim::test::kolmogorov_smirnov(x, clvsim::test::normal_cdf);
  check_ks(r, "standard_normal");

  Moments mn;
  for (int i = 0; i < N; ++i) mn.add(clvsim::normal(rng, -3.0, 0.25));
  check_moments(mn, -3.0, 0.0625, 3.0 * 0.0625 * 0.0625, "normal(-3, 0.25)");
}

TEST_CASE("exponential: moments and cdf", "[samplers]") {
  constexpr int N = 200'000;
  RandomStream rng = test_stream(CELL + 101);
  Moments m;
  std::vector<double> x(N);
  for (double& v : x) {
    v = clvsim::exponential(rng);
    m.add(v);
  }
  check_moments(m, 1.0, 1.0, 9.0, "exponential");
  auto r = clvsim::test::kolmogorov_smirnov(x, [](double v) { return -std::expm1(-v); });
  check_ks(r, "exponential");
}

TEST_CASE("beta_variate: moments and closed-form cdfs", "[samplers]") {
  constexpr int N = 200'000;
  check_beta_moments(2.0, 5.0, N, CELL + 110);
  check_beta_moments(0.5, 0.5, N, CELL + 111);
  check_beta_moments(0.3, 3.0, N, CELL + 112);
  check_beta_moments(40.0, 60.0, N, CELL + 113);

  // Closed forms: Beta(1/2, 1/2) is the arcsine law, Beta(a, 1) has cdf x^a.
  RandomStream rng = test_stream(CELL + 114);
  std::vector<double> x(N);
  for (double& v : x) v = clvsim::beta_variate(rng, 0.5, 0.5);
  auto arcsine = clvsim::test::kolmogorov_smirnov(
      x, [](double v) { return 2.0 / std::numbers::pi * std::asin(std::sqrt(v)); });
  check_ks(arcsine, "beta(0.5, 0.5)");
  for (double& v : x) v = clvsim::beta_variate(rng, 2.5, 1.0);
  auto power = clvsim::test::kolmogorov_smirnov(x, [](double v) { return std::pow(v, 2.5); });
  check_ks(power, "beta(2.5, 1)");
}

TEST_CASE("triangular: moments and chi-square against its cdf", "[samplers]") {
  constexpr int N = 200'000;
  struct Tri {
    double lo, mode, hi;
  };
  std::uint64_t cell = CELL + 120;
  for (const Tri t :
       {Tri{0.0, 0.3, 1.0}, Tri{2.0, 2.0, 5.0}, Tri{-1.0, 4.0, 4.0}, Tri{10.0, 10.5, 11.0}}) {
    RandomStream rng = test_stream(cell++);
    std::vector<double> x(N);
    Moments m;
    bool inside = true;
    for (double& v : x) {
      v = clvsim::triangular(rng, t.lo, t.mode, t.hi);
      inside = inside && v >= t.lo && v <= t.hi;
      m.add(v);
    }
    std::ostringstream what;
    what << "triangular(" << t.lo << ", " << t.mode << ", " << t.hi << ")";
    INFO(what.str());
    CHECK(inside);
    const double var = triangular_variance(t.lo, t.mode, t.hi);
    check_moments(m, (t.lo + t.mode + t.hi) / 3.0, var, 2.4 * var * var, what.str());
    std::vector<double> edges;
    for (int i = 1; i < 50; ++i) edges.push_back(t.lo + (t.hi - t.lo) * i / 50.0);
    const auto r = clvsim::test::chi_square_binned(
        x, edges, [t](double v) { return triangular_cdf(t.lo, t.mode, t.hi, v); });
    check_chi_square(r, what.str());
  }
}

// ---------------------------------------------------------------------------------------------
// Draw counting: a change in how many uniforms an algorithm consumes shifts every later draw of
// the stream, so it must show up here rather than as a mystery in the results.

TEST_CASE("samplers consume the number of uniforms their algorithm fixes", "[samplers]") {
  CountingRng rng(test_stream(CELL + 130));

  SECTION("Box-Muller: exactly 2 per normal") {
    for (int i = 0; i < 1000; ++i) {
      (void)clvsim::standard_normal(rng);
      REQUIRE(rng.take() == 2);
      (void)clvsim::normal(rng, 1.0, 2.0);
      REQUIRE(rng.take() == 2);
    }
  }
  SECTION("inversion: exactly 1 per triangular and exponential") {
    for (int i = 0; i < 1000; ++i) {
      (void)clvsim::triangular(rng, 0.0, 0.2, 1.0);
      REQUIRE(rng.take() == 1);
      (void)clvsim::exponential(rng);
      REQUIRE(rng.take() == 1);
    }
  }
  SECTION("poisson: 1 per call by inversion (mean < 10), pairs by PTRS (mean >= 10)") {
    for (double mean : {1e-6, 0.5, 3.0, 9.9}) {
      for (int i = 0; i < 10'000; ++i) {
        (void)clvsim::poisson(rng, mean);
        INFO("poisson(" << mean << ")");
        REQUIRE(rng.take() == 1);
      }
    }
    // PTRS proposes from a hat of area invalpha = 1.1239 + 1.1328 / (b - 3.4), b = 0.931 +
    // 2.53 sqrt(mean), over a pmf of area 1 (Hoermann 1993), so attempts per call are geometric
    // with mean invalpha, each taking 2 uniforms. The mean over N calls is within 4 SE.
    for (double mean : {10.0, 47.5, 1000.0, 1e9, 1e15}) {
      constexpr int N = 20'000;
      std::uint64_t total = 0;
      for (int i = 0; i < N; ++i) {
        (void)clvsim::poisson(rng, mean);
        const auto used = rng.take();
        INFO("poisson(" << mean << ")");
        REQUIRE(used >= 2);
        REQUIRE(used % 2 == 0);
        total += used;
      }
      const double b = 0.931 + 2.53 * std::sqrt(mean);
      check_attempts(static_cast<double>(total) / 2.0, N, 1.1239 + 1.1328 / (b - 3.4),
                     label("PTRS attempts, poisson", mean));
    }
  }
  SECTION("binomial: 1 per call by inversion (n min(p, q) < 18), pairs by BTRS") {
    const std::vector<std::pair<Count, double>> inversion = {
        {20, 0.3},
        {20, 0.7},
        {1000, 0.0099},
        {1000, 0.9901},
        {1'000'000'000, 3e-9},
        {1000, 0.0179},
        {1000, 0.9821},
        {35, 0.5},
        {Count{1'000'000'000'000'000}, 1.79e-14}};
    for (const auto& [n, p] : inversion) {
      for (int i = 0; i < 10'000; ++i) {
        (void)clvsim::binomial(rng, n, p);
        INFO("binomial(" << n << ", " << p << ")");
        REQUIRE(rng.take() == 1);
      }
    }
    // BTRS proposes from a hat of area alpha = (2.83 + 5.1 / b) sqrt(n p q) over the pmf
    // scaled to 1 at the mode m = floor((n + 1) p) (Hoermann 1993), so attempts per call are
    // geometric with mean alpha * pmf(m), 2 uniforms each.
    const std::vector<std::pair<Count, double>> btrs = {{1000, 0.018},
                                                        {1000, 0.982},
                                                        {36, 0.5},
                                                        {500, 0.6},
                                                        {1'000'000'000, 1.8e-8},
                                                        {100'000, 0.5},
                                                        {1'000'000'000, 0.3},
                                                        {Count{9'000'000'000'000'000}, 0.3}};
    for (const auto& [n, p] : btrs) {
      constexpr int N = 20'000;
      std::uint64_t total = 0;
      for (int i = 0; i < N; ++i) {
        (void)clvsim::binomial(rng, n, p);
        const auto used = rng.take();
        INFO("binomial(" << n << ", " << p << ")");
        REQUIRE(used >= 2);
        REQUIRE(used % 2 == 0);
        total += used;
      }
      const double nd = static_cast<double>(n), pp = std::min(p, 1.0 - p);
      const double spq = std::sqrt(nd * pp * (1.0 - pp));
      const double alpha = (2.83 + 5.1 / (1.15 + 2.53 * spq)) * spq;
      const double mode = std::floor((nd + 1.0) * pp);
      // pmf(m) from lgamma, or for huge n (where lgamma loses whole units) the local normal
      // approximation, whose relative error is O(1 / (n p q)).
      const double z = (mode - nd * pp) / spq;
      const double pmf_mode =
          spq * spq > 1e12 ? std::exp(-0.5 * z * z) / (spq * std::sqrt(2.0 * std::numbers::pi))
                           : std::exp(clvsim::test::binomial_log_pmf(nd, pp, mode));
      check_attempts(static_cast<double>(total) / 2.0, N, alpha * pmf_mode,
                     label("BTRS attempts, binomial", nd, p));
    }
  }
  SECTION("gamma: 3 uniforms per Marsaglia-Tsang attempt, Stuart's transform adds 1") {
    for (int i = 0; i < 10'000; ++i) {
      (void)clvsim::gamma(rng, 2.5, 1.0);
      const auto used = rng.take();
      REQUIRE(used >= 3);
    }
    // Gamma(a) = Gamma(a + 1) U^(1/a): on twin streams, gamma(0.5) is gamma(1.5) times the next
    // uniform squared, and takes exactly one uniform more.
    CountingRng twin_a(test_stream(CELL + 131));
    CountingRng twin_b(test_stream(CELL + 131));
    for (int i = 0; i < 10'000; ++i) {
      const double small = clvsim::gamma(twin_a, 0.5, 1.0);
      const double big = clvsim::gamma(twin_b, 1.5, 1.0);
      const double u = twin_b.uniform();
      REQUIRE(small == Approx(big * u * u).epsilon(1e-12));
      REQUIRE(twin_a.count() == twin_b.count());
    }
  }
  SECTION("multinomial: one binomial per category with mass, none for the last") {
    const std::array<double, 4> probs = {0.3, 0.0, 0.5, 0.2};
    std::array<Count, 4> out{};
    for (int i = 0; i < 1000; ++i) {
      // n = 5 keeps every conditional binomial in the inversion regime: 1 uniform each, and
      // none once nothing is left to place.
      clvsim::multinomial(rng, 5, probs, out);
      const std::uint64_t expected = 1 + (5 - out[0] > 0 ? 1 : 0);
      REQUIRE(rng.take() == expected);
    }
    const std::array<double, 1> one = {1.0};
    std::array<Count, 1> all{};
    clvsim::multinomial(rng, 1000, one, all);
    CHECK(all[0] == 1000);
    CHECK(rng.take() == 0);
  }
  // The adapter and the stream agree: one 64-bit word per uniform.
  CHECK(rng.stream().draws() == rng.count());
}

// Cells 1800-1927: precomputed sampler constants.
TEST_CASE("binomial and multinomial with precomputed constants draw exactly what the plain samplers draw",
          "[samplers]") {
  // Both regimes (BINV below n min(p, 1 - p) = 18, BTRS from it), the p > 1/2 path and the edges.
  const double ps[] = {0.0, 1e-9, 0.003, 0.07, 0.25, 0.5, 0.5000001, 0.8, 0.97, 1.0};
  const Count ns[] = {0, 1, 7, 60, 143, 1000, 123456, Count{1} << 40};
  std::uint64_t cell = CELL + 800;
  for (const double p : ps) {
    const clvsim::BinomialProb cached(p);
    for (const Count n : ns) {
      RandomStream a = test_stream(cell), b = test_stream(cell);
      ++cell;
      for (int i = 0; i < 200; ++i) REQUIRE(clvsim::binomial(a, n, p) == clvsim::binomial(b, n, cached));
      REQUIRE(a.draws() == b.draws());
    }
  }
  const std::vector<std::vector<double>> mixes = {
      {0.3, 0.2, 0.5}, {0.0, 0.4, 0.6}, {0.6, 0.4, 0.0}, {0.99, 0.005, 0.005}, {0.25, 0.25, 0.25, 0.25}, {1.0, 0.0}};
  for (const auto& probs : mixes) {
    std::vector<clvsim::BinomialProb> cond(probs.size() - 1);
    clvsim::conditional_probs(probs, cond);
    for (const Count n : ns) {
      RandomStream a = test_stream(cell), b = test_stream(cell);
      ++cell;
      std::vector<Count> x(probs.size()), y(probs.size());
      for (int i = 0; i < 100; ++i) {
        clvsim::multinomial(a, n, probs, x);
        clvsim::multinomial(b, n, std::span<const clvsim::BinomialProb>(cond), y);
        REQUIRE(x == y);
      }
      REQUIRE(a.draws() == b.draws());
    }
  }
}

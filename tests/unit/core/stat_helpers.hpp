#pragma once

// Shared helpers for the statistical tests of the random layer.
//
// Every threshold comes from theory: the sampling distribution of the test statistic under the
// hypothesis that the sampler is right. None is tuned to what the program happens to output.
// Streams have fixed seeds, so a test that passes always passes; the level only says how
// unlikely a false alarm would be for a fresh seed.
//
//   moments      |mean - mu| < 4 sigma / sqrt(n); |s^2 - sigma^2| < 4 SE(s^2), where
//                Var(s^2) = (mu4 - sigma^4 (n - 3) / (n - 1)) / n needs the 4th central moment
//   chi-square   Pearson's statistic over cells pooled until every expected count is >= 5,
//                below the 0.9999 quantile of chi-square(cells - 1)
//   KS           sup |F_n - F| below the DKW-Massart bound sqrt(ln(2 / alpha) / (2 n)), which
//                holds for every n, not only asymptotically

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <numbers>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "clvsim/random.hpp"

namespace clvsim::test {

//! One-sided level of every distributional test; ~1e-4 false-alarm chance per fresh seed.
inline constexpr double LEVEL = 0.9999;
//! Standard errors allowed for a moment (two-sided false-alarm chance 6.3e-5 if normal).
inline constexpr double N_SE = 4.0;

//! A stream for tests: every test case uses its own cell, so cases are independent.
inline RandomStream test_stream(std::uint64_t cell, std::uint64_t seed = 20240607,
                                std::uint64_t replication = 0) {
  return RandomStream(seed, replication, Purpose::Test, cell);
}

//! Counts calls of uniform() (Celeritas's DiagnosticRngEngine): samplers only see uniform().
class CountingRng {
 public:
  explicit CountingRng(RandomStream stream) : stream_(stream) {}
  double uniform() {
    ++count_;
    return stream_.uniform();
  }
  [[nodiscard]] std::uint64_t count() const { return count_; }
  //! Uniforms used since the previous call.
  std::uint64_t take() {
    const std::uint64_t used = count_ - mark_;
    mark_ = count_;
    return used;
  }
  [[nodiscard]] const RandomStream& stream() const { return stream_; }

 private:
  RandomStream stream_;
  std::uint64_t count_ = 0;
  std::uint64_t mark_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Special functions, written here so the tests do not share code with what they test.

inline double normal_pdf(double x) {
  return std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi);
}
inline double normal_cdf(double x) {
  return 0.5 * std::erfc(-x / std::numbers::sqrt2);
}

namespace detail {

// P(a, x) by its power series; converges fast for x < a + 1.
inline double gamma_p_series(double a, double x) {
  const double log_prefactor = a * std::log(x) - x - std::lgamma(a);
  double ap = a;
  double term = 1.0 / a;
  double sum = term;
  for (int i = 0; i < 100000; ++i) {
    ap += 1.0;
    term *= x / ap;
    sum += term;
    if (std::fabs(term) < std::fabs(sum) * 1e-16) break;
  }
  return std::min(1.0, sum * std::exp(log_prefactor));
}

// Q(a, x) by Lentz's continued fraction; converges fast for x >= a + 1.
inline double gamma_q_continued_fraction(double a, double x) {
  const double log_prefactor = a * std::log(x) - x - std::lgamma(a);
  constexpr double TINY = 1e-300;
  double b = x + 1.0 - a;
  double c = 1.0 / TINY;
  double d = 1.0 / b;
  double h = d;
  for (int i = 1; i < 100000; ++i) {
    const double di = static_cast<double>(i);
    const double an = -di * (di - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < TINY) d = TINY;
    c = b + an / c;
    if (std::fabs(c) < TINY) c = TINY;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < 1e-16) break;
  }
  return std::min(1.0, std::exp(log_prefactor) * h);
}

}  // namespace detail

//! Regularized lower incomplete gamma P(a, x) = gamma(a, x) / Gamma(a): the series for
//! x < a + 1, else 1 - the continued fraction for Q (Numerical Recipes, section 6.2).
inline double regularized_gamma_p(double a, double x) {
  if (!(x > 0.0)) return 0.0;
  if (std::isinf(x)) return 1.0;
  return x < a + 1.0 ? detail::gamma_p_series(a, x)
                     : 1.0 - detail::gamma_q_continued_fraction(a, x);
}

//! Upper tail Q(a, x) = 1 - P(a, x), accurate in the far tail as well.
inline double regularized_gamma_q(double a, double x) {
  if (!(x > 0.0)) return 1.0;
  if (std::isinf(x)) return 0.0;
  return x < a + 1.0 ? 1.0 - detail::gamma_p_series(a, x)
                     : detail::gamma_q_continued_fraction(a, x);
}

//! Solve f(x) = target for an increasing f on [lo, hi] by bisection.
inline double bisect(const std::function<double(double)>& f, double target, double lo, double hi) {
  for (int i = 0; i < 200 && hi - lo > 1e-15 * std::max(1.0, std::fabs(hi)); ++i) {
    const double mid = 0.5 * (lo + hi);
    (f(mid) < target ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

inline double normal_quantile(double p) {
  return bisect(normal_cdf, p, -40.0, 40.0);
}

//! Wilson-Hilferty (1931): (X / k)^(1/3) is nearly normal with mean 1 - 2/(9k), var 2/(9k).
inline double chi_square_quantile_wilson_hilferty(double dof, double level) {
  const double v = 2.0 / (9.0 * dof);
  const double t = 1.0 - v + normal_quantile(level) * std::sqrt(v);
  return dof * t * t * t;
}

//! The `level` quantile of chi-square(dof), exact: P(dof / 2, x / 2) = level by bisection.
inline double chi_square_quantile(double dof, double level) {
  double hi = 2.0 * chi_square_quantile_wilson_hilferty(dof, level) + 10.0;
  while (regularized_gamma_p(0.5 * dof, 0.5 * hi) < level) hi *= 2.0;
  return bisect([dof](double x) { return regularized_gamma_p(0.5 * dof, 0.5 * x); }, level, 0.0,
                hi);
}

//! log of the Binomial(n, p) pmf at k, in log space so it holds for any n.
inline double binomial_log_pmf(double n, double p, double k) {
  if (k < 0.0 || k > n) return -std::numeric_limits<double>::infinity();
  const double log_choose = std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0);
  const double a = k > 0.0 ? k * std::log(p) : 0.0;
  const double b = n - k > 0.0 ? (n - k) * std::log1p(-p) : 0.0;
  return log_choose + a + b;
}

//! log of the Poisson(mean) pmf at k.
inline double poisson_log_pmf(double mean, double k) {
  if (k < 0.0) return -std::numeric_limits<double>::infinity();
  return -mean + (k > 0.0 ? k * std::log(mean) : 0.0) - std::lgamma(k + 1.0);
}

// ---------------------------------------------------------------------------------------------
// Moments.

//! Running mean and variance (Welford), stable for large offsets such as n = 1e12 counts.
struct Moments {
  std::size_t n = 0;
  double mean = 0.0;
  double m2 = 0.0;
  void add(double x) {
    ++n;
    const double delta = x - mean;
    mean += delta / static_cast<double>(n);
    m2 += delta * (x - mean);
  }
  [[nodiscard]] double variance() const { return m2 / static_cast<double>(n - 1); }
};

//! Standard error of the sample variance of n iid draws with variance `var` and 4th central
//! moment `mu4`.
inline double variance_standard_error(double n, double var, double mu4) {
  return std::sqrt((mu4 - var * var * (n - 3.0) / (n - 1.0)) / n);
}

//! Sample mean within 4 SE of `mu`.
inline void check_mean(const Moments& m, double mu, double var, const std::string& what) {
  const double se = std::sqrt(var / static_cast<double>(m.n));
  INFO(what << ": n = " << m.n << ", sample mean " << m.mean << ", exact " << mu << ", SE " << se
            << ", z = " << (m.mean - mu) / se);
  CHECK(std::fabs(m.mean - mu) < N_SE * se);
}

//! Sample mean and variance within 4 SE of the exact `mu` and `var`.
inline void check_moments(const Moments& m, double mu, double var, double mu4,
                          const std::string& what) {
  check_mean(m, mu, var, what);
  const double se = variance_standard_error(static_cast<double>(m.n), var, mu4);
  INFO(what << ": n = " << m.n << ", sample variance " << m.variance() << ", exact " << var
            << ", SE " << se << ", z = " << (m.variance() - var) / se);
  CHECK(std::fabs(m.variance() - var) < N_SE * se);
}

// ---------------------------------------------------------------------------------------------
// Goodness of fit.

struct ChiSquare {
  double statistic = 0.0;
  int dof = 0;
  double critical = 0.0;  //!< LEVEL quantile of chi-square(dof)
};

//! Pearson's chi-square of `observed` counts against cell probabilities `probs` (summing to 1)
//! for `total` draws. Adjacent cells are pooled in order until each expected count is >= 5; a
//! short remainder joins the last pooled cell. Pooling depends only on `probs`, never on the
//! data, so the statistic keeps its chi-square(cells - 1) law.
inline ChiSquare chi_square(std::span<const double> probs, std::span<const double> observed,
                            double total) {
  REQUIRE(probs.size() == observed.size());
  std::vector<double> expected_cells;
  std::vector<double> observed_cells;
  double e = 0.0;
  double o = 0.0;
  for (std::size_t i = 0; i < probs.size(); ++i) {
    e += probs[i] * total;
    o += observed[i];
    if (e >= 5.0) {
      expected_cells.push_back(e);
      observed_cells.push_back(o);
      e = o = 0.0;
    }
  }
  REQUIRE(!expected_cells.empty());
  expected_cells.back() += e;
  observed_cells.back() += o;
  ChiSquare r;
  for (std::size_t i = 0; i < expected_cells.size(); ++i) {
    const double d = observed_cells[i] - expected_cells[i];
    r.statistic += d * d / expected_cells[i];
  }
  r.dof = static_cast<int>(expected_cells.size()) - 1;
  r.critical = r.dof > 0 ? chi_square_quantile(r.dof, LEVEL) : 0.0;
  return r;
}

inline void check_chi_square(const ChiSquare& r, const std::string& what) {
  INFO(what << ": chi-square " << r.statistic << " on " << r.dof << " dof, " << LEVEL
            << " quantile " << r.critical);
  REQUIRE(r.dof >= 1);
  CHECK(r.statistic < r.critical);
}

//! Chi-square of integer draws against an exact pmf on [lo, hi]. The probability outside
//! [lo, hi] (1 - the sum inside, clamped at 0) and the draws there form one more cell.
inline ChiSquare chi_square_discrete(std::span<const std::int64_t> draws, std::int64_t lo,
                                     std::int64_t hi,
                                     const std::function<double(std::int64_t)>& pmf) {
  const std::size_t cells = static_cast<std::size_t>(hi - lo + 1);
  std::vector<double> probs(cells + 1, 0.0);
  std::vector<double> observed(cells + 1, 0.0);
  double inside = 0.0;
  for (std::size_t i = 0; i < cells; ++i) {
    probs[i] = pmf(lo + static_cast<std::int64_t>(i));
    inside += probs[i];
  }
  probs[cells] = std::max(0.0, 1.0 - inside);
  for (std::int64_t k : draws) {
    if (k < lo || k > hi) {
      observed[cells] += 1.0;
    } else {
      observed[static_cast<std::size_t>(k - lo)] += 1.0;
    }
  }
  return chi_square(probs, observed, static_cast<double>(draws.size()));
}

//! Chi-square of continuous draws over fixed `edges` (increasing; the two outer cells are
//! (-inf, edges.front()) and [edges.back(), inf)) against the exact `cdf`.
inline ChiSquare chi_square_binned(std::span<const double> draws, std::span<const double> edges,
                                   const std::function<double(double)>& cdf) {
  const std::size_t cells = edges.size() + 1;
  std::vector<double> probs(cells, 0.0);
  std::vector<double> observed(cells, 0.0);
  double prev = 0.0;
  for (std::size_t i = 0; i < edges.size(); ++i) {
    const double f = cdf(edges[i]);
    probs[i] = f - prev;
    prev = f;
  }
  probs[cells - 1] = 1.0 - prev;
  for (double x : draws) {
    const auto it = std::upper_bound(edges.begin(), edges.end(), x);
    observed[static_cast<std::size_t>(it - edges.begin())] += 1.0;
  }
  return chi_square(probs, observed, static_cast<double>(draws.size()));
}

struct KolmogorovSmirnov {
  double statistic = 0.0;  //!< sup |F_n - F|
  double critical = 0.0;   //!< DKW-Massart bound at 1 - LEVEL
};

//! Kolmogorov-Smirnov of continuous draws against `cdf`. Sorts `draws`.
inline KolmogorovSmirnov kolmogorov_smirnov(std::vector<double>& draws,
                                            const std::function<double(double)>& cdf) {
  std::sort(draws.begin(), draws.end());
  const double n = static_cast<double>(draws.size());
  KolmogorovSmirnov r;
  for (std::size_t i = 0; i < draws.size(); ++i) {
    const double f = cdf(draws[i]);
    r.statistic =
        std::max({r.statistic, static_cast<double>(i + 1) / n - f, f - static_cast<double>(i) / n});
  }
  // Massart (1990): P(sup |F_n - F| > e) <= 2 exp(-2 n e^2) for every n.
  r.critical = std::sqrt(std::log(2.0 / (1.0 - LEVEL)) / (2.0 * n));
  return r;
}

inline void check_ks(const KolmogorovSmirnov& r, const std::string& what) {
  INFO(what << ": KS statistic " << r.statistic << ", bound " << r.critical);
  CHECK(r.statistic < r.critical);
}

}  // namespace clvsim::test

#pragma once

// Samplers with known, documented algorithms, so results do not depend on the standard library.
//
// Each takes any generator with `double uniform()` returning values in (0, 1), such as
// RandomStream. The algorithms and their sources:
//   normal       Box-Muller, one variate from two uniforms
//   gamma        Marsaglia & Tsang (2000); shape < 1 by Stuart's power transform
//   poisson      inversion by sequential search (mean < 10); PTRS, Hoermann (1993) otherwise
//   binomial     inversion, BINV of Kachitvichyanukul & Schmeiser (1988), when
//                n min(p,1-p) < BINOMIAL_INVERSION_BELOW (18); BTRS, Hoermann (1993) otherwise,
//                its acceptance test by pmf ratios within 15 of the mode and by Stirling
//                log-ratios beyond
//   multinomial  conditional binomials, category by category
//   beta         ratio of gammas; triangular by inversion
//   uniform_index  Lemire (2019) multiply-and-reject on 64-bit words (needs `next_u64()`)

#include <cmath>
#include <cstdint>
#include <numbers>
#include <span>

#include "clvsim/binomial_prob.hpp"
#include "clvsim/error.hpp"

namespace clvsim {

using Count = std::int64_t;

template <class Rng>
double exponential(Rng& rng) {
  return -std::log(rng.uniform());
}

template <class Rng>
double standard_normal(Rng& rng) {
  const double u1 = rng.uniform();
  const double u2 = rng.uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

template <class Rng>
double normal(Rng& rng, double mean, double sd) {
  return mean + sd * standard_normal(rng);
}

//! Gamma(shape, scale), mean shape * scale. shape > 0, scale >= 0.
template <class Rng>
double gamma(Rng& rng, double shape, double scale) {
  CLVSIM_EXPECT(shape > 0.0 && scale >= 0.0);
  if (shape < 1.0) {
    // Stuart (1962): Gamma(a) = Gamma(a + 1) * U^(1/a); done in logs so tiny shapes stay finite.
    const double g = gamma(rng, shape + 1.0, 1.0);
    const double log_u = std::log(rng.uniform());
    return scale * std::exp(std::log(g) + log_u / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x;
    double v;
    do {
      x = standard_normal(rng);
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = rng.uniform();
    if (u < 1.0 - 0.0331 * (x * x) * (x * x)) return scale * d * v;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return scale * d * v;
  }
}

namespace detail {
//! log of a Gamma(shape, 1) variate, finite even where the variate underflows to 0.
template <class Rng>
double log_gamma_variate(Rng& rng, double shape) {
  if (shape >= 1.0) return std::log(gamma(rng, shape, 1.0));
  const double g = gamma(rng, shape + 1.0, 1.0);
  return std::log(g) + std::log(rng.uniform()) / shape;
}
}  // namespace detail

//! Beta(a, b) as X / (X + Y) of Gamma(a) and Gamma(b) variates.
template <class Rng>
double beta_variate(Rng& rng, double a, double b) {
  const double x = gamma(rng, a, 1.0);
  const double y = gamma(rng, b, 1.0);
  if (x + y > 0.0) return x / (x + y);
  // Both underflowed to 0 (shapes far below 1). X / (X + Y) is independent of X + Y, so drawing
  // the pair again, in logs, keeps the law exact.
  const double lx = detail::log_gamma_variate(rng, a);
  const double ly = detail::log_gamma_variate(rng, b);
  return 1.0 / (1.0 + std::exp(ly - lx));
}

//! Triangular(min, mode, max) by inversion.
template <class Rng>
double triangular(Rng& rng, double lo, double mode, double hi) {
  const double u = rng.uniform();
  const double f = (mode - lo) / (hi - lo);
  if (u < f) return lo + std::sqrt(u * (hi - lo) * (mode - lo));
  return hi - std::sqrt((1.0 - u) * (hi - lo) * (hi - mode));
}

//! The binomial is drawn by inversion (BINV) when n min(p, 1 - p) is below this, by BTRS from it
//! on: about where the two cost the same per call (measured with the stream set-up included:
//! BINV's sequential search grows with the mean, BTRS's cost falls as its squeeze accepts more).
inline constexpr double BINOMIAL_INVERSION_BELOW = 18.0;

namespace detail {

//! log(k!) - [(k + 1/2) log(k + 1) - (k + 1) + log(sqrt(2 pi))], the Stirling series tail.
inline double stirling_tail(double k) {
  static constexpr double table[10] = {
      0.08106146679532726, 0.04134069595540929, 0.02767792568499834, 0.02079067210376509,
      0.01664469118982119, 0.01387612882307075, 0.01189670994589177, 0.01041126526197209,
      0.009255462182712733, 0.008330563433362871};
  if (k <= 9.0) return table[static_cast<int>(k)];
  const double kp1sq = (k + 1.0) * (k + 1.0);
  return (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / 1260.0 / kp1sq) / kp1sq) / (k + 1.0);
}

//! x log(x / mean) + mean - x without cancellation when x is near mean (Loader 2000, "Fast
//! and accurate computation of binomial probabilities"). x - mean is exact there (Sterbenz), so
//! log-pmf ratios stay accurate to ~1e-16 relative even for means near 2^53, where lgamma(k + 1)
//! and (n + 1) log(ratio near 1) lose whole units.
inline double bd0(double x, double mean) {
  if (std::fabs(x - mean) < 0.1 * (x + mean)) {
    double v = (x - mean) / (x + mean);
    double s = (x - mean) * v;
    double ej = 2.0 * x * v;
    v *= v;
    for (int j = 1; j < 1000; ++j) {
      ej *= v;
      const double s1 = s + ej / (2 * j + 1);
      if (s1 == s) return s1;
      s = s1;
    }
  }
  return x * std::log(x / mean) + mean - x;
}

}  // namespace detail

//! Poisson(mean). mean >= 0; exact for any mean up to 2^53 (beyond, doubles skip integers).
template <class Rng>
Count poisson(Rng& rng, double mean) {
  CLVSIM_EXPECT(mean >= 0.0);
  if (mean <= 0.0) return 0;
  if (mean < 10.0) {
    // Inversion: walk the cdf from 0.
    double p = std::exp(-mean);
    double u = rng.uniform();
    Count k = 0;
    while (u > p) {
      u -= p;
      ++k;
      p *= mean / static_cast<double>(k);
      if (p <= 0.0) break;  // cdf exhausted by rounding: u was within ~1e-16 of 1
    }
    return k;
  }
  // PTRS: transformed rejection with squeeze (Hoermann 1993, "The transformed rejection method
  // for generating Poisson random variables").
  const double slam = std::sqrt(mean);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    const double u = rng.uniform() - 0.5;
    const double v = rng.uniform();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<Count>(k);
    if (k < 0.0 || (us < 0.013 && v > us)) continue;
    // log pmf(k) = -bd0(k + 1, mean) + log(sqrt(k + 1) / mean) - log(sqrt(2 pi)) - tail(k).
    const double log_pmf = -detail::bd0(k + 1.0, mean) + 0.5 * std::log(k + 1.0) - std::log(mean) -
                           0.5 * std::log(2.0 * std::numbers::pi) - detail::stirling_tail(k);
    if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <= log_pmf) {
      return static_cast<Count>(k);
    }
  }
}

namespace detail {

//! BINV with its per-probability constants given: s = p / (1 - p), log_q = log1p(-p).
//! Inversion by sequential search: the least x with u <= F(x), the cdf F summed from
//! pmf(0) = (1 - p)^n by the recurrence pmf(x) = pmf(x - 1) ((n + 1) s / x - s). The search goes
//! by blocks of 4 values: their pmf and cdf first, then x counted from the 4 comparisons without
//! branching, so that a draw ending in the first block (most draws of a small mean) pays no
//! mispredicted loop exit; the last values below n go one by one. A uniform above F(n), possible
//! only by rounding, draws again.
template <class Rng>
Count binomial_inversion(Rng& rng, Count n, double s, double log_q) {
  const double a = (static_cast<double>(n) + 1.0) * s;
  const double r0 = std::exp(static_cast<double>(n) * log_q);
  for (;;) {
    const double u = rng.uniform();
    // Blocks of 4 values x0..x0 + 3 while they are all <= n: the pmf and cdf at each, then the
    // answer counted from the comparisons without branching.
    double r = r0, c = r0;  // pmf(x0) and F(x0)
    Count x0 = 0;
    while (x0 + 3 <= n) {
      const double x = static_cast<double>(x0);
      // (a / 1 and a / 2 are exact: the first block divides once)
      const double r1 = r * (x0 == 0 ? a - s : a / (x + 1.0) - s);
      const double r2 = r1 * (x0 == 0 ? a * 0.5 - s : a / (x + 2.0) - s);
      const double r3 = r2 * (a / (x + 3.0) - s);
      const double c1 = c + r1, c2 = c1 + r2, c3 = c2 + r3;
      if (u <= c3)
        return x0 + static_cast<Count>(u > c) + static_cast<Count>(u > c1) +
               static_cast<Count>(u > c2);
      x0 += 4;
      if (x0 > n) break;
      r = r3 * (a / (x + 4.0) - s);
      c = c3 + r;
    }
    // The last values one by one.
    Count x = x0;
    if (x > n) continue;
    while (u > c) {
      ++x;
      if (x > n) break;
      r *= a / static_cast<double>(x) - s;
      c += r;
    }
    if (x <= n) return x;
  }
}

template <class Rng>
Count binomial_inversion(Rng& rng, Count n, double p) {
  const double q = 1.0 - p;
  return binomial_inversion(rng, n, p / q, std::log1p(-p));
}

template <class Rng>
Count binomial_btrs(Rng& rng, Count count, double p) {
  // BTRS: transformed rejection with squeeze (Hoermann 1993, "The generation of binomial random
  // variates"). An attempt the squeeze does not accept is tested against pmf(k) / pmf(m), m the
  // mode: near the mode (|k - m| <= 15) as a product of pmf ratios, as the paper's step 3.2 does,
  // further out as log-ratios with Stirling tails, accurate for any n.
  const double n = static_cast<double>(count);
  const double q = 1.0 - p;
  const double spq = std::sqrt(n * p * q);
  const double b = 1.15 + 2.53 * spq;
  const double a = -0.0873 + 0.0248 * b + 0.01 * p;
  const double c = n * p + 0.5;
  const double vr = 0.92 - 4.2 / b;
  // The constants of the acceptance tests are computed on the first attempt that needs them,
  // since most attempts are accepted by the squeeze, then reused.
  bool have_bound_terms = false, have_mode_terms = false;
  double alpha = 0.0, m = 0.0, r = 0.0, nr = 0.0;
  double big_a = 0.0, big_b = 0.0, mode_bd0 = 0.0, mode_tail = 0.0, rest_tail = 0.0,
         mode_prod = 0.0;
  for (;;) {
    const double u = rng.uniform() - 0.5;
    double v = rng.uniform();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / us + b) * u + c);
    if (k < 0.0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return static_cast<Count>(k);
    if (!have_bound_terms) {
      alpha = (2.83 + 5.1 / b) * spq;
      m = std::floor((n + 1.0) * p);
      r = p / q;
      nr = (n + 1.0) * r;
      have_bound_terms = true;
    }
    v = v * alpha / (a / (us * us) + b);
    if (std::fabs(k - m) <= 15.0) {
      // pmf(i) / pmf(i - 1) = (n - i + 1) p / (i q) = (n + 1) r / i - r.
      double f = 1.0;
      if (m < k) {
        for (double i = m + 1.0; i <= k; i += 1.0) f *= nr / i - r;
      } else {
        for (double i = k + 1.0; i <= m; i += 1.0) v *= nr / i - r;
      }
      if (v <= f) return static_cast<Count>(k);
      continue;
    }
    if (!have_mode_terms) {
      big_a = (n + 2.0) * p;
      big_b = (n + 2.0) * q;
      mode_bd0 = detail::bd0(m + 1.0, big_a) + detail::bd0(n - m + 1.0, big_b);
      mode_prod = (m + 1.0) * (n - m + 1.0);
      mode_tail = stirling_tail(m);
      rest_tail = stirling_tail(n - m);
      have_mode_terms = true;
    }
    // log(pmf(k) / pmf(m)) via Stirling with tails and bd0 around A + B = n + 2.
    const double bound = mode_bd0 - detail::bd0(k + 1.0, big_a) - detail::bd0(n - k + 1.0, big_b) +
                         0.5 * std::log((k + 1.0) * (n - k + 1.0) / mode_prod) + mode_tail +
                         rest_tail - stirling_tail(k) - stirling_tail(n - k);
    if (std::log(v) <= bound) return static_cast<Count>(k);
  }
}

}  // namespace detail

//! Binomial(n, p). n >= 0, p in [0, 1]; exact for any n up to 2^53.
template <class Rng>
Count binomial(Rng& rng, Count n, double p) {
  CLVSIM_EXPECT(n >= 0 && p >= 0.0 && p <= 1.0);
  if (n <= 0 || p <= 0.0) return 0;
  if (p >= 1.0) return n;
  if (p > 0.5) return n - binomial(rng, n, 1.0 - p);
  if (static_cast<double>(n) * p < BINOMIAL_INVERSION_BELOW)
    return detail::binomial_inversion(rng, n, p);
  return detail::binomial_btrs(rng, n, p);
}

//! A uniform integer in [0, range), range >= 1, exactly: every value has probability 1/range
//! (Lemire 2019, "Fast random integer generation in an interval", ACM TOMACS 29(1)). Uses the
//! generator's 64-bit words (`next_u64()`): one word unless rejected (probability < range / 2^64).
template <class Rng>
std::uint64_t uniform_index(Rng& rng, std::uint64_t range) {
  CLVSIM_EXPECT(range >= 1);
  __extension__ typedef unsigned __int128 Uint128;  // -Wpedantic: a GCC and Clang extension
  Uint128 m = static_cast<Uint128>(rng.next_u64()) * range;
  auto low = static_cast<std::uint64_t>(m);
  if (low < range) {
    const std::uint64_t threshold = (0 - range) % range;  // 2^64 mod range
    while (low < threshold) {
      m = static_cast<Uint128>(rng.next_u64()) * range;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

//! Binomial(n, p) with p's constants precomputed; the same draws as binomial(rng, n, p.p).
template <class Rng>
Count binomial(Rng& rng, Count n, const BinomialProb& p) {
  CLVSIM_EXPECT(n >= 0 && p.p >= 0.0 && p.p <= 1.0);
  if (n <= 0 || p.p <= 0.0) return 0;
  if (p.p >= 1.0) return n;
  const bool flip = p.p > 0.5;
  if (flip && p.small <= 0.0) return n;
  const Count x = static_cast<double>(n) * p.small < BINOMIAL_INVERSION_BELOW
                      ? detail::binomial_inversion(rng, n, p.s, p.log_q)
                      : detail::binomial_btrs(rng, n, p.small);
  return flip ? n - x : x;
}

//! Multinomial by conditional binomials with the conditional probabilities precomputed
//! (conditional_probs); out has one more element than cond.
template <class Rng>
void multinomial(Rng& rng, Count n, std::span<const BinomialProb> cond, std::span<Count> out) {
  CLVSIM_EXPECT(cond.size() + 1 == out.size());
  Count left = n;
  for (std::size_t j = 0; j < cond.size(); ++j) {
    const Count x = binomial(rng, left, cond[j]);
    out[j] = x;
    left -= x;
  }
  out[cond.size()] = left;
}

//! Multinomial(n, probs) into `out` (same size as probs). probs must be >= 0 and sum to <= 1
//! (within rounding); any remainder is the last category's.
template <class Rng>
void multinomial(Rng& rng, Count n, std::span<const double> probs, std::span<Count> out) {
  CLVSIM_EXPECT(probs.size() == out.size() && !probs.empty());
  Count left = n;
  double mass_left = 1.0;
  const std::size_t last = probs.size() - 1;
  for (std::size_t j = 0; j < last; ++j) {
    Count x = 0;
    if (left > 0 && probs[j] > 0.0) {
      const double pj = mass_left > 0.0 ? std::fmin(1.0, probs[j] / mass_left) : 1.0;
      x = binomial(rng, left, pj);
    }
    out[j] = x;
    left -= x;
    mass_left -= probs[j];
  }
  out[last] = left;
}

}  // namespace clvsim

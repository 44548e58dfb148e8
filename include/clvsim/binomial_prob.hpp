#pragma once

// Probabilities with the constants of their samplers precomputed (see samplers.hpp), for cells
// whose probabilities stay while their counts change from period to period.

#include <cmath>
#include <span>

#include "clvsim/error.hpp"

namespace clvsim {

//! A binomial probability with the constants of its sampler, computed once and reused for any
//! number of trials: for a cell whose probability stays while its count changes from period to
//! period. binomial(rng, n, BinomialProb(p)) draws exactly what binomial(rng, n, p) draws.
struct BinomialProb {
  double p = 0.0;      //!< the probability
  double small = 0.0;  //!< min(p, 1 - p): the probability sampled (p > 1/2 samples failures)
  double s = 0.0;      //!< small / (1 - small), BINV's ratio
  double log_q = 0.0;  //!< log(1 - small), BINV's log probability of 0

  BinomialProb() = default;
  explicit BinomialProb(double prob) : p(prob), small(prob > 0.5 ? 1.0 - prob : prob) {
    if (small > 0.0 && small < 1.0) {
      s = small / (1.0 - small);
      log_q = std::log1p(-small);
    }
  }
};

//! The conditional probabilities with which multinomial() splits off category j = 0..size-2:
//! cond[j] = probs[j] / (mass not yet split off), 0 for an empty category. Computed once for a
//! cell whose probabilities stay; multinomial(rng, n, cond, out) then draws exactly what
//! multinomial(rng, n, probs, out) draws.
inline void conditional_probs(std::span<const double> probs, std::span<BinomialProb> cond) {
  CLVSIM_EXPECT(cond.size() + 1 == probs.size());
  double mass_left = 1.0;
  for (std::size_t j = 0; j < cond.size(); ++j) {
    const double pj = mass_left > 0.0 ? std::fmin(1.0, probs[j] / mass_left) : 1.0;
    cond[j] = BinomialProb(probs[j] > 0.0 ? pj : 0.0);
    mass_left -= probs[j];
  }
}

}  // namespace clvsim

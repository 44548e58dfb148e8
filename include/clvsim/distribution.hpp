#pragma once

// Uncertainty distributions of parameters: their means and their sampling.

#include "clvsim/random.hpp"
#include "clvsim/scenario.hpp"

namespace clvsim {

//! Mean of `d` truncated to `domain`; this is a Param's point value.
[[nodiscard]] double distribution_mean(const Distribution& d, Domain domain);

//! Probability mass that `d` puts inside `domain` (1 for supports within it).
[[nodiscard]] double mass_in_domain(const Distribution& d, Domain domain);

//! Smallest and largest values `d` can take once truncated to `domain`.
[[nodiscard]] Interval distribution_support(const Distribution& d, Domain domain);

//! Check a distribution's own parameters (sd > 0, min < max, ...). Throws InputError at `p`.
void check_distribution(const Param& p);

//! Draw one value of `p` truncated to its domain (rejection). Point parameters return `value`.
[[nodiscard]] double draw(const Param& p, RandomStream& rng);

}  // namespace clvsim

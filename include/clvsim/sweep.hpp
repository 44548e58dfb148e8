#pragma once

// Parameter sweeps and sensitivity analysis: what the user asks for, the design points, and the
// variance-based (Sobol') estimators.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "clvsim/scenario.hpp"

namespace clvsim {

[[nodiscard]] const char* design_name(Design d);

//! The design's points as parameter values: [points][parameters]. Grid points enumerate the
//! Cartesian product with the last parameter varying fastest; LHS draws one value per stratum of
//! each parameter, strata permuted independently (streams keyed by `seed`); Sobol' points are
//! Joe & Kuo's sequence from its second point on (the first is the corner 0). A list parameter
//! takes values[floor(u * size)] of its coordinate u.
std::vector<std::vector<double>> design_points(const SweepSpec& spec, std::uint64_t seed);

//! Points of the Sobol' sequence (Joe & Kuo 2008 direction numbers), from its second point:
//! [count][dimension], each coordinate in [0, 1).
std::vector<std::vector<double>> sobol_points(int dimension, int count);

//! First-order and total Sobol' indices of each input.
struct SobolIndices {
  std::vector<double> first_order;  //!< S_i: share of Var(Y) explained by X_i alone
  std::vector<double> total;        //!< S_Ti: share involving X_i, interactions included
  double variance = 0.0;            //!< Var(Y) estimate
  double mean = 0.0;
};

//! The Saltelli sampling plan for `dims` inputs and base size `n`: rows of unit-cube points, in
//! blocks A (n rows), B (n rows), then A_B^(i) for i = 0..dims-1 (n rows each): n (dims + 2) rows.
std::vector<std::vector<double>> saltelli_plan(int dims, int n);

//! Estimate the indices from the model outputs `y` on saltelli_plan(dims, n): first order by
//! Saltelli et al. (2010), total by Jansen (1999), variance from A and B together.
SobolIndices sobol_indices(const std::vector<double>& y, int dims, int n);

}  // namespace clvsim

#pragma once

// Parameter sweeps and sensitivity analysis: what the user asks for, the design points, and the
// variance-based (Sobol') estimators.

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "clvsim/communicator.hpp"
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
  //! Asymptotic standard errors of the estimates as if the n base rows were independent draws
  //! (delta method on the ratio of the row means to the variance; docs/sweeps.md). With the
  //! Sobol' sequence's rows the actual error is usually smaller: intervals from them are
  //! conservative.
  std::vector<double> first_order_std_error;
  std::vector<double> total_std_error;
};

//! The Saltelli sampling plan for `dims` inputs and base size `n`: rows of unit-cube points, in
//! blocks A (n rows), B (n rows), then A_B^(i) for i = 0..dims-1 (n rows each): n (dims + 2) rows.
std::vector<std::vector<double>> saltelli_plan(int dims, int n);

//! Estimate the indices from the model outputs `y` on saltelli_plan(dims, n): first order by
//! Saltelli et al. (2010), total by Jansen (1999), variance from A and B together.
SobolIndices sobol_indices(const std::vector<double>& y, int dims, int n);

// --- Running a sweep ----------------------------------------------------------------------

//! Result columns of a sweep row: for every horizon total (docs/results.md), its mean, sd,
//! std_error and quantiles p05, p25, p50, p75, p95, named "<total>_<statistic>".
std::vector<std::string> sweep_columns();

//! The scenario at one design point: the base with each swept parameter changed, validated.
//! Errors name the parameter's location in the [sweep] table and the point.
Scenario point_scenario(const Scenario& base, const SweepSpec& spec, std::span<const double> values,
                        std::size_t point);

//! One point's row (sweep_columns() order): `replications` Monte Carlo replications on `seed`.
//! `progress` is the run's (RunOptions::progress): it may throw to stop the point.
std::vector<double> run_point(const Scenario& point, int replications, std::uint64_t seed, int threads,
                              const std::function<void(std::size_t, std::size_t)>& progress = {});

//! A slice of a sweep for batch schedulers: shard `index` of `count` runs the index-th contiguous
//! block of the design's points.
struct Shard {
  int index = 0;
  int count = 1;
};

struct SweepRunOptions {
  int threads = 0;
  Shard shard;
  std::vector<char> done;  //!< [points]: 1 for points already computed (resume)
  //! Called on the rank that computed a point, in increasing point order, as soon as it is done.
  std::function<void(std::size_t point, const std::vector<double>& row)> on_point;
  //! Called on rank 0 as its points complete.
  std::function<void(std::size_t done, std::size_t total)> progress;
  //! Passed to each point's run as its progress (replications of the point done and total): an
  //! exception it throws stops the sweep, as any failure does, and is rethrown (a cancelled
  //! sweep's points already done are still passed to on_point).
  std::function<void(std::size_t done, std::size_t total)> point_progress;
};

//! Compute the shard's points that are not done, split in contiguous blocks across the ranks of
//! `comm`, and gather them on every rank: point index -> row. Every point uses the same seed,
//! so results are the same for any rank count, thread count or sharding. If any rank fails, all
//! ranks throw.
std::map<std::size_t, std::vector<double>> run_sweep(const Scenario& base, const SweepSpec& spec,
                                                    const std::vector<std::vector<double>>& points,
                                                    std::uint64_t seed, Communicator& comm,
                                                    const SweepRunOptions& options);

//! Everything that determines a sweep's results (resolved scenario text, design and its values,
//! seed, replications) hashed: resumed journals and merged shards must match it.
std::uint64_t sweep_fingerprint(const Scenario& base, const std::vector<std::vector<double>>& points,
                                std::uint64_t seed, int replications);

}  // namespace clvsim

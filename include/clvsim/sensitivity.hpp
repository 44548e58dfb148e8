#pragma once

// Sensitivity of a horizon total to the scenario's parameters.
//
// The metric is evaluated with the expected-value mode (the model's exact expectation at the
// parameters' values), so the analysis measures the model, not Monte Carlo noise:
//   - a one-at-a-time tornado: the metric at each parameter's low and high value, the others at
//     their point values, and the arc elasticity of the metric with respect to the parameter;
//   - variance-based indices (Sobol'): every parameter uniform on [low, high] at once, first-order
//     and total indices by Saltelli's scheme.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "clvsim/communicator.hpp"
#include "clvsim/engine.hpp"
#include "clvsim/scenario.hpp"
#include "clvsim/sweep.hpp"

namespace clvsim {

//! One parameter varied by the analysis: every parameter matched by `pattern`, set to a value
//! (explicit range) or scaled by a factor (relative change), between low and high.
struct SensitivityParameter {
  std::string pattern;
  Override::Op op = Override::Op::Scale;
  double low = 0.0;   //!< factor (Scale) or value (Set)
  double high = 0.0;
  double nominal = 0.0;     //!< point value of the first matched parameter
  double value_low = 0.0;   //!< that parameter's value at low and at high
  double value_high = 0.0;
  SourceLocation where;     //!< its [sensitivity.ranges] entry, or the [sensitivity] table
};

struct OneAtATime {
  double y_low = 0.0;
  double y_high = 0.0;
  double swing = 0.0;       //!< |y_high - y_low|
  double elasticity = 0.0;  //!< ((y_high - y_low) / y_base) / ((value_high - value_low) / nominal)
};

struct SensitivityResult {
  std::string metric;
  double base = 0.0;  //!< the metric at every parameter's point value
  std::vector<SensitivityParameter> parameters;
  std::vector<OneAtATime> oat;               //!< per parameter
  std::optional<SobolIndices> sobol;
  int samples = 0;
  std::size_t evaluations = 0;
  std::vector<std::string> skipped;  //!< default parameters left out, with the reason
};

//! The parameters an analysis varies: the spec's patterns, or every numeric parameter whose
//! point value is not 0. Relative ranges are clipped to the parameter's domain.
std::vector<SensitivityParameter> sensitivity_parameters(const Scenario& s, const SensitivitySpec& spec,
                                                         std::vector<std::string>* skipped = nullptr);

//! The metric of `s` in expected-value mode.
double expected_total(const Scenario& s, Total metric);

//! Run the analysis. Evaluations are split across threads and, in contiguous blocks, across the
//! ranks of `comm`; every rank returns the same result.
SensitivityResult run_sensitivity(const Scenario& s, const SensitivitySpec& spec, Communicator& comm, int threads,
                                  const std::function<void(std::size_t, std::size_t)>& progress = {});

//! Total named `name` (e.g. "npv"). InputError listing the names otherwise.
Total total_by_name(const std::string& name);

}  // namespace clvsim

#pragma once

#include <cstddef>
#include <iosfwd>
#include <span>
#include <string>

#include "clvsim/monte_carlo.hpp"
#include "clvsim/scenario.hpp"
#include "clvsim/sensitivity.hpp"

namespace clvsim::cli {

//! The Monte Carlo summary table of the base scenario: mean, 5%, 50%, 95% of the headline totals.
//! Tables fit in `width` columns: columns are sized from their content and always separated; a
//! table too wide for `width` is printed one row per block instead.
void print_summary(std::ostream& os, const RunResults& results, const Scenario& scenario,
                   std::size_t width = 80);

//! The paired comparison of every variant with the base (scenarios[0]): one side-by-side table
//! of the base and every variant (means, and per variant the mean change and its 90% interval),
//! the change by year, then the precision of the mean NPV change and the warnings. The table fits
//! `width` columns; when it cannot, it is printed in parts that each repeat the labels and the
//! base.
void print_comparison(std::ostream& os, const RunResults& results,
                      std::span<const Scenario> scenarios, std::size_t width = 80);

//! The expected-value mode: per-period expectations, the funnel's first period and the
//! Markov-chain customer value per segment.
void print_expected(std::ostream& os, const Scenario& scenario, std::size_t width = 80);

//! The sensitivity analysis: tornado ranked by swing, elasticities, Sobol' indices ranked by total.
void print_sensitivity(std::ostream& os, const SensitivityResult& r, const Scenario& scenario,
                       std::size_t width = 80);

//! A number for people: thousands separators, `decimals` digits, "never" for +inf, "-" for NaN.
std::string format_number(double x, int decimals);

}  // namespace clvsim::cli

#pragma once

// The best split of a budget between levers (channel spends, retention spend, ...), with risk.
//
// A problem is a scenario, decision variables addressed by dotted key path with bounds, linear
// budget constraints and an objective: the exact expected value of a horizon total (the core's
// expected-value mode), or a risk measure of its Monte Carlo distribution on fixed common random
// numbers (sample-average approximation). The optimiser is NLopt, run sequentially with fixed
// settings; replications run in the core's parallel pool and are reduced in a fixed order, so
// results are bit-identical for any thread count. docs/optimize.md explains the method.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "clvsim/compare.hpp"
#include "clvsim/engine.hpp"
#include "clvsim/scenario.hpp"
#include "clvsim/statistics.hpp"

namespace clvsim::optimize {

//! What a lever buys, from its key path: channels and funnel costs acquire, retention and
//! win-back retain.
enum class LeverKind { Acquisition, Retention, Other };
[[nodiscard]] const char* lever_kind_name(LeverKind k);

//! A linear constraint on the variables, sum_i a_i x_i (<=, =, >=) bound.
struct Constraint {
  std::string name;
  std::vector<double> a;  //!< one coefficient per variable
  OptimizeSpec::Budget::Sense sense = OptimizeSpec::Budget::Sense::AtMost;
  double bound = 0.0;
};

//! A checked optimisation problem.
struct Problem {
  Scenario base;  //!< today's plan, as written
  OptimizeSpec spec;
  Total metric = Total::Npv;
  std::vector<std::string> names;  //!< variable patterns
  std::vector<LeverKind> kinds;
  std::vector<double> lower, upper;
  std::vector<double> today;  //!< mean of the matched parameters' point values
  std::vector<Constraint> constraints;

  [[nodiscard]] std::size_t size() const { return names.size(); }
};

//! Check `spec` against `s` and build the problem. Throws InputError at the offending key:
//! a pattern that matches no parameter (with did-you-mean), a variable given twice, bounds
//! outside the parameter's domain or min > max, a budget naming an unknown variable, a metric
//! that is not a horizon total, and budgets that no plan within the bounds can meet.
Problem make_problem(const Scenario& s, const OptimizeSpec& spec);

//! The scenario with every variable's parameters set to x (clamped to the bounds).
Scenario apply_plan(const Problem& p, std::span<const double> x);

//! Constraint value sum_i a_i x_i.
double constraint_value(const Constraint& c, std::span<const double> x);
//! Largest violation of any constraint or bound at x, in the constraint's own units (0: feasible).
double max_violation(const Problem& p, std::span<const double> x);

//! Exact expected horizon totals of the plan x (expected-value mode, point values).
std::vector<double> expected_totals(const Problem& p, std::span<const double> x);
//! The expected metric of the plan x.
double expected_objective(const Problem& p, std::span<const double> x);

//! Per-replication values of the metric for plan x on replications 0..R-1 of `seed`
//! (common random numbers across plans), reduced in replication order.
std::vector<double> sample_metric(const Problem& p, std::span<const double> x, std::uint64_t seed,
                                  int replications, int threads);

//! The risk measure of per-replication values (the spec's objective; Expected and Mean: the mean).
double risk_measure(const OptimizeSpec& spec, std::span<const double> values);
//! Conditional value at risk: the mean of the worst `level` share (lower tail) of the values.
double cvar(std::span<const double> values, double level);

//! A risk measure estimated on fresh replications, with an asymptotic 95% interval.
struct Estimate {
  double value = 0.0;
  double low = 0.0;
  double high = 0.0;
};
Estimate risk_estimate(const OptimizeSpec& spec, std::span<const double> values);

//! One solver run.
struct Solution {
  std::vector<double> x;
  double value = 0.0;  //!< the objective it maximised (expected metric, or SAA risk measure)
  int evaluations = 0;
  std::string algorithm;
};

struct Settings {
  int threads = 0;  //!< replications' thread pool; 0: max_threads()
  //! Called after each objective evaluation: (stage, evaluations so far).
  std::function<void(const std::string&, int)> progress;
};

//! Maximise the expected metric (NLopt LN_BOBYQA on the box, LN_COBYLA with constraints).
//! `bound_scale` multiplies the first budget's bound (the efficient frontier).
Solution solve_expected(const Problem& p, double bound_scale = 1.0);

//! Maximise the risk measure on replications 0..R-1 of `seed` (sample-average approximation),
//! by LN_COBYLA from the expected optimum, today's plan and `spec.starts` quasi-random points.
Solution solve_risk(const Problem& p, std::span<const double> expected_optimum, std::uint64_t seed,
                    const Settings& settings);

//! The customer-equity test of a plan: marginal values per lever and Pfeifer's costs.
struct Marginal {
  std::string variable;
  LeverKind kind = LeverKind::Other;
  double derivative = 0.0;        //!< d(expected metric)/dx
  double dollars_per_unit = 0.0;  //!< the lever's coefficient in the first budget (NaN: none)
  double value_per_dollar = 0.0;  //!< derivative / dollars_per_unit
  bool at_bound = false;
  //! Acquisition: d(acquisition spend)/d(new customers); retention: d(retention spend) /
  //! d(customers kept), customers kept = -d(churned customers). NaN otherwise.
  double marginal_cost_per_customer = 0.0;
};
struct EquityTest {
  std::vector<Marginal> levers;
  double shadow_price = 0.0;  //!< d(optimal expected metric)/d(first budget's bound), re-optimised
  double average_acquisition_cost = 0.0;   //!< (acquisition spend + referral rewards)/new customers
  double average_retention_cost = 0.0;     //!< retention spend / customer-years retained
  double marginal_acquisition_cost = 0.0;  //!< of the acquisition levers not at a bound (mean)
  double marginal_retention_cost = 0.0;    //!< of the retention levers not at a bound (mean)
};
EquityTest equity_test(const Problem& p, std::span<const double> x);

//! One point of the efficient frontier: the best expected plan at a budget level.
struct FrontierPoint {
  double scale = 1.0;
  double bound = 0.0;
  std::vector<double> x;
  double expected = 0.0;
  double risk = 0.0;  //!< the SAA risk measure of that plan (NaN for the expected objective)
};

//! The whole analysis: optimum, fresh re-evaluation against today, equity test, frontier.
struct Result {
  Problem problem;
  std::vector<double> today;    //!< today's values (mean of each variable's parameters)
  Solution expected;            //!< the expected-value optimum
  Solution risk;                //!< the risk-aware optimum (x empty: expected objective)
  std::vector<double> plan;     //!< the recommended plan: risk optimum, else expected
  double today_expected = 0.0;  //!< expected metric of today's plan as written
  double plan_expected = 0.0;
  std::uint64_t saa_seed = 0;
  std::uint64_t evaluation_seed = 0;  //!< the fresh replications' seed
  int evaluation_replications = 0;
  Stats today_stats, plan_stats;             //!< the metric on the fresh replications
  Estimate today_objective, plan_objective;  //!< the risk measure on fresh replications
  DeltaSummary difference;                   //!< plan - today, paired on the fresh replications
  EquityTest equity;
  std::vector<FrontierPoint> frontier;
  double seconds = 0.0;
};

Result run_optimize(const Scenario& s, const Settings& settings);

//! The seed of the fresh replications, derived from the optimisation seed (splitmix64).
std::uint64_t evaluation_seed(std::uint64_t seed);

//! "expected", "mean", "quantile", "cvar", "probability", "mean_minus_sd".
[[nodiscard]] const char* objective_name(OptimizeSpec::Objective o);
//! A readable description, e.g. "5% quantile of npv".
[[nodiscard]] std::string objective_description(const OptimizeSpec& spec);

}  // namespace clvsim::optimize

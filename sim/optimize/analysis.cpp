// The analysis around an optimum: the customer-equity test, the efficient frontier, and the
// re-evaluation of the optimum and today's plan on fresh replications.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "clvsim/monte_carlo.hpp"
#include "clvsim/optimize/optimize.hpp"
#include "detail.hpp"

namespace clvsim::optimize {
namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

double mean_of(const std::vector<double>& v) {
  if (v.empty()) return NaN;
  double s = 0.0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

}  // namespace

EquityTest equity_test(const Problem& p, std::span<const double> x) {
  EquityTest out;
  const auto idx = [](Total t) { return static_cast<std::size_t>(t); };
  const std::vector<double> at = expected_totals(p, x);
  std::vector<double> acquisition_costs, retention_costs;
  for (std::size_t i = 0; i < p.size(); ++i) {
    Marginal m;
    m.variable = p.names[i];
    m.kind = p.kinds[i];
    const double width = p.upper[i] - p.lower[i];
    m.dollars_per_unit = p.constraints.empty() ? NaN : p.constraints.front().a[i];
    if (!(width > 0.0)) {
      m.derivative = m.value_per_dollar = m.marginal_cost_per_customer = NaN;
      m.at_bound = true;
      out.levers.push_back(m);
      continue;
    }
    // Central differences inside the bounds (one-sided at a bound).
    const double h = 1e-4 * width;
    m.at_bound = x[i] - p.lower[i] < 1e-6 * width || p.upper[i] - x[i] < 1e-6 * width;
    std::vector<double> xm(x.begin(), x.end()), xp(x.begin(), x.end());
    xm[i] = std::max(p.lower[i], x[i] - h);
    xp[i] = std::min(p.upper[i], x[i] + h);
    const std::vector<double> tm = expected_totals(p, xm), tp = expected_totals(p, xp);
    const double dx = xp[i] - xm[i];
    auto d = [&](Total t) { return (tp[idx(t)] - tm[idx(t)]) / dx; };
    m.derivative = d(p.metric);
    m.value_per_dollar = m.dollars_per_unit != 0.0 ? m.derivative / m.dollars_per_unit : NaN;
    m.marginal_cost_per_customer = NaN;
    if (m.kind == LeverKind::Acquisition && d(Total::NewCustomers) > 0.0) {
      m.marginal_cost_per_customer = d(Total::AcquisitionSpend) / d(Total::NewCustomers);
      if (!m.at_bound) acquisition_costs.push_back(m.marginal_cost_per_customer);
    }
    if (m.kind == LeverKind::Retention && -d(Total::ChurnedCustomers) > 0.0) {
      m.marginal_cost_per_customer = d(Total::RetentionSpend) / -d(Total::ChurnedCustomers);
      if (!m.at_bound) retention_costs.push_back(m.marginal_cost_per_customer);
    }
    out.levers.push_back(m);
  }
  out.marginal_acquisition_cost = mean_of(acquisition_costs);
  out.marginal_retention_cost = mean_of(retention_costs);

  // Average costs, as the "acquiring costs 5-25 times retaining" claim quotes them.
  out.average_acquisition_cost = at[idx(Total::Cac)];
  {
    std::vector<double> metrics, totals;
    const Scenario s = apply_plan(p, x);
    detail::expected_run(s, p.metric, metrics, totals);
    const MetricLayout layout(s);
    const int T = s.simulation.horizon;
    const int churned = MetricIndex::fixed(Metric::ChurnedCustomers);
    const int rate = MetricIndex::fixed(Metric::RetentionRate);
    double retained = 0.0;
    for (int t = 0; t < T; ++t) {
      const double c = metrics[static_cast<std::size_t>(churned * T + t)];
      const double r = metrics[static_cast<std::size_t>(rate * T + t)];
      if (c > 0.0 && r < 1.0) retained += c * r / (1.0 - r);  // at risk - churned
    }
    // Per customer-year kept, the unit the "5-25x" claim has in mind.
    const double years = retained / periods_per_year(s.simulation.period);
    out.average_retention_cost = years > 0.0 ? at[idx(Total::RetentionSpend)] / years : NaN;
  }

  // The budget's shadow price: re-optimise with the first budget's bound moved by +-0.1%.
  out.shadow_price = NaN;
  if (!p.constraints.empty() && p.constraints.front().bound != 0.0) {
    const double eps = 1e-3;
    const double delta = eps * p.constraints.front().bound;
    const double up = solve_expected(p, 1.0 + eps).value, down = solve_expected(p, 1.0 - eps).value;
    out.shadow_price = (up - down) / (2.0 * delta);
  }
  return out;
}

Result run_optimize(const Scenario& s, const Settings& settings) {
  const auto t0 = std::chrono::steady_clock::now();
  if (!s.optimize) throw InputError(s.source_file + " has no [optimize] table (docs/optimize.md)");
  Result res;
  res.problem = make_problem(s, *s.optimize);
  const Problem& p = res.problem;
  const OptimizeSpec& spec = p.spec;
  res.today = p.today;
  res.saa_seed = spec.seed != 0 ? spec.seed : s.simulation.seed;
  res.evaluation_seed = evaluation_seed(res.saa_seed);
  res.evaluation_replications = spec.evaluation_replications;

  if (settings.progress) settings.progress("expected-value optimum", 0);
  res.expected = solve_expected(p);
  const bool risk = spec.objective != OptimizeSpec::Objective::Expected;
  if (risk) res.risk = solve_risk(p, res.expected.x, res.saa_seed, settings);
  res.plan = risk ? res.risk.x : res.expected.x;

  std::vector<double> metrics, totals;
  detail::expected_run(p.base, p.metric, metrics, totals);
  res.today_expected = totals[static_cast<std::size_t>(p.metric)];
  res.plan_expected = expected_objective(p, res.plan);

  // Fresh replications: today's plan as written and the recommended plan, paired.
  if (settings.progress) settings.progress("re-evaluation on fresh replications", 0);
  // Today's plan as written (schedules included): no variable applied. Same seed: paired.
  Problem as_written = p;
  as_written.names.clear();
  const std::vector<double> today_values = sample_metric(
      as_written, {}, res.evaluation_seed, spec.evaluation_replications, settings.threads);
  const std::vector<double> plan_values = sample_metric(
      p, res.plan, res.evaluation_seed, spec.evaluation_replications, settings.threads);
  res.today_stats = summarize(today_values);
  res.plan_stats = summarize(plan_values);
  OptimizeSpec measure = spec;
  if (!risk) measure.objective = OptimizeSpec::Objective::Mean;
  res.today_objective = risk_estimate(measure, today_values);
  res.plan_objective = risk_estimate(measure, plan_values);
  res.difference = summarize_delta(today_values, plan_values);

  if (settings.progress) settings.progress("customer-equity test", 0);
  res.equity = equity_test(p, res.expected.x);

  if (!p.constraints.empty()) {
    if (settings.progress) settings.progress("efficient frontier", 0);
    for (double scale : spec.frontier) {
      FrontierPoint f;
      f.scale = scale;
      f.bound = p.constraints.front().bound * scale;
      try {
        const Solution sol = solve_expected(p, scale);
        f.x = sol.x;
        f.expected = sol.value;
        f.risk = risk ? risk_measure(spec, sample_metric(p, sol.x, res.saa_seed, spec.replications,
                                                         settings.threads))
                      : NaN;
      } catch (const InputError&) {
        // This budget level admits no plan within the bounds.
        f.x.assign(p.size(), NaN);
        f.expected = f.risk = NaN;
      }
      res.frontier.push_back(std::move(f));
    }
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace clvsim::optimize

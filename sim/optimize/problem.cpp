// The optimisation problem: variables by key path, budgets, and the objective's evaluations.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>

#include "clvsim/model.hpp"
#include "clvsim/monte_carlo.hpp"
#include "clvsim/optimize/optimize.hpp"
#include "clvsim/parallel.hpp"
#include "clvsim/suggest.hpp"
#include "clvsim/variants.hpp"
#include "detail.hpp"

namespace clvsim::optimize {
namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
constexpr double Z95 = 1.959963984540054;

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

LeverKind kind_of(const std::string& pattern) {
  auto starts = [&](const char* prefix) { return pattern.rfind(prefix, 0) == 0; };
  if (starts("channels.") || starts("funnel.") || starts("referral."))
    return LeverKind::Acquisition;
  if (starts("retention.") || starts("winback.")) return LeverKind::Retention;
  return LeverKind::Other;
}

Total total_named(const OptimizeSpec& spec) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < total_infos().size(); ++i) {
    if (total_infos()[i].name == spec.metric) return static_cast<Total>(i);
    names.push_back(total_infos()[i].name);
  }
  std::string accepted;
  for (const auto& n : names) accepted += (accepted.empty() ? "" : ", ") + n;
  const auto guess = closest_match(spec.metric, names);
  throw InputError::at(
      spec.where, "optimize.metric", "\"" + spec.metric + "\"", "is not a horizon total",
      (guess ? "did you mean '" + *guess + "'? " : std::string()) + "accepted: " + accepted);
}

bool needs_customer_value(Total t) {
  return t == Total::Ltv || t == Total::LtvCac || t == Total::PaybackPeriods;
}

std::vector<double> nonnan(std::span<const double> values) {
  std::vector<double> v;
  v.reserve(values.size());
  for (double x : values)
    if (!std::isnan(x)) v.push_back(x);
  return v;
}

}  // namespace

const char* lever_kind_name(LeverKind k) {
  switch (k) {
    case LeverKind::Acquisition:
      return "acquisition";
    case LeverKind::Retention:
      return "retention";
    case LeverKind::Other:
      return "other";
  }
  return "other";
}

const char* objective_name(OptimizeSpec::Objective o) {
  switch (o) {
    case OptimizeSpec::Objective::Expected:
      return "expected";
    case OptimizeSpec::Objective::Mean:
      return "mean";
    case OptimizeSpec::Objective::Quantile:
      return "quantile";
    case OptimizeSpec::Objective::Cvar:
      return "cvar";
    case OptimizeSpec::Objective::Probability:
      return "probability";
    case OptimizeSpec::Objective::MeanMinusSd:
      return "mean_minus_sd";
  }
  return "expected";
}

std::string objective_description(const OptimizeSpec& spec) {
  const std::string pct = number(100.0 * spec.level) + "%";
  switch (spec.objective) {
    case OptimizeSpec::Objective::Expected:
      return "expected " + spec.metric + " (exact)";
    case OptimizeSpec::Objective::Mean:
      return "Monte Carlo mean of " + spec.metric;
    case OptimizeSpec::Objective::Quantile:
      return pct + " quantile of " + spec.metric;
    case OptimizeSpec::Objective::Cvar:
      return "CVaR " + pct + " (mean of the worst " + pct + ") of " + spec.metric;
    case OptimizeSpec::Objective::Probability:
      return "P(" + spec.metric + " >= " + number(spec.target) + ")";
    case OptimizeSpec::Objective::MeanMinusSd:
      return "mean - " + number(spec.k) + " sd of " + spec.metric;
  }
  return spec.metric;
}

Problem make_problem(const Scenario& s, const OptimizeSpec& spec) {
  Problem p;
  p.base = s;
  p.base.variants.clear();
  p.spec = spec;
  p.metric = total_named(spec);
  if (spec.variables.empty())
    throw InputError::at(
        spec.where, "optimize.variables", "", "is missing or empty",
        "at least one decision variable: \"<key path>\" = { min = ..., max = ... }");

  Scenario probe = p.base;
  std::map<const Param*, std::string> owner;
  for (const auto& v : spec.variables) {
    const std::string key = "optimize.variables.\"" + v.pattern + "\"";
    if (std::find(p.names.begin(), p.names.end(), v.pattern) != p.names.end())
      throw InputError::at(v.where, key, "", "is given twice", "each decision variable once");
    const std::vector<Param*> targets = match_params(probe, v.pattern);
    if (targets.empty()) {
      const auto guess = closest_match(v.pattern, param_paths(probe));
      throw InputError::at(v.where, key, "", "matches no parameter of the scenario",
                           (guess ? "did you mean '" + *guess + "'? " : std::string()) +
                               "a dotted key path such as channels.<name>.spend; '*' matches one "
                               "component; docs/scenario.md lists every key");
    }
    if (!(v.min <= v.max) || !std::isfinite(v.min) || !std::isfinite(v.max))
      throw InputError::at(v.where, key,
                           "{ min = " + number(v.min) + ", max = " + number(v.max) + " }",
                           "has bad bounds", "finite min <= max");
    double sum = 0.0;
    for (const Param* t : targets) {
      const auto [it, fresh] = owner.emplace(t, v.pattern);
      if (!fresh)
        throw InputError::at(
            v.where, key, "",
            "sets " + t->path + ", which variable \"" + it->second + "\" also sets",
            "each parameter may belong to one decision variable");
      for (const auto& [end, b] : {std::pair{".min", v.min}, std::pair{".max", v.max}})
        if (!in_domain(t->domain, b))
          throw InputError::at(v.where, key + end, number(b),
                               "is a bound outside " + t->path + "'s domain",
                               domain_description(t->domain));
      sum += t->value;
    }
    p.names.push_back(v.pattern);
    p.kinds.push_back(kind_of(v.pattern));
    p.lower.push_back(v.min);
    p.upper.push_back(v.max);
    p.today.push_back(sum / static_cast<double>(targets.size()));
  }

  for (const auto& b : spec.budgets) {
    Constraint c;
    c.name = b.name;
    c.a.assign(p.size(), 0.0);
    c.sense = b.sense;
    if (b.terms.empty())
      throw InputError::at(b.where, "optimize.budgets." + b.name + ".terms", "", "is empty",
                           "{ \"<variable>\" = <coefficient>, ... } over the decision variables");
    for (const auto& [pattern, coef] : b.terms) {
      const auto it = std::find(p.names.begin(), p.names.end(), pattern);
      if (it == p.names.end()) {
        const auto guess = closest_match(pattern, p.names);
        throw InputError::at(b.where, "optimize.budgets." + b.name + ".terms.\"" + pattern + "\"",
                             number(coef), "is not a decision variable",
                             (guess ? "did you mean '" + *guess + "'? " : std::string()) +
                                 "the keys of [optimize.variables]");
      }
      c.a[static_cast<std::size_t>(it - p.names.begin())] += coef;
    }
    c.bound = b.bound_is_today ? constraint_value(c, p.today) : b.bound;
    // What the bounds allow: the smallest and largest value of the budget's terms.
    double lo = 0.0, hi = 0.0;
    for (std::size_t i = 0; i < p.size(); ++i) {
      lo += std::min(c.a[i] * p.lower[i], c.a[i] * p.upper[i]);
      hi += std::max(c.a[i] * p.lower[i], c.a[i] * p.upper[i]);
    }
    const double tol = 1e-9 * std::max(1.0, std::fabs(c.bound));
    const bool ok = (b.sense == OptimizeSpec::Budget::Sense::AtMost && lo <= c.bound + tol) ||
                    (b.sense == OptimizeSpec::Budget::Sense::AtLeast && hi >= c.bound - tol) ||
                    (b.sense == OptimizeSpec::Budget::Sense::Equal && lo <= c.bound + tol &&
                     hi >= c.bound - tol);
    if (!ok)
      throw InputError::at(b.where, "optimize.budgets." + b.name, number(c.bound),
                           "cannot be met within the variables' bounds (they give between " +
                               number(lo) + " and " + number(hi) + ")",
                           "a bound the variables' [min, max] can reach");
    p.constraints.push_back(std::move(c));
  }
  return p;
}

Scenario apply_plan(const Problem& p, std::span<const double> x) {
  Scenario s = p.base;
  for (std::size_t i = 0; i < p.size(); ++i) {
    Override o;
    o.op = Override::Op::Set;
    o.pattern = p.names[i];
    o.value.value = std::clamp(x[i], p.lower[i], p.upper[i]);
    o.where = p.spec.variables[i].where;
    apply_override(s, o);
  }
  return s;
}

double constraint_value(const Constraint& c, std::span<const double> x) {
  double v = 0.0;
  for (std::size_t i = 0; i < c.a.size(); ++i) v += c.a[i] * x[i];
  return v;
}

double max_violation(const Problem& p, std::span<const double> x) {
  double worst = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i)
    worst = std::max({worst, p.lower[i] - x[i], x[i] - p.upper[i]});
  for (const Constraint& c : p.constraints) {
    const double v = constraint_value(c, x) - c.bound;
    switch (c.sense) {
      case OptimizeSpec::Budget::Sense::AtMost:
        worst = std::max(worst, v);
        break;
      case OptimizeSpec::Budget::Sense::AtLeast:
        worst = std::max(worst, -v);
        break;
      case OptimizeSpec::Budget::Sense::Equal:
        worst = std::max(worst, std::fabs(v));
        break;
    }
  }
  return worst;
}

namespace detail {
void expected_run(const Scenario& s, Total metric, std::vector<double>& metrics,
                  std::vector<double>& totals) {
  const ModelParams m =
      resolve_nominal(s, needs_customer_value(metric) ? Valuation::WithCustomerValue
                                                      : Valuation::WithoutCustomerValue);
  const MetricIndex index = MetricIndex::of(m);
  metrics.assign(static_cast<std::size_t>(index.size()) * m.horizon, 0.0);
  totals.assign(static_cast<std::size_t>(Total::Count_), 0.0);
  expected_trajectory(m, metrics, totals);
}
}  // namespace detail

std::vector<double> expected_totals(const Problem& p, std::span<const double> x) {
  std::vector<double> metrics, totals;
  detail::expected_run(apply_plan(p, x), p.metric, metrics, totals);
  return totals;
}

double expected_objective(const Problem& p, std::span<const double> x) {
  return expected_totals(p, x)[static_cast<std::size_t>(p.metric)];
}

std::vector<double> sample_metric(const Problem& p, std::span<const double> x, std::uint64_t seed,
                                  int replications, int threads) {
  const Scenario s = apply_plan(p, x);
  if (needs_customer_value(p.metric)) {
    RunOptions options;
    options.replications = replications;
    options.seed = seed;
    options.use_seed = true;
    options.threads = threads;
    const RunResults r = run_monte_carlo(std::span<const Scenario>(&s, 1), options);
    return r.scenarios.front().across(p.metric);
  }
  // The same replications as run_monte_carlo (streams keyed by seed and replication), without
  // the customer-value chain that only the LTV metrics need: most of a replication's cost.
  const Valuation valuation = Valuation::WithoutCustomerValue;
  const ModelParams nominal = resolve_nominal(s, valuation);
  const bool uncertain = has_uncertainty(s);
  const std::size_t size = static_cast<std::size_t>(MetricIndex::of(nominal).size()) *
                           static_cast<std::size_t>(nominal.horizon);
  std::vector<double> out(static_cast<std::size_t>(replications));
  parallel_for(out.size(), threads, [&](std::size_t r) {
    std::vector<double> metrics(size), totals(static_cast<std::size_t>(Total::Count_));
    if (uncertain)
      simulate_replication(resolve(s, seed, r, valuation), seed, r, metrics, totals);
    else
      simulate_replication(nominal, seed, r, metrics, totals);
    out[r] = totals[static_cast<std::size_t>(p.metric)];
  });
  return out;
}

double cvar(std::span<const double> values, double level) {
  std::vector<double> v = nonnan(values);
  if (v.empty()) return NaN;
  std::sort(v.begin(), v.end());
  // The mean of the lowest level * n values, the last one counted fractionally.
  const double share = level * static_cast<double>(v.size());
  const auto whole = static_cast<std::size_t>(std::floor(share));
  double sum = 0.0;
  for (std::size_t i = 0; i < whole && i < v.size(); ++i) sum += v[i];
  const double frac = share - static_cast<double>(whole);
  if (whole < v.size()) sum += frac * v[whole];
  return share > 0.0 ? sum / share : v.front();
}

double risk_measure(const OptimizeSpec& spec, std::span<const double> values) {
  switch (spec.objective) {
    case OptimizeSpec::Objective::Expected:
    case OptimizeSpec::Objective::Mean:
      return summarize(values).mean;
    case OptimizeSpec::Objective::Quantile: {
      std::vector<double> v = nonnan(values);
      std::sort(v.begin(), v.end());
      return quantile_sorted(v, spec.level);
    }
    case OptimizeSpec::Objective::Cvar:
      return cvar(values, spec.level);
    case OptimizeSpec::Objective::Probability: {
      const std::vector<double> v = nonnan(values);
      std::size_t hit = 0;
      for (double x : v) hit += x >= spec.target ? 1 : 0;
      return v.empty() ? NaN : static_cast<double>(hit) / static_cast<double>(v.size());
    }
    case OptimizeSpec::Objective::MeanMinusSd: {
      const Stats st = summarize(values);
      return st.mean - spec.k * st.sd;
    }
  }
  return NaN;
}

Estimate risk_estimate(const OptimizeSpec& spec, std::span<const double> values) {
  std::vector<double> v = nonnan(values);
  std::sort(v.begin(), v.end());
  Estimate e;
  e.value = risk_measure(spec, v);
  const double n = static_cast<double>(v.size());
  if (v.size() < 2) {
    e.low = e.high = NaN;
    return e;
  }
  const Stats st = summarize(v);
  double se = NaN;
  switch (spec.objective) {
    case OptimizeSpec::Objective::Expected:
    case OptimizeSpec::Objective::Mean:
      se = st.std_error;
      break;
    case OptimizeSpec::Objective::Quantile: {
      // Distribution-free: the order statistics whose ranks bound n p by 1.96 binomial sd.
      const double np = n * spec.level, half = Z95 * std::sqrt(np * (1.0 - spec.level));
      const auto lo = static_cast<std::size_t>(std::clamp(std::floor(np - half), 0.0, n - 1.0));
      const auto hi = static_cast<std::size_t>(std::clamp(std::ceil(np + half), 0.0, n - 1.0));
      e.low = v[lo];
      e.high = v[hi];
      return e;
    }
    case OptimizeSpec::Objective::Cvar: {
      // Asymptotic variance of the empirical CVaR: (Var(X | X <= q) + (1 - a)(CVaR - q)^2) / (n a).
      const double a = spec.level;
      const double q = quantile_sorted(v, a);
      const auto tail = static_cast<std::size_t>(std::max(1.0, std::floor(a * n)));
      const Stats ts = summarize(std::span<const double>(v.data(), std::min(tail, v.size())));
      const double tail_var = ts.n > 1 ? ts.sd * ts.sd : 0.0;
      se = std::sqrt((tail_var + (1.0 - a) * (e.value - q) * (e.value - q)) / (n * a));
      break;
    }
    case OptimizeSpec::Objective::Probability:
      se = std::sqrt(e.value * (1.0 - e.value) / n);
      break;
    case OptimizeSpec::Objective::MeanMinusSd: {
      // Delta method: Var(mean) + k^2 Var(sd), Var(sd) ~ (m4 - s^4) / (4 s^2 n).
      double m4 = 0.0;
      for (double x : v) m4 += std::pow(x - st.mean, 4);
      m4 /= n;
      const double s2 = st.sd * st.sd;
      const double var_sd = s2 > 0.0 ? std::max(0.0, m4 - s2 * s2) / (4.0 * s2 * n) : 0.0;
      se = std::sqrt(s2 / n + spec.k * spec.k * var_sd);
      break;
    }
  }
  e.low = e.value - Z95 * se;
  e.high = e.value + Z95 * se;
  if (spec.objective == OptimizeSpec::Objective::Probability) {
    e.low = std::max(0.0, e.low);
    e.high = std::min(1.0, e.high);
  }
  return e;
}

std::uint64_t evaluation_seed(std::uint64_t seed) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * 0x5eedull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace clvsim::optimize

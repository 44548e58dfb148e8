#include "clvsim/variants.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <set>

#include "clvsim/distribution.hpp"
#include "clvsim/engine.hpp"
#include "clvsim/model.hpp"
#include "clvsim/suggest.hpp"

namespace clvsim {
namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string cur;
  for (char ch : path) {
    if (ch == '.') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  parts.push_back(cur);
  return parts;
}

std::string without_index(const std::string& component) {
  const auto bracket = component.find('[');
  return bracket == std::string::npos ? component : component.substr(0, bracket);
}

bool matches(const std::vector<std::string>& pattern, const std::string& path) {
  const std::vector<std::string> parts = split_path(path);
  if (parts.size() != pattern.size()) return false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (pattern[i] == "*") continue;
    if (pattern[i] == parts[i]) continue;
    // "spend" addresses every element "spend[i]" of an array parameter.
    if (i + 1 == parts.size() && pattern[i].find('[') == std::string::npos &&
        pattern[i] == without_index(parts[i]))
      continue;
    return false;
  }
  return true;
}

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

bool same(const Param& a, const Param& b) {
  const auto same_dist = [](const std::optional<Distribution>& x, const std::optional<Distribution>& y) {
    if (x.has_value() != y.has_value()) return false;
    return !x || (x->kind == y->kind && x->a == y->a && x->b == y->b && x->c == y->c);
  };
  return a.value == b.value && a.scale == b.scale && a.shift == b.shift && same_dist(a.dist, b.dist) &&
         a.draw_key == b.draw_key;
}

//! The component of `pattern` that names nothing at its place, and the names that exist there
//! (under the components before it): "segments.premum.churn" -> 1, {basic, premium}. Returns
//! false when every component names something on its own.
bool unknown_component(const std::vector<std::string>& pattern, const std::vector<std::string>& paths,
                       std::size_t& bad, std::vector<std::string>& names) {
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    names.clear();
    bool found = false;
    for (const std::string& path : paths) {
      const std::vector<std::string> parts = split_path(path);
      if (parts.size() <= i) continue;
      bool prefix = true;
      for (std::size_t j = 0; j < i && prefix; ++j)
        prefix = pattern[j] == "*" || pattern[j] == parts[j] || without_index(pattern[j]) == parts[j];
      if (!prefix) continue;
      if (pattern[i] == "*" || pattern[i] == parts[i] || without_index(pattern[i]) == parts[i]) found = true;
      if (std::find(names.begin(), names.end(), parts[i]) == names.end()) names.push_back(parts[i]);
    }
    if (!found && !names.empty()) {
      bad = i;
      return true;
    }
    if (!found) return false;
  }
  return false;
}

std::string join_parts(const std::vector<std::string>& parts, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n && i < parts.size(); ++i) out += (i ? "." : "") + parts[i];
  return out;
}

std::string points(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", 100.0 * x);
  return buf;
}

// Scale every segment's churn_multiplier by `x`, as a variant's scale does.
void scale_churn(Scenario& s, double x) {
  for (Segment& seg : s.segments) {
    Param& p = seg.churn_multiplier;
    p.value *= x;
    p.scale *= x;
    p.shift *= x;
  }
}

// Solve the variant's retention goal: the factor x on every churn_multiplier whose expected annual
// retention is the goal, by bisection on [0, x_max] (retention falls as x grows; x_max keeps every
// hazard <= 1). Unreachable goals are InputErrors at the goal's place.
void solve_retention(Scenario& v, const Scenario& base, const VariantSpec& spec) {
  const RetentionGoal& g = *spec.retention;
  const std::string path = "variants." + spec.name + ".annual_retention";
  RetentionSolution sol;
  sol.base = expected_annual_retention(base);
  sol.goal = g.kind == RetentionGoal::Kind::Add ? sol.base + g.value : g.value;
  const std::string asked = g.kind == RetentionGoal::Kind::Add
                                ? std::string(g.value >= 0 ? "+" : "") + points(g.value) +
                                      " points from " + points(sol.base) + "%"
                                : points(g.value) + "%";
  if (std::isnan(sol.base))
    throw InputError::at(g.where, path, asked, "cannot be solved",
                         "the scenario has no customers at risk in any period, so it has no annual "
                         "retention; give it initial customers or acquisition");
  const ModelParams m = resolve_nominal(v, Valuation::WithoutCustomerValue);
  double worst = 0.0;  // the largest hazard at the current multipliers
  for (const double h : m.hazard) worst = std::max(worst, h);
  const double x_max = worst > 0.0 ? 1.0 / worst : 1.0;
  const auto retention_at = [&](double x) {
    Scenario s = v;
    scale_churn(s, x);
    return expected_annual_retention(s);
  };
  const double high = retention_at(0.0), low = retention_at(x_max);
  if (!(sol.goal < high && sol.goal >= low) && !(sol.goal == high))
    throw InputError::at(g.where, path, asked,
                         "asks for an annual retention of " + points(sol.goal) +
                             "%, which scaling every segment's churn cannot reach",
                         "reachable: " + points(low) + "% (churn scaled by " + number(x_max) +
                             ", a hazard reaching 1) to " + points(high) +
                             "% (no churn); ask for a level in that range");
  double lo = 0.0, hi = x_max;
  for (int i = 0; i < 100 && hi - lo > 1e-13 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (retention_at(mid) > sol.goal ? lo : hi) = mid;
  }
  sol.churn_scale = 0.5 * (lo + hi);
  scale_churn(v, sol.churn_scale);
  for (Segment& seg : v.segments) seg.churn_multiplier.where = g.where;
  sol.reached = expected_annual_retention(v);
  v.retention_solution = sol;
}

}  // namespace

double expected_annual_retention(const Scenario& s) {
  const ModelParams m = resolve_nominal(s, Valuation::WithoutCustomerValue);
  const MetricIndex index = MetricIndex::of(m);
  const int T = m.horizon;
  std::vector<double> metrics(static_cast<std::size_t>(index.size()) * T),
      totals(static_cast<std::size_t>(Total::Count_));
  expected_trajectory(m, metrics, totals);
  double sum = 0.0;
  int n = 0;
  for (int t = 0; t < T; ++t) {
    const double r =
        metrics[static_cast<std::size_t>(MetricIndex::fixed(Metric::RetentionRate)) * T + t];
    if (std::isnan(r)) continue;
    sum += r;
    ++n;
  }
  return n > 0 ? std::pow(sum / n, m.periods_per_year) : std::numeric_limits<double>::quiet_NaN();
}

const char* op_name(Override::Op op) {
  switch (op) {
    case Override::Op::Set: return "set";
    case Override::Op::Scale: return "scale";
    case Override::Op::Add: return "add";
  }
  return "set";
}

std::vector<Param*> match_params(Scenario& s, const std::string& pattern) {
  const std::vector<std::string> pat = split_path(pattern);
  std::vector<Param*> out;
  for_each_param(s, [&](Param& p) {
    if (!p.path.empty() && matches(pat, p.path)) out.push_back(&p);
  });
  return out;
}

std::vector<std::string> param_paths(const Scenario& s) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for_each_param(s, [&](const Param& p) {
    std::string path = p.path;
    const auto bracket = path.rfind('[');
    if (bracket != std::string::npos && path.back() == ']') path.resize(bracket);
    if (!path.empty() && seen.insert(path).second) out.push_back(path);
  });
  return out;
}

std::string unused_reason(const Scenario& s, const Param& p) {
  for (const Segment& seg : s.segments) {
    const bool sbg = seg.churn_model == ChurnModel::ShiftedBetaGeometric;
    if (&p == &seg.churn && sbg)
      return "segment '" + seg.name + "' has churn_sbg, so its constant churn is not used";
    if ((&p == &seg.sbg_alpha || &p == &seg.sbg_beta) && !sbg)
      return "segment '" + seg.name + "' has a constant churn, so churn_sbg is not used";
    if (&p == &seg.order_value_cv && seg.order_value.value == 0.0 && !seg.order_value.uncertain())
      return "segment '" + seg.name + "' has order_value = 0";
  }
  for (const Channel& ch : s.channels) {
    const bool linear = ch.response == Response::Linear;
    if (&p == &ch.cost_per_lead && !linear)
      return "channel '" + ch.name + "' has response = \"saturating\", which does not use cost_per_lead";
    if ((&p == &ch.max_leads || &p == &ch.half_saturation_spend) && linear)
      return "channel '" + ch.name + "' has response = \"linear\", which uses cost_per_lead only";
  }
  const RetentionProgram& r = s.retention;
  if (r.mode == RetentionSpend::None &&
      (&p == &r.spend || &p == &r.max_churn_reduction || &p == &r.half_saturation))
    return "the scenario has no retention program ([retention] with a spend)";
  const WinBack& w = s.winback;
  const bool success = std::any_of(w.success_probability.begin(), w.success_probability.end(),
                                   [&](const Param& q) { return &p == &q; });
  if (!w.enabled && (&p == &w.attempt_cost || success))
    return "the scenario has no [winback] table";
  return {};
}

void apply_override(Scenario& s, const Override& o) {
  const std::vector<Param*> targets = match_params(s, o.pattern);
  if (targets.empty()) {
    const std::vector<std::string> paths = param_paths(s);
    const std::vector<std::string> pattern = split_path(o.pattern);
    std::size_t bad = 0;
    std::vector<std::string> names;
    if (unknown_component(pattern, paths, bad, names)) {
      const auto guess = closest_match(pattern[bad], names);
      const std::string where = bad == 0 ? std::string("at the top level") : "in " + join_parts(pattern, bad);
      throw InputError::at(o.where, o.pattern, "",
                           "matches no parameter: there is no '" + pattern[bad] + "' " + where,
                           (guess ? "did you mean '" + *guess + "'? " : std::string()) + "names " +
                               where + ": " + list_names(names) +
                               "; '*' matches any one component; docs/scenario.md lists every key");
    }
    const auto guess = closest_match(o.pattern, paths);
    throw InputError::at(o.where, o.pattern, "",
                         "matches no parameter of the scenario",
                         (guess ? "did you mean '" + *guess + "'? " : std::string()) +
                             "a dotted key path such as segments.<name>.churn; '*' matches one "
                             "component; docs/scenario.md lists every key");
  }
  std::string unused;
  std::size_t used = 0;
  for (const Param* p : targets) {
    const std::string why = unused_reason(s, *p);
    if (why.empty()) ++used;
    else if (unused.empty()) unused = why;
  }
  if (used == 0)
    throw InputError::at(o.where, o.pattern, "",
                         "matches only parameters the scenario does not use, so it would change "
                         "nothing",
                         unused + (targets.size() > 1 ? " (and likewise for the other " +
                                                            std::to_string(targets.size() - 1) +
                                                            " matched)"
                                                      : std::string()) +
                             "; address a parameter that the scenario uses");
  for (Param* p : targets) {
    switch (o.op) {
      case Override::Op::Set:
        p->dist = o.value.dist;
        p->scale = 1.0;
        p->shift = 0.0;
        p->draw_key.clear();
        p->draws_column = -1;  // a set value or distribution replaces the table's column
        p->value = o.value.value;
        p->where = o.where;
        if (p->dist) {
          check_distribution(*p);
          p->value = distribution_mean(*p->dist, p->domain);
        }
        break;
      case Override::Op::Scale:
        p->value *= o.value.value;
        p->scale *= o.value.value;
        p->shift *= o.value.value;
        p->where = o.where;
        break;
      case Override::Op::Add:
        p->value += o.value.value;
        p->shift += o.value.value;
        p->where = o.where;
        break;
    }
    if (!in_domain(p->domain, p->value)) {
      throw InputError::at(o.where, p->path, number(p->value),
                           std::string("is out of range after the ") + op_name(o.op) + " of " +
                               number(o.value.value) +
                               (o.pattern == p->path ? std::string() : " on " + o.pattern),
                           domain_description(p->domain));
    }
  }
}

std::vector<Scenario> expand_variants(const Scenario& base) {
  std::vector<Scenario> out;
  out.push_back(base);
  out.front().variants.clear();
  std::set<std::string> names{base.name};
  for (const VariantSpec& spec : base.variants) {
    if (!names.insert(spec.name).second)
      throw InputError::at(spec.where, "variants." + spec.name, "",
                           "has the same name as the base scenario or another variant",
                           "variant names must be unique and differ from scenario.name");
    Scenario v = out.front();
    v.name = spec.name;
    v.description = spec.description;
    if (spec.overrides.empty() && !spec.retention)
      throw InputError::at(spec.where, "variants." + spec.name, "", "changes nothing",
                           "a variant needs set, scale or add with at least one key path, or "
                           "annual_retention; a "
                           "variant equal to the base would report a difference of exactly 0");
    for (const Override& o : spec.overrides) {
      // Snapshot the matched parameters to tell an override that changes nothing.
      std::vector<Param> before;
      for (Param* p : match_params(v, o.pattern)) before.push_back(*p);
      apply_override(v, o);
      const std::vector<Param*> after = match_params(v, o.pattern);
      bool changed = false;
      for (std::size_t i = 0; i < after.size() && !changed; ++i)
        changed = !same(before[i], *after[i]) && unused_reason(v, *after[i]).empty();
      if (!changed)
        throw InputError::at(o.where, "variants." + spec.name + "." + op_name(o.op) + "." + o.pattern,
                             number(o.value.value), "changes nothing",
                             std::string("every parameter it matches already has that value") +
                                 (o.op == Override::Op::Scale ? " (a scale of 1)"
                                  : o.op == Override::Op::Add ? " (an add of 0)"
                                                              : "") +
                                 "; a variant equal to the base reports a difference of exactly 0: "
                                 "remove the override, or change the value");
    }
    if (spec.retention) solve_retention(v, out.front(), spec);
    try {
      validate(v);
    } catch (const InputError& e) {
      throw InputError(std::string(e.what()) + "; after the changes of variant '" + spec.name + "'");
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace clvsim

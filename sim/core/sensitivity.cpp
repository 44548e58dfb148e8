#include "clvsim/sensitivity.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>

#include "clvsim/model.hpp"
#include "clvsim/parallel.hpp"
#include "clvsim/suggest.hpp"
#include "clvsim/variants.hpp"

namespace clvsim {
namespace {

// The scenario with each parameter j at x[j] (factor or value).
Scenario at_point(const Scenario& base, const std::vector<SensitivityParameter>& params,
                  const std::vector<double>& x) {
  Scenario s = base;
  for (std::size_t j = 0; j < params.size(); ++j) {
    Override o;
    o.op = params[j].op;
    o.pattern = params[j].pattern;
    o.value.value = x[j];
    o.where = params[j].where;
    apply_override(s, o);
  }
  return s;
}

// f(i) for i in [0, n): ranks take contiguous blocks, threads share a rank's block; results in
// index order on every rank.
std::vector<double> distributed_map(std::size_t n, Communicator& comm, int threads,
                                    const std::function<double(std::size_t)>& f,
                                    const std::function<void(std::size_t, std::size_t)>& progress) {
  const Block mine = block_of(n, comm.rank(), comm.size());
  std::vector<double> local(mine.last - mine.first);
  std::atomic<std::size_t> done{0};
  std::exception_ptr failure;
  try {
    parallel_for(local.size(), threads, [&](std::size_t k) {
      local[k] = f(mine.first + k);
      const std::size_t d = done.fetch_add(1) + 1;
      if (progress && comm.rank() == 0 && thread_num() == 0) progress(d, local.size());
    });
  } catch (...) {
    failure = std::current_exception();
  }
  if (comm.any(failure != nullptr)) {
    if (failure) std::rethrow_exception(failure);
    throw RuntimeError("the sensitivity analysis failed on another MPI rank (its error is reported there)");
  }
  return comm.all_gather(local);
}

}  // namespace

Total total_by_name(const std::string& name) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < total_infos().size(); ++i) {
    if (total_infos()[i].name == name) return static_cast<Total>(i);
    names.push_back(total_infos()[i].name);
  }
  std::string accepted;
  for (const auto& n : names) accepted += (accepted.empty() ? "" : ", ") + n;
  const auto guess = closest_match(name, names);
  throw InputError("sensitivity.metric = \"" + name + "\" is not a horizon total (" +
                   (guess ? "did you mean '" + *guess + "'? " : std::string()) + "accepted: " + accepted + ")");
}

double expected_total(const Scenario& s, Total metric) {
  const ModelParams m = resolve_nominal(
      s, needs_customer_value(metric) ? Valuation::WithCustomerValue : Valuation::WithoutCustomerValue);
  std::vector<double> metrics(static_cast<std::size_t>(MetricLayout(s).size()) * m.horizon);
  std::vector<double> totals(static_cast<std::size_t>(Total::Count_));
  expected_trajectory(m, metrics, totals);
  return totals[static_cast<std::size_t>(metric)];
}

std::vector<SensitivityParameter> sensitivity_parameters(const Scenario& s, const SensitivitySpec& spec,
                                                         std::vector<std::string>* skipped) {
  const bool chosen = !spec.parameters.empty();
  std::vector<std::string> patterns = chosen ? spec.parameters : param_paths(s);
  for (const auto& r : spec.ranges)
    if (std::find(patterns.begin(), patterns.end(), r.pattern) == patterns.end()) patterns.push_back(r.pattern);

  std::vector<SensitivityParameter> out;
  for (const std::string& pattern : patterns) {
    Scenario probe = s;
    const std::vector<Param*> matched = match_params(probe, pattern);
    if (matched.empty()) {
      Override o;
      o.pattern = pattern;
      o.where = spec.where;
      apply_override(probe, o);  // throws the usual "matches no parameter" error with a suggestion
    }
    const bool any_used = std::any_of(matched.begin(), matched.end(),
                                      [&](const Param* q) { return unused_reason(probe, *q).empty(); });
    if (!any_used) {
      const auto r = std::find_if(spec.ranges.begin(), spec.ranges.end(),
                                  [&](const auto& x) { return x.pattern == pattern; });
      if (chosen || r != spec.ranges.end()) {
        Override o;
        o.pattern = pattern;
        o.where = r != spec.ranges.end() ? r->where : spec.where;
        apply_override(probe, o);  // throws: "matches only parameters the scenario does not use"
      }
      if (skipped) skipped->push_back(pattern + " (" + unused_reason(probe, *matched.front()) + ")");
      continue;
    }
    const Param& first = *matched.front();
    SensitivityParameter p;
    p.pattern = pattern;
    p.where = spec.where;
    p.nominal = first.value;
    const auto range = std::find_if(spec.ranges.begin(), spec.ranges.end(),
                                    [&](const SensitivitySpec::Range& r) { return r.pattern == pattern; });
    if (range != spec.ranges.end()) {
      p.op = Override::Op::Set;
      p.where = range->where;
      p.low = p.value_low = range->low;
      p.high = p.value_high = range->high;
    } else {
      if (first.value == 0.0) {
        if (skipped) skipped->push_back(pattern + " (point value 0: a relative change moves nothing)");
        if (chosen)
          throw InputError::at(spec.where, "sensitivity.parameters", pattern,
                               "has point value 0, so a relative change does not move it",
                               "give it an explicit range in [sensitivity.ranges]");
        continue;
      }
      p.op = Override::Op::Scale;
      p.low = 1.0 - spec.relative_change;
      p.high = 1.0 + spec.relative_change;
      // Keep every matched parameter inside its domain (a probability of 0.95 + 10% is 1).
      for (const Param* q : matched) {
        const Interval iv = domain_interval(q->domain);
        if (q->value > 0.0 && std::isfinite(iv.hi)) p.high = std::min(p.high, iv.hi / q->value);
      }
      p.value_low = p.nominal * p.low;
      p.value_high = p.nominal * p.high;
    }
    // Both ends must make a valid scenario.
    try {
      for (double x : {p.low, p.high}) validate(at_point(s, {p}, {x}));
    } catch (const InputError& e) {
      if (chosen || range != spec.ranges.end())
        throw InputError(std::string(e.what()) + "; at the end of the sensitivity range of " + pattern +
                         " (narrow it in [sensitivity.ranges])");
      if (skipped) skipped->push_back(pattern + " (its +/- range makes the scenario invalid)");
      continue;
    }
    out.push_back(p);
  }
  return out;
}

SensitivityResult run_sensitivity(const Scenario& s, const SensitivitySpec& spec, Communicator& comm, int threads,
                                  const std::function<void(std::size_t, std::size_t)>& progress) {
  SensitivityResult r;
  r.metric = spec.metric;
  const Total metric = total_by_name(spec.metric);
  r.parameters = sensitivity_parameters(s, spec, &r.skipped);
  const std::size_t P = r.parameters.size();
  if (P == 0) throw InputError("sensitivity: no parameter to vary (every candidate has point value 0)");

  // Evaluation points: the base, then each parameter low and high (others at point values), then
  // the Saltelli plan mapped onto [low, high].
  std::vector<double> centre(P);
  for (std::size_t j = 0; j < P; ++j) centre[j] = r.parameters[j].op == Override::Op::Scale ? 1.0 : r.parameters[j].nominal;
  std::vector<std::vector<double>> points{centre};
  for (std::size_t j = 0; j < P; ++j) {
    for (double x : {r.parameters[j].low, r.parameters[j].high}) {
      points.push_back(centre);
      points.back()[j] = x;
    }
  }
  const std::size_t oat_end = points.size();
  if (spec.sobol) {
    r.samples = spec.samples;
    for (const auto& u : saltelli_plan(static_cast<int>(P), spec.samples)) {
      std::vector<double> x(P);
      for (std::size_t j = 0; j < P; ++j) x[j] = r.parameters[j].low + u[j] * (r.parameters[j].high - r.parameters[j].low);
      points.push_back(std::move(x));
    }
  }
  r.evaluations = points.size();
  const std::vector<double> y = distributed_map(
      points.size(), comm, threads,
      [&](std::size_t i) { return expected_total(at_point(s, r.parameters, points[i]), metric); }, progress);

  r.base = y[0];
  for (std::size_t j = 0; j < P; ++j) {
    const SensitivityParameter& p = r.parameters[j];
    OneAtATime o;
    o.y_low = y[1 + 2 * j];
    o.y_high = y[2 + 2 * j];
    o.swing = std::fabs(o.y_high - o.y_low);
    const double dx = (p.value_high - p.value_low) / p.nominal;
    o.elasticity = (r.base != 0.0 && p.nominal != 0.0 && dx != 0.0) ? ((o.y_high - o.y_low) / r.base) / dx
                                                                      : std::numeric_limits<double>::quiet_NaN();
    r.oat.push_back(o);
  }
  if (spec.sobol) {
    const std::vector<double> ys(y.begin() + static_cast<std::ptrdiff_t>(oat_end), y.end());
    r.sobol = sobol_indices(ys, static_cast<int>(P), spec.samples);
  }
  return r;
}

}  // namespace clvsim

#include "clvsim/monte_carlo.hpp"

#include <atomic>
#include <chrono>

#include "clvsim/model.hpp"
#include "clvsim/parallel.hpp"

namespace clvsim {

std::vector<double> ScenarioResults::across(int m, int t) const {
  std::vector<double> v(static_cast<std::size_t>(replications));
  for (int r = 0; r < replications; ++r) v[r] = metric(r, m)[t];
  return v;
}

std::vector<double> ScenarioResults::across(Total x) const {
  std::vector<double> v(static_cast<std::size_t>(replications));
  for (int r = 0; r < replications; ++r) v[r] = total(r, x);
  return v;
}

RunResults run_monte_carlo(std::span<const Scenario> scenarios, const RunOptions& options) {
  if (scenarios.empty()) throw InputError("no scenario to run");
  const auto start = std::chrono::steady_clock::now();
  const Scenario& first = scenarios.front();
  RunResults out;
  out.seed = options.use_seed ? options.seed : first.simulation.seed;
  out.replications = options.replications > 0 ? options.replications : first.simulation.replications;
  out.threads = options.threads > 0 ? options.threads : max_threads();
  const int R = out.replications;
  const int V = static_cast<int>(scenarios.size());

  // Set-up: layouts, storage, and the parameters of scenarios without uncertainty (shared).
  std::vector<ModelParams> nominal;
  std::vector<bool> uncertain;
  for (const Scenario& s : scenarios) {
    if (s.simulation.horizon != first.simulation.horizon)
      throw InputError(s.name + ": simulation.horizon = " + std::to_string(s.simulation.horizon) +
                       " differs from " + first.name + "'s " +
                       std::to_string(first.simulation.horizon) +
                       " (scenarios compared together must share the horizon)");
    ScenarioResults res(s);
    res.periods = s.simulation.horizon;
    res.replications = R;
    const auto M = static_cast<std::size_t>(res.layout.size());
    res.metrics.resize(static_cast<std::size_t>(R) * M * res.periods);
    res.totals.resize(static_cast<std::size_t>(R) * static_cast<std::size_t>(Total::Count_));
    nominal.push_back(resolve_nominal(s));
    uncertain.push_back(has_uncertainty(s));
    res.expected_metrics.resize(M * res.periods);
    res.expected_totals.resize(static_cast<std::size_t>(Total::Count_));
    expected_trajectory(nominal.back(), res.expected_metrics, res.expected_totals);
    res.nominal_ltv = nominal.back().ltv;
    out.scenarios.push_back(std::move(res));
  }

  // One pool over (replication, scenario): replication-major so a scenario's variants of the
  // same replication run close together.
  const std::size_t jobs = static_cast<std::size_t>(R) * V;
  std::atomic<std::size_t> done{0};
  parallel_for(jobs, out.threads, [&](std::size_t job) {
    const auto r = static_cast<std::uint64_t>(job / V);
    const auto v = static_cast<std::size_t>(job % V);
    ScenarioResults& res = out.scenarios[v];
    const std::size_t M = static_cast<std::size_t>(res.layout.size());
    const std::size_t T = static_cast<std::size_t>(res.periods);
    const std::span<double> metrics(&res.metrics[r * M * T], M * T);
    const std::span<double> totals(&res.totals[r * static_cast<std::size_t>(Total::Count_)],
                                   static_cast<std::size_t>(Total::Count_));
    if (uncertain[v]) {
      const ModelParams m = resolve(scenarios[v], out.seed, r);
      simulate_replication(m, out.seed, r, metrics, totals);
    } else {
      simulate_replication(nominal[v], out.seed, r, metrics, totals);
    }
    const std::size_t now = done.fetch_add(1) + 1;
    if (options.progress && thread_num() == 0) options.progress(now, jobs);
  });
  if (options.progress) options.progress(jobs, jobs);
  out.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace clvsim

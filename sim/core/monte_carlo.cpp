#include "clvsim/monte_carlo.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>

#include "clvsim/model.hpp"
#include "clvsim/parallel.hpp"

namespace clvsim {
namespace {

// A seed of its own for scenario v (splitmix64 finaliser of seed and v), so its streams share
// nothing with the other scenarios'. Scenario 0 keeps the run's seed.
std::uint64_t independent_seed(std::uint64_t seed, std::size_t v) {
  if (v == 0) return seed;
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (static_cast<std::uint64_t>(v) + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

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
  out.streams = options.streams;
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
  std::vector<ReplicationState> states(static_cast<std::size_t>(std::max(out.threads, 1)));
  parallel_for(jobs, out.threads, [&](std::size_t job) {
    const auto r = static_cast<std::uint64_t>(job / V);
    const auto v = static_cast<std::size_t>(job % V);
    ScenarioResults& res = out.scenarios[v];
    const std::size_t M = static_cast<std::size_t>(res.layout.size());
    const std::size_t T = static_cast<std::size_t>(res.periods);
    const std::span<double> metrics(&res.metrics[r * M * T], M * T);
    const std::span<double> totals(&res.totals[r * static_cast<std::size_t>(Total::Count_)],
                                   static_cast<std::size_t>(Total::Count_));
    const std::uint64_t seed = out.streams == Streams::Common ? out.seed : independent_seed(out.seed, v);
    if (uncertain[v]) {
      const ModelParams m = resolve(scenarios[v], seed, r);
      simulate_replication(m, seed, r, metrics, totals, states[thread_num()]);
    } else {
      simulate_replication(nominal[v], seed, r, metrics, totals, states[thread_num()]);
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

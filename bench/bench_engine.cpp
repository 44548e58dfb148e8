// Benchmarks of the Monte Carlo engine, reported as ratios measured in one run:
//   - replications per second on the default scenario, with 1 thread and with 2;
//   - the cost of a population of 10^9 customers relative to one of 10^3 (sampling on counts:
//     the ratio should be close to 1).
//
// The population comparison is repeated, interleaved, and reports min / median / max of the
// ratio of one-thread CPU times (robust to other work on the machine).
//
// Usage: bench_engine [replications] [repeats]   (default 400, 5)

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/engine.hpp"
#include "clvsim/model.hpp"
#include "clvsim/monte_carlo.hpp"
#include "clvsim/parallel.hpp"

using namespace clvsim;

namespace {

// Scale every population and every flow into it by `f`: customers, pipeline, channel spend and
// saturation, fixed retention spend and its saturation. Rates and per-customer values stay.
Scenario scaled(Scenario s, double f) {
  for (auto& seg : s.segments)
    for (auto& p : seg.initial_by_tenure) p.value *= f;
  for (auto& p : s.pipeline.prospects) p.value *= f;
  for (auto& ch : s.channels) {
    for (auto& p : ch.spend) {
      p.value *= f;
      if (p.dist) { p.dist->a *= f; p.dist->b *= f; p.dist->c *= f; }
    }
    ch.max_leads.value *= f;
    ch.half_saturation_spend.value *= f;
  }
  if (s.retention.mode == RetentionSpend::Fixed) {
    s.retention.spend.value *= f;
    s.retention.half_saturation.value *= f;
  }
  return s;
}

double customers(const Scenario& s) {
  double n = 0;
  for (const auto& seg : s.segments)
    for (const auto& p : seg.initial_by_tenure) n += p.value;
  return n;
}

double cpu_seconds(const Scenario& s, int replications) {
  RunOptions opt;
  opt.replications = replications;
  opt.threads = 1;
  const std::vector<Scenario> one{s};
  const std::clock_t c0 = std::clock();
  const RunResults r = run_monte_carlo(one, opt);
  const double dt = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  if (r.scenarios.empty()) std::abort();
  return dt;
}

// CPU time of the engine alone (simulate_replication) over the replications of `s`.
double engine_cpu_seconds(const Scenario& s, int replications) {
  std::vector<ModelParams> params;
  for (int r = 0; r < replications; ++r) params.push_back(resolve(s, s.simulation.seed, static_cast<std::uint64_t>(r)));
  const MetricIndex index = MetricIndex::of(params[0]);
  std::vector<double> metrics(static_cast<std::size_t>(index.size()) * params[0].horizon);
  std::vector<double> totals(static_cast<std::size_t>(Total::Count_));
  ReplicationState state;
  const std::clock_t c0 = std::clock();
  for (int r = 0; r < replications; ++r)
    simulate_replication(params[r], s.simulation.seed, static_cast<std::uint64_t>(r), metrics, totals, state);
  const double dt = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  if (totals[0] == 0.123456789) std::abort();
  return dt;
}

double seconds(const Scenario& s, int replications, int threads) {
  RunOptions opt;
  opt.replications = replications;
  opt.threads = threads;
  const std::vector<Scenario> one{s};
  const auto t0 = std::chrono::steady_clock::now();
  const RunResults r = run_monte_carlo(one, opt);
  const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (r.scenarios.empty()) std::abort();
  return dt;
}

}  // namespace

int main(int argc, char** argv) {
  const int R = argc > 1 ? std::atoi(argv[1]) : 400;
  const Scenario base = parse_scenario(default_scenario_text(), "<default scenario>");

  seconds(base, 20, 1);  // warm-up
  const double t1 = seconds(base, R, 1);
  const double t2 = seconds(base, R, 2);
  std::printf("default scenario, %d replications, %d periods\n", R, base.simulation.horizon);
  std::printf("  1 thread : %8.3f s  %9.1f replications/s\n", t1, R / t1);
  std::printf("  2 threads: %8.3f s  %9.1f replications/s\n", t2, R / t2);
  std::printf("  speed-up 1 -> 2 threads: %.2fx\n", t1 / t2);

  const Scenario small = scaled(base, 1e3 / customers(base));
  const Scenario large = scaled(base, 1e9 / customers(base));
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
  std::vector<double> ratio, ts, tl, engine_ratio;
  for (int i = 0; i < repeats; ++i) {
    ts.push_back(cpu_seconds(small, R));
    tl.push_back(cpu_seconds(large, R));
    ratio.push_back(tl.back() / ts.back());
    engine_ratio.push_back(engine_cpu_seconds(large, R) / engine_cpu_seconds(small, R));
  }
  std::sort(engine_ratio.begin(), engine_ratio.end());
  std::sort(ratio.begin(), ratio.end());
  std::sort(ts.begin(), ts.end());
  std::sort(tl.begin(), tl.end());
  std::printf("population scaling, 1 thread, %d replications, %d interleaved repeats (CPU time)\n", R, repeats);
  std::printf("  %.0e customers: %8.3f s (median)\n", customers(small), ts[ts.size() / 2]);
  std::printf("  %.0e customers: %8.3f s (median)\n", customers(large), tl[tl.size() / 2]);
  std::printf("  time ratio 1e9 / 1e3: %.2f / %.2f / %.2f (min / median / max)\n", ratio.front(),
              ratio[ratio.size() / 2], ratio.back());
  std::printf("  engine alone, ratio 1e9 / 1e3: %.2f / %.2f / %.2f (min / median / max)\n", engine_ratio.front(),
              engine_ratio[engine_ratio.size() / 2], engine_ratio.back());
  return 0;
}

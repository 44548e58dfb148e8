// Benchmarks of the Monte Carlo engine, reported as ratios measured in one run:
//   - replications per second on the default scenario, with 1 thread and with 2;
//   - the cost of a population of 10^9 customers relative to one of 10^3 (sampling on counts:
//     the ratio should be close to 1).
//
// Usage: bench_engine [replications]   (default 400)

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "clvsim/io/scenario_toml.hpp"
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
  const double ts = seconds(small, R, 1);
  const double tl = seconds(large, R, 1);
  std::printf("population scaling, 1 thread, %d replications\n", R);
  std::printf("  %.0e customers: %8.3f s\n", customers(small), ts);
  std::printf("  %.0e customers: %8.3f s\n", customers(large), tl);
  std::printf("  time ratio 1e9 / 1e3: %.2f\n", tl / ts);
  return 0;
}

// Thread scaling of the Monte Carlo run on the default scenario: 1 thread against 2, interleaved.
//
// Two measurements, each as the speed-up t(1 thread) / t(2 threads), min / median / max over the
// repeats:
//   - the whole run (run_monte_carlo: parameter draws, customer value, engine, storage);
//   - the engine loop alone (simulate_replication over the replications with per-thread state).
// Wall times: a speed-up needs the second core to be free, so run it on an otherwise idle
// machine (the load average is printed for that reason). On a busy machine the CPU-time ratio is
// the robust figure: the process CPU time of the 2-thread run over the 1-thread run's is 1 when
// the threads do no extra work (no false sharing, no contention, no spinning at a serial section)
// and the speed-up on two free cores is then 2 less the serial part.
//
// Usage: bench_threads [replications] [repeats]   (default 2000, 5)

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "clvsim/engine.hpp"
#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/model.hpp"
#include "clvsim/monte_carlo.hpp"
#include "clvsim/parallel.hpp"

using namespace clvsim;

namespace {

using Clock = std::chrono::steady_clock;

double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }
double last_cpu = 0.0;  // process CPU time of the last measurement

double whole_run(const Scenario& s, int R, int threads) {
  const double c0 = cpu_seconds();
  RunOptions opt;
  opt.replications = R;
  opt.threads = threads;
  const std::vector<Scenario> one{s};
  const auto t0 = Clock::now();
  const RunResults r = run_monte_carlo(one, opt);
  const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
  last_cpu = cpu_seconds() - c0;
  if (r.scenarios.empty()) std::abort();
  return dt;
}

double engine_loop(const ModelParams& m, std::uint64_t seed, int R, int threads) {
  const MetricIndex index = MetricIndex::of(m);
  const std::size_t M = static_cast<std::size_t>(index.size()) * m.horizon;
  const std::size_t NT = static_cast<std::size_t>(Total::Count_);
  std::vector<double> metrics(M * R), totals(NT * R);
  std::vector<ReplicationState> states(static_cast<std::size_t>(threads));
  const double c0 = cpu_seconds();
  const auto t0 = Clock::now();
  parallel_for(static_cast<std::size_t>(R), threads, [&](std::size_t r) {
    simulate_replication(m, seed, r, std::span<double>(&metrics[r * M], M), std::span<double>(&totals[r * NT], NT),
                         states[thread_num()]);
  });
  const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
  last_cpu = cpu_seconds() - c0;
  if (totals[0] == 0.123456789) std::abort();
  return dt;
}

struct Triple {
  double min, median, max;
};
Triple triple(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v.front(), v[v.size() / 2], v.back()};
}

}  // namespace

int main(int argc, char** argv) {
  const int R = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
  const Scenario s = parse_scenario(default_scenario_text(), "<default scenario>");
  const ModelParams m = resolve(s, s.simulation.seed, 0);
  double load[3] = {0, 0, 0};
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = -1;
    std::fclose(f);
  }
  std::printf("thread scaling, default scenario, %d replications, %d interleaved repeats (load average %.2f)\n", R,
              repeats, load[0]);
  whole_run(s, std::max(R / 10, 10), 2);  // warm-up
  std::vector<double> whole, engine, t1w, t1e, cpu_w, cpu_e;
  for (int i = 0; i < repeats; ++i) {
    const double a = whole_run(s, R, 1);
    const double ca = last_cpu;
    const double b = whole_run(s, R, 2);
    cpu_w.push_back(last_cpu / ca);
    const double c = engine_loop(m, s.simulation.seed, R, 1);
    const double cc = last_cpu;
    const double d = engine_loop(m, s.simulation.seed, R, 2);
    cpu_e.push_back(last_cpu / cc);
    whole.push_back(a / b);
    engine.push_back(c / d);
    t1w.push_back(a);
    t1e.push_back(c);
  }
  const Triple w = triple(whole), e = triple(engine), xw = triple(cpu_w), xe = triple(cpu_e);
  std::printf("  whole run  : %.3f s with 1 thread; speed-up 1 -> 2 threads %.2f / %.2f / %.2f (min / median / max)\n",
              triple(t1w).median, w.min, w.median, w.max);
  std::printf("  engine loop: %.3f s with 1 thread; speed-up 1 -> 2 threads %.2f / %.2f / %.2f (min / median / max)\n",
              triple(t1e).median, e.min, e.median, e.max);
  std::printf("  CPU time 2 threads / 1 thread: whole run %.2f / %.2f / %.2f, engine loop %.2f / %.2f / %.2f\n",
              xw.min, xw.median, xw.max, xe.min, xe.median, xe.max);
  return 0;
}

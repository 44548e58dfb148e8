// What the per-period statistics cost per replication, apart from the simulation: the default
// scenario's trajectories of R replications are simulated once and kept, then folded into one
// StreamingStats per cell (metric, period) block by block, as run_monte_carlo does, and the
// statistics taken. Prints the CPU time per replication of the gather (each cell's block values
// copied from the trajectories into a column), of add_block() and of the final results (with
// more than 1024 replications, histogram quantiles), the best of 5 rounds.
//
// Usage: bench_statistics [replications]   (default 3072: three blocks, histogram quantiles)

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "clvsim/engine.hpp"
#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/model.hpp"
#include "clvsim/monte_carlo.hpp"
#include "clvsim/statistics.hpp"

using namespace clvsim;

namespace {
double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
}  // namespace

int main(int argc, char** argv) {
  const std::size_t R = argc > 1 ? static_cast<std::size_t>(std::atol(argv[1])) : 3072;
  const Scenario s = parse_scenario(default_scenario_text(), "<default scenario>");
  const std::uint64_t seed = s.simulation.seed;
  const MetricLayout layout(s);
  const std::size_t cells = static_cast<std::size_t>(layout.size()) * s.simulation.horizon;
  std::vector<double> traj(R * cells), totals(static_cast<std::size_t>(Total::Count_));
  ModelParams m;
  ReplicationState state;
  for (std::size_t r = 0; r < R; ++r) {
    resolve_into(m, s, seed, r);
    simulate_replication(m, seed, r, {&traj[r * cells], cells}, totals, state);
  }
  const std::size_t B = REPLICATION_BLOCK;
  // The fold's two parts apart: each cell's block values gathered from the trajectories into a
  // column (as the driver does), and add_block() of the columns.
  std::vector<double> cols(cells * B);
  double gather = 1e300, add = 1e300, results = 1e300, sink = 0.0;
  for (int round = 0; round < 5; ++round) {
    std::vector<StreamingStats> acc(cells, StreamingStats(R));
    double tg = 0.0, ta = 0.0;
    for (std::size_t r0 = 0; r0 < R; r0 += B) {
      const std::size_t nb = std::min(B, R - r0);
      const double t0 = cpu_now();
      for (std::size_t c = 0; c < cells; ++c)
        for (std::size_t b = 0; b < nb; ++b) cols[c * B + b] = traj[(r0 + b) * cells + c];
      const double t1 = cpu_now();
      for (std::size_t c = 0; c < cells; ++c) acc[c].add_block({&cols[c * B], nb});
      const double t2 = cpu_now();
      tg += t1 - t0;
      ta += t2 - t1;
    }
    const double t2 = cpu_now();
    for (std::size_t c = 0; c < cells; ++c) {
      const double q = acc[c].result().q[2];
      if (std::isfinite(q)) sink += q;
    }
    const double t3 = cpu_now();
    gather = std::min(gather, tg / static_cast<double>(R));
    add = std::min(add, ta / static_cast<double>(R));
    results = std::min(results, (t3 - t2) / static_cast<double>(R));
  }
  std::printf("statistics of %zu cells, %zu replications (checksum %.6g)\n", cells, R, sink);
  std::printf("  gather of a block's values: %8.3f us per replication\n", gather * 1e6);
  std::printf("  add_block                  : %8.3f us per replication\n", add * 1e6);
  std::printf("  results (quantiles)        : %8.3f us per replication\n", results * 1e6);
}

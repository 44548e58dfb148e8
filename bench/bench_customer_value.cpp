// Benchmark of the customer value (LTV, payback curves and state values).
//
// First, what it costs in each Monte Carlo replication of the default scenario (tenure cap and
// payback curve of 240 periods, win-back): CPU microseconds per evaluation on the parameters that
// replications 0..99 draw, with a workspace kept between evaluations as the replication loop does,
// best of 5 rounds. Then seconds per evaluation against the tenure cap, at ltv_tenure_cap = 10^4,
// 10^5, 10^6, with the payback curve as long as the cap (the default ltv_horizon) and, apart, the
// value with a payback curve of the horizon only, and the same without win-back.
//
// Usage: bench_customer_value [max_cap]   (default 1000000)

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/markov.hpp"
#include "clvsim/model.hpp"

using namespace clvsim;

namespace {

double seconds(const ModelParams& m, int periods, double* ltv0) {
  const auto t0 = std::chrono::steady_clock::now();
  const CustomerValue v = customer_value(m, periods);
  const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  *ltv0 = v.ltv[0];
  return dt;
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Microseconds per evaluation of the customer value of replications 0..99 of `s`.
double per_replication_us(const Scenario& s) {
  std::vector<ModelParams> params;
  for (std::uint64_t r = 0; r < 100; ++r)
    params.push_back(resolve(s, s.simulation.seed, r, Valuation::WithoutCustomerValue));
  const int periods = resolve_nominal(s).payback_periods;
  CustomerValue out;
  CustomerValueScratch scratch;
  double best = 1e300, check = 0.0;
  for (int round = 0; round < 5; ++round) {
    const double t0 = cpu_seconds();
    for (int repeat = 0; repeat < 10; ++repeat)
      for (const ModelParams& m : params) {
        customer_value(m, periods, out, scratch);
        check += out.ltv[0];
      }
    best = std::min(best, (cpu_seconds() - t0) / (10.0 * static_cast<double>(params.size())));
  }
  if (check == 0.0) std::printf("(no value)\n");
  return 1e6 * best;
}

}  // namespace

int main(int argc, char** argv) {
  const int max_cap = argc > 1 ? std::atoi(argv[1]) : 1000000;
  const Scenario base = parse_scenario(default_scenario_text(), "saas.toml");
  const ModelParams nominal = resolve_nominal(base);
  std::printf("default scenario, per replication: %.2f us per evaluation (cap %d, curve %d)\n\n",
              per_replication_us(base), nominal.ltv_tenure_cap, nominal.payback_periods);
  std::printf("%-10s %-22s %12s %14s\n", "cap", "payback curve", "seconds", "ltv[basic]");
  for (int cap = 10000; cap <= max_cap; cap *= 10) {
    Scenario s = base;
    s.simulation.ltv_tenure_cap = cap;
    for (bool winback : {true, false}) {
      s.winback.enabled = winback;
      const ModelParams m = resolve_nominal(s, Valuation::WithoutCustomerValue);
      double ltv = 0.0;
      const char* wb = winback ? "win-back" : "no win-back";
      const double short_curve = seconds(m, s.simulation.horizon, &ltv);
      std::printf("%-10d %-11s %-10s %12.4f %14.6f\n", cap, wb, "horizon", short_curve, ltv);
      if (!winback || cap <= 100000) {
        const double full = seconds(m, cap, &ltv);
        std::printf("%-10d %-11s %-10s %12.4f %14.6f\n", cap, wb, "= cap", full, ltv);
      }
    }
  }
  return 0;
}

// Benchmark of the customer value (LTV and payback curves) against the tenure cap, on the
// default scenario's parameters: seconds per evaluation at ltv_tenure_cap = 10^4, 10^5, 10^6,
// with the payback curve as long as the cap (the default ltv_horizon) and, apart, the value with
// a payback curve of the horizon only, and the same without win-back.
//
// Usage: bench_customer_value [max_cap]   (default 1000000)

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

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

}  // namespace

int main(int argc, char** argv) {
  const int max_cap = argc > 1 ? std::atoi(argv[1]) : 1000000;
  const Scenario base = parse_scenario(default_scenario_text(), "saas.toml");
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

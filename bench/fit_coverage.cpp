// Full-size coverage study of the 95% intervals of the sBG and BG/BB fits: data sets simulated
// from known parameters, each fitted; the share of intervals covering the truth, with the exact
// two-sided binomial p-value against 95%.
//
// Usage: fit_coverage [data sets]   (default 1000)

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "clvsim/fit/bgbb.hpp"
#include "clvsim/fit/sbg.hpp"
#include "clvsim/fit/simulate.hpp"

using namespace clvsim;
using namespace clvsim::fit;

namespace {
void report(const char* model, const char* name, int covered, int n) {
  std::printf("%-6s %-6s covered %4d / %4d = %.3f   binomial p-value vs 0.95: %.3f\n", model, name,
              covered, n, static_cast<double>(covered) / n, binomial_p_value(covered, n, 0.95));
}
}  // namespace

int main(int argc, char** argv) {
  const int sets = argc > 1 ? std::atoi(argv[1]) : 1000;
  {
    const double alpha = 0.7, beta = 1.2;
    int ca = 0, cb = 0, boundary = 0;
    for (int r = 0; r < sets; ++r) {
      RandomStream rng(77, static_cast<std::uint64_t>(r), Purpose::Test, 1);
      const FitResult f = fit_sbg(simulate_sbg(alpha, beta, 1000, 7, rng));
      if (f.model != "sbg") {
        ++boundary;
        continue;
      }
      ca += f.param("alpha").lower <= alpha && alpha <= f.param("alpha").upper;
      cb += f.param("beta").lower <= beta && beta <= f.param("beta").upper;
    }
    std::printf("sBG alpha %.2f beta %.2f, 1000 customers, 7 periods; %d boundary fits\n", alpha,
                beta, boundary);
    report("sBG", "alpha", ca, sets);
    report("sBG", "beta", cb, sets);
  }
  {
    const BgbbParams truth{1.2, 0.75, 0.66, 2.78};
    const double values[4] = {truth.alpha, truth.beta, truth.gamma, truth.delta};
    const char* names[4] = {"alpha", "beta", "gamma", "delta"};
    int cover[4] = {0, 0, 0, 0}, boundary = 0;
    for (int r = 0; r < sets; ++r) {
      RandomStream rng(78, static_cast<std::uint64_t>(r), Purpose::Test, 2);
      const FitResult f = fit_bgbb(simulate_bgbb(truth, 2000, 6, rng));
      if (!f.boundary_note.empty()) {
        ++boundary;
        continue;
      }
      for (int k = 0; k < 4; ++k)
        cover[k] += f.param(names[k]).lower <= values[k] && values[k] <= f.param(names[k]).upper;
    }
    std::printf("BG/BB (1.2, 0.75, 0.66, 2.78), 2000 customers, 6 periods; %d boundary fits\n",
                boundary);
    for (int k = 0; k < 4; ++k) report("BG/BB", names[k], cover[k], sets);
  }
  return 0;
}

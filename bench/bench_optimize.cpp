// Benchmarks of `clvsim optimize` on scenarios/saas_optimize.toml, measured in one run:
//   - objective evaluations per second in expected-value mode (exact, no sampling);
//   - evaluations per second of the risk-aware objective (Monte Carlo, R replications);
//   - the time to find the expected-value optimum, and the whole analysis (risk-aware search,
//     fresh re-evaluation, equity test, frontier), and their ratio to one Monte Carlo evaluation.
//
// Usage: bench_optimize [scenario] [replications] [threads]
//        (defaults: scenarios/saas_optimize.toml, the table's replications, 1 thread)

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/optimize/optimize.hpp"

using namespace clvsim;

namespace {

template <class F>
double seconds(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path =
      argc > 1 ? argv[1] : std::string(CLVSIM_SOURCE_DIR) + "/scenarios/saas_optimize.toml";
  Scenario s = read_scenario_file(path);
  if (!s.optimize) {
    std::fprintf(stderr, "%s has no [optimize] table\n", path.c_str());
    return 2;
  }
  if (argc > 2) s.optimize->replications = std::atoi(argv[2]);
  const int threads = argc > 3 ? std::atoi(argv[3]) : 1;
  const optimize::Problem p = optimize::make_problem(s, *s.optimize);
  const int R = p.spec.replications;

  int n_expected = 0;
  double sink = 0.0;
  const double t_expected = seconds([&] {
    for (; n_expected < 200; ++n_expected) sink += optimize::expected_objective(p, p.today);
  });
  int n_mc = 0;
  const double t_mc = seconds([&] {
    for (; n_mc < 5; ++n_mc) sink += optimize::sample_metric(p, p.today, 1, R, threads).front();
  });
  optimize::Solution sol;
  const double t_solve = seconds([&] { sol = optimize::solve_expected(p); });
  optimize::Settings settings;
  settings.threads = threads;
  optimize::Result res;
  const double t_all = seconds([&] { res = optimize::run_optimize(s, settings); });

  const double mc_eval = t_mc / n_mc;
  std::printf("scenario %s, %d variables, %d threads\n", s.name.c_str(), static_cast<int>(p.size()),
              threads);
  std::printf("expected-value evaluations per second:          %10.1f\n", n_expected / t_expected);
  std::printf(
      "Monte Carlo evaluations per second (R = %d):   %10.2f  (%.1f expected evaluations each)\n",
      R, n_mc / t_mc, mc_eval / (t_expected / n_expected));
  std::printf("expected-value optimum: %.3f s, %d evaluations\n", t_solve, sol.evaluations);
  std::printf(
      "whole analysis (%s): %.2f s = %.1f Monte Carlo evaluations; risk search %d evaluations\n",
      optimize::objective_name(p.spec.objective), t_all, t_all / mc_eval, res.risk.evaluations);
  return sink == 0.123 ? 1 : 0;
}

// Honest uncertainty: 95% intervals from the observed information must cover the true parameters
// in about 95% of data sets simulated from them. 200 data sets per model here (seconds); the
// full-size study is bench/fit_coverage.cpp.
#include <catch2/catch.hpp>

#include <cmath>

#include "clvsim/fit/bgbb.hpp"
#include "clvsim/fit/sbg.hpp"
#include "clvsim/fit/simulate.hpp"

using namespace clvsim;
using namespace clvsim::fit;

namespace {
bool covers(const Parameter& p, double truth) {
  return p.lower <= truth && truth <= p.upper;
}
}  // namespace

TEST_CASE("binomial test helper matches a hand computation", "[fit][coverage]") {
  // n = 2, p = 0.5: P(X <= 0) = 0.25, two-sided p-value 0.5.
  CHECK_THAT(binomial_p_value(0, 2, 0.5), Catch::Matchers::WithinAbs(0.5, 1e-12));
  CHECK(binomial_p_value(190, 200, 0.95) > 0.5);
  CHECK(binomial_p_value(175, 200, 0.95) < 0.001);
}

TEST_CASE("sBG 95% intervals cover the truth at a rate consistent with 95%", "[fit][coverage]") {
  const double alpha = 0.7, beta = 1.2;
  const int sets = 200;
  int cover_a = 0, cover_b = 0;
  for (int r = 0; r < sets; ++r) {
    RandomStream rng(20240601, static_cast<std::uint64_t>(r), Purpose::Test, 1);
    const SurvivalData d = simulate_sbg(alpha, beta, 1000, 7, rng);
    const FitResult f = fit_sbg(d);
    REQUIRE(f.model == "sbg");
    cover_a += covers(f.param("alpha"), alpha);
    cover_b += covers(f.param("beta"), beta);
  }
  INFO("alpha covered " << cover_a << "/" << sets << ", beta " << cover_b << "/" << sets);
  CHECK(binomial_p_value(cover_a, sets, 0.95) > 0.01);
  CHECK(binomial_p_value(cover_b, sets, 0.95) > 0.01);
}

TEST_CASE("BG/BB 95% intervals cover the truth at a rate consistent with 95%", "[fit][coverage]") {
  const BgbbParams truth{1.2, 0.75, 0.66, 2.78};
  const int sets = 200;
  int cover[4] = {0, 0, 0, 0};
  for (int r = 0; r < sets; ++r) {
    RandomStream rng(20240602, static_cast<std::uint64_t>(r), Purpose::Test, 2);
    const RfSummary d = simulate_bgbb(truth, 2000, 6, rng);
    const FitResult f = fit_bgbb(d);
    REQUIRE(f.boundary_note.empty());
    cover[0] += covers(f.param("alpha"), truth.alpha);
    cover[1] += covers(f.param("beta"), truth.beta);
    cover[2] += covers(f.param("gamma"), truth.gamma);
    cover[3] += covers(f.param("delta"), truth.delta);
  }
  for (int k = 0; k < 4; ++k) {
    INFO("parameter " << k << " covered " << cover[k] << "/" << sets);
    CHECK(binomial_p_value(cover[k], sets, 0.95) > 0.01);
  }
}

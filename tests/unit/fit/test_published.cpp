// The estimators against the fits published with the reference data sets in ../shared/data:
// Fader & Hardie (2007), Fader, Hardie & Shang (2010) and Fader, Hardie & Lee (2005).
#include <catch2/catch.hpp>

#include <filesystem>

#include "clvsim/fit/bgbb.hpp"
#include "clvsim/fit/gamma_gamma.hpp"
#include "clvsim/fit/io/readers.hpp"
#include "clvsim/fit/sbg.hpp"

using namespace clvsim::fit;
using Catch::Matchers::WithinAbs;

namespace {
std::string data(const std::string& name) {
  const std::string path = std::string(CLVSIM_SHARED_DATA_DIR) + "/" + name;
  if (!std::filesystem::exists(path))
    FAIL("reference data "
         << path << " is missing (the tests expect ../shared/data beside the source tree)");
  return path;
}
}  // namespace

TEST_CASE("sBG reproduces Fader & Hardie (2007) on the first 7 years of both cohorts",
          "[fit][sbg]") {
  // Table 1 gives percentages of cohorts of 1,000; the paper fits years 1-7.
  const CohortTable table = read_cohorts(data("fader_hardie_2007_retention.csv"), 1000.0);
  REQUIRE(table.cohorts == std::vector<std::string>{"regular_pct", "high_end_pct"});
  auto calibration = [&](std::size_t k) {
    return survival_from_cohort(std::span<const double>(table.alive[k]).first(8));
  };
  const FitResult high_end = fit_sbg(calibration(1));
  CHECK(high_end.model == "sbg");
  CHECK_THAT(high_end.param("alpha").estimate, WithinAbs(0.668, 0.0005));
  CHECK_THAT(high_end.param("beta").estimate, WithinAbs(3.806, 0.0005));
  CHECK_THAT(high_end.log_likelihood, WithinAbs(-1611.2, 0.05));
  const FitResult regular = fit_sbg(calibration(0));
  CHECK_THAT(regular.param("alpha").estimate, WithinAbs(0.704, 0.0005));
  CHECK_THAT(regular.param("beta").estimate, WithinAbs(1.182, 0.0005));
  // The alpha and beta estimates are strongly and positively correlated (the reason for joint
  // draws).
  CHECK(high_end.correlation(0, 1) > 0.8);
}

TEST_CASE("BG/BB reproduces Fader, Hardie & Shang (2010) on the 1995 donations cohort",
          "[fit][bgbb]") {
  const RfSummary s = read_rf_summary(data("donations_1995_cohort.csv"), RfColumns{});
  CHECK(s.customers() == 11104);
  const FitResult fit = fit_bgbb(s);
  CHECK(fit.boundary_note.empty());
  CHECK_THAT(fit.param("alpha").estimate, WithinAbs(1.204, 0.0005));
  CHECK_THAT(fit.param("beta").estimate, WithinAbs(0.750, 0.0005));
  CHECK_THAT(fit.param("gamma").estimate, WithinAbs(0.657, 0.0005));
  CHECK_THAT(fit.param("delta").estimate, WithinAbs(2.783, 0.0005));
  CHECK_THAT(fit.log_likelihood, WithinAbs(-33225.6, 0.05));
}

TEST_CASE("gamma-gamma reproduces Fader, Hardie & Lee (2005) on the CDNOW sample, weeks 1-39",
          "[fit][gamma_gamma]") {
  TransactionOptions o;
  o.layout = TransactionLayout::Cdnow;
  o.period = "week";
  o.calibration_end = *parse_date("1997-10-01");  // 39 weeks from 1997-01-01
  const TransactionSummary s = read_transactions(data("cdnow_sample_transactions.txt"), o);
  CHECK(s.customers == 2357);
  CHECK(s.rows == 6919);
  CHECK(s.spend.size() == 946);  // customers with repeat purchases in calibration (the paper's 946)
  const FitResult fit = fit_gamma_gamma(s.spend);
  CHECK_THAT(fit.param("p").estimate, WithinAbs(6.25, 0.005));
  CHECK_THAT(fit.param("q").estimate, WithinAbs(3.74, 0.005));
  CHECK_THAT(fit.param("gamma").estimate, WithinAbs(15.44, 0.005));
}

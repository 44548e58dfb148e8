// Customer value and payback curves against the matrix form of the chain: the backward pass and
// the forward (renewal) recursion must give what a sparse LU solve of (I - gamma P) u = r and
// repeated products x P give, for every feature of the chain.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <vector>

#include <Eigen/SparseLU>

#include "clvsim/engine.hpp"
#include "clvsim/markov.hpp"
#include "clvsim/model.hpp"
#include "engine_helpers.hpp"

using namespace clvsim;

namespace {

// The definition, solved directly: V = gamma [(I - gamma P)^-1 r](k, 0), C_k(n) = sum e P^i r.
CustomerValue matrix_oracle(const ModelParams& m, int periods) {
  const CustomerChain ch = customer_chain(m);
  const int K = m.segments, n = ch.size();
  const double gamma = 1.0 / (1.0 + m.discount_rate);
  Eigen::SparseMatrix<double> a(n, n);
  a.setIdentity();
  a -= gamma * Eigen::SparseMatrix<double>(ch.transition);
  a.makeCompressed();
  Eigen::SparseLU<Eigen::SparseMatrix<double>> lu;
  lu.compute(a);
  REQUIRE(lu.info() == Eigen::Success);
  const Eigen::VectorXd u = lu.solve(ch.reward);
  CustomerValue out;
  for (int k = 0; k < K; ++k) out.ltv.push_back(gamma * u[ch.active_state(k, 0)]);
  out.cumulative_contribution.assign(static_cast<std::size_t>(K) * periods, 0.0);
  const Eigen::SparseMatrix<double> pt = ch.transition.transpose();
  for (int k = 0; k < K; ++k) {
    Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
    x[ch.active_state(k, 0)] = 1.0;
    double total = 0.0;
    for (int step = 0; step < periods; ++step) {
      total += x.dot(ch.reward);
      out.cumulative_contribution[static_cast<std::size_t>(k) * periods + step] = total;
      x = pt * x;
    }
  }
  return out;
}

void check_against_oracle(const ModelParams& m, int periods) {
  const CustomerValue fast = customer_value(m, periods);
  const CustomerValue slow = matrix_oracle(m, periods);
  for (int k = 0; k < m.segments; ++k) {
    INFO("segment " << k);
    CHECK(fast.ltv[k] == Approx(slow.ltv[k]).epsilon(1e-12));
    double scale = 0.0;
    for (double x : slow.cumulative_contribution) scale = std::max(scale, std::fabs(x));
    for (int n = 0; n < periods; ++n) {
      const std::size_t i = static_cast<std::size_t>(k) * periods + n;
      INFO("after " << n + 1 << " periods");
      CHECK(fast.cumulative_contribution[i] ==
            Approx(slow.cumulative_contribution[i]).epsilon(1e-12).margin(1e-12 * scale));
    }
  }
}

const char* RICH = R"(
[simulation]
horizon = 24
annual_discount_rate = 0.12
ltv_tenure_cap = 60
[funnel]
stages = ["lead"]
[funnel.lead]
advance = 0.0
[segments.low]
churn_sbg = { alpha = 0.8, beta = 6.0 }
order_value = 30
orders_per_period = 1.5
gross_margin = 0.6
cost_to_serve = 2
migration = { mid = 0.03, high = 0.01 }
[segments.mid]
churn_sbg = { alpha = 2.0, beta = 9.0 }
order_value = 60
gross_margin = 0.5
cost_to_serve = 4
migration = { low = 0.02, high = 0.02 }
[segments.high]
churn = 0.02
order_value = 100
gross_margin = 0.5
cost_to_serve = 5
migration = { low = 0.01 }
[retention]
spend_per_customer = 1.5
max_churn_reduction = 0.2
half_saturation = 1.0
)";

}  // namespace

TEST_CASE("Customer value equals the sparse LU solution of the chain", "[markov]") {
  SECTION("sBG and constant churn, three-way migration, retention spend, win-back") {
    const std::string winback = GENERATE(
        std::string(""),
        std::string("[winback]\nattempt_cost = 4\nsuccess_probability = 0.1\nwindow = 4\n"),
        std::string("[winback]\nattempt_cost = 1\nsuccess_probability = 1.0\nwindow = 2\n"),
        std::string("[winback]\nattempt_cost = 9\nsuccess_probability = 0.35\nwindow = 1\n"),
        // Success by periods since lapse (Pfeifer & Carraway 2000), and the won back rejoining
        // at the end of the period.
        std::string("[winback]\nattempt_cost = 4\nsuccess_probability = [0.3, 0.12, 0.05, 0.0]\n"
                    "window = 4\n"),
        std::string("[winback]\nattempt_cost = 4\nsuccess_probability = [0.3, 0.12, 0.05, 0.0]\n"
                    "window = 4\nreturning_churn = \"next_period\"\n"),
        std::string("[winback]\nattempt_cost = 1\nsuccess_probability = 1.0\nwindow = 2\n"
                    "returning_churn = \"next_period\"\n"),
        std::string("[winback]\nattempt_cost = 9\nsuccess_probability = 0.35\nwindow = 1\n"
                    "returning_churn = \"next_period\"\n"));
    const ModelParams m = resolve_nominal(parse_scenario(std::string(RICH) + winback, "rich.toml"));
    check_against_oracle(m, 150);  // beyond the tenure cap of 60
  }
  SECTION("value curves by tenure, with sBG and constant churn, migration and win-back") {
    const std::string winback = GENERATE(
        std::string(""),
        std::string("[winback]\nattempt_cost = 4\nsuccess_probability = 0.1\nwindow = 4\n"),
        std::string("[winback]\nattempt_cost = 4\nsuccess_probability = [0.2, 0.1, 0.1, 0.02]\n"
                    "window = 4\nreturning_churn = \"next_period\"\n"));
    const std::string curves =
        "[segments.low.by_tenure]\norder_value = [1.0, 1.3, 1.6]\ncost_to_serve = { growth = "
        "-0.05, limit = 0.5 }\n"
        "[segments.high.by_tenure]\nunit = \"year\"\norders_per_period = { slope = 0.2, limit = "
        "1.8 }\n"
        "gross_margin = [1.0, 1.1]\n";
    const ModelParams m =
        resolve_nominal(parse_scenario(std::string(RICH) + winback + curves, "curves.toml"));
    REQUIRE(m.value_tenures > 0);
    check_against_oracle(m, 150);
  }
  SECTION("the default scenario, with its drawn parameters") {
    const Scenario s = test::load_example("saas");
    for (std::uint64_t r : {0u, 7u}) {
      const ModelParams m = resolve(s, 20261122, r);
      check_against_oracle(m, 300);
    }
  }
  SECTION("constant churn only: one tenure state") {
    std::string toml =
        std::string(RICH) + "[winback]\nattempt_cost = 4\nsuccess_probability = 0.1\nwindow = 4\n";
    for (const char* sbg :
         {"churn_sbg = { alpha = 0.8, beta = 6.0 }", "churn_sbg = { alpha = 2.0, beta = 9.0 }"})
      toml.replace(toml.find(sbg), std::string(sbg).size(), "churn = 0.07");
    const ModelParams m = resolve_nominal(parse_scenario(toml, "constant.toml"));
    REQUIRE(m.ltv_tenure_cap == 1);
    check_against_oracle(m, 80);
  }
  SECTION("no discounting") {
    const std::string toml =
        std::string(RICH) + "[winback]\nattempt_cost = 2\nsuccess_probability = 0.2\nwindow = 3\n";
    Scenario s = parse_scenario(toml, "rich.toml");
    s.simulation.annual_discount_rate.value = 0.0;
    check_against_oracle(resolve_nominal(s), 120);
  }
}

TEST_CASE("Customer value without churn and discounting is infinite", "[markov]") {
  const std::string toml =
      "[simulation]\nannual_discount_rate = 0.0\n[funnel]\nstages = [\"lead\"]\n[funnel.lead]\n"
      "advance = 0.5\n[segments.only]\nchurn = 0.0\norder_value = 80\ngross_margin = 0.5\n";
  const ModelParams m = resolve_nominal(parse_scenario(toml, "forever.toml"));
  CHECK(std::isinf(m.ltv[0]));
  // The payback curve still grows by the margin every period.
  CHECK(m.payback_curve[9] == Approx(400.0).epsilon(1e-12));
}

TEST_CASE("Payback: the curves' peaks decide 'never' as the scan of the curves does",
          "[markov][payback]") {
  // The peak bound only skips a scan that cannot cross CAC; with and without it every payback
  // is the same number, crossings, interpolations and +inf alike.
  const Scenario s = test::load_example("saas");
  for (std::uint64_t r : {0u, 3u}) {
    const ModelParams m = resolve(s, 20261122, r);
    REQUIRE(m.payback_peak.size() == static_cast<std::size_t>(m.segments));
    for (int k = 0; k < m.segments; ++k) {
      const auto curve = std::span<const double>(m.payback_curve)
                             .subspan(static_cast<std::size_t>(k) * m.payback_periods,
                                      static_cast<std::size_t>(m.payback_periods));
      CHECK(m.payback_peak[k] == *std::max_element(curve.begin(), curve.end()));
    }
    ModelParams scan = m;
    scan.payback_peak.clear();
    int never = 0, found = 0;
    for (double basic : {0.0, 1.0, 7.0, 20.0})
      for (double premium : {0.0, 1.0, 3.0})
        for (double cac = 100.0; cac < 1e5; cac *= 1.37) {
          const std::vector<double> mix = {basic, premium};
          const double with = payback_periods(m, mix, cac);
          const double without = payback_periods(scan, mix, cac);
          if (basic + premium == 0.0) {
            CHECK(std::isnan(with));
            continue;
          }
          CHECK(with == without);
          (std::isinf(with) ? never : found) += 1;
        }
    CHECK(never > 10);
    CHECK(found > 10);
  }
}

TEST_CASE("Customer value with kept scratch equals a fresh evaluation, bit for bit", "[markov]") {
  // One scratch and one output through chains of other sizes (segments, tenure cap, window,
  // curve length): nothing left from an earlier evaluation may reach the next.
  const std::string winback =
      "[winback]\nattempt_cost = 4\nsuccess_probability = 0.1\nwindow = 4\n";
  const std::vector<ModelParams> chains = {
      resolve(test::load_example("saas"), 20261122, 5),
      resolve_nominal(parse_scenario(std::string(RICH) + winback, "rich.toml")),
      resolve_nominal(parse_scenario(RICH, "rich.toml")),
      resolve(test::load_example("saas"), 20261122, 6)};
  CustomerValue kept;
  CustomerValueScratch scratch;
  for (int round = 0; round < 2; ++round)
    for (const ModelParams& m : chains)
      for (int periods : {m.payback_periods, 7}) {
        customer_value(m, periods, kept, scratch);
        const CustomerValue fresh = customer_value(m, periods);
        CHECK(kept.ltv == fresh.ltv);
        CHECK(kept.cumulative_contribution == fresh.cumulative_contribution);
        CHECK(kept.state_value == fresh.state_value);
      }
}

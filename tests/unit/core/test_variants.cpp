// Variants and paired comparisons: overrides resolve as documented, pairing isolates the
// change, and the expected-value delta of a closed-form case is what the Monte Carlo finds.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "clvsim/compare.hpp"
#include "clvsim/model.hpp"
#include "clvsim/monte_carlo.hpp"
#include "clvsim/variants.hpp"
#include "engine_helpers.hpp"

using namespace clvsim;

namespace {

Override make_override(Override::Op op, const std::string& pattern, double x, int line = 7) {
  Override o;
  o.op = op;
  o.pattern = pattern;
  o.value.value = x;
  o.where = {"variants.toml", line, 3};
  return o;
}

RunResults run_all(const std::vector<Scenario>& scenarios, int replications, Streams streams,
                   std::uint64_t seed = 17) {
  RunOptions opt;
  opt.replications = replications;
  opt.seed = seed;
  opt.use_seed = true;
  opt.streams = streams;
  return run_monte_carlo(scenarios, opt);
}

}  // namespace

TEST_CASE("Paired deltas of identical variants are exactly zero", "[variants]") {
  // expand_variants rejects variants that change nothing, so these are built directly.
  const Scenario base = test::load_example("saas");  // uncertain parameters included
  std::vector<Scenario> all{base, base, base};
  all[1].name = "same";
  all[2].name = "scaled_by_one";
  apply_override(all[2], make_override(Override::Op::Scale, "segments.*.churn", 1.0));
  const RunResults r = run_all(all, 12, Streams::Common);
  for (std::size_t v = 1; v < all.size(); ++v) {
    INFO(all[v].name);
    const auto& a = r.scenarios[v].period_stats;
    const auto& b = r.scenarios[0].period_stats;
    REQUIRE(a.size() == b.size());
    for (std::size_t c = 0; c < a.size(); ++c) {
      INFO("cell " << c);
      CHECK((a[c].mean == b[c].mean || (std::isnan(a[c].mean) && std::isnan(b[c].mean))));
      CHECK(a[c].n == b[c].n);
      for (std::size_t k = 0; k < QUANTILES.size(); ++k)
        CHECK((a[c].q[k] == b[c].q[k] || (std::isnan(a[c].q[k]) && std::isnan(b[c].q[k]))));
      const Stats& d = r.scenarios[v].paired_delta[c];
      if (d.n > 0) {
        CHECK(d.mean == 0.0);
        CHECK(d.q[0] == 0.0);
        CHECK(d.q[4] == 0.0);
      }
    }
    CHECK(r.scenarios[v].totals_by_replication() == r.scenarios[0].totals_by_replication());
    const Comparison c = compare(r.scenarios[0], r.scenarios[v], 12.0);
    for (const DeltaSummary& d : c.totals) {
      if (d.n == 0) continue;
      CHECK(d.mean == 0.0);
      CHECK(d.q_low == 0.0);
      CHECK(d.q_high == 0.0);
      CHECK(d.p_higher == 0.0);
    }
  }
}

TEST_CASE("Overrides resolve by dotted path, wildcard and array", "[variants]") {
  const Scenario base = test::load_example("saas");

  SECTION("set, scale and add on point parameters") {
    Scenario s = base;
    apply_override(s, make_override(Override::Op::Set, "segments.premium.order_value", 250.0));
    apply_override(s, make_override(Override::Op::Scale, "retention.spend_per_customer", 2.0));
    apply_override(s, make_override(Override::Op::Add, "funnel.lead.drop", -0.05));
    CHECK(s.segments[1].order_value.value == 250.0);
    CHECK(s.retention.spend.value == 6.0);
    CHECK(s.stages[0].drop.value == Approx(0.30));
    CHECK(s.stages[0].drop.where.line == 7);  // later errors point at the override
  }
  SECTION("a wildcard matches one component in every table") {
    Scenario s = base;
    const auto matched = match_params(s, "segments.*.churn_multiplier");
    CHECK(matched.size() == base.segments.size());
    apply_override(s, make_override(Override::Op::Scale, "channels.*.spend", 0.5));
    CHECK(s.channels[0].spend[0].value == 20000.0);
    CHECK(s.channels[1].spend[0].value == 7500.0);
  }
  SECTION("a path addresses every element of an array parameter") {
    Scenario s = test::load_example("saas");
    s.channels[0].spend.resize(3, s.channels[0].spend[0]);
    for (int i = 0; i < 3; ++i) s.channels[0].spend[i].path = "channels.paid_search.spend[" + std::to_string(i) + "]";
    CHECK(match_params(s, "channels.paid_search.spend").size() == 3);
    CHECK(match_params(s, "channels.paid_search.spend[1]").size() == 1);
  }
  SECTION("scale and add act on every draw of an uncertain parameter") {
    // premium churn is uniform(0.015, 0.025): the variant's draw is the base's draw * 0.8 + 0.001
    // in every replication, and its point value moves the same way.
    Scenario s = base;
    apply_override(s, make_override(Override::Op::Scale, "segments.premium.churn", 0.8));
    apply_override(s, make_override(Override::Op::Add, "segments.premium.churn", 0.001));
    CHECK(s.segments[1].churn.value == Approx(0.02 * 0.8 + 0.001));
    for (std::uint64_t r = 0; r < 10; ++r) {
      const double b = resolve(base, 5, r).churn_const[1];
      const double v = resolve(s, 5, r).churn_const[1];
      CHECK(v == Approx(b * 0.8 + 0.001).epsilon(1e-14));
    }
  }
  SECTION("set replaces a distribution by a number") {
    Scenario s = base;
    apply_override(s, make_override(Override::Op::Set, "segments.premium.churn", 0.01));
    CHECK_FALSE(s.segments[1].churn.uncertain());
    CHECK(resolve(s, 5, 3).churn_const[1] == 0.01);
  }
}

TEST_CASE("Override errors name the location, the key, the value and what is accepted", "[variants]") {
  Scenario s = test::load_example("saas");
  SECTION("an unknown path, with a suggestion") {
    CHECK_THROWS_WITH(apply_override(s, make_override(Override::Op::Scale, "segments.basic.chrun", 0.9, 12)),
                      Catch::Contains("variants.toml:12:3: segments.basic.chrun") &&
                          Catch::Contains("matches no parameter") &&
                          Catch::Contains("did you mean 'churn'?") &&
                          Catch::Contains("names in segments.basic: churn, churn_multiplier"));
  }
  SECTION("a value out of range after the change") {
    CHECK_THROWS_WITH(apply_override(s, make_override(Override::Op::Add, "funnel.lead.advance", 0.9, 4)),
                      Catch::Contains("variants.toml:4:3: funnel.lead.advance = 1.15") &&
                          Catch::Contains("out of range") && Catch::Contains("[0, 1]"));
  }
  SECTION("a change that breaks a joint constraint is caught by validation") {
    s.variants.push_back({"too_much", "", {make_override(Override::Op::Set, "funnel.lead.drop", 0.9, 9)}, {}});
    CHECK_THROWS_WITH(expand_variants(s), Catch::Contains("variants.toml:9:3") &&
                                              Catch::Contains("funnel.lead.drop") &&
                                              Catch::Contains("variant 'too_much'"));
  }
}

TEST_CASE("Pairing narrows the NPV delta interval at least 5-fold on retention +5 points",
          "[variants][paired]") {
  // The saas_variants example: the same variant run on common random numbers and on
  // independent streams. The 90% confidence interval of the mean NPV change is
  // 2 * 1.645 * SE: paired SE = sd(differences)/sqrt(n); independent SE = sqrt(var_b + var_v)/sqrt(n).
  Scenario s = test::load_example("saas_variants");
  std::vector<Scenario> all = expand_variants(s);
  all.resize(2);  // base and retention_plus_5
  REQUIRE(all[1].name == "retention_plus_5");
  const int R = 200;
  const RunResults common = run_all(all, R, Streams::Common);
  const DeltaSummary paired =
      compare(common.scenarios[0], common.scenarios[1], 12.0).totals[static_cast<std::size_t>(Total::Npv)];
  const RunResults ind = run_all(all, R, Streams::Independent);
  const DeltaSummary independent =
      compare(ind.scenarios[0], ind.scenarios[1], 12.0).totals[static_cast<std::size_t>(Total::Npv)];
  const double paired_width = paired.ci_high - paired.ci_low;
  // Unpaired runs: the interval of a difference of two independent means.
  const double independent_width = 2.0 * 1.6448536269514722 * independent.unpaired_std_error;
  INFO("paired width " << paired_width << ", independent width " << independent_width);
  CHECK(paired.mean > 0.0);
  CHECK(independent_width >= 5.0 * paired_width);
}

TEST_CASE("Expected-value delta matches the closed form and the Monte Carlo mean delta",
          "[variants][closed_form]") {
  // Constant retention r, margin m per period, per-period discount i, no acquisition: a customer
  // is worth m r / (1 + i - r) (Gupta, Lehmann & Stuart 2004; margin counted after the first
  // retention, as in docs/model.md). N customers, retention raised from r1 to r2.
  const double m = 50.0, r1 = 0.95, r2 = 0.97, annual = 0.10, N = 2000.0;
  const double i = std::pow(1.0 + annual, 1.0 / 12.0) - 1.0;
  const int T = 600;  // (r / (1 + i))^T < 1e-9: the finite horizon equals the infinite sum
  const std::string toml = "[simulation]\nhorizon = " + std::to_string(T) +
                           "\nannual_discount_rate = 0.10\n[funnel]\nstages = [\"lead\"]\n"
                           "[funnel.lead]\nadvance = 0.0\n[segments.only]\nchurn = 0.05\n"
                           "order_model = \"fixed\"\norder_value = 50\ninitial_customers = 2000\n"
                           "[variants.better]\nset = { \"segments.only.churn\" = 0.03 }\n";
  const std::vector<Scenario> all = expand_variants(parse_scenario(toml, "closed_form.toml"));
  const auto value = [&](double r) { return m * r / (1.0 + i - r); };
  const double exact_delta = N * (value(r2) - value(r1));

  const RunResults res = run_all(all, 400, Streams::Common, 2004);
  const std::size_t npv = static_cast<std::size_t>(Total::Npv);
  const double expected_delta = res.scenarios[1].expected_totals[npv] - res.scenarios[0].expected_totals[npv];
  CHECK(res.scenarios[0].expected_totals[npv] == Approx(N * value(r1)).epsilon(1e-9));
  CHECK(expected_delta == Approx(exact_delta).epsilon(1e-9));

  const DeltaSummary d = compare(res.scenarios[0], res.scenarios[1], 12.0).totals[npv];
  INFO("MC mean delta " << d.mean << " +- " << d.std_error << ", closed form " << exact_delta);
  CHECK(std::fabs(d.mean - exact_delta) <= 4.0 * d.std_error);
}

// Joint parameter draws: each replication uses one row of the table, chosen uniformly from its own
// stream, for every column together.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "clvsim/engine.hpp"
#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/model.hpp"
#include "clvsim/monte_carlo.hpp"
#include "clvsim/parameter_draws.hpp"
#include "clvsim/samplers.hpp"
#include "clvsim/statistics.hpp"
#include "clvsim/variants.hpp"
#include "engine_helpers.hpp"
#include "stat_helpers.hpp"

using namespace clvsim;

namespace {

const std::string SCENARIO = R"(
[simulation]
horizon = 6
ltv_tenure_cap = 24
[funnel]
stages = ["lead"]
[funnel.lead]
advance = 0.2
drop = 0.1
[channels.ads]
spend = 1000
cost_per_lead = 10
[segments.basic]
churn_sbg = { alpha = 1.0, beta = 2.0 }
order_value = 30
initial_customers = 500
)";

// Five joint draws of (alpha, beta, order_value, advance); alpha and beta strongly correlated.
const std::vector<std::string> COLUMNS = {"segments.basic.churn_sbg.alpha",
                                          "segments.basic.churn_sbg.beta",
                                          "segments.basic.order_value", "funnel.lead.advance"};
const std::vector<std::vector<double>> ROWS = {{0.50, 1.00, 20.0, 0.10},
                                               {0.75, 1.60, 25.0, 0.15},
                                               {1.00, 2.10, 30.0, 0.20},
                                               {1.25, 2.40, 35.0, 0.25},
                                               {2.00, 4.50, 50.0, 0.30}};

//! The scenario with the table attached as code would attach it (no file).
Scenario with_draws() {
  Scenario s = parse_scenario(SCENARIO, "draws.toml");
  ParameterDraws d;
  d.columns = COLUMNS;
  for (const auto& row : ROWS) d.values.insert(d.values.end(), row.begin(), row.end());
  s.parameter_draws = std::move(d);
  attach_parameter_draws(s);
  return s;
}

double column_mean(std::size_t j) {
  double sum = 0.0;
  for (const auto& row : ROWS) sum += row[j];
  return sum / static_cast<double>(ROWS.size());
}

std::vector<double> drawn(const ModelParams& m) {
  return {m.sbg_alpha[0], m.sbg_beta[0], m.order_value[0], m.stage_rates[0].advance};
}

//! Index of the row equal to `v`, or -1.
int row_of(const std::vector<double>& v) {
  for (std::size_t i = 0; i < ROWS.size(); ++i)
    if (ROWS[i] == v) return static_cast<int>(i);
  return -1;
}

//! Replays a fixed sequence of 64-bit words.
struct ScriptedWords {
  std::vector<std::uint64_t> words;
  std::size_t next = 0;
  std::uint64_t next_u64() { return words.at(next++); }
};

}  // namespace

TEST_CASE("uniform_index is exact and uniform", "[random][draws]") {
  SECTION("the multiply-and-reject rule on chosen words") {
    // range 3: 2^64 mod 3 = 1, so a word whose low product is 0 is rejected.
    ScriptedWords w{{0, ~0ull}};
    CHECK(uniform_index(w, 3) ==
          2);  // 0 * 3 has low part 0 < 1: rejected; then (2^64-1)*3 >> 64 = 2
    CHECK(w.next == 2);
    ScriptedWords one{{0x8000000000000000ull}};
    CHECK(uniform_index(one, 2) == 1);
    ScriptedWords only{{12345}};
    CHECK(uniform_index(only, 1) == 0);
  }
  SECTION("chi-square over 7 values") {
    RandomStream rng = test::test_stream(8001);
    const int n = 7, draws = 70000;
    std::vector<double> counts(n, 0.0), probs(n, 1.0 / n);
    for (int i = 0; i < draws; ++i) {
      const auto k = uniform_index(rng, n);
      REQUIRE(k < static_cast<std::uint64_t>(n));
      counts[k] += 1.0;
    }
    test::check_chi_square(test::chi_square(probs, counts, draws), "uniform_index(7)");
  }
}

TEST_CASE("Parameter draws: the point value is the column mean", "[model][draws]") {
  const Scenario s = with_draws();
  CHECK(has_uncertainty(s));
  const ModelParams m = resolve_nominal(s);
  const std::vector<double> v = drawn(m);
  for (std::size_t j = 0; j < COLUMNS.size(); ++j) {
    INFO(COLUMNS[j]);
    CHECK(v[j] == Approx(column_mean(j)).epsilon(1e-15));
  }
  // The unwritten nurtured advance copies advance, so it follows the same column.
  CHECK(m.stage_rates[0].nurtured_advance == m.stage_rates[0].advance);
  CHECK_FALSE(has_uncertainty(parse_scenario(SCENARIO, "plain.toml")));
}

TEST_CASE("Parameter draws: rows are used whole and chosen uniformly", "[model][draws]") {
  const Scenario s = with_draws();
  // Every column of a replication comes from one row: the row parameter_draws_row names.
  for (std::uint64_t r = 0; r < 500; ++r) {
    const ModelParams m = resolve(s, 4242, r);
    INFO("replication " << r);
    CHECK(row_of(drawn(m)) == static_cast<int>(parameter_draws_row(ROWS.size(), 4242, r)));
    CHECK(m.stage_rates[0].nurtured_advance == m.stage_rates[0].advance);
  }
  // Each row with probability 1 / rows: Pearson's chi-square on rows - 1 degrees of freedom,
  // for a few table sizes (powers of two and not).
  for (std::size_t rows : {std::size_t{5}, std::size_t{64}, std::size_t{1000}}) {
    const std::size_t R = 20 * rows + 20000;
    std::vector<double> counts(rows, 0.0);
    for (std::uint64_t r = 0; r < R; ++r) {
      const std::size_t i = parameter_draws_row(rows, 4242, r);
      REQUIRE(i < rows);
      counts[i] += 1.0;
    }
    const std::vector<double> probs(rows, 1.0 / static_cast<double>(rows));
    test::check_chi_square(test::chi_square(probs, counts, static_cast<double>(R)),
                           "rows chosen from " + std::to_string(rows));
  }
  // The row is a function of (seed, replication) only, and the seed matters.
  CHECK(drawn(resolve(s, 4242, 17)) == drawn(resolve(s, 4242, 17)));
  std::set<std::size_t> rows_seen;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) rows_seen.insert(parameter_draws_row(5, seed, 0));
  CHECK(rows_seen.size() > 1);
}

TEST_CASE("Parameter draws: variants change each draw and overrides win",
          "[model][draws][variants]") {
  const Scenario base = with_draws();
  SECTION("scale acts on the row's value, the row is shared with the base") {
    Scenario v = base;
    Override o;
    o.op = Override::Op::Scale;
    o.pattern = "segments.basic.order_value";
    o.value.value = 1.1;
    apply_override(v, o);
    CHECK(resolve_nominal(v).order_value[0] == Approx(1.1 * column_mean(2)));
    for (std::uint64_t r = 0; r < 50; ++r) {
      const ModelParams b = resolve(base, 9, r), m = resolve(v, 9, r);
      CHECK(m.order_value[0] == Approx(1.1 * b.order_value[0]).epsilon(1e-15));
      CHECK(m.sbg_alpha[0] == b.sbg_alpha[0]);
    }
  }
  SECTION("set replaces the column for that parameter only") {
    Scenario v = base;
    Override o;
    o.op = Override::Op::Set;
    o.pattern = "segments.basic.churn_sbg.alpha";
    o.value = Param(0.9, Domain::Positive);
    apply_override(v, o);
    CHECK(has_uncertainty(v));  // the other columns are still drawn
    for (std::uint64_t r = 0; r < 50; ++r) {
      const ModelParams b = resolve(base, 9, r), m = resolve(v, 9, r);
      CHECK(m.sbg_alpha[0] == 0.9);
      CHECK(m.sbg_beta[0] == b.sbg_beta[0]);
    }
  }
}

TEST_CASE("Parameter draws: bit-identical results for any thread count",
          "[engine][draws][threads]") {
  const Scenario s = with_draws();
  const std::vector<Scenario> one{s};
  std::vector<std::vector<double>> metrics;
  for (int threads : {1, 2, 3}) {
    RunOptions opt;
    opt.replications = 40;
    opt.threads = threads;
    const RunResults r = run_monte_carlo(one, opt);
    std::vector<double> flat = r.scenarios[0].totals_by_replication();
    for (const Stats& st : r.scenarios[0].period_stats) {
      flat.insert(flat.end(), {st.mean, st.sd, st.std_error, static_cast<double>(st.n)});
      flat.insert(flat.end(), st.q.begin(), st.q.end());
    }
    metrics.push_back(flat);
  }
  for (std::size_t i = 1; i < metrics.size(); ++i) {
    REQUIRE(metrics[i].size() == metrics[0].size());
    CHECK(std::memcmp(metrics[i].data(), metrics[0].data(), metrics[0].size() * sizeof(double)) ==
          0);
  }
}

TEST_CASE("Parameter draws: a bad table built in code", "[model][draws]") {
  Scenario s = parse_scenario(SCENARIO, "draws.toml");
  ParameterDraws d;
  SECTION("a column naming no parameter") {
    d.columns = {"segments.basic.order_vlaue"};
    d.values = {1.0};
    s.parameter_draws = d;
    CHECK_THROWS_WITH(attach_parameter_draws(s),
                      Catch::Matchers::Contains("is not a parameter of the scenario") &&
                          Catch::Matchers::Contains("did you mean 'segments.basic.order_value'?"));
  }
  SECTION("a value outside the domain") {
    d.columns = {"funnel.lead.advance"};
    d.values = {0.2, 1.2};
    s.parameter_draws = d;
    CHECK_THROWS_WITH(
        attach_parameter_draws(s),
        Catch::Matchers::Contains("is not a probability") && Catch::Matchers::Contains("draw 2"));
  }
  SECTION("a row that breaks a joint constraint") {
    d.columns = {"funnel.lead.advance", "funnel.lead.drop"};
    d.values = {0.2, 0.1, 0.7, 0.4};
    s.parameter_draws = d;
    CHECK_THROWS_WITH(attach_parameter_draws(s), Catch::Matchers::Contains("draw 2"));
  }
  SECTION("no rows") {
    d.columns = {"funnel.lead.advance"};
    s.parameter_draws = d;
    CHECK_THROWS_WITH(attach_parameter_draws(s), Catch::Matchers::Contains("has no draws"));
  }
}

TEST_CASE("Parameter draws: the Monte Carlo mean is the average of the rows' expectations",
          "[engine][draws][bgbb]") {
  // scenarios/donations.toml: a BG/BB cohort whose (gamma, delta, p) come from 1000 joint draws.
  // A replication uses row i with probability 1/n, so the exact expectation of any linear metric
  // is the average over rows of the expected-value mode at that row's values.
  const Scenario s = test::load_example("donations");
  REQUIRE(s.parameter_draws);
  const ParameterDraws& d = *s.parameter_draws;
  const std::size_t n = d.rows();
  REQUIRE(n == 1000);
  const MetricLayout layout(s);
  const int T = s.simulation.horizon;
  const int orders = layout.index("orders"), active = layout.index("active_customers");
  const std::size_t size = static_cast<std::size_t>(layout.size()) * T;

  // The point values are the column means, and the expected-value mode at them is the BG/BB
  // closed form with those means.
  std::vector<double> mean(d.columns.size(), 0.0);
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t j = 0; j < d.columns.size(); ++j)
      mean[j] += d.at(r, j) / static_cast<double>(n);
  CHECK(s.segments[0].sbg_alpha.value == Approx(mean[0]).epsilon(1e-12));
  CHECK(s.segments[0].sbg_beta.value == Approx(mean[1]).epsilon(1e-12));
  CHECK(s.segments[0].orders_per_period.value == Approx(mean[2]).epsilon(1e-12));

  std::vector<double> exact(size, 0.0), one(size), totals(static_cast<std::size_t>(Total::Count_));
  for (std::size_t r = 0; r < n; ++r) {
    Scenario fixed = s;
    for_each_param(fixed, [&](Param& p) {
      if (p.draws_column < 0) return;
      p.value = d.at(r, static_cast<std::size_t>(p.draws_column));
      p.draws_column = -1;
    });
    expected_trajectory(resolve_nominal(fixed, Valuation::WithoutCustomerValue), one, totals);
    for (std::size_t i = 0; i < size; ++i) exact[i] += one[i] / static_cast<double>(n);
  }

  RunOptions opt;
  opt.replications = 2000;
  opt.seed = 61;
  opt.use_seed = true;
  const std::vector<Scenario> runs{s};
  const RunResults res = run_monte_carlo(runs, opt);
  const ScenarioResults& r = res.scenarios.front();
  for (int metric : {orders, active}) {
    for (int t : {0, 5, T - 1}) {
      const Stats& st = r.stats(metric, t);
      const double e = exact[static_cast<std::size_t>(metric) * T + t];
      INFO(layout.metrics()[static_cast<std::size_t>(metric)].name
           << " in year " << t + 1 << ": MC " << st.mean << " +- " << st.std_error << ", exact "
           << e);
      CHECK(std::fabs(st.mean - e) <= 4.0 * st.std_error);
    }
  }
}

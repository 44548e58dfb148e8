// Parameters over time (schedules and seasonal profiles times a trend) against closed forms: the
// expected flows of a cohort with a seasonal order rate, order value and churn, the Monte Carlo
// mean within 4 standard errors, bit-identical results for a profile that changes nothing, the
// customer value at the level, and the reader's and the resolver's errors.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "../io/toml_test_helpers.hpp"
#include "clvsim/engine.hpp"
#include "clvsim/model.hpp"
#include "clvsim/scenario.hpp"
#include "clvsim/variants.hpp"
#include "engine_helpers.hpp"
#include "stat_helpers.hpp"

using namespace clvsim;

namespace {

// Twelve monthly indices that average 1 (a retail year) and four quarterly ones.
const std::vector<double> MONTHS = {0.85, 0.80, 0.95, 0.95, 1.00, 0.95,
                                    0.95, 1.00, 0.90, 0.95, 1.20, 1.50};
const std::vector<double> QUARTERS = {0.8, 0.9, 1.0, 1.3};

std::string array(const std::vector<double>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", v[i]);
    out += (i ? ", " : "") + std::string(buf);
  }
  return out + "]";
}

std::string header(const std::string& period, int horizon, int start,
                   const std::string& lead = "advance = 0.0\n") {
  return "[simulation]\nperiod = \"" + period + "\"\nhorizon = " + std::to_string(horizon) +
         "\nstart_season = " + std::to_string(start) +
         "\n[funnel]\nstages = [\"lead\"]\n[funnel.lead]\n" + lead;
}

// Every metric and total of the first replications, bit for bit (NaN included).
std::vector<double> run_bits(const Scenario& s, int replications) {
  const test::Trajectories t = test::simulate_trajectories(s, replications, 77);
  std::vector<double> out = t.values;
  const ModelParams m = resolve_nominal(s);
  std::vector<double> metrics(static_cast<std::size_t>(MetricLayout(s).size()) * m.horizon);
  std::vector<double> totals(static_cast<std::size_t>(Total::Count_));
  expected_trajectory(m, metrics, totals);
  out.insert(out.end(), metrics.begin(), metrics.end());
  out.insert(out.end(), totals.begin(), totals.end());
  return out;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

}  // namespace

TEST_CASE("Seasonal order rate and price trend: expected revenue is N0 S(t) level index trend",
          "[engine][seasonality]") {
  // N0 = 1000 customers, churn c, fixed orders lambda(t) = 2 I[(s0 - 1 + t - 1) mod 12]
  // 1.1^((t - 1) / 12), order value mu(t) = 50 1.05^((t - 1) / 12), starting in April
  // (s0 = 4): revenue(t) = N0 (1 - c)^t lambda(t) mu(t); cost to serve follows a schedule x(t):
  // cost(t) = N0 (1 - c)^t x(t).
  const int T = 30;
  std::vector<double> schedule;
  for (int t = 1; t <= T; ++t) schedule.push_back(1.0 + 0.1 * (t % 7));
  const std::string text = header("month", T, 4) +
                           "[segments.shop]\nchurn = 0.05\norder_model = \"fixed\"\n"
                           "orders_per_period = { value = 2, seasonal = " +
                           array(MONTHS) +
                           ", trend = 0.1 }\n"
                           "order_value = { value = 50, trend = 0.05 }\ncost_to_serve = " +
                           array(schedule) +
                           "\n"
                           "initial_customers = 1000\n";
  const Scenario sc = parse_scenario(text, "x.toml");
  const test::ExpectedRun f = test::expected_run(sc);
  for (int t = 1; t <= T; ++t) {
    const double n = 1000.0 * std::pow(0.95, t);
    const double years = (t - 1) / 12.0;
    const double rate = 2.0 * MONTHS[(3 + t - 1) % 12] * std::pow(1.1, years);
    const double value = 50.0 * std::pow(1.05, years);
    INFO("period " << t);
    CHECK(f.at("orders", t - 1) == Approx(n * rate).epsilon(1e-13));
    CHECK(f.at("revenue", t - 1) == Approx(n * rate * value).epsilon(1e-13));
    CHECK(f.at("cost_to_serve", t - 1) == Approx(n * schedule[t - 1]).epsilon(1e-13));
    // The run-rate of the base follows the period's order rate and value.
    CHECK(f.at("mrr", t - 1) == Approx(n * rate * value).epsilon(1e-13));
  }
}

TEST_CASE("Seasonal values multiply the curves by tenure", "[engine][seasonality][tenure]") {
  // Period t starts at tenure t - 1, in tenure year n = (t - 1) / 12: orders N s^t 2 f(n) with the
  // table f = [1, 1.25, 1.5], revenue times mu(t) = 50 I[s(t)] 1.04^((t - 1) / 12), cost to serve
  // N s^t x(t) max(0.5, 1 - 0.25 n) with the schedule x(t).
  const int T = 30;
  std::vector<double> schedule;
  for (int t = 1; t <= T; ++t) schedule.push_back(3.0 + 0.5 * (t % 5));
  const std::string text =
      header("month", T, 7) +
      "[segments.card]\nchurn = 0.04\norder_model = \"fixed\"\norders_per_period = 2\n"
      "order_value = { value = 50, seasonal = " +
      array(MONTHS) +
      ", trend = 0.04 }\n"
      "cost_to_serve = " +
      array(schedule) +
      "\ninitial_customers = 1000\n"
      "[segments.card.by_tenure]\nunit = \"year\"\norders_per_period = [1.0, 1.25, 1.5]\n"
      "cost_to_serve = { slope = -0.25, limit = 0.5 }\n";
  const test::ExpectedRun f = test::expected_run(parse_scenario(text, "x.toml"));
  const double table[] = {1.0, 1.25, 1.5};
  for (int t = 1; t <= T; ++t) {
    const int n = (t - 1) / 12;
    const double alive = 1000.0 * std::pow(0.96, t);
    const double orders = alive * 2.0 * table[std::min(n, 2)];
    const double value = 50.0 * MONTHS[(6 + t - 1) % 12] * std::pow(1.04, (t - 1) / 12.0);
    INFO("period " << t);
    CHECK(f.at("orders", t - 1) == Approx(orders).epsilon(1e-13));
    CHECK(f.at("revenue", t - 1) == Approx(orders * value).epsilon(1e-13));
    CHECK(f.at("cost_to_serve", t - 1) ==
          Approx(alive * schedule[t - 1] * std::max(0.5, 1.0 - 0.25 * n)).epsilon(1e-13));
  }
}

TEST_CASE("A seasonal level written per year is converted before the calendar multiplies it",
          "[model][seasonality]") {
  // Weekly periods from week 50: churn a = 0.4 a year is 1 - 0.6^(1/52) a week, times the week's
  // index; a spend of 520,000 a year is 10,000 a week, times (1.1)^((t - 1) / 52).
  std::vector<double> weeks(52, 1.0);
  weeks[0] = 1.5;
  weeks[51] = 0.5;
  const std::string text =
      header("week", 6, 50, "advance = 0.5\n") +
      "[channels.web]\nspend = { value = 520000, per = \"year\", trend = 0.1 }\n"
      "cost_per_lead = 20\n"
      "[segments.s]\nchurn = { value = 0.4, per = \"year\", seasonal = " +
      array(weeks) + " }\norder_value = 10\n";
  const ModelParams m = resolve_nominal(parse_scenario(text, "x.toml"));
  const double weekly = 1.0 - std::pow(0.6, 1.0 / 52.0);
  const double index[] = {1.0, 1.0, 0.5, 1.5, 1.0, 1.0};  // weeks 50, 51, 52, 1, 2, 3
  for (int t = 0; t < 6; ++t) {
    CHECK(m.churn_t[t] == Approx(weekly * index[t]).epsilon(1e-14));
    CHECK(m.channel_spend[t] == Approx(10000.0 * std::pow(1.1, t / 52.0)).epsilon(1e-14));
  }
  CHECK(m.churn_const[0] == Approx(weekly).epsilon(1e-14));
}

TEST_CASE("Seasonal churn with a trend: expected survivors are the product of the hazards",
          "[engine][seasonality]") {
  // Quarterly periods starting in the third quarter, churn c(u) = 0.04 I[(2 + u - 1) mod 4]
  // 0.9^((u - 1) / 4): active(t) = N0 prod_{u <= t} (1 - c(u)); churned(t) = active(t - 1) c(t).
  const int T = 20;
  const std::string text = header("quarter", T, 3) +
                           "[segments.sub]\nchurn = { value = 0.04, seasonal = " + array(QUARTERS) +
                           ", trend = -0.1 }\norder_value = 10\n"
                           "initial_customers = 5000\n";
  const test::ExpectedRun f = test::expected_run(parse_scenario(text, "x.toml"));
  double survivors = 5000.0;
  for (int u = 1; u <= T; ++u) {
    const double c = 0.04 * QUARTERS[(2 + u - 1) % 4] * std::pow(0.9, (u - 1) / 4.0);
    INFO("period " << u);
    CHECK(f.at("churned_customers", u - 1) == Approx(survivors * c).epsilon(1e-13));
    survivors *= 1.0 - c;
    CHECK(f.at("active_customers", u - 1) == Approx(survivors).epsilon(1e-13));
    CHECK(f.at("churn_rate_sub", u - 1) == Approx(c).epsilon(1e-12));
  }
}

TEST_CASE("Seasonal spend, cost per lead and churn: Monte Carlo within 4 SE of the expectation",
          "[engine][seasonality]") {
  // Leads of period t are Poisson(spend(t) / cost_per_lead(t)); the Monte Carlo mean of every
  // flow lies within 4 standard errors of the expected-value mode, which is exact.
  const int T = 24;
  const std::string text =
      header("month", T, 11, "advance = 0.3\n") +
      "[channels.web]\nspend = { value = 5000, seasonal = " + array(MONTHS) +
      " }\n"
      "cost_per_lead = { value = 10, seasonal = " +
      array(MONTHS) +
      ", trend = 0.2 }\n"
      "[segments.shop]\nchurn = { dist = \"beta\", alpha = 5, beta = 95, seasonal = " +
      array(MONTHS) + " }\norders_per_period = { value = 0.8, seasonal = " + array(MONTHS) +
      " }\norder_value = { dist = \"normal\", mean = 60, sd = 5, trend = 0.05 }\n"
      "order_value_cv = 0.5\ninitial_customers = 2000\n"
      "[retention]\nspend_per_customer = { value = 1, seasonal = " +
      array(MONTHS) +
      " }\n"
      "max_churn_reduction = 0.3\nhalf_saturation = 1\n"
      "[channels.ads]\nresponse = \"saturating\"\nspend = 3000\nmax_leads = 400\n"
      "half_saturation_spend = { value = 2000, seasonal = " +
      array(MONTHS) + " }\n";
  const Scenario sc = parse_scenario(text, "x.toml");
  const test::ExpectedRun f = test::expected_run(sc);
  for (int t = 1; t <= T; ++t) {
    const int season = (10 + t - 1) % 12;
    const double leads =
        5000.0 * MONTHS[season] / (10.0 * MONTHS[season] * std::pow(1.2, (t - 1) / 12.0));
    const double half = 2000.0 * MONTHS[season];
    CHECK(f.at("leads", t - 1) == Approx(leads + 400.0 * 3000.0 / (3000.0 + half)).epsilon(1e-13));
  }
  // Without parameter uncertainty (the levels' draws shift every period's mean together).
  const Scenario fixed = test::without_uncertainty(sc);
  const test::ExpectedRun g = test::expected_run(fixed);
  constexpr int R = 400;
  const test::Trajectories mc = test::simulate_trajectories(fixed, R, 3);
  for (const char* name : {"leads", "new_customers", "active_customers", "churned_customers",
                           "orders", "revenue", "retention_spend"}) {
    for (int t : {0, 1, 6, 13, 23}) {
      test::Moments x;
      for (double v : mc.across(g.layout.index(name), t)) x.add(v);
      INFO(name << " in period " << t + 1);
      if (x.variance() > 0.0)
        test::check_mean(x, g.at(name, t), x.variance(), name);
      else
        CHECK(x.mean == Approx(g.at(name, t)).epsilon(1e-12));  // the initial customers' period
    }
  }
}

TEST_CASE("A constant schedule, or indices of 1 and no trend, give bit-identical results",
          "[engine][seasonality]") {
  const int T = 18;
  const std::string ones = array(std::vector<double>(12, 1.0));
  const auto text = [&](bool in_time) {
    const auto v = [&](const std::string& x, bool uncertain = false) {
      if (!in_time) return x;
      if (uncertain)
        return "{ " + x.substr(2, x.size() - 4) + ", seasonal = " + ones + ", trend = 0 }";
      return "{ value = " + x + ", seasonal = " + ones + ", trend = 0 }";
    };
    const auto sched = [&](const std::string& x) {
      if (!in_time) return x;
      std::string a = "[";
      for (int t = 0; t < T; ++t) a += (t ? ", " : "") + x;
      return a + "]";
    };
    return header("month", T, 5,
                  "advance = 0.3\nnurtured_advance = 0.1\nnurture_cost = " + v("0.7") + "\n") +
           "[channels.web]\nspend = " + v("{ dist = \"normal\", mean = 4000, sd = 300 }", true) +
           "\ncost_per_lead = " + sched("12.5") +
           "\nsegment_mix = { a = 0.6, b = 0.4 }\n"
           "[channels.ads]\nresponse = \"saturating\"\nspend = 2000\nmax_leads = " +
           v("300") + "\nhalf_saturation_spend = " + v("1500") +
           "\nsegment_mix = { a = 1 }\n"
           "[segments.a]\nchurn = " +
           v("{ dist = \"beta\", alpha = 3, beta = 60 }", true) +
           "\norders_per_period = " + v("1.3") + "\norder_value = " + sched("45") +
           "\norder_value_cv = 0.4\ncost_to_serve = " + v("0.9") +
           "\nreferrals_per_customer = " + sched("0.02") +
           "\nmigration = { b = 0.01 }\ninitial_customers = 800\n"
           "[segments.b]\nchurn_sbg = { alpha = 1, beta = 3 }\norder_model = \"bernoulli\"\n"
           "orders_per_period = " +
           v("0.4") + "\norder_value = " + v("70") +
           "\ninitial_customers = 300\n"
           "[retention]\nspend_per_customer = " +
           sched("1.5") + "\nmax_churn_reduction = 0.2\nhalf_saturation = " + sched("2") +
           "\n"
           "[winback]\nsuccess_probability = 0.1\nwindow = 3\n";
  };
  const Scenario plain = parse_scenario(text(false), "x.toml");
  const Scenario timed = parse_scenario(text(true), "x.toml");
  REQUIRE(timed.segments[0].orders_per_period.varies());
  REQUIRE(timed.segments[0].order_value.schedule.size() == static_cast<std::size_t>(T));
  const ModelParams m = resolve_nominal(timed);
  REQUIRE(!m.orders_t.empty());
  REQUIRE(m.hazard_in_time());
  CHECK(same_bits(run_bits(plain, 12), run_bits(timed, 12)));
  CHECK(resolve_nominal(plain).ltv == m.ltv);
}

TEST_CASE("The customer value and customer equity use each key's level", "[markov][seasonality]") {
  // The customer-value chain is stationary: it takes the level (the season average of the first
  // year), so a seasonal order rate with a trend has the LTV of its level, and customer equity
  // at t is npv(t) + (1 + d)^-t active(t) V with that V (constant churn, no tenure: u = V / gamma).
  const int T = 30;
  const std::string common =
      "\norder_model = \"fixed\"\norder_value = 40\ngross_margin = 0.5\n"
      "initial_customers = 1000\n";
  const std::string seasonal = header("month", T, 1) + "[segments.s]\nchurn = 0.04\n" +
                               "orders_per_period = { value = 1.5, seasonal = " + array(MONTHS) +
                               ", trend = 0.08 }" + common;
  const std::string level =
      header("month", T, 1) + "[segments.s]\nchurn = 0.04\norders_per_period = 1.5" + common;
  const ModelParams a = resolve_nominal(parse_scenario(seasonal, "x.toml"));
  const ModelParams b = resolve_nominal(parse_scenario(level, "x.toml"));
  CHECK(a.ltv[0] == b.ltv[0]);
  const double d = a.discount_rate, s = 0.96, m = 1.5 * 40 * 0.5;
  CHECK(a.ltv[0] == Approx(m * s / (1.0 + d - s)).epsilon(1e-12));
  const test::ExpectedRun f = test::expected_run(parse_scenario(seasonal, "x.toml"));
  for (int t : {1, 12, 30}) {
    const double held = f.at("active_customers", t - 1) * a.ltv[0] / std::pow(1.0 + d, t);
    CHECK(f.at("customer_equity", t - 1) - f.at("npv", t - 1) == Approx(held).epsilon(1e-11));
  }
}

TEST_CASE("A draw that takes a seasonal probability above 1 stops the replication clearly",
          "[model][seasonality]") {
  // The level's point value (the truncated mean, about 0.28) times the largest index 1.5 is below
  // 1, so the file is valid; draws of the normal level above 1 / 1.5 are possible and are an
  // error naming the key and the first period it leaves [0, 1] (11 or 12, the months of the
  // largest indices), never silently held at 1.
  const std::string text = header("month", 12, 1) +
                           "[segments.s]\nchurn = { dist = \"normal\", mean = 0.2, sd = 0.25, "
                           "seasonal = " +
                           array(MONTHS) + " }\norder_value = 10\n";
  const Scenario sc = parse_scenario(text, "x.toml");
  int errors = 0;
  for (std::uint64_t r = 0; r < 200; ++r) {
    try {
      (void)resolve(sc, 1, r);
    } catch (const InputError& e) {
      ++errors;
      CHECK_THAT(e.what(), Catch::Matchers::Contains("segments.s.churn = "));
      const std::string w = e.what();
      CHECK((w.find("in period 11 of replication") != std::string::npos ||
             w.find("in period 12 of replication") != std::string::npos));
      CHECK_THAT(e.what(), Catch::Matchers::Contains("is not a probability"));
    }
  }
  CHECK(errors > 0);
}

TEST_CASE("Variants act on the level of a seasonal key and on elements of a schedule",
          "[variants][seasonality]") {
  const int T = 6;
  const std::string text =
      header("month", T, 1) +
      "[segments.s]\nchurn = 0.05\norders_per_period = { value = 2, seasonal = " + array(MONTHS) +
      ", trend = 0.1 }\norder_value = [10, 20, 30, 40, 50, 60]\ninitial_customers = 100\n"
      "[variants.v]\nscale = { \"segments.s.orders_per_period\" = 1.5, "
      "\"segments.s.order_value[2]\" = 2 }\n";
  const Scenario base = parse_scenario(text, "x.toml");
  CHECK(base.segments[0].order_value.schedule[2].path == "segments.s.order_value[2]");
  const Scenario v = expand_variants(base).at(1);
  const Param& rate = v.segments[0].orders_per_period;
  CHECK(rate.value == 3.0);
  CHECK(rate.seasonal.indices == MONTHS);
  CHECK(rate.seasonal.trend == 0.1);
  CHECK(v.segments[0].order_value.schedule[2].value == 60.0);
  CHECK(v.segments[0].order_value.schedule[3].value == 40.0);
  const ModelParams m = resolve_nominal(v);
  CHECK(m.orders_t[5] == Approx(3.0 * MONTHS[5] * std::pow(1.1, 5.0 / 12.0)).epsilon(1e-15));
  CHECK(m.value_t[2] == 60.0);
}

TEST_CASE("Schedules and seasonal forms are read with their locations and checked",
          "[io][toml][seasonality]") {
  using toml_test::at;
  using toml_test::check_error;
  using toml_test::edit;
  const std::string base = header("month", 4, 1) +
                           "[segments.s]\nchurn = 0.05\n"
                           "order_value = { value = 80, seasonal = " +
                           array(MONTHS) + ", trend = 0.03 }\ncost_to_serve = [1, 2, 3, 4]\n";
  const Scenario s = parse_scenario(base, "x.toml");
  CHECK(s.segments[0].order_value.value == 80.0);
  CHECK(s.segments[0].order_value.seasonal.written);
  CHECK(s.segments[0].cost_to_serve.schedule.size() == 4);
  CHECK(s.segments[0].cost_to_serve.value == 2.5);

  std::string bad = edit(base, "trend = 0.03", "trnd = 0.03");
  check_error(
      bad, at(bad, "trnd"),
      {"segments.s.order_value.trnd is not a key of a seasonal value", "did you mean 'trend'"});
  bad = edit(base, "trend = 0.03", "trend = -1");
  check_error(bad, at(bad, "-1 }"), {"segments.s.order_value.trend = -1 is out of range", "> -1"});
  bad = edit(base, "0.85, 0.8,", "0.85,");
  check_error(bad, at(bad, "[0.85"),
              {"segments.s.order_value.seasonal", "has 11 indices", "it needs 12",
               "12 for months, 52 for weeks, 4 for quarters"});
  bad = edit(base, "0.85, 0.8,", "0.95, 0.8,");
  check_error(bad, at(bad, "[0.95"),
              {"segments.s.order_value.seasonal", "has mean 1.008333333", "must average 1",
               "divide each index by 1.008333333"});
  bad = edit(base, "0.85, 0.8,", "-0.85, 2.5,");
  check_error(bad, at(bad, "-0.85"), {"segments.s.order_value.seasonal[0] = -0.85 is negative"});
  bad = edit(base, "cost_to_serve = [1, 2, 3, 4]", "cost_to_serve = [1, 2, 3]");
  check_error(bad, at(bad, "[1, 2, 3]"),
              {"segments.s.cost_to_serve = [1, 2, 3] has 3 elements",
               "one value per period: simulation.horizon = 4"});
  bad = edit(base, "cost_to_serve = [1, 2, 3, 4]", "gross_margin = { value = 0.5, trend = 0.1 }");
  check_error(bad, at(bad, "0.1 }"),
              {"segments.s.gross_margin.trend = 0.1 is not accepted here", "constant over time"});
  // Within the horizon only: periods 1-4 from November see the indices 1.2, 1.5, 0.85, 0.8.
  bad = edit(base, "churn = 0.05", "churn = { value = 0.9, seasonal = " + array(MONTHS) + " }");
  CHECK_NOTHROW(parse_scenario(bad, "x.toml"));
  bad = edit(bad, "start_season = 1", "start_season = 11");
  check_error(bad, at(bad, "{ value = 0.9"),
              {"segments.s.churn = 0.9 reaches 1.35 in some period, more than 1",
               "must stay in [0, 1] in every period"});
  bad = edit(base, "value = 80, ", "");
  check_error(bad, at(bad, "{ seasonal"),
              {"segments.s.order_value is missing required key 'value'"});
  bad = edit(base, "value = 80, ", "dist = \"uniform\", min = 70, max = 90, mean = 3, ");
  check_error(bad, at(bad, "mean = 3"), {"segments.s.order_value.mean is not a key of a uniform"});
  bad = edit(base, "period = \"month\"", "period = \"day\"");
  check_error(
      bad, at(bad, "[0.85"),
      {"segments.s.order_value.seasonal", "is not accepted with simulation.period = \"day\""});
  // A variant's set replaces the level only; the calendar is the scenario's.
  bad = base + "[variants.v]\nset = { \"segments.s.order_value\" = { value = 90, trend = 0.1 } }\n";
  check_error(bad, at(bad, "0.1 } }"),
              {"trend = 0.1 is not accepted here", "keeps the scenario's calendar"});
  // (1 + 1e308)^(3/12) is finite over 4 months, not over 5 years.
  bad = edit(base, "trend = 0.03", "trend = 1e308");
  CHECK_NOTHROW(parse_scenario(bad, "x.toml"));
  bad = edit(bad, "horizon = 4", "horizon = 60");
  bad = edit(bad, "cost_to_serve = [1, 2, 3, 4]\n", "");
  check_error(bad, at(bad, "{ value = 80"),
              {"segments.s.order_value = 80 grows beyond the largest number within the horizon"});
  bad = base + "[channels.web]\nspend = 100\ncost_per_lead = { value = 2, seasonal = " +
        array({2.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0}) + " }\n";
  check_error(bad, at(bad, "{ value = 2,"),
              {"channels.web.cost_per_lead = 2 is 0 in some period", "must be > 0"});
  bad = edit(base, "start_season = 1", "start_season = 13");
  check_error(bad, at(bad, "13"), {"simulation.start_season = 13 is out of range", "[1, 12]"});
}

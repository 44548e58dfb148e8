// Value that grows with tenure (Reichheld & Sasser 1990) against closed forms: the discounted value
// of a customer with geometric survival and a geometric or linear value curve, the expected flows
// of a cohort period by period, and the Monte Carlo mean within 4 standard errors.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "../io/toml_test_helpers.hpp"
#include "clvsim/engine.hpp"
#include "clvsim/markov.hpp"
#include "clvsim/model.hpp"
#include "clvsim/scenario.hpp"
#include "engine_helpers.hpp"
#include "stat_helpers.hpp"

using namespace clvsim;

namespace {

// One segment, constant churn 5% a month, one order a month of 100 at full margin, 10% a year.
std::string customer(const std::string& by_tenure, const std::string& extra = "") {
  return "[simulation]\nperiod = \"month\"\nhorizon = 48\nannual_discount_rate = 0.10\n"
         "ltv_tenure_cap = 600\n"
         "[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 0.0\n"
         "[segments.card]\nchurn = 0.05\norders_per_period = 1\norder_model = \"fixed\"\n"
         "order_value = 100\n" +
         extra + "[segments.card.by_tenure]\n" + by_tenure;
}

double monthly_gamma() {
  return 1.0 / std::pow(1.10, 1.0 / 12.0);
}


}  // namespace

TEST_CASE("Customer value with a geometric value curve equals the closed form",
          "[markov][tenure]") {
  // Survival s a period, value m c^tau in a period started at tenure tau, discount gamma:
  // V = gamma s m sum_tau (gamma s c)^tau = gamma s m / (1 - gamma s c) uncapped; the chain holds
  // the value at the cap L, V_L = gamma s m [(1 - x^{L-1}) / (1 - x) + x^{L-1} / (1 - gamma s)].
  const double s = 0.95, m = 100.0, c = 1.01, gamma = monthly_gamma(), x = gamma * s * c;
  const ModelParams p =
      resolve_nominal(parse_scenario(customer("order_value = { growth = 0.01 }\n"), "x.toml"));
  REQUIRE(p.ltv_tenure_cap == 600);
  const int L = 600;
  const double capped =
      gamma * s * m *
      ((1.0 - std::pow(x, L - 1)) / (1.0 - x) + std::pow(x, L - 1) / (1.0 - gamma * s));
  CHECK(p.ltv[0] == Approx(capped).epsilon(1e-12));
  CHECK(p.ltv[0] == Approx(gamma * s * m / (1.0 - x)).epsilon(1e-9));
  // Without the curve the value is Gupta, Lehmann & Stuart's m s / (1 + d - s): the curve adds.
  CHECK(p.ltv[0] > m * s / (1.0 / gamma - s));
}

TEST_CASE("Customer value with a linear value curve by tenure year equals the closed form",
          "[markov][tenure]") {
  // Factor f(n) = min(2, 1 + 0.2 n) in tenure year n = floor(tau / 12): with g = gamma s,
  // y = g^12, V = gamma s m (1 - y) / (1 - g) [sum_{n<5} y^n (1 + 0.2 n) + 2 y^5 / (1 - y)].
  const double s = 0.95, m = 100.0, g = monthly_gamma() * s, y = std::pow(g, 12);
  const ModelParams p = resolve_nominal(parse_scenario(
      customer("unit = \"year\"\norder_value = { slope = 0.2, limit = 2.0 }\n"), "x.toml"));
  double sum = 2.0 * std::pow(y, 5) / (1.0 - y);
  for (int n = 0; n < 5; ++n) sum += std::pow(y, n) * (1.0 + 0.2 * n);
  const double closed = monthly_gamma() * s * m * (1.0 - y) / (1.0 - g) * sum;
  CHECK(p.ltv[0] == Approx(closed).epsilon(1e-11));
}

TEST_CASE("A cohort's expected flows follow the curves by tenure", "[engine][tenure]") {
  // 1000 customers at tenure 0 and 500 at tenure 13; period t (from 1) starts at tenure
  // t - 1 (or 12 + t): survivors N s^t earn at that tenure's rates.
  const std::string text =
      "[simulation]\nperiod = \"month\"\nhorizon = 40\n"
      "[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 0.0\n"
      "[segments.card]\nchurn = 0.04\norders_per_period = 2\norder_value = 50\ngross_margin = 0.5\n"
      "cost_to_serve = 10\nreferrals_per_customer = 0.01\ninitial_customers = 1000\n"
      "[segments.card.by_tenure]\nunit = \"year\"\norders_per_period = [1.0, 1.25, 1.5]\n"
      "order_value = { growth = 0.1 }\ncost_to_serve = { slope = -0.25, limit = 0.5 }\n"
      "referrals_per_customer = [1, 2]\ngross_margin = [1.0, 1.2]\n"
      "[segments.old]\nchurn = 0.02\norders_per_period = 1\norder_value = 40\n"
      "initial_customers = 500\ninitial_tenure = 13\n"
      "[segments.old.by_tenure]\nunit = \"year\"\norder_value = [1.0, 1.5, 2.0, 2.5]\n";
  const Scenario sc = parse_scenario(text, "x.toml");
  const test::ExpectedRun f = test::expected_run(sc);
  const double table_orders[] = {1.0, 1.25, 1.5};
  for (int t = 1; t <= f.T; ++t) {
    const int year = (t - 1) / 12, old_year = (12 + t) / 12;
    const double n = 1000.0 * std::pow(0.96, t), n_old = 500.0 * std::pow(0.98, t);
    const double orders = n * 2.0 * table_orders[std::min(year, 2)];
    const double revenue = orders * 50.0 * std::pow(1.1, year);
    const double old_revenue = n_old * 40.0 * (1.0 + 0.5 * std::min(old_year, 3));
    INFO("period " << t);
    CHECK(f.at("orders", t - 1) == Approx(orders + n_old).epsilon(1e-12));
    CHECK(f.at("revenue", t - 1) == Approx(revenue + old_revenue).epsilon(1e-12));
    CHECK(f.at("gross_margin", t - 1) ==
          Approx(revenue * 0.5 * (year == 0 ? 1.0 : 1.2) + old_revenue).epsilon(1e-12));
    CHECK(f.at("cost_to_serve", t - 1) ==
          Approx(n * 10.0 * std::max(0.5, 1.0 - 0.25 * year)).epsilon(1e-12));
    CHECK(f.at("referred_prospects", t - 1) ==
          Approx(n * 0.01 * (year == 0 ? 1.0 : 2.0)).epsilon(1e-12));
  }

  // The Monte Carlo mean of each flow lies within 4 standard errors of it.
  constexpr int R = 400;
  const test::Trajectories mc = test::simulate_trajectories(sc, R, 11);
  for (const char* name :
       {"orders", "revenue", "gross_margin", "cost_to_serve", "referred_prospects"}) {
    for (int t : {0, 12, 30, 39}) {
      test::Moments x;
      for (double v : mc.across(f.layout.index(name), t)) x.add(v);
      INFO(name << " in period " << t + 1);
      test::check_mean(x, f.at(name, t), x.variance(), name);
    }
  }
}

TEST_CASE("Bernoulli orders and order values by tenure: Monte Carlo within 4 SE of the expectation",
          "[engine][tenure]") {
  const std::string text =
      "[simulation]\nperiod = \"quarter\"\nhorizon = 16\n"
      "[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 0.4\n"
      "[channels.web]\nspend = 2000\ncost_per_lead = 10\n"
      "[segments.card]\nchurn_sbg = { alpha = 1.0, beta = 4.0 }\norder_model = \"bernoulli\"\n"
      "orders_per_period = 0.5\norder_value = 80\norder_value_cv = 0.7\ninitial_customers = 300\n"
      "[segments.card.by_tenure]\norders_per_period = { growth = 0.1, limit = 1.8 }\n"
      "order_value = [1.0, 1.1, 1.2, 1.3]\n"
      "[winback]\nsuccess_probability = 0.2\nwindow = 2\n";
  const Scenario sc = parse_scenario(text, "x.toml");
  const test::ExpectedRun f = test::expected_run(sc);
  constexpr int R = 400;
  const test::Trajectories mc = test::simulate_trajectories(sc, R, 5);
  for (const char* name : {"orders", "revenue", "active_customers"}) {
    for (int t : {0, 5, 15}) {
      test::Moments x;
      for (double v : mc.across(f.layout.index(name), t)) x.add(v);
      INFO(name << " in period " << t + 1);
      test::check_mean(x, f.at(name, t), x.variance(), name);
    }
  }
}

TEST_CASE("[segments.<name>.by_tenure] is read with its locations and checked",
          "[io][toml][tenure]") {
  using toml_test::at;
  using toml_test::check_error;
  using toml_test::edit;
  const std::string base = customer(
      "unit = \"year\"\norder_value = [1.0, 1.2]\ncost_to_serve = { growth = -0.1, limit = 0.6 }\n",
      "gross_margin = 0.5\n");
  const Scenario s = parse_scenario(base, "x.toml");
  const TenureCurves& c = s.segments[0].by_tenure;
  CHECK(c.unit_periods == 12);
  REQUIRE(c.order_value.kind == TenureCurve::Kind::Table);
  CHECK(c.order_value.factors[1].path == "segments.card.by_tenure.order_value[1]");
  CHECK(c.cost_to_serve.kind == TenureCurve::Kind::Geometric);
  CHECK(c.cost_to_serve.rate.path == "segments.card.by_tenure.cost_to_serve.growth");
  CHECK(c.cost_to_serve.limit.value == 0.6);

  std::string bad = edit(base, "order_value = [1.0, 1.2]", "order_valu = [1.0, 1.2]");
  check_error(
      bad, at(bad, "order_valu ="),
      {"segments.card.by_tenure.order_valu is not a known key", "did you mean 'order_value'"});
  bad = edit(base, "growth = -0.1, limit", "growth = -1.5, limit");
  check_error(bad, at(bad, "-1.5"),
              {"segments.card.by_tenure.cost_to_serve.growth = -1.5 is not above -1"});
  bad = edit(base, "growth = -0.1, limit", "growth = -0.1, slope = 1, limit");
  check_error(bad, at(bad, "slope = 1", 8),
              {"cost_to_serve.slope", "cannot be given together with"});
  bad = edit(base, "unit = \"year\"", "unit = \"years\"");
  check_error(bad, at(bad, "\"years\""),
              {"segments.card.by_tenure.unit = \"years\" is not a known tenure unit",
               "did you mean \"year\""});
  bad = edit(base, "order_value = [1.0, 1.2]", "gross_margin = [1.0, 2.5]");
  check_error(bad, at(bad, "[1.0, 2.5]"),
              {"segments.card.gross_margin = 0.5 makes gross_margin reach 1.25"});
  bad = edit(base, "order_value = [1.0, 1.2]", "gross_margin = { slope = 0.1 }");
  check_error(bad, at(bad, "0.1 }"),
              {"lets the curve grow without a limit", "give the curve a limit"});
  bad = edit(base, "order_value = [1.0, 1.2]", "order_value = []");
  check_error(bad, at(bad, "[]"), {"segments.card.by_tenure.order_value = [] is empty"});
  bad = edit(base, "order_value = [1.0, 1.2]", "order_value = [1.0, -1]");
  check_error(bad, at(bad, "-1]"), {"segments.card.by_tenure.order_value[1] = -1 is negative"});
}

TEST_CASE("An acquisition cohort earns its revenue under value curves by tenure",
          "[engine][tenure][cohort]") {
  // Every customer is bought in period (year) 1, so cohort 1 is the whole base: N = 3000 new
  // customers, retention s = 0.9, one order a year of value 100 times the factor of the tenure
  // they start the year at, 1, 1.5, 2: revenue(t) = N s^(t-1) 100 f(t-2) for t >= 2, and the
  // cohort's cash is -3000 plus its contributions 0.5 revenue - 10 customers.
  const std::string text =
      "[simulation]\nperiod = \"year\"\nhorizon = 4\nannual_discount_rate = 0.0\n"
      "[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 1.0\n"
      "[channels.mail]\nspend = [3000, 0, 0, 0]\ncost_per_lead = 1\n"
      "[segments.members]\nchurn = 0.1\norder_model = \"fixed\"\norder_value = 100\n"
      "gross_margin = 0.5\ncost_to_serve = 10\n"
      "[segments.members.by_tenure]\norders_per_period = [1.0, 1.5, 2.0]\n";
  const test::ExpectedRun e = test::expected_run(parse_scenario(text, "x.toml"));
  const double f[3] = {1.0, 1.5, 2.0};
  double cash = -3000.0;
  for (int t = 0; t < e.T; ++t) {
    INFO("year " << t + 1);
    const double customers = t == 0 ? 0.0 : 3000.0 * std::pow(0.9, t);
    const double revenue = t == 0 ? 0.0 : customers * 100.0 * f[t - 1];
    cash += 0.5 * revenue - 10.0 * customers;
    CHECK(e.at("revenue", t) == Approx(revenue).margin(1e-9));
    CHECK(e.at("cohort_1_revenue", t) == Approx(revenue).margin(1e-9));
    CHECK(e.at("cohort_1_cash", t) == Approx(cash).epsilon(1e-12));
  }
}

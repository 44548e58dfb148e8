// The optimiser against closed forms (Blattberg & Deighton 1996), exhaustive grids, the budgets,
// thread counts and bad input.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/monte_carlo.hpp"
#include "clvsim/optimize/optimize.hpp"

using namespace clvsim;

namespace {

const std::string DATA = std::string(CLVSIM_SOURCE_DIR) + "/tests/data/optimize/";

Scenario bd_scenario() {
  return read_scenario_file(DATA + "blattberg_deighton.toml");
}

// The Blattberg & Deighton model of tests/data/optimize/blattberg_deighton.toml in closed form
// (docs/optimize.md): NPV(A, R) = l(A) G(R) - A Gamma, from the model's definition, not the engine.
struct BlattbergDeighton {
  double L = 400, ha = 20000;            // acquisition ceiling and half-saturation spend
  double c0 = 0.06, rmax = 0.6, hr = 5;  // churn, retention ceiling and half-saturation
  double e = 50;                         // margin per customer per month
  int T = 60;
  double gamma = 1.0 / std::pow(1.12, 1.0 / 12.0);

  double s(double x) const { return 1.0 - c0 * (1.0 - rmax * x / (x + hr)); }
  double ds(double x) const { return c0 * rmax * hr / ((x + hr) * (x + hr)); }
  double leads(double a) const { return L * a / (a + ha); }
  double dleads(double a) const { return L * ha / ((a + ha) * (a + ha)); }
  double Gamma() const {
    double g = 0.0;
    for (int t = 1; t <= T; ++t) g += std::pow(gamma, t);
    return g;
  }
  // Discounted value within the horizon of the cohorts acquired in periods 1..T, per customer.
  double G(double x) const {
    double g = 0.0;
    for (int u = 1; u <= T; ++u)
      for (int i = 1; i <= T - u; ++i)
        g += std::pow(gamma, u + i) * std::pow(s(x), i - 1) * (s(x) * e - x);
    return g;
  }
  double dG(double x) const {
    double g = 0.0;
    const double sx = s(x), d = ds(x);
    for (int u = 1; u <= T; ++u)
      for (int i = 1; i <= T - u; ++i) {
        const double w = std::pow(gamma, u + i);
        const double lead = i >= 2 ? (i - 1) * std::pow(sx, i - 2) * d * (sx * e - x) : 0.0;
        g += w * (lead + std::pow(sx, i - 1) * (d * e - 1.0));
      }
    return g;
  }
  double npv(double a, double x) const { return leads(a) * G(x) - a * Gamma(); }
  // First-order conditions: G'(R) = 0 (retention does not depend on acquisition), then
  // l'(A) G(R*) = Gamma, i.e. A* = sqrt(L ha G(R*) / Gamma) - ha.
  double retention_optimum() const {
    double lo = 0.0, hi = 40.0;
    REQUIRE(dG(lo) > 0.0);
    REQUIRE(dG(hi) < 0.0);
    for (int k = 0; k < 200; ++k) {
      const double mid = 0.5 * (lo + hi);
      (dG(mid) > 0.0 ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
  }
  double acquisition_optimum(double r) const { return std::sqrt(L * ha * G(r) / Gamma()) - ha; }
};

OptimizeSpec::Budget budget(std::vector<std::pair<std::string, double>> terms,
                            OptimizeSpec::Budget::Sense sense, double bound) {
  OptimizeSpec::Budget b;
  b.name = "budget";
  b.terms = std::move(terms);
  b.sense = sense;
  b.bound = bound;
  return b;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

}  // namespace

TEST_CASE("The closed form of the Blattberg-Deighton scenario is the engine's expectation",
          "[optimize]") {
  const Scenario s = bd_scenario();
  const optimize::Problem p = optimize::make_problem(s, *s.optimize);
  const BlattbergDeighton bd;
  for (const auto& x :
       std::vector<std::vector<double>>{{10000, 2}, {0, 0}, {55000, 11.5}, {200000, 40}}) {
    const double closed = bd.npv(x[0], x[1]);
    CHECK(optimize::expected_objective(p, x) == Approx(closed).epsilon(1e-11).margin(1e-6));
  }
}

TEST_CASE("The optimiser finds the Blattberg-Deighton optimum of the first-order conditions",
          "[optimize]") {
  const Scenario s = bd_scenario();
  const optimize::Problem p = optimize::make_problem(s, *s.optimize);
  const BlattbergDeighton bd;
  const double r = bd.retention_optimum();
  const double a = bd.acquisition_optimum(r);
  const optimize::Solution sol = optimize::solve_expected(p);
  CHECK(sol.x[0] == Approx(a).epsilon(1e-5));
  CHECK(sol.x[1] == Approx(r).epsilon(1e-5));
  CHECK(sol.value >= bd.npv(a, r) - 1e-9 * std::fabs(bd.npv(a, r)));

  SECTION(
      "at an interior optimum under a binding budget the marginal values per dollar are equal") {
    // A budget of a third of the unconstrained optimum's spend: A + 3000 R = B. At the optimum
    // l'(A) G(R) - Gamma = lambda and l(A) G'(R) = 3000 lambda (docs/optimize.md).
    OptimizeSpec spec = *s.optimize;
    const double B = (a + 3000.0 * r) / 3.0;
    spec.budgets.push_back(
        budget({{"channels.ads.spend", 1.0}, {"retention.spend_per_customer", 3000.0}},
               OptimizeSpec::Budget::Sense::Equal, B));
    const optimize::Problem pb = optimize::make_problem(s, spec);
    const optimize::Solution sb = optimize::solve_expected(pb);
    CHECK(sb.x[0] + 3000.0 * sb.x[1] == Approx(B).epsilon(1e-12));
    // Lagrange conditions from the closed form at the returned plan.
    const double lambda_a = bd.dleads(sb.x[0]) * bd.G(sb.x[1]) - bd.Gamma();
    const double lambda_r = bd.leads(sb.x[0]) * bd.dG(sb.x[1]) / 3000.0;
    CHECK(lambda_a == Approx(lambda_r).epsilon(1e-3));
    const optimize::EquityTest eq = optimize::equity_test(pb, sb.x);
    REQUIRE(eq.levers.size() == 2);
    CHECK_FALSE(eq.levers[0].at_bound);
    CHECK_FALSE(eq.levers[1].at_bound);
    CHECK(eq.levers[0].value_per_dollar == Approx(lambda_a).epsilon(2e-3));
    CHECK(eq.levers[1].value_per_dollar == Approx(lambda_a).epsilon(2e-3));
    CHECK(eq.shadow_price == Approx(lambda_a).epsilon(2e-3));
    // Pfeifer's marginal acquisition cost: dA / d(new customers) = 1 / (l'(A) * periods).
    CHECK(eq.levers[0].marginal_cost_per_customer ==
          Approx(1.0 / bd.dleads(sb.x[0])).epsilon(1e-4));
    // Average costs: CAC = A / l(A); retention spend per customer-year kept = 12 R / s(R).
    CHECK(eq.average_acquisition_cost == Approx(sb.x[0] / bd.leads(sb.x[0])).epsilon(1e-12));
    CHECK(eq.average_retention_cost == Approx(12.0 * sb.x[1] / bd.s(sb.x[1])).epsilon(1e-10));
  }
}

TEST_CASE("On two levers the expected optimum matches an exhaustive grid", "[optimize]") {
  Scenario s = read_scenario_file(std::string(CLVSIM_SOURCE_DIR) + "/scenarios/saas_optimize.toml");
  OptimizeSpec spec = *s.optimize;
  spec.variables.pop_back();  // the two channels; retention stays as it is
  spec.variables[0].max = 80000;
  spec.variables[1].max = 40000;
  spec.budgets = {budget({{"channels.paid_search.spend", 1.0}, {"channels.content.spend", 1.0}},
                         OptimizeSpec::Budget::Sense::AtMost, 50000)};
  const optimize::Problem p = optimize::make_problem(s, spec);
  const optimize::Solution sol = optimize::solve_expected(p);
  const int steps = 40;
  const double d0 = 80000.0 / steps, d1 = 40000.0 / steps;
  double best = -HUGE_VAL;
  std::vector<double> best_x;
  for (int i = 0; i <= steps; ++i)
    for (int j = 0; j <= steps; ++j) {
      const std::vector<double> x{i * d0, j * d1};
      if (x[0] + x[1] > 50000) continue;
      const double v = optimize::expected_objective(p, x);
      if (v > best) {
        best = v;
        best_x = x;
      }
    }
  CHECK(sol.value >= best - 1e-9 * std::fabs(best));
  CHECK(std::fabs(sol.x[0] - best_x[0]) <= d0);
  CHECK(std::fabs(sol.x[1] - best_x[1]) <= d1);
  CHECK(sol.x[0] + sol.x[1] <= 50000 * (1 + 1e-12));
}

TEST_CASE("Budgets hold to rounding at the returned optimum", "[optimize]") {
  Scenario s = read_scenario_file(std::string(CLVSIM_SOURCE_DIR) + "/scenarios/saas_optimize.toml");
  OptimizeSpec spec = *s.optimize;
  // Today's total, and content at most 15% of the two channels: content - 0.15 (search + content)
  // <= 0.
  spec.budgets.push_back(
      budget({{"channels.content.spend", 0.85}, {"channels.paid_search.spend", -0.15}},
             OptimizeSpec::Budget::Sense::AtMost, 0.0));
  const optimize::Problem p = optimize::make_problem(s, spec);
  const optimize::Solution sol = optimize::solve_expected(p);
  const double total = optimize::constraint_value(p.constraints[0], sol.x);
  CHECK(std::fabs(total - p.constraints[0].bound) <= 1e-10 * p.constraints[0].bound);
  CHECK(optimize::constraint_value(p.constraints[1], sol.x) <= 1e-9);
  CHECK(optimize::max_violation(p, sol.x) <= 1e-9);
  for (std::size_t i = 0; i < p.size(); ++i) {
    CHECK(sol.x[i] >= p.lower[i]);
    CHECK(sol.x[i] <= p.upper[i]);
  }
  // The share budget binds (the unconstrained split gives content about 27%).
  CHECK(optimize::constraint_value(p.constraints[1], sol.x) >= -1e-6 * total);
}

TEST_CASE("The risk-aware optimum is not beaten by any grid point beyond Monte Carlo error",
          "[optimize]") {
  Scenario s = bd_scenario();
  s.simulation.horizon = 24;
  // Uncertain churn, so the lower tail depends on the plan.
  s.segments[0].churn.dist = Distribution{Distribution::Kind::Uniform, 0.03, 0.09, 0.0};
  OptimizeSpec spec = *s.optimize;
  spec.objective = OptimizeSpec::Objective::Quantile;
  spec.level = 0.10;
  spec.replications = 64;
  spec.starts = 2;
  spec.variables[0].max = 60000;
  spec.variables[1].max = 20;
  const optimize::Problem p = optimize::make_problem(s, spec);
  const optimize::Solution e = optimize::solve_expected(p);
  optimize::Settings settings;
  settings.threads = 2;
  const optimize::Solution r = optimize::solve_risk(p, e.x, 7, settings);
  const std::vector<double> at_opt = optimize::sample_metric(p, r.x, 7, spec.replications, 2);
  CHECK(optimize::risk_measure(spec, at_opt) == r.value);
  const double se = summarize(at_opt).std_error;
  double best = -HUGE_VAL;
  const int steps = 8;
  for (int i = 0; i <= steps; ++i)
    for (int j = 0; j <= steps; ++j) {
      const std::vector<double> x{60000.0 * i / steps, 20.0 * j / steps};
      best = std::max(best, optimize::risk_measure(
                                spec, optimize::sample_metric(p, x, 7, spec.replications, 2)));
    }
  CHECK(best <= r.value + 4.0 * se);
}

TEST_CASE("Risk-aware optimisation is bit-identical for 1 and 2 threads", "[optimize]") {
  Scenario s = bd_scenario();
  s.simulation.horizon = 18;
  s.segments[0].churn.dist = Distribution{Distribution::Kind::Uniform, 0.03, 0.09, 0.0};
  OptimizeSpec spec = *s.optimize;
  spec.objective = OptimizeSpec::Objective::Cvar;
  spec.replications = 40;
  spec.starts = 1;
  const optimize::Problem p = optimize::make_problem(s, spec);
  const optimize::Solution e = optimize::solve_expected(p);
  optimize::Settings one, two;
  one.threads = 1;
  two.threads = 2;
  const optimize::Solution a = optimize::solve_risk(p, e.x, 11, one);
  const optimize::Solution b = optimize::solve_risk(p, e.x, 11, two);
  CHECK(same_bits(a.x, b.x));
  CHECK(std::memcmp(&a.value, &b.value, sizeof(double)) == 0);
  CHECK(a.evaluations == b.evaluations);
}

TEST_CASE("Risk measures follow their definitions", "[optimize]") {
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  OptimizeSpec spec;
  CHECK(optimize::cvar(v, 0.05) == Approx(3.0));  // mean of 1..5
  CHECK(optimize::cvar(v, 0.055) == Approx((15.0 + 0.5 * 6.0) / 5.5));
  spec.objective = OptimizeSpec::Objective::Probability;
  spec.target = 91;
  CHECK(optimize::risk_measure(spec, v) == Approx(0.10));
  spec.objective = OptimizeSpec::Objective::Quantile;
  spec.level = 0.25;
  CHECK(optimize::risk_measure(spec, v) == Approx(25.75));  // numpy's linear interpolation
  spec.objective = OptimizeSpec::Objective::MeanMinusSd;
  spec.k = 2.0;
  CHECK(optimize::risk_measure(spec, v) == Approx(50.5 - 2.0 * std::sqrt(100.0 * 101.0 / 12.0)));
}

TEST_CASE("Bad [optimize] input names file, line and column", "[optimize]") {
  const std::string base = "extends = \"" + DATA + "blattberg_deighton.toml\"\n";
  auto error_of = [&](const std::string& text) -> std::string {
    try {
      const Scenario s = parse_scenario(base + text, "bad.toml");
      (void)optimize::make_problem(s, *s.optimize);
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  };
  SECTION("unknown path with a suggestion") {
    const std::string m =
        error_of("[optimize.variables]\n\"channels.ads.spnd\" = { min = 0, max = 1 }\n");
    CHECK(m.find("bad.toml:3:") != std::string::npos);
    CHECK(m.find("did you mean 'channels.ads.spend'") != std::string::npos);
  }
  SECTION("bounds with min above max") {
    const std::string m =
        error_of("[optimize.variables]\n\"channels.ads.spend\" = { min = 5, max = 1 }\n");
    CHECK(m.find("bad.toml:3:") != std::string::npos);
    CHECK(m.find("min <= max") != std::string::npos);
  }
  SECTION("a bound outside the parameter's domain") {
    const std::string m =
        error_of("[optimize.variables]\n\"channels.ads.spend\" = { min = -5, max = 1 }\n");
    CHECK(m.find("bad.toml:3:") != std::string::npos);
    CHECK(m.find("domain") != std::string::npos);
  }
  SECTION("an infeasible budget") {
    const std::string m = error_of(
        "[optimize.budgets.total]\nterms = { \"channels.ads.spend\" = 1, "
        "\"retention.spend_per_customer\" = 1 }\n"
        "min = 1e9\n");
    CHECK(m.find("bad.toml:2:") != std::string::npos);
    CHECK(m.find("cannot be met") != std::string::npos);
  }
  SECTION("budgets that contradict each other") {
    const std::string m = error_of(
        "[optimize.budgets.a]\nterms = { \"channels.ads.spend\" = 1 }\nmin = 100000\n"
        "[optimize.budgets.b]\nterms = { \"channels.ads.spend\" = 1, "
        "\"retention.spend_per_customer\" = 1000 }\n"
        "max = 50000\n");
    const Scenario s = parse_scenario(
        base +
            "[optimize.budgets.a]\nterms = { \"channels.ads.spend\" = 1 }\nmin = 100000\n"
            "[optimize.budgets.b]\nterms = { \"channels.ads.spend\" = 1, "
            "\"retention.spend_per_customer\" = 1000 }\nmax = 50000\n",
        "bad.toml");
    const optimize::Problem p = optimize::make_problem(s, *s.optimize);
    try {
      (void)optimize::solve_expected(p);
      FAIL("an infeasible problem was solved");
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).find("admit no plan") != std::string::npos);
    }
    CHECK(m.empty());  // each budget alone can be met: only the solver finds the conflict
  }
  SECTION("an unknown key") {
    const std::string m = error_of("[optimize]\nobjectiv = \"cvar\"\n");
    CHECK(m.find("bad.toml:3:1") != std::string::npos);
    CHECK(m.find("did you mean") != std::string::npos);
  }
  SECTION("a budget naming no variable") {
    const std::string m =
        error_of("[optimize.budgets.total]\nterms = { \"channels.ads.spen\" = 1 }\nmax = 5\n");
    CHECK(m.find("bad.toml:2:") != std::string::npos);
    CHECK(m.find("did you mean 'channels.ads.spend'") != std::string::npos);
  }
}

TEST_CASE("The risk objective's replications are run_monte_carlo's, bit for bit", "[optimize]") {
  Scenario s = read_scenario_file(std::string(CLVSIM_SOURCE_DIR) + "/scenarios/saas_optimize.toml");
  s.simulation.horizon = 12;
  const optimize::Problem p = optimize::make_problem(s, *s.optimize);
  const std::vector<double> x{30000, 20000, 4.0};
  const std::vector<double> fast = optimize::sample_metric(p, x, 5, 16, 2);
  const Scenario plan = optimize::apply_plan(p, x);
  RunOptions options;
  options.replications = 16;
  options.seed = 5;
  options.use_seed = true;
  options.threads = 1;
  const RunResults r = run_monte_carlo(std::span<const Scenario>(&plan, 1), options);
  CHECK(same_bits(fast, r.scenarios.front().across(Total::Npv)));
}

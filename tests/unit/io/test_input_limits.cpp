// Inputs at the edges of what the model computes exactly: counts beyond 2^53, rates written as
// percents, overflowing parameters, variants that change nothing, and the messages for them.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "clvsim/distribution.hpp"
#include "clvsim/engine.hpp"
#include "clvsim/random.hpp"
#include "clvsim/samplers.hpp"
#include "clvsim/model.hpp"
#include "clvsim/monte_carlo.hpp"
#include "clvsim/sensitivity.hpp"
#include "clvsim/suggest.hpp"
#include "clvsim/variants.hpp"
#include "toml_test_helpers.hpp"

using clvsim::InputError;
using clvsim::Scenario;
using namespace toml_test;

namespace {

const std::string BASE = R"(
[simulation]
horizon = 12
annual_discount_rate = 0.10

[funnel]
stages = ["lead"]

[funnel.lead]
advance = 0.3
drop = 0.2

[channels.search]
spend = 1000
cost_per_lead = 20

[segments.basic]
churn = 0.05
order_value = 30
initial_customers = 1000
)";

Scenario parse(const std::string& text) { return clvsim::parse_scenario(text, "x.toml"); }

}  // namespace

TEST_CASE("counts that cannot stay below 2^53 are rejected where they are written", "[io][limits]") {
  SECTION("initial customers above 2^53 (they wrapped to negative before)") {
    const auto text = edit(BASE, "initial_customers = 1000", "initial_customers = 9.3e18");
    check_error(text, at(text, "9.3e18"),
                {"segments.basic.initial_customers = 9.3e+18 is above 2^53", "9007199254740992"});
  }
  SECTION("2^53 itself is accepted as a count") {
    // 2^53 initial customers and no acquisition: at the limit, not beyond it.
    auto text = edit(BASE, "initial_customers = 1000", "initial_customers = 9007199254740992");
    text = edit(text, "spend = 1000", "spend = 0");
    CHECK_NOTHROW(parse(text));
  }
  SECTION("a cost per lead that buys more than 2^53 leads a period") {
    const auto text = edit(BASE, "cost_per_lead = 20", "cost_per_lead = 1e-300");
    check_error(text, at(text, "1e-300"),
                {"channels.search.cost_per_lead = 1e-300 gives 1e+303 leads in a period, more than 2^53"});
  }
  SECTION("leads that add up to more than 2^53 over the horizon") {
    // 1e15 leads a period is below 2^53 = 9.007e15; twelve periods of them are not.
    const auto text = edit(BASE, "cost_per_lead = 20", "cost_per_lead = 1e-12");
    check_error(text, at(text, "1e-12"),
                {"channels.search.cost_per_lead = 1e-12 brings up to 1.2e+16 people into the model",
                 "1000 + 12 x 1e+15"});
  }
  SECTION("pipeline prospects above 2^53") {
    const auto text = BASE + "[pipeline]\nprospects = { lead = 1e19 }\n";
    check_error(text, at(text, "1e19"), {"pipeline.prospects.lead = 1e+19 is above 2^53"});
  }
  SECTION("orders per period whose Poisson mean exceeds 2^53") {
    const auto text = edit(BASE, "order_value = 30", "order_value = 30\norders_per_period = 1e300");
    check_error(text, at(text, "1e300"),
                {"segments.basic.orders_per_period = 1e+300 gives up to", "orders in a period, more than 2^53"});
  }
}

TEST_CASE("a population that outgrows 2^53 during the run stops with the cell, period and replication",
          "[io][limits][engine]") {
  // No bound at read time: referrals grow the population geometrically (5 referred prospects per
  // customer, all of whom convert). 1e15 customers refer 5e15 prospects in period 1 (< 2^53);
  // in period 2 the 6e15 customers' referrals have a Poisson mean of 3e16 > 2^53.
  auto text = edit(BASE, "initial_customers = 1000", "initial_customers = 1e15\nreferrals_per_customer = 5");
  text = edit(text, "churn = 0.05", "churn = 0");
  text = edit(text, "advance = 0.3", "advance = 1");
  text = edit(text, "drop = 0.2", "drop = 0");
  text = edit(text, "horizon = 12", "horizon = 3");
  const Scenario s = parse(text);
  clvsim::RunOptions opt;
  opt.replications = 3;
  opt.threads = 1;
  opt.seed = 1;
  opt.use_seed = true;
  const std::vector<Scenario> one{s};
  CHECK_THROWS_MATCHES(
      clvsim::run_monte_carlo(one, opt), clvsim::RuntimeError,
      Catch::Matchers::Predicate<clvsim::RuntimeError>([](const clvsim::RuntimeError& e) {
        const std::string m = e.what();
        INFO(m);
        return m.find("replication 0") != std::string::npos &&
               m.find("referrals by segment #1 in file order in period 2") != std::string::npos &&
               m.find("more than 2^53") != std::string::npos;
      }));
  // Expected-value mode has no samplers and no limit.
  const clvsim::ModelParams m = clvsim::resolve_nominal(s);
  std::vector<double> metrics(static_cast<std::size_t>(clvsim::MetricLayout(s).size()) * m.horizon);
  std::vector<double> totals(static_cast<std::size_t>(clvsim::Total::Count_));
  clvsim::expected_trajectory(m, metrics, totals);
  CHECK(std::isfinite(totals[static_cast<std::size_t>(clvsim::Total::Revenue)]));
}

TEST_CASE("extreme parameters do not overflow to wrong numbers", "[io][limits]") {
  SECTION("sBG with alpha = beta = 1e308 has hazard 1/2 (the sum overflowed to a hazard of 0)") {
    const auto text = edit(BASE, "churn = 0.05", "churn_sbg = { alpha = 1e308, beta = 1e308 }");
    const clvsim::ModelParams m = clvsim::resolve_nominal(parse(text));
    CHECK(m.hazard_at(0, 0) == 0.5);
    CHECK(m.hazard_at(0, 5) == 0.5);
    CHECK(clvsim::sbg_hazard(0.9, 12.0, 3.0) == 0.9 / (0.9 + 12.0 + 3.0));  // the usual formula
  }
  SECTION("order_value_cv above its limit is rejected") {
    const auto text = edit(BASE, "order_value = 30", "order_value = 30\norder_value_cv = 1e300");
    check_error(text, at(text, "1e300"),
                {"segments.basic.order_value_cv = 1e+300 is above 100", "must be in [0, 100]"});
  }
  SECTION("order_value_cv at its limit gives finite revenue") {
    const auto text = edit(BASE, "order_value = 30", "order_value = 30\norder_value_cv = 100");
    clvsim::RunOptions opt;
    opt.replications = 20;
    opt.threads = 1;
    const std::vector<Scenario> one{parse(text)};
    const auto r = clvsim::run_monte_carlo(one, opt);
    const std::size_t revenue = static_cast<std::size_t>(clvsim::Total::Revenue);
    const std::size_t npv = static_cast<std::size_t>(clvsim::Total::Npv);
    const std::size_t n = static_cast<std::size_t>(clvsim::Total::Count_);
    const std::vector<double> totals = r.scenarios[0].totals_by_replication();
    for (std::size_t i = 0; i * n < totals.size(); ++i) {
      CHECK(std::isfinite(totals[i * n + revenue]));
      CHECK(std::isfinite(totals[i * n + npv]));
    }
  }
}

TEST_CASE("rates written as percents are errors with the fraction to write", "[io][limits]") {
  SECTION("a discount rate of 12") {
    const auto text = edit(BASE, "annual_discount_rate = 0.10", "annual_discount_rate = 12");
    check_error(text, at(text, "rate = 12", 7),
                {"simulation.annual_discount_rate = 12 is above 1", "12 looks like a percent: write 0.12 for 12%"});
  }
  SECTION("a discount rate of 1 (100% a year) is accepted") {
    CHECK_NOTHROW(parse(edit(BASE, "annual_discount_rate = 0.10", "annual_discount_rate = 1")));
  }
  SECTION("a probability of 5") {
    const auto text = edit(BASE, "churn = 0.05", "churn = 5");
    check_error(text, at(text, "5\n"),
                {"segments.basic.churn = 5 is not a probability", "5 looks like a percent: write 0.05 for 5%"});
  }
}

TEST_CASE("variants that match nothing or change nothing are errors", "[io][limits][variants]") {
  const std::string sbg = edit(BASE, "churn = 0.05", "churn_sbg = { alpha = 1, beta = 9 }");
  SECTION("a pattern that matches only a parameter the scenario does not use") {
    const auto text = sbg + "[variants.v]\nscale = { \"segments.*.churn\" = 0.8 }\n";
    const Scenario s = parse(text);
    CHECK_THROWS_WITH(clvsim::expand_variants(s),
                      Catch::StartsWith(at(text, "0.8")) &&
                          Catch::Contains("segments.*.churn matches only parameters the scenario does not use") &&
                          Catch::Contains("segment 'basic' has churn_sbg"));
  }
  SECTION("a scale of 1") {
    const auto text = BASE + "[variants.v]\nscale = { \"segments.*.churn\" = 1 }\n";
    CHECK_THROWS_WITH(clvsim::expand_variants(parse(text)),
                      Catch::StartsWith(at(text, "= 1 }", 2)) &&
                          Catch::Contains("variants.v.scale.segments.*.churn = 1 changes nothing"));
  }
  SECTION("a variant without changes") {
    const auto text = BASE + "[variants.v]\ndescription = \"nothing\"\n";
    CHECK_THROWS_WITH(clvsim::expand_variants(parse(text)), Catch::Contains("variants.v changes nothing"));
  }
  SECTION("an unknown name in a path: did-you-mean and the names that exist there") {
    const auto text = BASE + "[variants.v]\nscale = { \"segments.basik.churn\" = 0.8 }\n";
    CHECK_THROWS_WITH(clvsim::expand_variants(parse(text)),
                      Catch::StartsWith(at(text, "0.8")) &&
                          Catch::Contains("there is no 'basik' in segments") &&
                          Catch::Contains("did you mean 'basic'? names in segments: basic"));
  }
  SECTION("an empty key path is named as such") {
    const auto text = BASE + "[variants.v]\nset = { \"\" = 1 }\n";
    check_error(text, at(text, "\"\" = 1"), {"variants.v.set.\"\" = 1 is an empty key path"});
  }
}

TEST_CASE("messages for the remaining bad inputs name the key", "[io][limits][errors]") {
  SECTION("a negative segment weight is named, not reported as a sum of 0") {
    auto text = edit(BASE, "[segments.basic]", "[segments.premium]\nchurn = 0.01\norder_value = 50\n\n[segments.basic]");
    text = edit(text, "cost_per_lead = 20", "cost_per_lead = 20\nsegment_mix = {basic = -0.8, premium = 0.2}");
    check_error(text, at(text, "-0.8"), {"channels.search.segment_mix.basic = -0.8 is negative"});
  }
  SECTION("an integer beyond 64 bits") {
    const auto text = edit(BASE, "horizon = 12", "horizon = 99999999999999999999");
    const std::string msg = error_of(text);
    CHECK_THAT(msg, Catch::Contains("x.toml:3:") && Catch::Contains(": simulation.horizon: malformed TOML") &&
                        Catch::Contains("9223372036854775807"));
  }
  SECTION("a float beyond the largest double") {
    const auto text = edit(BASE, "annual_discount_rate = 0.10", "annual_discount_rate = 1e309");
    CHECK_THAT(error_of(text), Catch::Contains("simulation.annual_discount_rate: malformed TOML"));
  }
  SECTION("values nested deeper than 256") {
    const auto text = edit(BASE, "spend = 1000", "spend = " + std::string(300, '[') + std::string(300, ']'));
    CHECK_THAT(error_of(text),
               Catch::Contains("channels.search.spend: malformed TOML") && Catch::Contains("at most 256 deep"));
  }
  SECTION("an unknown name among very many is listed in part") {
    std::string stages = "stages = [";
    for (int i = 0; i < 1000; ++i) stages += (i ? ", \"s" : "\"s") + std::to_string(i) + "\"";
    std::string text = edit(BASE, "stages = [\"lead\"]", stages + "]");
    text = edit(text, "[funnel.lead]\nadvance = 0.3\ndrop = 0.2\n", "");
    for (int i = 0; i < 1000; ++i) text += "[funnel.s" + std::to_string(i) + "]\nadvance = 0.1\n";
    text = edit(text, "cost_per_lead = 20", "cost_per_lead = 20\nentry_stage = \"zzz\"");
    const std::string msg = error_of(text);
    INFO(msg);
    CHECK(msg.size() < 600);
    CHECK_THAT(msg, Catch::Contains("channels.search.entry_stage = \"zzz\" is not a stage") &&
                        Catch::Contains("\"s19\", ... and 980 more"));
  }
  SECTION("list_names caps at 20") {
    std::vector<std::string> names;
    for (int i = 0; i < 25; ++i) names.push_back("n" + std::to_string(i));
    CHECK(clvsim::list_names(names).find("n19, ... and 5 more") != std::string::npos);
    CHECK(clvsim::list_names({"a", "b"}, "'") == "'a', 'b'");
  }
  SECTION("an invalid sensitivity range is located and does not speak of a variant") {
    const auto text = BASE + "[sensitivity]\nparameters = [\"segments.basic.churn\"]\n"
                             "[sensitivity.ranges]\n\"segments.basic.churn\" = { low = -0.5, high = 0.5 }\n";
    const Scenario s = parse(text);
    try {
      (void)clvsim::sensitivity_parameters(s, *s.sensitivity, nullptr);
      FAIL("expected an InputError");
    } catch (const InputError& e) {
      const std::string msg = e.what();
      INFO(msg);
      CHECK_THAT(msg, Catch::StartsWith(at(text, "{ low = -0.5")));
      CHECK_THAT(msg, Catch::Contains("segments.basic.churn = -0.5 is out of range after the set of -0.5"));
      CHECK_THAT(msg, !Catch::Contains("variant"));
    }
  }
}

TEST_CASE("a variant's change to an uncertain parameter never fails in the middle of a run",
          "[io][limits][variants]") {
  SECTION("draws scaled past 1 are held at 1") {
    // beta(50, 50) has mean 0.5; scaled by 1.9 the mean is 0.95 (valid), and about half of the
    // draws exceed 1 / 1.9. They used to stop the run naming the replication.
    auto text = edit(BASE, "churn = 0.05", "churn = { dist = \"beta\", alpha = 50, beta = 50 }");
    text += "[variants.v]\nscale = { \"segments.basic.churn\" = 1.9 }\n";
    const auto all = clvsim::expand_variants(parse(text));
    int held = 0;
    for (std::uint64_t r = 0; r < 64; ++r) {
      const double c = clvsim::resolve(all[1], 3, r).churn_const[0];
      CHECK(c <= 1.0);
      CHECK(c == std::min(1.0, clvsim::resolve(all[0], 3, r).churn_const[0] * 1.9));
      held += c == 1.0;
    }
    CHECK(held > 0);
  }
  SECTION("a shift that can take a parameter that must be > 0 to 0 or below is an error") {
    auto text = edit(BASE, "cost_per_lead = 20", "cost_per_lead = { dist = \"lognormal\", mean = 20, sd = 5 }");
    text += "[variants.v]\nadd = { \"channels.search.cost_per_lead\" = -10 }\n";
    CHECK_THROWS_WITH(clvsim::expand_variants(parse(text)),
                      Catch::StartsWith(at(text, "-10")) &&
                          Catch::Contains("channels.search.cost_per_lead = { dist = \"lognormal\", mean = 20, sd = 5 } - 10 can draw values <= 0"));
  }
}

TEST_CASE("sensitivity over every parameter skips the ones the scenario does not use", "[io][limits]") {
  // Constant churn: churn_sbg is unused; a linear channel: max_leads is unused.
  const auto text = BASE + "[sensitivity]\nsamples = 8\n";
  const Scenario s = parse(text);
  std::vector<std::string> skipped;
  const auto params = clvsim::sensitivity_parameters(s, *s.sensitivity, &skipped);
  for (const auto& p : params) {
    CHECK(p.pattern != "segments.basic.churn_sbg.alpha");
    CHECK(p.pattern != "channels.search.max_leads");
  }
  const auto has = [&](const std::string& start) {
    return std::any_of(skipped.begin(), skipped.end(), [&](const std::string& x) { return x.rfind(start, 0) == 0; });
  };
  CHECK(has("segments.basic.churn_sbg.alpha (segment 'basic' has a constant churn"));
  CHECK(has("channels.search.max_leads (channel 'search' has response = \"linear\""));
  // Named explicitly, an unused parameter is an error.
  const auto named = BASE + "[sensitivity]\nparameters = [\"channels.search.max_leads\"]\n";
  const Scenario t = parse(named);
  CHECK_THROWS_WITH(clvsim::sensitivity_parameters(t, *t.sensitivity, nullptr),
                    Catch::Contains("channels.search.max_leads matches only parameters the scenario does not use"));
}

TEST_CASE("beta distributions with extreme shapes stay exact", "[io][limits]") {
  SECTION("alpha = beta = 1e308: the mean is 1/2, not 0") {
    const clvsim::Distribution d{clvsim::Distribution::Kind::Beta, 1e308, 1e308, 0.0};
    CHECK(clvsim::distribution_mean(d, clvsim::Domain::Probability) == 0.5);
  }
  SECTION("shapes of 1e-300: both gamma variates underflow, yet draws are Bernoulli(a / (a + b))") {
    // Beta(a, b) tends to a point mass on {0, 1} with P(1) = a / (a + b) as a, b -> 0; a draw
    // used to be 0 / 0 = NaN, rejected until the run failed.
    const double a = 1e-300, b = 3e-300, p = 0.25;
    const int n = 4000;
    int ones = 0;
    for (int i = 0; i < n; ++i) {
      clvsim::RandomStream rng(5, static_cast<std::uint64_t>(i), clvsim::Purpose::Test, 0);
      const double x = clvsim::beta_variate(rng, a, b);
      REQUIRE((x == 0.0 || x == 1.0));
      ones += x == 1.0;
    }
    CHECK(std::fabs(ones - n * p) <= 4.0 * std::sqrt(n * p * (1.0 - p)));
  }
}

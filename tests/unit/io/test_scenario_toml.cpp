// The TOML reader: what a scenario file turns into, and how bad input is reported.
//
// Error tests locate the offending token in the test's own text and require the message to
// start with exactly that file:line:column, so a location that drifts by one column fails.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "clvsim/distribution.hpp"
#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/scenario.hpp"
#include "clvsim/variants.hpp"
#include "toml_test_helpers.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using clvsim::Domain;
using clvsim::InputError;
using clvsim::Override;
using clvsim::Param;
using clvsim::Scenario;
using namespace toml_test;

namespace {

// A small valid scenario; tests edit one line of it to make it invalid.
const std::string BASE = R"(# a small bank
[scenario]
name = "bank"
currency = "EUR"

[simulation]
period = "month"
horizon = 4
replications = 10
seed = 7

[funnel]
stages = ["lead", "qualified"]

[funnel.lead]
advance = 0.3
drop = 0.2

[funnel.qualified]
advance = 0.5
drop = 0.1

[channels.search]
spend = 1000
cost_per_lead = 20
segment_mix = { basic = 3, premium = 1 }

[segments.basic]
churn = 0.05
order_value = 30

[segments.premium]
churn = 0.02
order_value = 90
)";

const Param* find_param(const Scenario& s, const std::string& path) {
  const Param* found = nullptr;
  clvsim::for_each_param(s, [&](const Param& p) {
    if (p.path == path && !found) found = &p;
  });
  return found;
}

// Uses every section and both forms of every numeric input.
const std::string FULL = R"([scenario]
name = "full"
description = "every feature"

[simulation]
period = "quarter"
horizon = 3
replications = 50
seed = 42
annual_discount_rate = { dist = "uniform", min = 0.02, max = 0.04 }
ltv_tenure_cap = 60
ltv_horizon = 24

[funnel]
stages = ["visit", "trial"]

[funnel.visit]
advance = { dist = "normal", mean = 0.5, sd = 0.1 }
drop = 0.2

[funnel.trial]
advance = 0.4
drop = 0.1
nurtured_advance = 0.2
nurture_cost = 3

[channels.zeta]
spend = [100, { dist = "triangular", min = 50, mode = 100, max = 200 }, 300]
response = "saturating"
max_leads = 500
half_saturation_spend = 2000
segment_mix = { premium = 1 }
entry_stage = "trial"

[channels.alpha]
spend = { dist = "lognormal", mean = 40, sd = 8 }
cost_per_lead = 12
segment_mix = { smb = 2, premium = 1 }

[segments.smb]
churn_sbg = { alpha = 1.5, beta = 6 }
order_value = 120
order_model = "fixed"
migration = { premium = 0.01 }
initial_customers = 250
initial_tenure = 2

[segments.premium]
churn = { dist = "beta", alpha = 2, beta = 60 }
orders_per_period = 2
order_value = 400
order_value_cv = 0.3
gross_margin = 0.7
cost_to_serve = 15
referrals_per_customer = 0.05
initial_customers = [10, 20, 30]

[retention]
spend_per_customer = 4
max_churn_reduction = 0.3
half_saturation = 2

[winback]
attempt_cost = 25
success_probability = 0.1
window = 6

[referral]
entry_stage = "trial"
reward = 50

[pipeline]
prospects = { trial = 40 }
segment_mix = { smb = 1, premium = 1 }
)";

}  // namespace

// ---------------------------------------------------------------------------------------------
// What a valid file becomes
// ---------------------------------------------------------------------------------------------

TEST_CASE("a full scenario fills the struct in file order", "[io][toml]") {
  const Scenario s = clvsim::parse_scenario(FULL, "x.toml");

  CHECK(s.name == "full");
  CHECK(s.description == "every feature");
  CHECK(s.currency == "USD");
  CHECK(s.source_file == "x.toml");
  CHECK(s.source_text == FULL);
  CHECK(s.simulation.period == clvsim::PeriodUnit::Quarter);
  CHECK(s.simulation.horizon == 3);
  CHECK(s.simulation.replications == 50);
  CHECK(s.simulation.seed == 42u);
  CHECK(s.simulation.ltv_tenure_cap == 60);
  CHECK(s.simulation.ltv_horizon == 24);

  // Order of stages is the stages array; of channels and segments, the file (not alphabetical).
  REQUIRE(s.stages.size() == 2);
  CHECK(s.stages[0].name == "visit");
  CHECK(s.stages[1].name == "trial");
  REQUIRE(s.channels.size() == 2);
  CHECK(s.channels[0].name == "zeta");
  CHECK(s.channels[1].name == "alpha");
  REQUIRE(s.segments.size() == 2);
  CHECK(s.segments[0].name == "smb");
  CHECK(s.segments[1].name == "premium");
  CHECK(s.segment_index("premium") == 1);
}

TEST_CASE("uncertain parameters take the mean truncated to their domain", "[io][toml]") {
  const Scenario s = clvsim::parse_scenario(FULL, "x.toml");
  using K = clvsim::Distribution::Kind;

  const Param& rate = s.simulation.annual_discount_rate;
  REQUIRE(rate.uncertain());
  CHECK(rate.dist->kind == K::Uniform);
  CHECK(rate.dist->a == 0.02);
  CHECK(rate.dist->b == 0.04);
  CHECK(rate.value == Approx(0.03));

  // normal(0.5, 0.1) truncated to [0, 1] is symmetric about 0.5.
  const Param& adv = s.stages[0].advance;
  REQUIRE(adv.uncertain());
  CHECK(adv.dist->kind == K::Normal);
  CHECK(adv.domain == Domain::Probability);
  CHECK(adv.value == Approx(0.5).margin(1e-12));

  // triangular(50, 100, 200): mean (50 + 100 + 200) / 3.
  const Param& sched1 = s.channels[0].spend[1];
  REQUIRE(sched1.uncertain());
  CHECK(sched1.dist->kind == K::Triangular);
  CHECK(sched1.dist->c == 200.0);
  CHECK(sched1.value == Approx(350.0 / 3.0));

  // lognormal with mean 40, sd 8 lives on (0, inf): truncation to >= 0 changes nothing.
  const Param& ln = s.channels[1].spend[0];
  CHECK(ln.dist->kind == K::LogNormal);
  CHECK(ln.value == Approx(40.0));

  // beta(2, 60): mean 2 / 62.
  const Param& churn = s.segments[1].churn;
  CHECK(churn.dist->kind == K::Beta);
  CHECK(churn.value == Approx(2.0 / 62.0));
  CHECK(churn.value == Approx(clvsim::distribution_mean(*churn.dist, Domain::Probability)));
}

TEST_CASE("channels: schedules, responses, segment mixes and entry stages", "[io][toml]") {
  const Scenario s = clvsim::parse_scenario(FULL, "x.toml");
  const auto& zeta = s.channels[0];
  const auto& alpha = s.channels[1];

  // A schedule has one Param per period, each with its own indexed path.
  REQUIRE(zeta.spend.size() == static_cast<std::size_t>(s.simulation.horizon));
  CHECK(zeta.spend[0].value == 100.0);
  CHECK(zeta.spend[2].value == 300.0);
  CHECK(zeta.spend[2].path == "channels.zeta.spend[2]");
  REQUIRE(alpha.spend.size() == 1);
  CHECK(alpha.spend[0].path == "channels.alpha.spend");

  CHECK(zeta.response == clvsim::Response::Saturating);
  CHECK(zeta.max_leads.value == 500.0);
  CHECK(zeta.half_saturation_spend.value == 2000.0);
  CHECK(alpha.response == clvsim::Response::Linear);
  CHECK(alpha.cost_per_lead.value == 12.0);

  // Mixes hold one raw weight per segment in segment order; missing segments weigh 0.
  REQUIRE(zeta.segment_mix.size() == 2);
  CHECK(zeta.segment_mix[0].value == 0.0);
  CHECK(zeta.segment_mix[0].path == "channels.zeta.segment_mix.smb");
  CHECK(zeta.segment_mix[1].value == 1.0);
  CHECK(zeta.segment_mix[1].path == "channels.zeta.segment_mix.premium");

  CHECK(zeta.entry_stage == 1);
  CHECK(alpha.entry_stage == 0);
}

TEST_CASE("the single segment gets the whole mix when none is written", "[io][toml]") {
  const std::string text = R"([funnel]
stages = ["lead"]
[funnel.lead]
advance = 0.5
[channels.web]
spend = 10
cost_per_lead = 1
[segments.only]
churn = 0.1
order_value = 5
)";
  const Scenario s = clvsim::parse_scenario(text, "dir/solo.toml");
  REQUIRE(s.channels[0].segment_mix.size() == 1);
  CHECK(s.channels[0].segment_mix[0].value == 1.0);
  CHECK(s.channels[0].segment_mix[0].path == "channels.web.segment_mix.only");
  CHECK(s.name == "solo");  // the file stem when [scenario] gives none
  CHECK(s.currency == "USD");
  CHECK(s.simulation.horizon == 36);
  CHECK(s.simulation.period == clvsim::PeriodUnit::Month);
  CHECK(s.referral.segment_mix.empty());
  CHECK_FALSE(s.winback.enabled);
  CHECK(s.retention.mode == clvsim::RetentionSpend::None);
}

TEST_CASE("segments: churn models, migration and initial customers", "[io][toml]") {
  const Scenario s = clvsim::parse_scenario(FULL, "x.toml");
  const auto& smb = s.segments[0];
  const auto& premium = s.segments[1];

  CHECK(smb.churn_model == clvsim::ChurnModel::ShiftedBetaGeometric);
  CHECK(smb.sbg_alpha.value == 1.5);
  CHECK(smb.sbg_beta.value == 6.0);
  CHECK(smb.sbg_alpha.path == "segments.smb.churn_sbg.alpha");
  CHECK(premium.churn_model == clvsim::ChurnModel::Constant);

  CHECK(smb.order_model == clvsim::OrderModel::Fixed);
  CHECK(premium.order_model == clvsim::OrderModel::Poisson);
  CHECK(premium.orders_per_period.value == 2.0);
  CHECK(premium.gross_margin.value == 0.7);
  CHECK(smb.gross_margin.value == 1.0);  // default

  // One migration probability per segment, the segment's own entry 0.
  REQUIRE(smb.migration.size() == 2);
  CHECK(smb.migration[0].value == 0.0);
  CHECK(smb.migration[1].value == 0.01);
  CHECK(smb.migration[1].path == "segments.smb.migration.premium");
  REQUIRE(premium.migration.size() == 2);
  CHECK(premium.migration[0].value == 0.0);
  CHECK(premium.migration[0].path == "segments.premium.migration.smb");

  // A scalar at tenure 2 becomes [0, 0, 250]; an array is taken by tenure.
  REQUIRE(smb.initial_by_tenure.size() == 3);
  CHECK(smb.initial_by_tenure[0].value == 0.0);
  CHECK(smb.initial_by_tenure[1].value == 0.0);
  CHECK(smb.initial_by_tenure[2].value == 250.0);
  CHECK(smb.initial_by_tenure[2].domain == Domain::Count);
  REQUIRE(premium.initial_by_tenure.size() == 3);
  CHECK(premium.initial_by_tenure[1].value == 20.0);
  CHECK(premium.initial_by_tenure[1].path == "segments.premium.initial_customers[1]");
}

TEST_CASE("funnel: nurtured rates default to the fresh ones", "[io][toml]") {
  const Scenario s = clvsim::parse_scenario(FULL, "x.toml");
  const auto& visit = s.stages[0];
  const auto& trial = s.stages[1];

  // Copied, distribution included, under their own path and at the stage's table.
  REQUIRE(visit.nurtured_advance.uncertain());
  CHECK(visit.nurtured_advance.dist->a == visit.advance.dist->a);
  CHECK(visit.nurtured_advance.value == visit.advance.value);
  CHECK(visit.nurtured_advance.path == "funnel.visit.nurtured_advance");
  CHECK(visit.nurtured_advance.where.line == visit.where.line);
  CHECK(visit.nurtured_drop.value == 0.2);

  CHECK(trial.nurtured_advance.value == 0.2);
  CHECK(trial.nurtured_drop.value == 0.1);
  CHECK(trial.nurture_cost.value == 3.0);
  CHECK(visit.nurture_cost.value == 0.0);
}

TEST_CASE("programs and the initial pipeline", "[io][toml]") {
  const Scenario s = clvsim::parse_scenario(FULL, "x.toml");
  CHECK(s.retention.mode == clvsim::RetentionSpend::PerCustomer);
  CHECK(s.retention.spend.value == 4.0);
  CHECK(s.retention.spend.path == "retention.spend_per_customer");
  CHECK(s.retention.max_churn_reduction.value == 0.3);
  CHECK(s.winback.enabled);
  CHECK(s.winback.window == 6);
  CHECK(s.winback.success_probability.at(0).value == 0.1);
  CHECK(s.referral.entry_stage == 1);
  CHECK(s.referral.reward.value == 50.0);
  REQUIRE(s.pipeline.prospects.size() == 2);
  CHECK(s.pipeline.prospects[0].value == 0.0);
  CHECK(s.pipeline.prospects[0].path == "pipeline.prospects.visit");
  CHECK(s.pipeline.prospects[1].value == 40.0);
  REQUIRE(s.pipeline.segment_mix.size() == 2);
}

TEST_CASE("every parameter is addressable and located", "[io][toml]") {
  const Scenario s = clvsim::parse_scenario(FULL, "x.toml");
  std::multiset<std::string> paths;
  clvsim::for_each_param(s, [&](const Param& p) {
    INFO(p.path);
    CHECK_FALSE(p.path.empty());
    CHECK(p.where.file == "x.toml");
    paths.insert(p.path);
  });
  // Paths are unique, except the zeros before a scalar initial_customers, which share its path.
  for (const auto& p : paths) {
    INFO(p);
    if (p == "segments.smb.initial_customers")
      CHECK(paths.count(p) == 3);
    else
      CHECK(paths.count(p) == 1);
  }
  // Written values point at the value, defaults at their enclosing table.
  const Param* churn = find_param(s, "segments.premium.churn");
  REQUIRE(churn);
  CHECK(churn->where.prefix() == at(FULL, "{ dist = \"beta\""));
  const Param* cts = find_param(s, "segments.smb.cost_to_serve");
  REQUIRE(cts);
  CHECK(cts->where.prefix() == at(FULL, "[segments.smb]"));
  CHECK(cts->domain == Domain::NonNegative);
}

TEST_CASE("integers are accepted where numbers are expected", "[io][toml]") {
  const Scenario s = clvsim::parse_scenario(BASE, "x.toml");
  CHECK(s.segments[0].order_value.value == 30.0);
  CHECK(s.channels[0].segment_mix[0].value == 3.0);
}

TEST_CASE("the shipped scenario and the embedded default parse", "[io][toml]") {
  const Scenario s = clvsim::read_scenario_file(CLVSIM_SOURCE_DIR "/scenarios/saas.toml");
  CHECK_FALSE(s.stages.empty());
  CHECK_FALSE(s.segments.empty());
  CHECK_THAT(s.source_file, Contains("saas.toml"));
  const Scenario d = clvsim::parse_scenario(clvsim::default_scenario_text(), "<embedded>");
  CHECK(d.source_file == "<embedded>");
  CHECK(d.stages.size() == s.stages.size());
}

// ---------------------------------------------------------------------------------------------
// Bad input: each case names file:line:column, the key, the value and what is accepted
// ---------------------------------------------------------------------------------------------

TEST_CASE("malformed TOML", "[io][toml][errors]") {
  const std::string text = edit(BASE, "churn = 0.05", "churn = 0.05 0.06");
  const std::string msg = error_of(text);
  CHECK_THAT(msg, StartsWith("x.toml:29:"));
  CHECK_THAT(msg, Contains("malformed TOML: "));
}

// toml++ 3.3.0 asserts on these before reporting them (its issue #294); with its assertions
// compiled out in every build (sim/io/toml.hpp), a Debug build reports them as well.
TEST_CASE("malformed table headers", "[io][toml][errors]") {
  // Each header, and the column of its character that cannot start a key.
  const std::vector<std::pair<std::string, int>> headers = {
      {"[&]", 1}, {"[ &]", 2}, {"[[&]]", 2}, {"[[[a]]]", 2}};
  for (const auto& [header, offset] : headers) {
    const std::string text = edit(BASE, "[funnel]", header);
    INFO(header);
    CHECK_THAT(error_of(text),
               StartsWith(at(text, header, offset)) && Contains("malformed TOML: ") &&
                   Contains("expected bare key starting character"));
  }
}

// TOML allows characters beyond ASCII only in strings and comments; toml++ 3.3.0 reaches undefined
// behaviour when it meets some of them elsewhere (its issues #190 and #295), so the reader rejects
// them first, and still reads them where TOML allows them.
TEST_CASE("characters beyond ASCII", "[io][toml][errors]") {
  SECTION("in strings and comments they are read") {
    std::string text = edit(BASE, "# a small bank", "# a small bank \u2014 caf\u00e9 \u00a7");
    text = edit(text, "name = \"bank\"",
                "name = \"Caf\u00e9 \u00a7\"\ndescription = \"\"\"\\\n  x\u00fcber\"\"\"");
    text = edit(text, "currency = \"EUR\"", "currency = '\u20ac' # \u00e9");
    const Scenario s = clvsim::parse_scenario(text, "x.toml");
    CHECK(s.name == "Caf\u00e9 \u00a7");
    CHECK(s.description == "x\u00fcber");
  }
  SECTION("where TOML does not allow them") {
    struct Case {
      const char* from;    // a line of BASE
      const char* to;      // what it becomes
      const char* needle;  // where the error must point (after ASCII only on its line)
      std::vector<std::string> parts;
    };
    const std::vector<Case> cases = {
        {"name = \"bank\"", "name = b\u00e5nk", "\u00e5nk",
         {"scenario.name: malformed TOML: U+00E5 '\u00e5' stands outside a quoted string",
          "quote the value"}},
        {"[segments.basic]", "[segments.b\u00e4sic]", "\u00e4sic",
         {"malformed TOML: U+00E4 '\u00e4' stands outside"}},
        // toml++ reads "3'0..." as a malformed number, not as a number and a string.
        {"horizon = 4", "horizon = 3'0 \u00e9'", "\u00e9",
         {"U+00E9 '\u00e9' stands outside a quoted string"}},
        {"name = \"bank\"", "name = \"\"\"bank \\\n   \u00a7 1\"\"\"", "\u00a7",
         {"U+00A7 '\u00a7' follows a line-ending backslash in a multi-line string", "\\u escape"}},
        {"name = \"bank\"", "name = \"\"\"bank\\\u00e9\"\"\"", "\u00e9",
         {"U+00E9 '\u00e9' follows a backslash"}},
    };
    for (const Case& c : cases) {
      INFO(c.to);
      const auto text = edit(BASE, c.from, c.to);
      check_error(text, at(text, c.needle), c.parts);
    }
  }
  SECTION("in a malformed value that toml++ reads past a stray quote") {
    // Found by the fuzzer: the reader's scan takes ".'" for a quoted key, toml++ for part of the
    // value, and asks whether U+FEE9 is whitespace (sim/io/toml.hpp) while it finds where the
    // value ends, before it reports the value.
    const auto text = edit(BASE, "advance = 0.3", "advance = 0el0.'0-0.0i\ufee9i");
    check_error(text, at(text, "0el0", 2), {"funnel.lead.advance: malformed TOML: "});
  }
  SECTION("bytes that are not UTF-8, wherever they stand") {
    struct Case {
      const char* from;  // a line of BASE
      const char* to;    // what it becomes; "^" marks the bad byte, and is removed
      const char* byte;  // as the message names it
    };
    const std::vector<Case> cases = {
        {"# a small bank", "# a small bank caf^\xe9", "0xE9"},        // Latin-1
        {"name = \"bank\"", "name = \"Caf^\xe9\"", "0xE9"},           // Latin-1, in a string
        {"name = \"bank\"", "name = \"^\x80\"", "0x80"},              // a lone continuation byte
        {"name = \"bank\"", "name = \"^\xc0\xaf\"", "0xC0"},          // overlong '/'
        {"name = \"bank\"", "name = \"^\xed\xa0\x80\"", "0xED"},      // a surrogate
        {"name = \"bank\"", "name = \"^\xf4\x90\x80\x80\"", "0xF4"},  // above U+10FFFF
        {"name = \"bank\"", "name = \"^\xe2\x82\"", "0xE2"},          // truncated
    };
    for (const Case& c : cases) {
      std::string to = c.to;
      const auto mark = to.find('^');
      to.erase(mark, 1);
      INFO(c.to);
      const auto text = edit(BASE, c.from, to);
      const auto [line, column] = line_col(text, to);
      check_error(
          text, "x.toml:" + std::to_string(line) + ":" + std::to_string(column + int(mark)) + ": ",
          {std::string("malformed TOML: the byte ") + c.byte + " is not UTF-8",
           "TOML files are UTF-8"});
    }
    // Truncated at the end of the file.
    const std::string text = BASE + "# \xe2\x82";
    const auto [line, column] = line_col(text, "# \xe2\x82");
    check_error(text, "x.toml:" + std::to_string(line) + ":" + std::to_string(column + 2) + ": ",
                {"the byte 0xE2 is not UTF-8"});
  }
  SECTION("after a value, the column counted in characters") {
    const auto text = edit(BASE, "currency = \"EUR\"", "currency = \"\u00e9\" \u00fc");
    const auto [line, byte_column] = line_col(text, "\u00fc");
    check_error(text, "x.toml:" + std::to_string(line) + ":" + std::to_string(byte_column - 1) + ": ",
                {"scenario.currency: malformed TOML: U+00FC"});
  }
}

TEST_CASE("unknown keys at every level suggest the closest key", "[io][toml][errors]") {
  SECTION("top level") {
    const auto text = edit(BASE, "[simulation]", "[simulaton]");
    check_error(text, at(text, "simulaton"),
                {"simulaton is not a known key", "did you mean 'simulation'?",
                 "accepted: scenario, simulation, funnel"});
  }
  SECTION("segment table") {
    const auto text = edit(BASE, "churn = 0.05", "chrun = 0.05");
    check_error(text, at(text, "chrun"),
                {"segments.basic.chrun is not a known key (did you mean 'churn'? accepted: churn, "
                 "churn_sbg, churn_multiplier, orders_per_period"});
  }
  SECTION("simulation table, by prefix") {
    const auto text = edit(BASE, "replications = 10", "replications = 10\nltv = 3");
    check_error(text, at(text, "ltv = 3"),
                {"simulation.ltv is not a known key", "did you mean 'ltv_tenure_cap'?"});
  }
  SECTION("stage table") {
    const auto text = edit(BASE, "advance = 0.3", "advnce = 0.3");
    check_error(
        text, at(text, "advnce"),
        {"funnel.lead.advnce is not a known key", "did you mean 'advance'?", "nurtured_advance"});
  }
  SECTION("a stage table not listed in funnel.stages") {
    const auto text = edit(BASE, "[funnel.qualified]", "[funnel.qualifed]");
    check_error(text, at(text, "qualifed"),
                {"funnel.qualifed is not a known key", "did you mean 'qualified'?",
                 "accepted: stages, lead, qualified"});
  }
  SECTION("channel table") {
    const auto text = edit(BASE, "cost_per_lead = 20", "cost_per_leed = 20");
    check_error(
        text, at(text, "cost_per_leed"),
        {"channels.search.cost_per_leed is not a known key", "did you mean 'cost_per_lead'?"});
  }
  SECTION("inside a distribution") {
    const auto text =
        edit(BASE, "churn = 0.05", "churn = { dist = \"normal\", mean = 0.05, sdd = 0.01 }");
    check_error(text, at(text, "sdd"),
                {"segments.basic.churn.sdd is not a key of a normal distribution",
                 "did you mean 'sd'? accepted: dist, mean, sd)"});
  }
  SECTION("a distribution table without 'dist'") {
    const auto text =
        edit(BASE, "churn = 0.05", "churn = { dsit = \"normal\", mean = 0.05, sd = 0.01 }");
    check_error(
        text, at(text, "dsit"),
        {"segments.basic.churn.dsit is not a known key of a distribution", "did you mean 'dist'?"});
  }
  SECTION("a key of another distribution") {
    const auto text =
        edit(BASE, "churn = 0.05", "churn = { dist = \"normal\", mean = 0.05, max = 0.1 }");
    check_error(text, at(text, "max ="),
                {"segments.basic.churn.max is not a key of a normal distribution",
                 "accepted: dist, mean, sd"});
  }
  SECTION("an unknown segment in a mix") {
    const auto text = edit(BASE, "premium = 1 }", "premum = 1 }");
    check_error(text, at(text, "premum"),
                {"channels.search.segment_mix.premum is not a defined segment",
                 "did you mean 'premium'? accepted: basic, premium"});
  }
  SECTION("an unknown segment in a migration") {
    const auto text = edit(BASE, "churn = 0.05", "churn = 0.05\nmigration = { premiun = 0.01 }");
    check_error(
        text, at(text, "premiun"),
        {"segments.basic.migration.premiun is not a defined segment", "did you mean 'premium'?"});
  }
  SECTION("an unknown entry stage") {
    const auto text =
        edit(BASE, "cost_per_lead = 20", "cost_per_lead = 20\nentry_stage = \"qualifed\"");
    check_error(
        text, at(text, "\"qualifed\""),
        {"channels.search.entry_stage = \"qualifed\" is not a stage listed in funnel.stages",
         "did you mean \"qualified\"?", "accepted: \"lead\", \"qualified\""});
  }
  SECTION("an unknown stage among pipeline prospects") {
    const auto text =
        BASE + "\n[pipeline]\nprospects = { laed = 10 }\nsegment_mix = { basic = 1 }\n";
    check_error(
        text, at(text, "laed"),
        {"pipeline.prospects.laed is not a stage listed in funnel.stages", "did you mean 'lead'?"});
  }
}

TEST_CASE("wrong types", "[io][toml][errors]") {
  SECTION("a string where a number is expected") {
    const auto text = edit(BASE, "churn = 0.05", "churn = \"5%\"");
    check_error(text, at(text, "\"5%\""),
                {"segments.basic.churn = \"5%\" is a string, not a number",
                 "expected a probability in [0, 1], or an uncertainty distribution"});
  }
  SECTION("a string where an array is expected") {
    const auto text = edit(BASE, "stages = [\"lead\", \"qualified\"]", "stages = \"lead\"");
    check_error(
        text, at(text, "\"lead\""),
        {"funnel.stages = \"lead\" is a string, not an array", "expected an array of stage names"});
  }
  SECTION("a float where an integer is required") {
    const auto text = edit(BASE, "horizon = 4", "horizon = 4.5");
    check_error(text, at(text, "4.5"),
                {"simulation.horizon = 4.5 is not an integer",
                 "must be an integer number of periods >= 1"});
  }
  SECTION("an array where a table is expected") {
    const auto text =
        edit(BASE, "segment_mix = { basic = 3, premium = 1 }", "segment_mix = [3, 1]");
    check_error(text, at(text, "[3, 1]"),
                {"channels.search.segment_mix = [3, 1] is an array, not a table",
                 "{ <segment> = weight, ... }", "basic, premium"});
  }
  SECTION("a table where an array or number is expected") {
    const auto text = edit(BASE, "spend = 1000", "spend = { amount = 1000 }");
    check_error(text, at(text, "amount"),
                {"channels.search.spend.amount is not a known key of a distribution",
                 "accepted: dist, mean"});
  }
  SECTION("a boolean where a number is expected") {
    const auto text = edit(BASE, "spend = 1000", "spend = true");
    check_error(text, at(text, "true"),
                {"channels.search.spend = true is a boolean, not a number", "a number >= 0"});
  }
  SECTION("a number where an enumeration is expected") {
    const auto text = edit(BASE, "period = \"month\"", "period = 12");
    check_error(text, at(text, "12"),
                {"simulation.period = 12 is an integer, not a string",
                 "accepted: \"day\", \"week\", \"month\", \"quarter\", \"year\""});
  }
}

TEST_CASE("values outside their domain", "[io][toml][errors]") {
  SECTION("a probability above 1, with the canonical message") {
    const auto text = edit(BASE, "churn = 0.05", "churn = 1.4");
    CHECK(error_of(text) ==
          at(text, "1.4") + "segments.basic.churn = 1.4 is not a probability (must be in [0, 1])");
  }
  SECTION("a negative probability") {
    const auto text = edit(BASE, "order_value = 90", "order_value = 90\ngross_margin = -0.1");
    check_error(text, at(text, "-0.1"),
                {"segments.premium.gross_margin = -0.1 is not a probability", "must be in [0, 1]"});
  }
  SECTION("zero where > 0 is required") {
    const auto text = edit(BASE, "cost_per_lead = 20", "cost_per_lead = 0");
    check_error(text, at(text, "cost_per_lead = 0", 16),
                {"channels.search.cost_per_lead = 0 is not positive", "must be > 0"});
  }
}

TEST_CASE("negative spend and costs", "[io][toml][errors]") {
  SECTION("channel spend") {
    const auto text = edit(BASE, "spend = 1000", "spend = -1000");
    check_error(text, at(text, "-1000"),
                {"channels.search.spend = -1000 is negative", "must be >= 0"});
  }
  SECTION("one period of a spend schedule") {
    const auto text = edit(BASE, "spend = 1000", "spend = [1000, 1000, -5, 1000]");
    check_error(text, at(text, "-5"),
                {"channels.search.spend[2] = -5 is negative", "must be >= 0"});
  }
  SECTION("retention spend") {
    const auto text = BASE + "\n[retention]\nspend_fixed = -250\nmax_churn_reduction = 0.2\n";
    check_error(text, at(text, "-250"),
                {"retention.spend_fixed = -250 is negative", "must be >= 0"});
  }
  SECTION("cost to serve") {
    const auto text = edit(BASE, "order_value = 30", "order_value = 30\ncost_to_serve = -2.5");
    check_error(text, at(text, "-2.5"),
                {"segments.basic.cost_to_serve = -2.5 is negative", "must be >= 0"});
  }
  SECTION("nurture cost") {
    const auto text = edit(BASE, "drop = 0.1", "drop = 0.1\nnurture_cost = -1");
    check_error(text, at(text, "-1\n"),
                {"funnel.qualified.nurture_cost = -1 is negative", "must be >= 0"});
  }
}

TEST_CASE("advance + drop above 1", "[io][toml][errors]") {
  SECTION("point values") {
    const auto text = edit(BASE, "drop = 0.2", "drop = 0.8");
    check_error(text, at(text, "0.8"),
                {"funnel.lead.advance + funnel.lead.drop = 0.3 + 0.8 sums to 1.1, more than 1",
                 "advance + drop must be <= 1"});
  }
  SECTION("nurtured rates") {
    const auto text = edit(BASE, "drop = 0.1", "drop = 0.1\nnurtured_advance = 0.95");
    check_error(text, at(text, "0.95"),
                {"funnel.qualified.nurtured_advance + funnel.qualified.nurtured_drop = 0.95 + 0.1",
                 "sums to 1.05", "advance + drop must be <= 1"});
  }
  SECTION("a bounded distribution uses the top of its support") {
    const auto text =
        edit(BASE, "advance = 0.3", "advance = { dist = \"uniform\", min = 0.5, max = 0.9 }");
    // Its mean 0.7 + 0.2 fits; its maximum 0.9 + 0.2 does not.
    check_error(text, at(text, "drop = 0.2", 7),
                {"funnel.lead.advance + funnel.lead.drop", "can sum to 1.1",
                 "for uniform and triangular distributions their max is used"});
  }
  SECTION("a beta rate is judged by its mean, like the shipped scenario's win rate") {
    const auto text =
        edit(BASE, "advance = 0.3", "advance = { dist = \"beta\", alpha = 30, beta = 70 }");
    CHECK_NOTHROW(clvsim::parse_scenario(text, "x.toml"));
  }
  SECTION("an unbounded distribution is judged by its mean") {
    const auto text =
        edit(BASE, "advance = 0.3", "advance = { dist = \"normal\", mean = 0.7, sd = 0.05 }");
    CHECK_NOTHROW(clvsim::parse_scenario(text, "x.toml"));
    const auto bad =
        edit(BASE, "advance = 0.3", "advance = { dist = \"normal\", mean = 0.9, sd = 0.05 }");
    check_error(bad, at(bad, "drop = 0.2", 7),
                {"funnel.lead.advance + funnel.lead.drop", "more than 1"});
  }
}

TEST_CASE("migration", "[io][toml][errors]") {
  const std::string three = BASE + "\n[segments.gold]\nchurn = 0.01\norder_value = 500\n";
  SECTION("a row summing above 1") {
    const auto text =
        edit(three, "churn = 0.05", "churn = 0.05\nmigration = { premium = 0.7, gold = 0.5 }");
    check_error(
        text, at(text, "{ premium = 0.7"),
        {"segments.basic.migration = { premium = 0.7, gold = 0.5 } sums to 1.2, more than 1",
         "must sum to at most 1"});
  }
  SECTION("the segment itself") {
    const auto text = edit(three, "churn = 0.05", "churn = 0.05\nmigration = { basic = 0.1 }");
    check_error(text, at(text, "basic = 0.1"),
                {"segments.basic.migration.basic = 0.1 names the segment itself",
                 "other segments: premium, gold"});
  }
}

TEST_CASE("missing required keys", "[io][toml][errors]") {
  SECTION("a stage's advance") {
    const auto text = edit(BASE, "advance = 0.5\n", "");
    CHECK_THAT(error_of(text), StartsWith(at(text, "[funnel.qualified]") +
                                          "funnel.qualified is missing required key 'advance' ("));
  }
  SECTION("a stage's table") {
    const auto text = edit(BASE, "[funnel.qualified]\nadvance = 0.5\ndrop = 0.1\n", "");
    check_error(text, at(text, "[funnel]"),
                {"funnel is missing required key 'qualified'", "[funnel.qualified] table"});
  }
  SECTION("order value") {
    const auto text = edit(BASE, "order_value = 90\n", "");
    check_error(text, at(text, "[segments.premium]"),
                {"segments.premium is missing required key 'order_value' (the money per order"});
  }
  SECTION("churn") {
    const auto text = edit(BASE, "churn = 0.02\n", "");
    check_error(text, at(text, "[segments.premium]"),
                {"segments.premium is missing required key 'churn'", "churn_sbg"});
  }
  SECTION("spend") {
    const auto text = edit(BASE, "spend = 1000\n", "");
    check_error(text, at(text, "[channels.search]"),
                {"channels.search is missing required key 'spend'", "one value per period"});
  }
  SECTION("a segment mix when there are several segments") {
    const auto text = edit(BASE, "segment_mix = { basic = 3, premium = 1 }\n", "");
    check_error(text, at(text, "[channels.search]"),
                {"channels.search is missing required key 'segment_mix'", "more than one segment"});
  }
  SECTION("all segments") {
    const auto text =
        edit(edit(edit(BASE, "[segments.basic]\nchurn = 0.05\norder_value = 30\n", ""),
                  "[segments.premium]\nchurn = 0.02\norder_value = 90\n", ""),
             "segment_mix = { basic = 3, premium = 1 }\n", "");
    check_error(text, "x.toml:1:1: ", {"the top-level table is missing required key 'segments'"});
  }
  SECTION("a winback window") {
    const auto text = BASE + "\n[winback]\nsuccess_probability = 0.1\n";
    check_error(text, at(text, "[winback]"), {"winback is missing required key 'window'"});
  }
  SECTION("a retention program without a spend") {
    const auto text = BASE + "\n[retention]\nmax_churn_reduction = 0.2\n";
    check_error(text, at(text, "[retention]"),
                {"retention is missing required key 'spend_per_customer'", "spend_fixed"});
  }
  SECTION("a distribution's parameter") {
    const auto text = edit(BASE, "churn = 0.05", "churn = { dist = \"beta\", alpha = 2 }");
    check_error(text, at(text, "{ dist"),
                {"segments.basic.churn is missing required key 'beta'", "beta distribution"});
  }
}

TEST_CASE("NaN and infinity", "[io][toml][errors]") {
  SECTION("nan") {
    const auto text = edit(BASE, "churn = 0.05", "churn = nan");
    check_error(text, at(text, "nan"),
                {"segments.basic.churn = nan is not a finite number", "must be in [0, 1]"});
  }
  SECTION("inf") {
    const auto text = edit(BASE, "spend = 1000", "spend = +inf");
    check_error(text, at(text, "+inf"),
                {"channels.search.spend = +inf is not a finite number", "must be >= 0"});
  }
  SECTION("inside a distribution") {
    const auto text =
        edit(BASE, "churn = 0.05", "churn = { dist = \"normal\", mean = 0.05, sd = -inf }");
    check_error(text, at(text, "-inf"),
                {"segments.basic.churn.sd = -inf is not a finite number", "finite numbers"});
  }
}

TEST_CASE("integers, enumerations, schedules, mixes and distributions", "[io][toml][errors]") {
  SECTION("horizon below 1") {
    const auto text = edit(BASE, "horizon = 4", "horizon = 0");
    check_error(
        text, at(text, "0\nreplications", 0),
        {"simulation.horizon = 0 is out of range", "must be an integer number of periods >= 1"});
  }
  SECTION("replications below 1") {
    const auto text = edit(BASE, "replications = 10", "replications = -3");
    check_error(text, at(text, "-3"), {"simulation.replications = -3 is out of range", ">= 1"});
  }
  SECTION("winback window below 1") {
    const auto text = BASE + "\n[winback]\nsuccess_probability = 0.1\nwindow = 0\n";
    check_error(text, at(text, "window = 0", 9), {"winback.window = 0 is out of range", ">= 1"});
  }
  SECTION("a period") {
    const auto text = edit(BASE, "period = \"month\"", "period = \"montly\"");
    check_error(text, at(text, "\"montly\""),
                {"simulation.period = \"montly\" is not a known period", "did you mean \"month\"?",
                 "accepted: \"day\", \"week\", \"month\", \"quarter\", \"year\""});
  }
  SECTION("a response") {
    const auto text =
        edit(BASE, "cost_per_lead = 20", "cost_per_lead = 20\nresponse = \"saturated\"");
    check_error(text, at(text, "\"saturated\""),
                {"channels.search.response = \"saturated\" is not a known response",
                 "did you mean \"saturating\"?", "accepted: \"linear\", \"saturating\""});
  }
  SECTION("an order model") {
    const auto text = edit(BASE, "order_value = 30", "order_value = 30\norder_model = \"poison\"");
    check_error(text, at(text, "\"poison\""),
                {"segments.basic.order_model = \"poison\" is not a known order model",
                 "did you mean \"poisson\"?", "accepted: \"poisson\", \"fixed\""});
  }
  SECTION("a key of the other response") {
    const auto text = edit(BASE, "cost_per_lead = 20", "cost_per_lead = 20\nmax_leads = 500");
    check_error(text, at(text, "max_leads"),
                {"channels.search.max_leads = 500 is only used when response = \"saturating\"",
                 "response = \"linear\""});
  }
  SECTION("a spend schedule of the wrong length") {
    const auto text = edit(BASE, "spend = 1000", "spend = [1000, 2000, 3000]");
    check_error(text, at(text, "[1000, 2000"),
                {"channels.search.spend = [1000, 2000, 3000] has 3 elements",
                 "simulation.horizon = 4 elements"});
  }
  SECTION("a mix whose weights sum to 0") {
    const auto text = edit(BASE, "{ basic = 3, premium = 1 }", "{ basic = 0, premium = 0 }");
    check_error(
        text, at(text, "{ basic = 0"),
        {"channels.search.segment_mix = { basic = 0, premium = 0 } has weights summing to 0",
         "at least one weight must be > 0"});
  }
  SECTION("a distribution with bad parameters") {
    const auto text =
        edit(BASE, "churn = 0.05", "churn = { dist = \"uniform\", min = 0.04, max = 0.02 }");
    check_error(text, at(text, "{ dist"),
                {"segments.basic.churn = { dist = \"uniform\"", "min must be < max"});
  }
  SECTION("a bounded distribution outside the domain") {
    const auto text =
        edit(BASE, "churn = 0.05", "churn = { dist = \"uniform\", min = 0.5, max = 1.5 }");
    check_error(text, at(text, "{ dist"),
                {"segments.basic.churn = { dist = \"uniform\"", "must be in [0, 1]"});
  }
  SECTION("an unknown distribution") {
    const auto text = edit(BASE, "churn = 0.05", "churn = { dist = \"gamma\", mean = 1, sd = 1 }");
    check_error(text, at(text, "\"gamma\""),
                {"segments.basic.churn.dist = \"gamma\" is not a known distribution",
                 "accepted: \"normal\", \"lognormal\", \"beta\", \"uniform\", \"triangular\""});
  }
  SECTION("an uncertain parameter with almost no mass in its domain") {
    const auto text =
        edit(BASE, "churn = 0.05", "churn = { dist = \"normal\", mean = -1, sd = 0.1 }");
    check_error(
        text, at(text, "{ dist"),
        {"segments.basic.churn = { dist = \"normal\"", "less than 0.1%", "must be in [0, 1]"});
  }
  SECTION("both churn models") {
    const auto text =
        edit(BASE, "churn = 0.05", "churn = 0.05\nchurn_sbg = { alpha = 1, beta = 2 }");
    check_error(text, at(text, "{ alpha"),
                {"segments.basic.churn_sbg = { alpha = 1, beta = 2 } cannot be given together with "
                 "segments.basic.churn",
                 "exactly one churn model"});
  }
  SECTION("initial tenure with an array") {
    const auto text = edit(BASE, "order_value = 30",
                           "order_value = 30\ninitial_customers = [1, 2]\ninitial_tenure = 3");
    check_error(text, at(text, "initial_tenure = 3", 17),
                {"segments.basic.initial_tenure = 3 is only used with a single-number "
                 "initial_customers"});
  }
  SECTION("duplicate stage names") {
    const auto text =
        edit(BASE, "stages = [\"lead\", \"qualified\"]", "stages = [\"lead\", \"lead\"]");
    check_error(text, at(text, "\"lead\"]"),
                {"funnel.stages[1] = \"lead\" repeats a stage name", "must be unique"});
  }
}

TEST_CASE("an unreadable file", "[io][toml][errors]") {
  const std::string path = "/nonexistent/dir/bank.toml";
  CHECK_THROWS_WITH(
      clvsim::read_scenario_file(path),
      "cannot read scenario file '/nonexistent/dir/bank.toml' (No such file or directory)");
  CHECK_THROWS_AS(clvsim::read_scenario_file(CLVSIM_SOURCE_DIR "/tests"), InputError);
}

TEST_CASE("every bad-input fixture is rejected at a location in its file", "[io][toml][errors]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(CLVSIM_SOURCE_DIR) / "tests" / "data" / "bad";
  std::size_t n = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".toml") continue;
    ++n;
    const std::string path = entry.path().string();
    INFO(path);
    std::ifstream in(path);
    std::string first;
    std::getline(in, first);
    CHECK_THAT(first, StartsWith("#"));  // each file says what is wrong with it
    try {
      // Some problems (a variant's key path that matches nothing) show when variants apply.
      (void)clvsim::expand_variants(clvsim::read_scenario_file(path));
      FAIL("accepted");
    } catch (const InputError& e) {
      const std::string msg = e.what();
      // A bad table of parameter draws is located in its CSV (tests/data/bad/draws/), and the
      // message names the scenario file that declares it.
      const std::string draws = (dir / "draws").string() + "/";
      if (msg.rfind(draws, 0) == 0) {
        CHECK_THAT(msg, StartsWith(draws) && Contains(path + ":"));
      } else {
        CHECK_THAT(msg, StartsWith(path + ":"));
      }
    }
  }
  CHECK(n >= 20);
}

// ---------------------------------------------------------------------------------------------
// Segment churn multiplier
// ---------------------------------------------------------------------------------------------

TEST_CASE("churn_multiplier: read for either churn model, 1 by default", "[io][toml]") {
  const auto text = edit(BASE, "churn = 0.05", "churn = 0.05\nchurn_multiplier = 0.8");
  const Scenario s = clvsim::parse_scenario(text, "x.toml");
  const Param& m = s.segments[0].churn_multiplier;
  CHECK(m.value == 0.8);
  CHECK(m.domain == Domain::NonNegative);
  CHECK(m.path == "segments.basic.churn_multiplier");
  CHECK(m.where.prefix() == at(text, "0.8"));
  const Param& d = s.segments[1].churn_multiplier;
  CHECK(d.value == 1.0);
  CHECK(d.path == "segments.premium.churn_multiplier");
  CHECK(d.where.prefix() == at(text, "[segments.premium]"));

  const auto sbg = edit(BASE, "churn = 0.02",
                        "churn_sbg = { alpha = 1, beta = 3 }\nchurn_multiplier = "
                        "{ dist = \"uniform\", min = 0.5, max = 1.5 }");
  const Scenario t = clvsim::parse_scenario(sbg, "x.toml");
  CHECK(t.segments[1].churn_multiplier.uncertain());
  CHECK(t.segments[1].churn_multiplier.value == Approx(1.0));
}

TEST_CASE("churn_multiplier: the hazard it gives must stay a probability",
          "[io][toml][validate][errors]") {
  SECTION("negative") {
    const auto text = edit(BASE, "churn = 0.05", "churn = 0.05\nchurn_multiplier = -0.5");
    check_error(text, at(text, "-0.5"),
                {"segments.basic.churn_multiplier = -0.5 is negative", "must be >= 0"});
  }
  SECTION("constant churn times the multiplier") {
    const auto ok = edit(BASE, "churn = 0.05", "churn = 0.05\nchurn_multiplier = 20");
    CHECK_NOTHROW(clvsim::parse_scenario(ok, "x.toml"));  // exactly 1
    const auto text = edit(BASE, "churn = 0.05", "churn = 0.05\nchurn_multiplier = 25");
    check_error(text, at(text, "25"),
                {"segments.basic.churn * segments.basic.churn_multiplier = 0.05 * 25 is 1.25, "
                 "more than 1",
                 "must be <= 1"});
  }
  SECTION("a uniform churn is judged by the top of its support") {
    // Mean 0.05 * 15 = 0.75 fits; the largest churn 0.08 * 15 = 1.2 does not.
    const auto text = edit(BASE, "churn = 0.05",
                           "churn = { dist = \"uniform\", min = 0.02, max = 0.08 }\n"
                           "churn_multiplier = 15");
    check_error(text, at(text, "15\n"),
                {"segments.basic.churn * segments.basic.churn_multiplier = { dist = \"uniform\", "
                 "min = 0.02, max = 0.08 } * 15 can be 1.2, more than 1",
                 "the edge of their support is used"});
  }
  SECTION("an sBG hazard in the first period") {
    const auto ok =
        edit(BASE, "churn = 0.02", "churn_sbg = { alpha = 1, beta = 1 }\nchurn_multiplier = 1.5");
    CHECK_NOTHROW(clvsim::parse_scenario(ok, "x.toml"));  // 0.5 * 1.5
    const auto text =
        edit(BASE, "churn = 0.02", "churn_sbg = { alpha = 1, beta = 1 }\nchurn_multiplier = 2.5");
    check_error(text, at(text, "2.5"),
                {"segments.premium.churn_multiplier = 2.5 makes the first-period churn hazard "
                 "1.25, more than 1",
                 "alpha / (alpha + beta) * churn_multiplier", "alpha = 1 and beta = 1"});
  }
  SECTION("an sBG hazard with the largest alpha") {
    // Mean alpha 2.5: 2.5 / 3.5 * 1.3 = 0.93 fits; alpha 4: 4 / 5 * 1.3 = 1.04 does not.
    const auto text = edit(BASE, "churn = 0.02",
                           "churn_sbg = { alpha = { dist = \"uniform\", min = 1, max = 4 }, "
                           "beta = 1 }\nchurn_multiplier = 1.3");
    check_error(text, at(text, "1.3"),
                {"segments.premium.churn_multiplier = 1.3 makes the first-period churn hazard up "
                 "to 1.04, more than 1",
                 "the edge of their support is used"});
  }
}

TEST_CASE("validate: a variant's per-draw scale and shift move the support",
          "[io][toml][validate][errors]") {
  SECTION("churn times multiplier") {
    const auto text = edit(BASE, "churn = 0.05",
                           "churn = { dist = \"uniform\", min = 0.02, max = 0.08 }\n"
                           "churn_multiplier = 12");
    Scenario s = clvsim::parse_scenario(text, "x.toml");  // 0.08 * 12 = 0.96
    // As apply_override leaves it: the value transformed, the draws to be transformed.
    Param& churn = s.segments[0].churn;
    churn.scale = 1.1;
    churn.value *= 1.1;
    CHECK_THROWS_WITH(clvsim::validate(s),
                      StartsWith(at(text, "12")) &&
                          Contains("= { dist = \"uniform\", min = 0.02, max = 0.08 } * 1.1 * 12 "
                                   "can be 1.056, more than 1"));
  }
  SECTION("advance + drop") {
    const auto text =
        edit(BASE, "advance = 0.3", "advance = { dist = \"uniform\", min = 0.5, max = 0.7 }");
    Scenario s = clvsim::parse_scenario(text, "x.toml");  // 0.7 + 0.2
    Param& advance = s.stages[0].advance;
    advance.shift = 0.15;
    advance.value += 0.15;  // 0.75 + 0.2 fits; the largest draw 0.85 + 0.2 does not
    CHECK_THROWS_WITH(clvsim::validate(s), Contains("max = 0.7 } + 0.15 + 0.2 can sum to 1.05"));
    advance.shift = -0.15;
    advance.value -= 0.3;
    CHECK_NOTHROW(clvsim::validate(s));
  }
}

// ---------------------------------------------------------------------------------------------
// Variants
// ---------------------------------------------------------------------------------------------

namespace {

const std::string VARIANTS = BASE + R"(
[variants.retention_plus_5]
description = "Annual retention 5 points higher"        # optional string
set   = { "channels.search.spend" = 30000, "segments.basic.churn" = { dist = "beta", alpha = 2, beta = 60 } }
add   = { "channels.search.cost_per_lead" = -1.5 }
scale = { "segments.*.churn_multiplier" = 0.8, "segments.premium.order_value" = 2 }

[variants.cheap-search]
[variants.cheap-search.scale]
"segments.premium.order_value" = 1.25
"channels.search.spend" = 0.5

[variants.same]
)";

//! VARIANTS with its one `from` replaced by `to`.
std::string variant_edit(const std::string& from, const std::string& to) {
  return edit(VARIANTS, from, to);
}

}  // namespace

TEST_CASE("variants: each table becomes a VariantSpec, in file order", "[io][variants]") {
  const Scenario s = clvsim::parse_scenario(VARIANTS, "x.toml");
  REQUIRE(s.variants.size() == 3);
  const auto& plus = s.variants[0];
  CHECK(plus.name == "retention_plus_5");
  CHECK(plus.description == "Annual retention 5 points higher");
  CHECK(plus.where.prefix() == at(VARIANTS, "[variants.retention_plus_5]"));
  CHECK(s.variants[1].name == "cheap-search");  // not sorted: "c" < "r"
  CHECK(s.variants[1].description.empty());
  CHECK(s.variants[2].name == "same");
  CHECK(s.variants[2].overrides.empty());  // a variant identical to the base

  // set, then scale, then add, each in the order written.
  REQUIRE(plus.overrides.size() == 5);
  const Override& spend = plus.overrides[0];
  CHECK(spend.op == Override::Op::Set);
  CHECK(spend.pattern == "channels.search.spend");
  CHECK(spend.value.value == 30000.0);
  CHECK_FALSE(spend.value.uncertain());
  CHECK(spend.value.path == "channels.search.spend");
  CHECK(spend.where.prefix() == at(VARIANTS, "30000"));
  CHECK(spend.value.where.prefix() == spend.where.prefix());

  const Override& churn = plus.overrides[1];
  CHECK(churn.op == Override::Op::Set);
  CHECK(churn.pattern == "segments.basic.churn");
  REQUIRE(churn.value.uncertain());
  CHECK(churn.value.dist->kind == clvsim::Distribution::Kind::Beta);
  CHECK(churn.value.dist->a == 2.0);
  CHECK(churn.value.dist->b == 60.0);
  CHECK(churn.value.value == Approx(2.0 / 62.0));  // untruncated mean; recomputed when applied
  CHECK(churn.where.prefix() == at(VARIANTS, "{ dist = \"beta\""));

  const Override& mult = plus.overrides[2];
  CHECK(mult.op == Override::Op::Scale);
  CHECK(mult.pattern == "segments.*.churn_multiplier");
  CHECK(mult.value.value == 0.8);
  CHECK(mult.where.prefix() == at(VARIANTS, "0.8"));
  CHECK(plus.overrides[3].op == Override::Op::Scale);
  CHECK(plus.overrides[3].pattern == "segments.premium.order_value");
  CHECK(plus.overrides[3].value.value == 2.0);

  const Override& cpl = plus.overrides[4];
  CHECK(cpl.op == Override::Op::Add);
  CHECK(cpl.pattern == "channels.search.cost_per_lead");
  CHECK(cpl.value.value == -1.5);
  CHECK(cpl.where.prefix() == at(VARIANTS, "-1.5"));

  // A standard [variants.<name>.scale] table, in the order written (not sorted).
  const auto& cheap = s.variants[1];
  REQUIRE(cheap.overrides.size() == 2);
  CHECK(cheap.overrides[0].pattern == "segments.premium.order_value");
  CHECK(cheap.overrides[0].value.value == 1.25);
  CHECK(cheap.overrides[0].where.prefix() == at(VARIANTS, "1.25"));
  CHECK(cheap.overrides[1].pattern == "channels.search.spend");
  CHECK(cheap.overrides[1].op == Override::Op::Scale);
}

TEST_CASE("variants: a set distribution may be written as a table", "[io][variants]") {
  const std::string text = BASE + R"(
[variants.beta_churn.set."segments.basic.churn"]
dist = "beta"
alpha = 2
beta = 60
)";
  const Scenario s = clvsim::parse_scenario(text, "x.toml");
  REQUIRE(s.variants.size() == 1);
  REQUIRE(s.variants[0].overrides.size() == 1);
  const Override& o = s.variants[0].overrides[0];
  CHECK(o.pattern == "segments.basic.churn");
  REQUIRE(o.value.uncertain());
  CHECK(o.value.dist->kind == clvsim::Distribution::Kind::Beta);
  CHECK(o.value.dist->b == 60.0);
}

TEST_CASE("variants: parsing does not apply them", "[io][variants]") {
  const Scenario s = clvsim::parse_scenario(VARIANTS, "x.toml");
  CHECK(s.channels[0].spend[0].value == 1000.0);
  CHECK(s.segments[0].churn.value == 0.05);
  CHECK_FALSE(s.segments[0].churn.uncertain());
  CHECK(s.segments[0].churn_multiplier.value == 1.0);
  CHECK(s.segments[0].churn_multiplier.scale == 1.0);

  // The specs are what expand_variants expects; "same" changes nothing, which is an error.
  CHECK_THROWS_WITH(clvsim::expand_variants(s),
                    Catch::StartsWith(at(VARIANTS, "[variants.same]") + "variants.same changes nothing"));
  Scenario without_same = s;
  without_same.variants.pop_back();
  const auto all = clvsim::expand_variants(without_same);
  REQUIRE(all.size() == 3);
  CHECK(all[1].name == "retention_plus_5");
  CHECK(all[1].channels[0].spend[0].value == 30000.0);
}

TEST_CASE("variants: bad input", "[io][variants][errors]") {
  SECTION("an unknown key") {
    const auto text = variant_edit("add   = {", "addd  = {");
    check_error(text, at(text, "addd"),
                {"variants.retention_plus_5.addd is not a known key", "did you mean 'add'?",
                 "accepted: description, set, scale, add"});
  }
  SECTION("a name that cannot be part of a key path") {
    const auto text = variant_edit("[variants.same]", "[variants.\"same one\"]");
    check_error(text, at(text, "\"same one\""),
                {"variants.\"same one\" is not a valid variant name",
                 "names may use letters, digits, '_' and '-'"});
  }
  SECTION("variants that are not tables") {
    const auto text = "variants = 3\n" + BASE;
    check_error(text, at(text, "variants = 3", 11),
                {"variants = 3 is an integer, not a table", "[variants.<name>]"});
    const auto one = BASE + "\n[variants]\nplus = \"x\"\n";
    check_error(one, at(one, "\"x\""), {"variants.plus = \"x\" is a string, not a table"});
  }
  SECTION("set, scale or add that is not a table") {
    const auto text =
        variant_edit("add   = { \"channels.search.cost_per_lead\" = -1.5 }", "add   = 1.5");
    check_error(text, at(text, "1.5\n"),
                {"variants.retention_plus_5.add = 1.5 is a floating-point number, not a table",
                 "{ \"<key path>\" = number, ... }"});
  }
  SECTION("a description that is not a string") {
    const auto text =
        variant_edit("description = \"Annual retention 5 points higher\"", "description = 5");
    check_error(text, at(text, "description = 5", 14),
                {"variants.retention_plus_5.description = 5 is an integer, not a string"});
  }
  SECTION("a scale that is a string") {
    const auto text = variant_edit("\"segments.*.churn_multiplier\" = 0.8",
                                   "\"segments.*.churn_multiplier\" = \"0.8\"");
    check_error(
        text, at(text, "\"0.8\""),
        {"variants.retention_plus_5.scale.\"segments.*.churn_multiplier\" = \"0.8\" is a "
         "string, not a number",
         "expected a finite number; each matched value, and each draw of an uncertain one, is "
         "multiplied by it"});
  }
  SECTION("an add that is a boolean") {
    const auto text = variant_edit("-1.5", "true");
    check_error(text, at(text, "true"),
                {"variants.retention_plus_5.add.\"channels.search.cost_per_lead\" = true is a "
                 "boolean, not a number",
                 "possibly negative; it is added to each matched value"});
  }
  SECTION("a scale that is a distribution") {
    const auto text = variant_edit("0.8,", "{ dist = \"uniform\", min = 0.7, max = 0.9 },");
    check_error(text, at(text, "{ dist = \"uniform\""),
                {"variants.retention_plus_5.scale.\"segments.*.churn_multiplier\" = { dist = "
                 "\"uniform\", min = 0.7, max = 0.9 } is a table, not a number",
                 "use set for a new distribution"});
  }
  SECTION("nan and inf") {
    const auto text = variant_edit("0.8,", "nan,");
    check_error(text, at(text, "nan"),
                {"variants.retention_plus_5.scale.\"segments.*.churn_multiplier\" = nan is not a "
                 "finite number",
                 "nan and inf are not accepted"});
    const auto inf = variant_edit("-1.5", "-inf");
    check_error(inf, at(inf, "-inf"),
                {"variants.retention_plus_5.add.\"channels.search.cost_per_lead\" = -inf is not a "
                 "finite number"});
    const auto set = variant_edit("30000", "inf");
    check_error(set, at(set, "inf,"),
                {"variants.retention_plus_5.set.\"channels.search.spend\" = inf is not a finite "
                 "number"});
  }
  SECTION("a set that is a string") {
    const auto text = variant_edit("30000", "\"30000\"");
    check_error(text, at(text, "\"30000\""),
                {"variants.retention_plus_5.set.\"channels.search.spend\" = \"30000\" is a "
                 "string, not a number",
                 "a number, or an uncertainty distribution such as { dist = \"normal\""});
  }
  SECTION("a set distribution with bad parameters") {
    const auto text = variant_edit("alpha = 2, beta = 60", "alpha = 2");
    check_error(text, at(text, "{ dist = \"beta\""),
                {"variants.retention_plus_5.set.\"segments.basic.churn\" is missing required key "
                 "'beta'"});
    const auto sd = variant_edit("{ dist = \"beta\", alpha = 2, beta = 60 }",
                                 "{ dist = \"normal\", mean = 0.05, sd = -1 }");
    check_error(sd, at(sd, "{ dist = \"normal\""),
                {"variants.retention_plus_5.set.\"segments.basic.churn\" = ",
                 "has a non-positive standard deviation"});
    const auto key = variant_edit("alpha = 2, beta = 60", "alpha = 2, beta = 60, mean = 3");
    check_error(key, at(key, "mean = 3"),
                {"variants.retention_plus_5.set.\"segments.basic.churn\".mean is not a key of a "
                 "beta distribution"});
  }
  SECTION("an unquoted key path in set") {
    const auto text =
        variant_edit("\"channels.search.spend\" = 30000", "channels.search.spend = 30000");
    check_error(text, at(text, "channels.search.spend = 30000"),
                {"variants.retention_plus_5.set.channels is a table of nested keys, not a key path",
                 "as in \"channels.search.spend\" = 30000"});
  }
  SECTION("a set distribution table without its dist") {
    const auto text = BASE + "\n[variants.v.set.\"segments.basic.churn\"]\nalpha = 2\nbeta = 60\n";
    check_error(text, at(text, "[variants.v.set"),
                {"variants.v.set.\"segments.basic.churn\" is missing required key 'dist'"});
  }
  SECTION("an unquoted key path") {
    const auto text = variant_edit("\"channels.search.cost_per_lead\" = -1.5",
                                   "channels.search.cost_per_lead = -1.5");
    check_error(text, at(text, "channels.search.cost_per_lead = -1.5"),
                {"variants.retention_plus_5.add.channels is a table of nested keys, not a key "
                 "path",
                 "write the key path in quotes, as in \"channels.search.cost_per_lead\" = -1.5"});
  }
}

// validate() on scenarios built in code: the checks do not depend on the TOML reader.

#include <string>

#include <catch2/catch.hpp>

#include "clvsim/scenario.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using clvsim::Distribution;
using clvsim::Domain;
using clvsim::InputError;
using clvsim::Param;
using clvsim::Scenario;

namespace {

Param P(double v, Domain d, const std::string& path, int line = 0, int column = 0) {
  Param p(v, d);
  p.path = path;
  p.where = {"f.toml", line, column};
  return p;
}

Param U(double lo, double hi, Domain d, const std::string& path, int line, int column) {
  Param p = P(0.5 * (lo + hi), d, path, line, column);
  p.dist = Distribution{Distribution::Kind::Uniform, lo, hi, 0.0};
  return p;
}

// Two stages, two segments, one channel; every parameter addressed and located.
Scenario valid() {
  Scenario s;
  s.source_file = "f.toml";
  for (const char* name : {"lead", "sql"}) {
    clvsim::Stage st;
    st.name = name;
    const std::string base = std::string("funnel.") + name;
    st.where = {"f.toml", 10, 1};
    st.advance = P(0.3, Domain::Probability, base + ".advance", 11, 11);
    st.drop = P(0.2, Domain::Probability, base + ".drop", 12, 8);
    st.nurtured_advance = P(0.3, Domain::Probability, base + ".nurtured_advance", 10, 1);
    st.nurtured_drop = P(0.2, Domain::Probability, base + ".nurtured_drop", 10, 1);
    st.nurture_cost = P(0.0, Domain::NonNegative, base + ".nurture_cost", 10, 1);
    s.stages.push_back(st);
  }
  for (const char* name : {"basic", "premium"}) {
    clvsim::Segment seg;
    seg.name = name;
    const std::string base = std::string("segments.") + name;
    seg.where = {"f.toml", 20, 1};
    seg.churn = P(0.05, Domain::Probability, base + ".churn", 21, 9);
    seg.order_value = P(30, Domain::NonNegative, base + ".order_value", 22, 15);
    seg.migration = {P(0, Domain::Probability, base + ".migration.basic", 23, 13),
                     P(0, Domain::Probability, base + ".migration.premium", 23, 13)};
    seg.initial_by_tenure = {P(100, Domain::Count, base + ".initial_customers", 24, 21)};
    s.segments.push_back(seg);
  }
  clvsim::Channel ch;
  ch.name = "search";
  ch.where = {"f.toml", 30, 1};
  ch.spend = {P(1000, Domain::NonNegative, "channels.search.spend", 31, 9)};
  ch.cost_per_lead = P(20, Domain::Positive, "channels.search.cost_per_lead", 32, 17);
  ch.segment_mix = {P(3, Domain::NonNegative, "channels.search.segment_mix.basic", 33, 25),
                    P(1, Domain::NonNegative, "channels.search.segment_mix.premium", 33, 36)};
  s.channels.push_back(ch);
  return s;
}

std::string error_of(const Scenario& s) {
  try {
    clvsim::validate(s);
  } catch (const InputError& e) {
    return e.what();
  }
  FAIL("validate() accepted the scenario");
  return {};
}

}  // namespace

TEST_CASE("a valid scenario passes", "[core][validate]") {
  CHECK_NOTHROW(clvsim::validate(valid()));
  Scenario s = valid();
  s.stages[0].advance = P(0.8, Domain::Probability, "funnel.lead.advance", 11, 11);
  s.stages[0].nurtured_advance = s.stages[0].advance;
  CHECK_NOTHROW(clvsim::validate(s));  // 0.8 + 0.2 is exactly the limit
}

TEST_CASE("parameters outside their domain", "[core][validate]") {
  Scenario s = valid();
  SECTION("a probability above 1: the canonical message") {
    s.segments[1].churn.value = 1.4;
    CHECK(error_of(s) ==
          "f.toml:21:9: segments.premium.churn = 1.4 is not a probability (must be in [0, 1])");
  }
  SECTION("negative spend") {
    s.channels[0].spend[0].value = -50;
    CHECK(error_of(s) == "f.toml:31:9: channels.search.spend = -50 is negative (must be >= 0)");
  }
  SECTION("a zero cost per lead") {
    s.channels[0].cost_per_lead.value = 0;
    CHECK(error_of(s) ==
          "f.toml:32:17: channels.search.cost_per_lead = 0 is not positive (must be > 0)");
  }
  SECTION("NaN") {
    s.segments[0].order_value.value = std::nan("");
    CHECK(error_of(s) ==
          "f.toml:22:15: segments.basic.order_value = nan is not a finite number (must be >= 0)");
  }
  SECTION("a distribution with bad parameters") {
    s.segments[0].churn.dist = Distribution{Distribution::Kind::Normal, 0.05, -0.01, 0.0};
    const auto msg = error_of(s);
    CHECK_THAT(msg, StartsWith("f.toml:21:9: segments.basic.churn = { dist = \"normal\""));
    CHECK_THAT(msg, Contains("sd must be > 0"));
  }
  SECTION("a bounded distribution reaching outside the domain") {
    s.segments[0].churn = U(0.5, 1.2, Domain::Probability, "segments.basic.churn", 21, 9);
    const auto msg = error_of(s);
    CHECK_THAT(msg, StartsWith("f.toml:21:9: segments.basic.churn = { dist = \"uniform\""));
    CHECK_THAT(msg, Contains("must be in [0, 1]"));
  }
}

TEST_CASE("advance + drop at most 1", "[core][validate]") {
  Scenario s = valid();
  SECTION("point values, located at the later of the two") {
    s.stages[1].drop.value = 0.75;
    CHECK(error_of(s) ==
          "f.toml:12:8: funnel.sql.advance + funnel.sql.drop = 0.3 + 0.75 sums to 1.05, more "
          "than 1 (a fresh prospect advances, drops out or stays each period, so advance + drop "
          "must be <= 1)");
  }
  SECTION("nurtured rates") {
    s.stages[0].nurtured_drop.value = 0.9;
    s.stages[0].nurtured_drop.where = {"f.toml", 14, 17};
    const auto msg = error_of(s);
    CHECK_THAT(msg, StartsWith("f.toml:14:17: funnel.lead.nurtured_advance + "
                               "funnel.lead.nurtured_drop = 0.3 + 0.9 sums to 1.2"));
    CHECK_THAT(msg, Contains("a nurtured prospect"));
  }
  SECTION("a bounded distribution counts with the top of its support") {
    s.stages[0].advance = U(0.5, 0.9, Domain::Probability, "funnel.lead.advance", 11, 11);
    const auto msg = error_of(s);
    CHECK_THAT(msg, StartsWith("f.toml:12:8: funnel.lead.advance + funnel.lead.drop = { dist = "
                               "\"uniform\", min = 0.5, max = 0.9 } + 0.2 can sum to 1.1"));
    CHECK_THAT(msg, Contains("for uniform and triangular distributions their max is used"));
  }
  SECTION("normal and beta rates are judged by their point value") {
    s.stages[0].advance.dist = Distribution{Distribution::Kind::Beta, 30, 70, 0};
    s.stages[0].advance.value = 0.3;
    s.stages[0].drop.value = 0.7;
    s.stages[0].nurtured_drop.value = 0.7;
    CHECK_NOTHROW(clvsim::validate(s));
    s.stages[0].advance.dist = Distribution{Distribution::Kind::Normal, 0.35, 0.05, 0};
    s.stages[0].advance.value = 0.35;  // its point value, as the reader would set it
    CHECK_THAT(error_of(s), Contains("sums to 1.05, more than 1"));
  }
  SECTION("a bounded distribution whose maximum fits passes") {
    s.stages[0].advance = U(0.5, 0.8, Domain::Probability, "funnel.lead.advance", 11, 11);
    s.stages[0].nurtured_advance = s.stages[0].advance;
    CHECK_NOTHROW(clvsim::validate(s));
  }
}

TEST_CASE("migration rows", "[core][validate]") {
  Scenario s = valid();
  SECTION("the self entry must be 0") {
    s.segments[0].migration[0].value = 0.1;
    CHECK_THAT(error_of(s), StartsWith("f.toml:23:13: segments.basic.migration.basic = 0.1 names "
                                       "the segment itself"));
  }
  SECTION("a row above 1") {
    clvsim::Segment gold = s.segments[0];
    gold.name = "gold";
    for (auto& seg : s.segments)
      seg.migration.push_back(
          P(0, Domain::Probability, "segments." + seg.name + ".migration.gold", 23, 13));
    gold.migration = {P(0.6, Domain::Probability, "segments.gold.migration.basic", 40, 25),
                      P(0.5, Domain::Probability, "segments.gold.migration.premium", 40, 13),
                      P(0, Domain::Probability, "segments.gold.migration.gold", 40, 11)};
    s.segments.push_back(gold);
    for (auto& ch : s.channels)
      ch.segment_mix.push_back(
          P(0, Domain::NonNegative, "channels.search.segment_mix.gold", 33, 1));
    const auto msg = error_of(s);
    CHECK_THAT(msg, StartsWith("f.toml:40:11: segments.gold.migration = { basic = 0.6, premium = "
                               "0.5 } sums to 1.1, more than 1"));
    CHECK_THAT(msg, Contains("must sum to at most 1"));
  }
  SECTION("a row with one entry per segment") {
    s.segments[0].migration.pop_back();
    CHECK_THAT(error_of(s), Contains("segments.basic.migration has 1 entries"));
  }
}

TEST_CASE("structure: sizes, references, names and integers", "[core][validate]") {
  Scenario s = valid();
  SECTION("a spend schedule of the wrong length") {
    s.simulation.horizon = 12;
    s.channels[0].spend.resize(5, s.channels[0].spend[0]);
    const auto msg = error_of(s);
    CHECK_THAT(msg, StartsWith("f.toml:30:1: channels.search.spend has 5 values"));
    CHECK_THAT(msg, Contains("simulation.horizon = 12"));
  }
  SECTION("a mix summing to 0") {
    for (auto& w : s.channels[0].segment_mix) w.value = 0;
    const auto msg = error_of(s);
    CHECK_THAT(
        msg,
        StartsWith("f.toml:33:25: channels.search.segment_mix = { basic = 0, premium = 0 } has "
                   "weights summing to 0"));
  }
  SECTION("a mix with a missing segment") {
    s.channels[0].segment_mix.pop_back();
    CHECK_THAT(error_of(s),
               Contains("channels.search.segment_mix has 1 weights (one weight per segment: 2)"));
  }
  SECTION("an entry stage out of range") {
    s.channels[0].entry_stage = 2;
    CHECK_THAT(error_of(s),
               StartsWith("f.toml:30:1: channels.search.entry_stage = 2 is not a stage index"));
  }
  SECTION("a name whose metric another metric already has") {
    // active_<segment> and new_customers_<channel> would repeat fixed metrics' names.
    s.segments[1].name = "customers";
    CHECK_THAT(error_of(s), StartsWith("f.toml:20:1: segments.customers names the metric "
                                       "'active_customers', which another metric already has"));
    s.segments[1].name = "premium";
    s.channels[0].name = "referral";
    CHECK_THAT(error_of(s), StartsWith("f.toml:30:1: channels.referral names the metric "
                                       "'new_customers_referral'"));
    // ltv_<segment> and the per-channel ltv_cac_<channel>.
    s.channels[0].name = "search";
    s.segments[1].name = "cac";
    CHECK_THAT(error_of(s), StartsWith("f.toml:20:1: segments.cac names the metric 'ltv_cac'"));
    s.segments[1].name = "cac_search";
    CHECK_THAT(error_of(s),
               StartsWith("f.toml:20:1: segments.cac_search names the metric 'ltv_cac_search'"));
  }
  SECTION("a repeated segment name") {
    s.segments[1].name = "basic";
    CHECK_THAT(error_of(s), Contains("segments.basic repeats a segment name"));
  }
  SECTION("no stage") {
    s.stages.clear();
    CHECK_THAT(error_of(s), StartsWith("f.toml: funnel.stages = [] is empty"));
  }
  SECTION("no segment") {
    s.segments.clear();
    s.channels.clear();
    CHECK_THAT(error_of(s), Contains("segments defines no segment"));
  }
  SECTION("horizon below 1, where only the file is known") {
    s.simulation.horizon = 0;
    CHECK(error_of(s) ==
          "f.toml: simulation.horizon = 0 is out of range (must be an integer "
          "number of periods >= 1)");
  }
  SECTION("replications below 1") {
    s.simulation.replications = 0;
    CHECK_THAT(error_of(s), Contains("simulation.replications = 0 is out of range"));
  }
  SECTION("an enabled win-back without a window") {
    s.winback.enabled = true;
    s.winback.where = {"f.toml", 50, 1};
    CHECK_THAT(error_of(s), StartsWith("f.toml:50:1: winback.window = 0 is out of range"));
  }
  SECTION("pipeline prospects with several segments need a mix") {
    s.pipeline.where = {"f.toml", 60, 1};
    s.pipeline.prospects = {P(10, Domain::Count, "pipeline.prospects.lead", 61, 15),
                            P(0, Domain::Count, "pipeline.prospects.sql", 60, 1)};
    CHECK_THAT(error_of(s),
               StartsWith("f.toml:60:1: pipeline is missing required key 'segment_mix'"));
  }
}

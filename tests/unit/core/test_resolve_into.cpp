// resolve_into() reuses a ModelParams' storage: it must give exactly resolve()'s parameters,
// whatever the ModelParams held before (another scenario, another replication).

#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/model.hpp"

using namespace clvsim;

namespace {

std::string example_text(const std::string& name) {
  std::ifstream in(std::string(CLVSIM_SOURCE_DIR) + "/scenarios/" + name + ".toml");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// Bit for bit (NaN included).
template <class T>
void check_same(const std::vector<T>& a, const std::vector<T>& b, const char* what) {
  INFO(what);
  REQUIRE(a.size() == b.size());
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}
void check_same(const std::vector<BinomialProb>& a, const std::vector<BinomialProb>& b,
                const char* what) {
  INFO(what);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].p == b[i].p);
    CHECK(a[i].s == b[i].s);
    CHECK(a[i].log_q == b[i].log_q);
  }
}

void check_same(const ModelParams& a, const ModelParams& b) {
  CHECK(a.horizon == b.horizon);
  CHECK(a.segments == b.segments);
  CHECK(a.stages == b.stages);
  CHECK(a.channels == b.channels);
  CHECK(a.tenures == b.tenures);
  CHECK(a.winback_window == b.winback_window);
  CHECK(a.discount_rate == b.discount_rate);
  CHECK(a.referral_entry == b.referral_entry);
  CHECK(a.referral_reward == b.referral_reward);
  CHECK(a.any_migration == b.any_migration);
  CHECK(a.retention_per_customer == b.retention_per_customer);
  CHECK(a.retention_fixed == b.retention_fixed);
  CHECK(a.retention_factor == b.retention_factor);
  CHECK(a.winback == b.winback);
  CHECK(a.winback_cost == b.winback_cost);
  CHECK(a.value_tenures == b.value_tenures);
  CHECK(a.market == b.market);
  CHECK(a.market_potential == b.market_potential);
  CHECK(a.payback_periods == b.payback_periods);
  CHECK(a.book_at_start == b.book_at_start);
  CHECK(a.ltv_tenure_cap == b.ltv_tenure_cap);
  check_same(a.channel_spend, b.channel_spend, "channel_spend");
  check_same(a.channel_leads, b.channel_leads, "channel_leads");
  check_same(a.channel_lead_slope, b.channel_lead_slope, "channel_lead_slope");
  check_same(a.channel_entry, b.channel_entry, "channel_entry");
  REQUIRE(a.sources.size() == b.sources.size());
  for (std::size_t i = 0; i < a.sources.size(); ++i) {
    CHECK(a.sources[i].kind == b.sources[i].kind);
    CHECK(a.sources[i].index == b.sources[i].index);
    check_same(a.sources[i].segment_mix, b.sources[i].segment_mix, "segment_mix");
  }
  REQUIRE(a.stage_rates.size() == b.stage_rates.size());
  for (std::size_t i = 0; i < a.stage_rates.size(); ++i) {
    CHECK(a.stage_rates[i].advance == b.stage_rates[i].advance);
    CHECK(a.stage_rates[i].drop == b.stage_rates[i].drop);
    CHECK(a.stage_rates[i].nurtured_advance == b.stage_rates[i].nurtured_advance);
    CHECK(a.stage_rates[i].nurtured_drop == b.stage_rates[i].nurtured_drop);
    CHECK(a.stage_rates[i].nurture_cost == b.stage_rates[i].nurture_cost);
  }
  check_same(a.hazard, b.hazard, "hazard");
  check_same(a.migration, b.migration, "migration");
  check_same(a.orders_per_period, b.orders_per_period, "orders_per_period");
  check_same(a.order_value, b.order_value, "order_value");
  check_same(a.order_value_cv, b.order_value_cv, "order_value_cv");
  check_same(a.gross_margin, b.gross_margin, "gross_margin");
  check_same(a.cost_to_serve, b.cost_to_serve, "cost_to_serve");
  check_same(a.referral_rate, b.referral_rate, "referral_rate");
  check_same(a.order_model, b.order_model, "order_model");
  check_same(a.winback_success, b.winback_success, "winback_success");
  check_same(a.churn_draw, b.churn_draw, "churn_draw");
  check_same(a.migration_draw, b.migration_draw, "migration_draw");
  check_same(a.funnel_draw, b.funnel_draw, "funnel_draw");
  check_same(a.conversion_draw, b.conversion_draw, "conversion_draw");
  check_same(a.order_draw, b.order_draw, "order_draw");
  check_same(a.winback_draw, b.winback_draw, "winback_draw");
  check_same(a.orders_by_tenure, b.orders_by_tenure, "orders_by_tenure");
  check_same(a.value_by_tenure, b.value_by_tenure, "value_by_tenure");
  check_same(a.margin_by_tenure, b.margin_by_tenure, "margin_by_tenure");
  check_same(a.cost_by_tenure, b.cost_by_tenure, "cost_by_tenure");
  check_same(a.referral_by_tenure, b.referral_by_tenure, "referral_by_tenure");
  check_same(a.segment_potential, b.segment_potential, "segment_potential");
  check_same(a.initial_customers, b.initial_customers, "initial_customers");
  check_same(a.initial_prospects, b.initial_prospects, "initial_prospects");
  check_same(a.ltv, b.ltv, "ltv");
  check_same(a.payback_curve, b.payback_curve, "payback_curve");
  check_same(a.state_value, b.state_value, "state_value");
  check_same(a.signup_value, b.signup_value, "signup_value");
  CHECK(a.sbg == b.sbg);
  check_same(a.churn_const, b.churn_const, "churn_const");
  check_same(a.sbg_alpha, b.sbg_alpha, "sbg_alpha");
  check_same(a.sbg_beta, b.sbg_beta, "sbg_beta");
  check_same(a.churn_scale, b.churn_scale, "churn_scale");
  check_same(a.churn_t, b.churn_t, "churn_t");
  check_same(a.orders_t, b.orders_t, "orders_t");
  check_same(a.value_t, b.value_t, "value_t");
  check_same(a.cost_t, b.cost_t, "cost_t");
  check_same(a.referral_t, b.referral_t, "referral_t");
  check_same(a.orders_f, b.orders_f, "orders_f");
  check_same(a.value_f, b.value_f, "value_f");
  check_same(a.cost_f, b.cost_f, "cost_f");
  check_same(a.referral_f, b.referral_f, "referral_f");
  check_same(a.nurture_cost_t, b.nurture_cost_t, "nurture_cost_t");
  check_same(a.retention_per_customer_t, b.retention_per_customer_t, "retention_per_customer_t");
  check_same(a.retention_fixed_t, b.retention_fixed_t, "retention_fixed_t");
  check_same(a.retention_factor_t, b.retention_factor_t, "retention_factor_t");
}

const char* const SEASONS = "[0.8, 0.8, 0.9, 0.9, 1.0, 1.0, 1.0, 1.0, 1.1, 1.1, 1.2, 1.2]";

}  // namespace

TEST_CASE("resolve_into gives resolve's parameters whatever the ModelParams held", "[model]") {
  std::vector<Scenario> scenarios;
  for (const char* name :
       {"saas", "ecommerce", "bank", "bank_variants", "b2b", "b2b_nurturing", "donations",
        "growth_trap", "seasonal_retailer", "credit_card", "bass_referral", "saas_variants"})
    scenarios.push_back(
        read_scenario_file(std::string(CLVSIM_SOURCE_DIR) + "/scenarios/" + name + ".toml"));
  // Paths the examples do not take with drawn values: a drawn factor of a table by tenure, a
  // saturating channel and a retention program whose parameters change in time.
  scenarios.push_back(
      parse_scenario(replaced(example_text("credit_card"), "[1.0, 1.15,",
                              "[1.0, { dist = \"uniform\", min = 1.1, max = 1.2 },"),
                     "credit_card, drawn factor"));
  scenarios.push_back(parse_scenario(
      replaced(
          replaced(example_text("seasonal_retailer"), "max_leads = 40000",
                   std::string("max_leads = { value = 40000, seasonal = ") + SEASONS + " }"),
          "half_saturation_spend = 20000",
          std::string("half_saturation_spend = { value = 20000, seasonal = ") + SEASONS + " }"),
      "seasonal_retailer, saturating in time"));
  const std::string bank =
      replaced(example_text("bank"), "half_saturation = 150000",
               std::string("half_saturation = { value = 150000, seasonal = ") + SEASONS + " }");
  scenarios.push_back(parse_scenario(bank, "bank, retention in time"));

  ModelParams reused;
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    const Scenario& s = scenarios[i];
    INFO(s.name << " (" << i << ")");
    for (const std::uint64_t r : {3u, 4u}) {
      resolve_into(reused, s, s.simulation.seed, r);
      check_same(reused, resolve(s, s.simulation.seed, r));
    }
    // Without customer value too, after a resolution with it.
    resolve_into(reused, s, s.simulation.seed, 5, Valuation::WithoutCustomerValue);
    check_same(reused, resolve(s, s.simulation.seed, 5, Valuation::WithoutCustomerValue));
  }
}

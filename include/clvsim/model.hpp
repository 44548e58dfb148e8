#pragma once

// Model parameters: a scenario resolved to plain numbers for one replication.
//
// Immutable once built. Uncertain parameters are drawn here, once per replication, from streams
// named by the parameter's key path, so a variant that leaves a parameter alone draws the same
// value for it in every replication.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "clvsim/binomial_prob.hpp"
#include "clvsim/scenario.hpp"

namespace clvsim {

//! Where prospects come from. Sources are ordered: channels, then referrals by referring
//! segment, then the initial pipeline.
struct Source {
  enum class Kind { Channel, Referral, Pipeline };
  Kind kind = Kind::Channel;
  int index = 0;                     //!< channel index, or referring segment
  std::vector<double> segment_mix;   //!< normalised; segment of the customers it yields
};

//! The sBG churn hazard at tenure `tau`, alpha / (alpha + beta + tau). When the sum overflows
//! (alpha and beta near the largest double) it is computed as 1 / (1 + (beta + tau) / alpha).
[[nodiscard]] inline double sbg_hazard(double alpha, double beta, double tau) {
  const double sum = alpha + beta + tau;
  return std::isfinite(sum) ? alpha / sum : 1.0 / (1.0 + (beta + tau) / alpha);
}

struct StageRates {
  double advance = 0.0;  //!< fresh prospects
  double drop = 0.0;
  double nurtured_advance = 0.0;
  double nurtured_drop = 0.0;
  double nurture_cost = 0.0;
};

struct ModelParams {
  // Dimensions.
  int horizon = 0;       //!< T periods
  int segments = 0;      //!< K
  int stages = 0;        //!< S
  int channels = 0;      //!< C
  int tenures = 1;       //!< tenure buckets tracked (1 when no segment's churn depends on tenure)
  int winback_window = 0;

  double periods_per_year = 12.0;
  double discount_rate = 0.0;  //!< per period, from the annual rate

  // Acquisition.
  std::vector<double> channel_spend;  //!< [C * T]
  std::vector<double> channel_leads;  //!< [C * T] expected leads
  //! [C * T] derivative of the expected leads with respect to spend at the period's spend (the
  //! response curve's closed-form slope: 1 / cost_per_lead, or max h / (x + h)^2)
  std::vector<double> channel_lead_slope;
  std::vector<int> channel_entry;     //!< [C] entry stage
  std::vector<Source> sources;        //!< C channels, K referral sources, 1 pipeline
  int referral_entry = 0;
  double referral_reward = 0.0;

  // Funnel.
  std::vector<StageRates> stage_rates;  //!< [S]

  // Customers.
  std::vector<double> hazard;     //!< [K * tenures] churn probability, retention effect applied
  std::vector<double> migration;  //!< [K * K] row-stochastic, diagonal = stay in segment
  bool any_migration = false;
  std::vector<double> orders_per_period, order_value, order_value_cv, gross_margin,
      cost_to_serve, referral_rate;  //!< [K]
  std::vector<OrderModel> order_model;  //!< [K]

  // Retention and win-back.
  double retention_per_customer = 0.0;  //!< spend per at-risk customer per period
  double retention_fixed = 0.0;         //!< spend per period
  double retention_factor = 1.0;        //!< 1 - relative churn reduction of the retention program
  bool winback = false;
  double winback_cost = 0.0;
  //! [winback_window] probability that a customer lapsed d = 1..W periods ago returns when
  //! approached ([d - 1]), the recency model of Pfeifer & Carraway (2000).
  std::vector<double> winback_success;
  //! Whether the won back face the churn test of the period they return in (docs/model.md §2).
  ReturningChurn returning_churn = ReturningChurn::SamePeriod;

  // Sampler constants of the cells whose probabilities stay for the whole horizon, computed once
  // from the rates above (the draws are those of the plain samplers, see BinomialProb).
  std::vector<BinomialProb> churn_draw;       //!< [K * tenures] from hazard
  std::vector<BinomialProb> migration_draw;   //!< [K * (K - 1)] conditional, from migration rows
  std::vector<BinomialProb> funnel_draw;      //!< [(S * 2 + fresh/nurtured) * 2] advance, drop | not advance
  std::vector<BinomialProb> conversion_draw;  //!< [sources * (K - 1)] conditional, from segment mixes
  std::vector<BinomialProb> order_draw;       //!< [K] from orders_per_period (Bernoulli orders)
  std::vector<BinomialProb> winback_draw;     //!< [winback_window] from winback_success

  //! The funnel's (advance, drop, stay) probabilities of stage s, fresh or nurtured.
  [[nodiscard]] std::array<double, 3> funnel_probs(int s, int nurtured) const;

  // Value by tenure (docs/model.md §2, "Value by tenure"): with curves, the value parameters of
  // segment k for a customer whose tenure at the start of the period is tau are [k * value_tenures
  // + min(tau, value_tenures - 1)] of these tables; without (value_tenures = 0), the [K] values
  // above.
  int value_tenures = 0;
  std::vector<double> orders_by_tenure, value_by_tenure, margin_by_tenure, cost_by_tenure,
      referral_by_tenure;  //!< [K * value_tenures]

  [[nodiscard]] double by_tenure(const std::vector<double>& table,
                                 const std::vector<double>& constant, int k, int tau) const {
    if (value_tenures == 0) return constant[k];
    return table[static_cast<std::size_t>(k) * value_tenures + std::min(tau, value_tenures - 1)];
  }
  //! Expected contribution e_k(tau) = orders x order value x margin - cost to serve of one active
  //! customer of segment k in a period it starts at tenure tau.
  [[nodiscard]] double contribution(int k, int tau) const {
    return by_tenure(orders_by_tenure, orders_per_period, k, tau) *
               by_tenure(value_by_tenure, order_value, k, tau) *
               by_tenure(margin_by_tenure, gross_margin, k, tau) -
           by_tenure(cost_by_tenure, cost_to_serve, k, tau);
  }

  // Finite market (Bass 1969): channels and referrals reach only people not reached before.
  bool market = false;
  double market_potential = 0.0;  //!< M, people (a whole number); the sum over segments
  //! [K] a market per segment (docs/model.md §2, *Finite market by segment*): M_k, whole
  //! numbers; empty with one market for the business.
  std::vector<double> segment_potential;
  //! Markets, and funnel lanes per source: prospects carry their segment through the funnel when
  //! each segment has a market of its own (K), otherwise 1.
  [[nodiscard]] int market_pools() const {
    return segment_potential.empty() ? 1 : static_cast<int>(segment_potential.size());
  }

  // Initial state.
  std::vector<double> initial_customers;  //!< [K * tenures], whole numbers
  std::vector<double> initial_prospects;  //!< [S], whole numbers, nurtured

  // Customer value (Markov chain, per segment, for a customer at tenure 0).
  std::vector<double> ltv;             //!< [K] discounted value at acquisition
  int payback_periods = 0;             //!< N, length of the payback curves
  std::vector<double> payback_curve;   //!< [K * N] cumulative undiscounted contribution
  //! [K] the largest value of each segment's payback curve (NaN when the curve holds a NaN), so
  //! that a CAC no mix of the curves reaches is known at once
  std::vector<double> payback_peak;
  //! [K * ltv_tenure_cap + K * winback_window] value u of each state of the customer chain at the
  //! start of a period (CustomerValue::state_value); empty without customer value.
  std::vector<double> state_value;
  //! Booking at the start of a period (simulation.booking = "start"): every flow of period t is
  //! discounted by (1 + i)^-(t-1), and new customers pay one period's contribution at sign-up.
  bool book_at_start = false;
  //! [K] contribution paid at sign-up, orders_per_period * order_value * gross_margin -
  //! cost_to_serve of the segment joined, with start booking; 0 with end booking.
  std::vector<double> signup_value;

  // Churn law, kept to extend the hazard beyond the tracked tenures (LTV chain).
  std::vector<bool> sbg;               //!< [K]
  std::vector<double> churn_const, sbg_alpha, sbg_beta;  //!< [K]
  std::vector<double> churn_scale;  //!< [K] segment churn multiplier
  int ltv_tenure_cap = 1;

  // Parameters over time (docs/model.md §3, "Parameters over time"): the values in each period of
  // the keys that follow a schedule or a seasonal profile x trend, [entities * T] (t fastest);
  // each table is empty when no entity's key changes in time, and the [K] (or [S]) values above,
  // the levels, are then the values of every period. The levels are what the customer-value
  // chain uses. The *_f tables are value / level, which multiplies a tenure curve's table.
  std::vector<double> churn_t;  //!< [K * T] constant churn (0 for sBG segments)
  std::vector<double> orders_t, value_t, cost_t, referral_t;  //!< [K * T]
  std::vector<double> orders_f, value_f, cost_f, referral_f;  //!< [K * T]
  std::vector<double> nurture_cost_t;                         //!< [S * T]
  //! [T] retention spend and the churn factor it gives, when the spend changes in time
  std::vector<double> retention_per_customer_t, retention_fixed_t, retention_factor_t;

  //! The value of a key in period t (0-based): `in_time[i * T + t]`, or `level[i]`.
  [[nodiscard]] double in_period(const std::vector<double>& in_time,
                                 const std::vector<double>& level, int i, int t) const {
    return in_time.empty() ? level[i] : in_time[static_cast<std::size_t>(i) * horizon + t];
  }
  //! The factor of period t that multiplies a tenure curve's table (1 when constant).
  [[nodiscard]] double time_factor(const std::vector<double>& factor, int i, int t) const {
    return factor.empty() ? 1.0 : factor[static_cast<std::size_t>(i) * horizon + t];
  }
  [[nodiscard]] double retention_per_customer_in(int t) const {
    return retention_per_customer_t.empty() ? retention_per_customer : retention_per_customer_t[t];
  }
  [[nodiscard]] double retention_fixed_in(int t) const {
    return retention_fixed_t.empty() ? retention_fixed : retention_fixed_t[t];
  }
  [[nodiscard]] double nurture_cost_in(int s, int t) const {
    return nurture_cost_t.empty() ? stage_rates[s].nurture_cost
                                  : nurture_cost_t[static_cast<std::size_t>(s) * horizon + t];
  }
  //! Whether the churn hazard changes from period to period (churn or retention spend in time).
  [[nodiscard]] bool hazard_in_time() const {
    return !churn_t.empty() || !retention_factor_t.empty();
  }

  [[nodiscard]] int sources_count() const { return static_cast<int>(sources.size()); }
  //! Churn probability per period at tenure `tau` (periods survived), retention effect applied.
  //! Inline: the customer value tabulates it for every tenure of the chain in each replication.
  [[nodiscard]] double hazard_at(int k, int tau) const {
    double h = churn_const[k];
    if (sbg[k]) h = sbg_hazard(sbg_alpha[k], sbg_beta[k], tau);
    return std::min(1.0, h * churn_scale[k] * retention_factor);
  }
  //! The churn hazard in period t (0-based): hazard_at with the period's churn and retention.
  [[nodiscard]] double hazard_in_period(int k, int tau, int t) const;
};

//! Whether resolving computes customer value (Markov-chain LTV and payback curves), which only
//! the LTV, LTV/CAC and payback metrics need.
enum class Valuation { WithCustomerValue, WithoutCustomerValue };

//! Resolve `s` for replication `replication`: uncertain parameters are drawn.
ModelParams resolve(const Scenario& s, std::uint64_t seed, std::uint64_t replication,
                    Valuation valuation = Valuation::WithCustomerValue);

//! resolve() into `m`, whatever it held before, reusing its storage: the same values as
//! resolve(), and once `m` has held a resolution of `s` (any replication) on this thread, no
//! allocation. For a per-thread ModelParams in a replication loop.
void resolve_into(ModelParams& m, const Scenario& s, std::uint64_t seed,
                  std::uint64_t replication, Valuation valuation = Valuation::WithCustomerValue);

//! Resolve `s` at its point values (uncertain parameters at their means).
ModelParams resolve_nominal(const Scenario& s, Valuation valuation = Valuation::WithCustomerValue);

//! True when any parameter of `s` is uncertain: a distribution or a column of the joint draws.
bool has_uncertainty(const Scenario& s);

}  // namespace clvsim

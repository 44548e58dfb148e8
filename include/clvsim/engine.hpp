#pragma once

// The lifecycle engine: one replication of the model, or its exact expectation.
//
// Both run the same period dynamics (docs/model.md). The Monte Carlo replication draws every
// transition on counts (binomial, multinomial, Poisson, gamma per cell); the expected-value mode
// replaces each draw by its mean, which gives the exact expectation of every count and money flow
// because the dynamics are linear in the counts given the parameters.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "clvsim/model.hpp"
#include "clvsim/scenario.hpp"

namespace clvsim {

//! Per-period metrics with a fixed position. Scenario-dependent metrics follow them.
enum class Metric : int {
  Revenue,
  GrossMargin,
  CostToServe,
  AcquisitionSpend,
  RetentionSpend,
  WinBackSpend,
  ReferralRewards,
  Profit,
  CumulativeProfit,
  DiscountedProfit,
  Npv,
  ActiveCustomers,
  NewCustomers,
  ChurnedCustomers,
  WonBackCustomers,
  RetentionRate,
  Orders,
  Leads,
  ReferredProspects,
  NewFromReferral,
  NewFromPipeline,
  Cac,
  Ltv,
  LtvCac,
  PaybackPeriods,
  Count_  //!< number of fixed metrics
};

//! Per-replication totals over the horizon.
enum class Total : int {
  Npv,
  Revenue,
  GrossMargin,
  Profit,
  AcquisitionSpend,
  RetentionSpend,
  NewCustomers,
  ChurnedCustomers,
  WonBackCustomers,
  ActiveCustomers,
  Cac,
  Ltv,
  LtvCac,
  PaybackPeriods,
  CustomerEquity,  //!< npv + discounted value of the customers held at the horizon
  Count_
};

enum class MetricKind { Flow, Stock, Ratio };

struct MetricInfo {
  std::string name;
  std::string unit;  //!< "money", "customers", "prospects", "orders", "ratio", "periods", "money/customer"
  MetricKind kind = MetricKind::Flow;
  std::string description;
};

//! Where each metric of a model with C channels, K segments and S stages is stored: the fixed
//! metrics, then new_customers_<channel> (C), active_<segment> (K), entered_<stage> (S),
//! cost_per_entered_<stage> (S), customer_equity, then market_unreached (1, only with a finite
//! market).
struct MetricIndex {
  int channels = 0;
  int segments = 0;
  int stages = 0;
  int market = 0;  //!< 1 with a finite market ([market]), else 0

  //! The layout of the metrics of `m`.
  [[nodiscard]] static MetricIndex of(const ModelParams& m) {
    return {m.channels, m.segments, m.stages, m.market ? 1 : 0};
  }

  [[nodiscard]] static int fixed(Metric m) { return static_cast<int>(m); }
  [[nodiscard]] int new_by_channel(int c) const { return static_cast<int>(Metric::Count_) + c; }
  [[nodiscard]] int active_by_segment(int k) const { return new_by_channel(channels) + k; }
  [[nodiscard]] int entered_stage(int s) const { return active_by_segment(segments) + s; }
  [[nodiscard]] int cost_per_entered(int s) const { return entered_stage(stages) + s; }
  [[nodiscard]] int customer_equity() const { return cost_per_entered(stages); }
  [[nodiscard]] int market_unreached() const { return customer_equity() + 1; }
  [[nodiscard]] int size() const { return market_unreached() + market; }
};

//! The metrics of a scenario, with their names, units and descriptions, in MetricIndex order.
class MetricLayout : public MetricIndex {
 public:
  explicit MetricLayout(const Scenario& s);

  [[nodiscard]] int size() const { return static_cast<int>(metrics_.size()); }
  [[nodiscard]] const std::vector<MetricInfo>& metrics() const { return metrics_; }
  [[nodiscard]] int index(const std::string& name) const;  //!< -1 when absent

 private:
  std::vector<MetricInfo> metrics_;
};

//! Names, units and descriptions of the totals, in Total order.
const std::vector<MetricInfo>& total_infos();

//! Whether a total needs the customer-value chain (Valuation::WithCustomerValue): LTV, LTV/CAC,
//! payback and customer equity; without it they are NaN.
[[nodiscard]] bool needs_customer_value(Total t);

struct DrawRecord;

//! The counts of one replication in progress (per-thread state). One per thread, reused from one
//! replication to the next, so that the replication loop does not allocate once the buffers have
//! grown to the model's size.
template <class C>
struct alignas(64) ReplicationBuffers {  // own cache lines: no false sharing between threads
  std::vector<C> active, next;               //!< [K * tenures]
  std::vector<C> lapsed, lapsed_next;        //!< [K * W]
  std::vector<C> prospects, prospects_next;  //!< [sources * S * 2]
  std::vector<C> converted;                  //!< [sources]
  std::vector<C> split, churned_by;          //!< [K]
  std::vector<double> new_by_segment;        //!< [T * K]
  std::vector<double> active_k, mix;         //!< [K]
  std::vector<double> referral_contacts;     //!< [K] expected referrals of the period
  std::vector<double> entry_spend, nurture_by_stage;  //!< [S]
};
using ReplicationState = ReplicationBuffers<std::int64_t>;  //!< counts as in samplers.hpp

//! One Monte Carlo replication. `metrics` is [layout.size() * horizon], metric-major;
//! `totals` is [Total::Count_]. `state` is scratch (its contents on entry do not matter).
void simulate_replication(const ModelParams& m, std::uint64_t seed, std::uint64_t replication,
                          std::span<double> metrics, std::span<double> totals, ReplicationState& state);

//! The same, with scratch of its own.
void simulate_replication(const ModelParams& m, std::uint64_t seed, std::uint64_t replication,
                          std::span<double> metrics, std::span<double> totals);

//! The same replication (same results), appending every sampler call to `log` (DrawRecord),
//! for benchmarks that count and replay the sampler calls.
void trace_replication(const ModelParams& m, std::uint64_t seed, std::uint64_t replication,
                       std::span<double> metrics, std::span<double> totals, ReplicationState& state,
                       std::vector<DrawRecord>& log);

//! The exact expectation of the same model (mean-field recurrences), same layout.
void expected_trajectory(const ModelParams& m, std::span<double> metrics, std::span<double> totals);

//! Periods until the cumulative contribution of a new customer (mix `new_by_segment`) covers
//! `cac`, interpolated linearly within a period; +inf if never within the curve, NaN if there
//! are no new customers.
double payback_periods(const ModelParams& m, std::span<const double> new_by_segment, double cac);

}  // namespace clvsim

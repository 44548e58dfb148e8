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
  PaybackNever,   //!< 1 if the horizon's payback never happens within the curve, 0 if it does
  AttributedCac,  //!< horizon channel cost / expected customers from the horizon's leads
  Arr,            //!< annual recurring revenue run-rate at the end of the horizon
  Count_
};

//! Finance and growth metrics per period, stored after the scenario-dependent blocks
//! (MetricIndex::finance), in this order.
enum class FinanceMetric : int {
  Mrr,            //!< monthly recurring revenue run-rate of the active base
  Arr,            //!< 12 x MRR
  LeadVelocity,   //!< (qualified leads - last period's) / last period's
  AttributedCac,  //!< channel cost of the period's leads / customers they are expected to become
  Nrr,            //!< net revenue retention of the year ending in the period
  Grr,            //!< gross revenue retention of the year ending in the period
  PaybackNever,   //!< 1 if the period's payback never happens within the curve, else 0
  Count_
};

//! Metrics of one acquisition cohort (the new customers of one year), per period, in this order.
enum class CohortMetric : int {
  Customers,  //!< cohort members active at the end of the period
  Revenue,    //!< the cohort's revenue in the period
  Cash,       //!< cumulative contribution of the cohort - its acquisition cost so far
  LtvCac,     //!< value at acquisition of the cohort so far / its acquisition cost so far
  Payback,    //!< periods from the year's start until the cohort's cash first reaches 0
  Count_
};

//! Acquisition cohorts are kept for the first this many years of a horizon (each adds five
//! metrics over the whole horizon).
inline constexpr int MAX_COHORT_YEARS = 10;

//! Number of acquisition cohorts (years of P periods, the last possibly partial) of a horizon,
//! at most MAX_COHORT_YEARS.
[[nodiscard]] int cohort_years(int horizon, double periods_per_year);

enum class MetricKind { Flow, Stock, Ratio };

struct MetricInfo {
  std::string name;
  std::string unit;  //!< "money", "customers", "prospects", "orders", "ratio", "periods", "money/customer"
  MetricKind kind = MetricKind::Flow;
  std::string description;
};

//! Where each metric of a model with C channels, K segments and S stages is stored: the fixed
//! metrics, then new_customers_<channel> (C), active_<segment> (K), entered_<stage> (S),
//! cost_per_entered_<stage> (S), customer_equity, the finance metrics (FinanceMetric), then per
//! channel cac_<channel>, attributed_cac_<channel>, marginal_cac_<channel>, ltv_cac_<channel>
//! (C each) and per segment ltv_<segment>, churn_rate_<segment> (K each), then per acquisition
//! year y (Y of them) the cohort metrics cohort_<y>_<CohortMetric>, then market_unreached (1,
//! only with a finite market) and market_unreached_<segment> (K, only with a market per
//! segment).
struct MetricIndex {
  int channels = 0;
  int segments = 0;
  int stages = 0;
  int market = 0;  //!< market metrics: 1 with a finite market, 1 + K with one per segment, else 0
  int years = 0;   //!< acquisition cohorts: the horizon's (possibly partial) years

  //! The index of a model's metrics (its dimensions, market and cohort years).
  [[nodiscard]] static MetricIndex of(const ModelParams& m);
  //! The same from a scenario.
  [[nodiscard]] static MetricIndex of(const Scenario& s);

  [[nodiscard]] static int fixed(Metric m) { return static_cast<int>(m); }
  [[nodiscard]] int new_by_channel(int c) const { return static_cast<int>(Metric::Count_) + c; }
  [[nodiscard]] int active_by_segment(int k) const { return new_by_channel(channels) + k; }
  [[nodiscard]] int entered_stage(int s) const { return active_by_segment(segments) + s; }
  [[nodiscard]] int cost_per_entered(int s) const { return entered_stage(stages) + s; }
  [[nodiscard]] int customer_equity() const { return cost_per_entered(stages); }
  [[nodiscard]] int finance(FinanceMetric m) const {
    return customer_equity() + 1 + static_cast<int>(m);
  }
  [[nodiscard]] int channel_cac(int c) const { return finance(FinanceMetric::Count_) + c; }
  [[nodiscard]] int channel_attributed_cac(int c) const { return channel_cac(channels) + c; }
  [[nodiscard]] int channel_marginal_cac(int c) const {
    return channel_attributed_cac(channels) + c;
  }
  [[nodiscard]] int channel_ltv_cac(int c) const { return channel_marginal_cac(channels) + c; }
  [[nodiscard]] int segment_ltv(int k) const { return channel_ltv_cac(channels) + k; }
  [[nodiscard]] int segment_churn(int k) const { return segment_ltv(segments) + k; }
  [[nodiscard]] int cohort(int y, CohortMetric x) const {
    return segment_churn(segments) + y * static_cast<int>(CohortMetric::Count_) +
           static_cast<int>(x);
  }
  [[nodiscard]] int market_unreached() const { return cohort(years, CohortMetric::Customers); }
  //! Segment k's people not reached (a market per segment only).
  [[nodiscard]] int market_unreached_by_segment(int k) const { return market_unreached() + 1 + k; }
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

//! Groups of customers followed through a replication (docs/model.md §5, "Revenue retention"):
//! the customers active at a year's start by segment (NRR, GRR) and the acquisition cohorts.
//! Groups are innermost: group g's members in active cell (k, tau) are active[(k * tenures +
//! tau) * groups + g], in lapsed cell (k, d) lapsed[(k * W + d) * groups + g], so that the
//! engine moves every group of a cell at once, in the fractions of the cell's counts.
struct FollowedGroups {
  int groups = 0;
  //! Groups 0..live-1 may hold members; the later ones are empty (acquisition cohorts of years
  //! not reached yet), and the period's moves skip them.
  int live = 0;
  std::vector<double> active, next, lapsed, lapsed_next;
  std::vector<double> at_risk, attempts;  //!< [g] members at risk of churn, win-back attempts
  //! [K * groups] members active in each segment after the period's moves (then with the
  //! period's new customers)
  std::vector<double> by_segment;
  std::vector<char> any;  //!< [g] whether the group has ever had members
};

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
  std::vector<C> unreached;                  //!< [market pools] people not reached yet
  std::vector<C> won_back_by;                //!< [K] won back who skip the period's churn test
  std::vector<double> new_by_segment;        //!< [T * K]
  std::vector<double> active_k, mix;         //!< [K]
  std::vector<double> referral_contacts;     //!< [K] expected referrals of the period
  std::vector<double> entry_spend, nurture_by_stage;  //!< [S]
  std::vector<double> nurture_by_source;              //!< [sources]
  std::vector<double> at_risk_k;                      //!< [K]
  std::vector<double> move_frac;  //!< [K] a cell's survivors moved to each segment, as fractions
  //! Groups 0..K-1: the customers active at the year's start by segment (NRR; none when the
  //! horizon is shorter than a year); then one per acquisition year (cohort triangle).
  FollowedGroups followed;
  std::vector<double> year_start;      //!< [K] customers active at the year's start by segment
  std::vector<double> revenue_k, margin_k;  //!< [K] the period's revenue and gross margin
  std::vector<double> cohort_cost, cohort_value,
      cohort_cash;                     //!< [years] acquisition cost, value, cash
  std::vector<double> cohort_payback;  //!< [years]
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

//! What one prospect entering the funnel fresh at a stage is expected to yield over its whole
//! time in the funnel (docs/model.md §5, "Attributed and marginal CAC").
struct FunnelYield {
  double conversion = 0.0;    //!< probability of becoming a customer
  double nurture_cost = 0.0;  //!< expected nurturing cost paid for it (+inf if it can stay forever)
};

//! The funnel's yield of a fresh prospect at `entry_stage`, in closed form from the stage rates.
FunnelYield funnel_yield(const ModelParams& m, int entry_stage);

//! Periods until the cumulative contribution of a new customer (mix `new_by_segment`) covers
//! `cac`, interpolated linearly within a period; +inf if never within the curve, NaN if there
//! are no new customers.
double payback_periods(const ModelParams& m, std::span<const double> new_by_segment, double cac);

}  // namespace clvsim

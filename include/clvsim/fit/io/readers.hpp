#pragma once

// Streaming readers of a company's records into the summaries the estimators take. Each reads
// its file once, line by line, keeping per-customer (or per-lead) state only: memory grows with
// customers, not rows. Bad input throws InputError naming file:line:column, the column, the
// value and what is accepted.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "clvsim/fit/bgbb.hpp"
#include "clvsim/fit/funnel.hpp"
#include "clvsim/fit/gamma_gamma.hpp"
#include "clvsim/fit/io/csv.hpp"
#include "clvsim/fit/sbg.hpp"

namespace clvsim::fit {

// ---------------------------------------------------------------- transactions

enum class TransactionLayout {
  Csv,    //!< a header row; columns named by TransactionColumns
  Cdnow,  //!< whitespace-separated, no header: customer id, second id, YYYYMMDD, units, amount
};

struct TransactionColumns {
  std::string id = "customer_id";
  std::string date = "date";
  std::string amount = "amount";  //!< empty: no spend model
  std::string segment;            //!< optional: a customer's segment is that of their first row
};

struct TransactionOptions {
  TransactionLayout layout = TransactionLayout::Csv;
  TransactionColumns columns;
  std::string period = "week";
  //! First day of the holdout (days since 1970-01-01); none: all data is calibration.
  std::optional<int> calibration_end;
};

//! A transaction log discretised for BG/BB and summarised for gamma-gamma.
//!
//! A customer's periods are counted from the first transaction: period 0 contains it, period t
//! runs from t to t + 1 whole periods after it. Period t (t >= 1) is a transaction opportunity;
//! it has a repeat transaction if any transaction falls in it. Calibration opportunities are the
//! periods that end by the calibration end. Spend: transactions on the same day are one
//! transaction (amounts summed); repeat transactions are those after the first day and before
//! the calibration end.
struct TransactionSummary {
  std::string segment;          //!< "all" without a segment column
  RfSummary rf;                 //!< calibration (x, t_x, n), customers with n >= 1
  std::vector<SpendRow> spend;  //!< customers with at least one repeat transaction in calibration
  double customers = 0;         //!< distinct customers
  long rows = 0;                //!< data lines read
  int first_day = 0, last_day = 0;
  int calibration_end = 0;  //!< exclusive
  bool has_holdout = false;
  //! Customers by first-transaction day, and repeat-period events by (first day, period t).
  std::map<int, double> births;
  std::map<std::pair<int, int>, double> events;
};

//! One summary per segment, in the order segments first appear (one, "all", without a segment
//! column). Dates (first, last, calibration end) are the whole file's.
std::vector<TransactionSummary> read_transactions_by_segment(const std::string& path,
                                                             const TransactionOptions& options);
//! The whole log as one summary (segments, if any, ignored).
TransactionSummary read_transactions(const std::string& path, const TransactionOptions& options);

//! The tracking table: per calendar period (whole periods since the earliest first transaction),
//! the repeat transactions observed and the BG/BB forecast, each customer's periods placed at
//! their first transaction's calendar period. Periods beyond the data's last day are left out.
struct TrackingRow {
  int period = 0;
  int start_day = 0;
  double actual = 0;
  double expected = 0;
  bool holdout = false;  //!< the period starts on or after the calibration end
};
std::vector<TrackingRow> bgbb_tracking(const TransactionSummary& s, const BgbbParams& p,
                                       const std::string& period);

// ---------------------------------------------------------------- subscriptions

struct SubscriptionColumns {
  std::string id = "customer_id";
  std::string start = "start";
  std::string end = "end";  //!< empty cell: still active
  std::string segment;      //!< e.g. "plan"; empty: one segment
};

struct SubscriptionOptions {
  SubscriptionColumns columns;
  std::string period = "month";
  std::optional<int> as_of;  //!< observation date; default: the latest date in the file
};

//! Per segment: the lifetimes (an ended subscription of length L lasted ceil(L) periods, at least
//! one; an active one is censored after its whole periods to the as-of date), and the active
//! customers by tenure at the as-of date.
struct SubscriptionData {
  std::vector<std::string> segments;
  std::vector<SurvivalData> survival;
  std::vector<std::vector<double>> active_by_tenure;
  int as_of = 0;
  long rows = 0;
};

SubscriptionData read_subscriptions(const std::string& path, const SubscriptionOptions& options);

//! The holdout of a subscription fit censored at `options.as_of`: the subscribers active then
//! (tenure tau_i, i.e. known to have survived tau_i renewals), followed for k = 1, 2, ... more
//! periods until the file's latest date. For each segment and k, over the subscribers observed
//! long enough to know (ended, or started at least tau_i + k periods before the latest date):
//! how many survived k more renewals, and the number by tenure, from which a forecast
//! sum_i S(tau_i + k) / S(tau_i) follows.
struct SubscriptionHoldout {
  std::vector<std::string> segments;
  std::vector<std::vector<double>> survived;                 //!< [segment][k - 1]
  std::vector<std::vector<std::map<int, double>>> observed;  //!< [segment][k - 1]: tenure -> count
};
SubscriptionHoldout read_subscription_holdout(const std::string& path,
                                              const SubscriptionOptions& options);

// ---------------------------------------------------------------- cohort tables and RF summaries

//! Cohort survival table: a first column of periods 0, 1, 2, ... and one column per cohort of
//! customers still active. With `cohort_size`, the values are percentages of it.
struct CohortTable {
  std::vector<std::string> cohorts;
  std::vector<std::vector<double>> alive;  //!< [cohort][period]
};
CohortTable read_cohorts(const std::string& path, std::optional<double> cohort_size);

struct RfColumns {
  std::string frequency = "frequency";
  std::string recency = "recency";
  std::string periods = "periods";
  std::string count = "weights";
};
RfSummary read_rf_summary(const std::string& path, const RfColumns& columns);

// ---------------------------------------------------------------- funnel and channels

struct FunnelColumns {
  std::string lead = "lead_id";
  std::string stage = "stage";
  std::string date = "date";
};

struct FunnelOptions {
  FunnelColumns columns;
  std::vector<std::string> stages = {"lead", "mql", "sql", "opportunity"};
  std::string period = "month";
  std::optional<int> as_of;
};

//! Funnel events: one row per lead entering a stage (in date order per lead). Besides the stages,
//! "customer" (won: advanced from the last stage) and "lost" (left the funnel) end a lead's path.
//! A lead may only move to the next stage, to customer from the last stage, or to lost.
std::vector<StageCounts> read_funnel(const std::string& path, const FunnelOptions& options);

struct ChannelColumns {
  std::string channel = "channel";
  std::string spend = "spend";
  std::string leads = "leads";
};
//! Channel history: one row per channel and period; returns the periods of each channel, in the
//! order channels first appear.
std::vector<std::pair<std::string, std::vector<ChannelPeriod>>> read_channels(
    const std::string& path, const ChannelColumns& columns);

}  // namespace clvsim::fit

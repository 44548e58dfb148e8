#include "clvsim/model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <span>
#include <string>

#include "clvsim/distribution.hpp"
#include "clvsim/markov.hpp"
#include "clvsim/parameter_draws.hpp"
#include "clvsim/random.hpp"

namespace clvsim {
namespace {

// Reads parameter values: drawn for a replication, or the point values.
class ParamReader {
 public:
  //! `draws_row`: the replication's row of the joint parameter draws (nullptr: none).
  //! `periods_per_year`: the scenario's, to convert values written per year.
  ParamReader(bool sample, std::uint64_t seed, std::uint64_t replication, double periods_per_year,
              const double* draws_row = nullptr)
      : sample_(sample),
        seed_(seed),
        replication_(replication),
        periods_(periods_per_year),
        draws_row_(draws_row) {}

  //! The calendar that schedules and seasonal forms follow.
  void set_calendar(int horizon, int start_season) {
    horizon_ = horizon;
    start_season_ = start_season;
  }

  //! The level of a parameter that may change in time: its value (or draw) for a seasonal form
  //! or a constant, the mean of its values for a schedule. The stationary uses of the parameter
  //! (the customer-value chain) take it.
  double level(const Param& p) const {
    if (p.schedule.empty()) return (*this)(p);
    double sum = 0.0;
    for (const Param& e : p.schedule) sum += (*this)(e);
    return sum / static_cast<double>(p.schedule.size());
  }

  //! The values of `p` in periods 0..T-1 (docs/model.md §3, "Parameters over time"), written to
  //! `v` (T values): the schedule's elements, or the level times the seasonal factor. False, and
  //! `v` untouched, when `p` does not vary. A probability that leaves [0, 1] in some period is an
  //! error (validate() rules it out for the point values and for bounded distributions; a draw
  //! in a tail can still reach it).
  bool in_time(const Param& p, std::span<double> v) const {
    if (!p.varies()) return false;
    CLVSIM_EXPECT(v.size() == static_cast<std::size_t>(horizon_));
    if (!p.schedule.empty() && p.schedule.size() != static_cast<std::size_t>(horizon_))
      throw InputError(p.where.prefix() + p.path + " has " + std::to_string(p.schedule.size()) +
                       " values (a schedule needs one per period: simulation.horizon = " +
                       std::to_string(horizon_) + ")");
    if (!p.schedule.empty()) {
      for (int t = 0; t < horizon_; ++t) v[t] = (*this)(p.schedule[t]);
    } else {
      const double x = (*this)(p);
      for (int t = 0; t < horizon_; ++t)
        v[t] = x * seasonal_factor(p.seasonal, t, start_season_, periods_);
    }
    if (p.domain == Domain::Probability)
      for (int t = 0; t < horizon_; ++t)
        if (!(v[t] <= 1.0)) {
          char buf[48];
          std::snprintf(buf, sizeof buf, "%.6g", v[t]);
          throw InputError(p.where.prefix() + p.path + " = " + buf + " in period " +
                           std::to_string(t + 1) + " of replication " +
                           std::to_string(replication_) +
                           " is not a probability (the level times the seasonal index and the "
                           "trend must stay in [0, 1] in every period; lower the level's "
                           "distribution, the indices or the trend)");
        }
    return true;
  }
  //! in_time() into `v`, resized to T; `v` is left empty when `p` does not vary.
  void in_time(const Param& p, std::vector<double>& v) const {
    v.resize(p.varies() ? static_cast<std::size_t>(horizon_) : 0);
    in_time(p, std::span<double>(v));
  }

  double operator()(const Param& p) const {
    double x = p.value;
    if (sample_ && p.uncertain()) {
      double drawn = 0.0;
      if (p.draws_column >= 0) {
        CLVSIM_EXPECT(draws_row_ != nullptr);
        drawn = draws_row_[p.draws_column];
      } else {
        RandomStream rng(seed_, replication_, Purpose::Parameter,
                         hash_name(p.draw_key.empty() ? p.path : p.draw_key));
        drawn = draw(p, rng);
      }
      // A variant's change acts on the draw, so base and variant share it.
      x = drawn * p.scale + p.shift;
      // A variant's scale or shift can carry a draw past a closed end of the domain: it is held
      // there (a probability scaled above 1 is 1). validate() rules out the open end of
      // Positive, so the check below is a guard against a scenario that skipped validation.
      const Interval iv = domain_interval(p.domain);
      if (!iv.lo_open && std::isfinite(x)) x = std::clamp(x, iv.lo, iv.hi);
      if (!in_domain(p.domain, x)) {
        char buf[48];
        std::snprintf(buf, sizeof buf, "%.6g", x);
        throw InputError(p.where.prefix() + p.path + " = " + buf + " in replication " +
                         std::to_string(replication_) + " is out of range after the variant's change (" +
                         domain_description(p.domain) + "; use a change that keeps every draw in range)");
      }
    }
    if (p.domain == Domain::Count) x = std::round(x);
    if (p.per_year) x = per_period(p.per_period, x);
    return x;
  }

  //! A value per year as a value per period: a probability a becomes 1 - (1 - a)^(1/P), the
  //! probability of the event in one of P independent periods with the same probability; a rate
  //! or an amount of money becomes a / P.
  [[nodiscard]] double per_period(PerPeriod kind, double x) const {
    switch (kind) {
      case PerPeriod::Probability:
        return -std::expm1(std::log1p(-x) / periods_);
      case PerPeriod::Amount:
        return x / periods_;
      case PerPeriod::None:
        break;
    }
    return x;
  }

  //! The weights `ps` normalised, into `w`. `what()` names them in the error.
  template <class What>
  void weights(const std::vector<Param>& ps, What what, std::vector<double>& w) const {
    w.clear();
    double total = 0.0;
    for (const auto& p : ps) {
      w.push_back((*this)(p));
      total += w.back();
    }
    if (!(total > 0.0))
      throw InputError(what() + " has weights that sum to 0 (some weight must be > 0)");
    for (auto& x : w) x /= total;
  }

  [[nodiscard]] std::uint64_t replication() const { return replication_; }
  [[nodiscard]] int start_season() const { return start_season_; }
  [[nodiscard]] double periods() const { return periods_; }

 private:
  bool sample_;
  std::uint64_t seed_;
  std::uint64_t replication_;
  double periods_;
  const double* draws_row_;
  int horizon_ = 0;
  int start_season_ = 1;
};

// Per-period values [n * T] of one key over n entities (segments, stages), each entity's
// parameter given by `param(i)`, with `level(i)` its level: empty when no entity's parameter
// changes in time. `factor` (if not null) gets value / level, what multiplies a tenure curve's
// table.
template <class Get, class Level>
void resolve_in_time(int n, int T, const ParamReader& read, Get param, Level level,
                     std::vector<double>& values, std::vector<double>* factor) {
  values.clear();
  if (factor) factor->clear();
  bool any = false;
  for (int i = 0; i < n; ++i) any = any || param(i).varies();
  if (!any) return;
  values.resize(static_cast<std::size_t>(n) * T);
  if (factor) factor->assign(static_cast<std::size_t>(n) * T, 1.0);
  for (int i = 0; i < n; ++i) {
    const Param& p = param(i);
    const std::span<double> v(&values[static_cast<std::size_t>(i) * T],
                              static_cast<std::size_t>(T));
    const double lv = level(i);
    if (!read.in_time(p, v)) {
      std::fill(v.begin(), v.end(), lv);
      continue;
    }
    if (!factor) continue;
    for (int t = 0; t < T; ++t) {
      const std::size_t j = static_cast<std::size_t>(i) * T + t;
      if (p.schedule.empty())
        (*factor)[j] = seasonal_factor(p.seasonal, t, read.start_season(), read.periods());
      else if (lv > 0.0)
        (*factor)[j] = v[t] / lv;
    }
  }
}

// Two exclusive probabilities drawn independently (advance and drop of a funnel stage) can sum
// above 1 when either is uncertain with support reaching 1 (normal, lognormal, beta). Such a
// draw is resolved by dividing both by their sum: the prospect surely leaves the stage, and
// advances with probability x / (x + y). validate() holds the point values and the bounds of
// uniform and triangular distributions to a sum <= 1, so this concerns only tails of draws.
void resolve_pair(double& x, double& y) {
  const double sum = x + y;
  if (sum <= 1.0) return;
  x /= sum;
  y = 1.0 - x;
}

//! The factor of a tenure curve at tenure step n (docs/model.md §2, "Value by tenure"). A table's
//! factors are read into `store` (the front of the row the curve scales, which has room for the
//! factors of every step it reaches; those of steps beyond it are read and dropped), so the row
//! must then be filled from its end: step n <= tenure tau reads store[min(n, size - 1)] <= tau.
class CurveFactor {
 public:
  CurveFactor(const TenureCurve& c, const ParamReader& read, std::span<double> store)
      : kind_(c.kind),
        factors_(store.first(std::min(store.size(), c.factors.size()))),
        size_(c.factors.size()) {
    for (std::size_t i = 0; i < c.factors.size(); ++i) {
      const double f = read(c.factors[i]);
      if (i < factors_.size()) factors_[i] = f;
    }
    if (kind_ == TenureCurve::Kind::Geometric || kind_ == TenureCurve::Kind::Linear)
      rate_ = read(c.rate);
    if (c.has_limit) limit_ = read(c.limit);
    has_limit_ = c.has_limit;
  }
  [[nodiscard]] double operator()(int n) const {
    switch (kind_) {
      case TenureCurve::Kind::None:
        return 1.0;
      case TenureCurve::Kind::Table:
        return factors_[std::min(static_cast<std::size_t>(n), size_ - 1)];
      case TenureCurve::Kind::Geometric:
        return held(std::pow(1.0 + rate_, n));
      case TenureCurve::Kind::Linear:
        return std::max(0.0, held(1.0 + rate_ * n));
    }
    return 1.0;
  }

 private:
  // A growing curve stops at its limit from below, a falling one from above.
  [[nodiscard]] double held(double f) const {
    if (!has_limit_) return f;
    return rate_ >= 0.0 ? std::min(f, limit_) : std::max(f, limit_);
  }
  TenureCurve::Kind kind_;
  std::span<double> factors_;
  std::size_t size_ = 0;
  double rate_ = 0.0, limit_ = 0.0;
  bool has_limit_ = false;
};

double saturating(double x, double max, double half) {
  if (x <= 0.0) return 0.0;
  return max * x / (x + half);
}

// d/dx of saturating(x, max, half) for x >= 0: max half / (x + half)^2 (0 when half = 0 and
// x > 0, where the curve is flat at max).
double saturating_slope(double x, double max, double half) {
  if (half <= 0.0) return x > 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
  const double d = std::max(x, 0.0) + half;
  return max * half / (d * d);
}

// Empties `m` for a new resolution: every member at its default, the vectors kept with their
// capacity (and the sources with their segment mixes), so that resolving a scenario of the same
// shape again allocates nothing. A vector not listed here is reset to empty, which is correct
// but gives up its storage.
void reset_keeping_storage(ModelParams& m) {
  ModelParams fresh;  // default members; empty vectors allocate nothing
  const auto keep = [&](auto member) {
    auto& v = m.*member;
    v.clear();
    (fresh.*member).swap(v);
  };
  keep(&ModelParams::channel_spend);
  keep(&ModelParams::channel_leads);
  keep(&ModelParams::channel_lead_slope);
  keep(&ModelParams::channel_entry);
  keep(&ModelParams::stage_rates);
  keep(&ModelParams::hazard);
  keep(&ModelParams::migration);
  keep(&ModelParams::orders_per_period);
  keep(&ModelParams::order_value);
  keep(&ModelParams::order_value_cv);
  keep(&ModelParams::gross_margin);
  keep(&ModelParams::cost_to_serve);
  keep(&ModelParams::referral_rate);
  keep(&ModelParams::order_model);
  keep(&ModelParams::winback_success);
  keep(&ModelParams::churn_draw);
  keep(&ModelParams::migration_draw);
  keep(&ModelParams::funnel_draw);
  keep(&ModelParams::conversion_draw);
  keep(&ModelParams::order_draw);
  keep(&ModelParams::winback_draw);
  keep(&ModelParams::orders_by_tenure);
  keep(&ModelParams::value_by_tenure);
  keep(&ModelParams::margin_by_tenure);
  keep(&ModelParams::cost_by_tenure);
  keep(&ModelParams::referral_by_tenure);
  keep(&ModelParams::segment_potential);
  keep(&ModelParams::initial_customers);
  keep(&ModelParams::initial_prospects);
  keep(&ModelParams::ltv);
  keep(&ModelParams::payback_curve);
  keep(&ModelParams::state_value);
  keep(&ModelParams::payback_peak);
  keep(&ModelParams::signup_value);
  keep(&ModelParams::sbg);
  keep(&ModelParams::churn_const);
  keep(&ModelParams::sbg_alpha);
  keep(&ModelParams::sbg_beta);
  keep(&ModelParams::churn_scale);
  keep(&ModelParams::churn_t);
  keep(&ModelParams::orders_t);
  keep(&ModelParams::value_t);
  keep(&ModelParams::cost_t);
  keep(&ModelParams::referral_t);
  keep(&ModelParams::orders_f);
  keep(&ModelParams::value_f);
  keep(&ModelParams::cost_f);
  keep(&ModelParams::referral_f);
  keep(&ModelParams::nurture_cost_t);
  keep(&ModelParams::retention_per_customer_t);
  keep(&ModelParams::retention_fixed_t);
  keep(&ModelParams::retention_factor_t);
  fresh.sources.swap(m.sources);  // resized and overwritten by build(), mixes in place
  m = std::move(fresh);
}

// Resolves `s` into `m` (emptied first), reading every parameter through `read`.
void build(ModelParams& m, const Scenario& s, const ParamReader& read, Valuation valuation) {
  reset_keeping_storage(m);
  const int T = s.simulation.horizon;
  const int K = static_cast<int>(s.segments.size());
  const int S = static_cast<int>(s.stages.size());
  const int C = static_cast<int>(s.channels.size());
  m.horizon = T;
  m.segments = K;
  m.stages = S;
  m.channels = C;
  m.periods_per_year = periods_per_year(s.simulation.period);
  m.discount_rate =
      std::pow(1.0 + read(s.simulation.annual_discount_rate), 1.0 / m.periods_per_year) - 1.0;

  // Funnel.
  for (const auto& st : s.stages) {
    StageRates r{read(st.advance), read(st.drop), read(st.nurtured_advance), read(st.nurtured_drop),
                 read.level(st.nurture_cost)};
    resolve_pair(r.advance, r.drop);
    resolve_pair(r.nurtured_advance, r.nurtured_drop);
    m.stage_rates.push_back(r);
  }

  // Channels and sources.
  m.channel_spend.assign(static_cast<std::size_t>(C * T), 0.0);
  m.channel_leads.assign(static_cast<std::size_t>(C * T), 0.0);
  m.channel_lead_slope.assign(static_cast<std::size_t>(C * T), 0.0);
  m.sources.resize(static_cast<std::size_t>(C + K + 1));
  for (int c = 0; c < C; ++c) {
    const Channel& ch = s.channels[c];
    m.channel_entry.push_back(ch.entry_stage);
    // Spend, cost per lead, max leads and the half-saturation spend may change in time (a
    // schedule or a seasonal form). Their values in time are read, in that order, into the
    // channel's rows, which the loop below then overwrites period by period: the spend into
    // its own row; what the response uses (cost per lead, or max leads and half-saturation
    // spend) into the leads and slope rows; what it does not use is read (for its errors) into
    // a row overwritten before the end.
    const bool linear = ch.response == Response::Linear;
    const auto row = [&](std::vector<double>& v) {
      return std::span<double>(&v[static_cast<std::size_t>(c) * T], static_cast<std::size_t>(T));
    };
    const std::span<double> spend_row = row(m.channel_spend), leads_row = row(m.channel_leads),
                            slope_row = row(m.channel_lead_slope);
    const bool cpl_varies = read.in_time(ch.cost_per_lead, leads_row);
    const bool max_varies = read.in_time(ch.max_leads, linear ? slope_row : leads_row);
    const bool half_varies = read.in_time(ch.half_saturation_spend, slope_row);
    const bool spend_varies = ch.spend.size() == 1 && read.in_time(ch.spend[0], spend_row);
    const double cpl_level = cpl_varies ? 0.0 : read(ch.cost_per_lead);
    const double max_level = max_varies ? 0.0 : read(ch.max_leads);
    const double spend_level = ch.spend.size() == 1 && !spend_varies ? read(ch.spend[0]) : 0.0;
    const double half_level = half_varies ? 0.0 : read(ch.half_saturation_spend);
    for (int t = 0; t < T; ++t) {
      const double spend = ch.spend.size() != 1 ? read(ch.spend[t])
                           : spend_varies       ? spend_row[t]
                                                : spend_level;
      spend_row[t] = spend;
      if (linear) {
        const double cpl = cpl_varies ? leads_row[t] : cpl_level;
        leads_row[t] = spend / cpl;
        slope_row[t] = 1.0 / cpl;
      } else {
        const double max_leads = max_varies ? leads_row[t] : max_level;
        const double half = half_varies ? slope_row[t] : half_level;
        leads_row[t] = saturating(spend, max_leads, half);
        slope_row[t] = saturating_slope(spend, max_leads, half);
      }
    }
    Source& src = m.sources[static_cast<std::size_t>(c)];
    src.kind = Source::Kind::Channel;
    src.index = c;
    read.weights(
        ch.segment_mix, [&] { return "channels." + ch.name + ".segment_mix"; }, src.segment_mix);
  }
  // Referral sources: the referral mix, else each referring segment's own customers.
  for (int k = 0; k < K; ++k) {
    Source& src = m.sources[static_cast<std::size_t>(C + k)];
    src.kind = Source::Kind::Referral;
    src.index = k;
    if (s.referral.segment_mix.empty()) {
      src.segment_mix.assign(static_cast<std::size_t>(K), 0.0);
      src.segment_mix[k] = 1.0;
    } else if (k == 0) {
      read.weights(
          s.referral.segment_mix, [] { return std::string("referral.segment_mix"); },
          src.segment_mix);
    } else {
      const std::vector<double>& first = m.sources[static_cast<std::size_t>(C)].segment_mix;
      src.segment_mix.assign(first.begin(), first.end());
    }
  }
  {
    Source& src = m.sources[static_cast<std::size_t>(C + K)];
    src.kind = Source::Kind::Pipeline;
    src.index = 0;
    bool any_prospects = false;
    for (const auto& p : s.pipeline.prospects) any_prospects = any_prospects || read(p) > 0.0;
    if (any_prospects && !s.pipeline.segment_mix.empty()) {
      read.weights(
          s.pipeline.segment_mix, [] { return std::string("pipeline.segment_mix"); },
          src.segment_mix);
    } else {
      src.segment_mix.assign(static_cast<std::size_t>(K), 0.0);
      src.segment_mix[0] = 1.0;
    }
  }
  m.referral_entry = s.referral.entry_stage;
  m.referral_reward = read(s.referral.reward);

  // Retention program.
  const auto& rp = s.retention;
  double reduction = 0.0;
  if (rp.mode != RetentionSpend::None) {
    const double x = read.level(rp.spend);
    const double top = read(rp.max_churn_reduction), half = read.level(rp.half_saturation);
    reduction = saturating(x, top, half);
    if (rp.mode == RetentionSpend::PerCustomer) m.retention_per_customer = x;
    else m.retention_fixed = x;
    // A retention spend (or half-saturation spend) that changes in time changes the churn
    // reduction of each period.
    // The spend in time goes to its table; the half-saturation spend in time is read into the
    // factor's table, which the factor then replaces period by period.
    std::vector<double>& x_t =
        rp.mode == RetentionSpend::PerCustomer ? m.retention_per_customer_t : m.retention_fixed_t;
    read.in_time(rp.spend, x_t);
    std::vector<double>& factor_t = m.retention_factor_t;
    read.in_time(rp.half_saturation, factor_t);
    const bool half_varies = !factor_t.empty();
    if (!x_t.empty() || half_varies) {
      factor_t.resize(static_cast<std::size_t>(T));
      for (int t = 0; t < T; ++t)
        factor_t[t] =
            1.0 - saturating(x_t.empty() ? x : x_t[t], top, half_varies ? factor_t[t] : half);
    }
  }
  m.retention_factor = 1.0 - reduction;

  // Segments.
  int max_initial_tenure = 0;
  bool any_sbg = false;
  for (const auto& seg : s.segments) {
    max_initial_tenure = std::max(max_initial_tenure, static_cast<int>(seg.initial_by_tenure.size()) - 1);
    any_sbg = any_sbg || seg.churn_model == ChurnModel::ShiftedBetaGeometric;
  }
  // Tenure is tracked when a rate depends on it: sBG churn, or a value curve by tenure.
  bool any_curve = false;
  for (const auto& seg : s.segments) any_curve = any_curve || seg.by_tenure.any();
  const bool by_tenure = any_sbg || any_curve;
  m.tenures = by_tenure ? max_initial_tenure + T + 1 : 1;
  const int tenure_cap = effective_ltv_tenure_cap(s.simulation);
  m.ltv_tenure_cap = by_tenure ? tenure_cap : 1;
  m.migration.assign(static_cast<std::size_t>(K * K), 0.0);
  m.initial_customers.assign(static_cast<std::size_t>(K * m.tenures), 0.0);
  for (int k = 0; k < K; ++k) {
    const Segment& seg = s.segments[k];
    m.sbg.push_back(seg.churn_model == ChurnModel::ShiftedBetaGeometric);
    m.churn_const.push_back(read.level(seg.churn));
    m.churn_scale.push_back(read(seg.churn_multiplier));
    m.sbg_alpha.push_back(read(seg.sbg_alpha));
    m.sbg_beta.push_back(read(seg.sbg_beta));
    m.orders_per_period.push_back(read.level(seg.orders_per_period));
    m.order_model.push_back(seg.order_model);
    // The reader gives a Bernoulli rate the probability domain; a scenario built in code may not.
    if (seg.order_model == OrderModel::Bernoulli && !(m.orders_per_period.back() <= 1.0)) {
      char buf[48];
      std::snprintf(buf, sizeof buf, "%.6g", m.orders_per_period.back());
      throw InputError(seg.orders_per_period.where.prefix() + seg.orders_per_period.path + " = " +
                       buf + " in replication " + std::to_string(read.replication()) +
                       " is not a probability (order_model = \"bernoulli\" needs a purchase "
                       "probability per period in [0, 1])");
    }
    m.order_value.push_back(read.level(seg.order_value));
    m.order_value_cv.push_back(read(seg.order_value_cv));
    m.gross_margin.push_back(read(seg.gross_margin));
    m.cost_to_serve.push_back(read.level(seg.cost_to_serve));
    m.referral_rate.push_back(read.level(seg.referrals_per_customer));
    double leave = 0.0;
    for (int j = 0; j < K; ++j) {
      if (j == k || seg.migration.empty()) continue;
      const double x = read(seg.migration[j]);
      m.migration[k * K + j] = x;
      leave += x;
      m.any_migration = m.any_migration || x > 0.0;
    }
    // Draws of uncertain migration rates that sum above 1 are divided by their sum, as the
    // funnel's advance and drop are (resolve_pair): every survivor moves, none stays.
    if (leave > 1.0) {
      for (int j = 0; j < K; ++j)
        if (j != k) m.migration[k * K + j] /= leave;
      leave = 1.0;
    }
    m.migration[k * K + k] = std::max(0.0, 1.0 - leave);
    for (std::size_t tau = 0; tau < seg.initial_by_tenure.size(); ++tau) {
      const int slot = std::min(static_cast<int>(tau), m.tenures - 1);
      m.initial_customers[k * m.tenures + slot] += read(seg.initial_by_tenure[tau]);
    }
  }
  // Value by tenure: the tables cover the simulated tenures and the customer-value chain's.
  if (any_curve) {
    const int n = m.value_tenures = std::max(m.tenures, m.ltv_tenure_cap);
    for (auto* v : {&m.orders_by_tenure, &m.value_by_tenure, &m.margin_by_tenure, &m.cost_by_tenure,
                    &m.referral_by_tenure})
      v->assign(static_cast<std::size_t>(K) * n, 0.0);
    for (int k = 0; k < K; ++k) {
      const TenureCurves& c = s.segments[k].by_tenure;
      const auto row = [&](std::vector<double>& v) {
        return std::span<double>(&v[static_cast<std::size_t>(k) * n], static_cast<std::size_t>(n));
      };
      const CurveFactor orders(c.orders_per_period, read, row(m.orders_by_tenure)),
          value(c.order_value, read, row(m.value_by_tenure)),
          margin(c.gross_margin, read, row(m.margin_by_tenure)),
          cost(c.cost_to_serve, read, row(m.cost_by_tenure)),
          referrals(c.referrals_per_customer, read, row(m.referral_by_tenure));
      // From the last tenure down: a table's factors sit at the front of the rows (CurveFactor).
      for (int tau = n - 1; tau >= 0; --tau) {
        const int step = tau / c.unit_periods;
        const std::size_t i = static_cast<std::size_t>(k) * n + tau;
        // Products beyond a probability's range are held at 1, as draws beyond a closed end are.
        m.orders_by_tenure[i] = m.orders_per_period[k] * orders(step);
        if (m.order_model[k] == OrderModel::Bernoulli)
          m.orders_by_tenure[i] = std::min(1.0, m.orders_by_tenure[i]);
        m.value_by_tenure[i] = m.order_value[k] * value(step);
        m.margin_by_tenure[i] = std::min(1.0, m.gross_margin[k] * margin(step));
        m.cost_by_tenure[i] = m.cost_to_serve[k] * cost(step);
        m.referral_by_tenure[i] = m.referral_rate[k] * referrals(step);
      }
    }
  }
  // Parameters over time: per-period values of the keys that follow a schedule or a season.
  {
    const auto seg = [&](Param Segment::*key) {
      return [&s, key](int k) -> const Param& { return s.segments[k].*key; };
    };
    const auto of = [](const std::vector<double>& level) {
      return [&level](int i) { return level[i]; };
    };
    resolve_in_time(K, T, read, seg(&Segment::churn), of(m.churn_const), m.churn_t, nullptr);
    resolve_in_time(K, T, read, seg(&Segment::orders_per_period), of(m.orders_per_period),
                    m.orders_t, &m.orders_f);
    resolve_in_time(K, T, read, seg(&Segment::order_value), of(m.order_value), m.value_t,
                    &m.value_f);
    resolve_in_time(K, T, read, seg(&Segment::cost_to_serve), of(m.cost_to_serve), m.cost_t,
                    &m.cost_f);
    resolve_in_time(K, T, read, seg(&Segment::referrals_per_customer), of(m.referral_rate),
                    m.referral_t, &m.referral_f);
    // The churn of a segment with sBG churn is unused: its values in time too.
    for (int k = 0; k < K && !m.churn_t.empty(); ++k)
      if (m.sbg[k]) std::fill_n(m.churn_t.begin() + static_cast<std::ptrdiff_t>(k) * T, T, 0.0);
    for (int k = 0; k < K && !m.orders_t.empty(); ++k)
      if (m.order_model[k] == OrderModel::Bernoulli)
        for (int t = 0; t < T; ++t)
          if (!(m.orders_t[static_cast<std::size_t>(k) * T + t] <= 1.0))
            throw InputError(s.segments[k].orders_per_period.where.prefix() +
                             s.segments[k].orders_per_period.path + " in period " +
                             std::to_string(t + 1) + " of replication " +
                             std::to_string(read.replication()) +
                             " is not a probability (order_model = \"bernoulli\" needs a "
                             "purchase probability per period in [0, 1])");
    resolve_in_time(
        S, T, read, [&s](int i) -> const Param& { return s.stages[i].nurture_cost; },
        [&m](int i) { return m.stage_rates[i].nurture_cost; }, m.nurture_cost_t, nullptr);
  }
  m.hazard.resize(static_cast<std::size_t>(K * m.tenures));
  for (int k = 0; k < K; ++k)
    for (int tau = 0; tau < m.tenures; ++tau) m.hazard[k * m.tenures + tau] = m.hazard_at(k, tau);

  // Win-back.
  if (s.winback.enabled) {
    m.winback = true;
    m.winback_window = s.winback.window;
    m.winback_cost = read(s.winback.attempt_cost);
    m.returning_churn = s.winback.returning_churn;
    // A single parameter for every recency gives the same draw at each (streams are keyed by
    // the parameter's path).
    for (int d = 1; d <= m.winback_window; ++d)
      m.winback_success.push_back(read(s.winback.success_at(d)));
  }

  // Sampler constants of the cells (used by the Monte Carlo engine).
  m.churn_draw.clear();
  for (const double h : m.hazard) m.churn_draw.emplace_back(h);
  m.migration_draw.resize(static_cast<std::size_t>(K * std::max(K - 1, 0)));
  for (int k = 0; k < K && K > 1; ++k)
    conditional_probs(std::span<const double>(&m.migration[static_cast<std::size_t>(k) * K], K),
                      std::span<BinomialProb>(&m.migration_draw[static_cast<std::size_t>(k) * (K - 1)], K - 1));
  m.funnel_draw.resize(static_cast<std::size_t>(S) * 4);
  for (int st = 0; st < S; ++st)
    for (int nurtured = 0; nurtured < 2; ++nurtured)
      conditional_probs(m.funnel_probs(st, nurtured),
                        std::span<BinomialProb>(&m.funnel_draw[static_cast<std::size_t>(st * 2 + nurtured) * 2], 2));
  m.conversion_draw.resize(m.sources.size() * static_cast<std::size_t>(std::max(K - 1, 0)));
  for (std::size_t src = 0; src < m.sources.size() && K > 1; ++src)
    conditional_probs(m.sources[src].segment_mix,
                      std::span<BinomialProb>(&m.conversion_draw[src * (K - 1)], K - 1));
  m.order_draw.clear();
  for (const double rate : m.orders_per_period) m.order_draw.emplace_back(std::min(rate, 1.0));
  m.winback_draw.clear();
  for (const double q : m.winback_success) m.winback_draw.emplace_back(q);

  // Initial pipeline.
  m.initial_prospects.assign(static_cast<std::size_t>(S), 0.0);
  for (int st = 0; st < S && st < static_cast<int>(s.pipeline.prospects.size()); ++st)
    m.initial_prospects[st] = read(s.pipeline.prospects[st]);

  // Finite market.
  if (s.market.enabled) {
    m.market = true;
    m.segment_potential.clear();
    if (s.market.segment_potential.empty()) {
      m.market_potential = read(s.market.potential);
    } else {
      m.market_potential = 0.0;
      for (const Param& p : s.market.segment_potential) {
        m.segment_potential.push_back(read(p));
        m.market_potential += m.segment_potential.back();
      }
    }
  }
  m.book_at_start = s.simulation.booking == Booking::StartOfPeriod;
  m.signup_value.assign(static_cast<std::size_t>(K), 0.0);
  if (m.book_at_start)
    for (int k = 0; k < K; ++k)
      m.signup_value[k] =
          m.orders_per_period[k] * m.order_value[k] * m.gross_margin[k] - m.cost_to_serve[k];

  // Customer value per segment, from the Markov chain of one customer.
  if (valuation == Valuation::WithoutCustomerValue) {
    m.ltv.assign(static_cast<std::size_t>(K), std::numeric_limits<double>::quiet_NaN());
    return;
  }
  // By default the payback curve spans the tenure cap, but never more than the default cap's
  // years: a longer explicit cap refines the value (O(states)) without making the payback curve,
  // whose cost grows faster with win-back, as long.
  const int default_cap =
      LTV_TENURE_CAP_YEARS * static_cast<int>(periods_per_year(s.simulation.period));
  const int N = s.simulation.ltv_horizon > 0 ? s.simulation.ltv_horizon
                                             : std::max(std::min(tenure_cap, default_cap), T);
  // The value is computed into m's own vectors and a per-thread scratch, so that a ModelParams
  // resolved again (resolve_into, in a replication loop) allocates nothing here either.
  thread_local CustomerValueScratch scratch;
  CustomerValue cv;
  cv.ltv = std::move(m.ltv);
  cv.cumulative_contribution = std::move(m.payback_curve);
  cv.state_value = std::move(m.state_value);
  customer_value(m, N, cv, scratch);
  m.ltv = std::move(cv.ltv);
  m.payback_periods = N;
  m.payback_curve = std::move(cv.cumulative_contribution);
  m.state_value = std::move(cv.state_value);
  // Start booking: the sign-up payment comes first, at the start of the acquisition period, and
  // the chain's first period (the first renewal) one period later, so V = e + gamma u(k, 0).
  m.payback_peak.assign(static_cast<std::size_t>(K), -std::numeric_limits<double>::infinity());
  for (int k = 0; k < K; ++k) {
    m.ltv[k] += m.signup_value[k];
    for (int n = 0; n < N; ++n) {
      const double c = m.payback_curve[static_cast<std::size_t>(k) * N + n] += m.signup_value[k];
      if (std::isnan(c) || c > m.payback_peak[k]) m.payback_peak[k] = c;
    }
  }
}

}  // namespace

double ModelParams::hazard_in_period(int k, int tau, int t) const {
  double h = churn_t.empty() ? churn_const[k] : churn_t[static_cast<std::size_t>(k) * horizon + t];
  if (sbg[k]) h = sbg_hazard(sbg_alpha[k], sbg_beta[k], tau);
  const double rf = retention_factor_t.empty() ? retention_factor : retention_factor_t[t];
  return std::min(1.0, h * churn_scale[k] * rf);
}

std::array<double, 3> ModelParams::funnel_probs(int s, int nurtured) const {
  const StageRates& r = stage_rates[s];
  const double adv = nurtured ? r.nurtured_advance : r.advance;
  const double drop = nurtured ? r.nurtured_drop : r.drop;
  return {adv, drop, std::max(0.0, 1.0 - adv - drop)};
}

void resolve_into(ModelParams& m, const Scenario& s, std::uint64_t seed, std::uint64_t replication,
                  Valuation valuation) {
  const double* row = nullptr;
  if (const auto& d = s.parameter_draws; d && d->rows() > 0)
    row = &d->values[parameter_draws_row(d->rows(), seed, replication) * d->columns.size()];
  ParamReader read(true, seed, replication, periods_per_year(s.simulation.period), row);
  read.set_calendar(s.simulation.horizon, s.simulation.start_season);
  build(m, s, read, valuation);
}

ModelParams resolve(const Scenario& s, std::uint64_t seed, std::uint64_t replication,
                    Valuation valuation) {
  ModelParams m;
  resolve_into(m, s, seed, replication, valuation);
  return m;
}

ModelParams resolve_nominal(const Scenario& s, Valuation valuation) {
  ParamReader read(false, 0, 0, periods_per_year(s.simulation.period));
  read.set_calendar(s.simulation.horizon, s.simulation.start_season);
  ModelParams m;
  build(m, s, read, valuation);
  return m;
}

bool has_uncertainty(const Scenario& s) {
  bool any = false;
  for_each_param(s, [&](const Param& p) { any = any || p.uncertain(); });
  return any;
}

}  // namespace clvsim

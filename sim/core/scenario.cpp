#include "clvsim/scenario.hpp"

#include <cmath>
#include <limits>

namespace clvsim {

Interval domain_interval(Domain d) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  switch (d) {
    case Domain::Real: return {-inf, inf};
    case Domain::NonNegative: return {0.0, inf};
    case Domain::Positive: return {0.0, inf, true};
    case Domain::Probability: return {0.0, 1.0};
    case Domain::Count: return {0.0, MAX_COUNT};
  }
  return {-inf, inf};
}

const char* domain_description(Domain d) {
  switch (d) {
    case Domain::Real: return "must be a finite number";
    case Domain::NonNegative: return "must be >= 0";
    case Domain::Positive: return "must be > 0";
    case Domain::Probability: return "must be in [0, 1]";
    case Domain::Count: return "must be a count in [0, 2^53 = 9007199254740992]";
  }
  return "";
}

const char* domain_violation(Domain d) {
  switch (d) {
    case Domain::Real:
      return "is not a finite number";
    case Domain::NonNegative:
      return "is negative";
    case Domain::Positive:
      return "is not positive";
    case Domain::Probability:
      return "is not a probability";
    case Domain::Count:
      return "is not a valid count";
  }
  return "is out of range";
}

bool in_domain(Domain d, double x) {
  if (!std::isfinite(x)) return false;
  const Interval iv = domain_interval(d);
  if (iv.lo_open ? x <= iv.lo : x < iv.lo) return false;
  return x <= iv.hi;
}

const char* kind_name(Distribution::Kind k) {
  switch (k) {
    case Distribution::Kind::Normal: return "normal";
    case Distribution::Kind::LogNormal: return "lognormal";
    case Distribution::Kind::Beta: return "beta";
    case Distribution::Kind::Uniform: return "uniform";
    case Distribution::Kind::Triangular: return "triangular";
  }
  return "?";
}

double periods_per_year(PeriodUnit p) {
  switch (p) {
    case PeriodUnit::Day: return 365.0;
    case PeriodUnit::Week: return 52.0;
    case PeriodUnit::Month: return 12.0;
    case PeriodUnit::Quarter: return 4.0;
    case PeriodUnit::Year: return 1.0;
  }
  return 12.0;
}

int effective_ltv_tenure_cap(const SimulationSettings& sim) {
  if (sim.ltv_tenure_cap > 0) return sim.ltv_tenure_cap;
  return LTV_TENURE_CAP_YEARS * static_cast<int>(periods_per_year(sim.period));
}

const char* period_name(PeriodUnit p) {
  switch (p) {
    case PeriodUnit::Day: return "day";
    case PeriodUnit::Week: return "week";
    case PeriodUnit::Month: return "month";
    case PeriodUnit::Quarter: return "quarter";
    case PeriodUnit::Year: return "year";
  }
  return "month";
}

double seasonal_factor(const Seasonality& s, int t, int start_season, double periods_per_year) {
  double f = 1.0;
  if (!s.indices.empty()) {
    const int n = static_cast<int>(s.indices.size());
    f = s.indices[static_cast<std::size_t>(((start_season - 1 + t) % n + n) % n)];
  }
  if (s.trend != 0.0) f *= std::pow(1.0 + s.trend, t / periods_per_year);
  return f;
}

int Scenario::segment_index(const std::string& n) const {
  for (std::size_t i = 0; i < segments.size(); ++i)
    if (segments[i].name == n) return static_cast<int>(i);
  return -1;
}

int Scenario::stage_index(const std::string& n) const {
  for (std::size_t i = 0; i < stages.size(); ++i)
    if (stages[i].name == n) return static_cast<int>(i);
  return -1;
}

namespace {
// One traversal serves both constness overloads.
template <class S, class G>
void visit_params(S& s, G&& g) {
  // A schedule is its elements ("<path>[i]"), each a parameter of its own.
  const auto f = [&](auto& p) {
    if (p.schedule.empty())
      g(p);
    else
      for (auto& e : p.schedule) g(e);
  };
  f(s.simulation.annual_discount_rate);
  for (auto& st : s.stages) {
    f(st.advance);
    f(st.drop);
    f(st.nurtured_advance);
    f(st.nurtured_drop);
    f(st.nurture_cost);
  }
  for (auto& ch : s.channels) {
    for (auto& p : ch.spend) f(p);
    f(ch.cost_per_lead);
    f(ch.max_leads);
    f(ch.half_saturation_spend);
    for (auto& p : ch.segment_mix) f(p);
  }
  for (auto& seg : s.segments) {
    f(seg.churn);
    f(seg.churn_multiplier);
    f(seg.sbg_alpha);
    f(seg.sbg_beta);
    f(seg.orders_per_period);
    f(seg.order_value);
    f(seg.order_value_cv);
    f(seg.gross_margin);
    f(seg.cost_to_serve);
    f(seg.referrals_per_customer);
    for (auto& p : seg.migration) f(p);
    for (auto& p : seg.initial_by_tenure) f(p);
    for (auto* c :
         {&seg.by_tenure.orders_per_period, &seg.by_tenure.order_value, &seg.by_tenure.gross_margin,
          &seg.by_tenure.cost_to_serve, &seg.by_tenure.referrals_per_customer}) {
      for (auto& p : c->factors) f(p);
      if (c->kind == TenureCurve::Kind::Geometric || c->kind == TenureCurve::Kind::Linear)
        f(c->rate);
      if (c->has_limit) f(c->limit);
    }
  }
  f(s.retention.spend);
  f(s.retention.max_churn_reduction);
  f(s.retention.half_saturation);
  f(s.winback.attempt_cost);
  for (auto& p : s.winback.success_probability) f(p);
  f(s.referral.reward);
  for (auto& p : s.referral.segment_mix) f(p);
  for (auto& p : s.pipeline.prospects) f(p);
  for (auto& p : s.pipeline.segment_mix) f(p);
  if (s.market.enabled && s.market.segment_potential.empty()) f(s.market.potential);
  if (s.market.enabled)
    for (auto& p : s.market.segment_potential) f(p);
}
}  // namespace

void for_each_param(Scenario& s, const std::function<void(Param&)>& f) { visit_params(s, f); }
void for_each_param(const Scenario& s, const std::function<void(const Param&)>& f) {
  visit_params(s, f);
}

}  // namespace clvsim

// validate(): range and cross-field checks on a Scenario, whether it came from TOML or from code.
//
// Each check throws InputError::at(param.where, param.path, value, problem, accepted), so a
// scenario read from a file reports file:line:column, and a scenario built in code reports the
// dotted key path alone.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "clvsim/distribution.hpp"
#include "clvsim/engine.hpp"
#include "clvsim/scenario.hpp"

namespace clvsim {
namespace {

// Sums of probabilities computed in floating point may exceed 1 by rounding alone.
constexpr double SUM_TOLERANCE = 1e-9;

//! A number as TOML would write it: the shortest text that reads back to the same double.
std::string number(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, res.ptr);
}

//! A derived quantity (a sum), rounded for reading.
std::string rounded(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

std::string show_distribution(const Param& p);

//! A parameter as it would be written, with a variant's per-draw transform when it has one.
std::string show(const Param& p) {
  if (!p.dist) return number(p.value);
  if (p.scale == 1.0 && p.shift == 0.0) return show_distribution(p);
  std::string out = show_distribution(p);
  if (p.scale != 1.0) out += " * " + number(p.scale);
  if (p.shift != 0.0) out += (p.shift < 0 ? " - " : " + ") + number(std::fabs(p.shift));
  return out;
}

std::string show_distribution(const Param& p) {
  const Distribution& d = *p.dist;
  std::string out = std::string("{ dist = \"") + kind_name(d.kind) + "\", ";
  switch (d.kind) {
    case Distribution::Kind::Normal:
    case Distribution::Kind::LogNormal:
      return out + "mean = " + number(d.a) + ", sd = " + number(d.b) + " }";
    case Distribution::Kind::Beta:
      return out + "alpha = " + number(d.a) + ", beta = " + number(d.b) + " }";
    case Distribution::Kind::Uniform:
      return out + "min = " + number(d.a) + ", max = " + number(d.b) + " }";
    case Distribution::Kind::Triangular:
      return out + "min = " + number(d.a) + ", mode = " + number(d.b) + ", max = " + number(d.c) +
             " }";
  }
  return out + "}";
}

std::string key_of(const Param& p) {
  return p.path.empty() ? "(unnamed parameter)" : p.path;
}

//! "; 12 looks like a percent: write 0.12 for 12%", for a fraction written as a percent.
//! Values from 2 to 100 are taken for percents (1.4 is as likely a slip of the decimal point).
std::string percent_hint(double x) {
  if (!(x >= 2.0 && x <= 100.0)) return {};
  char fraction[32];
  std::snprintf(fraction, sizeof fraction, "%.10g", x / 100.0);
  return "; " + number(x) + " looks like a percent: write " + fraction + " for " + number(x) + "%";
}

//! The written value that is out of range: the point value, or the bound of a uniform or
//! triangular distribution that leaves the domain.
void check_param(const Param& p) {
  if (p.dist) check_distribution(p);
  if (!std::isfinite(p.value))
    throw InputError::at(p.where, key_of(p), show(p), "is not a finite number",
                         domain_description(p.domain));
  if (!in_domain(p.domain, p.value)) {
    const bool too_big = p.domain == Domain::Count && p.value > MAX_COUNT;
    throw InputError::at(
        p.where, key_of(p), show(p), too_big ? "is above 2^53" : domain_violation(p.domain),
        std::string(domain_description(p.domain)) +
            (too_big ? ", the largest count the samplers handle exactly" : "") +
            (p.domain == Domain::Probability ? percent_hint(p.value) : std::string()));
  }
}

//! Uniform and triangular distributions carry explicit bounds written by the user.
bool has_written_bounds(const Param& p) {
  using K = Distribution::Kind;
  return p.dist && (p.dist->kind == K::Uniform || p.dist->kind == K::Triangular);
}

//! The value used in sum-to-at-most-1 checks: the top of the support for distributions with
//! written bounds (uniform, triangular), the point value otherwise. Normal, lognormal and beta
//! rates reach 1 only in their tails (their support is the whole of [0, 1] once truncated), so
//! judging them by their support would reject every uncertain rate paired with a non-zero one,
//! e.g. a beta(30, 70) win rate with drop = 0.4; rare draws beyond 1 are left to the engine.
//!
//! A variant's scale and shift act on every draw (x -> x * scale + shift), so the support is
//! transformed with them; `value` is already the transformed mean.
double largest(const Param& p) {
  if (!has_written_bounds(p)) return p.value;
  const Interval iv = distribution_support(*p.dist, p.domain);
  return std::max(iv.lo * p.scale + p.shift, iv.hi * p.scale + p.shift);
}

//! The bottom of the support, by the same rule as largest().
double smallest(const Param& p) {
  if (!has_written_bounds(p)) return p.value;
  const Interval iv = distribution_support(*p.dist, p.domain);
  return std::min(iv.lo * p.scale + p.shift, iv.hi * p.scale + p.shift);
}

//! The range of a key over the periods of the horizon (docs/scenario.md, "Schedules and
//! seasonality"), by the rule of largest() and smallest(): over a schedule's elements, or the
//! level's bound times the largest (smallest) seasonal factor. Values written per year are
//! converted to the period first, as the model does.
struct InTimeBounds {
  const SimulationSettings& sim;

  [[nodiscard]] double per_period(const Param& p, double x) const {
    if (!p.per_year) return x;
    const double P = periods_per_year(sim.period);
    if (p.per_period == PerPeriod::Probability) return -std::expm1(std::log1p(-x) / P);
    if (p.per_period == PerPeriod::Amount) return x / P;
    return x;
  }
  [[nodiscard]] double factor(const Param& p, bool top) const {
    double f = top ? 0.0 : std::numeric_limits<double>::infinity();
    for (int t = 0; t < sim.horizon; ++t) {
      const double x =
          seasonal_factor(p.seasonal, t, sim.start_season, periods_per_year(sim.period));
      f = top ? std::max(f, x) : std::min(f, x);
    }
    return f;
  }
  [[nodiscard]] double largest(const Param& p) const {
    if (!p.schedule.empty()) {
      double hi = -std::numeric_limits<double>::infinity();
      for (const Param& e : p.schedule) hi = std::max(hi, clvsim::largest(e));
      return hi;
    }
    if (!p.seasonal.written) return clvsim::largest(p);
    return per_period(p, clvsim::largest(p)) * factor(p, true);
  }
  [[nodiscard]] double smallest(const Param& p) const {
    if (!p.schedule.empty()) {
      double lo = std::numeric_limits<double>::infinity();
      for (const Param& e : p.schedule) lo = std::min(lo, clvsim::smallest(e));
      return lo;
    }
    if (!p.seasonal.written) return clvsim::smallest(p);
    return per_period(p, clvsim::smallest(p)) * factor(p, false);
  }
};

//! A probability with a seasonal form stays a probability in every period of the horizon:
//! its level's bound (largest()) times the largest calendar factor is at most 1.
void check_in_time(const Param& p, const SimulationSettings& sim) {
  if (!p.seasonal.written) return;
  const double hi = InTimeBounds{sim}.largest(p);
  if (!std::isfinite(hi))
    throw InputError::at(p.seasonal.where, key_of(p), show(p),
                         "grows beyond the largest number within the horizon",
                         "the level times its seasonal index and (1 + trend)^((t - 1) / periods "
                         "per year) must stay a finite number in every period; lower the trend");
  if (p.domain == Domain::Positive && !(InTimeBounds{sim}.smallest(p) > 0.0))
    throw InputError::at(p.seasonal.where, key_of(p), show(p),
                         "is 0 in some period (a seasonal index of 0)",
                         "it must be > 0 in every period of the horizon: give the indices of "
                         "the periods simulated values > 0");
  if (p.domain != Domain::Probability) return;
  if (hi <= 1.0 + SUM_TOLERANCE) return;
  throw InputError::at(
      p.seasonal.where, key_of(p), show(p),
      "reaches " + rounded(hi) + " in some period, more than 1",
      "a probability times its seasonal index and trend factor must stay in [0, 1] in every "
      "period of the horizon (for uniform and triangular distributions the top of their "
      "support is used); lower the level, the largest index or the trend");
}

//! Written order, to blame the value that tipped a sum over. A value from another file than
//! the scenario's own (`top`) counts as later: it is most often a variant's override, written
//! after the scenario and applied to it. (With extends it is a base's value; the message names
//! both keys either way.)
bool before(const SourceLocation& a, const SourceLocation& b, const std::string& top) {
  if (a.file != b.file) return a.file == top;
  return a.line != b.line ? a.line < b.line : a.column < b.column;
}

//! The location of the last-written of several parameters (the one that tipped a sum over).
SourceLocation last_written(const std::vector<const Param*>& ps, const SourceLocation& fallback,
                            const std::string& top) {
  SourceLocation where = fallback;
  bool found = false;
  for (const Param* p : ps) {
    if (p->where.line <= 0) continue;
    if (!found || before(where, p->where, top)) where = p->where;
    found = true;
  }
  return where;
}

SourceLocation first_written(const std::vector<const Param*>& ps, const SourceLocation& fallback,
                             const std::string& top) {
  SourceLocation where = fallback;
  bool found = false;
  for (const Param* p : ps) {
    if (p->where.line <= 0) continue;
    if (!found || before(p->where, where, top)) where = p->where;
    found = true;
  }
  return where;
}

SourceLocation file_only(const Scenario& s) {
  return {s.source_file, 0, 0};
}

void check_pair(const Param& advance, const Param& drop, const char* what,
                const SourceLocation& stage_where, const std::string& top) {
  const double hi = largest(advance) + largest(drop);
  if (hi <= 1.0 + SUM_TOLERANCE) return;
  const bool uncertain = has_written_bounds(advance) || has_written_bounds(drop);
  throw InputError::at(
      last_written({&advance, &drop}, stage_where, top), key_of(advance) + " + " + key_of(drop),
      show(advance) + " + " + show(drop),
      (uncertain ? "can sum to " : "sums to ") + rounded(hi) + ", more than 1",
      std::string("a ") + what +
          " prospect advances, drops out or stays each period, so advance + drop must be <= 1" +
          (uncertain ? "; for uniform and triangular distributions their max is used" : ""));
}

void check_int(const Scenario& s, const char* key, long long v, long long lo,
               const char* accepted) {
  if (v < lo)
    throw InputError::at(file_only(s), key, std::to_string(v), "is out of range", accepted);
}

//! Every item (stage, segment, channel) has a name, and no two share one.
template <class Items>
void check_unique(const Items& items, const char* what, const std::string& prefix) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string& name = items[i].name;
    if (name.empty())
      throw InputError::at(items[i].where, prefix, "\"\"",
                           std::string("has an empty ") + what + " name",
                           std::string("every ") + what + " needs a name");
    for (std::size_t j = 0; j < i; ++j)
      if (name == items[j].name)
        throw InputError::at(items[i].where, prefix + "." + name, "",
                             std::string("repeats a ") + what + " name",
                             std::string(what) + " names must be unique");
  }
}

//! A weight vector: one weight per segment, not all zero.
void check_mix(const Scenario& s, const std::vector<Param>& mix, const std::string& key,
               const SourceLocation& fallback, bool may_be_empty) {
  if (mix.empty() && may_be_empty) return;
  if (mix.size() != s.segments.size())
    throw InputError::at(fallback, key, "", "has " + std::to_string(mix.size()) + " weights",
                         "one weight per segment: " + std::to_string(s.segments.size()));
  double sum = 0.0;
  std::vector<const Param*> ps;
  std::string shown;
  for (std::size_t i = 0; i < mix.size(); ++i) {
    sum += mix[i].value;
    ps.push_back(&mix[i]);
    shown += (shown.empty() ? "{ " : ", ") + s.segments[i].name + " = " + show(mix[i]);
  }
  if (!(sum > 0.0))
    throw InputError::at(first_written(ps, fallback, s.source_file), key, shown + " }",
                         "has weights summing to 0",
                         "at least one weight must be > 0; weights are normalised to sum to 1");
}

//! The churn hazard times the segment's churn_multiplier is a probability per period. For
//! sBG churn the hazard alpha / (alpha + beta + t) is largest in the first period (t = 0).
//! Bounds follow largest(): uniform and triangular at the edge of their support (the largest
//! alpha, smallest beta), other parameters at their value.
void check_hazard(const Segment& seg, const std::string& top, const SimulationSettings& sim) {
  const Param& m = seg.churn_multiplier;
  const std::string path = "segments." + seg.name;
  const std::string mkey = m.path.empty() ? path + ".churn_multiplier" : m.path;
  const char* const bounds =
      "; for uniform and triangular distributions the edge of their support is used";
  if (seg.churn_model == ChurnModel::Constant) {
    const Param& c = seg.churn;
    const double hi = c.varies() ? InTimeBounds{sim}.largest(c) * largest(m)
                                 : std::max(c.value * m.value, largest(c) * largest(m));
    if (hi <= 1.0 + SUM_TOLERANCE) return;
    const bool uncertain = has_written_bounds(c) || has_written_bounds(m);
    throw InputError::at(
        last_written({&c, &m}, seg.where, top), key_of(c) + " * " + mkey, show(c) + " * " + show(m),
        (uncertain ? "can be " : "is ") + rounded(hi) + ", more than 1",
        std::string("churn times churn_multiplier is the probability that a customer churns in "
                    "a period, so it must be <= 1") +
            (uncertain ? bounds : ""));
  }
  const Param& a = seg.sbg_alpha;
  const Param& b = seg.sbg_beta;
  const auto hazard = [](double alpha, double beta, double mult) {
    // Out-of-domain alpha or beta is reported on its own; do not divide by zero here.
    return alpha > 0.0 && beta > 0.0 ? sbg_hazard(alpha, beta, 0.0) * mult : 0.0;
  };
  const double hi =
      std::max(hazard(a.value, b.value, m.value), hazard(largest(a), smallest(b), largest(m)));
  if (hi <= 1.0 + SUM_TOLERANCE) return;
  const bool uncertain = has_written_bounds(a) || has_written_bounds(b) || has_written_bounds(m);
  throw InputError::at(
      m.where.line > 0 ? m.where : last_written({&a, &b, &m}, seg.where, top), mkey, show(m),
      std::string("makes the first-period churn hazard ") + (uncertain ? "up to " : "") +
          rounded(hi) + ", more than 1",
      "with churn_sbg the hazard in a customer's first period is alpha / (alpha + beta) * "
      "churn_multiplier, here with alpha = " +
          show(a) + " and beta = " + show(b) + "; it must stay a probability, <= 1" +
          (uncertain ? bounds : ""));
}

//! Values that a fraction is expected for and that are almost certainly percents when above 1.
//! Probabilities are bounded by their domain (check_param adds the same hint); the discount
//! rate is a non-negative number whose values above 1 (100% a year) are treated as percents.
void check_rates(const Scenario& s) {
  const Param& r = s.simulation.annual_discount_rate;
  const double hi = largest(r);
  if (hi > 1.0)
    throw InputError::at(
        r.where, key_of(r), show(r), "is above 1",
        "must be a fraction per year in [0, 1], e.g. 0.10 for 10%" +
            (percent_hint(hi).empty() ? std::string("; rates above 100% a year are not accepted")
                                      : percent_hint(hi)));
  for (const Segment& seg : s.segments) {
    const Param& cv = seg.order_value_cv;
    if (largest(cv) > MAX_ORDER_VALUE_CV)
      throw InputError::at(cv.where, key_of(cv), show(cv), "is above " + number(MAX_ORDER_VALUE_CV),
                           "must be in [0, " + number(MAX_ORDER_VALUE_CV) +
                               "]: the coefficient of variation of one order's value (sd / mean); "
                               "draws of an uncertain one are held at " +
                               number(MAX_ORDER_VALUE_CV));
  }
}

//! A variant's shift of an uncertain parameter whose domain excludes 0 (cost_per_lead, sBG
//! alpha, ...) must keep every draw above 0: draws past a closed end of a domain are held at it,
//! but there is no smallest positive number to hold these at.
void check_transformed_support(const Param& p) {
  if (!p.dist || p.domain != Domain::Positive || (p.scale == 1.0 && p.shift == 0.0)) return;
  const Interval iv = distribution_support(*p.dist, p.domain);
  const double lo = std::min(iv.lo * p.scale + p.shift, iv.hi * p.scale + p.shift);
  if (lo > 0.0 || (lo == 0.0 && iv.lo_open && p.shift == 0.0)) return;
  throw InputError::at(p.where, key_of(p), show(p), "can draw values <= 0",
                       std::string(domain_description(p.domain)) +
                           "; a variant's add or scale applies to every draw of an uncertain "
                           "parameter, whose support here reaches " +
                           number(iv.lo) +
                           "; use scale by a positive factor, or set a new distribution");
}

//! Customers and prospects the model can hold at the end of the horizon, as a sum of bounded
//! parts: every initial customer and pipeline prospect, plus every lead of every period, as if
//! all became customers and none churned. Normal, lognormal and beta parameters count at their
//! point value, uniform and triangular ones at the bound of their support (largest()).
//! Referrals multiply this by up to (1 + referrals_per_customer) a period, which churn may or
//! may not offset, so they are checked at run time; so are the tails of unbounded draws.
void check_growth(const Scenario& s) {
  struct Part {
    const Param* blame;
    double amount;
  };
  const double T = s.simulation.horizon;
  const InTimeBounds in_time{s.simulation};
  const auto fail = [&](const Param& p, const std::string& problem, const std::string& how) {
    throw InputError::at(p.where, key_of(p), show(p), problem,
                         how +
                             "; counts must stay <= 2^53 = 9007199254740992, the largest count "
                             "the samplers handle exactly (docs/model.md, \"Limits\")");
  };
  std::vector<Part> parts;
  const auto add_counts = [&](const std::vector<Param>& ps) {
    Part part{nullptr, 0.0};
    for (const Param& p : ps) {
      part.amount += largest(p);
      if (!part.blame || largest(p) > largest(*part.blame)) part.blame = &p;
    }
    if (part.blame) parts.push_back(part);
  };
  for (const Segment& seg : s.segments) add_counts(seg.initial_by_tenure);
  add_counts(s.pipeline.prospects);
  double leads_per_period = 0.0;
  for (const Channel& ch : s.channels) {
    double most = 0.0;
    const Param* blame = nullptr;
    for (const Param& spend : ch.spend) {
      const bool linear = ch.response == Response::Linear;
      const double leads = linear ? in_time.largest(spend) / in_time.smallest(ch.cost_per_lead)
                                  : in_time.largest(ch.max_leads);
      if (blame && !(leads > most)) continue;
      most = leads;
      blame = !linear                              ? &ch.max_leads
              : in_time.largest(spend) > MAX_COUNT ? &spend
                                                   : &ch.cost_per_lead;
    }
    if (!blame) continue;
    if (!(most <= MAX_COUNT))
      fail(*blame, "gives " + rounded(most) + " leads in a period, more than 2^53",
           "leads per period = spend / cost_per_lead, or at most max_leads");
    parts.push_back({blame, most * T});
    leads_per_period += most;
  }
  double people = 0.0;
  const Part* largest_part = nullptr;
  for (const Part& part : parts) {
    people += part.amount;
    if (!largest_part || part.amount > largest_part->amount) largest_part = &part;
  }
  if (!largest_part) return;
  const std::string sum = "initial customers + pipeline prospects + horizon x leads per period = " +
                          rounded(people - T * leads_per_period) + " + " + number(T) + " x " +
                          rounded(leads_per_period);
  if (!(people <= MAX_COUNT))
    fail(*largest_part->blame,
         "brings up to " + rounded(people) +
             " people into the model within the horizon, more than 2^53",
         sum);
  for (const Segment& seg : s.segments) {
    const double orders = people * in_time.largest(seg.orders_per_period);
    if (!(orders <= MAX_COUNT))
      fail(seg.orders_per_period,
           "gives up to " + rounded(orders) + " orders in a period, more than 2^53",
           "orders per period = customers x orders_per_period, with up to " + rounded(people) +
               " customers (" + sum + ")");
    const double referred = people * in_time.largest(seg.referrals_per_customer);
    if (!(referred <= MAX_COUNT))
      fail(seg.referrals_per_customer,
           "gives up to " + rounded(referred) + " referred prospects in a period, more than 2^53",
           "referred prospects per period = customers x referrals_per_customer, with up to " +
               rounded(people) + " customers (" + sum + ")");
  }
}

//! The initial customers and the pipeline's prospects are people of the market: at their point
//! values they must fit in it (a Monte Carlo draw above it leaves nobody to reach).
void check_market(const Scenario& s) {
  if (!s.market.enabled) return;
  if (!s.market.segment_potential.empty()) {
    // Per segment: the segment's initial customers and its share of the pipeline (by the
    // pipeline's normalised mix; all of it with one segment).
    const std::size_t K = s.segments.size();
    double prospects = 0.0, weights = 0.0;
    for (const Param& p : s.pipeline.prospects) prospects += p.value;
    for (const Param& w : s.pipeline.segment_mix) weights += w.value;
    for (std::size_t k = 0; k < K; ++k) {
      double share = K == 1 ? 1.0 : 0.0;
      if (weights > 0.0 && k < s.pipeline.segment_mix.size())
        share = s.pipeline.segment_mix[k].value / weights;
      double reached = prospects * share;
      for (const Param& p : s.segments[k].initial_by_tenure) reached += p.value;
      const Param& m = s.market.segment_potential[k];
      if (reached > m.value)
        throw InputError::at(
            m.where, key_of(m), show(m),
            "is below the segment's initial customers and pipeline prospects, " + rounded(reached),
            "a segment's potential counts every person of the segment who is or can become a "
            "prospect, its initial customers and its share of the pipeline (by "
            "pipeline.segment_mix) included; it must be >= " +
                rounded(reached));
    }
    return;
  }
  double reached = 0.0;
  for (const Segment& seg : s.segments)
    for (const Param& p : seg.initial_by_tenure) reached += p.value;
  for (const Param& p : s.pipeline.prospects) reached += p.value;
  const Param& m = s.market.potential;
  if (reached > m.value)
    throw InputError::at(
        m.where, key_of(m), show(m),
        "is below the initial customers and pipeline prospects, " + rounded(reached),
        "the market potential counts every person who is or can become a "
        "prospect, the initial customers and prospects included; it must be >= " +
            rounded(reached));
}

//! The largest factor a tenure curve reaches (uniform and triangular parameters at the edge of
//! their support, others at their value); +inf for a growing curve without a limit.
double curve_top(const TenureCurve& c) {
  switch (c.kind) {
    case TenureCurve::Kind::None:
      return 1.0;
    case TenureCurve::Kind::Table: {
      double top = 0.0;
      for (const Param& f : c.factors) top = std::max(top, largest(f));
      return top;
    }
    case TenureCurve::Kind::Geometric:
    case TenureCurve::Kind::Linear:
      if (largest(c.rate) <= 0.0) return 1.0;
      return c.has_limit ? std::max(1.0, largest(c.limit))
                         : std::numeric_limits<double>::infinity();
  }
  return 1.0;
}

//! Curves by tenure: a geometric rate above -1, and probabilities (a gross margin, a Bernoulli
//! purchase probability) that stay probabilities at every tenure.
void check_curves(const Segment& seg, const SimulationSettings& sim) {
  const TenureCurves& c = seg.by_tenure;
  for (const TenureCurve* curve : {&c.orders_per_period, &c.order_value, &c.gross_margin,
                                   &c.cost_to_serve, &c.referrals_per_customer}) {
    if (curve->kind != TenureCurve::Kind::Geometric) continue;
    const Param& g = curve->rate;
    if (!(smallest(g) > -1.0))
      throw InputError::at(g.where, key_of(g), show(g), "is not above -1",
                           "a geometric curve's factor is (1 + growth)^n, so growth must be > -1 "
                           "(-0.1: 10% less each tenure step)");
  }
  const auto check_probability = [&](const TenureCurve& curve, const Param& base,
                                     const char* what) {
    if (!curve.active()) return;
    const double top = curve_top(curve) * InTimeBounds{sim}.largest(base);
    if (top <= 1.0 + SUM_TOLERANCE) return;
    const Param& blame = curve.kind == TenureCurve::Kind::Table ? base
                         : curve.has_limit                      ? curve.limit
                                                                : curve.rate;
    const SourceLocation where = curve.kind == TenureCurve::Kind::Table ? curve.where : blame.where;
    throw InputError::at(
        where, key_of(blame), show(blame),
        std::isinf(top) ? std::string("lets the curve grow without a limit")
                        : "makes " + std::string(what) + " reach " + rounded(top) + ", more than 1",
        std::string(what) +
            " times its factor by tenure is a probability at every "
            "tenure, so it must stay <= 1" +
            (std::isinf(top) ? "; give the curve a limit" : ""));
  };
  check_probability(c.gross_margin, seg.gross_margin, "gross_margin");
  if (seg.order_model == OrderModel::Bernoulli)
    check_probability(c.orders_per_period, seg.orders_per_period, "orders_per_period");
}

void check_stage_ref(int index, std::size_t stages, const std::string& key,
                     const SourceLocation& where) {
  if (index < 0 || static_cast<std::size_t>(index) >= stages)
    throw InputError::at(where, key, std::to_string(index), "is not a stage index",
                         "must be in [0, " + std::to_string(stages) + ")");
}

//! One component of a key path in the form the TOML reader writes it: bare when it is a plain
//! name, quoted otherwise (sweep.parameters."segments.*.churn").
std::string quoted_part(const std::string& k) {
  const bool bare = !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
  if (bare) return k;
  std::string out = "\"";
  for (const char c : k) out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

// The reader checks [sweep] and [sensitivity] as written, with their exact locations; these
// checks hold a spec built in code to the same rules that make it meaningful.
void check_sweep(const SweepSpec& spec) {
  if (spec.replications < 1)
    throw InputError::at(spec.where, "sweep.replications", std::to_string(spec.replications),
                         "is out of range",
                         "must be an integer >= 1: Monte Carlo replications at each point");
  const bool grid = spec.design == Design::Grid;
  if (!grid && spec.points < 1)
    throw InputError::at(spec.where, "sweep.points", std::to_string(spec.points), "is out of range",
                         "must be an integer >= 1 for design = \"latin_hypercube\" or \"sobol\"");
  if (spec.parameters.empty())
    throw InputError::at(spec.where, "sweep.parameters", "", "is empty",
                         "at least one parameter to sweep");
  for (const SweepParameter& p : spec.parameters) {
    const std::string key = "sweep.parameters." + quoted_part(p.pattern);
    if (p.pattern.empty())
      throw InputError::at(p.where, key, "", "is an empty key path",
                           "expected the dotted key path of the parameter to sweep");
    if (!p.range) {
      if (p.values.empty())
        throw InputError::at(p.where, key + ".values", "[]", "is empty",
                             "at least one value is required");
      for (std::size_t i = 0; i < p.values.size(); ++i)
        if (!std::isfinite(p.values[i]))
          throw InputError::at(p.where, key + ".values[" + std::to_string(i) + "]",
                               number(p.values[i]), "is not a finite number",
                               "values must be finite numbers");
      continue;
    }
    if (!std::isfinite(p.min) || !std::isfinite(p.max))
      throw InputError::at(p.where, key, "[" + number(p.min) + ", " + number(p.max) + "]",
                           "is not a finite range", "min and max must be finite numbers");
    if (!(p.min < p.max))
      throw InputError::at(p.where, key + ".max", number(p.max),
                           "is not greater than min = " + number(p.min), "a range needs min < max");
    if (grid && p.steps < 2)
      throw InputError::at(p.where, key + ".steps", std::to_string(p.steps), "is out of range",
                           "must be an integer >= 2 for a range in a grid: the number of grid "
                           "values from min to max, both ends included");
  }
}

void check_sensitivity(const SensitivitySpec& spec) {
  for (std::size_t i = 0; i < spec.parameters.size(); ++i)
    if (spec.parameters[i].empty())
      throw InputError::at(spec.where, "sensitivity.parameters[" + std::to_string(i) + "]", "\"\"",
                           "is an empty key path", "expected a dotted key path");
  if (!(spec.relative_change > 0.0 && spec.relative_change < 1.0))
    throw InputError::at(spec.where, "sensitivity.relative_change", number(spec.relative_change),
                         "is out of range", "must be a number > 0 and < 1");
  std::vector<std::string> totals;
  for (const auto& info : total_infos()) totals.push_back(info.name);
  if (std::find(totals.begin(), totals.end(), spec.metric) == totals.end()) {
    std::string accepted;
    for (const auto& t : totals) accepted += (accepted.empty() ? "" : ", ") + ("\"" + t + "\"");
    throw InputError::at(spec.where, "sensitivity.metric", "\"" + spec.metric + "\"",
                         "is not a horizon total", "accepted: " + accepted);
  }
  if (spec.samples < 8)
    throw InputError::at(spec.where, "sensitivity.samples", std::to_string(spec.samples),
                         "is out of range", "must be an integer >= 8");
  for (const auto& r : spec.ranges) {
    const std::string key = "sensitivity.ranges." + quoted_part(r.pattern);
    if (r.pattern.empty())
      throw InputError::at(r.where, key, "", "is an empty key path", "expected a dotted key path");
    if (!std::isfinite(r.low) || !std::isfinite(r.high))
      throw InputError::at(r.where, key, "[" + number(r.low) + ", " + number(r.high) + "]",
                           "is not a finite range", "low and high must be finite numbers");
    if (!(r.low < r.high))
      throw InputError::at(r.where, key + ".high", number(r.high),
                           "is not greater than low = " + number(r.low),
                           "a range needs low < high");
  }
}

}  // namespace

namespace {

//! Names of channels, segments and stages become metric names (new_customers_<channel>,
//! active_<segment>, entered_<stage>): a name whose metric is already taken (a segment called
//! "customers" gives active_customers) would make two metrics of one name in the results.
void check_metric_names(const Scenario& s) {
  const MetricLayout layout(s);
  const auto& metrics = layout.metrics();
  for (int i = MetricIndex::fixed(Metric::Count_); i < layout.size(); ++i) {
    const std::string& name = metrics[static_cast<std::size_t>(i)].name;
    const auto first = std::find_if(metrics.begin(), metrics.end(),
                                    [&](const MetricInfo& m) { return m.name == name; });
    if (first - metrics.begin() == i) continue;
    std::string table, item;
    SourceLocation where;
    // The block of per-item metrics that holds i, and the item.
    const int C = layout.channels, K = layout.segments;
    const auto channel = [&](int block) {
      const auto& c = s.channels[static_cast<std::size_t>((i - block) % C)];
      table = "channels", item = c.name, where = c.where;
    };
    const auto segment = [&](int block) {
      const auto& k = s.segments[static_cast<std::size_t>((i - block) % K)];
      table = "segments", item = k.name, where = k.where;
    };
    if (i < layout.active_by_segment(0)) {
      channel(layout.new_by_channel(0));
    } else if (i < layout.entered_stage(0)) {
      segment(layout.active_by_segment(0));
    } else if (i < layout.finance(FinanceMetric::Mrr)) {
      const int st =
          i < layout.cost_per_entered(0) ? i - layout.entered_stage(0) : i - layout.cost_per_entered(0);
      const auto& g = s.stages[static_cast<std::size_t>(st)];
      table = "funnel", item = g.name, where = g.where;
    } else if (i < layout.segment_ltv(0)) {
      channel(layout.channel_cac(0));
    } else {
      segment(layout.segment_ltv(0));
    }
    throw InputError::at(
        where, table + "." + item, "",
        "names the metric '" + name + "', which another metric already has",
        std::string("another name for this ") + (table == "funnel"     ? "stage"
                                                 : table == "channels" ? "channel"
                                                                       : "segment"));
  }
}

}  // namespace

void validate(const Scenario& s) {
  const auto& sim = s.simulation;
  check_int(s, "simulation.horizon", sim.horizon, 1, "must be an integer number of periods >= 1");
  check_int(s, "simulation.replications", sim.replications, 1, "must be an integer >= 1");
  check_int(s, "simulation.ltv_tenure_cap", sim.ltv_tenure_cap, 0,
            "must be an integer number of periods >= 0; 0 means 20 years of periods");
  check_int(s, "simulation.ltv_horizon", sim.ltv_horizon, 0,
            "must be an integer number of periods >= 0; 0 means the longer of the horizon "
            "and the tenure cap, at most 20 years of periods");

  // A Bernoulli order rate is a purchase probability (whatever domain code gave it).
  for (const auto& seg : s.segments) {
    const Param& p = seg.orders_per_period;
    if (seg.order_model == OrderModel::Bernoulli && std::isfinite(p.value) &&
        !in_domain(Domain::Probability, p.value))
      throw InputError::at(p.where, key_of(p), show(p), "is not a probability",
                           "with order_model = \"bernoulli\" it is the probability that an "
                           "active customer orders in a period, in [0, 1]");
  }

  // Every value inside its domain, every distribution well formed.
  for_each_param(s, [&](const Param& p) {
    check_param(p);
    check_transformed_support(p);
    check_in_time(p, s.simulation);
  });
  check_rates(s);

  // Funnel.
  if (s.stages.empty())
    throw InputError::at(file_only(s), "funnel.stages", "[]", "is empty",
                         "at least one stage is required");
  check_unique(s.stages, "stage", "funnel");
  for (const auto& st : s.stages) {
    check_pair(st.advance, st.drop, "fresh", st.where, s.source_file);
    check_pair(st.nurtured_advance, st.nurtured_drop, "nurtured", st.where, s.source_file);
  }

  // Segments.
  if (s.segments.empty())
    throw InputError::at(file_only(s), "segments", "", "defines no segment",
                         "at least one [segments.<name>] table is required");
  check_unique(s.segments, "segment", "segments");
  for (const auto& seg : s.segments) check_hazard(seg, s.source_file, s.simulation);
  for (const auto& seg : s.segments) check_curves(seg, s.simulation);
  const std::size_t nseg = s.segments.size();
  for (std::size_t i = 0; i < nseg; ++i) {
    const Segment& seg = s.segments[i];
    const std::string path = "segments." + seg.name;
    if (seg.migration.empty()) continue;
    if (seg.migration.size() != nseg)
      throw InputError::at(seg.where, path + ".migration", "",
                           "has " + std::to_string(seg.migration.size()) + " entries",
                           "one probability per segment: " + std::to_string(nseg));
    const Param& self = seg.migration[i];
    if (self.uncertain() || self.value != 0.0)
      throw InputError::at(self.where, key_of(self), show(self), "names the segment itself",
                           "migration lists moves to other segments; the self entry must be 0");
    double hi = 0.0;
    bool uncertain = false;
    std::vector<const Param*> ps;
    std::string shown;
    for (std::size_t j = 0; j < nseg; ++j) {
      const Param& p = seg.migration[j];
      hi += largest(p);
      uncertain = uncertain || has_written_bounds(p);
      ps.push_back(&p);
      if (j == i || (!p.uncertain() && p.value == 0.0)) continue;
      shown += (shown.empty() ? "{ " : ", ") + s.segments[j].name + " = " + show(p);
    }
    if (hi > 1.0 + SUM_TOLERANCE)
      throw InputError::at(
          first_written(ps, seg.where, s.source_file), path + ".migration", shown + " }",
          (uncertain ? "can sum to " : "sums to ") + rounded(hi) + ", more than 1",
          std::string("the probabilities of moving to other segments in a period must sum to at "
                      "most 1") +
              (uncertain ? "; for uniform and triangular distributions their max is used" : ""));
  }

  // Channels.
  check_unique(s.channels, "channel", "channels");
  for (const auto& ch : s.channels) {
    const std::string path = "channels." + ch.name;
    const std::size_t n = ch.spend.size();
    if (n != 1 && n != static_cast<std::size_t>(sim.horizon))
      throw InputError::at(ch.where, path + ".spend", "", "has " + std::to_string(n) + " values",
                           "one value for a constant spend, or one per period: "
                           "simulation.horizon = " +
                               std::to_string(sim.horizon));
    check_mix(s, ch.segment_mix, path + ".segment_mix", ch.where, false);
    check_stage_ref(ch.entry_stage, s.stages.size(), path + ".entry_stage", ch.where);
  }

  // Programs.
  if (s.winback.enabled && s.winback.window < 1)
    throw InputError::at(s.winback.where, "winback.window", std::to_string(s.winback.window),
                         "is out of range", "must be an integer number of periods >= 1");
  if (const std::size_t n = s.winback.success_probability.size();
      s.winback.enabled && n != 1 && n != static_cast<std::size_t>(s.winback.window))
    throw InputError::at(s.winback.where, "winback.success_probability", "",
                         "has " + std::to_string(n) + " values",
                         "one value for every recency, or one per period since lapse: "
                         "winback.window = " +
                             std::to_string(s.winback.window));
  check_stage_ref(s.referral.entry_stage, s.stages.size(), "referral.entry_stage",
                  s.referral.where);
  check_mix(s, s.referral.segment_mix, "referral.segment_mix", s.referral.where, true);

  const auto& pipe = s.pipeline;
  if (!pipe.prospects.empty() && pipe.prospects.size() != s.stages.size())
    throw InputError::at(pipe.where, "pipeline.prospects", "",
                         "has " + std::to_string(pipe.prospects.size()) + " entries",
                         "one count per stage: " + std::to_string(s.stages.size()));
  bool any_prospects = false;
  for (const auto& p : pipe.prospects)
    any_prospects = any_prospects || p.uncertain() || p.value > 0;
  if (any_prospects && pipe.segment_mix.empty() && nseg > 1)
    throw InputError(pipe.where.prefix() +
                     "pipeline is missing required key 'segment_mix' (the weights of the segments "
                     "the pipeline's prospects join; required with prospects and more than one "
                     "segment)");
  check_mix(s, pipe.segment_mix, "pipeline.segment_mix", pipe.where, true);

  check_growth(s);
  check_market(s);

  if (s.sweep) check_sweep(*s.sweep);
  if (s.sensitivity) check_sensitivity(*s.sensitivity);
  check_metric_names(s);
}

}  // namespace clvsim

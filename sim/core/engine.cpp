#include "clvsim/engine.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "clvsim/draws.hpp"
#include "clvsim/random.hpp"
#include "clvsim/samplers.hpp"

namespace clvsim {
namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
constexpr double INF = std::numeric_limits<double>::infinity();

}  // namespace

//! What a draw's cell holds, for messages: "referrals by segment #1 in file order in period 2".
std::string describe_cell(Purpose what, std::uint64_t where) {
  const std::uint64_t period = (where >> 40) + 1;
  const std::uint64_t index = where & ((std::uint64_t{1} << 40) - 1);
  const auto n = [](std::uint64_t x) { return std::to_string(x); };
  const std::string at = " in period " + n(period);
  const auto segment = [&](std::uint64_t k) { return "segment #" + n(k + 1) + " in file order"; };
  switch (what) {
    case Purpose::WinBack: return "win-back cell " + n(index) + " (segment x window + periods lapsed)" + at;
    case Purpose::Churn: return "churn cell " + n(index) + " (segment x tenures + tenure)" + at;
    case Purpose::Migration: return "migration cell " + n(index) + " (segment x tenures + tenure)" + at;
    case Purpose::Orders: return "orders of " + segment(index) + at;
    case Purpose::Referral: return "referrals by " + segment(index) + at;
    case Purpose::Leads: return "leads of channel #" + n(index + 1) + " in file order" + at;
    case Purpose::Funnel: return "funnel cell " + n(index) + " ((source x stages + stage) x 2 + nurtured)" + at;
    case Purpose::Conversion: return "conversion of source #" + n(index + 1) + at;
    default: return "initial population";
  }
}

void count_overflow(Purpose what, std::uint64_t where, std::uint64_t replication, double x) {
  throw RuntimeError("replication " + std::to_string(replication) + ": the " + describe_cell(what, where) +
                     " reaches " + std::to_string(x) +
                     ", more than 2^53 = 9007199254740992, the largest count the samplers handle exactly "
                     "(docs/model.md, \"Limits\"); the population grows without bound: lower the "
                     "referral, acquisition or order rates");
}

namespace {

// The acquisition ratios of a set of new customers (per segment) bought for `spend`
// (acquisition spend + referral rewards): one definition for a period and for the horizon.
struct AcquisitionRatios {
  double cac, ltv, ltv_cac, payback;
};

AcquisitionRatios acquisition_ratios(const ModelParams& m, std::span<const double> new_by_segment, double spend) {
  double customers = 0.0, value = 0.0;
  for (int k = 0; k < m.segments; ++k) {
    customers += new_by_segment[k];
    value += new_by_segment[k] * m.ltv[k];
  }
  const double cac = customers > 0.0 ? spend / customers : NaN;
  return {cac, customers > 0.0 ? value / customers : NaN, spend > 0.0 ? value / spend : NaN,
          payback_periods(m, new_by_segment, cac)};
}

// One period's reach of a finite market of M people (docs/model.md §2, steps 5 and 6): source i
// with c_i contacts (its leads or referrals in an unlimited market) reaches each person not
// reached yet with probability pi_i = c_i / M, or c_i / sum_j c_j when the contacts exceed M.
// The sources' reach is Multinomial(unreached; pi_1, ..., 1 - sum pi), drawn as conditional
// binomials in the order the engine visits them, each on the source's own stream.
class MarketDraw {
 public:
  MarketDraw() = default;
  MarketDraw(double potential, double contacts)
      : scale_(potential > 0.0 ? 1.0 / std::max(potential, contacts) : 0.0) {}

  //! The people reached by the next source, with `contacts` contacts; removed from `unreached`.
  template <class Draws, class C>
  C reach(const Draws& draw, C& unreached, double contacts, Purpose what, std::uint64_t where) {
    const double pi = contacts * scale_;
    const double p = pi <= 0.0 ? 0.0 : mass_left_ > pi ? pi / mass_left_ : 1.0;
    mass_left_ -= pi;
    const C n = draw.binomial(unreached, BinomialProb(p), what, where);
    unreached -= n;
    return n;
  }

 private:
  double scale_ = 0.0;
  double mass_left_ = 1.0;
};
// The value u of the customers held at the start of the next period, by the customer chain
// (docs/model.md, section 6, "Customer equity"): active customers at their tenure (held at the
// chain's cap), lapsed customers d periods after churn. NaN without customer value.
// Active cells at tenures from `occupied` on are empty.
template <class C>
double held_value(const ModelParams& m, const std::vector<C>& active, const std::vector<C>& lapsed,
                  int occupied) {
  if (m.state_value.empty()) return NaN;
  const int K = m.segments, L = m.tenures, W = m.winback_window, cap = m.ltv_tenure_cap;
  double value = 0.0;
  for (int k = 0; k < K; ++k) {
    for (int tau = 0; tau < occupied; ++tau) {
      const double n = static_cast<double>(active[static_cast<std::size_t>(k) * L + tau]);
      if (n != 0.0)
        value += n * m.state_value[static_cast<std::size_t>(k) * cap + std::min(tau, cap - 1)];
    }
    for (int d = 0; d < W; ++d) {
      const double n = static_cast<double>(lapsed[static_cast<std::size_t>(k) * W + d]);
      if (n != 0.0)
        value +=
            n *
            m.state_value[static_cast<std::size_t>(K) * cap + static_cast<std::size_t>(k) * W + d];
    }
  }
  return value;
}

// a / n and b / n in one division instruction: two lanes, each rounded as the scalar division
// is, so the same values at half the cost (a cell's fractions are the engine's divisions).
struct Quotients {
  double a, b;
};
inline Quotients divide2(double a, double b, double n) {
  using Pair = double __attribute__((vector_size(16)));
  const Pair q = Pair{a, b} / Pair{n, n};
  return {q[0], q[1]};
}

void reset_groups(FollowedGroups& f, int groups, std::size_t K, std::size_t KL, std::size_t KW) {
  const auto G = static_cast<std::size_t>(groups);
  f.groups = groups;
  f.live = groups;
  f.active.assign(G * KL, 0.0);
  f.next.assign(G * KL, 0.0);
  f.lapsed.assign(G * KW, 0.0);
  f.lapsed_next.assign(G * KW, 0.0);
  f.at_risk.assign(G, 0.0);
  f.attempts.assign(G, 0.0);
  f.by_segment.assign(G * K, 0.0);
  f.any.assign(G, 0);
}

// Groups of customers followed through the period's win-back, churn and migration: every member
// of a cell moves as the cell's counts did (the same fractions won back, churned and moved to
// each segment). Labels do not change the dynamics, so given the cell counts this is the
// expected position of each group: exact in expected-value mode and exact in mean in a Monte
// Carlo replication (docs/model.md §5, "Revenue retention"). The engine calls these as it draws
// each cell, for every group at once (groups are innermost in FollowedGroups).

// Lapsed cell `from` of segment `segment`: the fraction `back` of its members rejoins active cell
// `to` (tenure 0), before churn (same_period), or skips the period's churn test and move and is
// active in `to` after them (next_period); the rest moves to lapsed cell `rest` unless `rest` is
// past the window (has_rest false).
inline void follow_win_back(FollowedGroups& f, std::size_t from, std::size_t to, std::size_t rest,
                            bool has_rest, double back, ReturningChurn returning,
                            std::size_t segment) {
  const std::size_t G = static_cast<std::size_t>(f.groups), live = static_cast<std::size_t>(f.live);
  const double* __restrict x = &f.lapsed[from * G];
  double* __restrict attempts = f.attempts.data();
  if (returning == ReturningChurn::SamePeriod) {
    double* __restrict a = &f.active[to * G];
    for (std::size_t g = 0; g < live; ++g) {
      attempts[g] += x[g];
      a[g] += x[g] * back;
    }
  } else {
    double* __restrict an = &f.next[to * G];
    double* __restrict n = &f.by_segment[segment * G];
    for (std::size_t g = 0; g < live; ++g) {
      attempts[g] += x[g];
      an[g] += x[g] * back;
      n[g] += x[g] * back;
    }
  }
  if (has_rest) {
    double* __restrict ln = &f.lapsed_next[rest * G];
    for (std::size_t g = 0; g < live; ++g) ln[g] = x[g] - x[g] * back;
  }
}

// Active cell `from`: the fraction `lost` of its members lapses into lapsed cell `lapse` (if
// has_lapse), the fraction move[j] moves to segment j at tenure slot `to` (cell j * L + to) and
// is counted in by_segment[j]. Summing the moves as they happen (rather than the cells after
// them) keeps the cost to the cells that hold customers.
inline void follow_churn(FollowedGroups& f, std::size_t from, std::size_t lapse, bool has_lapse,
                         double lost, std::span<const double> move, std::size_t L, std::size_t to) {
  const std::size_t G = static_cast<std::size_t>(f.groups), live = static_cast<std::size_t>(f.live);
  const double* __restrict x = &f.active[from * G];
  double* __restrict at_risk = f.at_risk.data();
  if (has_lapse) {
    double* __restrict ln = &f.lapsed_next[lapse * G];
    for (std::size_t g = 0; g < live; ++g) {
      at_risk[g] += x[g];
      ln[g] += x[g] * lost;
    }
  } else {
    for (std::size_t g = 0; g < live; ++g) at_risk[g] += x[g];
  }
  for (std::size_t j = 0; j < move.size(); ++j) {
    const double fraction = move[j];
    if (fraction == 0.0) continue;  // adds nothing
    double* __restrict an = &f.next[(j * L + to) * G];
    double* __restrict n = &f.by_segment[j * G];
    for (std::size_t g = 0; g < live; ++g) {
      const double moved = x[g] * fraction;
      an[g] += moved;
      n[g] += moved;
    }
  }
}

// The period's moves are done: the groups' new positions become current.
void finish_moves(FollowedGroups& f) {
  std::swap(f.active, f.next);
  std::swap(f.lapsed, f.lapsed_next);
}

// ---------------------------------------------------------------------------------------------

template <class Draws>
void run(const ModelParams& m, const Draws& draw, std::span<double> out, std::span<double> totals,
         ReplicationBuffers<typename Draws::Count>& st) {
  using C = typename Draws::Count;
  const int T = m.horizon, K = m.segments, S = m.stages, L = m.tenures, W = m.winback_window;
  const int NS = m.sources_count();
  const int NCH = m.channels;
  auto at = [&](int metric, int t) -> double& { return out[static_cast<std::size_t>(metric) * T + t]; };
  const MetricIndex index = MetricIndex::of(m);
  CLVSIM_EXPECT(out.size() == static_cast<std::size_t>(index.size()) * T);
  auto F = [](Metric x) { return MetricIndex::fixed(x); };
  std::fill(out.begin(), out.end(), 0.0);

  // assign() keeps the capacity of a reused state: no allocation after the first replication.
  std::vector<C>&active = st.active, &next = st.next, &lapsed = st.lapsed, &lapsed_next = st.lapsed_next,
                 &prospects = st.prospects, &prospects_next = st.prospects_next,
                 &converted = st.converted, &split = st.split, &churned_by = st.churned_by;
  std::vector<double>&new_by_segment = st.new_by_segment, &active_k = st.active_k,
  &referral_contacts = st.referral_contacts;
  active.assign(static_cast<std::size_t>(K) * L, C{});
  next.assign(static_cast<std::size_t>(K) * L, C{});
  lapsed.assign(static_cast<std::size_t>(K) * W, C{});
  lapsed_next.assign(static_cast<std::size_t>(K) * W, C{});
  // Funnel lanes: with a market per segment, a source's prospects are split by segment (KP = K
  // lanes per source) from the moment they are reached; otherwise one lane per source.
  const int KP = m.market_pools();
  const int lanes = NS * KP;
  prospects.assign(static_cast<std::size_t>(lanes) * S * 2, C{});
  prospects_next.assign(static_cast<std::size_t>(lanes) * S * 2, C{});
  converted.assign(static_cast<std::size_t>(lanes), C{});
  split.assign(static_cast<std::size_t>(K), C{});
  churned_by.assign(static_cast<std::size_t>(K), C{});
  new_by_segment.assign(static_cast<std::size_t>(K) * T, 0.0);
  active_k.assign(static_cast<std::size_t>(K), 0.0);
  referral_contacts.assign(static_cast<std::size_t>(K), 0.0);
  // Acquisition spend by stage: channel spend at its entry stage, nurturing cost where it is paid.
  std::vector<double>&entry_spend = st.entry_spend, &nurture_by_stage = st.nurture_by_stage;
  entry_spend.assign(static_cast<std::size_t>(S), 0.0);
  nurture_by_stage.assign(static_cast<std::size_t>(S), 0.0);
  std::vector<double>&nurture_by_source = st.nurture_by_source, &at_risk_k = st.at_risk_k;
  nurture_by_source.assign(static_cast<std::size_t>(NS), 0.0);
  at_risk_k.assign(static_cast<std::size_t>(K), 0.0);
  // Revenue retention follows, over each whole year of the horizon, the customers active at its
  // start (docs/model.md §5); years of P periods, none when the horizon is shorter than a year.
  const int P = std::max(1, static_cast<int>(std::lround(m.periods_per_year)));
  const bool follow_years = P <= T;
  const std::size_t KL = static_cast<std::size_t>(K) * L, KW = static_cast<std::size_t>(K) * W;
  st.move_frac.assign(static_cast<std::size_t>(K), 0.0);
  st.year_start.assign(static_cast<std::size_t>(K), 0.0);
  // Followed groups: the year's customers by segment (GY of them), then the acquisition cohorts,
  // the new customers of each (possibly partial) year of the horizon.
  const int Y = index.years;  // the first MAX_COHORT_YEARS years
  const int GY = follow_years ? K : 0;
  FollowedGroups& followed = st.followed;
  reset_groups(followed, GY + Y, static_cast<std::size_t>(K), KL, KW);
  const auto G = static_cast<std::size_t>(followed.groups);
  const auto cohort_group = [&](int y) { return static_cast<std::size_t>(GY + y); };
  st.revenue_k.assign(static_cast<std::size_t>(K), 0.0);
  st.margin_k.assign(static_cast<std::size_t>(K), 0.0);
  st.cohort_cost.assign(static_cast<std::size_t>(Y), 0.0);
  st.cohort_value.assign(static_cast<std::size_t>(Y), 0.0);
  st.cohort_cash.assign(static_cast<std::size_t>(Y), 0.0);
  st.cohort_payback.assign(static_cast<std::size_t>(Y), NaN);
  // Recurring revenue per active customer and period (order rate x order value), and what the
  // channels' leads yield in the funnel.
  // (Their values in period t when they change in time.)
  const auto recurring = [&](int k, int t) {
    return m.in_period(m.orders_t, m.orders_per_period, k, t) *
           m.in_period(m.value_t, m.order_value, k, t);
  };
  std::array<FunnelYield, 64> small_yield{};
  std::vector<FunnelYield> large_yield;
  FunnelYield* yield = small_yield.data();
  if (NCH > static_cast<int>(small_yield.size())) {
    large_yield.resize(static_cast<std::size_t>(NCH));
    yield = large_yield.data();
  }
  for (int c = 0; c < NCH; ++c) yield[c] = funnel_yield(m, m.channel_entry[c]);
  double attributed_cost_total = 0.0, attributed_customers_total = 0.0;
  std::array<C, 3> funnel_out{};
  // Cell of lane `lane` (source src, segment j: src * KP + j), stage s, fresh or nurtured.
  const auto pidx = [&](int lane, int s, int nurtured) { return (lane * S + s) * 2 + nurtured; };
  const auto conditionals = [](const std::vector<BinomialProb>& v, std::size_t row, std::size_t n) {
    return std::span<const BinomialProb>(v.data() + row * n, n);
  };

  for (int i = 0; i < K * L; ++i) active[i] = draw.count(m.initial_customers[i], Purpose::Parameter, 0);
  const int pipeline = NS - 1;
  for (int s = 0; s < S; ++s) {
    const C n = draw.count(m.initial_prospects[s], Purpose::Parameter, 0);
    if (KP == 1) {
      prospects[pidx(pipeline, s, 1)] = n;
      continue;
    }
    // A market per segment: the pipeline's prospects of each stage are split by its mix now.
    draw.multinomial(n, m.sources[pipeline].segment_mix,
                     conditionals(m.conversion_draw, pipeline, K - 1), split, Purpose::Conversion,
                     cell(0, static_cast<std::uint64_t>(NS + s)));
    for (int j = 0; j < K; ++j) prospects[pidx(pipeline * KP + j, s, 1)] = split[j];
  }

  // Finite market: the people not reached yet in each pool (the business's market, or each
  // segment's); the initial customers and the pipeline's prospects are reached.
  std::vector<C>& unreached = st.unreached;
  unreached.assign(static_cast<std::size_t>(KP), C{});
  std::array<MarketDraw, 16> small_pools{};
  std::vector<MarketDraw> large_pools;
  MarketDraw* pools = small_pools.data();
  if (KP > static_cast<int>(small_pools.size())) {
    large_pools.resize(static_cast<std::size_t>(KP));
    pools = large_pools.data();
  }
  if (m.market) {
    for (int j = 0; j < KP; ++j) {
      double reached = 0.0;
      for (int k = 0; k < K; ++k)
        if (KP == 1 || k == j)
          for (int tau = 0; tau < L; ++tau) reached += static_cast<double>(active[k * L + tau]);
      for (int s = 0; s < S; ++s)
        reached += static_cast<double>(prospects[pidx(pipeline * KP + j, s, 1)]);
      const double potential = KP == 1 ? m.market_potential : m.segment_potential[j];
      unreached[j] = draw.count(std::max(0.0, potential - reached), Purpose::Parameter, 0);
    }
  }
  // The share of source src's contacts that goes to pool j: its segment mix per segment.
  const auto pool_share = [&](int src, int j) {
    return KP == 1 ? 1.0 : m.sources[src].segment_mix[j];
  };

  // Every active cell at a tenure from `occupied` on is empty (in every segment): the loops over
  // tenures stop there. Tenures fill one period at a time, so in the horizon's early periods
  // most of the L tenures hold nobody.
  int occupied = 1;
  for (int i = 0; i < K * L; ++i)
    if (active[i] != C{}) occupied = std::max(occupied, i % L + 1);
  double cumulative = 0.0, npv = 0.0, discount = 1.0;
  for (int t = 0; t < T; ++t) {
    discount /= 1.0 + m.discount_rate;

    // The group of a year: the customers active at its start, by segment.
    const bool year_starts = follow_years && t % P == 0 && t + P <= T;
    if (year_starts) {
      for (std::size_t c = 0; c < KL; ++c) std::fill_n(&followed.active[c * G], GY, 0.0);
      for (std::size_t c = 0; c < KW; ++c) std::fill_n(&followed.lapsed[c * G], GY, 0.0);
      std::fill_n(followed.any.begin(), GY, 1);
      for (int k = 0; k < K; ++k) {
        double n = 0.0;
        for (int tau = 0; tau < L; ++tau) {
          followed.active[(static_cast<std::size_t>(k) * L + tau) * G + k] =
              static_cast<double>(active[k * L + tau]);
          n += static_cast<double>(active[k * L + tau]);
        }
        st.year_start[k] = n;
      }
    }
    // The acquisition cohorts of later years have no members yet: the moves skip them.
    followed.live = GY + std::min(t / P + 1, Y);
    std::fill(followed.at_risk.begin(), followed.at_risk.end(), 0.0);
    std::fill(followed.attempts.begin(), followed.attempts.end(), 0.0);
    std::fill(followed.lapsed_next.begin(), followed.lapsed_next.end(), 0.0);
    std::fill(followed.next.begin(), followed.next.end(), 0.0);
    std::fill(followed.by_segment.begin(), followed.by_segment.end(), 0.0);

    // 1. Win-back of lapsed customers, with the success probability of their recency d + 1;
    // the won back rejoin at tenure 0 before churn, or skip this period's churn (next_period).
    C attempts{}, won{};
    const bool rejoin_now = m.returning_churn == ReturningChurn::SamePeriod;
    if (W > 0) {
      std::fill(lapsed_next.begin(), lapsed_next.end(), C{});
      st.won_back_by.assign(static_cast<std::size_t>(K), C{});
      for (int k = 0; k < K; ++k) {
        for (int d = 0; d < W; ++d) {
          const C n = lapsed[k * W + d];
          if (n == C{}) continue;
          attempts += n;
          const C back = draw.binomial(n, m.winback_draw[d], Purpose::WinBack, cell(t, k * W + d));
          won += back;
          const std::size_t from = static_cast<std::size_t>(k) * W + d;
          follow_win_back(followed, from, static_cast<std::size_t>(k) * L, from + 1, d + 1 < W,
                          static_cast<double>(back) / static_cast<double>(n), m.returning_churn,
                          static_cast<std::size_t>(k));
          if (rejoin_now)
            active[k * L] += back;
          else
            st.won_back_by[k] += back;
          if (d + 1 < W) lapsed_next[k * W + d + 1] = n - back;
        }
      }
    }

    // 2. Churn, then 3. migration of the survivors; tenure advances by one.
    std::fill(next.begin(), next.end(), C{});
    std::fill(churned_by.begin(), churned_by.end(), C{});
    std::fill(at_risk_k.begin(), at_risk_k.end(), 0.0);
    const std::span<double> move_frac(st.move_frac);
    C at_risk{}, churned{};
    // The bound of `next` after the moves; the won back and the new customers join at tenure 0.
    int next_occupied = 1;
    for (int k = 0; k < K; ++k) {
      const std::span<const double> row(&m.migration[static_cast<std::size_t>(k) * K], K);
      for (int tau = 0; tau < occupied; ++tau) {
        const C n = active[k * L + tau];
        if (n == C{}) continue;
        at_risk += n;
        at_risk_k[k] += static_cast<double>(n);
        const std::uint64_t where = cell(t, static_cast<std::uint64_t>(k) * L + tau);
        const int nt = std::min(tau + 1, L - 1);
        next_occupied = std::max(next_occupied, nt + 1);
        C lost{};
        double lost_frac = 0.0;
        const double nd = static_cast<double>(n);
        const std::size_t c = static_cast<std::size_t>(k) * L + tau;
        // A hazard that changes in time (schedule or season of churn, or of retention spend)
        // is drawn with the period's probability.
        const BinomialProb* hazard = &m.churn_draw[k * L + tau];
        BinomialProb in_period;
        if (m.hazard_in_time()) {
          in_period = BinomialProb(m.hazard_in_period(k, tau, t));
          hazard = &in_period;
        }
        if (!m.any_migration) {
          lost = draw.binomial(n, *hazard, Purpose::Churn, where);
          next[k * L + nt] += n - lost;
          std::fill(move_frac.begin(), move_frac.end(), 0.0);
          const Quotients q = divide2(static_cast<double>(n - lost), static_cast<double>(lost), nd);
          move_frac[k] = q.a;
          lost_frac = q.b;
        } else {
          // The survivors' migration continues the cell's churn stream.
          lost = draw.binomial_then_multinomial(n, *hazard, row,
                                                conditionals(m.migration_draw, k, K - 1), split,
                                                Purpose::Churn, where);
          for (int j = 0; j < K; ++j) next[j * L + nt] += split[j];
          // The fractions moved to each segment, then the fraction lost, two at a time.
          int j = 0;
          for (; j + 1 < K; j += 2) {
            const Quotients q =
                divide2(static_cast<double>(split[j]), static_cast<double>(split[j + 1]), nd);
            move_frac[j] = q.a;
            move_frac[j + 1] = q.b;
          }
          if (j < K) {
            const Quotients q =
                divide2(static_cast<double>(split[j]), static_cast<double>(lost), nd);
            move_frac[j] = q.a;
            lost_frac = q.b;
          } else {
            lost_frac = static_cast<double>(lost) / nd;
          }
        }
        churned_by[k] += lost;
        follow_churn(followed, c, static_cast<std::size_t>(k) * W, W > 0, lost_frac, move_frac,
                     static_cast<std::size_t>(L), static_cast<std::size_t>(nt));
      }
      churned += churned_by[k];
    }
    if (W > 0) {
      for (int k = 0; k < K; ++k) lapsed_next[k * W] = churned_by[k];
      std::swap(lapsed, lapsed_next);
      // Won back with returning_churn = next_period: active in this period without its churn
      // test (they order, earn and refer from step 4 on, at tenure 0's rates, in their segment),
      // and at tenure 0 again at its end, first facing churn next period.
      if (!rejoin_now)
        for (int k = 0; k < K; ++k) next[k * L] += st.won_back_by[k];
    }
    finish_moves(followed);

    // 4. Repurchase by the active customers after migration.
    double revenue = 0.0, margin = 0.0, serve = 0.0, orders = 0.0;
    for (int k = 0; k < K; ++k) {
      C a{};
      for (int tau = 0; tau < next_occupied; ++tau) a += next[k * L + tau];
      active_k[k] = static_cast<double>(a);
      if (m.value_tenures > 0) {
        // Value by tenure: each tenure cell orders and earns at the rates of its tenure at the
        // start of the period, one below the cell it has just moved to, on streams of its own.
        double contacts = 0.0, seg_revenue = 0.0, seg_margin = 0.0;
        for (int nt = 0; nt < next_occupied; ++nt) {
          const C n = next[k * L + nt];
          if (n == C{}) continue;
          const int tau = std::max(nt - 1, 0);
          const double nd = static_cast<double>(n);
          const std::uint64_t where = cell(t, static_cast<std::uint64_t>(K + k * L + nt));
          const double rate = m.by_tenure(m.orders_by_tenure, m.orders_per_period, k, tau) *
                              m.time_factor(m.orders_f, k, t);
          double o = 0.0;
          switch (m.order_model[k]) {
            case OrderModel::Poisson:
              o = static_cast<double>(draw.poisson(nd * rate, Purpose::Orders, where));
              break;
            case OrderModel::Fixed:
              o = nd * rate;
              break;
            case OrderModel::Bernoulli:
              o = static_cast<double>(draw.binomial(n, BinomialProb(rate), Purpose::Orders, where));
              break;
          }
          const double v = draw.order_value(o,
                                            m.by_tenure(m.value_by_tenure, m.order_value, k, tau) *
                                                m.time_factor(m.value_f, k, t),
                                            m.order_value_cv[k], Purpose::Revenue, where);
          const double g = v * m.by_tenure(m.margin_by_tenure, m.gross_margin, k, tau);
          orders += o;
          revenue += v;
          margin += g;
          seg_revenue += v;
          seg_margin += g;
          serve += nd * m.by_tenure(m.cost_by_tenure, m.cost_to_serve, k, tau) *
                   m.time_factor(m.cost_f, k, t);
          contacts += nd * m.by_tenure(m.referral_by_tenure, m.referral_rate, k, tau) *
                      m.time_factor(m.referral_f, k, t);
        }
        referral_contacts[k] = contacts;
        // The segment's revenue and margin, for the acquisition cohorts' shares (§5).
        st.revenue_k[k] = seg_revenue;
        st.margin_k[k] = seg_margin;
        continue;
      }
      // The period's values of keys that change in time (the levels otherwise).
      referral_contacts[k] = active_k[k] * m.in_period(m.referral_t, m.referral_rate, k, t);
      const double rate = m.in_period(m.orders_t, m.orders_per_period, k, t);
      double o = 0.0;
      switch (m.order_model[k]) {
        case OrderModel::Poisson:
          o = static_cast<double>(draw.poisson(active_k[k] * rate, Purpose::Orders, cell(t, k)));
          break;
        case OrderModel::Fixed: o = active_k[k] * rate; break;
        case OrderModel::Bernoulli:
          o = static_cast<double>(draw.binomial(
              a, m.orders_t.empty() ? m.order_draw[k] : BinomialProb(std::min(rate, 1.0)),
              Purpose::Orders, cell(t, k)));
          break;
      }
      const double v = draw.order_value(o, m.in_period(m.value_t, m.order_value, k, t),
                                        m.order_value_cv[k], Purpose::Revenue, cell(t, k));
      orders += o;
      revenue += v;
      margin += v * m.gross_margin[k];
      st.revenue_k[k] = v;
      st.margin_k[k] = v * m.gross_margin[k];
      serve += active_k[k] * m.in_period(m.cost_t, m.cost_to_serve, k, t);
    }

    // The acquisition cohorts' share of the period's revenue and contribution (§5): a cohort's
    // members in segment k earn their share of the segment's revenue and margin.
    const int cohort_now = t / P;  // no cohort (>= Y) after MAX_COHORT_YEARS years
    const bool in_cohort = cohort_now < Y;
    for (int y = 0; y < Y; ++y) {
      const std::size_t g = cohort_group(y);
      if (!followed.any[g]) continue;
      double rev = 0.0;
      double contribution = -followed.at_risk[g] * m.retention_per_customer_in(t) -
                            followed.attempts[g] * m.winback_cost;
      for (int k = 0; k < K; ++k) {
        if (!(active_k[k] > 0.0)) continue;
        const double x = followed.by_segment[k * G + g];
        const double share = x / active_k[k];
        rev += share * st.revenue_k[k];
        contribution += share * st.margin_k[k] - x * m.in_period(m.cost_t, m.cost_to_serve, k, t);
      }
      at(index.cohort(y, CohortMetric::Revenue), t) = rev;
      st.cohort_cash[y] += contribution;
    }

    // 5. Referrals: prospects enter the funnel at the referral entry stage, fresh. In a finite
    // market, referrals and leads are one multinomial split of the people not reached yet.
    // With a market per segment, each source's contacts are split over the pools by its
    // segment mix, and those it reaches in pool j are prospects of segment j (lane src * KP + j).
    if (m.market) {
      for (int j = 0; j < KP; ++j) {
        double contacts = 0.0;
        for (int k = 0; k < K; ++k) contacts += referral_contacts[k] * pool_share(NCH + k, j);
        for (int c = 0; c < NCH; ++c) contacts += m.channel_leads[c * T + t] * pool_share(c, j);
        pools[j] = MarketDraw(KP == 1 ? m.market_potential : m.segment_potential[j], contacts);
      }
    }
    double referred = 0.0;
    for (int k = 0; k < K; ++k) {
      const double mean = referral_contacts[k];
      if (m.market) {
        for (int j = 0; j < KP; ++j) {
          const C r =
              pools[j].reach(draw, unreached[j], mean * pool_share(NCH + k, j), Purpose::Referral,
                             cell(t, static_cast<std::uint64_t>(k * KP + j)));
          prospects[pidx((NCH + k) * KP + j, m.referral_entry, 0)] += r;
          referred += static_cast<double>(r);
        }
        continue;
      }
      const C r = draw.poisson(mean, Purpose::Referral, cell(t, k));
      prospects[pidx(NCH + k, m.referral_entry, 0)] += r;
      referred += static_cast<double>(r);
    }
    at(index.entered_stage(m.referral_entry), t) += referred;

    // 6. Acquisition: leads from each channel, fresh at the channel's entry stage.
    double leads = 0.0, channel_spend = 0.0, attributed_cost = 0.0, attributed_customers = 0.0;
    std::fill(entry_spend.begin(), entry_spend.end(), 0.0);
    for (int c = 0; c < NCH; ++c) {
      const double mean = m.channel_leads[c * T + t];
      C l{};
      if (m.market) {
        for (int j = 0; j < KP; ++j) {
          const C lj = pools[j].reach(draw, unreached[j], mean * pool_share(c, j), Purpose::Leads,
                                      cell(t, static_cast<std::uint64_t>(c * KP + j)));
          prospects[pidx(c * KP + j, m.channel_entry[c], 0)] += lj;
          l += lj;
        }
      } else {
        l = draw.poisson(mean, Purpose::Leads, cell(t, c));
        prospects[pidx(c, m.channel_entry[c], 0)] += l;
      }
      // What the channel's leads will cost and yield, in expectation over their time in the funnel.
      {
        const double ld = static_cast<double>(l), x = m.channel_spend[c * T + t];
        const double cost = x + (ld > 0.0 ? ld * yield[c].nurture_cost : 0.0);
        const double customers = ld * yield[c].conversion;
        at(index.channel_attributed_cac(c), t) = customers > 0.0 ? cost / customers : NaN;
        attributed_cost += cost;
        attributed_customers += customers;
        const double slope = m.channel_lead_slope[c * T + t];
        const double per_lead = slope * yield[c].conversion;
        at(index.channel_marginal_cac(c), t) =
            per_lead > 0.0 ? (1.0 + slope * yield[c].nurture_cost) / per_lead : INF;
      }
      leads += static_cast<double>(l);
      at(index.entered_stage(m.channel_entry[c]), t) += static_cast<double>(l);
      channel_spend += m.channel_spend[c * T + t];
      entry_spend[m.channel_entry[c]] += m.channel_spend[c * T + t];
    }

    // 7. Funnel: each cell advances, drops or stays (and is then nurtured).
    std::fill(prospects_next.begin(), prospects_next.end(), C{});
    std::fill(converted.begin(), converted.end(), C{});
    double nurture_spend = 0.0;
    std::fill(nurture_by_stage.begin(), nurture_by_stage.end(), 0.0);
    std::fill(nurture_by_source.begin(), nurture_by_source.end(), 0.0);
    for (int lane = 0; lane < lanes; ++lane) {
      const int src = lane / KP;
      for (int s = 0; s < S; ++s) {
        for (int nurtured = 0; nurtured < 2; ++nurtured) {
          const C n = prospects[pidx(lane, s, nurtured)];
          if (n == C{}) continue;
          if (nurtured) {
            const double cost = m.nurture_cost_in(s, t);
            nurture_spend += static_cast<double>(n) * cost;
            nurture_by_stage[s] += static_cast<double>(n) * cost;
            nurture_by_source[src] += static_cast<double>(n) * cost;
          }
          // The probabilities themselves only where the draw policy reads them (expected values).
          const std::array<double, 3> p =
              Draws::reads_probs ? m.funnel_probs(s, nurtured) : std::array<double, 3>{};
          draw.multinomial(
              n, p, conditionals(m.funnel_draw, static_cast<std::size_t>(s * 2 + nurtured), 2),
              funnel_out, Purpose::Funnel,
              cell(t, static_cast<std::uint64_t>(pidx(lane, s, nurtured))));
          if (s + 1 < S) {
            prospects_next[pidx(lane, s + 1, 0)] += funnel_out[0];
            at(index.entered_stage(s + 1), t) += static_cast<double>(funnel_out[0]);
          } else {
            converted[lane] += funnel_out[0];
          }
          prospects_next[pidx(lane, s, 1)] += funnel_out[2];
        }
      }
    }
    std::swap(prospects, prospects_next);

    // 8. Conversion: new customers join their segment at tenure 0 (active from next period).
    double new_total = 0.0, from_referral = 0.0, from_pipeline = 0.0;
    for (int lane = 0; lane < lanes; ++lane) {
      const C n = converted[lane];
      if (n == C{}) continue;
      const int src = lane / KP;
      const Source& source = m.sources[src];
      if (KP == 1) {
        draw.multinomial(n, source.segment_mix, conditionals(m.conversion_draw, src, K - 1), split,
                         Purpose::Conversion, cell(t, src));
      } else {  // a market per segment: the lane's prospects are of its segment
        std::fill(split.begin(), split.end(), C{});
        split[lane % KP] = n;
      }
      for (int k = 0; k < K; ++k) {
        next[k * L] += split[k];
        new_by_segment[static_cast<std::size_t>(t) * K + k] += static_cast<double>(split[k]);
        if (in_cohort) {
          const std::size_t g = cohort_group(cohort_now);
          followed.active[static_cast<std::size_t>(k) * L * G + g] += static_cast<double>(split[k]);
          followed.by_segment[k * G + g] += static_cast<double>(split[k]);
        }
      }
      if (in_cohort) followed.any[cohort_group(cohort_now)] = 1;
      const double nd = static_cast<double>(n);
      new_total += nd;
      switch (source.kind) {
        case Source::Kind::Channel: at(index.new_by_channel(source.index), t) += nd; break;
        case Source::Kind::Referral: from_referral += nd; break;
        case Source::Kind::Pipeline: from_pipeline += nd; break;
      }
    }
    std::swap(active, next);
    occupied = next_occupied;

    // Start booking: the period's new customers pay their sign-up (one period's orders and cost
    // to serve in the segment they join; streams of cells K + k, apart from the survivors').
    if (m.book_at_start) {
      for (int k = 0; k < K; ++k) {
        const double nk = new_by_segment[static_cast<std::size_t>(t) * K + k];
        if (nk == 0.0) continue;
        const std::uint64_t where = cell(t, static_cast<std::uint64_t>(K + k));
        const double rate = m.in_period(m.orders_t, m.orders_per_period, k, t);
        double o = 0.0;
        switch (m.order_model[k]) {
          case OrderModel::Poisson:
            o = static_cast<double>(draw.poisson(nk * rate, Purpose::Orders, where));
            break;
          case OrderModel::Fixed:
            o = nk * rate;
            break;
          case OrderModel::Bernoulli:
            o = static_cast<double>(draw.binomial(
                static_cast<C>(nk),
                m.orders_t.empty() ? m.order_draw[k] : BinomialProb(std::min(rate, 1.0)),
                Purpose::Orders, where));
            break;
        }
        const double v = draw.order_value(o, m.in_period(m.value_t, m.order_value, k, t),
                                          m.order_value_cv[k], Purpose::Revenue, where);
        orders += o;
        revenue += v;
        margin += v * m.gross_margin[k];
        serve += nk * m.in_period(m.cost_t, m.cost_to_serve, k, t);
      }
    }

    // Accounting for the period.
    const double acquisition = channel_spend + nurture_spend;
    const double retention =
        static_cast<double>(at_risk) * m.retention_per_customer_in(t) + m.retention_fixed_in(t);
    const double winback = static_cast<double>(attempts) * m.winback_cost;
    const double rewards = from_referral * m.referral_reward;
    const double profit = margin - serve - acquisition - retention - winback - rewards;
    cumulative += profit;
    // Flows at the end of period t, or at its start (start booking).
    const double booked = m.book_at_start ? discount * (1.0 + m.discount_rate) : discount;
    npv += profit * booked;
    double active_total = 0.0;
    for (int k = 0; k < K; ++k) {
      C a{};
      for (int tau = 0; tau < occupied; ++tau) a += active[k * L + tau];
      at(index.active_by_segment(k), t) = static_cast<double>(a);
      active_total += static_cast<double>(a);
    }
    const AcquisitionRatios ratios = acquisition_ratios(
        m, std::span<const double>(&new_by_segment[static_cast<std::size_t>(t) * K], K), acquisition + rewards);

    at(F(Metric::Revenue), t) = revenue;
    at(F(Metric::GrossMargin), t) = margin;
    at(F(Metric::CostToServe), t) = serve;
    at(F(Metric::AcquisitionSpend), t) = acquisition;
    at(F(Metric::RetentionSpend), t) = retention;
    at(F(Metric::WinBackSpend), t) = winback;
    at(F(Metric::ReferralRewards), t) = rewards;
    at(F(Metric::Profit), t) = profit;
    at(F(Metric::CumulativeProfit), t) = cumulative;
    at(F(Metric::DiscountedProfit), t) = profit * booked;
    at(F(Metric::Npv), t) = npv;
    at(F(Metric::ActiveCustomers), t) = active_total;
    at(F(Metric::NewCustomers), t) = new_total;
    at(F(Metric::ChurnedCustomers), t) = static_cast<double>(churned);
    at(F(Metric::WonBackCustomers), t) = static_cast<double>(won);
    at(F(Metric::RetentionRate), t) =
        at_risk > C{} ? static_cast<double>(at_risk - churned) / static_cast<double>(at_risk) : NaN;
    at(F(Metric::Orders), t) = orders;
    at(F(Metric::Leads), t) = leads;
    at(F(Metric::ReferredProspects), t) = referred;
    at(F(Metric::NewFromReferral), t) = from_referral;
    at(F(Metric::NewFromPipeline), t) = from_pipeline;
    at(F(Metric::Cac), t) = ratios.cac;
    at(F(Metric::Ltv), t) = ratios.ltv;
    at(F(Metric::LtvCac), t) = ratios.ltv_cac;
    at(F(Metric::PaybackPeriods), t) = ratios.payback;
    // Customer equity: the customers held now are worth gamma u at the end of this period (u
    // with start booking: they renew, and pay, at the start of the next).
    at(index.customer_equity(), t) =
        npv + (m.book_at_start ? discount : discount / (1.0 + m.discount_rate)) *
                  held_value(m, active, lapsed, occupied);

    // Finance and growth metrics (docs/model.md §5).
    auto fin = [&](FinanceMetric x) -> double& { return at(index.finance(x), t); };
    double run_rate = 0.0;
    for (int k = 0; k < K; ++k) run_rate += at(index.active_by_segment(k), t) * recurring(k, t);
    fin(FinanceMetric::Mrr) = run_rate * m.periods_per_year / 12.0;
    fin(FinanceMetric::Arr) = run_rate * m.periods_per_year;
    const int qualified = index.entered_stage(S > 1 ? 1 : 0);
    const double q_prev = t > 0 ? at(qualified, t - 1) : 0.0;
    fin(FinanceMetric::LeadVelocity) = q_prev > 0.0 ? (at(qualified, t) - q_prev) / q_prev : NaN;
    fin(FinanceMetric::AttributedCac) =
        attributed_customers > 0.0 ? attributed_cost / attributed_customers : NaN;
    attributed_cost_total += attributed_cost;
    attributed_customers_total += attributed_customers;
    fin(FinanceMetric::Nrr) = NaN;
    fin(FinanceMetric::Grr) = NaN;
    if (follow_years && (t + 1) % P == 0) {
      double start = 0.0, net = 0.0, gross = 0.0;
      for (int g = 0; g < K; ++g) {
        start += st.year_start[g] * recurring(g, t);
        for (int j = 0; j < K; ++j) {
          const double n = followed.by_segment[j * G + g];
          net += n * recurring(j, t);
          gross += n * std::min(recurring(j, t), recurring(g, t));
        }
      }
      if (start > 0.0) {
        fin(FinanceMetric::Nrr) = net / start;
        fin(FinanceMetric::Grr) = gross / start;
      }
    }
    fin(FinanceMetric::PaybackNever) = std::isnan(ratios.payback)   ? NaN
                                       : std::isinf(ratios.payback) ? 1.0
                                                                    : 0.0;
    for (int c = 0; c < NCH; ++c) {
      const double n = at(index.new_by_channel(c), t);
      at(index.channel_cac(c), t) =
          n > 0.0 ? (m.channel_spend[c * T + t] + nurture_by_source[c]) / n : NaN;
      double value = 0.0;
      for (int k = 0; k < K; ++k) value += m.sources[c].segment_mix[k] * m.ltv[k];
      at(index.channel_ltv_cac(c), t) = value / at(index.channel_attributed_cac(c), t);
    }
    // Acquisition cohorts (§5): the year's acquisition cost and value go to its cohort.
    {
      const double cost = acquisition + rewards;
      double value = 0.0;
      for (int k = 0; k < K; ++k)
        value += new_by_segment[static_cast<std::size_t>(t) * K + k] * m.ltv[k];
      if (in_cohort) {
        st.cohort_cost[cohort_now] += cost;
        st.cohort_value[cohort_now] += value;
        st.cohort_cash[cohort_now] -= cost;
      }
      for (int y = 0; y < Y; ++y) {
        auto c = [&](CohortMetric x) -> double& { return at(index.cohort(y, x), t); };
        if (y > cohort_now) {
          for (int x = 0; x < static_cast<int>(CohortMetric::Count_); ++x)
            at(index.cohort(y, static_cast<CohortMetric>(x)), t) = NaN;
          continue;
        }
        const std::size_t g = cohort_group(y);
        double n = 0.0;  // members at the period's end, the new ones included
        for (int k = 0; k < K; ++k) n += followed.by_segment[k * G + g];
        c(CohortMetric::Customers) = n;
        c(CohortMetric::Cash) = st.cohort_cash[y];
        c(CohortMetric::LtvCac) =
            st.cohort_cost[y] > 0.0 ? st.cohort_value[y] / st.cohort_cost[y] : NaN;
        double& payback = st.cohort_payback[y];
        if (followed.any[g] && std::isnan(payback) && st.cohort_cash[y] >= 0.0)
          payback = t - y * P + 1;
        c(CohortMetric::Payback) = !followed.any[g] ? NaN : std::isnan(payback) ? INF : payback;
      }
    }
    for (int k = 0; k < K; ++k) {
      at(index.segment_ltv(k), t) = m.ltv[k];
      at(index.segment_churn(k), t) =
          at_risk_k[k] > 0.0 ? static_cast<double>(churned_by[k]) / at_risk_k[k] : NaN;
    }
    // Cost per entry: the spend that can bring prospects into stage s (channels entering at or
    // before it, nurturing in the stages before it) over the entries of stage s.
    double upstream = 0.0;
    for (int s = 0; s < S; ++s) {
      upstream += entry_spend[s];
      const double e = at(index.entered_stage(s), t);
      at(index.cost_per_entered(s), t) = e > 0.0 ? upstream / e : NaN;
      upstream += nurture_by_stage[s];
    }
    if (m.market) {
      double left = 0.0;
      for (int j = 0; j < KP; ++j) left += static_cast<double>(unreached[j]);
      at(index.market_unreached(), t) = left;
      if (!m.segment_potential.empty())
        for (int k = 0; k < K; ++k)
          at(index.market_unreached_by_segment(k), t) =
              static_cast<double>(unreached[KP == 1 ? 0 : k]);
    }
  }

  // Totals over the horizon.
  auto sum = [&](Metric x) {
    double a = 0.0;
    for (int t = 0; t < T; ++t) a += at(F(x), t);
    return a;
  };
  auto total = [&](Total x) -> double& { return totals[static_cast<std::size_t>(x)]; };
  std::vector<double>& mix = st.mix;
  mix.assign(static_cast<std::size_t>(K), 0.0);
  for (int t = 0; t < T; ++t)
    for (int k = 0; k < K; ++k) mix[k] += new_by_segment[static_cast<std::size_t>(t) * K + k];
  const AcquisitionRatios ratios =
      acquisition_ratios(m, mix, sum(Metric::AcquisitionSpend) + sum(Metric::ReferralRewards));
  total(Total::Npv) = npv;
  total(Total::Revenue) = sum(Metric::Revenue);
  total(Total::GrossMargin) = sum(Metric::GrossMargin);
  total(Total::Profit) = sum(Metric::Profit);
  total(Total::AcquisitionSpend) = sum(Metric::AcquisitionSpend);
  total(Total::RetentionSpend) = sum(Metric::RetentionSpend);
  total(Total::NewCustomers) = sum(Metric::NewCustomers);
  total(Total::ChurnedCustomers) = sum(Metric::ChurnedCustomers);
  total(Total::WonBackCustomers) = sum(Metric::WonBackCustomers);
  total(Total::ActiveCustomers) = at(F(Metric::ActiveCustomers), T - 1);
  total(Total::Cac) = ratios.cac;
  total(Total::Ltv) = ratios.ltv;
  total(Total::LtvCac) = ratios.ltv_cac;
  total(Total::PaybackPeriods) = ratios.payback;
  total(Total::CustomerEquity) = at(index.customer_equity(), T - 1);
  total(Total::PaybackNever) = std::isnan(ratios.payback)   ? NaN
                               : std::isinf(ratios.payback) ? 1.0
                                                            : 0.0;
  total(Total::AttributedCac) =
      attributed_customers_total > 0.0 ? attributed_cost_total / attributed_customers_total : NaN;
  total(Total::Arr) = at(index.finance(FinanceMetric::Arr), T - 1);
}

}  // namespace

FunnelYield funnel_yield(const ModelParams& m, int entry_stage) {
  // Backwards from the last stage: y_s is the yield of a fresh prospect at s. A fresh prospect
  // advances (a), drops (d) or stays and is nurtured (1 - a - d); a nurtured one advances with
  // probability a' / (a' + d') in the end and stays 1 / (a' + d') periods, each at the stage's
  // nurture cost.
  FunnelYield y{1.0, 0.0};
  for (int s = m.stages - 1; s >= entry_stage; --s) {
    const StageRates& r = m.stage_rates[s];
    const double stay = std::max(0.0, 1.0 - r.advance - r.drop);
    const double leave = r.nurtured_advance + r.nurtured_drop;
    const double later = leave > 0.0 ? r.nurtured_advance / leave : 0.0;
    const double periods = stay > 0.0 ? (leave > 0.0 ? stay / leave : INF) : 0.0;
    const double advance = r.advance + stay * later;
    const double cost = r.nurture_cost > 0.0 ? periods * r.nurture_cost : 0.0;
    y = {advance * y.conversion, cost + advance * y.nurture_cost};
  }
  return y;
}

double payback_periods(const ModelParams& m, std::span<const double> new_by_segment, double cac) {
  const int K = m.segments, N = m.payback_periods;
  const double n = std::accumulate(new_by_segment.begin(), new_by_segment.end(), 0.0);
  if (!(n > 0.0) || std::isnan(cac)) return NaN;
  if (cac <= 0.0) return 0.0;
  // The mix w_k = new_k / n, once (the curve is scanned up to N times); on the stack for the
  // usual few segments.
  constexpr int FEW = 8;
  std::array<double, FEW> few{};
  std::vector<double> many(K > FEW ? static_cast<std::size_t>(K) : 0);
  double* const w = K > FEW ? many.data() : few.data();
  bool nonnegative = true;
  for (int k = 0; k < K; ++k) {
    w[k] = new_by_segment[k] / n;
    nonnegative = nonnegative && w[k] >= 0.0;
  }
  // The sign-up payment (start booking) is received at acquisition, before the first period.
  double previous = 0.0;
  for (int k = 0; k < K && k < static_cast<int>(m.signup_value.size()); ++k)
    previous += w[k] * m.signup_value[k];
  if (previous >= cac) return 0.0;
  // Never within N periods when even the mix of each curve's peak stays below CAC: with w >= 0,
  // each rounded term and sum of c(step) is at most that of the peaks, so no c(step) reaches it.
  if (nonnegative && m.payback_peak.size() == static_cast<std::size_t>(K)) {
    double bound = 0.0;
    for (int k = 0; k < K; ++k) bound += w[k] * m.payback_peak[k];
    if (bound < cac) return INF;
  }
  for (int step = 0; step < N; ++step) {
    double c = 0.0;
    for (int k = 0; k < K; ++k) c += w[k] * m.payback_curve[static_cast<std::size_t>(k) * N + step];
    if (c >= cac) return step + (cac - previous) / (c - previous);
    previous = c;
  }
  return INF;
}

void simulate_replication(const ModelParams& m, std::uint64_t seed, std::uint64_t replication,
                          std::span<double> metrics, std::span<double> totals, ReplicationState& state) {
  run(m, SampleDraws(seed, replication), metrics, totals, state);
}

void simulate_replication(const ModelParams& m, std::uint64_t seed, std::uint64_t replication,
                          std::span<double> metrics, std::span<double> totals) {
  ReplicationState state;
  run(m, SampleDraws(seed, replication), metrics, totals, state);
}

void trace_replication(const ModelParams& m, std::uint64_t seed, std::uint64_t replication,
                       std::span<double> metrics, std::span<double> totals, ReplicationState& state,
                       std::vector<DrawRecord>& log) {
  run(m, RecordDraws(seed, replication, log), metrics, totals, state);
}

void expected_trajectory(const ModelParams& m, std::span<double> metrics, std::span<double> totals) {
  ReplicationBuffers<double> state;
  run(m, MeanDraws{}, metrics, totals, state);
}

}  // namespace clvsim

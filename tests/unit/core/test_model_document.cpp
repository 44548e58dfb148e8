// docs/model.md as a specification. The expected-value trajectory of a scenario is re-derived
// here from the formulas of the documents alone, written out as plain recurrences (§1-§6 and §8),
// and must agree with the engine to 1e-12. Nothing below reads the engine's resolved parameters:
// every number comes from the scenario text and the documents' formulas.

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "clvsim/compare.hpp"
#include "clvsim/engine.hpp"
#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/model.hpp"
#include "clvsim/monte_carlo.hpp"
#include "clvsim/variants.hpp"

using namespace clvsim;

namespace {

constexpr int T = 30;

// Spend of the "events" channel in period t (0-based): a schedule with some zero-spend periods.
double events_spend(int t) {
  return t % 4 == 1 ? 0.0 : 10000.0 + 500.0 * t;
}

std::string scenario_text() {
  std::string schedule;
  for (int t = 0; t < T; ++t) schedule += (t ? ", " : "") + std::to_string(events_spend(t));
  return R"(
[simulation]
period = "month"
horizon = 30
annual_discount_rate = 0.08

[funnel]
stages = ["lead", "sql"]

[funnel.lead]
advance = { dist = "uniform", min = 0.10, max = 0.20 }  # nurtured rates defaulted
drop = 0.3
nurture_cost = 2.0

[funnel.sql]
advance = 0.4
drop = 0.2
nurtured_advance = 0.1
nurtured_drop = 0.3
nurture_cost = 5.0

[channels.search]
spend = 20000
cost_per_lead = 40
segment_mix = { basic = 3, premium = 1 }

[channels.events]
response = "saturating"
spend = [)" +
         schedule + R"(]
max_leads = 200
half_saturation_spend = 5000
entry_stage = "sql"
segment_mix = { premium = 1 }

[segments.basic]
churn = 0.05
orders_per_period = 1.2
order_value = 50
order_value_cv = 0.5
gross_margin = 0.7
cost_to_serve = 3
referrals_per_customer = 0.02
migration = { premium = 0.01 }
initial_customers = { dist = "uniform", min = 0, max = 241 }

[segments.premium]
churn_sbg = { alpha = 1.5, beta = 10 }
churn_multiplier = 1.2
order_model = "fixed"
order_value = 200
gross_margin = 0.6
cost_to_serve = 10
referrals_per_customer = 0.01
migration = { basic = 0.02 }
initial_customers = { dist = "normal", mean = 2, sd = 10 }
initial_tenure = 3

[retention]
spend_per_customer = 2
max_churn_reduction = 0.3
half_saturation = 4

[winback]
attempt_cost = 5
success_probability = 0.15
window = 3

[referral]
reward = 50
entry_stage = "lead"

[pipeline]
prospects = { lead = { dist = "triangular", min = 100, mode = 200, max = 451.5 }, sql = 40.5 }
segment_mix = { basic = 1, premium = 1 }
)";
}

// §3: a count is rounded to the nearest integer, halves away from zero (counts are >= 0).
double round_count(double x) {
  return std::floor(x + 0.5);
}

double Phi(double x) {
  return 0.5 * std::erfc(-x / std::numbers::sqrt2);
}
double phi(double x) {
  return std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi);
}

// The scenario's numbers at their point values, from the text above and docs/model.md §3-§4.
struct Doc {
  static constexpr int K = 2, S = 2, W = 3;
  // Segments: 0 basic (constant churn), 1 premium (sBG).
  double churn_basic = 0.05, alpha = 1.5, beta = 10.0, multiplier[K] = {1.0, 1.2};
  double rho = 0.3 * 2.0 / (2.0 + 4.0);  // §4
  double lambda[K] = {1.2, 1.0}, mu[K] = {50.0, 200.0}, g[K] = {0.7, 0.6}, cts[K] = {3.0, 10.0};
  double referrals[K] = {0.02, 0.01};
  double M[K][K] = {{0.99, 0.01}, {0.02, 0.98}};
  double retention_per_customer = 2.0;
  double q = 0.15, attempt_cost = 5.0, reward = 50.0;
  // Funnel: the lead stage's advance is uniform(0.10, 0.20), nurtured rates copy the fresh ones.
  double adv[S] = {(0.10 + 0.20) / 2.0, 0.4}, drop[S] = {0.3, 0.2};
  double nadv[S] = {(0.10 + 0.20) / 2.0, 0.1}, ndrop[S] = {0.3, 0.3};
  double nurture_cost[S] = {2.0, 5.0};
  double d = std::pow(1.08, 1.0 / 12.0) - 1.0;  // §5

  // Counts: rounded truncated means.
  double initial_basic = round_count((0.0 + 241.0) / 2.0);  // 120.5 -> 121
  double initial_premium = round_count(2.0 + 10.0 * (phi(-0.2) - 0.0) / (1.0 - Phi(-0.2)));
  double pipeline[S] = {round_count((100.0 + 200.0 + 451.5) / 3.0), round_count(40.5)};

  // Mixes, normalised.
  double mix_search[K] = {0.75, 0.25}, mix_events[K] = {0.0, 1.0}, mix_pipeline[K] = {0.5, 0.5};

  double hazard(int k, int tau) const {
    const double h = k == 0 ? churn_basic : alpha / (alpha + beta + tau);
    return std::min(1.0, h * multiplier[k] * (1.0 - rho));
  }
  double e(int j) const { return lambda[j] * mu[j] * g[j] - cts[j]; }
  double search_leads() const { return 20000.0 / 40.0; }
  double events_leads(int t) const {
    const double x = events_spend(t);
    return x > 0.0 ? 200.0 * x / (x + 5000.0) : 0.0;
  }
};

// §6: the customer chain, propagated forward: V_k = Σ_{n≥1} γⁿ x_{n-1} r and the payback curves
// C_k(n) = Σ_{i=1..n} x_{i-1} r, with x_0 the entry state (k, 0).
struct CustomerValueByDocs {
  std::vector<double> V;
  std::vector<double> u;  // [K * L + K * W] value of each state, active (k, tau) then lapsed (k, d)
  int L = 1;
  std::vector<std::vector<double>> C;  // [k][n - 1], n = 1..N
};

CustomerValueByDocs customer_value_by_docs(const Doc& doc, int L, int N) {
  constexpr int K = Doc::K, W = Doc::W;
  const int n_states = K * L + K * W;
  auto active = [&](int k, int tau) { return k * L + tau; };
  auto lapsed = [&](int k, int dd) { return K * L + k * W + (dd - 1); };  // dd = 1..W
  std::vector<double> r(n_states, 0.0);
  for (int k = 0; k < K; ++k) {
    for (int tau = 0; tau < L; ++tau) {
      double earn = 0.0;
      for (int j = 0; j < K; ++j) earn += doc.M[k][j] * doc.e(j);
      r[active(k, tau)] = (1.0 - doc.hazard(k, tau)) * earn - doc.retention_per_customer;
    }
    for (int dd = 1; dd <= W; ++dd) r[lapsed(k, dd)] = -doc.attempt_cost + doc.q * r[active(k, 0)];
  }
  const double gamma = 1.0 / (1.0 + doc.d);
  CustomerValueByDocs out;
  out.V.assign(K, 0.0);
  out.C.assign(K, std::vector<double>(static_cast<std::size_t>(N), 0.0));
  for (int k0 = 0; k0 < K; ++k0) {
    std::vector<double> x(n_states, 0.0), y(n_states);
    x[active(k0, 0)] = 1.0;
    long double value = 0.0L, discount = 1.0L;
    double cumulative = 0.0;
    // Long enough for discounting and churn to leave nothing (γⁿ < 1e-40 at n = 15000).
    for (int n = 1; n <= std::max(N, 15000); ++n) {
      double reward = 0.0;
      for (int i = 0; i < n_states; ++i) reward += x[i] * r[i];
      discount *= gamma;
      value += discount * reward;
      cumulative += reward;
      if (n <= N) out.C[k0][n - 1] = cumulative;
      std::fill(y.begin(), y.end(), 0.0);
      for (int k = 0; k < K; ++k) {
        auto move_active = [&](double mass, int tau) {
          const double h = doc.hazard(k, tau);
          const int next = std::min(tau + 1, L - 1);
          for (int j = 0; j < K; ++j) y[active(j, next)] += mass * (1.0 - h) * doc.M[k][j];
          y[lapsed(k, 1)] += mass * h;
        };
        for (int tau = 0; tau < L; ++tau) move_active(x[active(k, tau)], tau);
        for (int dd = 1; dd <= W; ++dd) {
          const double mass = x[lapsed(k, dd)];
          move_active(doc.q * mass, 0);  // won back: as active (k, 0) in the same period
          if (dd < W) y[lapsed(k, dd + 1)] += (1.0 - doc.q) * mass;
        }
      }
      std::swap(x, y);
    }
    out.V[k0] = static_cast<double>(value);
  }
  // §6 "Customer equity": u = r + gamma P u by value iteration, the same moves backwards.
  out.L = L;
  std::vector<double> u(n_states, 0.0), v(n_states);
  for (int it = 0; it < 15000; ++it) {
    for (int k = 0; k < K; ++k) {
      auto active_value = [&](int tau) {
        const double h = doc.hazard(k, tau);
        const int next = std::min(tau + 1, L - 1);
        double x = h * u[lapsed(k, 1)];
        for (int j = 0; j < K; ++j) x += (1.0 - h) * doc.M[k][j] * u[active(j, next)];
        return x;
      };
      for (int tau = 0; tau < L; ++tau) v[active(k, tau)] = r[active(k, tau)] + gamma * active_value(tau);
      for (int dd = 1; dd <= W; ++dd)
        v[lapsed(k, dd)] = r[lapsed(k, dd)] +
                           gamma * (doc.q * active_value(0) + (dd < W ? (1.0 - doc.q) * u[lapsed(k, dd + 1)] : 0.0));
    }
    std::swap(u, v);
  }
  out.u = u;
  return out;
}

// §6: payback of new customers `w` (counts by segment) at a given CAC.
double payback_by_docs(const CustomerValueByDocs& cv, const std::array<double, 2>& w, double cac) {
  const double n = w[0] + w[1];
  if (!(n > 0.0) || std::isnan(cac)) return std::numeric_limits<double>::quiet_NaN();
  if (cac <= 0.0) return 0.0;
  double previous = 0.0;  // c(0)
  const int N = static_cast<int>(cv.C[0].size());
  for (int step = 1; step <= N; ++step) {
    const double c = w[0] / n * cv.C[0][step - 1] + w[1] / n * cv.C[1][step - 1];
    if (c >= cac) return (step - 1) + (cac - previous) / (c - previous);
    previous = c;
  }
  return std::numeric_limits<double>::infinity();
}

using Series = std::vector<double>;

struct Trajectory {
  std::vector<std::pair<std::string, Series>> metrics;
  std::vector<std::pair<Total, double>> totals;
  Series& operator[](const std::string& name) {
    for (auto& [n, s] : metrics)
      if (n == name) return s;
    metrics.emplace_back(name, Series(T, 0.0));
    return metrics.back().second;
  }
};

// §1-§2 and §5 in expected-value mode (§8), at the point values.
Trajectory trajectory_by_docs(const Doc& doc, const CustomerValueByDocs& cv) {
  constexpr int K = Doc::K, S = Doc::S, W = Doc::W;
  // Sources: 0 search, 1 events, 2 referral from basic, 3 referral from premium, 4 pipeline.
  constexpr int NS = 5;
  const double* mix[NS] = {doc.mix_search, doc.mix_events, nullptr, nullptr, doc.mix_pipeline};
  const double referral_mix[K][K] = {{1.0, 0.0}, {0.0, 1.0}};  // the referrer's own segment
  const int tenures = 3 + T + 1;  // tenure is never capped in the population (§1)

  std::vector<std::vector<double>> A(K, std::vector<double>(tenures, 0.0));
  std::vector<std::vector<double>> Lapsed(K, std::vector<double>(W + 2, 0.0));  // d = 1..W
  double N[NS][S][2] = {};  // [source][stage][0 fresh, 1 nurtured]
  A[0][0] = doc.initial_basic;
  A[1][3] = doc.initial_premium;
  for (int s = 0; s < S; ++s) N[4][s][1] = doc.pipeline[s];

  Trajectory out;
  double cumulative = 0.0, npv = 0.0;
  std::array<double, K> horizon_new{};
  double horizon_cost = 0.0;
  // §5 revenue retention: the cohort of a year, by starting segment g, moved like the population.
  std::vector<std::vector<std::vector<double>>> G(K, A), GL(K, Lapsed);
  std::array<double, K> cohort_start{};
  const double rho_rev[K] = {doc.lambda[0] * doc.mu[0], doc.lambda[1] * doc.mu[1]};
  // §5 funnel yield: A_s and the nurtured periods of a fresh prospect at s.
  double A_s[S], stay_cost[S];
  for (int s = 0; s < S; ++s) {
    const double stay = 1.0 - doc.adv[s] - doc.drop[s], leave = doc.nadv[s] + doc.ndrop[s];
    A_s[s] = doc.adv[s] + stay * doc.nadv[s] / leave;
    stay_cost[s] = stay / leave * doc.nurture_cost[s];
  }
  const double pi_search = A_s[0] * A_s[1], nu_search = stay_cost[0] + A_s[0] * stay_cost[1];
  const double pi_events = A_s[1], nu_events = stay_cost[1];
  double previous_qualified = 0.0, attributed_cost = 0.0, attributed_yield = 0.0;
  // §5 acquisition cohorts: the new customers of each year, moved like the population.
  constexpr int Y = (T + 11) / 12;
  std::vector<std::vector<std::vector<double>>> Hc(
      Y, std::vector<std::vector<double>>(K, std::vector<double>(tenures, 0.0)));
  std::vector<std::vector<std::vector<double>>> HL(
      Y, std::vector<std::vector<double>>(K, std::vector<double>(W + 2, 0.0)));
  std::array<double, Y> cohort_cost{}, cohort_value{}, cohort_cash{}, cohort_payback{};
  std::array<bool, Y> cohort_any{};
  cohort_payback.fill(std::numeric_limits<double>::quiet_NaN());
  for (int t = 0; t < T; ++t) {
    const int year = t / 12;
    std::array<double, Y> cohort_risk{}, cohort_attempts{};
    for (int y = 0; y < Y; ++y) {
      std::vector<std::vector<double>> gl(K, std::vector<double>(W + 2, 0.0)),
          gn(K, std::vector<double>(tenures, 0.0));
      for (int k = 0; k < K; ++k)
        for (int dd = 1; dd <= W; ++dd) {
          cohort_attempts[y] += HL[y][k][dd];
          Hc[y][k][0] += doc.q * HL[y][k][dd];
          if (dd < W) gl[k][dd + 1] = (1.0 - doc.q) * HL[y][k][dd];
        }
      for (int k = 0; k < K; ++k)
        for (int tau = 0; tau < tenures; ++tau) {
          const double n = Hc[y][k][tau], D = n * doc.hazard(k, tau);
          cohort_risk[y] += n;
          gl[k][1] += D;
          for (int j = 0; j < K; ++j)
            gn[j][std::min(tau + 1, tenures - 1)] += (n - D) * doc.M[k][j];
        }
      Hc[y] = gn;
      HL[y] = gl;
    }
    std::array<double, Y> cohort_revenue{};
    for (int y = 0; y < Y; ++y) {
      cohort_cash[y] -=
          cohort_risk[y] * doc.retention_per_customer + cohort_attempts[y] * doc.attempt_cost;
      for (int k = 0; k < K; ++k) {
        double x = 0.0;
        for (double v : Hc[y][k]) x += v;
        cohort_revenue[y] += x * doc.lambda[k] * doc.mu[k];
        cohort_cash[y] += x * doc.e(k);
      }
    }
    if (t % 12 == 0 && t + 12 <= T) {
      for (int g = 0; g < K; ++g) {
        for (auto& row : G[g]) std::fill(row.begin(), row.end(), 0.0);
        for (auto& row : GL[g]) std::fill(row.begin(), row.end(), 0.0);
        G[g][g] = A[g];
        cohort_start[g] = 0.0;
        for (double x : A[g]) cohort_start[g] += x;
      }
    }
    for (int g = 0; g < K; ++g) {
      std::vector<std::vector<double>> gl(K, std::vector<double>(W + 2, 0.0)),
          gn(K, std::vector<double>(tenures, 0.0));
      for (int k = 0; k < K; ++k)
        for (int dd = 1; dd <= W; ++dd) {
          G[g][k][0] += doc.q * GL[g][k][dd];
          if (dd < W) gl[k][dd + 1] = (1.0 - doc.q) * GL[g][k][dd];
        }
      for (int k = 0; k < K; ++k)
        for (int tau = 0; tau < tenures; ++tau) {
          const double n = G[g][k][tau], D = n * doc.hazard(k, tau);
          gl[k][1] += D;
          for (int j = 0; j < K; ++j)
            gn[j][std::min(tau + 1, tenures - 1)] += (n - D) * doc.M[k][j];
        }
      G[g] = gn;
      GL[g] = gl;
    }
    // 1. Win-back.
    double attempts = 0.0, won = 0.0;
    std::vector<std::vector<double>> lapsed_next(K, std::vector<double>(W + 2, 0.0));
    for (int k = 0; k < K; ++k)
      for (int dd = 1; dd <= W; ++dd) {
        const double n = Lapsed[k][dd];
        attempts += n;
        won += doc.q * n;
        A[k][0] += doc.q * n;
        if (dd < W) lapsed_next[k][dd + 1] = (1.0 - doc.q) * n;
      }
    // 2. Churn and 3. migration.
    double at_risk = 0.0, churned = 0.0;
    std::array<double, K> at_risk_k{}, churned_k{};
    std::vector<std::vector<double>> next(K, std::vector<double>(tenures, 0.0));
    for (int k = 0; k < K; ++k)
      for (int tau = 0; tau < tenures; ++tau) {
        const double n = A[k][tau];
        at_risk += n;
        at_risk_k[k] += n;
        const double D = n * doc.hazard(k, tau);
        churned += D;
        churned_k[k] += D;
        lapsed_next[k][1] += D;
        for (int j = 0; j < K; ++j)
          next[j][std::min(tau + 1, tenures - 1)] += (n - D) * doc.M[k][j];
      }
    Lapsed = lapsed_next;
    // 4. Repurchase.
    double revenue = 0.0, margin = 0.0, serve = 0.0, orders = 0.0;
    std::array<double, K> a{};
    for (int k = 0; k < K; ++k) {
      for (double x : next[k]) a[k] += x;
      orders += a[k] * doc.lambda[k];
      revenue += a[k] * doc.lambda[k] * doc.mu[k];
      margin += a[k] * doc.lambda[k] * doc.mu[k] * doc.g[k];
      serve += a[k] * doc.cts[k];
    }
    // 5. Referral, at the first stage.
    std::array<double, S> entered{};
    double referred = 0.0;
    for (int k = 0; k < K; ++k) {
      N[2 + k][0][0] += a[k] * doc.referrals[k];
      referred += a[k] * doc.referrals[k];
    }
    entered[0] += referred;
    // 6. Acquisition: search at the first stage, events at the second.
    const double leads_search = doc.search_leads(), leads_events = doc.events_leads(t);
    N[0][0][0] += leads_search;
    N[1][1][0] += leads_events;
    entered[0] += leads_search;
    entered[1] += leads_events;
    // 7. Funnel.
    double Nn[NS][S][2] = {};
    std::array<double, NS> converted{};
    std::array<double, S> nurture{};
    std::array<double, NS> nurture_src{};
    for (int src = 0; src < NS; ++src)
      for (int s = 0; s < S; ++s)
        for (int nurtured = 0; nurtured < 2; ++nurtured) {
          const double n = N[src][s][nurtured];
          const double pa = nurtured ? doc.nadv[s] : doc.adv[s];
          const double pd = nurtured ? doc.ndrop[s] : doc.drop[s];
          if (nurtured) nurture[s] += n * doc.nurture_cost[s];
          if (nurtured) nurture_src[src] += n * doc.nurture_cost[s];
          const double advance = n * pa, stay = n * (1.0 - pa - pd);
          if (s + 1 < S) {
            Nn[src][s + 1][0] += advance;
            entered[s + 1] += advance;  // counted in the period it advances
          } else {
            converted[src] += advance;
          }
          Nn[src][s][1] += stay;
        }
    std::copy(&Nn[0][0][0], &Nn[0][0][0] + NS * S * 2, &N[0][0][0]);
    // 8. Conversion.
    std::array<double, K> new_k{};
    for (int src = 0; src < NS; ++src) {
      const double* w = src == 2 || src == 3 ? referral_mix[src - 2] : mix[src];
      for (int k = 0; k < K; ++k) {
        new_k[k] += converted[src] * w[k];
        next[k][0] += converted[src] * w[k];
      }
    }
    A = next;
    for (int k = 0; k < K; ++k) Hc[year][k][0] += new_k[k];
    cohort_any[year] = cohort_any[year] || new_k[0] + new_k[1] > 0.0;

    // §5 accounting.
    const double new_total = new_k[0] + new_k[1];
    const double channel_spend = 20000.0 + events_spend(t);
    const double acquisition = channel_spend + nurture[0] + nurture[1];
    const double retention = at_risk * doc.retention_per_customer;
    const double winback = attempts * doc.attempt_cost;
    const double rewards = (converted[2] + converted[3]) * doc.reward;
    const double profit = margin - serve - acquisition - retention - winback - rewards;
    const double discounted = profit / std::pow(1.0 + doc.d, t + 1);
    cumulative += profit;
    npv += discounted;
    std::array<double, K> active{};
    for (int k = 0; k < K; ++k)
      for (double x : A[k]) active[k] += x;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double cost = acquisition + rewards;
    const double value = new_k[0] * cv.V[0] + new_k[1] * cv.V[1];
    const double cac = new_total > 0.0 ? cost / new_total : nan;

    out["revenue"][t] = revenue;
    out["gross_margin"][t] = margin;
    out["cost_to_serve"][t] = serve;
    out["acquisition_spend"][t] = acquisition;
    out["retention_spend"][t] = retention;
    out["winback_spend"][t] = winback;
    out["referral_rewards"][t] = rewards;
    out["profit"][t] = profit;
    out["cumulative_profit"][t] = cumulative;
    out["discounted_profit"][t] = discounted;
    out["npv"][t] = npv;
    out["active_customers"][t] = active[0] + active[1];
    out["active_basic"][t] = active[0];
    out["active_premium"][t] = active[1];
    out["new_customers"][t] = new_total;
    out["new_customers_search"][t] = converted[0];
    out["new_customers_events"][t] = converted[1];
    out["new_customers_referral"][t] = converted[2] + converted[3];
    out["new_customers_pipeline"][t] = converted[4];
    out["churned_customers"][t] = churned;
    out["won_back_customers"][t] = won;
    out["retention_rate"][t] = 1.0 - churned / at_risk;
    out["orders"][t] = orders;
    out["leads"][t] = leads_search + leads_events;
    out["referred_prospects"][t] = referred;
    out["entered_lead"][t] = entered[0];
    out["entered_sql"][t] = entered[1];
    // Upstream spend: channels entering at or before the stage, nurturing before it.
    out["cost_per_entered_lead"][t] = 20000.0 / entered[0];
    out["cost_per_entered_sql"][t] = (20000.0 + events_spend(t) + nurture[0]) / entered[1];
    out["cac"][t] = cac;
    out["ltv"][t] = new_total > 0.0 ? value / new_total : nan;
    out["ltv_cac"][t] = cost > 0.0 ? value / cost : nan;
    out["payback_periods"][t] = payback_by_docs(cv, {new_k[0], new_k[1]}, cac);
    double held = 0.0;
    for (int k = 0; k < K; ++k) {
      for (int tau = 0; tau < tenures; ++tau) held += A[k][tau] * cv.u[k * cv.L + std::min(tau, cv.L - 1)];
      for (int dd = 1; dd <= W; ++dd) held += Lapsed[k][dd] * cv.u[K * cv.L + k * W + dd - 1];
    }
    out["customer_equity"][t] = npv + held / std::pow(1.0 + doc.d, t + 2);

    // §5 finance and growth metrics.
    const double run_rate = active[0] * rho_rev[0] + active[1] * rho_rev[1];
    out["mrr"][t] = run_rate;  // monthly periods: P / 12 = 1
    out["arr"][t] = 12.0 * run_rate;
    out["lead_velocity"][t] = t > 0 && previous_qualified > 0.0
                                  ? (entered[1] - previous_qualified) / previous_qualified
                                  : nan;
    previous_qualified = entered[1];
    const double cost_search = 20000.0 + leads_search * nu_search,
                 yield_search = leads_search * pi_search;
    const double cost_events = events_spend(t) + leads_events * nu_events,
                 yield_events = leads_events * pi_events;
    out["attributed_cac"][t] = (cost_search + cost_events) / (yield_search + yield_events);
    attributed_cost += cost_search + cost_events;
    attributed_yield += yield_search + yield_events;
    out["attributed_cac_search"][t] = cost_search / yield_search;
    out["attributed_cac_events"][t] = yield_events > 0.0 ? cost_events / yield_events : nan;
    out["marginal_cac_search"][t] = (1.0 + nu_search / 40.0) / (pi_search / 40.0);
    const double slope_events =
        200.0 * 5000.0 / ((events_spend(t) + 5000.0) * (events_spend(t) + 5000.0));
    out["marginal_cac_events"][t] = (1.0 + slope_events * nu_events) / (slope_events * pi_events);
    out["ltv_cac_search"][t] = (0.75 * cv.V[0] + 0.25 * cv.V[1]) / out["attributed_cac_search"][t];
    out["ltv_cac_events"][t] = cv.V[1] / out["attributed_cac_events"][t];
    out["cac_search"][t] = converted[0] > 0.0 ? (20000.0 + nurture_src[0]) / converted[0] : nan;
    out["cac_events"][t] =
        converted[1] > 0.0 ? (events_spend(t) + nurture_src[1]) / converted[1] : nan;
    out["ltv_basic"][t] = cv.V[0];
    out["ltv_premium"][t] = cv.V[1];
    out["churn_rate_basic"][t] = churned_k[0] / at_risk_k[0];
    out["churn_rate_premium"][t] = churned_k[1] / at_risk_k[1];
    const double payback = out["payback_periods"][t];
    out["payback_never"][t] = std::isnan(payback) ? nan : std::isinf(payback) ? 1.0 : 0.0;
    cohort_cost[year] += cost;
    cohort_value[year] += value;
    cohort_cash[year] -= cost;
    for (int y = 0; y < Y; ++y) {
      const std::string c = "cohort_" + std::to_string(y + 1) + "_";
      if (y > year) {
        for (const char* x : {"customers", "revenue", "cash", "ltv_cac", "payback"})
          out[c + x][t] = nan;
        continue;
      }
      double n_y = 0.0;
      for (int k = 0; k < K; ++k)
        for (double v : Hc[y][k]) n_y += v;
      out[c + "customers"][t] = n_y;
      out[c + "revenue"][t] = cohort_revenue[y];
      out[c + "cash"][t] = cohort_cash[y];
      out[c + "ltv_cac"][t] = cohort_value[y] / cohort_cost[y];
      if (cohort_any[y] && std::isnan(cohort_payback[y]) && cohort_cash[y] >= 0.0)
        cohort_payback[y] = t - 12 * y + 1;
      out[c + "payback"][t] = !cohort_any[y] ? nan
                              : std::isnan(cohort_payback[y])
                                  ? std::numeric_limits<double>::infinity()
                                  : cohort_payback[y];
    }
    out["nrr"][t] = out["grr"][t] = nan;
    if ((t + 1) % 12 == 0) {
      double start = 0.0, net = 0.0, gross = 0.0;
      for (int g = 0; g < K; ++g) {
        start += cohort_start[g] * rho_rev[g];
        for (int j = 0; j < K; ++j) {
          double n = 0.0;
          for (double x : G[g][j]) n += x;
          net += n * rho_rev[j];
          gross += n * std::min(rho_rev[j], rho_rev[g]);
        }
      }
      out["nrr"][t] = net / start;
      out["grr"][t] = gross / start;
    }

    for (int k = 0; k < K; ++k) horizon_new[k] += new_k[k];
    horizon_cost += cost;
  }
  const double n = horizon_new[0] + horizon_new[1];
  const double value = horizon_new[0] * cv.V[0] + horizon_new[1] * cv.V[1];
  auto sum = [&](const std::string& name) {
    double s = 0.0;
    for (double x : out[name]) s += x;
    return s;
  };
  out.totals = {{Total::Npv, npv},
                {Total::Revenue, sum("revenue")},
                {Total::Profit, sum("profit")},
                {Total::AcquisitionSpend, sum("acquisition_spend")},
                {Total::NewCustomers, n},
                {Total::ActiveCustomers, out["active_customers"][T - 1]},
                {Total::Cac, horizon_cost / n},
                {Total::Ltv, value / n},
                {Total::LtvCac, value / horizon_cost},
                {Total::PaybackPeriods, payback_by_docs(cv, horizon_new, horizon_cost / n)},
                {Total::CustomerEquity, out["customer_equity"][T - 1]},
                {Total::AttributedCac, attributed_cost / attributed_yield},
                {Total::PaybackNever,
                 std::isinf(payback_by_docs(cv, horizon_new, horizon_cost / n)) ? 1.0 : 0.0},
                {Total::Arr, out["arr"][T - 1]}};
  return out;
}

bool agree(double engine, double docs) {
  if (std::isnan(docs)) return std::isnan(engine);
  if (std::isinf(docs)) return engine == docs;
  return std::fabs(engine - docs) <= 1e-12 * std::max({1.0, std::fabs(engine), std::fabs(docs)});
}

}  // namespace

TEST_CASE("The expected-value trajectory follows from docs/model.md alone", "[engine][docs]") {
  // Uncertain counts (a .5 point value, a truncated normal), a defaulted uncertain nurtured rate,
  // win-back, sBG and constant churn, migration both ways, referrals, a saturating channel that
  // enters at the second stage with zero-spend periods, the pipeline, per-customer retention.
  const Scenario s = parse_scenario(scenario_text(), "docs.toml");
  const Doc doc;
  REQUIRE(doc.initial_basic == 121.0);  // 120.5 rounds up
  REQUIRE(doc.initial_premium == 9.0);  // round(8.75...), not round(2)
  REQUIRE(doc.pipeline[0] == 251.0);    // 250.5 rounds up
  REQUIRE(doc.pipeline[1] == 41.0);

  // The LTV chain: 20 years of monthly tenure by default; payback curves of max(240, T) periods.
  const CustomerValueByDocs cv = customer_value_by_docs(doc, 240, 240);
  const Trajectory docs = trajectory_by_docs(doc, cv);

  const ModelParams m = resolve_nominal(s);
  const MetricLayout layout(s);
  std::vector<double> engine(static_cast<std::size_t>(layout.size()) * T);
  std::vector<double> totals(static_cast<std::size_t>(Total::Count_));
  expected_trajectory(m, engine, totals);

  for (int k = 0; k < Doc::K; ++k) {
    INFO("segment " << k << ": engine " << m.ltv[k] << ", documents " << cv.V[k]);
    CHECK(agree(m.ltv[k], cv.V[k]));
  }
  // Every metric of the layout is re-derived.
  REQUIRE(docs.metrics.size() == static_cast<std::size_t>(layout.size()));
  for (const auto& [name, series] : docs.metrics) {
    const int idx = layout.index(name);
    REQUIRE(idx >= 0);
    for (int t = 0; t < T; ++t) {
      const double e = engine[static_cast<std::size_t>(idx) * T + t];
      INFO(name << " in period " << t + 1 << ": engine " << e << ", documents " << series[t]);
      CHECK(agree(e, series[t]));
    }
  }
  for (const auto& [total, value] : docs.totals) {
    const double e = totals[static_cast<std::size_t>(total)];
    INFO(total_infos()[static_cast<std::size_t>(total)].name << ": engine " << e << ", documents "
                                                             << value);
    CHECK(agree(e, value));
  }
}

TEST_CASE("The default LTV tenure cap is 20 years whatever the period", "[engine][markov]") {
  auto daily = [](const std::string& cap) {
    return parse_scenario("[simulation]\nperiod = \"day\"\nhorizon = 30\n" + cap +
                              "[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 0.5\n"
                              "[segments.only]\nchurn_sbg = { alpha = 0.5, beta = 20 }\n"
                              "order_value = 5\n",
                          "daily.toml");
  };
  const Scenario s = daily("");
  CHECK(effective_ltv_tenure_cap(s.simulation) == 7300);
  SimulationSettings other;
  for (auto [period, cap] : {std::pair{PeriodUnit::Week, 1040},
                             {PeriodUnit::Month, 240},
                             {PeriodUnit::Quarter, 80},
                             {PeriodUnit::Year, 20}}) {
    other.period = period;
    CHECK(effective_ltv_tenure_cap(other) == cap);
  }

  // docs/model.md §6: with margin m = 5 a day, V_L = m Σ γⁿ S_L(n), S_L the survival with the
  // hazard held at h(L-1) from tenure L-1 on; the uncapped V_∞ lies within
  // [V_L, V_L + m S(L) γ^(L+1) / (1 - γ)].
  const double m = 5.0, alpha = 0.5, beta = 20.0;
  const double gamma = 1.0 / std::pow(1.10, 1.0 / 365.0);
  auto series = [&](int cap, double* survival_at_cap) {
    long double v = 0.0L, survival = 1.0L, discount = 1.0L;
    for (int n = 1; n <= 400000; ++n) {  // γⁿ < 1e-45 at the end
      const int tau = std::min(n - 1, cap - 1);
      survival *= 1.0L - alpha / (alpha + beta + tau);
      discount *= gamma;
      v += discount * survival;
      if (n == cap && survival_at_cap) *survival_at_cap = static_cast<double>(survival);
    }
    return m * static_cast<double>(v);
  };
  double s_cap = 0.0;
  const double v_default = resolve_nominal(s).ltv[0];
  const double v_capped = series(7300, &s_cap);
  const double v_uncapped = series(1 << 30, nullptr);
  CHECK(v_default == Approx(v_capped).epsilon(1e-10));
  CHECK(v_default <= v_uncapped);
  CHECK(v_uncapped <= v_default + m * s_cap * std::pow(gamma, 7301) / (1.0 - gamma));

  // An explicit cap is kept: 240 periods (the old default, 8 months here) holds the hazard high
  // from then on and lowers the value.
  const double v_240 = resolve_nominal(daily("ltv_tenure_cap = 240\n")).ltv[0];
  CHECK(v_240 == Approx(series(240, nullptr)).epsilon(1e-10));
  CHECK(v_240 < v_default);

  // Monthly scenarios keep their results: the default is the old 240 months.
  const Scenario saas = parse_scenario(
      "[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 0.5\n"
      "[segments.only]\nchurn_sbg = { alpha = 0.9, beta = 12 }\norder_value = 50\n",
      "monthly.toml");
  Scenario saas_240 = saas;
  saas_240.simulation.ltv_tenure_cap = 240;
  const ModelParams a = resolve_nominal(saas), b = resolve_nominal(saas_240);
  CHECK(a.ltv == b.ltv);
  CHECK(a.payback_curve == b.payback_curve);

  // A cap longer than 20 years refines the value but leaves the payback curve at 20 years
  // (docs/model.md §6); an explicit ltv_horizon is kept. The value can only rise with the cap
  // (the hazard held at h(L-1) is above every later sBG hazard).
  Scenario long_cap = saas;
  long_cap.simulation.ltv_tenure_cap = 1'000'000;
  const ModelParams c = resolve_nominal(long_cap);
  CHECK(c.payback_periods == 240);
  CHECK(c.ltv[0] >= a.ltv[0]);
  long_cap.simulation.ltv_horizon = 500;
  CHECK(resolve_nominal(long_cap).payback_periods == 500);
}

TEST_CASE("Payback interpolates within the period and has defined edge cases", "[engine][docs]") {
  // docs/model.md §6. 100 leads a month at 100 each, all converting at once: CAC = 100. A new
  // customer keeps 0.95 of the customers a month and earns 100 while active, so C(1) = 95 and
  // C(2) = 95 + 90.25: payback = 1 + (100 - 95) / 90.25.
  auto scenario = [](const std::string& simulation, const std::string& acquisition) {
    return parse_scenario("[simulation]\nhorizon = 3\n" + simulation +
                              "[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 1\n"
                              "[segments.only]\nchurn = 0.05\norder_model = \"fixed\"\n"
                              "order_value = 100\n" +
                              acquisition,
                          "payback.toml");
  };
  auto expected = [](const Scenario& s, const std::string& metric) {
    const ModelParams m = resolve_nominal(s);
    const MetricLayout layout(s);
    std::vector<double> e(static_cast<std::size_t>(layout.size()) * m.horizon);
    std::vector<double> totals(static_cast<std::size_t>(Total::Count_));
    expected_trajectory(m, e, totals);
    const int idx = layout.index(metric);
    return std::vector<double>(e.begin() + static_cast<std::ptrdiff_t>(idx) * m.horizon,
                               e.begin() + static_cast<std::ptrdiff_t>(idx + 1) * m.horizon);
  };
  const std::string channel = "[channels.ads]\nspend = 10000\ncost_per_lead = 100\n";
  const double payback = 1.0 + (100.0 - 95.0) / 90.25;
  for (double x : expected(scenario("", channel), "payback_periods"))
    CHECK(x == Approx(payback).epsilon(1e-12));

  // An explicit ltv_horizon shorter than the payback is kept: the payback is never (+inf).
  for (double x : expected(scenario("ltv_horizon = 1\n", channel), "payback_periods"))
    CHECK(x == std::numeric_limits<double>::infinity());

  // Customers from the pipeline cost nothing: payback 0 in the period they convert; NaN in the
  // periods without new customers.
  const auto free =
      expected(scenario("", "[pipeline]\nprospects = { lead = 50 }\n"), "payback_periods");
  CHECK(free[0] == 0.0);
  CHECK(std::isnan(free[1]));
  CHECK(std::isnan(free[2]));
}

TEST_CASE("Annual retention of a comparison is the mean retention rate to the power P",
          "[engine][docs]") {
  // docs/model.md §9, in a weekly scenario: a large closed population with constant churn c has a
  // retention rate of 1 - c every week, so the annual retention is (1 - c)^52 up to binomial noise.
  const std::string toml = R"(
[simulation]
period = "week"
horizon = 26
[funnel]
stages = ["lead"]
[funnel.lead]
advance = 0.5
[segments.only]
churn = 0.01
order_value = 10
initial_customers = 1000000000000
[variants.halved]
scale = { "segments.only.churn_multiplier" = 0.5 }
)";
  const std::vector<Scenario> both = expand_variants(parse_scenario(toml, "weekly.toml"));
  REQUIRE(both.size() == 2);
  RunOptions opt;
  opt.replications = 8;
  opt.seed = 5;
  opt.use_seed = true;
  const RunResults res = run_monte_carlo(both, opt);
  const Comparison c = compare(res.scenarios[0], res.scenarios[1], 52.0);
  for (auto [churn, annual] :
       {std::pair{0.01, c.base_annual_retention}, std::pair{0.005, c.variant_annual_retention}}) {
    // Standard error of the annual figure: P a^(P-1) · sd of a weekly rate / sqrt(weeks · reps),
    // the weekly rate's sd taken at the smallest population.
    const double a = 1.0 - churn, smallest = 1e12 * std::pow(a, 26);
    const double se =
        52.0 * std::pow(a, 51) * std::sqrt(churn * a / smallest) / std::sqrt(26.0 * 8.0);
    CHECK(std::fabs(annual - std::pow(a, 52)) <= 4.0 * se + 1e-15);
  }
}

TEST_CASE("In the Monte Carlo each replication values its customers with its own draws",
          "[engine][docs][uncertainty]") {
  // docs/model.md §6: with churn c drawn per replication, a replication's new customers are worth
  // V(c) = m (1 - c) / (d + c), so the mean of the replications' LTV is E[V(c)], not V(E[c]).
  // For c ~ Uniform(a, b): E[V] = m / (b - a) · [(1 + d) ln((d + b) / (d + a)) - (b - a)].
  const std::string toml = R"(
[simulation]
horizon = 1
[funnel]
stages = ["lead"]
[funnel.lead]
advance = 1
[segments.only]
churn = { dist = "uniform", min = 0.02, max = 0.10 }
order_model = "fixed"
order_value = 10
[pipeline]
prospects = { lead = 10 }
)";
  const std::vector<Scenario> one{parse_scenario(toml, "per_replication.toml")};
  RunOptions opt;
  opt.replications = 2000;
  opt.seed = 3;
  opt.use_seed = true;
  const RunResults res = run_monte_carlo(one, opt);
  const ScenarioResults& r = res.scenarios.front();
  std::vector<double> ltv = r.across(Total::Ltv);
  double mean = 0.0, ss = 0.0;
  for (double x : ltv) mean += x / static_cast<double>(ltv.size());
  for (double x : ltv) ss += (x - mean) * (x - mean);
  const double se =
      std::sqrt(ss / static_cast<double>(ltv.size() - 1) / static_cast<double>(ltv.size()));

  const double m = 10.0, a = 0.02, b = 0.10, d = std::pow(1.10, 1.0 / 12.0) - 1.0;
  const double exact = m / (b - a) * ((1.0 + d) * std::log((d + b) / (d + a)) - (b - a));
  const double at_point_value = m * (1.0 - 0.06) / (d + 0.06);
  INFO("mean LTV " << mean << " +- " << se << ", E[V] " << exact << ", V(E[c]) " << at_point_value);
  CHECK(std::fabs(mean - exact) <= 4.0 * se);
  CHECK(std::fabs(mean - at_point_value) > 4.0 * se);
  CHECK(r.nominal_ltv[0] == Approx(at_point_value).epsilon(1e-12));  // /ltv/value: point values
}

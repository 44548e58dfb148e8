#include "clvsim/markov.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <stdexcept>

#include <Eigen/Dense>

#include "clvsim/model.hpp"
#include "clvsim/renewal.hpp"

namespace clvsim {
namespace {

constexpr double INF = std::numeric_limits<double>::infinity();

// Per-customer quantities shared by the chain, the value and the payback curve.
struct OneCustomer {
  int segments = 0;
  int tenures = 1;         // L, the last absorbing in tenure
  int window = 0;          // W lapsed buckets
  int earn_tenures = 1;    // tenures of `earn`: L with value curves by tenure, else 1
  std::span<double> earn;  // [K * earn_tenures] expected contribution of a survivor, migrating

  [[nodiscard]] static std::size_t earn_size(const ModelParams& m) {
    return static_cast<std::size_t>(m.segments) * (m.value_tenures > 0 ? m.ltv_tenure_cap : 1);
  }
  // `storage` holds earn_size(m) numbers.
  OneCustomer(const ModelParams& m, std::span<double> storage)
      : segments(m.segments),
        tenures(m.ltv_tenure_cap),
        window(m.winback ? m.winback_window : 0),
        earn_tenures(m.value_tenures > 0 ? m.ltv_tenure_cap : 1),
        earn(storage) {
    const int K = segments;
    CLVSIM_EXPECT(earn.size() == earn_size(m));
    std::fill(earn.begin(), earn.end(), 0.0);
    for (int tau = 0; tau < earn_tenures; ++tau) {
      for (int j = 0; j < K; ++j) {
        const double e = m.value_tenures > 0
                             ? m.contribution(j, tau)
                             : m.orders_per_period[j] * m.order_value[j] * m.gross_margin[j] -
                                   m.cost_to_serve[j];
        for (int k = 0; k < K; ++k)
          earn[static_cast<std::size_t>(k) * earn_tenures + tau] += m.migration[k * K + j] * e;
      }
    }
  }
  // Reward of an active customer of segment k at tenure tau whose churn probability this period
  // is h: survivors earn at the rates of their tenure at the start of the period.
  [[nodiscard]] double reward(const ModelParams& m, int k, int tau, double h) const {
    return (1.0 - h) *
               earn[static_cast<std::size_t>(k) * earn_tenures + std::min(tau, earn_tenures - 1)] -
           m.retention_per_customer;
  }
};

// What a won-back customer is worth, as a multiple of u(k, 0), when it returns from a lapsed state
// with success probability q: it moves as active (k, 0) in the same period (q), or is active
// (k, 0) at the start of the next (gamma q), having earned its return period's contribution.
double return_weight(const ModelParams& m, double gamma, double q) {
  return m.returning_churn == ReturningChurn::SamePeriod ? q : gamma * q;
}

// With returning_churn = next_period a customer won back from segment k earns, in the period it
// returns, the contribution of an active customer of segment k at tenure 0 without a churn test
// or a move; 0 otherwise (the same period's earnings are in u(k, 0)).
double return_earnings(const ModelParams& m, int k) {
  return m.returning_churn == ReturningChurn::NextPeriod ? m.contribution(k, 0) : 0.0;
}

// The first lapsed state's value z = gain u(., 0) + returns e - attempt_cost * attempts
// (docs/model.md §6): lapsed (k, d) is worth -attempt_cost + q_d e_k + w_d u(k, 0)
// + gamma (1 - q_d) u(k, d + 1), e_k = return_earnings, so with pi_d = prod_{e < d} gamma (1 -
// q_e), attempts = sum_d pi_d, gain = sum_d pi_d w_d and returns = sum_d pi_d q_d.
struct LapsedSums {
  double gain = 0.0;
  double attempts = 0.0;
  double returns = 0.0;
};

LapsedSums lapsed_sums(const ModelParams& m, double gamma, int W) {
  LapsedSums s;
  bool constant = true;
  double pi = 1.0;
  for (int d = 0; d < W; ++d) {
    const double q = m.winback_success[d];
    constant = constant && q == m.winback_success[0];
    s.attempts += pi;
    s.gain += pi * return_weight(m, gamma, q);
    s.returns += pi * q;
    pi *= gamma * (1.0 - q);
  }
  // One probability for every recency: gain = w c_W, c_W = sum_{e < W} (gamma (1 - q))^e, as
  // computed before recencies had probabilities of their own (the same rounding).
  if (constant && W > 0) s.gain = s.attempts * return_weight(m, gamma, m.winback_success[0]);
  return s;
}

// The active states' hazard h_k(tau) and reward r(k, tau), tau = 0..L-1, computed once per
// evaluation for the value, the state values and the payback curve, [tau * K + k].
struct StateTables {
  std::span<const double> hazard, reward;
  [[nodiscard]] const double* hazards(int tau, int K) const {
    return &hazard[static_cast<std::size_t>(tau) * K];
  }
  [[nodiscard]] const double* rewards(int tau, int K) const {
    return &reward[static_cast<std::size_t>(tau) * K];
  }
};

// Arrays of one evaluation carved out of the scratch buffer, which is sized once for all of
// them so that the pointers stay valid.
class Arena {
 public:
  Arena(std::vector<double>& buffer, std::size_t size) : buffer_(buffer) {
    if (buffer_.size() < size) buffer_.resize(size);
  }
  std::span<double> take(std::size_t n) {
    // Always checked: a size missing from the sum in customer_value would write past the buffer.
    if (used_ + n > buffer_.size()) throw std::logic_error("customer value: scratch too small");
    const std::span<double> out(buffer_.data() + used_, n);
    used_ += n;
    return out;
  }

 private:
  std::vector<double>& buffer_;
  std::size_t used_ = 0;
};

// The cap state L - 1 solves (I - gamma S M) x = rhs; its LU serves the value of tenure 0 and
// then the state values.
// With the segments known at compile time (KC > 0), the K x K matrices and the temporaries of
// their solves live on the stack: an evaluation allocates nothing but its arena.
template <int KC>
using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor,
                             (KC > 0 ? KC : Eigen::Dynamic), (KC > 0 ? KC : Eigen::Dynamic)>;
template <int KC>
using Vector =
    Eigen::Matrix<double, Eigen::Dynamic, 1, Eigen::ColMajor, (KC > 0 ? KC : Eigen::Dynamic), 1>;
template <int KC>
using CapLu = Eigen::FullPivLU<Matrix<KC>>;

template <int KC>
CapLu<KC> cap_lu(const ModelParams& m, const StateTables& tb, int K, int L, double gamma) {
  using Matrix = clvsim::Matrix<KC>;
  Matrix a = Matrix::Identity(K, K);
  const double* h = tb.hazards(L - 1, K);
  for (int k = 0; k < K; ++k)
    for (int j = 0; j < K; ++j) a(k, j) -= gamma * (1.0 - h[k]) * m.migration[k * K + j];
  return CapLu<KC>(a);
}

// Discounted value u(k, 0) of a customer active at tenure 0 (before the period's churn test),
// by one backward pass over tenure (docs/model.md, section 6). Every active value is affine in
// the values z of the first lapsed state, u(., tau) = alpha_tau + B_tau z; the cap state gives
// alpha and B at L - 1 by a K x K solve, the pass down to tau = 0 is O(L K^3), and win-back closes
// the loop z = c_W (q u(., 0) - attempt_cost) by a second K x K solve. False when singular.
template <int KC>
bool tenure_zero_values(const ModelParams& m, const OneCustomer& c, const StateTables& tb,
                        const CapLu<KC>& cap, Arena& arena, std::span<double> v0) {
  using Matrix = clvsim::Matrix<KC>;
  using Vector = clvsim::Vector<KC>;
  const int K = KC > 0 ? KC : c.segments, L = c.tenures, W = c.window;
  const double gamma = 1.0 / (1.0 + m.discount_rate);

  // The cap state L - 1: (I - gamma S M) x = r + gamma H z.
  if (!cap.isInvertible()) return false;
  Vector r(K), h(K);
  for (int k = 0; k < K; ++k) {
    h[k] = tb.hazards(L - 1, K)[k];
    r[k] = tb.rewards(L - 1, K)[k];
  }
  Vector alpha = cap.solve(r);
  Matrix beta = W > 0 ? Matrix(cap.solve(Matrix((gamma * h).asDiagonal()))) : Matrix::Zero(K, K);

  // Down to tenure 0: al and be (column-major, be[i * K + j] = B(j, i)) hold tenure tau + 1,
  // nal and nbe receive tenure tau, then they swap.
  const std::size_t KK = static_cast<std::size_t>(K) * K;
  const std::span<double> work = arena.take(2 * (static_cast<std::size_t>(K) + KK));
  double* __restrict al = work.data();
  double* __restrict nal = al + K;
  double* __restrict be = nal + K;
  double* __restrict nbe = be + KK;
  for (int k = 0; k < K; ++k) al[k] = alpha[k];
  for (int i = 0; i < K; ++i)
    for (int j = 0; j < K; ++j) be[i * K + j] = beta(j, i);
  const double* const migration = m.migration.data();
  for (int tau = L - 2; tau >= 0; --tau) {
    const double* hs = tb.hazards(tau, K);
    const double* rs = tb.rewards(tau, K);
    for (int k = 0; k < K; ++k) {
      const double hk = hs[k];
      const double g = gamma * (1.0 - hk);
      const double* row = &migration[static_cast<std::size_t>(k) * K];
      double x = 0.0;
      for (int j = 0; j < K; ++j) x += row[j] * al[j];
      nal[k] = rs[k] + g * x;
      if (W > 0) {
        for (int i = 0; i < K; ++i) {
          double y = 0.0;
          for (int j = 0; j < K; ++j) y += row[j] * be[i * K + j];
          nbe[i * K + k] = g * y + (i == k ? gamma * hk : 0.0);
        }
      }
    }
    std::swap(al, nal);
    if (W > 0) std::swap(be, nbe);
  }
  for (int k = 0; k < K; ++k) alpha[k] = al[k];
  if (W > 0)
    for (int i = 0; i < K; ++i)
      for (int j = 0; j < K; ++j) beta(j, i) = be[i * K + j];

  if (W > 0) {
    // z = gain u(., 0) + returns e - attempt_cost * attempts (lapsed_sums), closing the loop to
    // tenure 0.
    const LapsedSums z = lapsed_sums(m, gamma, W);
    const Matrix lhs = Matrix::Identity(K, K) - z.gain * beta;
    Vector rhs = alpha - z.attempts * m.winback_cost * beta * Vector::Ones(K);
    if (m.returning_churn == ReturningChurn::NextPeriod) {
      Vector e(K);
      for (int k = 0; k < K; ++k) e[k] = return_earnings(m, k);
      rhs += z.returns * (beta * e);
    }
    const Eigen::FullPivLU<Matrix> loop(lhs);
    if (!loop.isInvertible()) return false;
    alpha = loop.solve(rhs);
  }
  for (int k = 0; k < K; ++k) {
    v0[k] = alpha[k];
    if (!std::isfinite(v0[k])) return false;
  }
  return true;
}

// Undiscounted cumulative contribution C_k(n), n = 1..N, of a customer acquired into segment k:
// a forward recursion on the first run from tenure 0 (whose tenure equals its age, so the
// distribution is K numbers per step), and, with win-back, the renewal equation
// a(n) = f(n) + sum_{t=1..n} R(t) a(n - t) for restarts at tenure 0 (docs/model.md, section 6).
template <int KC>
void payback_curves(const ModelParams& m, const OneCustomer& c, const StateTables& tb, int N,
                    Arena& arena, std::vector<double>& out) {
  const int K = KC > 0 ? KC : c.segments, L = c.tenures, W = c.window;
  const auto KK = static_cast<std::size_t>(K) * K;
  out.assign(static_cast<std::size_t>(K) * N, 0.0);
  if (N <= 0) return;
  // A customer won back at age t restarts as a new customer at age t (same_period), or earns its
  // return period's contribution and restarts at age t + 1 (next_period).
  const int restart = m.returning_churn == ReturningChurn::SamePeriod ? 0 : 1;
  const std::span<double> earnings = arena.take(static_cast<std::size_t>(K));
  for (int k = 0; k < K; ++k) earnings[k] = return_earnings(m, k);

  // u[i * K + j]: mass of the first run started in segment i that is active in segment j.
  // With the segments known, u and next are local arrays the compiler keeps in registers.
  double u_here[KC > 0 ? KC * KC : 1], next_here[KC > 0 ? KC * KC : 1];
  double* u = KC > 0 ? u_here : arena.take(KK).data();
  double* next = KC > 0 ? next_here : arena.take(KK).data();
  std::fill(u, u + KK, 0.0);
  for (int i = 0; i < K; ++i) u[i * K + i] = 1.0;
  // With win-back: lapse flows of the last W steps (ring), restart kernels by (i, j) over t and
  // first-run rewards f, then the renewal.
  const std::span<double> lapse = arena.take(W > 0 ? KK * W : 0);
  const std::span<double> kij = arena.take(W > 0 ? KK * N : 0);
  std::fill(kij.begin(), kij.end(), 0.0);
  double* a = arena.take(static_cast<std::size_t>(K) * N).data();  // a[n * K + i]
  const double cost = m.winback_cost;
  const double* success = m.winback_success.data();
  const double* migration = m.migration.data();
  int slot = 0;  // t mod W, the ring slot of this step's lapses
  const std::span<double> weight = arena.take(static_cast<std::size_t>(W));
  for (int d = 0; d < W; ++d) weight[d] = d == 0 ? 1.0 : weight[d - 1] * (1.0 - success[d - 1]);
  for (int t = 0; t < N; ++t) {
    const int tau = std::min(t, L - 1);
    const double* h = tb.hazards(tau, K);
    const double* r = tb.rewards(tau, K);
    double* at = &a[static_cast<std::size_t>(t) * K];
    for (int i = 0; i < K; ++i) {
      double g = 0.0;
      for (int j = 0; j < K; ++j) g += u[i * K + j] * r[j];
      at[i] = g;
    }
    if (W > 0) {
      // Customers lapsed d + 1 steps after lapsing at age t - 1 - d, approached with the
      // success probability of recency d + 1, in proportion weight[d]; then this step's lapses.
      double* restarted = t + restart < N ? &kij[static_cast<std::size_t>(t + restart)] : nullptr;
      for (int i = 0; i < K; ++i) {
        double reward = at[i];
        // With K known, the restarts of (i, j) add up in registers from 0, as in kij (0 before).
        double restarts[KC > 0 ? KC : 1] = {};
        int from = slot;  // (t - 1 - d) mod W
        for (int d = 0; d < W && d < t; ++d) {
          from = from == 0 ? W - 1 : from - 1;
          const double q = success[d];
          const double* l =
              &lapse[static_cast<std::size_t>(from) * KK + static_cast<std::size_t>(i) * K];
          for (int j = 0; j < K; ++j) {
            const double mass = weight[d] * l[j];
            reward -= cost * mass;
            if (restart > 0) reward += q * mass * earnings[j];
            if constexpr (KC > 0)
              restarts[j] += q * mass;
            else if (restarted)
              restarted[(static_cast<std::size_t>(i) * K + j) * N] += q * mass;
          }
        }
        at[i] = reward;
        if constexpr (KC > 0)
          if (restarted)
            for (int j = 0; j < K; ++j)
              restarted[(static_cast<std::size_t>(i) * K + j) * N] = restarts[j];
      }
      double* l = &lapse[static_cast<std::size_t>(slot) * KK];
      for (int i = 0; i < K; ++i)
        for (int j = 0; j < K; ++j) l[i * K + j] = u[i * K + j] * h[j];
      slot = slot + 1 == W ? 0 : slot + 1;
    }
    std::fill(next, next + KK, 0.0);
    for (int i = 0; i < K; ++i)
      for (int j = 0; j < K; ++j) {
        const double survive = u[i * K + j] * (1.0 - h[j]);
        if (survive == 0.0) continue;
        for (int k = 0; k < K; ++k) next[i * K + k] += survive * migration[j * K + k];
      }
    if constexpr (KC > 0)
      std::copy(next, next + KK, u);
    else
      std::swap(u, next);
  }
  // A restart at age t in segment j continues as a new customer of segment j.
  if (W > 0)
    detail::renewal(K, N, kij.data(), a, arena.take(static_cast<std::size_t>(K) * N).data());
  for (int i = 0; i < K; ++i) {
    double total = 0.0;
    for (int n = 0; n < N; ++n) {
      total += a[static_cast<std::size_t>(n) * K + i];
      out[static_cast<std::size_t>(i) * N + n] = total;
    }
  }
}

// The value u(s) of every state, given u(., 0) = v0 from tenure_zero_values (docs/model.md,
// section 6, "Customer equity"). With z = u(lapsed ., 1) from the lapsed values, every active
// value follows from the cap state, (I - gamma S M) u(., L-1) = r + gamma H z, and one backward
// pass u(., tau) = r(., tau) + gamma S_tau M u(., tau+1) + gamma H_tau z: O(L K^2) after the K x K
// solve. Lapsed values: u(k, d) = -attempt_cost + w_d v0_k + gamma (1 - q_d) u(k, d+1), with
// w_d = q_d (same_period) or gamma q_d (next_period). +inf everywhere without v0.
template <int KC>
void state_values(const ModelParams& m, const OneCustomer& c, const StateTables& tb,
                  const CapLu<KC>& cap, std::span<const double> v0, Arena& arena,
                  std::vector<double>& out) {
  using Vector = clvsim::Vector<KC>;
  const int K = KC > 0 ? KC : c.segments, L = c.tenures, W = c.window;
  const auto n = static_cast<std::size_t>(K) * (L + W);
  if (v0.empty()) {
    out.assign(n, INF);
    return;
  }
  const double gamma = 1.0 / (1.0 + m.discount_rate);
  out.assign(n, 0.0);
  const auto active = [&](int k, int tau) -> double& {
    return out[static_cast<std::size_t>(k) * L + tau];
  };
  const auto lapsed = [&](int k, int d) -> double& {
    return out[static_cast<std::size_t>(K) * L + static_cast<std::size_t>(k) * W + d];
  };
  const std::span<double> z = arena.take(static_cast<std::size_t>(K));
  for (int k = 0; k < K; ++k) {
    z[k] = 0.0;
    const double earnings = return_earnings(m, k);
    double next = 0.0;  // the lapsed state after the window is lost
    for (int d = W - 1; d >= 0; --d) {
      const double q = m.winback_success[d];
      next = lapsed(k, d) =
          -m.winback_cost + return_weight(m, gamma, q) * v0[k] + gamma * (1.0 - q) * next;
      if (m.returning_churn == ReturningChurn::NextPeriod) next = lapsed(k, d) += q * earnings;
    }
    if (W > 0) z[k] = lapsed(k, 0);
  }
  Vector rhs(K);
  for (int k = 0; k < K; ++k) {
    const double h = tb.hazards(L - 1, K)[k];
    rhs[k] = tb.rewards(L - 1, K)[k] + gamma * h * z[k];
  }
  const Vector top = cap.solve(rhs);
  for (int k = 0; k < K; ++k) active(k, L - 1) = top[k];
  const double* const migration = m.migration.data();
  if constexpr (KC > 0) {
    // u(., tau + 1) and z in registers rather than read back from the output.
    double above[KC], now[KC], lapse[KC];
    for (int k = 0; k < KC; ++k) {
      above[k] = top[k];
      lapse[k] = z[k];
    }
    for (int tau = L - 2; tau >= 0; --tau) {
      const double* hs = tb.hazards(tau, K);
      const double* rs = tb.rewards(tau, K);
      for (int k = 0; k < KC; ++k) {
        const double h = hs[k];
        double x = 0.0;
        for (int j = 0; j < KC; ++j) x += migration[k * KC + j] * above[j];
        now[k] = rs[k] + gamma * ((1.0 - h) * x + h * lapse[k]);
      }
      for (int k = 0; k < KC; ++k) active(k, tau) = above[k] = now[k];
    }
  } else {
    for (int tau = L - 2; tau >= 0; --tau) {
      const double* hs = tb.hazards(tau, K);
      const double* rs = tb.rewards(tau, K);
      for (int k = 0; k < K; ++k) {
        const double h = hs[k];
        double x = 0.0;
        for (int j = 0; j < K; ++j) x += migration[k * K + j] * active(j, tau + 1);
        active(k, tau) = rs[k] + gamma * ((1.0 - h) * x + h * z[k]);
      }
    }
  }
}

}  // namespace

CustomerChain customer_chain(const ModelParams& m) {
  CustomerChain ch;
  std::vector<double> earn(OneCustomer::earn_size(m));
  const OneCustomer c(m, earn);
  const int K = m.segments;
  ch.segments = K;
  ch.tenures = c.tenures;
  ch.window = c.window;
  const int L = ch.tenures;
  const int n = ch.size();

  std::vector<Eigen::Triplet<double>> entries;
  ch.reward = Eigen::VectorXd::Zero(n);
  // Transitions of a customer active at (k, tau) at the start of the period, weighted by `w`.
  auto active_step = [&](int from, int k, int tau, double w) {
    const double h = m.hazard_at(k, tau);
    const double s = 1.0 - h;
    ch.reward[from] += w * c.reward(m, k, tau, h);
    const int next = std::min(tau + 1, L - 1);
    for (int j = 0; j < K; ++j) {
      const double p = w * s * m.migration[k * K + j];
      if (p > 0.0) entries.emplace_back(from, ch.active_state(j, next), p);
    }
    if (ch.window > 0 && h > 0.0) entries.emplace_back(from, ch.lapsed_state(k, 0), w * h);
  };
  for (int k = 0; k < K; ++k) {
    for (int tau = 0; tau < L; ++tau) active_step(ch.active_state(k, tau), k, tau, 1.0);
    for (int d = 0; d < ch.window; ++d) {
      const int from = ch.lapsed_state(k, d);
      const double q = m.winback_success[d];
      ch.reward[from] -= m.winback_cost;
      if (m.returning_churn == ReturningChurn::SamePeriod) {
        active_step(from, k, 0, q);  // won back: active at tenure 0 for this period
      } else if (q > 0.0) {
        // Won back: earns this period without a churn test, active at tenure 0 next period.
        ch.reward[from] += q * return_earnings(m, k);
        entries.emplace_back(from, ch.active_state(k, 0), q);
      }
      if (d + 1 < ch.window && q < 1.0)
        entries.emplace_back(from, ch.lapsed_state(k, d + 1), 1.0 - q);
    }
  }
  ch.transition.resize(n, n);
  ch.transition.setFromTriplets(entries.begin(), entries.end());  // sums duplicates
  return ch;
}

BoundaryValues boundary_values(const ModelParams& m) {
  BoundaryValues b;
  const int K = m.segments, L = m.ltv_tenure_cap, W = m.winback ? m.winback_window : 0;
  b.segments = K;
  b.tenures = L;
  b.window = W;
  const auto KL = static_cast<std::size_t>(K) * L;
  CLVSIM_EXPECT(m.state_value.size() == KL + static_cast<std::size_t>(K) * W);
  const double rho = m.book_at_start ? 1.0 : 1.0 / (1.0 + m.discount_rate);
  for (std::size_t i = 0; i < KL; ++i) b.active.push_back(rho * m.state_value[i]);
  for (std::size_t i = KL; i < m.state_value.size(); ++i)
    b.lapsed.push_back(rho * m.state_value[i]);
  b.initial.assign(static_cast<std::size_t>(K), 0.0);
  for (int k = 0; k < K; ++k)
    for (int tau = 0; tau < m.tenures; ++tau) {
      const double n = m.initial_customers[static_cast<std::size_t>(k) * m.tenures + tau];
      if (n != 0.0)
        b.initial[k] += n * b.active[static_cast<std::size_t>(k) * L + std::min(tau, L - 1)];
    }
  return b;
}

void customer_value(const ModelParams& m, int periods, CustomerValue& out,
                    CustomerValueScratch& scratch) {
  const int K = m.segments, L = m.ltv_tenure_cap, W = m.winback ? m.winback_window : 0;
  const int N = std::max(periods, 0);
  const auto k = static_cast<std::size_t>(K), kk = k * k;
  const std::size_t earn_size = OneCustomer::earn_size(m);
  const std::size_t tables = 2 * k * static_cast<std::size_t>(L);
  const std::size_t value = k + 2 * (k + kk);  // v0, alpha and beta twice
  const std::size_t curve = k + 2 * kk + kk * W + kk * N + k * N + W + k * N;
  const std::size_t states = k;
  Arena arena(scratch.buffer, earn_size + tables + value + curve + states);

  const OneCustomer c(m, arena.take(earn_size));
  const std::span<double> hazard = arena.take(k * L), reward = arena.take(k * L);
  for (int tau = 0; tau < L; ++tau)
    for (int j = 0; j < K; ++j) {
      const std::size_t at = static_cast<std::size_t>(tau) * K + j;
      hazard[at] = m.hazard_at(j, tau);
      reward[at] = c.reward(m, j, tau, hazard[at]);
    }
  const StateTables tb{hazard, reward};
  const double gamma = 1.0 / (1.0 + m.discount_rate);
  std::span<double> v0 = arena.take(k);
  // The passes over tenure with the usual few segments known at compile time, so that their
  // K x K products unroll into registers (the same operations in the same order).
  const auto passes = [&]<int KC>() {
    const CapLu<KC> cap = cap_lu<KC>(m, tb, K, L, gamma);
    if (!tenure_zero_values<KC>(m, c, tb, cap, arena, v0)) v0 = {};
    out.ltv.assign(k, INF);  // singular: no discounting, no churn
    for (std::size_t i = 0; i < v0.size(); ++i) out.ltv[i] = gamma * v0[i];
    payback_curves<KC>(m, c, tb, N, arena, out.cumulative_contribution);
    state_values<KC>(m, c, tb, cap, v0, arena, out.state_value);
  };
  detail::by_segments<3>(K, passes);
}

CustomerValue customer_value(const ModelParams& m, int periods) {
  CustomerValue out;
  CustomerValueScratch scratch;
  customer_value(m, periods, out, scratch);
  return out;
}

}  // namespace clvsim

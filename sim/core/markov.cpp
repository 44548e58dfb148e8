#include "clvsim/markov.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/SparseLU>

#include "clvsim/model.hpp"

namespace clvsim {

CustomerChain customer_chain(const ModelParams& m) {
  CustomerChain ch;
  const int K = m.segments;
  ch.segments = K;
  ch.tenures = m.ltv_tenure_cap;
  ch.window = m.winback ? m.winback_window : 0;
  const int L = ch.tenures;
  const int n = ch.size();

  // Expected contribution of a customer who survives in segment k and then migrates.
  std::vector<double> earn(K, 0.0);
  for (int k = 0; k < K; ++k) {
    for (int j = 0; j < K; ++j) {
      const double e = m.orders_per_period[j] * m.order_value[j] * m.gross_margin[j] - m.cost_to_serve[j];
      earn[k] += m.migration[k * K + j] * e;
    }
  }

  std::vector<Eigen::Triplet<double>> entries;
  ch.reward = Eigen::VectorXd::Zero(n);
  // Transitions of a customer active at (k, tau) at the start of the period, weighted by `w`.
  auto active_step = [&](int from, int k, int tau, double w) {
    const double h = m.hazard_at(k, tau);
    const double s = 1.0 - h;
    ch.reward[from] += w * (s * earn[k] - m.retention_per_customer);
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
      const double q = m.winback_success;
      ch.reward[from] -= m.winback_cost;
      active_step(from, k, 0, q);  // won back: active at tenure 0 for this period
      if (d + 1 < ch.window && q < 1.0) entries.emplace_back(from, ch.lapsed_state(k, d + 1), 1.0 - q);
    }
  }
  ch.transition.resize(n, n);
  ch.transition.setFromTriplets(entries.begin(), entries.end());  // sums duplicates
  return ch;
}

CustomerValue customer_value(const ModelParams& m, int periods) {
  const CustomerChain ch = customer_chain(m);
  const int K = m.segments;
  const int n = ch.size();
  const double gamma = 1.0 / (1.0 + m.discount_rate);
  CustomerValue out;

  // (I - gamma P) u = r.
  Eigen::SparseMatrix<double> a(n, n);
  a.setIdentity();
  a -= gamma * Eigen::SparseMatrix<double>(ch.transition);
  a.makeCompressed();
  Eigen::SparseLU<Eigen::SparseMatrix<double>> lu;
  lu.compute(a);
  Eigen::VectorXd u;
  if (lu.info() == Eigen::Success) u = lu.solve(ch.reward);
  const bool solved = lu.info() == Eigen::Success && u.allFinite();
  out.ltv.resize(K);
  for (int k = 0; k < K; ++k) {
    out.ltv[k] = solved ? gamma * u[ch.active_state(k, 0)]
                        : std::numeric_limits<double>::infinity();  // no discounting, no churn
  }

  // Cumulative undiscounted contribution of one new customer per segment: x_n = x_0 P^(n-1).
  out.cumulative_contribution.assign(static_cast<std::size_t>(K) * periods, 0.0);
  Eigen::MatrixXd x = Eigen::MatrixXd::Zero(n, K);
  for (int k = 0; k < K; ++k) x(ch.active_state(k, 0), k) = 1.0;
  Eigen::VectorXd total = Eigen::VectorXd::Zero(K);
  const Eigen::SparseMatrix<double> pt = ch.transition.transpose();
  for (int step = 0; step < periods; ++step) {
    total += x.transpose() * ch.reward;
    for (int k = 0; k < K; ++k) out.cumulative_contribution[static_cast<std::size_t>(k) * periods + step] = total[k];
    x = pt * x;
  }
  return out;
}

}  // namespace clvsim

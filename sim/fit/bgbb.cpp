#include "clvsim/fit/bgbb.hpp"

#include <algorithm>
#include <cmath>

#include "clvsim/error.hpp"
#include "mixing.hpp"

namespace clvsim::fit {

double RfSummary::customers() const {
  double n = 0.0;
  for (const RfRow& r : rows) n += r.count;
  return n;
}

namespace {
// log of prod_{j<k} (a + j): the ratio Gamma(a + k) / Gamma(a) for whole k, without the
// cancellation of lgamma differences when a is large.
double log_rising(double a, int k) {
  double s = 0.0;
  for (int j = 0; j < k; ++j) s += std::log(a + j);
  return s;
}

double log_beta_ratio(double a, double b, int u, int v) {
  // log B(a + u, b + v) / B(a, b)
  return log_rising(a, u) + log_rising(b, v) - log_rising(a + b, u + v);
}
}  // namespace

double bgbb_log_likelihood(const BgbbParams& p, int x, int tx, int n) {
  const double a = p.alpha, b = p.beta, g = p.gamma, d = p.delta;
  // Alive through all n periods.
  const double first = log_beta_ratio(a, b, x, n - x) + log_beta_ratio(g, d, 0, n);
  // Died at the start of period tx + i + 1, i = 0..n - tx - 1: the terms
  // B(a + x, b + tx - x + i) / B(a, b) * B(g + 1, d + tx + i) / B(g, d), updated by ratios.
  // B(g + 1, d + tx) / B(g, d) = g / (g + d) * B(g + 1, d + tx) / B(g + 1, d).
  double term =
      log_beta_ratio(a, b, x, tx - x) + std::log(g / (g + d)) + log_beta_ratio(g + 1.0, d, 0, tx);
  double m = first;
  std::vector<double> terms;
  terms.reserve(static_cast<std::size_t>(n - tx) + 1);
  terms.push_back(first);
  for (int i = 0; i < n - tx; ++i) {
    terms.push_back(term);
    m = std::max(m, term);
    term += std::log((b + tx - x + i) / (a + b + tx + i)) +
            std::log((d + tx + i) / (g + d + 1.0 + tx + i));
  }
  double s = 0.0;
  for (double t : terms) s += std::exp(t - m);
  return m + std::log(s);
}

double bgbb_log_likelihood(const BgbbParams& p, const RfSummary& data) {
  // The same sums as the single-customer form, with the rising factorials tabulated once:
  // log B(a + x, b + v) / B(a, b) = R_a[x] + R_b[v] - R_ab[x + v], and
  // log B(g + 1, d + m) / B(g, d) = log g + R_d[m] - R_gd[m + 1].
  int nmax = 0;
  for (const RfRow& r : data.rows) nmax = std::max(nmax, r.periods);
  const auto table = [nmax](double a) {
    std::vector<double> t(static_cast<std::size_t>(nmax) + 2, 0.0);
    for (std::size_t k = 1; k < t.size(); ++k)
      t[k] = t[k - 1] + std::log(a + static_cast<double>(k - 1));
    return t;
  };
  const std::vector<double> ra = table(p.alpha), rb = table(p.beta), rab = table(p.alpha + p.beta),
                            rd = table(p.delta), rgd = table(p.gamma + p.delta);
  const double log_g = std::log(p.gamma);
  double ll = 0.0;
  for (const RfRow& r : data.rows) {
    if (r.count <= 0) continue;
    const int x = r.frequency, tx = r.recency, n = r.periods;
    const double first = ra[x] + rb[n - x] - rab[n] + rd[n] - rgd[n];
    double m = first;
    for (int i = 0; i < n - tx; ++i)
      m = std::max(m, ra[x] + rb[tx - x + i] - rab[tx + i] + log_g + rd[tx + i] - rgd[tx + i + 1]);
    double s = std::exp(first - m);
    for (int i = 0; i < n - tx; ++i)
      s +=
          std::exp(ra[x] + rb[tx - x + i] - rab[tx + i] + log_g + rd[tx + i] - rgd[tx + i + 1] - m);
    ll += r.count * (m + std::log(s));
  }
  return ll;
}

double bgbb_survival(double gamma, double delta, int t) {
  return std::exp(log_beta_ratio(gamma, delta, 0, t));
}

double bgbb_expected_transactions(const BgbbParams& p, int n) {
  double s = 0.0, log_alive = 0.0;
  for (int t = 1; t <= n; ++t) {
    log_alive += std::log((p.delta + t - 1) / (p.gamma + p.delta + t - 1));
    s += std::exp(log_alive);
  }
  return p.alpha / (p.alpha + p.beta) * s;
}

BgbbParams bgbb_params(const FitResult& fit) {
  BgbbParams p;
  const double k = detail::LIMIT_KAPPA;
  for (const Parameter& q : fit.params) {
    if (q.name == "alpha") p.alpha = q.estimate;
    if (q.name == "beta") p.beta = q.estimate;
    if (q.name == "gamma") p.gamma = q.estimate;
    if (q.name == "delta") p.delta = q.estimate;
    if (q.name == "p") p.alpha = q.estimate * k, p.beta = (1.0 - q.estimate) * k;
    if (q.name == "theta") p.gamma = q.estimate * k, p.delta = (1.0 - q.estimate) * k;
  }
  return p;
}

FitResult fit_bgbb(const RfSummary& data) {
  double customers = 0.0, opportunities = 0.0, purchases = 0.0, last = 0.0;
  for (const RfRow& r : data.rows) {
    if (r.periods < 0 || r.frequency < 0 || r.frequency > r.periods || r.recency > r.periods ||
        r.frequency > r.recency || (r.frequency == 0) != (r.recency == 0) || r.count < 0)
      throw InputError("recency-frequency row (x = " + std::to_string(r.frequency) + ", t_x = " +
                       std::to_string(r.recency) + ", n = " + std::to_string(r.periods) +
                       ") is impossible (need 0 <= x <= t_x <= n, and t_x = 0 exactly when x = 0)");
    customers += r.count;
    opportunities += r.count * r.periods;
    purchases += r.count * r.frequency;
    last += r.count * r.recency;
  }
  if (customers <= 0.0 || opportunities <= 0.0)
    throw InputError("no customer with at least one transaction opportunity to fit BG/BB to");
  if (purchases <= 0.0)
    throw InputError("no repeat transaction in the data: BG/BB cannot be estimated");
  // Starts: purchase probability over the periods up to the last purchase; dropout from the gap.
  const double p0 = std::clamp(purchases / std::max(last, 1.0), 0.01, 0.99);
  const double theta0 = std::clamp(1.0 - last / opportunities, 0.01, 0.9);
  auto ll = [&](const Eigen::VectorXd& ab) {
    return bgbb_log_likelihood({ab[0], ab[1], ab[2], ab[3]}, data);
  };
  const detail::MixingFit mix = detail::fit_beta_mixtures(ll, {p0, theta0});

  // The reported parameters: log alpha, log beta (or logit p), log gamma, log delta (or logit
  // theta).
  std::vector<std::string> names;
  std::vector<Scale> scales;
  std::vector<double> z;
  const char* pair_names[2][2] = {{"alpha", "beta"}, {"gamma", "delta"}};
  const char* limit_names[2] = {"p", "theta"};
  for (int i = 0; i < 2; ++i) {
    if (mix.at_infinity[i]) {
      names.emplace_back(limit_names[i]);
      scales.push_back(Scale::Logit);
      z.push_back(to_transformed(Scale::Logit, mix.means[i]));
    } else {
      for (int j = 0; j < 2; ++j) {
        names.emplace_back(pair_names[i][j]);
        scales.push_back(Scale::Log);
        z.push_back(mix.log_ab[2 * i + j]);
      }
    }
  }
  const Objective on_scale = [&](const Eigen::VectorXd& v) {
    FitResult tmp;
    for (std::size_t i = 0; i < names.size(); ++i)
      tmp.params.push_back(
          {names[i], from_transformed(scales[i], v[static_cast<Eigen::Index>(i)])});
    return bgbb_log_likelihood(bgbb_params(tmp), data);
  };
  FitResult r = make_result(
      "bgbb", names, scales, on_scale,
      Eigen::Map<const Eigen::VectorXd>(z.data(), static_cast<Eigen::Index>(z.size())), customers);
  std::string note;
  if (mix.at_infinity[0]) note += detail::homogeneous_note("purchase", mix.means[0]);
  if (mix.at_infinity[1])
    note += (note.empty() ? "" : "; ") + detail::homogeneous_note("dropout", mix.means[1]);
  r.boundary_note = note;
  return r;
}

}  // namespace clvsim::fit

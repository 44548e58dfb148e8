#include "clvsim/fit/estimate.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <nlopt.h>

#include "clvsim/error.hpp"
#include "clvsim/random.hpp"
#include "clvsim/samplers.hpp"

namespace clvsim::fit {

double to_transformed(Scale scale, double value) {
  switch (scale) {
    case Scale::Log:
      return std::log(value);
    case Scale::Logit:
      return std::log(value) - std::log1p(-value);
    case Scale::Identity:
      break;
  }
  return value;
}

double from_transformed(Scale scale, double z) {
  switch (scale) {
    case Scale::Log:
      return std::exp(z);
    case Scale::Logit:
      return 1.0 / (1.0 + std::exp(-z));
    case Scale::Identity:
      break;
  }
  return z;
}

double natural_derivative(Scale scale, double z) {
  switch (scale) {
    case Scale::Log:
      return std::exp(z);
    case Scale::Logit: {
      const double p = from_transformed(Scale::Logit, z);
      return p * (1.0 - p);
    }
    case Scale::Identity:
      break;
  }
  return 1.0;
}

const Parameter& FitResult::param(const std::string& name) const {
  for (const Parameter& p : params)
    if (p.name == name) return p;
  throw std::out_of_range("fit of " + model + " has no parameter " + name);
}

int FitResult::param_index(const std::string& name) const {
  for (std::size_t i = 0; i < params.size(); ++i)
    if (params[i].name == name) return static_cast<int>(i);
  return -1;
}

double FitResult::correlation(std::size_t i, std::size_t j) const {
  const auto a = static_cast<Eigen::Index>(i);
  const auto b = static_cast<Eigen::Index>(j);
  return covariance(a, b) / std::sqrt(covariance(a, a) * covariance(b, b));
}

namespace {

struct NloptContext {
  const Objective* f;
  int evaluations = 0;
};

double nlopt_objective(unsigned n, const double* x, double* grad, void* data) {
  (void)grad;  // BOBYQA is derivative-free
  auto* ctx = static_cast<NloptContext*>(data);
  ++ctx->evaluations;
  const Eigen::Map<const Eigen::VectorXd> v(x, n);
  const double value = (*ctx->f)(v);
  // NLopt minimises; a non-finite log-likelihood is a point to move away from.
  return std::isfinite(value) ? -value : std::numeric_limits<double>::max();
}

}  // namespace

Optimum maximize(const Objective& f, const Eigen::VectorXd& start, const Eigen::VectorXd& lower,
                 const Eigen::VectorXd& upper, double xtol_rel) {
  const auto n = static_cast<unsigned>(start.size());
  NloptContext ctx{&f};
  Optimum best{start.cwiseMax(lower).cwiseMin(upper), -std::numeric_limits<double>::infinity(), 0};
  // Restarts from the previous solution: BOBYQA's trust region may stop early on the long,
  // curved ridges these likelihoods have (alpha and beta of a beta mixing distribution).
  for (int round = 0; round < 8; ++round) {
    nlopt_opt opt = nlopt_create(NLOPT_LN_BOBYQA, n);
    if (opt == nullptr) throw RuntimeError("NLopt could not create a BOBYQA optimiser");
    nlopt_set_lower_bounds(opt, lower.data());
    nlopt_set_upper_bounds(opt, upper.data());
    nlopt_set_min_objective(opt, nlopt_objective, &ctx);
    nlopt_set_xtol_rel(opt, xtol_rel);
    nlopt_set_ftol_rel(opt, xtol_rel * 1e-3);
    nlopt_set_maxeval(opt, 20000);
    std::vector<double> step(n);
    for (unsigned i = 0; i < n; ++i) step[i] = std::min(0.5, 0.25 * (upper[i] - lower[i]));
    nlopt_set_initial_step(opt, step.data());
    std::vector<double> x(best.x.data(), best.x.data() + n);
    double minf = 0.0;
    const nlopt_result rc = nlopt_optimize(opt, x.data(), &minf);
    nlopt_destroy(opt);
    if (rc < 0 && rc != NLOPT_ROUNDOFF_LIMITED)
      throw RuntimeError("the optimiser failed (NLopt code " +
                         std::to_string(static_cast<int>(rc)) + ")");
    const double value = -minf;
    const bool improved = value > best.value + 1e-12 * std::max(1.0, std::abs(value));
    if (value >= best.value) {
      best.x = Eigen::Map<const Eigen::VectorXd>(x.data(), n);
      best.value = value;
    }
    if (!improved) break;
  }
  best.evaluations = ctx.evaluations;
  if (!std::isfinite(best.value))
    throw RuntimeError("the log-likelihood is not finite anywhere the optimiser looked");
  return best;
}

Eigen::MatrixXd numerical_hessian(const Objective& f, const Eigen::VectorXd& x) {
  const Eigen::Index n = x.size();
  Eigen::VectorXd h(n);
  for (Eigen::Index i = 0; i < n; ++i) h[i] = 1e-4 * std::max(1.0, std::abs(x[i]));
  Eigen::MatrixXd H(n, n);
  const double f0 = f(x);
  auto at = [&](Eigen::Index i, double si, Eigen::Index j, double sj) {
    Eigen::VectorXd y = x;
    y[i] += si * h[i];
    y[j] += sj * h[j];
    return f(y);
  };
  for (Eigen::Index i = 0; i < n; ++i) {
    H(i, i) = (at(i, 1, i, 1) - 2.0 * f0 + at(i, -1, i, -1)) / (4.0 * h[i] * h[i]);
    for (Eigen::Index j = 0; j < i; ++j) {
      H(i, j) = (at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1)) /
                (4.0 * h[i] * h[j]);
      H(j, i) = H(i, j);
    }
  }
  return H;
}

FitResult make_result(std::string model, const std::vector<std::string>& names,
                      const std::vector<Scale>& scales, const Objective& loglik,
                      const Eigen::VectorXd& z, double observations) {
  CLVSIM_EXPECT(names.size() == scales.size() &&
                static_cast<Eigen::Index>(names.size()) == z.size());
  FitResult r;
  r.model = std::move(model);
  r.transformed = z;
  r.log_likelihood = loglik(z);
  r.observations = observations;
  const Eigen::MatrixXd info = -numerical_hessian(loglik, z);
  const Eigen::LLT<Eigen::MatrixXd> llt(info);
  if (llt.info() != Eigen::Success || !info.allFinite())
    throw RuntimeError("the " + r.model +
                       " likelihood is flat or degenerate at its maximum (the observed information "
                       "is not positive definite): the data do not identify its parameters");
  r.covariance = llt.solve(Eigen::MatrixXd::Identity(z.size(), z.size()));
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto k = static_cast<Eigen::Index>(i);
    const double se_z = std::sqrt(r.covariance(k, k));
    Parameter p;
    p.name = names[i];
    p.scale = scales[i];
    p.estimate = from_transformed(scales[i], z[k]);
    p.std_error = natural_derivative(scales[i], z[k]) * se_z;
    p.lower = from_transformed(scales[i], z[k] - Z95 * se_z);
    p.upper = from_transformed(scales[i], z[k] + Z95 * se_z);
    r.params.push_back(p);
  }
  return r;
}

Eigen::MatrixXd draw_parameters(const FitResult& fit, int count, std::uint64_t seed) {
  const Eigen::Index n = fit.transformed.size();
  const Eigen::MatrixXd L = fit.covariance.llt().matrixL();
  Eigen::MatrixXd out(count, n);
  RandomStream rng(seed, 0, Purpose::FitDraws, hash_name(fit.model));
  Eigen::VectorXd e(n);
  for (int d = 0; d < count; ++d) {
    for (Eigen::Index i = 0; i < n; ++i) e[i] = standard_normal(rng);
    const Eigen::VectorXd z = fit.transformed + L * e;
    for (Eigen::Index i = 0; i < n; ++i)
      out(d, i) = from_transformed(fit.params[static_cast<std::size_t>(i)].scale, z[i]);
  }
  return out;
}

}  // namespace clvsim::fit

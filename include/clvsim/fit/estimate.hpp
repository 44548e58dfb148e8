#pragma once

// Maximum-likelihood estimates with standard errors from the observed information.
//
// Every estimator maximises its log-likelihood over transformed parameters that range over the
// whole real line (log of a positive parameter, logit of a probability), computes the Hessian of
// the log-likelihood there by central differences, inverts its negative (the observed information)
// and carries the result back to the natural scale by the delta method. The transformed scale is
// also the scale of the intervals and of the joint draws: intervals stay inside the parameter's
// domain and the draws keep the estimates' correlations.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <Eigen/Dense>

namespace clvsim::fit {

//! How a parameter is mapped to the real line for optimisation, intervals and draws.
enum class Scale { Log, Logit, Identity };

//! Map a natural value to the transformed scale and back.
double to_transformed(Scale scale, double value);
double from_transformed(Scale scale, double z);
//! d(natural)/d(transformed) at transformed value z: the delta-method factor.
double natural_derivative(Scale scale, double z);

//! One estimated parameter on its natural scale.
struct Parameter {
  std::string name;  //!< e.g. "alpha"
  double estimate = 0.0;
  double std_error = 0.0;  //!< delta method from the transformed scale
  double lower = 0.0;      //!< 95% interval: back-transformed z +- 1.96 se(z)
  double upper = 0.0;
  Scale scale = Scale::Log;
};

//! A fitted model: estimates, their joint uncertainty and the fit's log-likelihood.
struct FitResult {
  std::string model;  //!< "sbg", "geometric", "bgbb", "gamma_gamma", ...
  std::vector<Parameter> params;
  Eigen::VectorXd transformed;  //!< estimates on the transformed scale
  Eigen::MatrixXd covariance;   //!< covariance of `transformed` (inverse observed information)
  double log_likelihood = 0.0;
  double observations = 0.0;  //!< customers (or leads, or periods) the fit used
  //! Set when a heterogeneity parameter ran off to infinity and the model reported is its limit.
  std::string boundary_note;

  //! The parameter called `name`. Throws std::out_of_range if there is none.
  [[nodiscard]] const Parameter& param(const std::string& name) const;
  //! Index of the parameter called `name`, or -1.
  [[nodiscard]] int param_index(const std::string& name) const;
  //! Correlation of the transformed estimates i and j.
  [[nodiscard]] double correlation(std::size_t i, std::size_t j) const;
};

//! A function of a real vector, as maximised here.
using Objective = std::function<double(const Eigen::VectorXd&)>;

//! Result of a maximisation.
struct Optimum {
  Eigen::VectorXd x;
  double value = 0.0;
  int evaluations = 0;
};

//! Maximise `f` from `start` within the box [lower, upper] with NLopt's BOBYQA (Powell 2009),
//! restarted from its own solution until the value stops improving (relative 1e-12). Stops when
//! a step changes x by less than `xtol_rel` relatively. Non-finite values of f count as
//! -infinity. Throws RuntimeError if NLopt fails outright.
Optimum maximize(const Objective& f, const Eigen::VectorXd& start, const Eigen::VectorXd& lower,
                 const Eigen::VectorXd& upper, double xtol_rel = 1e-12);

//! Hessian of f at x by central differences with step h_i = 1e-4 * max(1, |x_i|).
Eigen::MatrixXd numerical_hessian(const Objective& f, const Eigen::VectorXd& x);

//! Build a FitResult from the maximum z of a log-likelihood `loglik` on the transformed scale:
//! covariance = (-Hessian)^-1, standard errors and 95% intervals by the delta method. Throws
//! RuntimeError when the observed information is not positive definite (a flat or degenerate
//! likelihood: the data do not identify the parameters).
FitResult make_result(std::string model, const std::vector<std::string>& names,
                      const std::vector<Scale>& scales, const Objective& loglik,
                      const Eigen::VectorXd& z, double observations);

//! `count` joint draws of the natural parameters from the asymptotic normal of the transformed
//! estimates, N(transformed, covariance), mapped back to the natural scale: one row per draw,
//! one column per parameter. Deterministic in `seed`.
Eigen::MatrixXd draw_parameters(const FitResult& fit, int count, std::uint64_t seed);

//! Two-sided normal quantile used for the intervals (1.959964 for 95%).
inline constexpr double Z95 = 1.959963984540054;

}  // namespace clvsim::fit

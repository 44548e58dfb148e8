// The solvers: NLopt on a reduced, scaled space in which every equality budget holds exactly.
//
// Variables are scaled to u in [0, 1] (u = (x - min) / (max - min)) so one step size suits a
// spend of 40,000 and a spend per customer of 3. Equality budgets are eliminated: u = u0 + N z
// with N an orthonormal basis of their null space (SVD), so they hold to rounding at every point
// the solver visits. Inequality budgets (and, once equalities are eliminated, the bounds) are
// linear constraints G z <= h for COBYLA; without them the box [0, 1] goes to BOBYQA.
#include <nlopt.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <exception>
#include <functional>
#include <limits>

#include "clvsim/optimize/optimize.hpp"

namespace clvsim::optimize {
namespace {

using Sense = OptimizeSpec::Budget::Sense;

struct Space {
  std::size_t n = 0;  // variables
  std::size_t m = 0;  // reduced dimension
  bool box = true;    // no equalities: z = u, bounded by [0, 1]
  std::vector<double> lo, width;
  Eigen::VectorXd u0;
  Eigen::MatrixXd N;
  Eigen::MatrixXd G;  // inequality rows, normalised
  Eigen::VectorXd h;

  [[nodiscard]] Eigen::VectorXd u_of(const double* z) const {
    if (box) return Eigen::Map<const Eigen::VectorXd>(z, static_cast<Eigen::Index>(m));
    return u0 + N * Eigen::Map<const Eigen::VectorXd>(z, static_cast<Eigen::Index>(m));
  }
  [[nodiscard]] std::vector<double> x_of(const double* z) const {
    const Eigen::VectorXd u = u_of(z);
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i)
      x[i] =
          std::clamp(lo[i] + width[i] * u[static_cast<Eigen::Index>(i)], lo[i], lo[i] + width[i]);
    return x;
  }
  [[nodiscard]] std::vector<double> z_of(std::span<const double> x) const {
    Eigen::VectorXd u(static_cast<Eigen::Index>(n));
    for (std::size_t i = 0; i < n; ++i)
      u[static_cast<Eigen::Index>(i)] = width[i] > 0.0 ? (x[i] - lo[i]) / width[i] : 0.0;
    Eigen::VectorXd z = box ? u : Eigen::VectorXd(N.transpose() * (u - u0));
    if (box) z = z.cwiseMax(0.0).cwiseMin(1.0);
    return {z.data(), z.data() + z.size()};
  }
  [[nodiscard]] Eigen::VectorXd g(const std::vector<double>& z) const {
    if (G.rows() == 0) return {};
    return G * Eigen::Map<const Eigen::VectorXd>(z.data(), static_cast<Eigen::Index>(m)) - h;
  }
  [[nodiscard]] double worst(const std::vector<double>& z) const {
    const Eigen::VectorXd v = g(z);
    return v.size() ? v.maxCoeff() : 0.0;
  }
};

InputError infeasible(const Problem& p, const std::string& why) {
  return InputError::at(p.spec.where, "optimize.budgets", "",
                        "admit no plan within the variables' bounds (" + why + ")",
                        "budgets that some plan with every variable in [min, max] meets together");
}

Space make_space(const Problem& p, double bound_scale) {
  Space sp;
  sp.n = p.size();
  sp.lo = p.lower;
  for (std::size_t i = 0; i < sp.n; ++i) sp.width.push_back(p.upper[i] - p.lower[i]);
  const auto n = static_cast<Eigen::Index>(sp.n);
  std::vector<Eigen::VectorXd> eq_rows, ineq_rows;
  std::vector<double> eq_rhs, ineq_rhs;
  for (std::size_t j = 0; j < p.constraints.size(); ++j) {
    const Constraint& c = p.constraints[j];
    const double bound = c.bound * (j == 0 ? bound_scale : 1.0);
    Eigen::VectorXd row(n);
    double rhs = bound;
    for (Eigen::Index i = 0; i < n; ++i) {
      row[i] = c.a[i] * sp.width[i];
      rhs -= c.a[i] * sp.lo[i];
    }
    if (c.sense == Sense::Equal) {
      eq_rows.push_back(row);
      eq_rhs.push_back(rhs);
    } else {
      const double sign = c.sense == Sense::AtMost ? 1.0 : -1.0;
      ineq_rows.push_back(sign * row);
      ineq_rhs.push_back(sign * rhs);
    }
  }
  sp.box = eq_rows.empty();
  if (sp.box) {
    sp.m = sp.n;
    sp.u0 = Eigen::VectorXd::Zero(n);
    sp.N = Eigen::MatrixXd::Identity(n, n);
  } else {
    Eigen::MatrixXd E(static_cast<Eigen::Index>(eq_rows.size()), n);
    Eigen::VectorXd e(static_cast<Eigen::Index>(eq_rows.size()));
    for (std::size_t j = 0; j < eq_rows.size(); ++j) {
      E.row(static_cast<Eigen::Index>(j)) = eq_rows[j].transpose();
      e[static_cast<Eigen::Index>(j)] = eq_rhs[j];
    }
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(E, Eigen::ComputeFullU | Eigen::ComputeFullV);
    svd.setThreshold(1e-12);
    sp.u0 = svd.solve(e);
    if ((E * sp.u0 - e).norm() > 1e-9 * (1.0 + e.norm()))
      throw infeasible(p, "the equality budgets contradict each other");
    const auto rank = svd.rank();
    sp.m = static_cast<std::size_t>(n - rank);
    sp.N = svd.matrixV().rightCols(n - rank);
    // The bounds 0 <= u0 + N z <= 1 become inequalities on z.
    for (Eigen::Index i = 0; i < n; ++i) {
      ineq_rows.push_back(Eigen::VectorXd::Unit(n, i));
      ineq_rhs.push_back(1.0);
      ineq_rows.push_back(-Eigen::VectorXd::Unit(n, i));
      ineq_rhs.push_back(0.0);
    }
  }
  // Inequalities on u -> on z, normalised; rows that no longer depend on z must hold as they are.
  std::vector<Eigen::VectorXd> rows;
  std::vector<double> rhs;
  for (std::size_t j = 0; j < ineq_rows.size(); ++j) {
    Eigen::VectorXd r = sp.N.transpose() * ineq_rows[j];
    double b = ineq_rhs[j] - ineq_rows[j].dot(sp.u0);
    const double norm = r.norm();
    if (norm < 1e-12) {
      if (b < -1e-9) throw infeasible(p, "a budget cannot hold together with the equality budgets");
      continue;
    }
    rows.push_back(r / norm);
    rhs.push_back(b / norm);
  }
  sp.G.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(sp.m));
  sp.h.resize(static_cast<Eigen::Index>(rows.size()));
  for (std::size_t j = 0; j < rows.size(); ++j) {
    sp.G.row(static_cast<Eigen::Index>(j)) = rows[j].transpose();
    sp.h[static_cast<Eigen::Index>(j)] = rhs[j];
  }
  return sp;
}

// One NLopt run. Exceptions thrown by the objective stop the run and are rethrown here.
struct NloptRun {
  nlopt_algorithm algorithm = NLOPT_LN_COBYLA;
  std::size_t dim = 0;
  bool maximize = true;
  std::vector<double> lower, upper;    // empty: unbounded
  const Eigen::MatrixXd* G = nullptr;  // inequalities G z - h (- t) <= 0
  const Eigen::VectorXd* h = nullptr;
  bool slack = false;  // the last variable t is subtracted from every inequality (feasibility)
  double step = 0.1;
  double xtol = 1e-10;
  double ftol = 1e-15;
  int maxeval = 4000;
  std::function<double(const double*)> f;
};

struct Callback {
  const NloptRun* run = nullptr;
  nlopt_opt opt = nullptr;
  std::exception_ptr error;
  int evaluations = 0;
};

double objective_cb(unsigned, const double* z, double*, void* data) {
  auto* cb = static_cast<Callback*>(data);
  try {
    ++cb->evaluations;
    return cb->run->f(z);
  } catch (...) {
    if (!cb->error) cb->error = std::current_exception();
    nlopt_force_stop(cb->opt);
    return 0.0;
  }
}

void constraints_cb(unsigned m, double* result, unsigned, const double* z, double*, void* data) {
  const auto* run = static_cast<const NloptRun*>(data);
  const auto k = static_cast<Eigen::Index>(run->G->cols());
  const Eigen::VectorXd v = (*run->G) * Eigen::Map<const Eigen::VectorXd>(z, k) - *run->h;
  for (unsigned j = 0; j < m; ++j) result[j] = v[j] - (run->slack ? z[k] : 0.0);
}

std::pair<std::vector<double>, double> run_nlopt(const NloptRun& r, std::vector<double> start,
                                                 int& evaluations) {
  nlopt_srand(20070101);  // for any stochastic algorithm; the ones used here are deterministic
  nlopt_opt opt = nlopt_create(r.algorithm, static_cast<unsigned>(r.dim));
  if (!opt) throw RuntimeError("NLopt could not create its optimiser");
  Callback cb{&r, opt, nullptr, 0};
  if (r.maximize)
    nlopt_set_max_objective(opt, objective_cb, &cb);
  else
    nlopt_set_min_objective(opt, objective_cb, &cb);
  if (!r.lower.empty()) nlopt_set_lower_bounds(opt, r.lower.data());
  if (!r.upper.empty()) nlopt_set_upper_bounds(opt, r.upper.data());
  std::vector<double> tol;
  if (r.G && r.G->rows() > 0) {
    tol.assign(static_cast<std::size_t>(r.G->rows()), 0.0);
    nlopt_add_inequality_mconstraint(opt, static_cast<unsigned>(tol.size()), constraints_cb,
                                     const_cast<NloptRun*>(&r), tol.data());
  }
  nlopt_set_initial_step1(opt, r.step);
  nlopt_set_xtol_abs1(opt, r.xtol);
  nlopt_set_ftol_rel(opt, r.ftol);
  nlopt_set_maxeval(opt, r.maxeval);
  double value = 0.0;
  const nlopt_result status = nlopt_optimize(opt, start.data(), &value);
  nlopt_destroy(opt);
  evaluations += cb.evaluations;
  if (cb.error) std::rethrow_exception(cb.error);
  if (status < 0 && status != NLOPT_ROUNDOFF_LIMITED)
    throw RuntimeError("NLopt failed (status " + std::to_string(static_cast<int>(status)) + ")");
  return {start, value};
}

// A run over the budget space's free coordinates: the unit box when bounded, and its inequalities.
NloptRun run_in(const Space& sp, nlopt_algorithm algorithm) {
  NloptRun r;
  r.algorithm = algorithm;
  r.dim = sp.m;
  if (sp.box) {
    r.lower.assign(sp.m, 0.0);
    r.upper.assign(sp.m, 1.0);
  }
  r.G = &sp.G;
  r.h = &sp.h;
  return r;
}

// A point that meets every inequality with the largest margin up to 0.1 (minimise t subject to
// G z - h <= t): a linear programme, which COBYLA's linear models solve exactly.
std::vector<double> interior_point(const Problem& p, const Space& sp, std::vector<double> z0) {
  if (sp.G.rows() == 0) return z0;
  NloptRun r;
  r.algorithm = NLOPT_LN_COBYLA;
  r.dim = sp.m + 1;
  r.maximize = false;
  r.G = &sp.G;
  r.h = &sp.h;
  r.slack = true;
  r.lower.assign(r.dim, -HUGE_VAL);
  r.upper.assign(r.dim, HUGE_VAL);
  if (sp.box) {
    std::fill(r.lower.begin(), r.lower.end() - 1, 0.0);
    std::fill(r.upper.begin(), r.upper.end() - 1, 1.0);
  }
  r.lower.back() = -0.1;
  r.step = 0.1;
  r.xtol = 1e-12;
  r.ftol = 0.0;
  r.maxeval = 20000;
  r.f = [&](const double* z) { return z[sp.m]; };
  z0.push_back(std::max(sp.worst(z0), -0.1) + 0.01);
  int evals = 0;
  auto [z, t] = run_nlopt(r, z0, evals);
  z.pop_back();
  if (sp.worst(z) > 1e-9)
    throw infeasible(p, "the smallest violation found is " + std::to_string(sp.worst(z)));
  return z;
}

// Move z toward the interior point just far enough to meet every inequality.
std::vector<double> repair(const Space& sp, std::vector<double> z,
                           const std::vector<double>& inside) {
  const Eigen::VectorXd gz = sp.g(z), gi = sp.g(inside);
  double theta = 0.0;
  for (Eigen::Index j = 0; j < gz.size(); ++j)
    if (gz[j] > 0.0 && gi[j] < gz[j]) theta = std::max(theta, gz[j] / (gz[j] - gi[j]));
  theta = std::min(1.0, theta);
  if (theta > 0.0)
    for (std::size_t i = 0; i < z.size(); ++i) z[i] += theta * (inside[i] - z[i]);
  return z;
}

// Halton point i (1-based) in [0, 1)^n: deterministic multistart points.
std::vector<double> halton(std::size_t i, std::size_t n) {
  static const int primes[] = {2,  3,  5,  7,  11, 13, 17, 19, 23, 29,
                               31, 37, 41, 43, 47, 53, 59, 61, 67, 71};
  std::vector<double> u(n);
  for (std::size_t d = 0; d < n; ++d) {
    const int b = primes[d % 20];
    double f = 1.0, r = 0.0;
    for (std::size_t k = i + d / 20 * 7; k > 0; k /= static_cast<std::size_t>(b)) {
      f /= b;
      r += f * static_cast<double>(k % static_cast<std::size_t>(b));
    }
    u[d] = r;
  }
  return u;
}

std::vector<double> from_u(const Space& sp, const std::vector<double>& u) {
  std::vector<double> x(sp.n);
  for (std::size_t i = 0; i < sp.n; ++i) x[i] = sp.lo[i] + sp.width[i] * u[i];
  return x;
}

}  // namespace

Solution solve_expected(const Problem& p, double bound_scale) {
  const Space sp = make_space(p, bound_scale);
  Solution sol;
  std::vector<double> z = sp.z_of(p.today);
  const std::vector<double> inside = interior_point(p, sp, z);
  if (sp.worst(z) > 0.0) z = inside;
  if (sp.m == 0) {
    sol.x = sp.x_of(z.data());
    sol.value = expected_objective(p, sol.x);
    sol.evaluations = 1;
    sol.algorithm = "none (the budgets fix the plan)";
    return sol;
  }
  const bool bobyqa = sp.box && sp.G.rows() == 0 && sp.m >= 2;
  NloptRun r = run_in(sp, bobyqa ? NLOPT_LN_BOBYQA : NLOPT_LN_COBYLA);
  r.f = [&](const double* zz) { return expected_objective(p, sp.x_of(zz)); };
  // A second run from the first's end, with a smaller first step, polishes the optimum.
  for (double step : {0.1, 0.01}) {
    r.step = step;
    auto [zz, value] = run_nlopt(r, z, sol.evaluations);
    z = repair(sp, zz, inside);
  }
  sol.x = sp.x_of(z.data());
  sol.value = expected_objective(p, sol.x);
  sol.algorithm = bobyqa ? "LN_BOBYQA" : "LN_COBYLA";
  return sol;
}

Solution solve_risk(const Problem& p, std::span<const double> expected_optimum, std::uint64_t seed,
                    const Settings& settings) {
  const Space sp = make_space(p, 1.0);
  const int R = p.spec.replications;
  Solution best;
  best.algorithm = "LN_COBYLA multistart on fixed replications (SAA)";
  int evaluations = 0;
  auto objective = [&](const std::vector<double>& x) {
    const double v = risk_measure(p.spec, sample_metric(p, x, seed, R, settings.threads));
    ++evaluations;
    if (settings.progress) settings.progress("risk-aware search", evaluations);
    return v;
  };
  const std::vector<double> ze = sp.z_of(expected_optimum);
  const std::vector<double> inside = interior_point(p, sp, ze);
  const std::vector<double> anchor = sp.worst(ze) > 1e-12 ? inside : ze;
  std::vector<std::vector<double>> starts{anchor, repair(sp, sp.z_of(p.today), anchor)};
  for (int k = 1; k <= p.spec.starts; ++k)
    starts.push_back(
        repair(sp, sp.z_of(from_u(sp, halton(static_cast<std::size_t>(k), sp.n))), anchor));

  double best_value = -HUGE_VAL;
  std::vector<double> best_z = anchor;
  for (const auto& z0 : starts) {
    std::vector<double> z = z0;
    if (sp.m > 0) {
      NloptRun r = run_in(sp, NLOPT_LN_COBYLA);
      r.step = 0.1;
      r.xtol = 1e-3;
      r.ftol = 0.0;
      r.maxeval = 40 + 20 * static_cast<int>(sp.m);
      r.f = [&](const double* zz) { return objective(sp.x_of(zz)); };
      int evals = 0;
      z = run_nlopt(r, z, evals).first;
      z = repair(sp, z, inside);
    }
    const double v = objective(sp.x_of(z.data()));
    if (v > best_value) {
      best_value = v;
      best_z = z;
    }
    if (sp.m == 0) break;
  }
  best.x = sp.x_of(best_z.data());
  best.value = best_value;
  best.evaluations = evaluations;
  return best;
}

}  // namespace clvsim::optimize

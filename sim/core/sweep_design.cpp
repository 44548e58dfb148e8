#include "clvsim/sweep.hpp"

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>
#include <utility>

#include <boost/random/sobol.hpp>

#include "clvsim/error.hpp"
#include "clvsim/random.hpp"
#include "clvsim/samplers.hpp"

// Design points and Sobol' indices. Everything here is a pure function of its arguments (and,
// for the Latin hypercube, of counter-based streams keyed by seed and parameter index), so a
// design is the same on every thread, rank and machine.
//
// Latin hypercube draw order (part of the results' definition; changing it changes designs):
//   for each parameter j = 0..P-1, on its own stream RandomStream(seed, 0, Purpose::Design, j):
//     1. Fisher-Yates: perm = (0, 1, ..., n-1); for i = n-1 down to 1: k = uniform_index(i + 1),
//        swap(perm[i], perm[k]). uniform_index(r) is Lemire's (2019) multiply-and-reject on
//        64-bit words (samplers.hpp): unbiased, one word unless rejected (probability < r / 2^64).
//     2. for i = 0..n-1: U = uniform() (one word, open_unit), u[i][j] = (perm[i] + U) / n.
//   The permutation draws all come before the offsets, so the count of words is n - 1 + n plus
//   rejections.

namespace clvsim {
namespace {

constexpr long long MAX_GRID_POINTS = 10'000'000;
constexpr int MAX_SOBOL_DIMENSION = 3667;  // Boost's default table (Joe & Kuo polynomials < 2^16)

std::string parameter_key(const SweepParameter& p) {
  return "sweep.parameter \"" + p.pattern + "\"";
}

//! A unit coordinate u in [0, 1] mapped to the parameter: linear on a range, a bin of the list.
double map_unit(const SweepParameter& p, double u) {
  if (p.range) return p.min + u * (p.max - p.min);
  const auto size = p.values.size();
  auto index = static_cast<std::size_t>(u * static_cast<double>(size));
  if (index >= size) index = size - 1;  // u == 1 (from rounding) belongs to the last value
  return p.values[index];
}

void check_parameter(const SweepParameter& p, Design design) {
  if (p.range) {
    if (!std::isfinite(p.min) || !std::isfinite(p.max))
      throw InputError::at(p.where, parameter_key(p),
                           "[" + std::to_string(p.min) + ", " + std::to_string(p.max) + "]",
                           "is not a finite range", "min and max must be finite numbers");
    if (design == Design::Grid && p.steps < 2)
      throw InputError::at(p.where, parameter_key(p) + ".steps", std::to_string(p.steps),
                           "is too few for a grid range", "at least 2: both ends are included");
  } else if (p.values.empty()) {
    throw InputError::at(p.where, parameter_key(p), "", "has no values",
                         "give a list of values or a min/max range");
  }
}

//! The grid values of one parameter: its list, or linspace(min, max, steps) with exact ends.
std::vector<double> grid_values(const SweepParameter& p) {
  if (!p.range) return p.values;
  std::vector<double> v(static_cast<std::size_t>(p.steps));
  const double last = p.steps - 1;
  for (int k = 0; k < p.steps; ++k) v[k] = p.min + (p.max - p.min) * (k / last);
  v.front() = p.min;  // min + 0 * d is min already; max must not depend on rounding of d
  v.back() = p.max;
  return v;
}

std::vector<std::vector<double>> grid_design(const SweepSpec& spec) {
  std::vector<std::vector<double>> axes;
  long long total = 1;
  for (const SweepParameter& p : spec.parameters) {
    axes.push_back(grid_values(p));
    const auto size = static_cast<long long>(axes.back().size());
    // total * size > MAX exactly when total > floor(MAX / size); tested so it never overflows.
    if (total > MAX_GRID_POINTS / size) {
      long double full = 1.0L;
      for (const SweepParameter& q : spec.parameters)
        full *=
            q.range ? static_cast<long double>(q.steps) : static_cast<long double>(q.values.size());
      char count[64];
      std::snprintf(count, sizeof count, "%.0Lf", full);
      throw InputError::at(spec.where, "sweep.design = \"grid\"",
                           std::string("with ") + count + " points", "is too large",
                           "at most " + std::to_string(MAX_GRID_POINTS) +
                               "; use fewer values or steps, or design = \"latin_hypercube\" or "
                               "\"sobol\" with a chosen number of points");
    }
    total *= size;
  }
  const std::size_t dims = axes.size();
  std::vector<std::vector<double>> points(static_cast<std::size_t>(total),
                                          std::vector<double>(dims));
  // Mixed-radix counter: the last parameter is the fastest digit.
  std::vector<std::size_t> digit(dims, 0);
  for (auto& point : points) {
    for (std::size_t j = 0; j < dims; ++j) point[j] = axes[j][digit[j]];
    for (std::size_t j = dims; j-- > 0;) {
      if (++digit[j] < axes[j].size()) break;
      digit[j] = 0;
    }
  }
  return points;
}

std::vector<std::vector<double>> latin_hypercube_design(const SweepSpec& spec, std::uint64_t seed) {
  const auto n = static_cast<std::size_t>(spec.points);
  const std::size_t dims = spec.parameters.size();
  std::vector<std::vector<double>> points(n, std::vector<double>(dims));
  std::vector<std::size_t> perm(n);
  for (std::size_t j = 0; j < dims; ++j) {
    RandomStream rng(seed, 0, Purpose::Design, j);
    for (std::size_t i = 0; i < n; ++i) perm[i] = i;
    for (std::size_t i = n - 1; i > 0; --i) std::swap(perm[i], perm[uniform_index(rng, i + 1)]);
    for (std::size_t i = 0; i < n; ++i) {
      const double u = (static_cast<double>(perm[i]) + rng.uniform()) / static_cast<double>(n);
      points[i][j] = map_unit(spec.parameters[j], u);
    }
  }
  return points;
}

std::vector<std::vector<double>> sobol_design(const SweepSpec& spec) {
  const int dims = static_cast<int>(spec.parameters.size());
  if (dims > MAX_SOBOL_DIMENSION)
    throw InputError::at(spec.where, "sweep.design = \"sobol\"",
                         "with " + std::to_string(dims) + " parameters", "has too many parameters",
                         "sobol design supports 1 to 3667 parameters; use latin_hypercube");
  std::vector<std::vector<double>> points = sobol_points(dims, spec.points);
  for (auto& point : points)
    for (int j = 0; j < dims; ++j) point[j] = map_unit(spec.parameters[j], point[j]);
  return points;
}

}  // namespace

const char* design_name(Design d) {
  switch (d) {
    case Design::Grid:
      return "grid";
    case Design::LatinHypercube:
      return "latin_hypercube";
    case Design::Sobol:
      return "sobol";
  }
  return "unknown";
}

std::vector<std::vector<double>> design_points(const SweepSpec& spec, std::uint64_t seed) {
  if (spec.parameters.empty())
    throw InputError::at(spec.where, "sweep", "", "has no parameters",
                         "add at least one [[sweep.parameter]]");
  for (const SweepParameter& p : spec.parameters) check_parameter(p, spec.design);
  if (spec.design == Design::Grid) return grid_design(spec);
  if (spec.points < 1)
    throw InputError::at(
        spec.where, "sweep.points", std::to_string(spec.points),
        std::string("is not a positive count for design \"") + design_name(spec.design) + "\"",
        "at least 1");
  if (spec.design == Design::LatinHypercube) return latin_hypercube_design(spec, seed);
  return sobol_design(spec);
}

std::vector<std::vector<double>> sobol_points(int dimension, int count) {
  if (dimension < 1 || dimension > MAX_SOBOL_DIMENSION)
    throw InputError("sobol design supports 1 to 3667 parameters (asked for " +
                     std::to_string(dimension) + ")");
  if (count < 0) throw InputError("sobol_points: count " + std::to_string(count) + " < 0");
  const auto dims = static_cast<std::size_t>(dimension);
  boost::random::sobol gen(dims);
  // Each coordinate is a 64-bit binary fraction; its top 53 bits convert to a double exactly.
  // Points with index below 2^53 have no lower bits set (their direction numbers m_k / 2^k use
  // k <= 53 bits), so nothing is lost and the result is in [0, 1).
  const auto next_point = [&gen, dims] {
    std::vector<double> x(dims);
    for (double& xi : x) xi = static_cast<double>(gen() >> 11) * 0x1.0p-53;
    return x;
  };
  std::vector<std::vector<double>> points;
  points.reserve(static_cast<std::size_t>(count));
  // Boost 1.74's default-seeded engine already starts at the sequence's second point (its seed()
  // applies the first direction number: (1/2, ..., 1/2)), so nothing is discarded; the origin is
  // dropped only if an engine ever does return it first.
  if (count > 0) {
    std::vector<double> first = next_point();
    bool origin = true;
    for (double xi : first) origin = origin && xi == 0.0;
    if (origin) first = next_point();
    points.push_back(std::move(first));
  }
  while (points.size() < static_cast<std::size_t>(count)) points.push_back(next_point());
  return points;
}

std::vector<std::vector<double>> saltelli_plan(int dims, int n) {
  if (dims < 1 || 2 * static_cast<long long>(dims) > MAX_SOBOL_DIMENSION)
    throw InputError("sensitivity supports 1 to " + std::to_string(MAX_SOBOL_DIMENSION / 2) +
                     " parameters (asked for " + std::to_string(dims) +
                     "; the Saltelli plan uses a Sobol' sequence of twice that dimension)");
  if (n < 1) throw InputError("sensitivity.samples = " + std::to_string(n) + " is not positive");
  const auto d = static_cast<std::size_t>(dims);
  const auto base = static_cast<std::size_t>(n);
  const std::vector<std::vector<double>> ab = sobol_points(2 * dims, n);
  std::vector<std::vector<double>> rows;
  rows.reserve(base * (d + 2));
  for (const auto& p : ab) rows.emplace_back(p.begin(), p.begin() + dims);  // A
  for (const auto& p : ab) rows.emplace_back(p.begin() + dims, p.end());    // B
  for (std::size_t i = 0; i < d; ++i) {                                     // A_B^(i)
    for (std::size_t r = 0; r < base; ++r) {
      std::vector<double> row = rows[r];
      row[i] = rows[base + r][i];
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

SobolIndices sobol_indices(const std::vector<double>& y, int dims, int n) {
  if (dims < 1 || n < 1)
    throw InputError("sobol_indices: need dims >= 1 and n >= 1 (got dims = " +
                     std::to_string(dims) + ", n = " + std::to_string(n) + ")");
  const auto d = static_cast<std::size_t>(dims);
  const auto base = static_cast<std::size_t>(n);
  if (y.size() != base * (d + 2))
    throw InputError("sobol_indices: " + std::to_string(y.size()) +
                     " model outputs do not match the Saltelli plan (expected n (dims + 2) = " +
                     std::to_string(base * (d + 2)) + ")");
  const double* f_a = y.data();
  const double* f_b = y.data() + base;

  SobolIndices out;
  out.first_order.assign(d, 0.0);
  out.total.assign(d, 0.0);
  out.first_order_std_error.assign(d, 0.0);
  out.total_std_error.assign(d, 0.0);
  // Mean and variance of the 2n independent outputs f_A and f_B; unbiased (2n - 1 denominator).
  double sum = 0.0;
  for (std::size_t j = 0; j < 2 * base; ++j) sum += y[j];
  out.mean = sum / static_cast<double>(2 * base);
  double ss = 0.0;
  for (std::size_t j = 0; j < 2 * base; ++j) ss += (y[j] - out.mean) * (y[j] - out.mean);
  out.variance = ss / static_cast<double>(2 * base - 1);
  if (!(out.variance > 0.0)) return out;  // a constant output: nothing to apportion

  for (std::size_t i = 0; i < d; ++i) {
    const double* f_abi = y.data() + (2 + i) * base;
    double first = 0.0;
    double total = 0.0;
    for (std::size_t j = 0; j < base; ++j) {
      const double diff = f_abi[j] - f_a[j];
      // Saltelli et al. (2010) use f_B(j) itself. Subtracting the mean changes the expectation
      // only by O(Var / n) (E[f_ABi - f_A] = 0) but removes noise proportional to the mean,
      // which for money-valued outputs (an NPV of millions varying by thousands) would swamp
      // the signal; the estimate becomes invariant to adding a constant to Y, as Jansen's is.
      first += (f_b[j] - out.mean) * diff;
      total += diff * diff;
    }
    out.first_order[i] = first / static_cast<double>(base) / out.variance;
    out.total[i] = total / static_cast<double>(2 * base) / out.variance;  // Jansen (1999)

    // Each index is (mean over rows of a term) / (mean over rows of h_j), h_j the row's share of
    // the variance. Linearised around the estimate, its error is the mean of
    // u_j = (term_j - index * h_j) / Var, so SE = sd(u) / sqrt(n) (delta method).
    if (base < 2) continue;
    double s1 = 0.0, q1 = 0.0, s2 = 0.0, q2 = 0.0;
    for (std::size_t j = 0; j < base; ++j) {
      const double diff = f_abi[j] - f_a[j];
      const double h = 0.5 * ((f_a[j] - out.mean) * (f_a[j] - out.mean) + (f_b[j] - out.mean) * (f_b[j] - out.mean));
      const double u1 = ((f_b[j] - out.mean) * diff - out.first_order[i] * h) / out.variance;
      const double u2 = (0.5 * diff * diff - out.total[i] * h) / out.variance;
      s1 += u1;
      q1 += u1 * u1;
      s2 += u2;
      q2 += u2 * u2;
    }
    const double nb = static_cast<double>(base);
    const auto se = [nb](double total_u, double sq) {
      const double var = std::max(0.0, (sq - total_u * total_u / nb) / (nb - 1.0));
      return std::sqrt(var / nb);
    };
    out.first_order_std_error[i] = se(s1, q1);
    out.total_std_error[i] = se(s2, q2);
  }
  return out;
}

}  // namespace clvsim

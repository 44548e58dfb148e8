#include "clvsim/distribution.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>

#include "clvsim/samplers.hpp"

namespace clvsim {
namespace {

constexpr double INF = std::numeric_limits<double>::infinity();

double phi(double x) {
  if (!std::isfinite(x)) return 0.0;
  return std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi);
}
double Phi(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

struct LogNormalParams {
  double mu;
  double sigma;
};
LogNormalParams lognormal_params(double mean, double sd) {
  const double s2 = std::log1p((sd * sd) / (mean * mean));
  return {std::log(mean) - 0.5 * s2, std::sqrt(s2)};
}

double safe_log(double x) { return x <= 0.0 ? -INF : std::log(x); }

std::string fmt(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

std::string describe(const Distribution& d) {
  using K = Distribution::Kind;
  const std::string head = std::string("{ dist = \"") + kind_name(d.kind) + "\", ";
  switch (d.kind) {
    case K::Normal:
    case K::LogNormal: return head + "mean = " + fmt(d.a) + ", sd = " + fmt(d.b) + " }";
    case K::Beta: return head + "alpha = " + fmt(d.a) + ", beta = " + fmt(d.b) + " }";
    case K::Uniform: return head + "min = " + fmt(d.a) + ", max = " + fmt(d.b) + " }";
    case K::Triangular:
      return head + "min = " + fmt(d.a) + ", mode = " + fmt(d.b) + ", max = " + fmt(d.c) + " }";
  }
  return head + "}";
}

// Support of the untruncated distribution.
Interval raw_support(const Distribution& d) {
  using K = Distribution::Kind;
  switch (d.kind) {
    case K::Normal: return {-INF, INF};
    case K::LogNormal: return {0.0, INF, true};
    case K::Beta: return {0.0, 1.0};
    case K::Uniform: return {d.a, d.b};
    case K::Triangular: return {d.a, d.c};
  }
  return {-INF, INF};
}

double triangular_cdf(const Distribution& d, double x) {
  const double lo = d.a, mode = d.b, hi = d.c;
  if (x <= lo) return 0.0;
  if (x >= hi) return 1.0;
  if (x <= mode) return (x - lo) * (x - lo) / ((hi - lo) * (mode - lo));
  return 1.0 - (hi - x) * (hi - x) / ((hi - lo) * (hi - mode));
}

}  // namespace

double mass_in_domain(const Distribution& d, Domain domain) {
  using K = Distribution::Kind;
  const Interval iv = domain_interval(domain);
  switch (d.kind) {
    case K::Normal: return Phi((iv.hi - d.a) / d.b) - Phi((iv.lo - d.a) / d.b);
    case K::LogNormal: {
      const auto [mu, sigma] = lognormal_params(d.a, d.b);
      return Phi((safe_log(iv.hi) - mu) / sigma) - Phi((safe_log(iv.lo) - mu) / sigma);
    }
    case K::Beta: return (iv.lo <= 0.0 && iv.hi >= 1.0) ? 1.0 : 0.0;
    case K::Uniform: {
      const double lo = std::max(iv.lo, d.a), hi = std::min(iv.hi, d.b);
      return hi > lo ? (hi - lo) / (d.b - d.a) : 0.0;
    }
    case K::Triangular: return triangular_cdf(d, iv.hi) - triangular_cdf(d, iv.lo);
  }
  return 0.0;
}

Interval distribution_support(const Distribution& d, Domain domain) {
  const Interval iv = domain_interval(domain);
  const Interval raw = raw_support(d);
  return {std::max(iv.lo, raw.lo), std::min(iv.hi, raw.hi), iv.lo_open || raw.lo_open};
}

double distribution_mean(const Distribution& d, Domain domain) {
  using K = Distribution::Kind;
  const Interval iv = domain_interval(domain);
  switch (d.kind) {
    case K::Normal: {
      const double alpha = (iv.lo - d.a) / d.b, beta = (iv.hi - d.a) / d.b;
      const double z = Phi(beta) - Phi(alpha);
      return d.a + d.b * (phi(alpha) - phi(beta)) / z;
    }
    case K::LogNormal: {
      const auto [mu, sigma] = lognormal_params(d.a, d.b);
      const double la = safe_log(iv.lo), lb = safe_log(iv.hi);
      const double z = Phi((lb - mu) / sigma) - Phi((la - mu) / sigma);
      const double num = Phi((lb - mu - sigma * sigma) / sigma) - Phi((la - mu - sigma * sigma) / sigma);
      return std::exp(mu + 0.5 * sigma * sigma) * num / z;
    }
    // a / (a + b), also when a + b overflows (shapes near the largest double).
    case K::Beta: return std::isfinite(d.a + d.b) ? d.a / (d.a + d.b) : 1.0 / (1.0 + d.b / d.a);
    case K::Uniform: return 0.5 * d.a + 0.5 * d.b;  // the same as 0.5 * (a + b), without overflow
    case K::Triangular: return (d.a + d.b + d.c) / 3.0;
  }
  return 0.0;
}

void check_distribution(const Param& p) {
  CLVSIM_EXPECT(p.dist.has_value());
  using K = Distribution::Kind;
  const Distribution& d = *p.dist;
  const std::string value = describe(d);
  auto fail = [&](const std::string& problem, const std::string& accepted) {
    throw InputError::at(p.where, p.path, value, problem, accepted);
  };
  for (double x : {d.a, d.b, d.c})
    if (!std::isfinite(x)) fail("has a parameter that is not a finite number", "NaN and inf are not accepted");
  switch (d.kind) {
    case K::Normal:
      if (d.b <= 0.0) fail("has a non-positive standard deviation", "sd must be > 0");
      break;
    case K::LogNormal:
      if (d.a <= 0.0 || d.b <= 0.0)
        fail("is not a valid lognormal", "mean and sd of the variable must both be > 0");
      break;
    case K::Beta:
      if (d.a <= 0.0 || d.b <= 0.0) fail("is not a valid beta", "alpha and beta must both be > 0");
      break;
    case K::Uniform:
      if (!(d.a < d.b)) fail("is not a valid uniform", "min must be < max");
      break;
    case K::Triangular:
      if (!(d.a <= d.b && d.b <= d.c && d.a < d.c))
        fail("is not a valid triangular", "min <= mode <= max and min < max");
      break;
  }
  const Interval iv = domain_interval(p.domain);
  const Interval raw = raw_support(d);
  const bool bounded = d.kind == K::Beta || d.kind == K::Uniform || d.kind == K::Triangular;
  if (bounded) {
    const bool lo_ok = iv.lo_open ? raw.lo > iv.lo || (raw.lo == iv.lo && d.kind == K::Beta)
                                  : raw.lo >= iv.lo;
    if (!lo_ok || raw.hi > iv.hi)
      fail("can take values outside the parameter's range",
           std::string(domain_description(p.domain)) + "; its whole support must lie inside");
  } else if (mass_in_domain(d, p.domain) < 1e-3) {
    fail("puts less than 0.1% of its mass in the parameter's range",
         std::string(domain_description(p.domain)) + "; values are truncated to it");
  }
}

double draw(const Param& p, RandomStream& rng) {
  if (!p.dist) return p.value;
  using K = Distribution::Kind;
  const Distribution& d = *p.dist;
  // Rejection from the untruncated law; check_distribution guarantees >= 0.1% acceptance.
  for (int attempt = 0; attempt < 10'000'000; ++attempt) {
    double x = 0.0;
    switch (d.kind) {
      case K::Normal: x = normal(rng, d.a, d.b); break;
      case K::LogNormal: {
        const auto [mu, sigma] = lognormal_params(d.a, d.b);
        x = std::exp(normal(rng, mu, sigma));
        break;
      }
      case K::Beta: x = beta_variate(rng, d.a, d.b); break;
      case K::Uniform: x = d.a + (d.b - d.a) * rng.uniform(); break;
      case K::Triangular: x = triangular(rng, d.a, d.b, d.c); break;
    }
    if (in_domain(p.domain, x)) return x;
  }
  throw RuntimeError("could not draw " + p.path + " inside its range (" +
                     domain_description(p.domain) + ")");
}

}  // namespace clvsim

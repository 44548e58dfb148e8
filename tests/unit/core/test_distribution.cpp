#include "clvsim/distribution.hpp"

#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "clvsim/error.hpp"
#include "clvsim/random.hpp"
#include "clvsim/scenario.hpp"
#include "stat_helpers.hpp"

namespace {

using clvsim::Distribution;
using clvsim::Domain;
using clvsim::Param;
using clvsim::RandomStream;
using clvsim::test::check_mean;
using clvsim::test::check_moments;
using clvsim::test::Moments;
using clvsim::test::normal_cdf;
using clvsim::test::normal_pdf;
using clvsim::test::test_stream;
using Kind = Distribution::Kind;

// Cells 2000-2999 of Purpose::Test belong to this file.
constexpr std::uint64_t CELL = 2000;

Param uncertain(Kind kind, double a, double b, double c, Domain domain) {
  Param p(0.0, domain);
  p.dist = Distribution{kind, a, b, c};
  p.path = "segments.premium.churn";
  p.value = clvsim::distribution_mean(*p.dist, domain);
  return p;
}

Param normal(double mean, double sd, Domain domain) {
  return uncertain(Kind::Normal, mean, sd, 0.0, domain);
}
Param lognormal(double mean, double sd, Domain domain) {
  return uncertain(Kind::LogNormal, mean, sd, 0.0, domain);
}

// Moments of draw() for a parameter.
Moments sample(const Param& p, int n, std::uint64_t cell) {
  RandomStream rng = test_stream(cell);
  Moments m;
  for (int i = 0; i < n; ++i) m.add(clvsim::draw(p, rng));
  return m;
}

}  // namespace

TEST_CASE("distribution_mean of a truncated normal matches the closed form", "[distribution]") {
  // N(0.05, 0.05) on [0, 1]: alpha = -1, beta = 19, so a sixth of the mass is cut off.
  const double mu = 0.05, sigma = 0.05;
  const double alpha = (0.0 - mu) / sigma, beta = (1.0 - mu) / sigma;
  const double z = normal_cdf(beta) - normal_cdf(alpha);
  const double ratio = (normal_pdf(alpha) - normal_pdf(beta)) / z;
  const double exact = mu + sigma * ratio;
  CHECK(exact == Approx(0.0643799985469589).epsilon(1e-13));  // 30-digit mpmath value

  const Param p = normal(mu, sigma, Domain::Probability);
  CHECK(clvsim::distribution_mean(*p.dist, Domain::Probability) == Approx(exact).epsilon(1e-13));

  // draw() samples the same law: its mean is within 4 SE of the closed form, with the truncated
  // variance sigma^2 [1 + (alpha phi(alpha) - beta phi(beta)) / Z - ratio^2].
  const double var =
      sigma * sigma *
      (1.0 + (alpha * normal_pdf(alpha) - beta * normal_pdf(beta)) / z - ratio * ratio);
  check_mean(sample(p, 400'000, CELL + 1), exact, var, "normal(0.05, 0.05) on [0, 1]");

  // Truncated on one side only: N(0, 1) on [0, inf) is the half-normal, mean sqrt(2 / pi).
  CHECK(clvsim::distribution_mean(Distribution{Kind::Normal, 0.0, 1.0, 0.0}, Domain::NonNegative) ==
        Approx(std::sqrt(2.0 / std::numbers::pi)).epsilon(1e-13));
  // Negligible truncation: the mean is the untruncated one.
  CHECK(clvsim::distribution_mean(Distribution{Kind::Normal, 0.5, 0.01, 0.0},
                                  Domain::Probability) == Approx(0.5).epsilon(1e-15));
}

TEST_CASE("distribution_mean of a truncated lognormal matches the closed form", "[distribution]") {
  // Lognormal with mean 0.5, sd 0.5 on [0, 1]: sigma^2 = ln 2, mu = ln 0.5 - ln 2 / 2.
  // E[X | X <= 1] = exp(mu + s^2 / 2) Phi((0 - mu - s^2) / s) / Phi((0 - mu) / s).
  const double s2 = std::log(2.0), s = std::sqrt(s2), mu = std::log(0.5) - 0.5 * s2;
  const double z = normal_cdf(-mu / s);
  const double exact = std::exp(mu + 0.5 * s2) * normal_cdf((-mu - s2) / s) / z;
  CHECK(exact == Approx(0.3698519676712705).epsilon(1e-12));  // mpmath
  const Param p = lognormal(0.5, 0.5, Domain::Probability);
  CHECK(p.value == Approx(exact).epsilon(1e-12));
  // E[X^2 | X <= 1] = exp(2 mu + 2 s^2) Phi((0 - mu - 2 s^2) / s) / Phi((0 - mu) / s).
  const double second = std::exp(2.0 * mu + 2.0 * s2) * normal_cdf((-mu - 2.0 * s2) / s) / z;
  check_mean(sample(p, 400'000, CELL + 2), exact, second - exact * exact,
             "lognormal(0.5, 0.5) on [0, 1]");

  // Other kinds: the plain mean.
  CHECK(clvsim::distribution_mean(Distribution{Kind::Beta, 2.0, 6.0, 0.0}, Domain::Probability) ==
        Approx(0.25));
  CHECK(clvsim::distribution_mean(Distribution{Kind::Uniform, 0.2, 0.6, 0.0},
                                  Domain::Probability) == Approx(0.4));
  CHECK(clvsim::distribution_mean(Distribution{Kind::Triangular, 0.0, 0.1, 0.5},
                                  Domain::Probability) == Approx(0.2));
  CHECK(clvsim::distribution_mean(Distribution{Kind::LogNormal, 2.0, 0.5, 0.0}, Domain::Positive) ==
        Approx(2.0).epsilon(1e-14));
}

TEST_CASE("lognormal is parametrised by the mean and sd of the variable", "[distribution]") {
  // With s^2 = ln(1 + sd^2 / mean^2) the excess kurtosis is e^{4 s^2} + 2 e^{3 s^2} + 3 e^{2 s^2}
  // - 6.
  constexpr int N = 400'000;
  std::uint64_t cell = CELL + 10;
  for (const auto& [mean, sd] :
       std::vector<std::pair<double, double>>{{2.0, 0.5}, {10.0, 3.0}, {0.02, 0.004}}) {
    const Param p = lognormal(mean, sd, Domain::Positive);
    const double var = sd * sd;
    const double s2 = std::log1p(var / (mean * mean));
    const double excess = std::exp(4 * s2) + 2 * std::exp(3 * s2) + 3 * std::exp(2 * s2) - 6;
    const Moments m = sample(p, N, cell++);
    check_moments(m, mean, var, var * var * (3.0 + excess),
                  "lognormal(" + std::to_string(mean) + ", " + std::to_string(sd) + ")");
  }
  // Truncation to [0, 1] is negligible for lognormal(0.02, 0.004): mean and sd are as requested.
  const Param q = lognormal(0.02, 0.004, Domain::Probability);
  CHECK(q.value == Approx(0.02).epsilon(1e-12));
  CHECK(clvsim::mass_in_domain(*q.dist, Domain::Probability) == Approx(1.0).epsilon(1e-15));
}

TEST_CASE("draw() never leaves the parameter's domain", "[distribution]") {
  const std::vector<Param> params = {
      normal(0.05, 0.05, Domain::Probability),
      normal(0.98, 0.05, Domain::Probability),
      normal(0.0, 1.0, Domain::Positive),
      normal(0.0, 1.0, Domain::NonNegative),
      normal(3.0, 2.0, Domain::Count),
      lognormal(0.5, 1.0, Domain::Probability),
      lognormal(1e-3, 1e-2, Domain::Positive),
      uncertain(Kind::Beta, 0.5, 0.5, 0.0, Domain::Probability),
      uncertain(Kind::Beta, 0.05, 0.05, 0.0, Domain::Probability),
      uncertain(Kind::Uniform, 0.0, 1.0, 0.0, Domain::Probability),
      uncertain(Kind::Triangular, 0.0, 0.0, 1.0, Domain::Probability),
      uncertain(Kind::Triangular, 0.2, 1.0, 1.0, Domain::Probability),
  };
  std::uint64_t cell = CELL + 20;
  for (const Param& p : params) {
    RandomStream rng = test_stream(cell++);
    const clvsim::Interval iv = clvsim::domain_interval(p.domain);
    bool inside = true;
    for (int i = 0; i < 50'000; ++i) {
      const double x = clvsim::draw(p, rng);
      inside = inside && clvsim::in_domain(p.domain, x) && std::isfinite(x) && x >= iv.lo &&
               x <= iv.hi && !(iv.lo_open && x == iv.lo);
    }
    INFO(clvsim::kind_name(p.dist->kind)
         << "(" << p.dist->a << ", " << p.dist->b << ", " << p.dist->c << ") on "
         << clvsim::domain_description(p.domain));
    CHECK(inside);
  }
}

TEST_CASE("draw() consumes the draws its law fixes", "[distribution]") {
  SECTION("a point parameter returns its value and draws nothing") {
    RandomStream rng = test_stream(CELL + 40);
    const Param p(0.123, Domain::Probability);
    for (int i = 0; i < 10; ++i) CHECK(clvsim::draw(p, rng) == 0.123);
    CHECK(rng.draws() == 0);
  }
  SECTION("uniform inside its domain: one word per draw") {
    RandomStream rng = test_stream(CELL + 41);
    const Param p = uncertain(Kind::Uniform, 0.2, 0.4, 0.0, Domain::Probability);
    for (std::uint64_t i = 1; i <= 1000; ++i) {
      (void)clvsim::draw(p, rng);
      REQUIRE(rng.draws() == i);
    }
  }
  SECTION("normal without effective truncation: two words per draw") {
    RandomStream rng = test_stream(CELL + 42);
    const Param p = normal(10.0, 1.0, Domain::Real);
    for (std::uint64_t i = 1; i <= 1000; ++i) {
      (void)clvsim::draw(p, rng);
      REQUIRE(rng.draws() == 2 * i);
    }
  }
  SECTION("truncated normal: two words per rejection attempt") {
    // Acceptance Phi(1) - Phi(-19) = 0.8413: attempts per draw are geometric with that mean
    // 1 / 0.8413; over 100000 draws the words used are 2 * attempts, within 4 SE.
    RandomStream rng = test_stream(CELL + 43);
    const Param p = normal(0.05, 0.05, Domain::Probability);
    constexpr int N = 100'000;
    for (int i = 0; i < N; ++i) (void)clvsim::draw(p, rng);
    const double accept = normal_cdf(19.0) - normal_cdf(-1.0);
    const double attempts = static_cast<double>(rng.draws()) / 2.0;
    const double se = std::sqrt(N * (1.0 - accept)) / accept;  // sd of a sum of N geometrics
    CHECK(rng.draws() % 2 == 0);
    INFO("attempts " << attempts << ", expected " << N / accept << ", SE " << se);
    CHECK(std::fabs(attempts - N / accept) < clvsim::test::N_SE * se);
  }
}

TEST_CASE("mass_in_domain", "[distribution]") {
  // N(0.5, 0.1) on [0, 1] loses 2 Phi(-5) = 5.733e-7.
  CHECK(clvsim::mass_in_domain(Distribution{Kind::Normal, 0.5, 0.1, 0.0}, Domain::Probability) ==
        Approx(1.0 - 2.0 * normal_cdf(-5.0)).epsilon(1e-14));
  CHECK(1.0 - 2.0 * normal_cdf(-5.0) == Approx(0.9999994266968562).epsilon(1e-15));  // mpmath
  CHECK(clvsim::mass_in_domain(Distribution{Kind::Normal, 0.0, 1.0, 0.0}, Domain::NonNegative) ==
        Approx(0.5));
  CHECK(clvsim::mass_in_domain(Distribution{Kind::Normal, -1.0, 0.1, 0.0}, Domain::Probability) <
        1e-20);
  CHECK(clvsim::mass_in_domain(Distribution{Kind::Uniform, -0.5, 0.5, 0.0}, Domain::Probability) ==
        Approx(0.5));
  CHECK(clvsim::mass_in_domain(Distribution{Kind::Triangular, -1.0, 0.0, 1.0},
                               Domain::NonNegative) == Approx(0.5));
  CHECK(clvsim::mass_in_domain(Distribution{Kind::LogNormal, 1.0, 2.0, 0.0}, Domain::Positive) ==
        Approx(1.0));
  CHECK(clvsim::mass_in_domain(Distribution{Kind::Beta, 2.0, 3.0, 0.0}, Domain::Probability) ==
        Approx(1.0));
}

TEST_CASE("check_distribution rejects invalid laws with InputError", "[distribution]") {
  using clvsim::InputError;
  auto check = [](Kind kind, double a, double b, double c, Domain domain) {
    Param p(0.0, domain);
    p.dist = Distribution{kind, a, b, c};
    p.path = "segments.premium.churn";
    clvsim::check_distribution(p);
  };
  CHECK_THROWS_AS(check(Kind::Normal, 0.5, 0.0, 0.0, Domain::Real), InputError);
  CHECK_THROWS_AS(check(Kind::Normal, 0.5, -0.1, 0.0, Domain::Real), InputError);
  CHECK_THROWS_AS(check(Kind::LogNormal, 2.0, 0.0, 0.0, Domain::Positive), InputError);
  CHECK_THROWS_AS(check(Kind::Uniform, 0.5, 0.5, 0.0, Domain::Real), InputError);
  CHECK_THROWS_AS(check(Kind::Uniform, 0.6, 0.4, 0.0, Domain::Real), InputError);
  CHECK_THROWS_AS(check(Kind::Triangular, 0.0, 2.0, 1.0, Domain::Real), InputError);
  CHECK_THROWS_AS(check(Kind::Triangular, 0.0, -0.5, 1.0, Domain::Real), InputError);
  CHECK_THROWS_AS(check(Kind::Triangular, 1.0, 1.0, 1.0, Domain::Real), InputError);
  CHECK_THROWS_AS(check(Kind::Uniform, -0.1, 0.5, 0.0, Domain::Probability), InputError);
  CHECK_THROWS_AS(check(Kind::Normal, -1.0, 0.1, 0.0, Domain::Probability), InputError);
  CHECK_THROWS_AS(check(Kind::Normal, NAN, 0.1, 0.0, Domain::Real), InputError);
  CHECK_THROWS_WITH(check(Kind::Normal, 0.5, 0.0, 0.0, Domain::Real),
                    Catch::Contains("segments.premium.churn"));

  CHECK_NOTHROW(check(Kind::Normal, 0.5, 0.1, 0.0, Domain::Probability));
  CHECK_NOTHROW(check(Kind::Normal, 0.05, 0.05, 0.0, Domain::Probability));
  CHECK_NOTHROW(check(Kind::Uniform, 0.0, 0.5, 0.0, Domain::Probability));
  CHECK_NOTHROW(check(Kind::Triangular, 0.0, 0.0, 1.0, Domain::Probability));
  CHECK_NOTHROW(check(Kind::Beta, 0.5, 0.5, 0.0, Domain::Probability));
  CHECK_NOTHROW(check(Kind::LogNormal, 2.0, 0.5, 0.0, Domain::Positive));
}

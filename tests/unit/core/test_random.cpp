#include "clvsim/random.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include "stat_helpers.hpp"

namespace {

using clvsim::Purpose;
using clvsim::RandomStream;
using clvsim::test::test_stream;

std::vector<std::uint64_t> words(RandomStream s, int count) {
  std::vector<std::uint64_t> out(static_cast<std::size_t>(count));
  for (auto& w : out) w = s.next_u64();
  return out;
}

// Two streams are unrelated if no 64-bit word of one appears in the other: a chance collision
// among 1000 x 1000 words has probability 1e6 / 2^64 ~ 5e-14.
bool disjoint(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  const std::set<std::uint64_t> sa(a.begin(), a.end());
  return std::none_of(b.begin(), b.end(), [&](std::uint64_t w) { return sa.count(w) > 0; });
}

}  // namespace

TEST_CASE("RandomStream is Philox4x64-10: Random123 known-answer vector", "[random]") {
  // Key (seed, replication) = (0, 0) and counter (block, cell, purpose, 0) = 0 give Random123's
  // kat_vectors entry "philox4x64 10 0 0 0 0 0 0".
  RandomStream s(0, 0, static_cast<Purpose>(0), 0);
  CHECK(s.next_u64() == 0x16554d9eca36314cull);
  CHECK(s.next_u64() == 0xdb20fe9d672d0fdcull);
  CHECK(s.next_u64() == 0xd7e772cee186176bull);
  CHECK(s.next_u64() == 0x7e68b68aec7ba23bull);
}

TEST_CASE("hash_name is 64-bit FNV-1a and cell() packs the period above bit 40", "[random]") {
  // Published FNV-1a test vectors (Fowler, Noll, Vo).
  STATIC_REQUIRE(clvsim::hash_name("") == 0xcbf29ce484222325ull);
  STATIC_REQUIRE(clvsim::hash_name("a") == 0xaf63dc4c8601ec8cull);
  STATIC_REQUIRE(clvsim::hash_name("foobar") == 0x85944171f73967e8ull);
  STATIC_REQUIRE(clvsim::cell(3, 17) == ((3ull << 40) ^ 17ull));
  STATIC_REQUIRE(clvsim::cell(0, 17) == 17ull);
}

TEST_CASE("RandomStream uniform() stays in the open interval (0, 1)", "[random]") {
  RandomStream s = test_stream(1);
  double lo = 1.0;
  double hi = 0.0;
  bool logs_finite = true;
  for (int i = 0; i < 1'000'000; ++i) {
    const double u = s.uniform();
    lo = std::min(lo, u);
    hi = std::max(hi, u);
    logs_finite = logs_finite && std::isfinite(std::log(u)) && std::isfinite(std::log1p(-u));
  }
  CHECK(lo > 0.0);
  CHECK(hi < 1.0);
  CHECK(logs_finite);
}

TEST_CASE("RandomStream: the same name gives the same sequence", "[random]") {
  const auto a = words(RandomStream(7, 3, Purpose::Churn, clvsim::cell(5, 11)), 1000);
  const auto b = words(RandomStream(7, 3, Purpose::Churn, clvsim::cell(5, 11)), 1000);
  CHECK(a == b);

  // Recreating a stream elsewhere replays it, whatever other streams did in between.
  RandomStream c(7, 3, Purpose::Churn, clvsim::cell(5, 11));
  RandomStream other(7, 3, Purpose::Orders, clvsim::cell(5, 11));
  std::vector<std::uint64_t> interleaved;
  for (int i = 0; i < 1000; ++i) {
    (void)other.next_u64();
    interleaved.push_back(c.next_u64());
  }
  CHECK(interleaved == a);
}

TEST_CASE("RandomStream: any change of seed, replication, purpose or cell gives another sequence",
          "[random]") {
  const auto base = words(RandomStream(7, 3, Purpose::Churn, 11), 1000);
  SECTION("seed") {
    CHECK(disjoint(base, words(RandomStream(8, 3, Purpose::Churn, 11), 1000)));
  }
  SECTION("replication") {
    CHECK(disjoint(base, words(RandomStream(7, 4, Purpose::Churn, 11), 1000)));
  }
  SECTION("purpose") {
    CHECK(disjoint(base, words(RandomStream(7, 3, Purpose::Migration, 11), 1000)));
  }
  SECTION("cell") {
    CHECK(disjoint(base, words(RandomStream(7, 3, Purpose::Churn, 12), 1000)));
  }
  SECTION("period of the cell") {
    CHECK(disjoint(base, words(RandomStream(7, 3, Purpose::Churn, clvsim::cell(1, 11)), 1000)));
  }
  SECTION("seed and replication swapped") {
    CHECK(disjoint(base, words(RandomStream(3, 7, Purpose::Churn, 11), 1000)));
  }
  SECTION("cell and purpose swapped") {
    CHECK(disjoint(words(RandomStream(7, 3, static_cast<Purpose>(11), 3), 1000),
                   words(RandomStream(7, 3, static_cast<Purpose>(3), 11), 1000)));
  }
}

TEST_CASE("RandomStream draws() counts 64-bit words", "[random]") {
  RandomStream s = test_stream(2);
  CHECK(s.draws() == 0);
  for (std::uint64_t k = 1; k <= 13; ++k) {
    (void)s.next_u64();
    CHECK(s.draws() == k);
  }
  for (std::uint64_t k = 1; k <= 13; ++k) {
    (void)s.uniform();
    CHECK(s.draws() == 13 + k);
  }
  // A copy carries its count and continues the same sequence.
  RandomStream copy = s;
  CHECK(copy.draws() == 26);
  CHECK(copy.next_u64() == s.next_u64());
}

TEST_CASE("RandomStream uniform(): 100-bin chi-square, moments and serial correlation",
          "[random]") {
  constexpr int N = 1'000'000;
  RandomStream s = test_stream(3);
  std::vector<double> u(N);
  for (double& x : u) x = s.uniform();

  SECTION("chi-square on 100 equal bins") {
    std::vector<double> probs(100, 0.01);
    std::vector<double> observed(100, 0.0);
    for (double x : u) observed[static_cast<std::size_t>(x * 100.0)] += 1.0;
    const auto r = clvsim::test::chi_square(probs, observed, N);
    CHECK(r.dof == 99);
    clvsim::test::check_chi_square(r, "uniform, 100 bins");
  }

  SECTION("mean 1/2 and variance 1/12 (mu4 = 1/80)") {
    clvsim::test::Moments m;
    for (double x : u) m.add(x);
    clvsim::test::check_moments(m, 0.5, 1.0 / 12.0, 1.0 / 80.0, "uniform");
  }

  SECTION("lag-1 to lag-8 autocorrelation near 0") {
    // r_k = sum (u_i - 1/2)(u_{i+k} - 1/2) / ((N - k) / 12). Under independence the products are
    // uncorrelated with variance 1/144, so SE(r_k) = 1 / sqrt(N - k). Lags up to 8 span the
    // four-word Philox blocks and their boundaries.
    for (std::size_t lag = 1; lag <= 8; ++lag) {
      double sum = 0.0;
      for (std::size_t i = 0; i + lag < u.size(); ++i) sum += (u[i] - 0.5) * (u[i + lag] - 0.5);
      const double n = static_cast<double>(u.size() - lag);
      const double r = sum / (n / 12.0);
      INFO("lag " << lag << ": r = " << r << ", SE = " << 1.0 / std::sqrt(n));
      CHECK(std::fabs(r) < clvsim::test::N_SE / std::sqrt(n));
    }
  }
}

TEST_CASE("RandomStream: streams of neighbouring cells are uncorrelated", "[random]") {
  // Common random numbers make cells c and c + 1 run side by side; their first draws must be
  // independent. Correlation of u from cell c and cell c + 1 over 200000 cells, SE 1/sqrt(n).
  constexpr int N = 200'000;
  double sum = 0.0;
  RandomStream prev = test_stream(1'000'000);
  double u_prev = prev.uniform();
  for (int c = 1; c <= N; ++c) {
    RandomStream s = test_stream(1'000'000 + static_cast<std::uint64_t>(c));
    const double u = s.uniform();
    sum += (u_prev - 0.5) * (u - 0.5);
    u_prev = u;
  }
  const double r = sum / (N / 12.0);
  INFO("r = " << r);
  CHECK(std::fabs(r) < clvsim::test::N_SE / std::sqrt(static_cast<double>(N)));
}

TEST_CASE("open_unit maps the extreme words strictly inside (0, 1)", "[random]") {
  // The all-ones word must not round up to 1 (log1p(-u) would be -inf), nor zero down to 0.
  CHECK(clvsim::open_unit(0) == 0x1.0p-53);
  CHECK(clvsim::open_unit(~std::uint64_t{0}) == 1.0 - 0x1.0p-53);
  CHECK(clvsim::open_unit(~std::uint64_t{0}) < 1.0);
  CHECK(std::isfinite(std::log1p(-clvsim::open_unit(~std::uint64_t{0}))));
}

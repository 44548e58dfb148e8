// Streaming statistics against direct computations on all the values: mean and sd by two passes,
// quantiles from the sorted values (summarize), with the documented error bound.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "clvsim/statistics.hpp"

using namespace clvsim;

namespace {

constexpr double INF = std::numeric_limits<double>::infinity();
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
const double REL = std::ldexp(1.0, -HISTOGRAM_BITS);  // relative error of an order statistic

Stats streamed(const std::vector<double>& v, std::size_t block) {
  StreamingStats s(v.size());
  for (std::size_t i = 0; i < v.size(); i += block)
    s.add_block(std::span<const double>(v).subspan(i, std::min(block, v.size() - i)));
  return s.result();
}

// Direct two-pass mean and sd of the non-NaN values, in long double.
void two_pass(const std::vector<double>& v, double& mean, double& sd) {
  long double sum = 0.0L;
  std::size_t n = 0;
  for (double x : v)
    if (!std::isnan(x)) {
      sum += x;
      ++n;
    }
  const long double m = sum / n;
  long double ss = 0.0L;
  for (double x : v)
    if (!std::isnan(x)) ss += (x - m) * (x - m);
  mean = static_cast<double>(m);
  sd = static_cast<double>(std::sqrt(ss / (n - 1)));
}

// The stated bound: each order statistic within REL of its value, so the interpolated quantile
// within REL times the interpolation of the magnitudes.
void check_quantiles(const Stats& s, std::vector<double> v) {
  std::erase_if(v, [](double x) { return std::isnan(x); });
  std::sort(v.begin(), v.end());
  for (std::size_t i = 0; i < QUANTILES.size(); ++i) {
    const double exact = quantile_sorted(v, QUANTILES[i]);
    const double h = QUANTILES[i] * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    const double t = h - static_cast<double>(lo);
    INFO("p = " << QUANTILES[i] << ": streamed " << s.q[i] << ", exact " << exact);
    if (std::isinf(exact)) {
      CHECK(s.q[i] == exact);
      continue;
    }
    const double bound = REL * ((1.0 - t) * std::fabs(v[lo]) + t * std::fabs(v[hi]));
    CHECK(std::fabs(s.q[i] - exact) <= bound * (1.0 + 1e-12));
  }
}

}  // namespace

TEST_CASE("Streaming mean and sd equal a two-pass computation", "[statistics][streaming]") {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal(0.0, 1.0);
  const std::size_t n = GENERATE(1u, 2u, 1000u, 1024u, 1025u, 5000u, 100001u);
  const std::size_t block = GENERATE(1u, 7u, 1024u);
  std::vector<double> v(n);
  for (double& x : v)
    x = 1e6 + 250.0 * normal(rng);  // an offset that would cancel a naive sum of squares
  if (n > 3) v[n / 3] = NaN;
  const Stats s = streamed(v, block);
  double mean = 0.0, sd = 0.0;
  two_pass(v, mean, sd);
  CHECK(s.n == static_cast<std::size_t>(
                   std::count_if(v.begin(), v.end(), [](double x) { return !std::isnan(x); })));
  CHECK(s.mean == Approx(mean).epsilon(1e-12));
  if (s.n > 1) {
    CHECK(s.sd == Approx(sd).epsilon(1e-12));
    CHECK(s.std_error == Approx(sd / std::sqrt(static_cast<double>(s.n))).epsilon(1e-12));
  } else {
    CHECK(s.sd == 0.0);
  }
}

TEST_CASE("Streaming quantiles: exact up to the limit, then within the stated bound",
          "[statistics][streaming]") {
  std::mt19937_64 rng(5);
  SECTION("a stream of at most EXACT_QUANTILES values: the same as summarize") {
    std::vector<double> v(StreamingStats::EXACT_QUANTILES);
    std::lognormal_distribution<double> d(3.0, 1.0);
    for (double& x : v) x = d(rng);
    v[10] = NaN;
    v[20] = INF;
    const Stats a = streamed(v, 100), b = summarize(v);
    CHECK(a.n == b.n);
    for (std::size_t i = 0; i < QUANTILES.size(); ++i) CHECK(a.q[i] == b.q[i]);
    // Announced as longer: the histogram, within its bound.
    StreamingStats longer(v.size() + 1);
    longer.add_block(v);
    check_quantiles(longer.result(), v);
    // Longer than announced: the exact values move to the histogram.
    std::vector<double> more = v;
    more.insert(more.end(), v.begin(), v.begin() + 100);
    check_quantiles(streamed(std::vector<double>(v), 1024), v);
    StreamingStats grown(v.size());
    grown.add_block(v);
    grown.add_block(std::span<const double>(v).first(100));
    check_quantiles(grown.result(), more);
  }
  SECTION("lognormal, normal across zero, and with never-paying infinities") {
    const int kind = GENERATE(0, 1, 2);
    std::vector<double> v(200000);
    std::lognormal_distribution<double> ln(8.0, 1.5);
    std::normal_distribution<double> nd(-50.0, 400.0);
    for (std::size_t i = 0; i < v.size(); ++i) {
      v[i] = kind == 1 ? nd(rng) : ln(rng);
      if (kind == 2 && i % 5 == 0) v[i] = INF;  // 20%: the 95% quantile is +inf
    }
    const Stats s = streamed(v, 1024);
    check_quantiles(s, v);
    if (kind == 2) {
      CHECK(s.mean == INF);
      CHECK(std::isnan(s.sd));
    }
  }
  SECTION("whole numbers below 2^(HISTOGRAM_BITS + 1) are exact") {
    std::vector<double> v(50000);
    std::poisson_distribution<int> p(300.0);
    for (double& x : v) x = p(rng);
    const Stats s = streamed(v, 1024), exact = summarize(v);
    for (std::size_t i = 0; i < QUANTILES.size(); ++i) CHECK(s.q[i] == exact.q[i]);
  }
}

TEST_CASE("LogHistogram represents every value within 2^-HISTOGRAM_BITS",
          "[statistics][streaming]") {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> expo(-300.0, 300.0);
  std::vector<double> v;
  for (int i = 0; i < 2000; ++i) v.push_back((i % 2 ? -1.0 : 1.0) * std::pow(10.0, expo(rng)));
  v.push_back(0.0);
  v.push_back(-INF);
  LogHistogram h;
  for (double x : v) h.add(x);
  std::sort(v.begin(), v.end());
  std::vector<std::size_t> ranks(v.size());
  for (std::size_t i = 0; i < ranks.size(); ++i) ranks[i] = ranks.size() - 1 - i;  // any order
  std::vector<double> out(v.size());
  h.order_statistics(ranks, out);
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    const double x = v[ranks[i]];
    INFO(x);
    if (std::isinf(x) || x == 0.0)
      CHECK(out[i] == x);
    else
      CHECK(std::fabs(out[i] - x) <= REL * std::fabs(x));
  }
}

TEST_CASE("LogHistogram: adding a block counts what adding each value does",
          "[statistics][streaming]") {
  // The block path makes room for the block's range first and counts a few values ahead; the
  // buckets it fills must be those of one add() per value, NaN left out, with blocks that extend
  // the range below and above and hold zeros, infinities and values of both signs.
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> value(5.0, 2.0);
  LogHistogram one, block;
  for (int b = 0; b < 20; ++b) {
    std::vector<double> v(b % 3 == 0 ? 5 : 700);
    for (double& x : v) x = (rng() % 4 == 0 ? -1.0 : 1.0) * value(rng) * std::pow(10.0, b % 7 - 3);
    v[rng() % v.size()] = std::numeric_limits<double>::quiet_NaN();
    v[rng() % v.size()] = 0.0;
    if (b % 5 == 0) v[rng() % v.size()] = b % 2 ? INF : -INF;
    for (double x : v)
      if (!std::isnan(x)) one.add(x);
    block.add(v);
  }
  REQUIRE(block.count() == one.count());
  std::vector<std::size_t> ranks(one.count());
  for (std::size_t i = 0; i < ranks.size(); ++i) ranks[i] = i;
  std::vector<double> a(ranks.size()), b(ranks.size());
  one.order_statistics(ranks, a);
  block.order_statistics(ranks, b);
  CHECK(a == b);
}

namespace {

// Every order statistic of `h`, which holds the values `sorted` (ascending), within the
// documented bound.
void check_holds(const LogHistogram& h, const std::vector<double>& sorted) {
  REQUIRE(h.count() == sorted.size());
  std::vector<std::size_t> ranks(sorted.size());
  for (std::size_t i = 0; i < ranks.size(); ++i) ranks[i] = i;
  std::vector<double> out(ranks.size());
  h.order_statistics(ranks, out);
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    INFO("rank " << i << ": " << sorted[i]);
    CHECK(std::fabs(out[i] - sorted[i]) <= REL * std::fabs(sorted[i]));
  }
}

}  // namespace

TEST_CASE("LogHistogram: a copy holds the same counts, apart from the original",
          "[statistics][streaming]") {
  // The counts live in pages shared out by a pool: a copy takes pages of its own.
  std::mt19937_64 rng(11);
  std::lognormal_distribution<double> value(3.0, 3.0);
  std::vector<double> a(3000), b(500);
  for (double& x : a) x = (rng() % 3 == 0 ? -1.0 : 1.0) * value(rng);
  for (double& x : b) x = value(rng) * 1e6;  // beyond a's range too
  LogHistogram original;
  original.add(a);
  LogHistogram copy = original;
  copy.add(b);
  LogHistogram assigned;
  assigned.add(b);
  assigned = original;
  std::vector<double> both = a;
  both.insert(both.end(), b.begin(), b.end());
  std::sort(a.begin(), a.end());
  std::sort(both.begin(), both.end());
  check_holds(original, a);
  check_holds(assigned, a);
  check_holds(copy, both);
  LogHistogram moved = std::move(copy);
  check_holds(moved, both);
}

TEST_CASE("LogHistogram: pages given back are counted from zero when taken again",
          "[statistics][streaming]") {
  // While a histogram lives, pages of others destroyed go to a free list and are reused: a new
  // histogram over the same range must not see their counts.
  std::mt19937_64 rng(13);
  std::uniform_real_distribution<double> value(1.0, 1000.0);
  LogHistogram keeps_pool;
  keeps_pool.add(0.5);
  for (int round = 0; round < 3; ++round) {
    std::vector<double> many(20000), few(50);
    for (double& x : many) x = value(rng);
    for (double& x : few) x = value(rng);
    {
      LogHistogram full;
      full.add(many);
    }
    LogHistogram reused;
    reused.add(few);
    std::sort(few.begin(), few.end());
    check_holds(reused, few);
  }
}

TEST_CASE("One block's statistics from the values in place: those of streaming it, bit for bit",
          "[statistics][streaming]") {
  // What a run of a single block reports (StreamingStats::of_block) must not differ from what the
  // same values streamed as one block give, nor from the direct computations.
  std::mt19937_64 rng(23);
  std::normal_distribution<double> normal(0.0, 1.0);
  const std::size_t n = GENERATE(0u, 1u, 2u, 3u, 100u, 255u, 256u, 257u, 1000u, 1024u);
  const int kind = GENERATE(0, 1, 2, 3);  // plain, with NaN, with +inf, ties with signed zeros
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = 1e3 + 40.0 * normal(rng);
    if (kind == 1 && i % 7 == 3) v[i] = NaN;
    if (kind == 2 && i % 11 == 5) v[i] = INF;
    if (kind == 3) v[i] = i % 3 == 0 ? 0.0 : (i % 3 == 1 ? -0.0 : std::round(v[i] / 50.0));
  }
  StreamingStats streaming(v.size());
  streaming.add_block(v);
  const Stats a = streaming.result();
  std::vector<double> in_place = v;
  const Stats b = StreamingStats::of_block(in_place);
  const auto same_bits = [](double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; };
  INFO("n = " << n << ", kind " << kind);
  CHECK(a.n == b.n);
  CHECK(same_bits(a.mean, b.mean));
  CHECK(same_bits(a.sd, b.sd));
  CHECK(same_bits(a.std_error, b.std_error));
  for (std::size_t i = 0; i < QUANTILES.size(); ++i) CHECK(same_bits(a.q[i], b.q[i]));
  const Stats direct = summarize(v);
  CHECK(b.n == direct.n);
  for (std::size_t i = 0; i < QUANTILES.size(); ++i)
    CHECK((b.q[i] == direct.q[i] || (std::isnan(b.q[i]) && std::isnan(direct.q[i]))));
  if (kind != 2 && b.n > 1) {
    double mean = 0.0, sd = 0.0;
    two_pass(v, mean, sd);
    CHECK(b.mean == Approx(mean).epsilon(1e-12));
    CHECK(b.sd == Approx(sd).epsilon(1e-12));
  }
}

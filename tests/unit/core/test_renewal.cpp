// The renewal equation of the payback curve (docs/model.md, section 6): its fixed summation order
// (the terms of a(n) by m, then j), bit for bit on the AVX-512, AVX2 and portable paths, whatever
// the blocking; and its solution against a closed form. The order matters for reproducibility: a
// sum in another order differs in its last bits, and with it every payback of a replication.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "clvsim/renewal.hpp"

using namespace clvsim;

namespace {

struct Problem {
  int K = 0, N = 0;
  std::vector<double> kij, f;  // [K * K * N], [N * K]
};

Problem random_problem(int K, int N, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> kernel(0.0, 0.3 / K), reward(-5.0, 40.0);
  Problem p{K, N, std::vector<double>(static_cast<std::size_t>(K) * K * N),
            std::vector<double>(static_cast<std::size_t>(N) * K)};
  for (double& x : p.kij)
    x = kernel(rng) / (1.0 + 0.05 * static_cast<double>(&x - p.kij.data()) / K);
  for (double& x : p.f) x = reward(rng);
  return p;
}

// The definition, term by term in the documented order.
std::vector<double> plain_renewal(const Problem& p) {
  const int K = p.K, N = p.N;
  std::vector<double> a = p.f;
  for (int n = 1; n < N; ++n)
    for (int i = 0; i < K; ++i) {
      double v = a[static_cast<std::size_t>(n) * K + i];
      for (int m = 0; m < n; ++m)
        for (int j = 0; j < K; ++j)
          v += p.kij[(static_cast<std::size_t>(i) * K + j) * N + n - m] *
               a[static_cast<std::size_t>(m) * K + j];
      a[static_cast<std::size_t>(n) * K + i] = v;
    }
  return a;
}

using Solver = void (*)(int, int, const double*, double*, double*);

std::vector<double> solve(Solver solver, const Problem& p) {
  std::vector<double> a = p.f, scratch(static_cast<std::size_t>(p.K) * p.N);
  solver(p.K, p.N, p.kij.data(), a.data(), scratch.data());
  return a;
}

bool same_bits(const std::vector<double>& x, const std::vector<double>& y) {
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) == 0;
}

}  // namespace

TEST_CASE("The renewal adds its terms in the documented order, on every path, bit for bit",
          "[markov][renewal]") {
  std::mt19937_64 rng(20261201);
  // One to five segments (the specialised counts and the general loop), and lengths around the
  // blocks of steps.
  for (int K : {1, 2, 3, 4, 5})
    for (int N : {1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 64, 241}) {
      INFO("K = " << K << ", N = " << N);
      const Problem p = random_problem(K, N, rng);
      const std::vector<double> plain = plain_renewal(p);
      for (const detail::RenewalPath path :
           {detail::RenewalPath::Portable, detail::RenewalPath::Avx2, detail::RenewalPath::Avx512})
        if (detail::renewal_available(path)) {
          INFO("path " << static_cast<int>(path));
          std::vector<double> a = p.f, scratch(static_cast<std::size_t>(K) * N);
          detail::renewal_on(path, K, N, p.kij.data(), a.data(), scratch.data());
          CHECK(same_bits(plain, a));
        }
      CHECK(same_bits(plain, solve(detail::renewal, p)));
    }
  if (!detail::renewal_available(detail::RenewalPath::Avx512))
    WARN("this processor has no AVX-512: the path was not checked");
  if (!detail::renewal_available(detail::RenewalPath::Avx2))
    WARN("this processor has no AVX2: the path was not checked");
}

TEST_CASE("The renewal solves a(n) = f(n) + sum R(t) a(n - t)", "[markov][renewal]") {
  // One segment with R(t) = r for every t: a(n) = f(n) + r sum_{m < n} a(m). With f(0) = 1 and
  // f(n) = 0 after, a(0) = 1 and a(n) = r (1 + r)^(n - 1).
  const int N = 30;
  const double r = 0.25;
  Problem p{1, N, std::vector<double>(N, r), std::vector<double>(N, 0.0)};
  p.f[0] = 1.0;
  const std::vector<double> a = solve(detail::renewal, p);
  CHECK(a[0] == 1.0);
  for (int n = 1; n < N; ++n) CHECK(a[n] == Approx(r * std::pow(1.0 + r, n - 1)).epsilon(1e-13));
}

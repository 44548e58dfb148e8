#include "clvsim/renewal.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace clvsim::detail {
namespace {

// Lanes of doubles: running sums, or terms of one. Lane by lane the arithmetic is that of
// scalars, so the lanes give the same results whatever instructions carry them.
using Lanes2 = double __attribute__((vector_size(2 * sizeof(double))));
using Lanes4 = double __attribute__((vector_size(4 * sizeof(double))));

// Four running sums, in one 4-wide register (AVX2) or in two 2-wide ones (SSE2).
template <bool WIDE>
struct FourSums;
template <>
struct FourSums<true> {
  Lanes4 s;
  void first(const double* x, const double* y) {
    Lanes4 a, b;
    std::memcpy(&a, x, sizeof a);
    std::memcpy(&b, y, sizeof b);
    s = a * b;
  }
  void add(const double* x, const double* y) {
    Lanes4 a, b;
    std::memcpy(&a, x, sizeof a);
    std::memcpy(&b, y, sizeof b);
    s += a * b;
  }
  [[nodiscard]] double lane(int l) const { return s[l]; }
};
template <>
struct FourSums<false> {
  Lanes2 lo, hi;
  void first(const double* x, const double* y) {
    lo = load(x) * load(y);
    hi = load(x + 2) * load(y + 2);
  }
  void add(const double* x, const double* y) {
    lo += load(x) * load(y);
    hi += load(x + 2) * load(y + 2);
  }
  [[nodiscard]] double lane(int l) const { return l < 2 ? lo[l] : hi[l - 2]; }
  static Lanes2 load(const double* p) {
    Lanes2 v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
};

// The dot products x[p] . y[p] of length n, p < P, each summed in one fixed order, Eigen's for
// 2-wide packets (the renewal's order before it was written out): four running sums over the
// terms t = 0, 1, 2, 3 (mod 4) up to the last multiple of 4, combined as (s0 + s2) + (s1 + s3)
// after the next two terms, if any, are added to the first and the second; then the last term
// when n is odd. n = 2, 3: (x0 y0 + x1 y1) [+ x2 y2]; n = 1: x0 y0. The P sums run together so
// that their additions overlap.
template <int P, bool WIDE>
inline __attribute__((always_inline)) void fixed_order_dots(const double* const* x,
                                                            const double* const* y,
                                                            std::ptrdiff_t n, double* out) {
  if (n < 4) {
    for (int p = 0; p < P; ++p) {
      double s = x[p][0] * y[p][0];
      if (n >= 2) s += x[p][1] * y[p][1];
      if (n == 3) s += x[p][2] * y[p][2];
      out[p] = s;
    }
    return;
  }
  FourSums<WIDE> acc[P];
  for (int p = 0; p < P; ++p) acc[p].first(x[p], y[p]);
  const std::ptrdiff_t end4 = n / 4 * 4;
  for (std::ptrdiff_t t = 4; t < end4; t += 4)
    for (int p = 0; p < P; ++p) acc[p].add(x[p] + t, y[p] + t);
  for (int p = 0; p < P; ++p) {
    double s0 = acc[p].lane(0) + acc[p].lane(2), s1 = acc[p].lane(1) + acc[p].lane(3);
    std::ptrdiff_t t = end4;
    if (n - t >= 2) {
      s0 += x[p][t] * y[p][t];
      s1 += x[p][t + 1] * y[p][t + 1];
      t += 2;
    }
    double s = s0 + s1;
    if (t < n) s += x[p][t] * y[p][t];
    out[p] = s;
  }
}

// The renewal a(n) += sum_{t=1..n} R(t) a(n - t), n = 1..N-1, with the kernels by (i, j) over t
// in `kij` [K * K * N] and a [N * K]; `reversed` [K * N] holds the solution reversed in time so
// that each sum is a contiguous dot product. The K x K sums of one n run in groups of 4.
template <bool WIDE>
inline __attribute__((always_inline)) void renewal_body(int K, int N, const double* kij, double* a,
                                                        double* reversed, double* sums) {
  const int KK = K * K;
  for (int j = 0; j < K; ++j) reversed[static_cast<std::size_t>(j) * N + N - 1] = a[j];
  for (int n = 1; n < N; ++n) {
    const double* x[4];
    const double* y[4];
    for (int p0 = 0; p0 < KK; p0 += 4) {
      const int group = std::min(4, KK - p0);
      for (int g = 0; g < group; ++g) {
        const int p = p0 + g, j = p % K;
        x[g] = &kij[static_cast<std::size_t>(p) * N + 1];
        y[g] = &reversed[static_cast<std::size_t>(j) * N + N - n];
      }
      switch (group) {
        case 4:
          fixed_order_dots<4, WIDE>(x, y, n, &sums[p0]);
          break;
        case 3:
          fixed_order_dots<3, WIDE>(x, y, n, &sums[p0]);
          break;
        case 2:
          fixed_order_dots<2, WIDE>(x, y, n, &sums[p0]);
          break;
        default:
          fixed_order_dots<1, WIDE>(x, y, n, &sums[p0]);
          break;
      }
    }
    for (int i = 0; i < K; ++i) {
      double s = 0.0;
      for (int j = 0; j < K; ++j) s += sums[i * K + j];
      a[static_cast<std::size_t>(n) * K + i] += s;
    }
    for (int i = 0; i < K; ++i)
      reversed[static_cast<std::size_t>(i) * N + N - 1 - n] =
          a[static_cast<std::size_t>(n) * K + i];
  }
}

#if CLVSIM_RENEWAL_AVX2
// The same arithmetic in the same order, carried by 4-wide AVX2 registers where the processor
// has them: twice the additions per instruction, the same bits.
__attribute__((target("avx2"))) void renewal_avx2(int K, int N, const double* kij, double* a,
                                                  double* reversed, double* sums) {
  renewal_body<true>(K, N, kij, a, reversed, sums);
}
#endif

}  // namespace

void renewal_portable(int K, int N, const double* kij, double* a, double* reversed, double* sums) {
  renewal_body<false>(K, N, kij, a, reversed, sums);
}

bool renewal_avx2_available() {
#if CLVSIM_RENEWAL_AVX2
  static const bool avx2 = __builtin_cpu_supports("avx2");
  return avx2;
#else
  return false;
#endif
}

void renewal(int K, int N, const double* kij, double* a, double* reversed, double* sums) {
#if CLVSIM_RENEWAL_AVX2
  if (renewal_avx2_available()) return renewal_avx2(K, N, kij, a, reversed, sums);
#endif
  renewal_portable(K, N, kij, a, reversed, sums);
}

}  // namespace clvsim::detail

#include "clvsim/renewal.hpp"

#include "clvsim/error.hpp"
#include "vector_targets.hpp"

#include <cstddef>

namespace clvsim::detail {
namespace {

// a_i(n) += R_ij(n - m) a_j(m) for every n > m, i and j, once a(m) is final: each a(n) receives
// its terms in the order of m, then j, whatever the vector width that carries the loop over n
// (lane by lane the same scalar operations), so every path gives the same bits. Segments known
// at compile time (KC > 0) keep a_i(n) in a register across j.
template <int KC>
inline __attribute__((always_inline)) void renewal_body(int K, int N, const double* __restrict kij,
                                                        double* __restrict a,
                                                        double* __restrict acc) {
  if constexpr (KC > 0) K = KC;
  // acc[i * N + n] = a_i(n): contiguous in n.
  for (int i = 0; i < K; ++i)
    for (int n = 0; n < N; ++n)
      acc[static_cast<std::size_t>(i) * N + n] = a[static_cast<std::size_t>(n) * K + i];
  const auto kernel = [&](int i, int j, int m) {  // R_ij(n - m) at n
    return &kij[(static_cast<std::size_t>(i) * K + j) * N] - m;
  };
  const auto value = [&](int j, int m) { return acc[static_cast<std::size_t>(j) * N + m]; };
  int m = 0;
  if constexpr (KC > 0) {
    // STEPS steps m, m + 1, ... at a time: the first of them are final once they have received
    // the terms of the earlier ones; then every later a(n) receives the terms of the block, in
    // order, with one load and store of a(n).
    constexpr int STEPS = 4;
    for (; m + STEPS < N; m += STEPS) {
      for (int b = 1; b < STEPS; ++b)
        for (int i = 0; i < KC; ++i) {
          double v = acc[static_cast<std::size_t>(i) * N + m + b];
          for (int mm = m; mm < m + b; ++mm)
            for (int j = 0; j < KC; ++j) v += kernel(i, j, mm)[m + b] * value(j, mm);
          acc[static_cast<std::size_t>(i) * N + m + b] = v;
        }
      for (int i = 0; i < KC; ++i) {
        double* __restrict to = &acc[static_cast<std::size_t>(i) * N];
        // R_ij(n - m - b) = r[j][n - b]
        const double* r[KC];
        double x[STEPS][KC];
        for (int j = 0; j < KC; ++j) r[j] = kernel(i, j, m);
        for (int b = 0; b < STEPS; ++b)
          for (int j = 0; j < KC; ++j) x[b][j] = value(j, m + b);
        for (int n = m + STEPS; n < N; ++n) {
          double v = to[n];
          for (int b = 0; b < STEPS; ++b)
            for (int j = 0; j < KC; ++j) v += r[j][n - b] * x[b][j];
          to[n] = v;
        }
      }
    }
  }
  for (; m + 1 < N; ++m)
    for (int i = 0; i < K; ++i) {
      double* __restrict to = &acc[static_cast<std::size_t>(i) * N];
      for (int j = 0; j < K; ++j) {
        const double* rj = kernel(i, j, m);
        const double xj = value(j, m);
        for (int n = m + 1; n < N; ++n) to[n] += rj[n] * xj;
      }
    }
  for (int i = 0; i < K; ++i)
    for (int n = 0; n < N; ++n)
      a[static_cast<std::size_t>(n) * K + i] = acc[static_cast<std::size_t>(i) * N + n];
}

#if CLVSIM_RENEWAL_AVX2
// The same operations in the same order, carried by 4-wide AVX2 or 8-wide AVX-512 registers
// where the processor has them. No fused multiply-add, which would round differently: AVX2 alone
// has none, and the build turns contraction off, so AVX-512's are not used (vector_targets.hpp).
CLVSIM_TARGET_AVX2 void renewal_avx2(int K, int N, const double* kij, double* a, double* scratch) {
  by_segments<4>(
      K, [&]<int KC>() __attribute__((always_inline)) { renewal_body<KC>(K, N, kij, a, scratch); });
}

CLVSIM_TARGET_AVX512 void renewal_avx512(int K, int N, const double* kij, double* a,
                                         double* scratch) {
  by_segments<4>(
      K, [&]<int KC>() __attribute__((always_inline)) { renewal_body<KC>(K, N, kij, a, scratch); });
}
#endif

void renewal_portable(int K, int N, const double* kij, double* a, double* scratch) {
  by_segments<4>(K, [&]<int KC>() { renewal_body<KC>(K, N, kij, a, scratch); });
}

}  // namespace

bool renewal_available(RenewalPath path) {
#if CLVSIM_RENEWAL_AVX2
  static const bool avx2 = __builtin_cpu_supports("avx2");
  static const bool avx512 = __builtin_cpu_supports("avx512f");
#else
  constexpr bool avx2 = false, avx512 = false;
#endif
  switch (path) {
    case RenewalPath::Portable:
      return true;
    case RenewalPath::Avx2:
      return avx2;
    case RenewalPath::Avx512:
      return avx512;
  }
  return false;
}

RenewalPath renewal_path() {
  static const RenewalPath best = renewal_available(RenewalPath::Avx512) ? RenewalPath::Avx512
                                  : renewal_available(RenewalPath::Avx2) ? RenewalPath::Avx2
                                                                         : RenewalPath::Portable;
  return best;
}

void renewal_on(RenewalPath path, int K, int N, const double* kij, double* a, double* scratch) {
  CLVSIM_EXPECT(renewal_available(path));
  switch (path) {
#if CLVSIM_RENEWAL_AVX2
    case RenewalPath::Avx512:
      return renewal_avx512(K, N, kij, a, scratch);
    case RenewalPath::Avx2:
      return renewal_avx2(K, N, kij, a, scratch);
#endif
    default:
      return renewal_portable(K, N, kij, a, scratch);
  }
}

void renewal(int K, int N, const double* kij, double* a, double* scratch) {
  renewal_on(renewal_path(), K, N, kij, a, scratch);
}

}  // namespace clvsim::detail

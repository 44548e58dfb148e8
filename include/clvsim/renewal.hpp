#pragma once

// The renewal equation of the payback curve with win-back (docs/model.md, section 6, "How it is
// computed"): a(n) += sum_{t=1..n} R(t) a(n - t) for n = 1..N-1, each sum in one fixed order, so
// that every path below gives the same bits.

#if defined(__x86_64__) && defined(__GNUC__)
#define CLVSIM_RENEWAL_AVX2 1
#else
#define CLVSIM_RENEWAL_AVX2 0
#endif

namespace clvsim::detail {

//! Solve the renewal in place. `kij` [K * K * N]: the restart kernel R(t)_ij at (i * K + j) * N + t
//! (t = 0 unused); `a` [N * K]: a(n)_i at n * K + i, f(n) on entry and the solution on return;
//! `reversed` [K * N] and `sums` [K * K]: scratch. Every sum over t is that of Eigen's dot product
//! with 2-wide (SSE2) packets, the order this computation had before it was written out: four
//! running sums over t - 1 = 0, 1, 2, 3 (mod 4), combined as (s0 + s2) + (s1 + s3) after the next
//! two terms, if any, are added to the first two, then the last term when the count is odd; the
//! K terms over j are added in order from 0.0. Uses AVX2 registers where the processor has them.
void renewal(int K, int N, const double* kij, double* a, double* reversed, double* sums);

//! The same with 2-wide (SSE2) registers only.
void renewal_portable(int K, int N, const double* kij, double* a, double* reversed, double* sums);

//! Whether renewal() uses AVX2 on this processor.
bool renewal_avx2_available();

}  // namespace clvsim::detail

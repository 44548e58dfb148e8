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

//! Calls body.template operator()<KC>() with KC = K for the segment counts compiled specially
//! (K = 1..MAX_KC) and KC = 0 (counts known only at run time) for the others.
template <int MAX_KC, class Body>
inline __attribute__((always_inline)) void by_segments(int K, Body body) {
  static_assert(MAX_KC == 3 || MAX_KC == 4);
  switch (K) {
    case 1:
      return body.template operator()<1>();
    case 2:
      return body.template operator()<2>();
    case 3:
      return body.template operator()<3>();
    case 4:
      if constexpr (MAX_KC >= 4) return body.template operator()<4>();
      break;
    default:
      break;
  }
  body.template operator()<0>();
}

//! Solve the renewal in place. `kij` [K * K * N]: the restart kernel R(t)_ij at (i * K + j) * N + t
//! (t = 0 unused); `a` [N * K]: a(n)_i at n * K + i, f(n) on entry and the solution on return;
//! `scratch` [K * N]. a_i(n) = f_i(n) + sum over m = 0..n-1, then j = 0..K-1, of
//! R_ij(n - m) a_j(m), added in that order. Uses the widest registers of renewal_path().
void renewal(int K, int N, const double* kij, double* a, double* scratch);

//! The instruction sets that carry the renewal: every path gives the same bits.
enum class RenewalPath { Portable, Avx2, Avx512 };  // 2-, 4- and 8-wide registers

//! Whether this processor (and this build) has `path`.
bool renewal_available(RenewalPath path);

//! The path renewal() takes: the widest available.
RenewalPath renewal_path();

//! renewal() on a given path, which must be available.
void renewal_on(RenewalPath path, int K, int N, const double* kij, double* a, double* scratch);

}  // namespace clvsim::detail

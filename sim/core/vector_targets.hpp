#pragma once

// Function attributes for the kernels compiled for wider registers than the build's baseline,
// chosen at run time by what the processor has (__builtin_cpu_supports). Each such kernel does the
// same operations in the same order as its baseline version, so every path gives the same bits;
// the build turns floating-point contraction off (-ffp-contract=off), so that AVX-512, which
// brings fused multiply-adds, rounds each product and sum as the baseline does.

#define CLVSIM_TARGET_AVX2 __attribute__((target("avx2")))

// GCC uses 512-bit vectors only when told to prefer them; clang 14 does not know that option and
// would ignore the whole attribute (compiling the function for the baseline).
#if defined(__clang__)
#define CLVSIM_TARGET_AVX512 __attribute__((target("avx512f")))
#else
#define CLVSIM_TARGET_AVX512 __attribute__((target("avx512f,prefer-vector-width=512")))
#endif

#pragma once

// The seam to OpenMP: the code builds and runs without it.

#include <cstddef>
#include <functional>

namespace clvsim {

//! Threads a parallel loop uses by default (OMP_NUM_THREADS, or 1 without OpenMP).
int max_threads();
//! Index of the calling thread inside a parallel loop (0 outside, or without OpenMP).
int thread_num();

//! Run body(i) for every i in [0, n) on `threads` threads (0: max_threads()). Indices are handed
//! out dynamically; bodies must store results by index, never accumulate them, so that results
//! do not depend on the thread count or the schedule. An exception thrown by any body stops the remaining work and
//! is rethrown on the calling thread after the loop.
void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& body);

}  // namespace clvsim

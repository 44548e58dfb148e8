#include "clvsim/parallel.hpp"

#include <atomic>
#include <exception>
#include <mutex>

#ifdef CLVSIM_HAVE_OPENMP
#include <omp.h>
#endif

namespace clvsim {

int max_threads() {
#ifdef CLVSIM_HAVE_OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

int thread_num() {
#ifdef CLVSIM_HAVE_OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& body) {
  if (threads <= 0) threads = max_threads();
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto guarded = [&](std::size_t i) {
    if (failed.load(std::memory_order_relaxed)) return;
    try {
      body(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      failed.store(true);
    }
  };
#ifdef CLVSIM_HAVE_OPENMP
  const auto count = static_cast<long long>(n);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (long long i = 0; i < count; ++i) guarded(static_cast<std::size_t>(i));
#else
  (void)threads;
  for (std::size_t i = 0; i < n; ++i) guarded(i);
#endif
  if (error) std::rethrow_exception(error);
}

}  // namespace clvsim

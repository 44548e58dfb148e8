#include "clvsim/statistics.hpp"

#include "clvsim/error.hpp"
#include "vector_targets.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#include <sys/mman.h>

namespace clvsim {

double quantile_sorted(std::span<const double> sorted, double p) {
  if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double h = p * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double a = sorted[lo], b = sorted[hi];
  const double t = h - static_cast<double>(lo);
  // Also keeps infinities out of inf - inf, and out of 0 * inf when h falls on a finite order
  // statistic followed by +inf (the median of 2k + 1 paybacks, k + 1 of which never happen).
  if (a == b || t == 0.0) return a;
  return a + t * (b - a);
}

namespace {

// The quantiles are read from order statistics of keys: a value's key is its bits as a signed
// integer with the magnitude bits of negative values flipped, so that keys order the values as
// IEEE 754's totalOrder does: as <, and -0 before +0. Two values with the same key are the same
// bits, so every algorithm that puts the order statistics of the keys in place finds the same
// values, on every machine.
inline std::int64_t order_key(double x) {
  const auto bits = std::bit_cast<std::int64_t>(x);
  return bits ^ ((bits >> 63) & std::numeric_limits<std::int64_t>::max());
}

inline double key_value(std::int64_t key) {
  return std::bit_cast<double>(key ^ ((key >> 63) & std::numeric_limits<std::int64_t>::max()));
}

// Up to this many keys, a range is sorted rather than partitioned further.
constexpr std::size_t SORT_RANGE = 16;

// The pivot of k[0, n): the median of three keys (of three medians of three from 128 keys on,
// Tukey's ninther), taken at fixed positions, so that the selection is the same on every run.
std::int64_t pivot_of(const std::int64_t* k, std::size_t n) {
  const auto median3 = [&](std::size_t a, std::size_t b, std::size_t c) {
    const std::int64_t x = k[a], y = k[b], z = k[c];
    return std::max(std::min(x, y), std::min(std::max(x, y), z));
  };
  const std::size_t mid = n / 2;
  if (n < 128) return median3(0, mid, n - 1);
  const std::size_t e = n / 8;
  const std::int64_t a = median3(0, e, 2 * e), b = median3(mid - e, mid, mid + e),
                     c = median3(n - 1 - 2 * e, n - 1 - e, n - 1);
  return std::max(std::min(a, b), std::min(std::max(a, b), c));
}

// Moves the keys of k[lo, hi) below p to the front of the range, in one pass without a branch on
// the data (Lomuto's scheme: a swap on every key, the boundary advanced by the comparison's
// result); returns the boundary and counts the keys equal to p in `equal`.
std::size_t partition_below(std::int64_t* k, std::size_t lo, std::size_t hi, std::int64_t p,
                            std::size_t& equal) {
  std::size_t m = lo, eq = 0;
  for (std::size_t i = lo; i < hi; ++i) {
    const std::int64_t x = k[i];
    const bool below = x < p;
    eq += static_cast<std::size_t>(x == p);
    k[i] = k[m];
    k[m] = x;
    m += static_cast<std::size_t>(below);
  }
  equal = eq;
  return m;
}

// Puts the order statistics of ranks[first, last) (ascending, within [lo, hi)) in place in k, by
// quickselect: a range is split in three around its pivot (keys below, equal, above), the ranks
// that fall in the middle part are placed, those on each side are selected there. A range of at
// most SORT_RANGE keys, or one reached after `depth` splits (a pivot chosen badly again and
// again), is sorted. Expected cost: about n log2(ranks) key moves.
void select_keys(std::int64_t* k, std::size_t lo, std::size_t hi, const std::size_t* first,
                 const std::size_t* last, int depth) {
  while (first != last) {
    if (hi - lo <= SORT_RANGE || depth-- == 0) {
      std::sort(k + lo, k + hi);
      return;
    }
    const std::int64_t p = pivot_of(k + lo, hi - lo);
    std::size_t equal = 0;
    const std::size_t below = partition_below(k, lo, hi, p, equal);
    // The keys equal to the pivot next: the one found and swapped, or all by a second pass.
    std::size_t above = below + 1;
    if (equal == 1) {
      std::swap(k[below], *std::find(k + below, k + hi, p));
    } else {
      above = below;
      for (std::size_t i = below; i < hi; ++i) {
        const std::int64_t x = k[i];
        k[i] = k[above];
        k[above] = x;
        above += static_cast<std::size_t>(x == p);
      }
    }
    // Ranks in [lo, below) are selected on the left, those in [below, above) are in place.
    const std::size_t* left_end = std::lower_bound(first, last, below);
    const std::size_t* right = std::lower_bound(left_end, last, above);
    select_keys(k, lo, below, first, left_end, depth);
    lo = above;
    first = right;
  }
}

// Up to this many values, sorted by counting ranks (below); above it, only the order statistics
// the quantiles read are put in place, by quickselect. The two cost about the same at 128 values
// (bench_statistics: 25 against 23 us per replication, 21 against 26 at 100, 43 against 19 at 256).
constexpr std::size_t SORT_BELOW = 128;

// Sorts the keys x[0, n) into sorted[0, n) by counting each key's rank: the keys before it that
// are not greater and the keys after it that are smaller, so that the ranks are a permutation.
// n^2 comparisons without a branch, which the compiler vectorises.
[[gnu::always_inline]] inline void rank_sort_into(const std::int64_t* x, std::size_t n,
                                                  std::int64_t* sorted) {
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t xi = x[i];
    std::int64_t rank = 0;  // a comparison's mask (-1 or 0) subtracted: one vector instruction
    for (std::size_t j = 0; j < i; ++j) rank -= -static_cast<std::int64_t>(x[j] <= xi);
    for (std::size_t j = i + 1; j < n; ++j) rank -= -static_cast<std::int64_t>(x[j] < xi);
    sorted[static_cast<std::size_t>(rank)] = xi;
  }
}

// With AVX2, four comparisons an instruction; with AVX-512, eight. Keys are integers: every path
// gives the same order.
CLVSIM_TARGET_AVX2 void rank_sort_avx2(const std::int64_t* x, std::size_t n, std::int64_t* sorted) {
  rank_sort_into(x, n, sorted);
}

CLVSIM_TARGET_AVX512 void rank_sort_avx512(const std::int64_t* x, std::size_t n,
                                           std::int64_t* sorted) {
  rank_sort_into(x, n, sorted);
}

void rank_sort_generic(const std::int64_t* x, std::size_t n, std::int64_t* sorted) {
  rank_sort_into(x, n, sorted);
}

// Sorts k[0, n) (at most SORT_BELOW keys) by rank counting.
void rank_sort(std::int64_t* k, std::size_t n) {
  static const auto sort = __builtin_cpu_supports("avx512f") ? rank_sort_avx512
                           : __builtin_cpu_supports("avx2")  ? rank_sort_avx2
                                                             : rank_sort_generic;
  std::array<std::int64_t, SORT_BELOW> sorted;
  sort(k, n, sorted.data());
  std::copy_n(sorted.begin(), n, k);
}

// The two order statistics (0-based ranks) around each of the QUANTILES of n sorted values and
// the weight of the upper one: quantile_sorted()'s interpolation rule.
void quantile_ranks(std::size_t n, std::array<std::size_t, 2 * QUANTILES.size()>& ranks,
                    std::array<double, QUANTILES.size()>& frac) {
  for (std::size_t i = 0; i < QUANTILES.size(); ++i) {
    const double h = QUANTILES[i] * static_cast<double>(n - 1);
    const auto lo = static_cast<std::size_t>(std::floor(h));
    ranks[2 * i] = lo;
    ranks[2 * i + 1] = std::min(lo + 1, n - 1);
    frac[i] = h - static_cast<double>(lo);
  }
}

// The QUANTILES of `v` (not NaN) as quantile_sorted() gives them from the values sorted in
// totalOrder (-0 before +0): the order statistics it reads are found among the values' keys.
void select_quantiles(std::span<const double> v, std::array<double, QUANTILES.size()>& q) {
  const std::size_t n = v.size();
  std::array<std::size_t, 2 * QUANTILES.size()> ranks{};
  std::array<double, QUANTILES.size()> frac{};
  quantile_ranks(n, ranks, frac);
  // The keys on the stack for a block's values, on the heap beyond.
  std::array<std::int64_t, StreamingStats::EXACT_QUANTILES> stack_keys;
  std::vector<std::int64_t> heap_keys;
  std::int64_t* k = stack_keys.data();
  if (n > stack_keys.size()) {
    heap_keys.resize(n);
    k = heap_keys.data();
  }
  for (std::size_t i = 0; i < n; ++i) k[i] = order_key(v[i]);
  if (n <= SORT_BELOW) {
    rank_sort(k, n);
  } else {
    // One quantile's upper rank can pass the next one's lower rank: select them in order.
    std::array<std::size_t, 2 * QUANTILES.size()> ascending = ranks;
    std::sort(ascending.begin(), ascending.end());
    const auto distinct = std::unique(ascending.begin(), ascending.end()) - ascending.begin();
    select_keys(k, 0, n, ascending.data(), ascending.data() + distinct,
                2 * static_cast<int>(std::bit_width(n)));
  }
  for (std::size_t i = 0; i < QUANTILES.size(); ++i) {
    const double a = key_value(k[ranks[2 * i]]), b = key_value(k[ranks[2 * i + 1]]);
    q[i] = a == b || frac[i] == 0.0 ? a : a + frac[i] * (b - a);  // as quantile_sorted()
  }
}

}  // namespace

Stats summarize(std::span<const double> values) {
  std::vector<double> v;
  v.reserve(values.size());
  for (double x : values)
    if (!std::isnan(x)) v.push_back(x);
  Stats s;
  s.n = v.size();
  if (v.empty()) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    s.mean = s.sd = s.std_error = nan;
    s.q.fill(nan);
    return s;
  }
  double sum = 0.0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  double ss = 0.0;
  for (double x : v) ss += (x - s.mean) * (x - s.mean);
  s.sd = v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) : 0.0;
  s.std_error = s.sd / std::sqrt(static_cast<double>(v.size()));
  select_quantiles(v, s.q);
  return s;
}

// ---------------------------------------------------------------------------------------------

namespace {

constexpr int DROPPED_BITS = 52 - HISTOGRAM_BITS;

std::uint64_t key_of(double magnitude) {
  return std::bit_cast<std::uint64_t>(magnitude) >> DROPPED_BITS;
}
double value_of(std::uint64_t key) {
  return std::bit_cast<double>(key << DROPPED_BITS);
}

// The pages of histogram counts (HISTOGRAM_PAGE buckets each), for every histogram of the
// process. A run past one block fills some 20 MB of them at once, in its first block, and keeps
// them to its end (the default scenario: 2592 cells). Taken from mappings of CHUNK bytes aligned
// to 2 MiB and offered transparent huge pages, they cost a page fault per 2 MiB rather than per
// 4 KiB where the system grants huge pages on request (32 MB: 7 ms against 120 ms of faults and
// zeroing on a virtual machine), and new pages are zero without being written. Pages given back
// are reused, zeroed, before new ones; when no page is in use, the mappings are returned to the
// system.
class CountPages {
 public:
  static constexpr std::size_t MAX_TAKE = 256;  //!< pages a take() gives at most

  static CountPages& instance() {
    static CountPages* const pages = new CountPages;  // never destroyed: used until exit
    return *pages;
  }

  //! Zeroed pages, one per element of `out` (at most MAX_TAKE). Throws std::bad_alloc, with
  //! nothing taken, when no memory can be mapped.
  void take(std::span<std::uint32_t*> out) {
    CLVSIM_EXPECT(out.size() <= MAX_TAKE);
    std::size_t reused = 0;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      // Mapped first, so that a failure takes nothing. (The last mapping's unused pages, fewer
      // than MAX_TAKE, are left.)
      reused = std::min(out.size(), free_.size());
      const std::size_t fresh = out.size() - reused;
      if (static_cast<std::size_t>(end_ - next_) < fresh * PAGE_BYTES) map_chunk();
      for (std::size_t i = 0; i < reused; ++i) {
        out[i] = free_.back();
        free_.pop_back();
      }
      for (std::size_t i = reused; i < out.size(); ++i) {
        out[i] = reinterpret_cast<std::uint32_t*>(next_);
        next_ += PAGE_BYTES;
      }
      in_use_ += out.size();
    }
    for (std::size_t i = 0; i < reused; ++i) std::memset(out[i], 0, PAGE_BYTES);
  }

  void give(std::span<std::uint32_t* const> pages) noexcept {
    const std::lock_guard<std::mutex> lock(mutex_);
    in_use_ -= pages.size();
    if (in_use_ == 0) {
      for (const auto& [at, bytes] : chunks_) ::munmap(at, bytes);
      chunks_.clear();
      free_.clear();
      free_.shrink_to_fit();
      next_ = end_ = nullptr;
      return;
    }
    try {
      free_.insert(free_.end(), pages.begin(), pages.end());
    } catch (const std::bad_alloc&) {
      // Not reused, then: they go back to the system with their mapping.
    }
  }

 private:
  static constexpr std::size_t PAGE_BYTES = HISTOGRAM_PAGE * sizeof(std::uint32_t);
  static constexpr std::size_t HUGE_PAGE = std::size_t{2} << 20, CHUNK = std::size_t{8} << 20;

  void map_chunk() {
    // CHUNK bytes at a 2 MiB boundary: map a huge page more and unmap what lies outside.
    const std::size_t bytes = CHUNK + HUGE_PAGE;
    void* const mapped =
        ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) throw std::bad_alloc();
    char* const base = static_cast<char*>(mapped);
    const auto at = reinterpret_cast<std::uintptr_t>(base);
    char* const first = base + ((at + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE - at);
    if (first > base) ::munmap(base, static_cast<std::size_t>(first - base));
    char* const last = first + CHUNK;
    if (last < base + bytes) ::munmap(last, static_cast<std::size_t>(base + bytes - last));
#ifdef MADV_HUGEPAGE
    (void)::madvise(first, CHUNK, MADV_HUGEPAGE);  // advice: refused, the pages are small
#endif
    chunks_.emplace_back(first, CHUNK);
    next_ = first;
    end_ = last;
  }

  std::mutex mutex_;
  std::vector<std::uint32_t*> free_;                   // given back, to be zeroed when taken
  std::vector<std::pair<char*, std::size_t>> chunks_;  // the mappings
  char* next_ = nullptr;                               // the last mapping's unused pages
  char* end_ = nullptr;
  std::size_t in_use_ = 0;
};

}  // namespace

LogHistogram::Side::Side(const Side& other)
    : first_page_(other.first_page_), pages_(other.pages_.size(), nullptr) {
  // A page of its own for each of the other's, taken a batch at a time.
  std::array<std::uint32_t*, CountPages::MAX_TAKE> taken;
  std::size_t j = 0;
  try {
    while (j < pages_.size()) {
      std::size_t m = 0, end = j;
      while (end < pages_.size() && m < taken.size()) m += other.pages_[end++] != nullptr;
      CountPages::instance().take({taken.data(), m});
      for (std::size_t i = 0; j < end; ++j) {
        if (other.pages_[j] == nullptr) continue;
        pages_[j] = taken[i++];
        std::memcpy(pages_[j], other.pages_[j], HISTOGRAM_PAGE * sizeof(std::uint32_t));
      }
    }
  } catch (...) {
    release();  // no destructor runs for a constructor that throws
    throw;
  }
}

LogHistogram::Side::~Side() {
  release();
}

void LogHistogram::Side::release() noexcept {
  const auto end = std::remove(pages_.begin(), pages_.end(), nullptr);
  if (end != pages_.begin()) CountPages::instance().give({pages_.begin(), end});
  pages_.clear();
}

void LogHistogram::Side::cover(std::uint32_t lo, std::uint32_t hi) {
  const std::uint64_t lo_page = lo / HISTOGRAM_PAGE, hi_page = hi / HISTOGRAM_PAGE;
  if (pages_.empty()) {
    first_page_ = lo_page;
    pages_.assign(static_cast<std::size_t>(hi_page - lo_page + 1), nullptr);
    return;
  }
  if (lo_page < first_page_) {
    pages_.insert(pages_.begin(), static_cast<std::size_t>(first_page_ - lo_page), nullptr);
    first_page_ = lo_page;
  }
  if (hi_page >= first_page_ + pages_.size())
    pages_.resize(static_cast<std::size_t>(hi_page - first_page_ + 1), nullptr);
}

void LogHistogram::Side::add(std::uint32_t key) {
  add(&key, 1, key, key);
}

void LogHistogram::Side::add(const std::uint32_t* keys, std::size_t n, std::uint32_t lo,
                             std::uint32_t hi) {
  if (n == 0) return;
  cover(lo, hi);
  std::uint32_t** const page = pages_.data();  // page[key / HISTOGRAM_PAGE - first]
  const auto first = static_cast<std::size_t>(first_page_);
  // The pages still missing: found in one pass (marked as found), then taken in one go.
  static std::uint32_t found;
  std::array<std::size_t, CountPages::MAX_TAKE> missing;
  std::array<std::uint32_t*, CountPages::MAX_TAKE> taken;
  std::size_t m = 0;
  const auto take = [&] {
    try {
      CountPages::instance().take({taken.data(), m});
    } catch (...) {
      for (std::size_t i = 0; i < m; ++i) page[missing[i]] = nullptr;  // no mark left
      throw;
    }
    for (std::size_t i = 0; i < m; ++i) page[missing[i]] = taken[i];
    m = 0;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t j = keys[i] / HISTOGRAM_PAGE - first;
    if (page[j] != nullptr) continue;
    page[j] = &found;
    missing[m++] = j;
    if (m == missing.size()) take();
  }
  if (m > 0) take();
  // The keys counted, the buckets fetched a few keys ahead so that the cache misses overlap.
  constexpr std::size_t AHEAD = 32;
  for (std::size_t i = 0; i < n; ++i) {
    if (i + AHEAD < n) {
      const std::uint32_t k = keys[i + AHEAD];
      __builtin_prefetch(page[k / HISTOGRAM_PAGE - first] + k % HISTOGRAM_PAGE, 1);
    }
    ++page[keys[i] / HISTOGRAM_PAGE - first][keys[i] % HISTOGRAM_PAGE];
  }
}

void LogHistogram::add(std::span<const double> xs) {
  // A cell's counts span thousands of buckets, last touched a block of values ago. For up to
  // CHUNK values at a time, one pass counts NaN, zeros and infinities and lists the keys of the
  // other values by sign with their range, then each side counts its keys.
  constexpr std::size_t CHUNK = 1024;
  std::array<std::uint32_t, CHUNK> pos, neg;
  for (std::size_t at = 0; at < xs.size(); at += CHUNK) {
    const std::span<const double> chunk = xs.subspan(at, std::min(CHUNK, xs.size() - at));
    std::size_t np = 0, nn = 0;
    std::uint32_t pos_lo = ~0u, pos_hi = 0, neg_lo = ~0u, neg_hi = 0;
    for (const double x : chunk) {
      if (std::isnan(x)) continue;
      ++n_;
      if (x == 0.0) {
        ++zero_;
      } else if (std::isinf(x)) {
        ++(x > 0.0 ? pos_inf_ : neg_inf_);
      } else {
        // A magnitude's key has 11 exponent and HISTOGRAM_BITS mantissa bits: it fits 32 bits.
        const auto key = static_cast<std::uint32_t>(key_of(std::fabs(x)));
        if (x > 0.0) {
          pos[np++] = key;
          pos_lo = std::min(pos_lo, key);
          pos_hi = std::max(pos_hi, key);
        } else {
          neg[nn++] = key;
          neg_lo = std::min(neg_lo, key);
          neg_hi = std::max(neg_hi, key);
        }
      }
    }
    positive_.add(pos.data(), np, pos_lo, pos_hi);
    negative_.add(neg.data(), nn, neg_lo, neg_hi);
  }
}

void LogHistogram::add(double x) {
  ++n_;
  if (x == 0.0)
    ++zero_;
  else if (x == INFINITY)
    ++pos_inf_;
  else if (x == -INFINITY)
    ++neg_inf_;
  else if (x > 0.0)
    positive_.add(static_cast<std::uint32_t>(key_of(x)));
  else
    negative_.add(static_cast<std::uint32_t>(key_of(-x)));
}

void LogHistogram::order_statistics(std::span<const std::size_t> ranks,
                                    std::span<double> out) const {
  // Walk the values in ascending order: -inf, negatives by decreasing magnitude, zero,
  // positives, +inf; `below` counts the values passed.
  std::vector<std::size_t> order(ranks.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return ranks[a] < ranks[b]; });
  std::size_t next = 0, below = 0;
  auto take = [&](std::size_t count, double value) {
    while (next < order.size() && ranks[order[next]] < below + count) out[order[next++]] = value;
    below += count;
  };
  // The buckets of one side in ascending order of value (by increasing key, or decreasing):
  // those that end at or below the next rank are only summed, a page at a time where the page's
  // total allows; a bucket that holds it is taken.
  // Once every rank is placed, the rest of the side need not be visited.
  const auto walk = [&](const Side& side, bool ascending, double sign) {
    const std::span<std::uint32_t* const> pages = side.pages();
    for (std::size_t j = 0; j < pages.size() && next < order.size(); ++j) {
      const std::size_t p = ascending ? j : pages.size() - 1 - j;
      const std::uint32_t* const c = pages[p];
      if (c == nullptr) continue;  // no value
      // A page that ends at or below the next rank is only summed.
      std::uint64_t total = 0;
      for (std::size_t i = 0; i < HISTOGRAM_PAGE; ++i) total += c[i];
      if (below + total <= ranks[order[next]]) {
        below += total;
        continue;
      }
      const std::uint64_t first = (side.first_page() + p) * HISTOGRAM_PAGE;
      for (std::size_t k = 0; k < HISTOGRAM_PAGE && next < order.size(); ++k) {
        const std::size_t i = ascending ? k : HISTOGRAM_PAGE - 1 - k;
        if (below + c[i] <= ranks[order[next]])
          below += c[i];
        else
          take(c[i], sign * value_of(first + i));
      }
    }
  };
  take(neg_inf_, -INFINITY);
  walk(negative_, false, -1.0);
  take(zero_, 0.0);
  walk(positive_, true, 1.0);
  take(pos_inf_, INFINITY);
}

void StreamingStats::add_block(std::span<const double> values) {
  const std::size_t before = n_;
  add_moments(values);
  // The values themselves: kept exactly while the stream holds at most EXACT_QUANTILES of them
  // (in exact mode), then all moved to the histogram. Counts do not depend on the order in which
  // values reach the histogram.
  if (!exact_mode_ || before > EXACT_QUANTILES) {
    histogram_.add(values);
    return;
  }
  if (n_ <= EXACT_QUANTILES) {
    // One allocation for the exact values rather than one per doubling of the vector.
    if (exact_.capacity() == 0 && n_ > before) exact_.reserve(announced_);
    for (double x : values)
      if (!std::isnan(x)) exact_.push_back(x);
    return;
  }
  histogram_.add(exact_);
  exact_.clear();
  exact_.shrink_to_fit();
  histogram_.add(values);
}

// Counts, then the block's mean and sum of squared deviations by two passes over its finite
// values, merged into the running moments by the pairwise update.
void StreamingStats::add_moments(std::span<const double> values) {
  std::size_t nb = 0;
  double sum = 0.0;
  // Counters in locals while the loop runs.
  std::size_t n = n_, pos_inf = 0, neg_inf = 0;
  for (double x : values) {
    if (std::isnan(x)) continue;
    ++n;
    if (std::isinf(x)) {
      ++(x > 0.0 ? pos_inf : neg_inf);
    } else {
      ++nb;
      sum += x;
    }
  }
  n_ = n;
  pos_inf_ += pos_inf;
  neg_inf_ += neg_inf;
  if (nb == 0) return;
  const double mb = sum / static_cast<double>(nb);
  double m2b = 0.0;
  for (double x : values)
    if (std::isfinite(x)) m2b += (x - mb) * (x - mb);
  if (finite_ == 0) {
    mean_ = mb;
    m2_ = m2b;
  } else {
    const double na = static_cast<double>(finite_), nbd = static_cast<double>(nb);
    const double total = na + nbd;
    const double delta = mb - mean_;
    mean_ += delta * (nbd / total);
    m2_ += m2b + delta * delta * (na * nbd / total);
  }
  finite_ += nb;
}

Stats StreamingStats::moments() const {
  Stats s;
  s.n = n_;
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  if (n_ == 0) {
    s.mean = s.sd = s.std_error = nan;
    s.q.fill(nan);
    return s;
  }
  // As summarize(): an infinite value makes the mean infinite (NaN with both signs) and the sd NaN.
  if (pos_inf_ > 0 && neg_inf_ > 0)
    s.mean = nan;
  else if (pos_inf_ > 0)
    s.mean = INFINITY;
  else if (neg_inf_ > 0)
    s.mean = -INFINITY;
  else
    s.mean = mean_;
  const bool any_inf = pos_inf_ + neg_inf_ > 0;
  s.sd = n_ > 1 ? (any_inf ? nan : std::sqrt(m2_ / static_cast<double>(n_ - 1))) : 0.0;
  s.std_error = s.sd / std::sqrt(static_cast<double>(n_));
  return s;
}

Stats StreamingStats::result() const {
  Stats s = moments();
  if (n_ == 0) return s;
  if (exact_mode_ && n_ <= EXACT_QUANTILES) {
    select_quantiles(exact_, s.q);
    return s;
  }
  // The order statistics around each quantile, from the histogram, then quantile_sorted's rule.
  std::array<std::size_t, 2 * QUANTILES.size()> ranks{};
  std::array<double, 2 * QUANTILES.size()> values{};
  std::array<double, QUANTILES.size()> frac{};
  quantile_ranks(n_, ranks, frac);
  histogram_.order_statistics(ranks, values);
  for (std::size_t i = 0; i < QUANTILES.size(); ++i) {
    const double a = values[2 * i], b = values[2 * i + 1];
    s.q[i] = a == b || frac[i] == 0.0 ? a : a + frac[i] * (b - a);
  }
  return s;
}

Stats StreamingStats::of_block(std::span<double> values) {
  CLVSIM_EXPECT(values.size() <= EXACT_QUANTILES);
  StreamingStats block(values.size());
  block.add_moments(values);
  Stats s = block.moments();
  if (s.n == 0) return s;
  // The values but NaN, in their order: what result() would have kept.
  const std::size_t n = static_cast<std::size_t>(
      std::remove_if(values.begin(), values.end(), [](double x) { return std::isnan(x); }) -
      values.begin());
  select_quantiles(values.first(n), s.q);
  return s;
}

}  // namespace clvsim

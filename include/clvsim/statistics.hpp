#pragma once

// Summary statistics over replications, in a fixed order so they are bit-identical for any
// thread count.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace clvsim {

//! Quantile probabilities reported for every metric.
inline constexpr std::array<double, 5> QUANTILES = {0.05, 0.25, 0.50, 0.75, 0.95};

struct Stats {
  double mean = 0.0;
  double sd = 0.0;         //!< sample standard deviation (n - 1)
  double std_error = 0.0;  //!< sd / sqrt(n)
  std::array<double, QUANTILES.size()> q{};
  std::size_t n = 0;       //!< values used: NaN (an undefined ratio) is left out
};

//! Mean, sd and quantiles (linear interpolation between order statistics, numpy's default) of
//! the non-NaN values, ordered as IEEE 754's totalOrder (-0 before +0), so that the quantiles do
//! not depend on the values' order. Infinite values take part (a payback that never happens).
//! All NaN if no value is left.
Stats summarize(std::span<const double> values);

//! The p-quantile of sorted values by linear interpolation.
double quantile_sorted(std::span<const double> sorted, double p);

//! A histogram of doubles with log-linear buckets: a value's bucket is its sign, binary exponent
//! and first HISTOGRAM_BITS mantissa bits, and stands for its lower edge (the value with the
//! remaining mantissa bits cleared), so every finite value is represented within a relative
//! error of 2^-HISTOGRAM_BITS (below 4.9e-4; exact for integers below 2^(HISTOGRAM_BITS + 1) and
//! for 0). Infinities are counted apart. Counts add, so the result does not depend on the order
//! of insertion. Memory is independent of the number of values: 4 bytes per bucket
//! (2^HISTOGRAM_BITS buckets per power of two), in pages of HISTOGRAM_PAGE buckets, only the
//! pages where a value fell, plus a pointer per page between the smallest and largest magnitude
//! seen. The pages of every histogram of the process come from one pool of large mappings,
//! offered transparent huge pages, and return to it when a histogram is destroyed.
inline constexpr int HISTOGRAM_BITS = 11;
inline constexpr std::size_t HISTOGRAM_PAGE = 64;
class LogHistogram {
 public:
  void add(double x);  //!< not NaN
  //! Every value of `xs` but NaN; the same counts as add() of each, faster for many values.
  void add(std::span<const double> xs);
  [[nodiscard]] std::size_t count() const { return n_; }
  //! Representatives of the order statistics of the given ranks (0-based, < count()).
  void order_statistics(std::span<const std::size_t> ranks, std::span<double> out) const;

 private:
  // The magnitudes of one sign: pages[j] holds the counts of the keys from
  // (first_page + j) * HISTOGRAM_PAGE on, or is null while none of them has a value.
  class Side {
   public:
    Side() = default;
    Side(const Side& other);
    Side(Side&& other) noexcept { swap(other); }
    Side& operator=(Side other) noexcept {
      swap(other);
      return *this;
    }
    ~Side();

    void add(std::uint32_t key);
    //! Counts n keys, all in [lo, hi].
    void add(const std::uint32_t* keys, std::size_t n, std::uint32_t lo, std::uint32_t hi);
    [[nodiscard]] std::uint64_t first_page() const { return first_page_; }
    [[nodiscard]] std::span<std::uint32_t* const> pages() const { return pages_; }

   private:
    void swap(Side& other) noexcept {
      std::swap(first_page_, other.first_page_);
      pages_.swap(other.pages_);
    }
    void cover(std::uint32_t lo, std::uint32_t hi);  // pointers for the pages of keys lo..hi
    void release() noexcept;                         // every page back to the pool
    std::uint64_t first_page_ = 0;
    std::vector<std::uint32_t*> pages_;
  };
  Side positive_, negative_;
  std::size_t zero_ = 0, pos_inf_ = 0, neg_inf_ = 0, n_ = 0;
};

//! Summary statistics of a stream of values fed in blocks, in a fixed order: the same blocks in
//! the same order give bit-identical results. Mean and variance are exact up to rounding: each
//! block by two passes, blocks merged by Chan, Golub and LeVeque's update. Quantiles are exact
//! (as summarize()) for a stream announced to hold at most EXACT_QUANTILES values, and otherwise
//! come from a LogHistogram: each order statistic within a relative error of 2^-HISTOGRAM_BITS,
//! so a quantile q interpolated between order statistics a and b of the same sign within
//! 2^-HISTOGRAM_BITS |q|. NaN is left out, as in summarize(). Memory does not grow with the
//! number of values beyond EXACT_QUANTILES.
class StreamingStats {
 public:
  static constexpr std::size_t EXACT_QUANTILES = 1024;

  //! `values`: how many values the stream will hold (NaN included), which decides exact or
  //! histogram quantiles; if more come, the exact values move to the histogram.
  explicit StreamingStats(std::size_t values = EXACT_QUANTILES + 1)
      : exact_mode_(values <= EXACT_QUANTILES), announced_(values) {}

  void add_block(std::span<const double> values);
  [[nodiscard]] Stats result() const;

  //! What StreamingStats(values.size()) given `values` as its one block reports, bit for bit,
  //! without a copy of the values: they are reordered in place. At most EXACT_QUANTILES values.
  [[nodiscard]] static Stats of_block(std::span<double> values);

 private:
  void add_moments(std::span<const double> values);
  [[nodiscard]] Stats moments() const;  // everything but the quantiles

  bool exact_mode_ = false;
  std::size_t announced_ = 0;  // values announced, reserved at the first block in exact mode
  std::size_t n_ = 0, finite_ = 0, pos_inf_ = 0, neg_inf_ = 0;
  double mean_ = 0.0, m2_ = 0.0;  // of the finite values
  std::vector<double> exact_;     // every value, in exact mode while n_ <= EXACT_QUANTILES
  LogHistogram histogram_;        // every value otherwise
};

}  // namespace clvsim

#pragma once

// Counter-based random streams.
//
// Every stream is named by what it is for, never by who draws it: (seed, replication) is the
// Philox key and (purpose, cell, block) the counter. A stream can therefore be recreated anywhere,
// on any thread or rank, and the same event draws the same numbers in every variant of a scenario
// (common random numbers).

#include <array>
#include <cstdint>
#include <string_view>

#include <Random123/philox.h>

namespace clvsim {

//! What a stream is used for. Values are part of the results' definition: do not renumber.
enum class Purpose : std::uint32_t {
  Parameter = 1,        //!< uncertain parameter draws; cell = hash of the key path
  WinBack = 2,          //!< cell = (period, segment)
  Churn = 3,            //!< cell = (period, segment * tenures + tenure): churn, then migration
  Migration = 4,        //!< not drawn since migration continues the Churn stream of its cell
  Orders = 5,           //!< cell = (period, segment)
  Revenue = 6,          //!< cell = (period, segment)
  Referral = 7,         //!< cell = (period, segment)
  Leads = 8,            //!< cell = (period, channel)
  Funnel = 9,           //!< cell = (period, (source * stages + stage) * 2 + nurtured)
  Conversion = 10,      //!< cell = (period, source): segment split of new customers
  Design = 11,          //!< sweep designs (Latin hypercube); cell = parameter index
  ParameterDraws = 12,  //!< the row of the joint parameter draws; cell = 0
  Test = 99,            //!< reserved for tests and benchmarks
  FitDraws = 30,        //!< clvsim fit: joint parameter draws from a fit; cell = hash of the model
};

//! Combine a period and an index into a cell number.
[[nodiscard]] constexpr std::uint64_t cell(int period, std::uint64_t index) {
  return (static_cast<std::uint64_t>(period) << 40) ^ index;
}

//! 64-bit FNV-1a hash, used to name parameter streams by key path.
[[nodiscard]] constexpr std::uint64_t hash_name(std::string_view s) {
  std::uint64_t h = 14695981039346656037ull;
  for (char ch : s) {
    h ^= static_cast<unsigned char>(ch);
    h *= 1099511628211ull;
  }
  return h;
}

//! Map 64 random bits to (0, 1): the midpoints of 2^52 equal cells, from 2^-53 to 1 - 2^-53,
//! all exactly representable, so never 0 or 1 and log(u) and log1p(-u) are safe.
[[nodiscard]] constexpr double open_unit(std::uint64_t bits) {
  return (static_cast<double>(bits >> 12) + 0.5) * 0x1.0p-52;
}

//! A stream of uniform random numbers from Philox4x64-10 (Salmon et al. 2011).
class RandomStream {
 public:
  RandomStream(std::uint64_t seed, std::uint64_t replication, Purpose purpose, std::uint64_t cell)
      : key_{{seed, replication}},
        ctr_{{0, cell, static_cast<std::uint64_t>(purpose), 0}} {}

  //! Next 64 random bits.
  std::uint64_t next_u64() {
    if (index_ == 4) {
      out_ = gen_(ctr_, key_);
      ++ctr_.v[0];
      index_ = 0;
    }
    ++draws_;
    return out_.v[index_++];
  }

  //! Uniform on the open interval (0, 1); see open_unit().
  double uniform() { return open_unit(next_u64()); }

  //! Number of 64-bit words consumed so far (for tests that count draws).
  [[nodiscard]] std::uint64_t draws() const { return draws_; }

 private:
  using Philox = r123::Philox4x64;
  Philox gen_;
  Philox::key_type key_;
  Philox::ctr_type ctr_;
  Philox::ctr_type out_{};
  unsigned index_ = 4;
  std::uint64_t draws_ = 0;
};

}  // namespace clvsim

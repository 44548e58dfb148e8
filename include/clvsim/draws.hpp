#pragma once

// Draw policies of the engine: how one replication's transitions are drawn.
//
// The engine's dynamics are written once, over a policy: SampleDraws draws each event from its
// own counter-based stream, named by (purpose, period, cell), so the same event uses the same
// random numbers in every variant of a scenario and on any thread; MeanDraws replaces every draw
// by its expectation (expected-value mode); RecordDraws samples like SampleDraws and records each
// call, so benchmarks can count the sampler calls of a replication and replay them.

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "clvsim/random.hpp"
#include "clvsim/samplers.hpp"
#include "clvsim/scenario.hpp"

namespace clvsim {

//! Stop a replication whose draw would exceed MAX_COUNT (2^53), the samplers' exact range:
//! throws RuntimeError naming the cell (purpose, period, index), the replication and the count.
[[noreturn]] void count_overflow(Purpose what, std::uint64_t where, std::uint64_t replication, double x);

class SampleDraws {
 public:
  using Count = clvsim::Count;
  //! Whether multinomial() reads its `probs` (it draws by the conditionals): callers may skip
  //! computing them.
  static constexpr bool reads_probs = false;
  SampleDraws(std::uint64_t seed, std::uint64_t replication) : seed_(seed), rep_(replication) {}

  //! A count as the samplers take it; beyond 2^53 they are not exact (and beyond 2^63 the
  //! conversion is undefined), so the replication stops there.
  Count count(double x, Purpose what, std::uint64_t where) const {
    if (!(x <= MAX_COUNT)) count_overflow(what, where, rep_, x);
    return static_cast<Count>(x);
  }
  Count binomial(Count n, const BinomialProb& p, Purpose what, std::uint64_t where) const {
    if (n == 0 || p.p <= 0.0) return 0;
    if (static_cast<double>(n) > MAX_COUNT) count_overflow(what, where, rep_, static_cast<double>(n));
    RandomStream rng(seed_, rep_, what, where);
    return clvsim::binomial(rng, n, p);
  }
  Count poisson(double mean, Purpose what, std::uint64_t where) const {
    if (mean <= 0.0) return 0;
    if (!(mean <= MAX_COUNT)) count_overflow(what, where, rep_, mean);
    RandomStream rng(seed_, rep_, what, where);
    return clvsim::poisson(rng, mean);
  }
  //! Multinomial(n; probs), drawn by conditional binomials with probabilities `cond`
  //! (conditional_probs(probs)); out.size() == probs.size().
  void multinomial(Count n, std::span<const double> probs, std::span<const BinomialProb> cond,
                   std::span<Count> out, Purpose what, std::uint64_t where) const {
    (void)probs;
    if (n == 0) {
      std::fill(out.begin(), out.end(), 0);
      return;
    }
    if (static_cast<double>(n) > MAX_COUNT) count_overflow(what, where, rep_, static_cast<double>(n));
    RandomStream rng(seed_, rep_, what, where);
    clvsim::multinomial(rng, n, cond, out);
  }
  //! Two events of one cell from one stream: x ~ Binomial(n, p), then the n - x others split by
  //! Multinomial(n - x; probs) into `out` (as multinomial() draws it, continuing the stream).
  //! Returns x. One stream set-up where two separate streams would take two.
  Count binomial_then_multinomial(Count n, const BinomialProb& p, std::span<const double> probs,
                                  std::span<const BinomialProb> cond, std::span<Count> out,
                                  Purpose what, std::uint64_t where) const {
    (void)probs;
    if (n == 0) {
      std::fill(out.begin(), out.end(), 0);
      return 0;
    }
    if (static_cast<double>(n) > MAX_COUNT)
      count_overflow(what, where, rep_, static_cast<double>(n));
    RandomStream rng(seed_, rep_, what, where);
    const Count x = clvsim::binomial(rng, n, p);
    if (x == n) {
      std::fill(out.begin(), out.end(), 0);
    } else {
      clvsim::multinomial(rng, n - x, cond, out);
    }
    return x;
  }
  //! Total value of `orders` orders of mean `mean` and coefficient of variation `cv`: a sum of
  //! gamma variates is gamma with the shapes added.
  double order_value(double orders, double mean, double cv, Purpose what, std::uint64_t where) const {
    if (orders <= 0.0 || mean <= 0.0) return 0.0;
    if (cv <= 0.0) return orders * mean;
    // Draws of an uncertain cv above the limit are held at it: beyond, cv^2 and the gamma's
    // shape orders / cv^2 lose their meaning in floating point.
    cv = std::min(cv, MAX_ORDER_VALUE_CV);
    RandomStream rng(seed_, rep_, what, where);
    return clvsim::gamma(rng, orders / (cv * cv), mean * cv * cv);
  }

 private:
  std::uint64_t seed_;
  std::uint64_t rep_;
};

class MeanDraws {
 public:
  using Count = double;
  static constexpr bool reads_probs = true;
  double count(double x, Purpose, std::uint64_t) const { return x; }
  double binomial(double n, const BinomialProb& p, Purpose, std::uint64_t) const { return n * p.p; }
  double poisson(double mean, Purpose, std::uint64_t) const { return mean; }
  void multinomial(double n, std::span<const double> p, std::span<const BinomialProb>,
                   std::span<double> out, Purpose, std::uint64_t) const {
    double rest = n;
    for (std::size_t j = 0; j + 1 < p.size(); ++j) {
      out[j] = n * p[j];
      rest -= out[j];
    }
    out[p.size() - 1] = rest;
  }
  double binomial_then_multinomial(double n, const BinomialProb& p, std::span<const double> probs,
                                   std::span<const BinomialProb> cond, std::span<double> out,
                                   Purpose what, std::uint64_t where) const {
    const double x = binomial(n, p, what, where);
    multinomial(n - x, probs, cond, out, what, where);
    return x;
  }
  double order_value(double orders, double mean, double, Purpose, std::uint64_t) const {
    return orders * mean;
  }
};

//! One sampler call of a replication, with its arguments (pointers into the ModelParams).
struct DrawRecord {
  enum class Kind { Binomial, Poisson, Multinomial, OrderValue };
  Kind kind = Kind::Binomial;
  Purpose purpose = Purpose::Test;
  std::uint64_t where = 0;
  Count n = 0;                           //!< trials (binomial, multinomial)
  double x = 0.0, mean = 0.0, cv = 0.0;  //!< Poisson mean in x; orders, mean and cv of order values
  const BinomialProb* p = nullptr;       //!< binomial probability, or multinomial conditionals
  std::size_t categories = 0;            //!< multinomial categories
  bool continues = false;                //!< drawn from the previous record's stream, after it
};

//! Samples exactly like SampleDraws and appends every call to `log`.
class RecordDraws {
 public:
  using Count = clvsim::Count;
  static constexpr bool reads_probs = SampleDraws::reads_probs;
  RecordDraws(std::uint64_t seed, std::uint64_t replication, std::vector<DrawRecord>& log)
      : draw_(seed, replication), log_(&log) {}

  Count count(double x, Purpose what, std::uint64_t where) const { return draw_.count(x, what, where); }
  Count binomial(Count n, const BinomialProb& p, Purpose what, std::uint64_t where) const {
    log_->push_back({DrawRecord::Kind::Binomial, what, where, n, 0.0, 0.0, 0.0, &p, 0});
    return draw_.binomial(n, p, what, where);
  }
  Count poisson(double mean, Purpose what, std::uint64_t where) const {
    log_->push_back({DrawRecord::Kind::Poisson, what, where, 0, mean, 0.0, 0.0, nullptr, 0});
    return draw_.poisson(mean, what, where);
  }
  void multinomial(Count n, std::span<const double> probs, std::span<const BinomialProb> cond,
                   std::span<Count> out, Purpose what, std::uint64_t where) const {
    log_->push_back({DrawRecord::Kind::Multinomial, what, where, n, 0.0, 0.0, 0.0, cond.data(), out.size()});
    draw_.multinomial(n, probs, cond, out, what, where);
  }
  //! Recorded as the binomial, then the multinomial of the n - x others (if any) continuing it.
  Count binomial_then_multinomial(Count n, const BinomialProb& p, std::span<const double> probs,
                                  std::span<const BinomialProb> cond, std::span<Count> out,
                                  Purpose what, std::uint64_t where) const {
    const Count x = draw_.binomial_then_multinomial(n, p, probs, cond, out, what, where);
    log_->push_back({DrawRecord::Kind::Binomial, what, where, n, 0.0, 0.0, 0.0, &p, 0});
    if (n > x)
      log_->push_back({DrawRecord::Kind::Multinomial, what, where, n - x, 0.0, 0.0, 0.0,
                       cond.data(), out.size(), true});
    return x;
  }
  double order_value(double orders, double mean, double cv, Purpose what, std::uint64_t where) const {
    log_->push_back({DrawRecord::Kind::OrderValue, what, where, 0, orders, mean, cv, nullptr, 0});
    return draw_.order_value(orders, mean, cv, what, where);
  }

 private:
  SampleDraws draw_;
  std::vector<DrawRecord>* log_;
};

}  // namespace clvsim

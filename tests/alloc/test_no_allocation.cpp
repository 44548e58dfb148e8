// The replication loop does not allocate: once a thread's ReplicationState has grown to the
// model's size, simulate_replication() makes no call to operator new; nor does resolving the
// parameters of a replication into a thread's ModelParams, but for the customer value's own.
//
// A separate executable, because it replaces the global operator new with one that counts the
// calls made while counting is switched on.

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "clvsim/engine.hpp"
#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/markov.hpp"
#include "clvsim/model.hpp"

namespace {
std::atomic<bool> counting{false};
std::atomic<std::size_t> allocations{0};

void* counted(std::size_t size) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

void* counted_aligned(std::size_t size, std::align_val_t align) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  const auto a = static_cast<std::size_t>(align);
  if (void* p = std::aligned_alloc(a, (size + a - 1) / a * a)) return p;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t size) {
  return counted(size);
}
void* operator new(std::size_t size, std::align_val_t a) {
  return counted_aligned(size, a);
}
void* operator new[](std::size_t size, std::align_val_t a) {
  return counted_aligned(size, a);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void* operator new[](std::size_t size) {
  return counted(size);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

namespace {

// Allocations made by `f()` alone.
template <class F>
std::size_t allocations_of(F&& f) {
  allocations = 0;
  counting = true;
  f();
  counting = false;
  return allocations.load();
}

}  // namespace

TEST_CASE("the counting operator new sees allocations", "[alloc]") {
  // The instrument itself: a vector's first push_back allocates, and is counted.
  std::vector<int> v;
  CHECK(allocations_of([&] { v.push_back(1); }) == 1);
}

TEST_CASE("simulate_replication allocates nothing once its state is warm", "[alloc]") {
  // Each example exercises other paths of the engine: sBG tenure cells, migration, win-back,
  // Poisson orders with gamma values, Bernoulli orders, the nurtured funnel, the pipeline.
  // "bank" once more with the won back skipping the churn test of their return (returning_churn).
  int bank_runs = 0;
  for (const char* name :
       {"saas", "ecommerce", "bank", "bank", "b2b", "b2b_nurturing", "donations", "growth_trap"}) {
    INFO(name);
    clvsim::Scenario s =
        clvsim::read_scenario_file(std::string(CLVSIM_SOURCE_DIR) + "/scenarios/" + name + ".toml");
    const bool next_period = std::string(name) == "bank" && bank_runs++ == 1;
    INFO("returning_churn = " << (next_period ? "next_period" : "as written"));
    if (next_period) s.winback.returning_churn = clvsim::ReturningChurn::NextPeriod;
    const std::uint64_t seed = s.simulation.seed;
    // Parameters of a few replications (uncertain ones drawn), resolved outside the loop.
    std::vector<clvsim::ModelParams> params;
    for (std::uint64_t r = 0; r < 4; ++r) params.push_back(clvsim::resolve(s, seed, r));
    const clvsim::MetricLayout layout(s);
    std::vector<double> metrics(static_cast<std::size_t>(layout.size()) * s.simulation.horizon);
    std::vector<double> totals(static_cast<std::size_t>(clvsim::Total::Count_));
    clvsim::ReplicationState state;
    // Warm-up: the state's buffers grow to the model's size.
    clvsim::simulate_replication(params[0], seed, 0, metrics, totals, state);
    const std::size_t n = allocations_of([&] {
      for (std::uint64_t r = 1; r < 200; ++r)
        clvsim::simulate_replication(params[r % params.size()], seed, r, metrics, totals, state);
    });
    CHECK(n == 0);
  }
}

TEST_CASE("replications with drawn parameters allocate nothing but the customer value's",
          "[alloc]") {
  // Scenarios with uncertain parameters: drawn from distributions (the default scenario "saas"
  // among them, with seasonal keys in "seasonal_retailer"), or rows of joint draws ("donations").
  for (const char* name :
       {"saas", "ecommerce", "bank", "growth_trap", "seasonal_retailer", "donations"}) {
    INFO(name);
    const clvsim::Scenario s =
        clvsim::read_scenario_file(std::string(CLVSIM_SOURCE_DIR) + "/scenarios/" + name + ".toml");
    REQUIRE(clvsim::has_uncertainty(s));
    const std::uint64_t seed = s.simulation.seed;
    const clvsim::MetricLayout layout(s);
    std::vector<double> metrics(static_cast<std::size_t>(layout.size()) * s.simulation.horizon);
    std::vector<double> totals(static_cast<std::size_t>(clvsim::Total::Count_));
    // A thread's parameters and state, warmed by one replication.
    clvsim::ModelParams m;
    clvsim::ReplicationState state;
    clvsim::resolve_into(m, s, seed, 0);
    clvsim::simulate_replication(m, seed, 0, metrics, totals, state);
    constexpr std::uint64_t R = 50;
    const auto replications = [&](clvsim::Valuation valuation) {
      return allocations_of([&] {
        for (std::uint64_t r = 1; r <= R; ++r) {
          clvsim::resolve_into(m, s, seed, r, valuation);
          clvsim::simulate_replication(m, seed, r, metrics, totals, state);
        }
      });
    };
    // Resolution and simulation, with and without customer value: nothing.
    CHECK(replications(clvsim::Valuation::WithoutCustomerValue) == 0);
    CHECK(replications(clvsim::Valuation::WithCustomerValue) == 0);
  }
}

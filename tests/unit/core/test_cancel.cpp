// Stopping a run from its progress callback: the exception it throws stops the remaining
// replications (or sweep points) and reaches the caller; a run that is not stopped is unchanged.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "clvsim/monte_carlo.hpp"
#include "clvsim/sweep.hpp"
#include "engine_helpers.hpp"

namespace clvsim {
namespace {

struct Stop : std::runtime_error {
  Stop() : std::runtime_error("stop") {}
};

TEST_CASE("a progress callback that throws cancels the run", "[monte_carlo]") {
  const Scenario s = test::load_example("saas");
  for (int threads : {1, 2}) {
    RunOptions o;
    o.replications = 3000;  // several blocks
    o.seed = 9;
    o.use_seed = true;
    o.threads = threads;
    std::size_t calls = 0, last = 0;
    o.progress = [&](std::size_t done, std::size_t) {
      ++calls;
      last = done;
      if (done >= 5) throw Stop();
    };
    const std::vector<Scenario> one{s};
    CHECK_THROWS_AS(run_monte_carlo(one, o), Stop);
    // Stopped in the first block: far fewer replications were done than asked for.
    CHECK(last < 3000);
    CHECK(calls >= 1);
  }
}

TEST_CASE("a progress callback does not change the results", "[monte_carlo]") {
  const std::vector<Scenario> one{test::load_example("saas")};
  RunOptions o;
  o.replications = 40;
  o.seed = 3;
  o.use_seed = true;
  const RunResults plain = run_monte_carlo(one, o);
  std::size_t calls = 0;
  o.progress = [&](std::size_t, std::size_t) { ++calls; };
  const RunResults watched = run_monte_carlo(one, o);
  CHECK(calls > 0);
  CHECK(plain.scenarios[0].across(Total::Npv) == watched.scenarios[0].across(Total::Npv));
}

TEST_CASE("a sweep's point progress can stop a point", "[sweep]") {
  const Scenario s = test::load_example("saas");
  std::size_t calls = 0;
  CHECK_THROWS_AS(run_point(s, 5000, 1, 1,
                            [&](std::size_t, std::size_t) {
                              if (++calls == 3) throw Stop();
                            }),
                  Stop);
  CHECK(calls == 3);
}

}  // namespace
}  // namespace clvsim

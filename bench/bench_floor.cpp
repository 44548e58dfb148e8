// The sampling floor of the default scenario: what one replication costs if it did nothing but
// call its samplers.
//
// It records every sampler call of `R` replications (trace_replication: the same draws as a
// normal run), counts them per replication by kind, measures each kind's cost per call by
// replaying the recorded calls (stream set-up included, as the engine does it), and prints
//
//   floor = sum over kinds of (calls per replication x cost per call)
//
// against the measured time per replication of the engine alone (simulate_replication) and of a
// whole one-thread Monte Carlo run (parameter draws, customer value and statistics included), at
// R and 10 R replications: the slope between the two is the cost of one more replication, what
// "time per replication" means for a long run; the intercept is the fixed cost of a run.
//
// Times are CPU times of the measuring thread (the whole run is on one thread), each the best of 3
// rounds. The floor, the engine and the whole runs are measured in turn, once per repeat, and each
// ratio to the floor is taken within a repeat: on a machine whose speed drifts, the ratios hold
// where the times do not. They are printed as min / median / max over the repeats; the cost per
// call by kind as medians.
//
// Usage: bench_floor [replications] [repeats]   (default 200, 3)

#include <algorithm>
#include <array>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "clvsim/draws.hpp"
#include "clvsim/engine.hpp"
#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/model.hpp"
#include "clvsim/monte_carlo.hpp"

using namespace clvsim;

namespace {

enum Kind : int {
  BinomialInversion,
  BinomialBtrs,
  PoissonInversion,
  PoissonPtrs,
  Multinomial2,
  Multinomial3,
  MultinomialMore,
  BinomialThenMultinomial,
  GammaSum,
  NoDraw,  // a call the draw policy answers without a stream (n = 0, p = 0 or 1, fixed value)
  Kinds
};
constexpr std::array<const char*, Kinds> NAMES = {
    "binomial, inversion (BINV)", "binomial, BTRS",
    "Poisson, inversion",         "Poisson, PTRS",
    "multinomial, 2 categories",  "multinomial, 3 categories",
    "multinomial, more",          "binomial + multinomial, 1 stream",
    "gamma (order values)",       "answered without drawing"};

Kind kind_of(const DrawRecord& d) {
  switch (d.kind) {
    case DrawRecord::Kind::Binomial:
      if (d.n <= 0 || d.p->p <= 0.0 || d.p->p >= 1.0) return NoDraw;
      return static_cast<double>(d.n) * d.p->small < BINOMIAL_INVERSION_BELOW ? BinomialInversion
                                                                              : BinomialBtrs;
    case DrawRecord::Kind::Poisson:
      if (d.x <= 0.0) return NoDraw;
      return d.x < 10.0 ? PoissonInversion : PoissonPtrs;
    case DrawRecord::Kind::Multinomial:
      if (d.n <= 0) return NoDraw;
      return d.categories == 2 ? Multinomial2 : d.categories == 3 ? Multinomial3 : MultinomialMore;
    case DrawRecord::Kind::OrderValue:
      return d.x > 0.0 && d.mean > 0.0 && d.cv > 0.0 ? GammaSum : NoDraw;
  }
  return NoDraw;
}

struct Call {
  std::uint64_t replication;
  DrawRecord record;
  DrawRecord then{};  // a multinomial continuing the record's stream (then.continues), if any
};

// Replays the calls once through the engine's draw policy; returns a checksum.
double replay(const std::vector<Call>& calls, std::uint64_t seed) {
  double sink = 0.0;
  std::array<Count, 16> out{};
  for (const Call& c : calls) {
    const SampleDraws draw(seed, c.replication);
    const DrawRecord& d = c.record;
    if (c.then.continues) {
      // The binomial's n and the multinomial's categories; the split is of what the binomial
      // leaves (as the engine draws it), whatever n - x the recording saw.
      sink += static_cast<double>(draw.binomial_then_multinomial(
          d.n, *d.p, {}, std::span<const BinomialProb>(c.then.p, c.then.categories - 1),
          std::span<Count>(out.data(), c.then.categories), d.purpose, d.where));
      continue;
    }
    switch (d.kind) {
      case DrawRecord::Kind::Binomial: sink += static_cast<double>(draw.binomial(d.n, *d.p, d.purpose, d.where)); break;
      case DrawRecord::Kind::Poisson: sink += static_cast<double>(draw.poisson(d.x, d.purpose, d.where)); break;
      case DrawRecord::Kind::Multinomial:
        draw.multinomial(d.n, {}, std::span<const BinomialProb>(d.p, d.categories - 1),
                         std::span<Count>(out.data(), d.categories), d.purpose, d.where);
        sink += static_cast<double>(out[0]);
        break;
      case DrawRecord::Kind::OrderValue: sink += draw.order_value(d.x, d.mean, d.cv, d.purpose, d.where); break;
    }
  }
  return sink;
}

// The same calls through the plain samplers, which derive every constant from the probability on
// each call (as the engine did before it kept them per cell). The multinomial's probabilities are
// rebuilt from its conditionals: the variates may differ in rare cases, the cost is the same.
double replay_plain(const std::vector<Call>& calls, std::uint64_t seed) {
  double sink = 0.0;
  std::array<Count, 16> out{};
  std::array<double, 16> probs{};
  for (const Call& c : calls) {
    const DrawRecord& d = c.record;
    if (c.then.continues) {
      RandomStream rng(seed, c.replication, d.purpose, d.where);
      const Count x = clvsim::binomial(rng, d.n, d.p->p);
      double left = 1.0;
      for (std::size_t j = 0; j + 1 < c.then.categories; ++j) {
        probs[j] = c.then.p[j].p * left;
        left -= probs[j];
      }
      probs[c.then.categories - 1] = std::max(0.0, left);
      if (x < d.n)
        clvsim::multinomial(rng, d.n - x, std::span<const double>(probs.data(), c.then.categories),
                            std::span<Count>(out.data(), c.then.categories));
      sink += static_cast<double>(x + out[0]);
      continue;
    }
    switch (d.kind) {
      case DrawRecord::Kind::Binomial: {
        if (d.n == 0 || d.p->p <= 0.0) break;
        RandomStream rng(seed, c.replication, d.purpose, d.where);
        sink += static_cast<double>(clvsim::binomial(rng, d.n, d.p->p));
        break;
      }
      case DrawRecord::Kind::Multinomial: {
        if (d.n == 0) break;
        double left = 1.0;
        for (std::size_t j = 0; j + 1 < d.categories; ++j) {
          probs[j] = d.p[j].p * left;
          left -= probs[j];
        }
        probs[d.categories - 1] = std::max(0.0, left);
        RandomStream rng(seed, c.replication, d.purpose, d.where);
        clvsim::multinomial(rng, d.n, std::span<const double>(probs.data(), d.categories),
                            std::span<Count>(out.data(), d.categories));
        sink += static_cast<double>(out[0]);
        break;
      }
      case DrawRecord::Kind::Poisson: {
        const SampleDraws draw(seed, c.replication);
        sink += static_cast<double>(draw.poisson(d.x, d.purpose, d.where));
        break;
      }
      case DrawRecord::Kind::OrderValue: {
        const SampleDraws draw(seed, c.replication);
        sink += draw.order_value(d.x, d.mean, d.cv, d.purpose, d.where);
        break;
      }
    }
  }
  return sink;
}

// CPU time of this thread: on a machine shared with other work, time on a core is what a
// one-thread measurement should count, not the time spent waiting for one.
struct Clock {
  using time_point = double;
  static double now() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  }
};
double since(double t0) { return Clock::now() - t0; }

// Seconds per call of `f()` doing `n` calls, repeated for at least 0.1 s; the best of 3 rounds.
// The first round over a kind's records is often the slowest by far (on a virtual machine, the
// first touch of their hundreds of MB after other work costs page faults), hence the best.
template <class F>
double per_call(std::size_t n, F&& f) {
  if (n == 0) return 0.0;
  double best = 1e300;
  for (int round = 0; round < 3; ++round) {
    std::size_t done = 0;
    const auto t0 = Clock::now();
    double elapsed = 0.0;
    do {
      f();
      done += n;
      elapsed = since(t0);
    } while (elapsed < 0.1);
    best = std::min(best, elapsed / static_cast<double>(done));
  }
  return best;
}

struct Spread {
  double min, median, max;
};
Spread spread(std::vector<double> x) {
  std::sort(x.begin(), x.end());
  const std::size_t n = x.size();
  return {x.front(), n % 2 == 1 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]), x.back()};
}

}  // namespace

int main(int argc, char** argv) {
  const int R = argc > 1 ? std::atoi(argv[1]) : 200;
  const int repeats = std::max(1, argc > 2 ? std::atoi(argv[2]) : 3);
  const Scenario s = parse_scenario(default_scenario_text(), "<default scenario>");
  const std::uint64_t seed = s.simulation.seed;
  const MetricIndex index = MetricIndex::of(s);
  const std::size_t M = static_cast<std::size_t>(index.size()) * s.simulation.horizon;
  std::vector<double> metrics(M), totals(static_cast<std::size_t>(Total::Count_));

  // Parameters of each replication, kept alive: the records point into them.
  std::vector<ModelParams> params;
  params.reserve(static_cast<std::size_t>(R));
  for (int r = 0; r < R; ++r) params.push_back(resolve(s, seed, static_cast<std::uint64_t>(r)));

  std::array<std::vector<Call>, Kinds> calls;
  ReplicationState state;
  std::vector<DrawRecord> log;
  for (int r = 0; r < R; ++r) {
    log.clear();
    trace_replication(params[r], seed, static_cast<std::uint64_t>(r), metrics, totals, state, log);
    for (std::size_t i = 0; i < log.size(); ++i) {
      const DrawRecord& d = log[i];
      if (i + 1 < log.size() && log[i + 1].continues) {
        calls[BinomialThenMultinomial].push_back({static_cast<std::uint64_t>(r), d, log[i + 1]});
        ++i;
      } else {
        calls[kind_of(d)].push_back({static_cast<std::uint64_t>(r), d});
      }
    }
  }

  // Cost of one stream set-up and its first block of 4 words (what every drawing call pays).
  double stream_sink = 0.0, checksum = 0.0;
  constexpr std::size_t STREAMS = 100000;
  const double stream_cost = per_call(STREAMS, [&] {
    for (std::size_t i = 0; i < STREAMS; ++i) {
      RandomStream rng(seed, i, Purpose::Test, i);
      stream_sink += rng.uniform();
    }
  });

  // The plain samplers once, for comparison, before the whole runs.
  double plain_s = 0.0;
  std::array<double, Kinds> plain{};
  for (int k = 0; k < Kinds; ++k) {
    const auto& c = calls[k];
    plain[k] = per_call(c.size(), [&] { checksum += replay_plain(c, seed); });
    plain_s += static_cast<double>(c.size()) / R * plain[k];
  }

  // One repeat: every kind's cost per call (the floor), the engine alone on the same parameters
  // with one reused state, and a whole one-thread run (parameter draws, customer value, engine,
  // statistics) at R and 10 R replications: the slope between the two is the time of one more
  // replication in a long run, the intercept the run's fixed cost (set-up, the final statistics
  // of every metric, which grow with R only through the order statistics).
  const std::vector<Scenario> one{s};
  const auto whole_run = [&](int replications) {
    RunOptions opt;
    opt.replications = replications;
    opt.threads = 1;
    double best = 1e300;
    for (int round = 0; round < 3; ++round) {
      const auto t0 = Clock::now();
      const RunResults res = run_monte_carlo(one, opt);
      best = std::min(best, since(t0));
      checksum += res.scenarios[0].total_stats[0].mean;
    }
    return best;
  };
  const int R_long = 10 * R;
  std::array<std::vector<double>, Kinds> cost;
  std::vector<double> floors, engines, shorts, longs, slopes, fixeds;
  for (int rep = 0; rep < repeats; ++rep) {
    double floor_s = 0.0;
    for (int k = 0; k < Kinds; ++k) {
      const auto& c = calls[k];
      cost[k].push_back(per_call(c.size(), [&] { checksum += replay(c, seed); }));
      floor_s += static_cast<double>(c.size()) / R * cost[k].back();
    }
    const double engine = per_call(static_cast<std::size_t>(R), [&] {
      for (int r = 0; r < R; ++r)
        simulate_replication(params[r], seed, static_cast<std::uint64_t>(r), metrics, totals,
                             state);
      checksum += totals[0];
    });
    const double whole_short = whole_run(R), whole_long = whole_run(R_long);
    const double marginal = (whole_long - whole_short) / (R_long - R);
    floors.push_back(floor_s);
    engines.push_back(engine / floor_s);
    shorts.push_back(whole_short / R / floor_s);
    longs.push_back(whole_long / R_long / floor_s);
    slopes.push_back(marginal / floor_s);
    fixeds.push_back(whole_short - R * marginal);
  }
  std::printf(
      "sampling floor of the default scenario, %d replications, %d periods, one thread, %d "
      "repeats\n",
      R, s.simulation.horizon, repeats);
  std::printf("  %-30s %14s %14s %16s %14s\n", "sampler", "calls / repl.", "ns / call",
              "us / replication", "plain ns/call");
  double floor_median = 0.0;
  std::size_t drawing_calls = 0;
  for (int k = 0; k < Kinds; ++k) {
    const double per_rep = static_cast<double>(calls[k].size()) / R;
    const double median = spread(cost[k]).median;
    floor_median += per_rep * median;
    if (k != NoDraw) drawing_calls += calls[k].size();
    std::printf("  %-30s %14.1f %14.1f %16.2f %14.1f\n", NAMES[k], per_rep, median * 1e9,
                per_rep * median * 1e6, plain[k] * 1e9);
  }
  std::printf("  %-30s %14.1f %14s %16.2f\n", "total (the floor)",
              static_cast<double>(drawing_calls) / R, "", floor_median * 1e6);
  const Spread f = spread(floors);
  std::printf("  the floor by repeat: %.2f / %.2f / %.2f us (min / median / max)\n", f.min * 1e6,
              f.median * 1e6, f.max * 1e6);
  std::printf(
      "  the same calls through the plain samplers (constants per call): %.2f us, %.2f x the "
      "floor\n",
      plain_s * 1e6, plain_s / floor_median);
  std::printf("  stream set-up + first Philox block: %.1f ns (paid by every drawing call)\n",
              stream_cost * 1e9);
  std::printf("measured per replication, x the floor of the same repeat (min / median / max)\n");
  const auto line = [](const std::string& what, const std::vector<double>& x) {
    const Spread v = spread(x);
    std::printf("  %-34s: %5.2f / %5.2f / %5.2f\n", what.c_str(), v.min, v.median, v.max);
  };
  line("engine (simulate_replication)", engines);
  line("whole Monte Carlo run, R = " + std::to_string(R), shorts);
  line("whole Monte Carlo run, R = " + std::to_string(R_long), longs);
  line("one more replication (slope)", slopes);
  const Spread fixed = spread(fixeds);
  std::printf("  %-34s: %5.2f / %5.2f / %5.2f ms\n", "fixed cost of a run (intercept)",
              fixed.min * 1e3, fixed.median * 1e3, fixed.max * 1e3);
  if (checksum == 0.123456789 || stream_sink == 0.0) std::printf("(checksum %g)\n", checksum);
  return 0;
}

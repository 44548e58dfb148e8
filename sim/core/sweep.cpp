#include <cstdio>
#include <cstring>
#include <exception>

#include "clvsim/engine.hpp"
#include "clvsim/monte_carlo.hpp"
#include "clvsim/random.hpp"
#include "clvsim/statistics.hpp"
#include "clvsim/sweep.hpp"
#include "clvsim/variants.hpp"

namespace clvsim {
namespace {

const char* STATISTICS[] = {"mean", "sd", "std_error", "p05", "p25", "p50", "p75", "p95"};
constexpr std::size_t STATISTIC_COUNT = sizeof(STATISTICS) / sizeof(STATISTICS[0]);

std::uint64_t mix(std::uint64_t h, const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

std::vector<std::string> sweep_columns() {
  std::vector<std::string> out;
  for (const MetricInfo& info : total_infos())
    for (const char* stat : STATISTICS) out.push_back(info.name + "_" + stat);
  return out;
}

Scenario point_scenario(const Scenario& base, const SweepSpec& spec, std::span<const double> values,
                        std::size_t point) {
  Scenario s = base;
  s.variants.clear();
  for (std::size_t j = 0; j < spec.parameters.size(); ++j) {
    const SweepParameter& p = spec.parameters[j];
    Override o;
    o.op = p.op;
    o.pattern = p.pattern;
    o.value.value = values[j];
    o.where = p.where;
    try {
      apply_override(s, o);
    } catch (const InputError& e) {
      throw InputError(std::string(e.what()) + "; at sweep point " + std::to_string(point));
    }
  }
  try {
    validate(s);
  } catch (const InputError& e) {
    throw InputError(std::string(e.what()) + "; at sweep point " + std::to_string(point));
  }
  return s;
}

std::vector<double> run_point(const Scenario& point, int replications, std::uint64_t seed, int threads,
                              const std::function<void(std::size_t, std::size_t)>& progress) {
  RunOptions opt;
  opt.progress = progress;
  opt.replications = replications;
  opt.seed = seed;
  opt.use_seed = true;
  opt.threads = threads;
  const std::vector<Scenario> one{point};
  const RunResults r = run_monte_carlo(one, opt);
  std::vector<double> row;
  row.reserve(total_infos().size() * STATISTIC_COUNT);
  for (std::size_t i = 0; i < total_infos().size(); ++i) {
    const Stats& st = r.scenarios[0].total_stats[i];
    row.insert(row.end(), {st.mean, st.sd, st.std_error});
    row.insert(row.end(), st.q.begin(), st.q.end());
  }
  return row;
}

std::map<std::size_t, std::vector<double>> run_sweep(const Scenario& base, const SweepSpec& spec,
                                                    const std::vector<std::vector<double>>& points,
                                                    std::uint64_t seed, Communicator& comm,
                                                    const SweepRunOptions& options) {
  // The shard's points still to do, split across ranks in contiguous blocks.
  const Block shard = block_of(points.size(), options.shard.index, options.shard.count);
  std::vector<std::size_t> todo;
  for (std::size_t i = shard.first; i < shard.last; ++i)
    if (options.done.empty() || !options.done[i]) todo.push_back(i);
  const Block mine = block_of(todo.size(), comm.rank(), comm.size());

  const std::size_t width = sweep_columns().size();
  std::vector<double> local;  // records: point index, then its row
  std::exception_ptr failure;
  try {
    for (std::size_t k = mine.first; k < mine.last; ++k) {
      const std::size_t i = todo[k];
      const Scenario s = point_scenario(base, spec, points[i], i);
      const std::vector<double> row = run_point(s, spec.replications, seed, options.threads, options.point_progress);
      if (options.on_point) options.on_point(i, row);
      local.push_back(static_cast<double>(i));
      local.insert(local.end(), row.begin(), row.end());
      if (options.progress && comm.rank() == 0) options.progress(k - mine.first + 1, mine.last - mine.first);
    }
  } catch (...) {
    failure = std::current_exception();
  }
  // A rank that failed must not leave the others waiting in the gather.
  if (comm.any(failure != nullptr)) {
    if (failure) std::rethrow_exception(failure);
    throw RuntimeError("the sweep failed on another MPI rank (its error is reported there)");
  }
  const std::vector<double> all = comm.all_gather(local);
  std::map<std::size_t, std::vector<double>> rows;
  for (std::size_t pos = 0; pos + width < all.size() + 1; pos += width + 1) {
    const auto i = static_cast<std::size_t>(all[pos]);
    rows[i].assign(all.begin() + static_cast<std::ptrdiff_t>(pos + 1),
                   all.begin() + static_cast<std::ptrdiff_t>(pos + 1 + width));
  }
  return rows;
}

std::uint64_t sweep_fingerprint(const Scenario& base, const std::vector<std::vector<double>>& points,
                                std::uint64_t seed, int replications) {
  std::uint64_t h = hash_name(base.source_text);
  h = mix(h, &seed, sizeof seed);
  h = mix(h, &replications, sizeof replications);
  for (const auto& p : points) h = mix(h, p.data(), p.size() * sizeof(double));
  return h;
}

}  // namespace clvsim

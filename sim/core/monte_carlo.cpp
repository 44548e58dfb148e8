#include "clvsim/monte_carlo.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <new>
#include <utility>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "clvsim/error.hpp"
#include "clvsim/model.hpp"
#include "clvsim/parallel.hpp"

namespace clvsim {
namespace {

// A seed of its own for scenario v (splitmix64 finaliser of seed and v), so its streams share
// nothing with the other scenarios'. Scenario 0 keeps the run's seed.
std::uint64_t independent_seed(std::uint64_t seed, std::size_t v) {
  if (v == 0) return seed;
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (static_cast<std::uint64_t>(v) + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Where the per-replication values come from in a trajectory: the metrics of YEARLY_METRICS
// and the retention rate, found by name once per scenario rather than once per replication.
struct KeptMetrics {
  std::array<int, YEARLY_METRICS.size()> yearly{};
  int retention = -1;
  explicit KeptMetrics(const MetricLayout& layout) : retention(layout.index("retention_rate")) {
    for (std::size_t i = 0; i < YEARLY_METRICS.size(); ++i)
      yearly[i] = layout.index(YEARLY_METRICS[i].name);
  }
};

void yearly_values(const KeptMetrics& kept, int periods, double periods_per_year,
                   std::span<const double> metrics, std::span<double> out) {
  const int Y = year_count(periods, periods_per_year);
  CLVSIM_EXPECT(out.size() == YEARLY_METRICS.size() * static_cast<std::size_t>(Y));
  for (std::size_t i = 0; i < YEARLY_METRICS.size(); ++i) {
    const double* x = &metrics[static_cast<std::size_t>(kept.yearly[i]) * periods];
    for (int y = 0; y < Y; ++y) {
      const auto [first, last] = year_periods(y, periods, periods_per_year);
      double v = 0.0;
      if (YEARLY_METRICS[i].flow)
        for (int t = first; t < last; ++t) v += x[t];
      else
        v = x[last - 1];
      out[i * static_cast<std::size_t>(Y) + static_cast<std::size_t>(y)] = v;
    }
  }
}

// The mean per-period retention rate of one trajectory over the periods where it is defined.
double mean_retention(const KeptMetrics& kept, int periods, std::span<const double> metrics) {
  const int m = kept.retention;
  double sum = 0.0;
  int n = 0;
  for (int t = 0; t < periods; ++t) {
    const double x = metrics[static_cast<std::size_t>(m) * periods + t];
    if (!std::isnan(x)) {
      sum += x;
      ++n;
    }
  }
  return n > 0 ? sum / n : std::numeric_limits<double>::quiet_NaN();
}

// The trajectories of a block: every value written by its replication before it is read, so
// never zero-filled. The run's largest buffer (2 MB for 100 replications of the default scenario,
// 20 MB from 1024 on) is touched once, page by page, in the first block: from 1 MiB on it is
// aligned to 2 MiB and, on Linux, offered transparent huge pages (madvise), where the system
// grants them on request (a fault per 2 MiB rather than per 4 KiB page: 0.2 against 6 ms for
// 2 MB on a virtual machine). Freed, it returns to the allocator like any other memory.
class BlockBuffer {
 public:
  explicit BlockBuffer(std::size_t values) {
    constexpr std::size_t HUGE_PAGE = std::size_t{2} << 20;
    const std::size_t bytes = values * sizeof(double);
    if (bytes >= HUGE_PAGE / 2) {
      align_ = HUGE_PAGE;
      const std::size_t rounded = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
      data_ = static_cast<double*>(::operator new(rounded, std::align_val_t{align_}));
#if defined(__linux__) && defined(MADV_HUGEPAGE)
      (void)madvise(data_, rounded, MADV_HUGEPAGE);  // advice: refused, the pages are small
#endif
    } else {
      data_ = static_cast<double*>(::operator new(bytes, std::align_val_t{align_}));
    }
  }
  BlockBuffer(const BlockBuffer&) = delete;
  BlockBuffer& operator=(const BlockBuffer&) = delete;
  ~BlockBuffer() { release(); }
  void release() {
    if (data_ != nullptr) ::operator delete(data_, std::align_val_t{align_});
    data_ = nullptr;
  }
  double& operator[](std::size_t i) { return data_[i]; }
  double operator[](std::size_t i) const { return data_[i]; }

 private:
  std::size_t align_ = alignof(std::max_align_t);
  double* data_ = nullptr;
};

}  // namespace

std::pair<int, int> year_periods(int y, int periods, double periods_per_year) {
  const int ppy = std::max(1, static_cast<int>(std::lround(periods_per_year)));
  return {std::min(periods, y * ppy), std::min(periods, (y + 1) * ppy)};
}

int year_count(int periods, double periods_per_year) {
  const int ppy = std::max(1, static_cast<int>(std::lround(periods_per_year)));
  return (periods + ppy - 1) / ppy;
}

void yearly_values(const MetricLayout& layout, int periods, double periods_per_year,
                   std::span<const double> metrics, std::span<double> out) {
  yearly_values(KeptMetrics(layout), periods, periods_per_year, metrics, out);
}

void MemoryStore::begin(std::span<const std::size_t> columns, std::size_t replications) {
  columns_.assign(columns.size(), {});
  for (std::size_t v = 0; v < columns.size(); ++v) {
    columns_[v].assign(columns[v], {});
    for (auto& c : columns_[v]) c.reserve(replications);
  }
}

void MemoryStore::append(std::size_t slot, std::size_t first, std::size_t count,
                         std::span<const double> values) {
  auto& cols = columns_.at(slot);
  if (values.size() != cols.size() * count || (!cols.empty() && cols[0].size() != first))
    throw RuntimeError("per-replication values out of order (replication " + std::to_string(first) +
                       ")");
  for (std::size_t c = 0; c < cols.size(); ++c) {
    cols[c].insert(cols[c].end(), values.begin() + static_cast<std::ptrdiff_t>(c * count),
                   values.begin() + static_cast<std::ptrdiff_t>((c + 1) * count));
  }
}

void MemoryStore::read(std::size_t slot, std::size_t column, std::size_t first,
                       std::span<double> out) const {
  const std::vector<double>& c = columns_.at(slot).at(column);
  if (first + out.size() > c.size())
    throw RuntimeError("per-replication values " + std::to_string(first) + ".." +
                       std::to_string(first + out.size()) + " requested, " +
                       std::to_string(c.size()) + " kept");
  std::copy_n(c.begin() + static_cast<std::ptrdiff_t>(first), out.size(), out.begin());
}

std::vector<double> ScenarioResults::column(std::size_t c) const {
  std::vector<double> v(static_cast<std::size_t>(replications));
  read_column(c, 0, v);
  return v;
}

void ScenarioResults::read_column(std::size_t c, std::size_t first, std::span<double> out) const {
  if (!store) throw RuntimeError(name + ": no per-replication values (the run kept none)");
  store->read(slot, c, first, out);
}

std::vector<double> ScenarioResults::totals_by_replication() const {
  const auto n = static_cast<std::size_t>(Total::Count_);
  std::vector<double> out(static_cast<std::size_t>(replications) * n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::vector<double> v = across(static_cast<Total>(i));
    for (std::size_t r = 0; r < v.size(); ++r) out[r * n + i] = v[r];
  }
  return out;
}

RunResults run_monte_carlo(std::span<const Scenario> scenarios, const RunOptions& options) {
  if (scenarios.empty()) throw InputError("no scenario to run");
  const auto start = std::chrono::steady_clock::now();
  const Scenario& first = scenarios.front();
  RunResults out;
  out.seed = options.use_seed ? options.seed : first.simulation.seed;
  out.replications =
      options.replications > 0 ? options.replications : first.simulation.replications;
  out.threads = options.threads > 0 ? options.threads : max_threads();
  out.streams = options.streams;
  const int R = out.replications;
  const int V = static_cast<int>(scenarios.size());
  const double ppy = periods_per_year(first.simulation.period);
  const std::shared_ptr<ReplicationStore> store =
      options.store ? options.store : std::make_shared<MemoryStore>();

  // Set-up: layouts, the store, and the parameters of scenarios without uncertainty (shared).
  std::vector<ModelParams> nominal;
  std::vector<bool> uncertain;
  std::vector<std::size_t> widths;  // per-replication columns of each scenario
  std::vector<KeptMetrics> kept_metrics;
  for (const Scenario& s : scenarios) {
    if (s.simulation.horizon != first.simulation.horizon)
      throw InputError(s.name + ": simulation.horizon = " + std::to_string(s.simulation.horizon) +
                       " differs from " + first.name + "'s " +
                       std::to_string(first.simulation.horizon) +
                       " (scenarios compared together must share the horizon)");
    ScenarioResults res(s);
    res.periods = s.simulation.horizon;
    res.replications = R;
    res.years = year_count(res.periods, ppy);
    res.store = store;
    res.slot = out.scenarios.size();
    const auto M = static_cast<std::size_t>(res.layout.size());
    nominal.push_back(resolve_nominal(s));
    uncertain.push_back(has_uncertainty(s));
    res.expected_metrics.resize(M * res.periods);
    res.expected_totals.resize(static_cast<std::size_t>(Total::Count_));
    expected_trajectory(nominal.back(), res.expected_metrics, res.expected_totals);
    res.expected_yearly.resize(YEARLY_METRICS.size() * static_cast<std::size_t>(res.years));
    yearly_values(res.layout, res.periods, ppy, res.expected_metrics, res.expected_yearly);
    res.nominal_ltv = nominal.back().ltv;
    widths.push_back(res.columns());
    kept_metrics.emplace_back(res.layout);
    out.scenarios.push_back(std::move(res));
  }
  store->begin(widths, static_cast<std::size_t>(R));

  // Accumulators: per scenario and cell (metric, period), and per variant and cell for the
  // paired differences from the first scenario.
  std::vector<std::size_t> cells(V), offset(V);  // trajectory size and its place in a block row
  std::size_t row = 0;
  for (int v = 0; v < V; ++v) {
    cells[v] = static_cast<std::size_t>(out.scenarios[v].layout.size()) * out.scenarios[v].periods;
    offset[v] = row;
    row += cells[v];
  }
  // A run of one block has each cell's values together in the block: its statistics come from
  // there, with no accumulators (nor copies of the values: 8 bytes per cell and replication).
  const std::size_t B = std::min<std::size_t>(REPLICATION_BLOCK, static_cast<std::size_t>(R));
  const bool one_block = B == static_cast<std::size_t>(R);
  static_assert(REPLICATION_BLOCK <= StreamingStats::EXACT_QUANTILES);
  std::vector<std::vector<StreamingStats>> level(V), delta(V);
  const StreamingStats empty(static_cast<std::size_t>(R));
  for (int v = 0; v < V; ++v) {
    if (!one_block) level[v].assign(cells[v], empty);
    out.scenarios[v].period_stats.resize(cells[v]);
  }
  // Variants share the base's layout unless their channels, segments or stages differ; pair by
  // metric name and period.
  std::vector<std::vector<std::size_t>> base_cell(V);
  for (int v = 1; v < V; ++v) {
    const ScenarioResults& b = out.scenarios[0];
    const ScenarioResults& x = out.scenarios[v];
    for (int m = 0; m < x.layout.size(); ++m) {
      const int mb = b.layout.index(x.layout.metrics()[m].name);
      for (int t = 0; t < x.periods; ++t)
        base_cell[v].push_back(mb < 0 ? static_cast<std::size_t>(-1)
                                      : static_cast<std::size_t>(mb) * b.periods + t);
    }
    if (!one_block) delta[v].assign(cells[v], empty);
    out.scenarios[v].paired_delta.resize(cells[v]);
  }

  // Blocks of replications: simulate in parallel into the block's trajectories and per-replication
  // rows, hand the rows to the store, then fold each cell's values into its accumulator in
  // replication order (in parallel over cells).
  BlockBuffer block(B * row);
  std::vector<std::vector<double>> rows(V);  // [b][column] per scenario
  for (int v = 0; v < V; ++v) rows[v].resize(B * widths[v]);
  std::vector<double> columns;  // one scenario's block, column-major, for the store
  std::vector<std::vector<double>> scratch(static_cast<std::size_t>(std::max(1, out.threads)),
                                           std::vector<double>(B));
  const std::size_t total_jobs = static_cast<std::size_t>(R) * V;
  std::atomic<std::size_t> done{0};
  // Per thread: the replication's state, and the parameters of each scenario with uncertainty
  // (resolved into storage kept from one replication to the next).
  const auto threads = static_cast<std::size_t>(std::max(out.threads, 1));
  std::vector<ReplicationState> states(threads);
  std::vector<ModelParams> drawn(threads * static_cast<std::size_t>(V));
  constexpr auto NT = static_cast<std::size_t>(Total::Count_);
  for (std::size_t r0 = 0; r0 < static_cast<std::size_t>(R); r0 += B) {
    const std::size_t nb = std::min(B, static_cast<std::size_t>(R) - r0);
    parallel_for(nb * V, out.threads, [&](std::size_t job) {
      const std::size_t b = job / V;
      const auto v = static_cast<std::size_t>(job % V);
      const std::uint64_t r = r0 + b;
      const ScenarioResults& res = out.scenarios[v];
      const std::span<double> metrics(&block[b * row + offset[v]], cells[v]);
      double* const kept = &rows[v][b * widths[v]];
      const std::span<double> totals(kept, NT);
      const std::uint64_t seed =
          out.streams == Streams::Common ? out.seed : independent_seed(out.seed, v);
      if (uncertain[v]) {
        ModelParams& m = drawn[static_cast<std::size_t>(thread_num()) * V + v];
        resolve_into(m, scenarios[v], seed, r);
        simulate_replication(m, seed, r, metrics, totals, states[thread_num()]);
      } else {
        simulate_replication(nominal[v], seed, r, metrics, totals, states[thread_num()]);
      }
      yearly_values(kept_metrics[v], res.periods, ppy, metrics,
                    {kept + NT, YEARLY_METRICS.size() * static_cast<std::size_t>(res.years)});
      kept[widths[v] - 1] = mean_retention(kept_metrics[v], res.periods, metrics);
      const std::size_t now = done.fetch_add(1) + 1;
      if (options.progress && thread_num() == 0) options.progress(now, total_jobs);
    });
    for (int v = 0; v < V; ++v) {
      const std::size_t w = widths[v];
      columns.resize(w * nb);
      for (std::size_t b = 0; b < nb; ++b)
        for (std::size_t c = 0; c < w; ++c) columns[c * nb + b] = rows[v][b * w + c];
      store->append(static_cast<std::size_t>(v), r0, nb, columns);
    }
    // Fold tasks: (v, cell) levels, then (v >= 1, cell) differences.
    std::vector<std::pair<int, std::size_t>> tasks;
    for (int v = 0; v < V; ++v)
      for (std::size_t c = 0; c < cells[v]; ++c) tasks.emplace_back(v, c);
    const std::size_t levels = tasks.size();
    for (int v = 1; v < V; ++v)
      for (std::size_t c = 0; c < cells[v]; ++c)
        if (base_cell[v][c] != static_cast<std::size_t>(-1)) tasks.emplace_back(v, c);
    // After the last block each accumulator gives its statistics and is released at once.
    const bool last = r0 + nb == static_cast<std::size_t>(R);
    parallel_for(tasks.size(), out.threads, [&](std::size_t i) {
      const auto [v, c] = tasks[i];
      std::vector<double>& x = scratch[static_cast<std::size_t>(thread_num()) % scratch.size()];
      if (i < levels) {
        for (std::size_t b = 0; b < nb; ++b) x[b] = block[b * row + offset[v] + c];
      } else {
        const std::size_t cb = base_cell[v][c];
        for (std::size_t b = 0; b < nb; ++b)
          x[b] = block[b * row + offset[v] + c] - block[b * row + cb];
      }
      Stats& result =
          (i < levels ? out.scenarios[v].period_stats : out.scenarios[v].paired_delta)[c];
      if (one_block) {
        result = StreamingStats::of_block({x.data(), nb});
        return;
      }
      StreamingStats& acc = i < levels ? level[v][c] : delta[v][c];
      acc.add_block({x.data(), nb});
      if (last) {
        result = acc.result();
        acc = StreamingStats();
      }
    });
  }
  // Differences from a metric the base does not have.
  for (int v = 1; v < V; ++v) {
    for (std::size_t c = 0; c < cells[v]; ++c) {
      if (base_cell[v][c] != static_cast<std::size_t>(-1)) continue;
      Stats& none = out.scenarios[v].paired_delta[c];
      none.mean = none.sd = none.std_error = std::numeric_limits<double>::quiet_NaN();
      none.q.fill(none.mean);
    }
  }
  // The buffers of the run are released before the exact statistics of the per-replication
  // values, which read one column at a time from the store.
  block.release();
  rows = {};
  columns = {};
  scratch = {};
  for (ScenarioResults& res : out.scenarios) {
    res.total_stats.resize(NT);
    for (std::size_t i = 0; i < NT; ++i) res.total_stats[i] = summarize(res.column(i));
    res.yearly_stats.resize(YEARLY_METRICS.size() * static_cast<std::size_t>(res.years));
    for (std::size_t i = 0; i < YEARLY_METRICS.size(); ++i)
      for (int y = 0; y < res.years; ++y)
        res.yearly_stats[i * res.years + y] = summarize(res.yearly(i, y));
  }
  if (options.progress) options.progress(total_jobs, total_jobs);
  out.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace clvsim

#pragma once

// The Monte Carlo driver: replications of one or more scenarios in one parallel pool.
//
// Replication r of every scenario uses the streams keyed by (seed, r), so scenarios given
// together are compared on common random numbers. Replications run in blocks of
// REPLICATION_BLOCK by global index; each block's trajectories are summarised in index order and
// the blocks merged in index order: bit-identical for any thread count. The per-replication values
// (horizon totals, yearly values) go to a ReplicationStore block by block: in memory by default,
// or wherever the caller's store keeps them, so that memory need not grow with replications.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "clvsim/engine.hpp"
#include "clvsim/scenario.hpp"
#include "clvsim/statistics.hpp"

namespace clvsim {

//! How the scenarios of one run draw their random numbers.
enum class Streams {
  Common,       //!< replication r of every scenario uses the same streams (paired comparison)
  Independent,  //!< every scenario has its own streams (only to measure what pairing gains)
};

//! Where a run keeps its per-replication values: for each scenario (a slot), one row per
//! replication of `columns` doubles (ScenarioResults describes the columns). Rows arrive in
//! blocks, in replication order; afterwards they are read back one column at a time, so a store
//! may keep them outside memory. The core itself does no I/O: a store that spills to a file is
//! the caller's (clvsim::SpillStore in the io library).
class ReplicationStore {
 public:
  virtual ~ReplicationStore() = default;
  //! Called once before any rows: the number of columns of each slot, and of replications.
  virtual void begin(std::span<const std::size_t> columns, std::size_t replications) = 0;
  //! The rows of replications [first, first + count) of `slot`, column-major: column c is
  //! values[c * count, (c + 1) * count). Called on the calling thread, for consecutive blocks.
  virtual void append(std::size_t slot, std::size_t first, std::size_t count,
                      std::span<const double> values) = 0;
  //! Column `column` of `slot` for replications [first, first + out.size()).
  virtual void read(std::size_t slot, std::size_t column, std::size_t first,
                    std::span<double> out) const = 0;
};

//! Keeps every per-replication value in memory: 8 bytes per value, column by column.
class MemoryStore final : public ReplicationStore {
 public:
  void begin(std::span<const std::size_t> columns, std::size_t replications) override;
  void append(std::size_t slot, std::size_t first, std::size_t count,
              std::span<const double> values) override;
  void read(std::size_t slot, std::size_t column, std::size_t first,
            std::span<double> out) const override;

 private:
  std::vector<std::vector<std::vector<double>>> columns_;  // [slot][column][replication]
};

struct RunOptions {
  int replications = 0;    //!< 0: the first scenario's simulation.replications
  std::uint64_t seed = 0;  //!< used when use_seed, else the first scenario's seed
  bool use_seed = false;
  int threads = 0;         //!< 0: max_threads()
  Streams streams = Streams::Common;
  //! Called on the calling thread's team member 0 as replications complete, and once at the end.
  std::function<void(std::size_t done, std::size_t total)> progress;
  //! Where the per-replication values go; null: a MemoryStore.
  std::shared_ptr<ReplicationStore> store;
};

//! Per-replication yearly values of every scenario: flows summed over the year's periods, stocks
//! at the year's last period (model.md §9).
struct YearlyMetric {
  const char* name;
  bool flow;
};
inline constexpr std::array<YearlyMetric, 6> YEARLY_METRICS = {{{"revenue", true},
                                                                {"profit", true},
                                                                {"discounted_profit", true},
                                                                {"new_customers", true},
                                                                {"churned_customers", true},
                                                                {"active_customers", false}}};

//! Number of (possibly partial) years in `periods` periods.
int year_count(int periods, double periods_per_year);

//! Periods [first, last) (0-based) of year `year` (0-based): year y covers periods
//! y·P + 1 … min((y + 1)·P, T) in 1-based numbering, P the periods per year rounded.
std::pair<int, int> year_periods(int year, int periods, double periods_per_year);

//! The yearly values of one trajectory: `metrics` is [layout.size() * periods], metric-major as
//! simulate_replication writes it; `out` receives [YEARLY_METRICS][year].
void yearly_values(const MetricLayout& layout, int periods, double periods_per_year,
                   std::span<const double> metrics, std::span<double> out);

//! Replications are summarised in blocks of this many, by global index, in index order; memory
//! does not grow with the number of replications except for the per-replication values below.
inline constexpr std::size_t REPLICATION_BLOCK = 1024;

//! Results of one scenario. Per-period metrics are summarised as replications complete
//! (StreamingStats). Per replication, the store keeps one row of columns(): the horizon totals
//! (Total order), the yearly values (YEARLY_METRICS-major, then year) and the mean per-period
//! retention rate; their statistics are computed from all of them once the run is complete.
struct ScenarioResults {
  std::string name;
  MetricLayout layout;
  int periods = 0;
  int replications = 0;
  int years = 0;
  std::vector<Stats> period_stats;       //!< [metric][period] over replications
  //! [metric][period] of the per-replication differences from the run's first scenario; empty
  //! for the first scenario itself.
  std::vector<Stats> paired_delta;
  std::vector<Stats> total_stats;        //!< [Total] over replications (exact)
  std::vector<Stats> yearly_stats;       //!< [YEARLY_METRICS][year] over replications (exact)
  std::vector<double> expected_metrics;  //!< [metric][period], expected-value mode at point values
  std::vector<double> expected_totals;   //!< [Total]
  std::vector<double> expected_yearly;   //!< [YEARLY_METRICS][year], expected-value mode
  std::vector<double> nominal_ltv;       //!< [segment] LTV at point values
  std::shared_ptr<const ReplicationStore> store;  //!< the per-replication values
  std::size_t slot = 0;                           //!< this scenario's slot in `store`

  explicit ScenarioResults(const Scenario& s) : name(s.name), layout(s) {}

  [[nodiscard]] const Stats& stats(int m, int t) const {
    return period_stats[static_cast<std::size_t>(m) * periods + t];
  }
  //! Per-replication columns: totals, yearly values, mean retention.
  [[nodiscard]] std::size_t columns() const {
    return static_cast<std::size_t>(Total::Count_) + YEARLY_METRICS.size() * years + 1;
  }
  [[nodiscard]] static std::size_t total_column(Total t) { return static_cast<std::size_t>(t); }
  [[nodiscard]] std::size_t yearly_column(std::size_t metric, int year) const {
    return static_cast<std::size_t>(Total::Count_) + metric * years +
           static_cast<std::size_t>(year);
  }
  //! The replication's mean per-period retention rate over the horizon (NaN if never defined).
  [[nodiscard]] std::size_t retention_column() const { return columns() - 1; }
  [[nodiscard]] const Stats& yearly_stat(std::size_t metric, int year) const {
    return yearly_stats[metric * years + year];
  }

  //! A column across all replications (read from the store: 8 bytes per replication).
  [[nodiscard]] std::vector<double> column(std::size_t c) const;
  //! Replications [first, first + out.size()) of a column.
  void read_column(std::size_t c, std::size_t first, std::span<double> out) const;
  //! Values of a total across replications.
  [[nodiscard]] std::vector<double> across(Total x) const { return column(total_column(x)); }
  //! Yearly values of YEARLY_METRICS[metric] in year `year` (0-based) across replications.
  [[nodiscard]] std::vector<double> yearly(std::size_t metric, int year) const {
    return column(yearly_column(metric, year));
  }
  //! Every total of every replication, [replication][Total] (for tests and small runs).
  [[nodiscard]] std::vector<double> totals_by_replication() const;
};

struct RunResults {
  std::vector<ScenarioResults> scenarios;
  std::uint64_t seed = 0;
  int replications = 0;
  int threads = 1;
  Streams streams = Streams::Common;
  double wall_seconds = 0.0;
};

//! Run every scenario for the same replications and seed. Scenarios must share the horizon.
RunResults run_monte_carlo(std::span<const Scenario> scenarios, const RunOptions& options);

}  // namespace clvsim

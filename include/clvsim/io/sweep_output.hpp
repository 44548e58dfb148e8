#pragma once

// Sweep results on disk: the journal of completed points (resume after an interruption) and the
// HDF5 table (docs/results.md), which shard files share so they can be merged.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "clvsim/io/atomic_file.hpp"
#include "clvsim/scenario.hpp"

namespace clvsim {

//! Append-only record of the points a rank has completed, next to the output file:
//! "<output>.partial.<rank>". Each record is written and synced before the next point starts, so
//! a process killed at any moment loses at most the point it was computing; a torn last record
//! is detected by its checksum and ignored.
//!
//! The journal is locked (flock) while its sweep runs, so a second invocation can tell a sweep
//! that is still running from one that was interrupted.
class SweepJournal {
 public:
  SweepJournal(const std::string& output, int rank, std::uint64_t fingerprint, std::size_t width);
  ~SweepJournal();
  SweepJournal(const SweepJournal&) = delete;
  SweepJournal& operator=(const SweepJournal&) = delete;

  void append(std::size_t point, const std::vector<double>& row);

  //! Journal files of `output` left by any rank of an earlier run.
  static std::vector<std::string> existing(const std::string& output);
  //! The first journal of `output` that a running process holds, or empty if none is held.
  static std::string in_use(const std::string& output);
  //! The completed points recorded in all of them. InputError if one belongs to another sweep
  //! (the scenario, design, seed or replications changed).
  static std::map<std::size_t, std::vector<double>> read(const std::string& output, std::uint64_t fingerprint,
                                                        std::size_t width);
  static void remove_all(const std::string& output);

 private:
  std::string path_;
  int fd_ = -1;
};

//! A sweep's table: one row per point.
struct SweepTable {
  std::vector<std::string> parameters;  //!< key-path patterns, in design order
  std::vector<std::string> operations;  //!< "set", "scale" or "add", per parameter
  std::vector<std::string> columns;     //!< result columns (sweep_columns())
  std::vector<std::int64_t> points;     //!< global point indices, increasing
  std::vector<std::vector<double>> values;  //!< [row][parameter]
  std::vector<std::vector<double>> rows;    //!< [row][column]
};

//! The table of the design's points [first, last): each point's index, parameter values and row.
//! `rows` must hold every point of the range.
SweepTable sweep_table(const SweepSpec& spec, const std::vector<std::vector<double>>& points,
                       const std::map<std::size_t, std::vector<double>>& rows, std::size_t first,
                       std::size_t last);

//! Provenance and identity of a sweep file.
struct SweepFileInfo {
  std::string design;
  std::uint64_t seed = 0;
  std::int64_t replications = 0;
  std::int64_t points_total = 0;
  std::uint64_t fingerprint = 0;
  std::int64_t threads = 1;
  std::int64_t ranks = 1;
  double wall_seconds = 0.0;
  std::int64_t shard_index = 0;
  std::int64_t shard_count = 1;
  std::string command_line;
  std::string scenario_name;
  std::string scenario_file;
  std::string scenario_text;
};

//! Write a sweep (or one shard of it) atomically.
void write_sweep_hdf5(const std::string& path, const SweepTable& table, const SweepFileInfo& info,
                      Overwrite overwrite);

//! Combine shard files into the file one run of the whole sweep writes (identical datasets).
//! InputError if the shards come from different sweeps, overlap, or miss points.
//! With `scenario_text`, every shard must have been computed from exactly that resolved
//! scenario text (InputError otherwise): shards of an older version of a scenario are refused.
void merge_sweep_shards(const std::vector<std::string>& shards, const std::string& output,
                        Overwrite overwrite, const std::string* scenario_text = nullptr);

}  // namespace clvsim

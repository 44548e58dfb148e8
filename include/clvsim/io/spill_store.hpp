#pragma once

// Per-replication values of a run kept on disk instead of in memory.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "clvsim/monte_carlo.hpp"

namespace clvsim {

//! A ReplicationStore that writes each block of rows to an unlinked temporary file (one per
//! slot) in a given directory, column-major within the block, and reads columns back with
//! pread: memory holds no per-replication value, the page cache holds what the kernel keeps.
//! Nothing is left on disk, whatever happens: the files have no name (O_TMPFILE, or a name
//! removed at once where the filesystem lacks it). Every write is checked; a full disk is a
//! RuntimeError "cannot write <label> (<reason>)".
class SpillStore final : public ReplicationStore {
 public:
  //! `directory`: where the files go (the output's directory, so that a full disk there is seen
  //! during the run). `label`: the output named in error messages.
  SpillStore(std::string directory, std::string label);
  SpillStore(const SpillStore&) = delete;
  SpillStore& operator=(const SpillStore&) = delete;
  ~SpillStore() override;

  void begin(std::span<const std::size_t> columns, std::size_t replications) override;
  void append(std::size_t slot, std::size_t first, std::size_t count,
              std::span<const double> values) override;
  void read(std::size_t slot, std::size_t column, std::size_t first,
            std::span<double> out) const override;

 private:
  struct Slot {
    int fd = -1;
    std::size_t columns = 0;
    std::vector<std::size_t> block_first;  // first replication of each block, increasing
    std::size_t rows = 0;
  };
  [[noreturn]] void fail(const std::string& what, int err) const;
  std::string directory_, label_;
  std::vector<Slot> slots_;
};

//! The directory of an output path ("." for a bare file name).
std::string directory_of(const std::string& path);

}  // namespace clvsim

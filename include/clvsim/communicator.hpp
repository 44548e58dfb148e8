#pragma once

// The seam to MPI. The library only sees this interface; the default acts as a single process,
// so everything builds and runs without MPI. The MPI implementation lives in sim/mpi/.

#include <memory>
#include <vector>

namespace clvsim {

class Communicator {
 public:
  virtual ~Communicator() = default;
  [[nodiscard]] virtual int rank() const = 0;
  [[nodiscard]] virtual int size() const = 0;
  virtual void barrier() = 0;
  //! Every rank's `local` values concatenated in rank order, returned on every rank.
  virtual std::vector<double> all_gather(const std::vector<double>& local) = 0;
  //! True on every rank if `flag` is true on any rank (to stop all ranks when one fails).
  virtual bool any(bool flag) = 0;
};

//! One process: rank 0 of 1.
class SerialCommunicator final : public Communicator {
 public:
  [[nodiscard]] int rank() const override { return 0; }
  [[nodiscard]] int size() const override { return 1; }
  void barrier() override {}
  std::vector<double> all_gather(const std::vector<double>& local) override { return local; }
  bool any(bool flag) override { return flag; }
};

//! The contiguous block [first, last) of `count` items that `rank` of `size` works on: blocks
//! differ in size by at most one, lower ranks take the larger ones.
struct Block {
  std::size_t first = 0;
  std::size_t last = 0;
};
[[nodiscard]] inline Block block_of(std::size_t count, int rank, int size) {
  const auto r = static_cast<std::size_t>(rank), n = static_cast<std::size_t>(size);
  const std::size_t base = count / n, extra = count % n;
  const std::size_t first = r * base + (r < extra ? r : extra);
  return {first, first + base + (r < extra ? 1 : 0)};
}

//! The process's world: MPI_COMM_WORLD when built with MPI and started by an MPI launcher
//! (initialised here, finalised when the object is destroyed), else a SerialCommunicator. Call
//! once, from main.
std::unique_ptr<Communicator> world_communicator(int* argc, char*** argv);

//! True when this build can use MPI.
bool built_with_mpi();

}  // namespace clvsim

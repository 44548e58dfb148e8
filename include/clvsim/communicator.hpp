#pragma once

// The seam to MPI. The library only sees this interface; the default acts as a single process,
// so everything builds and runs without MPI. The MPI implementation lives in sim/mpi/.

#include <functional>
#include <memory>
#include <string>
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

namespace clvsim {

//! How an MPI launcher (mpirun, mpiexec, srun) told this process it is one of several.
struct LaunchedRanks {
  int size = 1;          //!< the number of processes started together (at least 2 if known)
  std::string variable;  //!< the environment variable that says so, "NAME=value"; empty if alone
};

//! Whether the environment shows this process was started as one of several by an MPI launcher:
//! a world size above 1 in OMPI_COMM_WORLD_SIZE (Open MPI), PMI_SIZE (MPICH, Intel MPI, srun
//! with PMI-2), MV2_COMM_WORLD_SIZE (MVAPICH2) or MPI_LOCALNRANKS (MPICH's Hydra), or a rank
//! above 0 in PMIX_RANK or SLURM_PROCID (PMIx and srun, which give no size). Slurm's job
//! variables alone are not enough: a plain sbatch script sets them for one process.
//! `getenv` is std::getenv in the program and a fake in tests.
LaunchedRanks launched_ranks(const std::function<const char*(const char*)>& getenv);

}  // namespace clvsim

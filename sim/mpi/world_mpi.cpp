// The world of an MPI build: MPI_COMM_WORLD behind the Communicator interface.
//
// This file is a module of its own (libclvsim_mpi_world.so), loaded by world_loader.cpp only
// when an MPI launcher started the process: a program started on its own then never maps
// libmpi and the half-dozen libraries it needs (about 1.2 ms of every start-up).
#include <mpi.h>

#include <cstdlib>
#include <string>

#include "clvsim/communicator.hpp"
#include "clvsim/error.hpp"

namespace clvsim {
namespace {

void check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(code, text, &len);
  throw RuntimeError(std::string("MPI ") + what + " failed: " + std::string(text, static_cast<std::size_t>(len)));
}

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator(int* argc, char*** argv) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
      // Only the main thread calls MPI; OpenMP threads never do.
      int provided = 0;
      check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
      owns_ = true;
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiCommunicator() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (owns_ && !finalized) MPI_Finalize();
  }
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  [[nodiscard]] int rank() const override { return rank_; }
  [[nodiscard]] int size() const override { return size_; }
  void barrier() override { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

  std::vector<double> all_gather(const std::vector<double>& local) override {
    int n = static_cast<int>(local.size());
    std::vector<int> counts(static_cast<std::size_t>(size_)), offsets(static_cast<std::size_t>(size_));
    check(MPI_Allgather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather");
    int total = 0;
    for (int r = 0; r < size_; ++r) {
      offsets[r] = total;
      total += counts[r];
    }
    std::vector<double> all(static_cast<std::size_t>(total));
    check(MPI_Allgatherv(local.data(), n, MPI_DOUBLE, all.data(), counts.data(), offsets.data(), MPI_DOUBLE,
                         MPI_COMM_WORLD),
          "MPI_Allgatherv");
    return all;
  }

  bool any(bool flag) override {
    int in = flag ? 1 : 0, out = 0;
    check(MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD), "MPI_Allreduce");
    return out != 0;
  }

 private:
  int rank_ = 0;
  int size_ = 1;
  bool owns_ = false;
};

}  // namespace

}  // namespace clvsim

//! The module's one entry point: MPI_COMM_WORLD, initialised here (finalised when the object is
//! destroyed, if initialised here). The caller owns the object.
extern "C" __attribute__((visibility("default"))) clvsim::Communicator* clvsim_mpi_world(int* argc,
                                                                                       char*** argv) {
  return new clvsim::MpiCommunicator(argc, argv);
}

// The world of an MPI build, as the program sees it. MPI itself is in a module
// (libclvsim_mpi_world.so, world_mpi.c) that is loaded only when an MPI launcher started this
// process: libmpi and the libraries it pulls in (Open MPI's run-time, hwloc, libevent, udev) cost
// about 1.2 ms to map and relocate, on every command, and most runs are a single process. The
// module has a C interface; this file wraps it in the Communicator interface.
#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "clvsim/communicator.hpp"
#include "clvsim/error.hpp"

namespace clvsim {
namespace {

// Started by an MPI launcher (mpirun/mpiexec of Open MPI or MPICH, or srun with PMI/PMIx)?
bool launched_by_mpi() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"})
    if (std::getenv(var) != nullptr) return true;
  return false;
}

// The module's functions (world_mpi.c); each returns MPI_SUCCESS (0) or MPI's error code.
struct Module {
  int (*init)(int*, char***, int*, int*, int*) = nullptr;
  void (*finalize)(int) = nullptr;
  int (*barrier)() = nullptr;
  int (*gather_counts)(int, int*) = nullptr;
  int (*all_gather)(const double*, int, double*, const int*, const int*) = nullptr;
  int (*any)(int, int*) = nullptr;
  void (*error_string)(int, char*, int) = nullptr;
};

// Where the module may be, in order: beside the executable (the build tree), then where
// `cmake --install` puts it relative to the installed executable.
std::vector<std::filesystem::path> module_candidates() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {CLVSIM_MPI_MODULE_NAME};  // left to the dynamic loader's search path
  const std::filesystem::path dir = exe.parent_path();
  return {dir / CLVSIM_MPI_MODULE_NAME,
          (dir / CLVSIM_MPI_MODULE_RELATIVE_DIR / CLVSIM_MPI_MODULE_NAME).lexically_normal()};
}

template <class F>
bool bind(void* handle, const char* name, F& f) {
  f = reinterpret_cast<F>(dlsym(handle, name));
  return f != nullptr;
}

Module load_module() {
  std::string tried;
  for (const auto& path : module_candidates()) {
    // Global symbols: Open MPI loads its own components, which look up libmpi's symbols.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (handle == nullptr) {
      const char* why = dlerror();  // names the path
      tried += "\n  " + (why != nullptr ? std::string(why) : path.string() + ": cannot be loaded");
      continue;
    }
    Module m;
    if (bind(handle, "clvsim_mpi_init", m.init) && bind(handle, "clvsim_mpi_finalize", m.finalize) &&
        bind(handle, "clvsim_mpi_barrier", m.barrier) &&
        bind(handle, "clvsim_mpi_gather_counts", m.gather_counts) &&
        bind(handle, "clvsim_mpi_all_gather", m.all_gather) && bind(handle, "clvsim_mpi_any", m.any) &&
        bind(handle, "clvsim_mpi_error_string", m.error_string))
      return m;
    tried += "\n  " + path.string() + ": not clvsim's MPI module of this version";
  }
  throw RuntimeError("started by an MPI launcher, but clvsim's MPI module could not be loaded:" + tried +
                     "\n(reinstall clvsim, or run without mpirun for a single process)");
}

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator(Module module, int* argc, char*** argv) : m_(module) {
    check(m_.init(argc, argv, &rank_, &size_, &owns_), "MPI_Init_thread");
  }
  ~MpiCommunicator() override { m_.finalize(owns_); }
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  [[nodiscard]] int rank() const override { return rank_; }
  [[nodiscard]] int size() const override { return size_; }
  void barrier() override { check(m_.barrier(), "MPI_Barrier"); }

  std::vector<double> all_gather(const std::vector<double>& local) override {
    const int n = static_cast<int>(local.size());
    std::vector<int> counts(static_cast<std::size_t>(size_)), offsets(static_cast<std::size_t>(size_));
    check(m_.gather_counts(n, counts.data()), "MPI_Allgather");
    int total = 0;
    for (int r = 0; r < size_; ++r) {
      offsets[r] = total;
      total += counts[r];
    }
    std::vector<double> all(static_cast<std::size_t>(total));
    check(m_.all_gather(local.data(), n, all.data(), counts.data(), offsets.data()), "MPI_Allgatherv");
    return all;
  }

  bool any(bool flag) override {
    int out = 0;
    check(m_.any(flag ? 1 : 0, &out), "MPI_Allreduce");
    return out != 0;
  }

 private:
  void check(int code, const char* what) const {
    if (code == 0) return;  // MPI_SUCCESS
    char text[512];
    m_.error_string(code, text, static_cast<int>(sizeof text));
    throw RuntimeError(std::string("MPI ") + what + " failed: " + text);
  }

  Module m_;
  int rank_ = 0;
  int size_ = 1;
  int owns_ = 0;
};

}  // namespace

std::unique_ptr<Communicator> world_communicator(int* argc, char*** argv) {
  // A process started on its own is a world of one: skip MPI_Init, which costs a singleton
  // start-up of a third of a second on every command, and do not even load MPI.
  if (!launched_by_mpi()) return std::make_unique<SerialCommunicator>();
  return std::make_unique<MpiCommunicator>(load_module(), argc, argv);
}

bool built_with_mpi() { return true; }

}  // namespace clvsim

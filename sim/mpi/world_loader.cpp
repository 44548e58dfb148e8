// The world of an MPI build, as the program sees it. MPI itself lives in a module
// (libclvsim_mpi_world.so, world_mpi.cpp) that is loaded only when an MPI launcher started this
// process: libmpi and the libraries it pulls in (Open MPI's run-time, hwloc, libevent, udev) cost
// about 1.2 ms to map and relocate, on every command, and most runs are a single process.
#include <dlfcn.h>
#include <unistd.h>

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

// Where the module may be, in order: beside the executable (the build tree), then where
// `cmake --install` puts it relative to the installed executable.
std::vector<std::filesystem::path> module_candidates() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {CLVSIM_MPI_MODULE_NAME};  // left to the dynamic loader's search path
  const std::filesystem::path dir = exe.parent_path();
  return {dir / CLVSIM_MPI_MODULE_NAME, (dir / CLVSIM_MPI_MODULE_RELATIVE_DIR / CLVSIM_MPI_MODULE_NAME).lexically_normal()};
}

using WorldFactory = Communicator* (*)(int*, char***);

WorldFactory load_module() {
  std::string tried;
  for (const auto& path : module_candidates()) {
    // Global symbols: Open MPI loads its own components, which look up libmpi's symbols.
    if (void* module = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL)) {
      if (auto* factory = reinterpret_cast<WorldFactory>(dlsym(module, "clvsim_mpi_world"))) return factory;
      tried += "\n  " + path.string() + ": no symbol clvsim_mpi_world";
      continue;
    }
    const char* why = dlerror();  // names the path
    tried += "\n  " + (why != nullptr ? std::string(why) : path.string() + ": cannot be loaded");
  }
  throw RuntimeError("started by an MPI launcher, but clvsim's MPI module could not be loaded:" + tried +
                     "\n(reinstall clvsim, or run without mpirun for a single process)");
}

}  // namespace

std::unique_ptr<Communicator> world_communicator(int* argc, char*** argv) {
  // A process started on its own is a world of one: skip MPI_Init, which costs a singleton
  // start-up of a third of a second on every command, and do not even load MPI.
  if (!launched_by_mpi()) return std::make_unique<SerialCommunicator>();
  return std::unique_ptr<Communicator>(load_module()(argc, argv));
}

bool built_with_mpi() { return true; }

}  // namespace clvsim

// The world of a build without MPI: one process.
#include "clvsim/communicator.hpp"

namespace clvsim {

std::unique_ptr<Communicator> world_communicator(int*, char***) {
  return std::make_unique<SerialCommunicator>();
}

bool built_with_mpi() { return false; }

}  // namespace clvsim

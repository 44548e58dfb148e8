#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "clvsim/communicator.hpp"

namespace {

clvsim::LaunchedRanks with(const std::map<std::string, std::string>& env) {
  return clvsim::launched_ranks([&](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

}  // namespace

TEST_CASE("an MPI launcher is recognised from the environment it sets", "[launcher]") {
  CHECK(with({}).size == 1);
  CHECK(with({}).variable.empty());
  // mpirun -np 2 (Open MPI), mpiexec (MPICH/Intel: PMI_SIZE, Hydra: MPI_LOCALNRANKS), MVAPICH2.
  CHECK(with({{"OMPI_COMM_WORLD_SIZE", "2"}}).size == 2);
  CHECK(with({{"OMPI_COMM_WORLD_SIZE", "2"}}).variable == "OMPI_COMM_WORLD_SIZE=2");
  CHECK(with({{"PMI_SIZE", "16"}}).size == 16);
  CHECK(with({{"MPI_LOCALNRANKS", "4"}}).size == 4);
  CHECK(with({{"MV2_COMM_WORLD_SIZE", "3"}}).size == 3);
  // PMIx and srun give ranks but no size: any rank above 0 means there are several.
  CHECK(with({{"PMIX_RANK", "1"}}).size > 1);
  CHECK(with({{"SLURM_PROCID", "5"}}).size > 1);
  // One process started by a launcher is alone: it may run.
  CHECK(with({{"OMPI_COMM_WORLD_SIZE", "1"}, {"PMIX_RANK", "0"}}).size == 1);
  // A plain sbatch script sets Slurm's job variables for a single process.
  CHECK(with({{"SLURM_NTASKS", "8"}, {"SLURM_JOB_ID", "123"}, {"SLURM_PROCID", "0"}}).size == 1);
  // Garbage is not a world size.
  CHECK(with({{"PMI_SIZE", "two"}}).size == 1);
  CHECK(with({{"PMI_SIZE", "-3"}}).size == 1);
}

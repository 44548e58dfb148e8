// Recognising an MPI launcher from the environment it gives its processes.
#include <charconv>
#include <string_view>

#include "clvsim/communicator.hpp"

namespace clvsim {
namespace {

// A whole non-negative decimal number, or -1.
long whole_number(const char* text) {
  if (text == nullptr) return -1;
  const std::string_view s(text);
  long value = -1;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value < 0) return -1;
  return value;
}

}  // namespace

LaunchedRanks launched_ranks(const std::function<const char*(const char*)>& getenv) {
  for (const char* name :
       {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MV2_COMM_WORLD_SIZE", "MPI_LOCALNRANKS"}) {
    const long size = whole_number(getenv(name));
    if (size > 1)
      return {static_cast<int>(size > 1000000 ? 1000000 : size),
              std::string(name) + "=" + getenv(name)};
  }
  for (const char* name : {"PMIX_RANK", "SLURM_PROCID"}) {
    if (whole_number(getenv(name)) > 0) return {2, std::string(name) + "=" + getenv(name)};
  }
  return {};
}

}  // namespace clvsim

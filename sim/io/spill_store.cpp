#include "clvsim/io/spill_store.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <unistd.h>

#include "clvsim/error.hpp"

namespace clvsim {
namespace {

constexpr std::size_t VALUE = sizeof(double);

// An unnamed file in `directory`: O_TMPFILE where the filesystem has it, else a unique name
// removed at once. Returns the descriptor, or -1 with errno set.
int unnamed_file(const std::string& directory) {
#ifdef O_TMPFILE
  const int fd = ::open(directory.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL && errno != ENOENT) return -1;
#endif
  std::string name = (std::filesystem::path(directory) / ".clvsim-spill.XXXXXX").string();
  const int tmp = ::mkostemp(name.data(), O_CLOEXEC);
  if (tmp < 0) return -1;
  ::unlink(name.c_str());
  return tmp;
}

}  // namespace

std::string directory_of(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

SpillStore::SpillStore(std::string directory, std::string label)
    : directory_(std::move(directory)), label_(std::move(label)) {}

SpillStore::~SpillStore() {
  for (const Slot& s : slots_)
    if (s.fd >= 0) ::close(s.fd);
}

void SpillStore::fail(const std::string& what, int err) const {
  throw RuntimeError("cannot write " + label_ + " (" + std::strerror(err) + ", while " + what +
                     ")");
}

void SpillStore::begin(std::span<const std::size_t> columns, std::size_t /*replications*/) {
  for (const Slot& s : slots_)
    if (s.fd >= 0) ::close(s.fd);
  slots_.assign(columns.size(), Slot{});
  for (std::size_t v = 0; v < columns.size(); ++v) {
    slots_[v].columns = columns[v];
    slots_[v].fd = unnamed_file(directory_);
    if (slots_[v].fd < 0) {
      const int err = errno;
      fail("creating a temporary file in " + directory_ + " for the per-replication values", err);
    }
  }
}

void SpillStore::append(std::size_t slot, std::size_t first, std::size_t count,
                        std::span<const double> values) {
  Slot& s = slots_.at(slot);
  if (first != s.rows || values.size() != s.columns * count)
    throw RuntimeError("per-replication values out of order (replication " + std::to_string(first) +
                       " after " + std::to_string(s.rows) + ")");
  const auto* p = reinterpret_cast<const char*>(values.data());
  std::size_t left = values.size() * VALUE;
  auto at = static_cast<off_t>(first * s.columns * VALUE);
  while (left > 0) {
    const ssize_t w = ::pwrite(s.fd, p, left, at);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const int err = w < 0 ? errno : ENOSPC;
      fail("keeping the per-replication values in a temporary file in " + directory_, err);
    }
    p += w;
    at += w;
    left -= static_cast<std::size_t>(w);
  }
  s.block_first.push_back(first);
  s.rows += count;
}

void SpillStore::read(std::size_t slot, std::size_t column, std::size_t first,
                      std::span<double> out) const {
  const Slot& s = slots_.at(slot);
  if (column >= s.columns || first + out.size() > s.rows)
    throw RuntimeError("per-replication values " + std::to_string(first) + ".." +
                       std::to_string(first + out.size()) + " of column " + std::to_string(column) +
                       " requested, " + std::to_string(s.rows) + " rows of " +
                       std::to_string(s.columns) + " kept");
  std::size_t done = 0;
  while (done < out.size()) {
    const std::size_t r = first + done;
    // The block holding replication r, its size, and r's place in it.
    const auto it = std::upper_bound(s.block_first.begin(), s.block_first.end(), r) - 1;
    const std::size_t b0 = *it;
    const std::size_t b1 = it + 1 == s.block_first.end() ? s.rows : *(it + 1);
    const std::size_t count = b1 - b0;
    const std::size_t n = std::min(out.size() - done, b1 - r);
    auto* p = reinterpret_cast<char*>(out.data() + done);
    std::size_t left = n * VALUE;
    auto at = static_cast<off_t>((b0 * s.columns + column * count + (r - b0)) * VALUE);
    while (left > 0) {
      const ssize_t got = ::pread(s.fd, p, left, at);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0)
        throw RuntimeError("cannot read back the per-replication values of " + label_ + " (" +
                           (got < 0 ? std::strerror(errno) : "unexpected end of file") + ")");
      p += got;
      at += got;
      left -= static_cast<std::size_t>(got);
    }
    done += n;
  }
}

}  // namespace clvsim

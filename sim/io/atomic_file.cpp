#include "clvsim/io/atomic_file.hpp"

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clvsim/error.hpp"

namespace clvsim {

namespace {

std::string describe_errno(int err) {
  return std::generic_category().message(err);
}

std::string already_exists(const std::string& path) {
  return path + " already exists (refusing to overwrite; pass --force to replace it)";
}

InputError cannot_write(const std::string& path, const std::string& reason) {
  return InputError("cannot write " + path + " (" + reason + ")");
}

std::string parent_directory(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

// Distinguishes several outputs of one process; the pid distinguishes processes.
std::atomic<unsigned long> temp_counter{0};

// fsync a file or directory; returns errno, or 0 on success.
int sync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return errno;
  const int status = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return status;
}

// Filesystems without hard links (some FUSE and FAT mounts) report these from link(2).
bool no_hard_links(int err) {
  return err == EPERM || err == EOPNOTSUPP || err == ENOTSUP || err == ENOSYS || err == EMLINK;
}

}  // namespace

void check_output_path(const std::string& path, Overwrite overwrite) {
  if (path.empty()) throw InputError("cannot write an output file with an empty name");
  const std::string parent = parent_directory(path);
  struct stat info {};
  if (::stat(parent.c_str(), &info) != 0) {
    const int err = errno;
    if (err == ENOENT) throw cannot_write(path, "directory " + parent + " does not exist");
    throw cannot_write(path, "cannot access directory " + parent + ": " + describe_errno(err));
  }
  if (!S_ISDIR(info.st_mode)) throw cannot_write(path, parent + " is not a directory");
  if (::access(parent.c_str(), W_OK | X_OK) != 0) {
    throw cannot_write(path, "directory " + parent + " is not writable: " + describe_errno(errno));
  }
  // lstat: a symbolic link at the path, even a dangling one, counts as an existing file.
  if (::lstat(path.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) throw cannot_write(path, "it is a directory");
    if (overwrite == Overwrite::Refuse) throw InputError(already_exists(path));
  } else if (errno != ENOENT) {
    throw cannot_write(path, describe_errno(errno));
  }
}

AtomicOutput::AtomicOutput(std::string final_path, Overwrite overwrite)
    : final_path_(std::move(final_path)), overwrite_(overwrite) {
  check_output_path(final_path_, overwrite_);
  // Reserve the name with O_EXCL, so two writers can never share a temporary file.
  const std::string base = final_path_ + ".tmp." + std::to_string(::getpid()) + ".";
  for (int attempt = 0;; ++attempt) {
    std::string candidate = base + std::to_string(temp_counter.fetch_add(1));
    const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      ::close(fd);
      temp_path_ = std::move(candidate);
      return;
    }
    const int err = errno;
    if (err != EEXIST || attempt >= 100) {
      throw RuntimeError("cannot write " + final_path_ + " (cannot create temporary file " +
                         candidate + ": " + describe_errno(err) + ")");
    }
  }
}

AtomicOutput::~AtomicOutput() {
  if (!committed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
}

void AtomicOutput::commit() {
  if (committed_) return;
  // Make the contents durable before the rename publishes them: otherwise a crash soon after
  // could leave the final name pointing at an empty or partial file.
  if (const int err = sync_path(temp_path_, O_RDONLY); err != 0) {
    throw RuntimeError("cannot write " + final_path_ + " (cannot flush " + temp_path_ + ": " +
                       describe_errno(err) + ")");
  }
  auto rename_failed = [&](int err) {
    return RuntimeError("cannot write " + final_path_ + " (renaming " + temp_path_ +
                        " failed: " + describe_errno(err) + ")");
  };
  if (overwrite_ == Overwrite::Refuse) {
    // link(2) fails with EEXIST if the target appeared meanwhile: an atomic no-clobber rename,
    // where a separate check followed by rename(2) would leave a window.
    if (::link(temp_path_.c_str(), final_path_.c_str()) == 0) {
      committed_ = true;
      ::unlink(temp_path_.c_str());  // the data is already in place under its final name
    } else {
      const int err = errno;
      if (err == EEXIST) throw InputError(already_exists(final_path_));
      if (!no_hard_links(err)) throw rename_failed(err);
      struct stat info {};
      if (::lstat(final_path_.c_str(), &info) == 0) throw InputError(already_exists(final_path_));
    }
  }
  if (!committed_) {
    if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) throw rename_failed(errno);
    committed_ = true;
  }
  // Persist the directory entry too; best effort, as some filesystems refuse fsync on
  // directories and the file itself is already complete.
  sync_path(parent_directory(final_path_), O_RDONLY | O_DIRECTORY);
}

}  // namespace clvsim

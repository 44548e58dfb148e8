#include "clvsim/io/atomic_file.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <signal.h>
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

std::string sanitized_host() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "unknown-host";
  std::string host(buf);
  for (char& c : host) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_';
    if (!keep) c = '_';
  }
  return host;
}

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

std::string temp_owner_tag() {
  return sanitized_host() + "." + std::to_string(::getpid());
}

int remove_stale_temporaries(const std::string& path) noexcept {
  try {
    namespace fs = std::filesystem;
    const fs::path target(path);
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    // The host part has no dots (sanitized_host), so "<host>.<pid>.<n>" splits unambiguously.
    const std::string prefix = target.filename().string() + ".tmp." + sanitized_host() + ".";
    int removed = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind(prefix, 0) != 0) continue;
      const std::string rest = name.substr(prefix.size());
      const auto dot = rest.find('.');
      if (dot == std::string::npos || !all_digits(rest.substr(0, dot)) ||
          !all_digits(rest.substr(dot + 1)))
        continue;
      const long pid = std::stol(rest.substr(0, dot));
      if (pid <= 0 || pid == ::getpid()) continue;
      // ESRCH: no such process. EPERM means it exists under another user: keep its file.
      if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
      if (::unlink(entry.path().c_str()) == 0) ++removed;
    }
    return removed;
  } catch (...) {
    return 0;
  }
}

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

namespace {

// Whether two paths name the same file: the same inode if both exist, else the same
// canonical path.
bool same_file(const std::string& a, const std::string& b) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) {
    const bool same = fs::equivalent(a, b, ec);
    if (!ec) return same;
  }
  const fs::path ca = fs::weakly_canonical(a, ec);
  if (ec) return a == b;
  const fs::path cb = fs::weakly_canonical(b, ec);
  if (ec) return a == b;
  return ca == cb;
}

}  // namespace

void check_outputs_are_not_inputs(const std::vector<std::string>& outputs,
                                  const std::vector<std::string>& inputs) {
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].empty()) continue;
    for (const std::string& in : inputs) {
      if (!in.empty() && same_file(outputs[i], in))
        throw InputError("the output file " + outputs[i] + " is an input of this run (" +
                         (in == outputs[i] ? in : in + ", the same file") +
                         "); writing it would destroy the input: choose another output path");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (!outputs[j].empty() && same_file(outputs[i], outputs[j]))
        throw InputError("the output file " + outputs[i] + " is named twice (" + outputs[j] +
                         "); give each output of a run its own path");
    }
  }
}

AtomicOutput::AtomicOutput(std::string final_path, Overwrite overwrite)
    : final_path_(std::move(final_path)), overwrite_(overwrite) {
  check_output_path(final_path_, overwrite_);
  remove_stale_temporaries(final_path_);
  // Reserve the name with O_EXCL, so two writers can never share a temporary file.
  const std::string base = final_path_ + ".tmp." + temp_owner_tag() + ".";
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

void AtomicOutput::write(const std::function<void(const std::string& temp_path)>& writer) {
  try {
    writer(temp_path_);
  } catch (const RuntimeError& e) {
    std::string message = e.what();
    for (auto at = message.find(temp_path_); at != std::string::npos;
         at = message.find(temp_path_, at))
      message.replace(at, temp_path_.size(), final_path_);
    throw RuntimeError(message);
  }
}

void AtomicOutput::flush() {
  if (flushed_ || committed_) return;
  // Make the contents durable before the rename publishes them: otherwise a crash soon after
  // could leave the final name pointing at an empty or partial file.
  if (const int err = sync_path(temp_path_, O_RDONLY); err != 0) {
    throw RuntimeError("cannot write " + final_path_ +
                       " (cannot flush it to disk: " + describe_errno(err) + ")");
  }
  flushed_ = true;
}

void AtomicOutput::withdraw() noexcept {
  if (committed_) ::unlink(final_path_.c_str());
  committed_ = false;
  temp_path_.clear();
}

void commit_together(const std::vector<AtomicOutput*>& outputs) {
  for (AtomicOutput* o : outputs)
    if (o) o->flush();
  std::vector<AtomicOutput*> done;
  try {
    for (AtomicOutput* o : outputs) {
      if (!o) continue;
      o->commit();
      done.push_back(o);
    }
  } catch (...) {
    for (AtomicOutput* o : done) o->withdraw();
    throw;
  }
}

void AtomicOutput::commit() {
  if (committed_) return;
  flush();
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

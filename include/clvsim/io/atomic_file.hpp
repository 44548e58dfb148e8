#pragma once

// Results files appear complete or not at all: writers fill a temporary file next to the target
// and rename it into place only once everything has been written and closed.

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace clvsim {

//! Whether an existing output file may be replaced (the CLI's --force).
enum class Overwrite { Refuse, Allow };

//! Check, before any computation starts, that `path` can be written. Throws InputError
//! "<path> already exists (refusing to overwrite; pass --force to replace it)" when the file
//! exists and `overwrite` is Refuse, and "cannot write <path> (<reason>)" when the parent
//! directory is missing, not a directory or not writable, or `path` is a directory.
//! Creates no file.
void check_output_path(const std::string& path, Overwrite overwrite);

//! Refuse (InputError) an output path that names an input of the same run -- the scenario file,
//! a base it extends, a shard being merged -- or another output of it: the run would destroy
//! its own input. Paths are compared as files (hard links and symbolic links included), not as
//! strings. `inputs` and `outputs` may hold empty strings, which are skipped.
void check_outputs_are_not_inputs(const std::vector<std::string>& outputs,
                                  const std::vector<std::string>& inputs);

//! A temporary file "<path>.tmp.<host>.<pid>.<counter>" in the target's directory that commit()
//! renames over the target (atomic on one filesystem). Destroyed without commit() -- after an
//! exception or a failed write -- it removes the temporary file, so no partial file is left.
//!
//! The constructor reserves the temporary name by creating an empty file; writers open
//! temp_path() with truncation, write, and close it before commit(). It also removes the
//! temporaries of the same target left by processes of this host that no longer exist (killed
//! during their final write); temporaries of other hosts, which share the directory on a
//! cluster filesystem, are never touched, as their processes cannot be checked from here.
class AtomicOutput {
 public:
  //! Calls check_output_path, then reserves the temporary file. Throws InputError.
  AtomicOutput(std::string final_path, Overwrite overwrite);
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;
  //! Removes the temporary file unless commit() succeeded.
  ~AtomicOutput();

  [[nodiscard]] const std::string& temp_path() const noexcept { return temp_path_; }
  [[nodiscard]] const std::string& final_path() const noexcept { return final_path_; }

  //! Run `writer(temp_path())`. A RuntimeError it throws is rethrown naming final_path()
  //! instead of the temporary, so messages speak of the file the user asked for.
  void write(const std::function<void(const std::string& temp_path)>& writer);

  //! Flush the temporary file to disk (once); commit() calls it.
  void flush();

  //! Flush the temporary file to disk and move it to final_path(). With Refuse, a file that
  //! appeared at final_path() in the meantime is not clobbered (InputError, checked atomically
  //! where the filesystem supports hard links). Throws RuntimeError if the rename fails.
  //! Calling it again after success does nothing.
  void commit();

  //! Remove the committed file again (commit_together's roll-back). Nothing if not committed.
  void withdraw() noexcept;

 private:
  std::string final_path_;
  std::string temp_path_;
  Overwrite overwrite_;
  bool committed_ = false;
  bool flushed_ = false;
};

//! The outputs of one run, committed together or not at all: every temporary is flushed
//! first, then each is renamed into place; if a rename fails, the files already renamed are
//! removed again and the rest of the temporaries go with their AtomicOutput.
void commit_together(const std::vector<AtomicOutput*>& outputs);

//! "host.pid" parts of the temporaries' names: the host name with characters other than
//! letters, digits, '-' and '_' replaced by '_'.
std::string temp_owner_tag();

//! Remove "<path>.tmp.<host>.<pid>.<n>" files whose host is this one and whose process no
//! longer exists. Returns how many were removed. Never throws.
int remove_stale_temporaries(const std::string& path) noexcept;

}  // namespace clvsim

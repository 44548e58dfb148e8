#pragma once

// Results files appear complete or not at all: writers fill a temporary file next to the target
// and rename it into place only once everything has been written and closed.

#include <string>

namespace clvsim {

//! Whether an existing output file may be replaced (the CLI's --force).
enum class Overwrite { Refuse, Allow };

//! Check, before any computation starts, that `path` can be written. Throws InputError
//! "<path> already exists (refusing to overwrite; pass --force to replace it)" when the file
//! exists and `overwrite` is Refuse, and "cannot write <path> (<reason>)" when the parent
//! directory is missing, not a directory or not writable, or `path` is a directory.
//! Creates no file.
void check_output_path(const std::string& path, Overwrite overwrite);

//! A temporary file "<path>.tmp.<pid>.<counter>" in the target's directory that commit()
//! renames over the target (atomic on one filesystem). Destroyed without commit() -- after an
//! exception or a failed write -- it removes the temporary file, so no partial file is left.
//!
//! The constructor reserves the temporary name by creating an empty file; writers open
//! temp_path() with truncation, write, and close it before commit().
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

  //! Flush the temporary file to disk and move it to final_path(). With Refuse, a file that
  //! appeared at final_path() in the meantime is not clobbered (InputError, checked atomically
  //! where the filesystem supports hard links). Throws RuntimeError if the rename fails.
  //! Calling it again after success does nothing.
  void commit();

 private:
  std::string final_path_;
  std::string temp_path_;
  Overwrite overwrite_;
  bool committed_ = false;
};

}  // namespace clvsim

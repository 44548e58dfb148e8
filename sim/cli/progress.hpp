#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace clvsim::cli {

//! A one-line progress bar with ETA on stderr, drawn only when stderr is a terminal.
class ProgressBar {
 public:
  ProgressBar(std::string label, bool enabled);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  //! Thread-safe; redraws at most ten times a second.
  void update(std::size_t done, std::size_t total);
  void finish();

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
  std::mutex mutex_;
};

//! True when stderr is an interactive terminal.
bool stderr_is_terminal();

}  // namespace clvsim::cli

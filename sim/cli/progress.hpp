#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace clvsim::cli {

//! A one-line progress bar with ETA on stderr, drawn only when stderr is a terminal, redrawn in
//! place (carriage return) and never wider than the terminal.
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
  std::size_t last_length_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
  std::mutex mutex_;
};

//! True when stderr is an interactive terminal.
bool stderr_is_terminal();

//! Columns of the terminal on file descriptor `fd` (TIOCGWINSZ), else the COLUMNS variable,
//! else 80.
std::size_t terminal_columns(int fd);

//! One line of the progress bar, at most `width` - 1 characters (so the cursor never wraps):
//! "<label> [####....] 42% 420/1000 ETA 12s". The ETA appears only once it means something:
//! after MIN_ETA_SECONDS and MIN_ETA_FRACTION of the work.
std::string progress_line(const std::string& label, std::size_t done, std::size_t total,
                          double elapsed, std::size_t width);

inline constexpr double MIN_ETA_SECONDS = 2.0;
inline constexpr double MIN_ETA_FRACTION = 0.05;

}  // namespace clvsim::cli

#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace clvsim::cli {

bool stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

ProgressBar::ProgressBar(std::string label, bool enabled)
    : label_(std::move(label)),
      enabled_(enabled),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(std::size_t done, std::size_t total) {
  if (!enabled_ || total == 0) return;
  std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double frac = static_cast<double>(done) / static_cast<double>(total);
  constexpr int width = 30;
  const int filled = static_cast<int>(frac * width);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(width, '.');
  char eta[32] = "";
  if (done > 0 && done < total)
    std::snprintf(eta, sizeof eta, "ETA %.0fs", elapsed * (1.0 - frac) / frac);
  else if (done == total)
    std::snprintf(eta, sizeof eta, "%.1fs", elapsed);
  std::fprintf(stderr, "\r%s [%s] %3.0f%% %zu/%zu %s  ", label_.c_str(), bar.c_str(), frac * 100.0,
               done, total, eta);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (drawn_) std::fprintf(stderr, "\n");
  drawn_ = false;
  enabled_ = false;
}

}  // namespace clvsim::cli

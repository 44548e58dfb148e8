#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace clvsim::cli {

bool stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

std::size_t terminal_columns(int fd) {
  struct winsize ws {};
  if (isatty(fd) == 1 && ::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* env = std::getenv("COLUMNS")) {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && n > 0 && n < 100000) return static_cast<std::size_t>(n);
  }
  return 80;
}

std::string progress_line(const std::string& label, std::size_t done, std::size_t total,
                          double elapsed, std::size_t width) {
  const double frac = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  char tail[96];
  if (done >= total)
    std::snprintf(tail, sizeof tail, "%3.0f%% %zu/%zu %.1fs", frac * 100.0, done, total, elapsed);
  else if (elapsed >= MIN_ETA_SECONDS && frac >= MIN_ETA_FRACTION)
    std::snprintf(tail, sizeof tail, "%3.0f%% %zu/%zu ETA %.0fs", frac * 100.0, done, total,
                  elapsed * (1.0 - frac) / frac);
  else
    std::snprintf(tail, sizeof tail, "%3.0f%% %zu/%zu", frac * 100.0, done, total);
  const std::size_t usable = width > 1 ? width - 1 : 0;
  const std::string t(tail);
  // The bar takes what the label and the longest numbers leave, between 10 and 30 characters;
  // sized for the longest tail, so it keeps its width when the ETA appears.
  char longest[96];
  std::snprintf(longest, sizeof longest, "100%% %zu/%zu ETA 99999s", total, total);
  const std::size_t reserve = std::string(longest).size();
  std::string name = label;
  std::size_t room = usable > reserve + 4 ? usable - reserve - 4 : 0;  // " [" "] " around the bar
  std::size_t bar_width = 30;
  if (name.size() + bar_width > room) bar_width = room > name.size() + 10 ? room - name.size() : 10;
  if (name.size() + bar_width > room) name.resize(room > bar_width ? room - bar_width : 0);
  const auto filled = static_cast<std::size_t>(frac * static_cast<double>(bar_width));
  std::string bar(filled < bar_width ? filled : bar_width, '#');
  bar.resize(bar_width, '.');
  std::string line = name + (name.empty() ? "[" : " [") + bar + "] " + t;
  if (line.size() > usable) line.resize(usable);
  return line;
}

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
  const std::size_t width = terminal_columns(STDERR_FILENO);
  const std::string line = progress_line(label_, done, total, elapsed, width);
  // Carriage return, the line, and blanks over whatever a longer previous line left.
  std::fprintf(
      stderr, "\r%s%s", line.c_str(),
      std::string(line.size() < last_length_ ? last_length_ - line.size() : 0, ' ').c_str());
  last_length_ = line.size();
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

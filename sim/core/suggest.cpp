#include "clvsim/suggest.hpp"

#include <algorithm>
#include <limits>
#include <string>

namespace clvsim {
namespace {

std::size_t common_prefix(std::string_view a, std::string_view b) {
  std::size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string list_names(const std::vector<std::string>& names, std::string_view quote,
                       std::size_t cap) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < cap; ++i) {
    if (i) out += ", ";
    out.append(quote).append(names[i]).append(quote);
  }
  if (names.size() > cap) out += ", ... and " + std::to_string(names.size() - cap) + " more";
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0u : 1u)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& options) {
  const std::string* best = nullptr;
  std::size_t best_score = std::numeric_limits<std::size_t>::max();
  for (const auto& o : options) {
    const std::size_t d = edit_distance(word, o);
    std::size_t score = best_score;
    if (d <= 2 && d < std::max<std::size_t>(word.size(), 2)) {
      score = d;
    } else if ((word.size() >= 3 && starts_with(o, word)) || (o.size() >= 3 && starts_with(word, o))) {
      score = 3;
    } else if (const std::size_t c = common_prefix(word, o);
               c >= 3 && 3 * c >= 2 * std::min(word.size(), o.size())) {
      score = 4;
    }
    if (score < best_score) {
      best_score = score;
      best = &o;
    }
  }
  if (!best) return std::nullopt;
  return *best;
}

}  // namespace clvsim

#include "clvsim/error.hpp"

#include <cstdio>
#include <cstdlib>

namespace clvsim {

std::string SourceLocation::prefix() const {
  if (file.empty()) return {};
  if (line <= 0) return file + ": ";
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
}

InputError InputError::at(const SourceLocation& where, const std::string& key,
                          const std::string& value, const std::string& problem,
                          const std::string& accepted) {
  std::string msg = where.prefix() + key;
  if (!value.empty()) msg += " = " + value;
  msg += " " + problem;
  if (!accepted.empty()) msg += " (" + accepted + ")";
  InputError e(msg);
  e.where_ = where;
  e.key_ = key;
  e.value_ = value;
  e.problem_ = problem;
  e.accepted_ = accepted;
  return e;
}

namespace detail {
void contract_failure(const char* kind, const char* condition, const char* file, int line) {
  // A broken contract is a bug in clvsim, not in the input: stop where it happened.
  std::fprintf(stderr, "clvsim: internal %s failed: %s (%s:%d)\n", kind, condition, file, line);
  std::abort();
}
}  // namespace detail

}  // namespace clvsim

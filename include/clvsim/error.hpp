#pragma once

#include <stdexcept>
#include <string>

namespace clvsim {

//! Where a value came from in an input file (1-based line and column; 0 when unknown).
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  //! "file:line:column: " or "file: " or "" depending on what is known.
  [[nodiscard]] std::string prefix() const;
};

//! Bad user input: the scenario, an override or a command-line value. Exit code 2.
//!
//! The message follows "<location>: <key> = <value> <problem> (<accepted>)".
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}

  //! Build the canonical message for a bad value at a dotted key path. The parts stay available
  //! (where(), key(), value(), problem(), accepted()) for callers that present them apart, such
  //! as the Python module's exception.
  static InputError at(const SourceLocation& where, const std::string& key, const std::string& value,
                       const std::string& problem, const std::string& accepted);

  //! Where the bad value was written; empty when unknown or when built from a message alone.
  [[nodiscard]] const SourceLocation& where() const noexcept { return where_; }
  //! The dotted key path; empty when built from a message alone.
  [[nodiscard]] const std::string& key() const noexcept { return key_; }
  [[nodiscard]] const std::string& value() const noexcept { return value_; }
  [[nodiscard]] const std::string& problem() const noexcept { return problem_; }
  [[nodiscard]] const std::string& accepted() const noexcept { return accepted_; }

 private:
  SourceLocation where_;
  std::string key_, value_, problem_, accepted_;
};

//! A failure that is not the user's input: I/O, numerical breakdown, internal error. Exit code 1.
class RuntimeError : public std::runtime_error {
 public:
  explicit RuntimeError(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {
[[noreturn]] void contract_failure(const char* kind, const char* condition, const char* file,
                                   int line);
}  // namespace detail

}  // namespace clvsim

// Debug-only contract checks: they document and test assumptions of the code, not of the input.
#ifndef NDEBUG
#define CLVSIM_EXPECT(cond) \
  ((cond) ? void(0) : ::clvsim::detail::contract_failure("precondition", #cond, __FILE__, __LINE__))
#define CLVSIM_ASSERT(cond) \
  ((cond) ? void(0) : ::clvsim::detail::contract_failure("assertion", #cond, __FILE__, __LINE__))
#else
#define CLVSIM_EXPECT(cond) ((void)0)
#define CLVSIM_ASSERT(cond) ((void)0)
#endif

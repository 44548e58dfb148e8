#pragma once

// Streaming reader of delimited text (CSV or whitespace-separated), one line at a time, with the
// file:line:column of every field for error messages. Memory is one buffer, not the file.

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clvsim/error.hpp"

namespace clvsim::fit {

//! How fields are separated.
enum class Delimiter { Comma, Whitespace };

class CsvReader {
 public:
  //! Opens `path`. Throws InputError if it cannot be opened.
  CsvReader(std::string path, Delimiter delimiter);
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;
  ~CsvReader();

  //! Next non-blank line that does not start with '#', split into fields (surrounding spaces
  //! and double quotes removed). False at the end of the file. Views stay valid until the next
  //! call.
  bool next(std::vector<std::string_view>& fields);

  //! Read the header line: throws InputError "empty file" if there is none.
  std::vector<std::string> header(const std::string& expected);
  //! Index of a header column; InputError naming the file, the columns there, a close match and
  //! the option that sets the name when it is missing.
  [[nodiscard]] std::size_t column(const std::string& name, const std::string& option) const;
  //! Index of an optional column, or nullopt when `name` is empty.
  [[nodiscard]] std::optional<std::size_t> optional_column(const std::string& name,
                                                           const std::string& option) const;

  //! Location of field i of the current line.
  [[nodiscard]] SourceLocation where(std::size_t field) const;
  [[nodiscard]] SourceLocation where_line() const { return {path_, line_, 1}; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] long line() const { return line_; }
  //! Data lines read so far.
  [[nodiscard]] long rows() const { return rows_; }
  //! Throw "<file>:<line>:<col>: <column> = <value> <problem> (<accepted>)".
  [[noreturn]] void fail(std::size_t field, const std::string& problem,
                         const std::string& accepted) const;
  //! The header name of field i (or "column <i+1>" without a header).
  [[nodiscard]] std::string column_name(std::size_t field) const;
  //! Require at least `count` fields on the current line.
  void require_fields(std::size_t count) const;

 private:
  bool read_line();

  std::string path_;
  Delimiter delimiter_;
  std::FILE* file_ = nullptr;
  std::vector<char> buffer_;
  std::size_t begin_ = 0, end_ = 0;
  std::string line_text_;
  std::string_view current_;
  std::vector<std::string_view> fields_;
  std::vector<std::string> header_;
  int line_ = 0;
  long rows_ = 0;
};

//! Parse a number; nullopt if the text is not entirely one finite number.
std::optional<double> parse_number(std::string_view text);
//! Parse a whole number; nullopt otherwise.
std::optional<long> parse_integer(std::string_view text);

//! A calendar date as days since 1970-01-01 from "YYYY-MM-DD" (optionally followed by a time
//! after 'T' or a space, which is ignored) or "YYYYMMDD"; nullopt when it is not a valid date.
std::optional<int> parse_date(std::string_view text);
//! "YYYY-MM-DD".
std::string format_date(int day);
//! Accepted date forms, for messages.
inline constexpr const char* DATE_FORMS = "a date written YYYY-MM-DD or YYYYMMDD, e.g. 2024-03-31";

//! Length of one period and how whole periods between two dates are counted: days and weeks by
//! days elapsed; months, quarters and years by the calendar: a month is complete on the same day
//! of the next month, or on its last day when that is earlier (2024-01-15 to 2024-02-15 and
//! 2024-01-31 to 2024-02-29 are one month each; 2024-01-15 to 2024-02-14 is not).
class PeriodClock {
 public:
  //! "day", "week", "month", "quarter" or "year"; InputError otherwise.
  explicit PeriodClock(const std::string& period);
  //! Whole periods from `from` to `to` (to >= from).
  [[nodiscard]] int whole_periods(int from, int to) const;
  //! The date `k` periods after `from`.
  [[nodiscard]] int add(int from, int k) const;
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  std::string name_;
  int days_ = 0;    // for day and week
  int months_ = 0;  // for month, quarter, year
};

}  // namespace clvsim::fit

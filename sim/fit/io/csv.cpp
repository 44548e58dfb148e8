#include "clvsim/fit/io/csv.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "clvsim/suggest.hpp"

namespace clvsim::fit {

CsvReader::CsvReader(std::string path, Delimiter delimiter)
    : path_(std::move(path)), delimiter_(delimiter), buffer_(1 << 20) {
  file_ = std::fopen(path_.c_str(), "rb");
  if (file_ == nullptr) throw InputError(path_ + ": cannot open (" + std::strerror(errno) + ")");
}

CsvReader::~CsvReader() {
  if (file_ != nullptr) std::fclose(file_);
}

bool CsvReader::read_line() {
  line_text_.clear();
  for (;;) {
    if (begin_ == end_) {
      end_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
      begin_ = 0;
      if (end_ == 0) {
        if (line_text_.empty()) return false;
        break;
      }
    }
    const char* start = buffer_.data() + begin_;
    const auto* nl = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
    if (nl == nullptr) {
      line_text_.append(start, end_ - begin_);
      begin_ = end_;
      continue;
    }
    line_text_.append(start, static_cast<std::size_t>(nl - start));
    begin_ += static_cast<std::size_t>(nl - start) + 1;
    break;
  }
  ++line_;
  if (!line_text_.empty() && line_text_.back() == '\r') line_text_.pop_back();
  current_ = line_text_;
  return true;
}

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}
}  // namespace

bool CsvReader::next(std::vector<std::string_view>& fields) {
  for (;;) {
    if (!read_line()) return false;
    const std::string_view t = trim(current_);
    if (t.empty() || t.front() == '#') continue;
    break;
  }
  fields_.clear();
  const std::string_view s = current_;
  if (delimiter_ == Delimiter::Comma) {
    std::size_t pos = 0;
    for (;;) {
      const std::size_t comma = s.find(',', pos);
      fields_.push_back(
          trim(s.substr(pos, comma == std::string_view::npos ? s.npos : comma - pos)));
      if (comma == std::string_view::npos) break;
      pos = comma + 1;
    }
  } else {
    std::size_t pos = 0;
    while (pos < s.size()) {
      while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t')) ++pos;
      if (pos >= s.size()) break;
      std::size_t e = pos;
      while (e < s.size() && s[e] != ' ' && s[e] != '\t') ++e;
      fields_.push_back(s.substr(pos, e - pos));
      pos = e;
    }
  }
  ++rows_;
  fields = fields_;
  return true;
}

std::vector<std::string> CsvReader::header(const std::string& expected) {
  std::vector<std::string_view> f;
  if (!next(f))
    throw InputError(path_ + ": empty file (expected a header line naming the columns, e.g. " +
                     expected + ")");
  header_.assign(f.begin(), f.end());
  rows_ = 0;  // the header is not a data line
  return header_;
}

std::size_t CsvReader::column(const std::string& name, const std::string& option) const {
  const auto it = std::find(header_.begin(), header_.end(), name);
  if (it != header_.end()) return static_cast<std::size_t>(it - header_.begin());
  std::string cols;
  for (const std::string& h : header_) cols += (cols.empty() ? "" : ", ") + h;
  std::string msg = path_ + ":1: no column '" + name + "' (the header has: " + cols + ")";
  if (const auto m = closest_match(name, header_)) msg += "; did you mean '" + *m + "'?";
  msg += " Name the column with " + option;
  throw InputError(msg);
}

std::optional<std::size_t> CsvReader::optional_column(const std::string& name,
                                                      const std::string& option) const {
  if (name.empty()) return std::nullopt;
  return column(name, option);
}

SourceLocation CsvReader::where(std::size_t field) const {
  int col = 1;
  if (field < fields_.size()) col = static_cast<int>(fields_[field].data() - current_.data()) + 1;
  return {path_, line_, col};
}

std::string CsvReader::column_name(std::size_t field) const {
  if (field < header_.size() && delimiter_ == Delimiter::Comma) return header_[field];
  return "column " + std::to_string(field + 1);
}

void CsvReader::fail(std::size_t field, const std::string& problem,
                     const std::string& accepted) const {
  const std::string value = field < fields_.size() ? "'" + std::string(fields_[field]) + "'" : "";
  throw InputError::at(where(field), column_name(field), value.empty() ? "''" : value, problem,
                       accepted);
}

void CsvReader::require_fields(std::size_t count) const {
  if (fields_.size() < count)
    throw InputError::at(where_line(), "line", "",
                         "has " + std::to_string(fields_.size()) + " fields",
                         "expected at least " + std::to_string(count));
}

std::optional<double> parse_number(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.front() == '+') text.remove_prefix(1);
  double v = 0.0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<long> parse_integer(std::string_view text) {
  long v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

namespace {
// Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms).
int days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(int z, int& y, int& m, int& d) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const int doe = z - era * 146097;
  const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = yoe + era * 400;
  const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp + (mp < 10 ? 3 : -9);
  y += m <= 2;
}

int days_in_month(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
}  // namespace

std::optional<int> parse_date(std::string_view text) {
  if (const auto cut = text.find_first_of("T "); cut != std::string_view::npos && cut >= 8)
    text = text.substr(0, cut);
  std::string_view ys, ms, ds;
  if (text.size() == 8 && all_digits(text)) {
    ys = text.substr(0, 4), ms = text.substr(4, 2), ds = text.substr(6, 2);
  } else if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    ys = text.substr(0, 4), ms = text.substr(5, 2), ds = text.substr(8, 2);
  } else {
    return std::nullopt;
  }
  if (!all_digits(ys) || !all_digits(ms) || !all_digits(ds)) return std::nullopt;
  const int y = static_cast<int>(*parse_integer(ys));
  const int m = static_cast<int>(*parse_integer(ms));
  const int d = static_cast<int>(*parse_integer(ds));
  if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
    return std::nullopt;
  return days_from_civil(y, m, d);
}

std::string format_date(int day) {
  int y, m, d;
  civil_from_days(day, y, m, d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

PeriodClock::PeriodClock(const std::string& period) : name_(period) {
  if (period == "day")
    days_ = 1;
  else if (period == "week")
    days_ = 7;
  else if (period == "month")
    months_ = 1;
  else if (period == "quarter")
    months_ = 3;
  else if (period == "year")
    months_ = 12;
  else
    throw InputError("--period " + period +
                     " is not a period (accepted: day, week, month, quarter, year)");
}

int PeriodClock::whole_periods(int from, int to) const {
  if (days_ > 0) return (to - from) / days_;
  int y0, m0, d0, y1, m1, d1;
  civil_from_days(from, y0, m0, d0);
  civil_from_days(to, y1, m1, d1);
  int months = (y1 - y0) * 12 + (m1 - m0);
  // A month is complete on the same day of the month, or on the last day of a shorter month.
  const bool reached = d1 >= d0 || d1 == days_in_month(y1, m1);
  if (!reached) --months;
  return months / months_;
}

int PeriodClock::add(int from, int k) const {
  if (days_ > 0) return from + k * days_;
  int y, m, d;
  civil_from_days(from, y, m, d);
  const int total = (m - 1) + k * months_;
  y += total >= 0 ? total / 12 : -((11 - total) / 12);
  m = ((total % 12) + 12) % 12 + 1;
  return days_from_civil(y, m, std::min(d, days_in_month(y, m)));
}

}  // namespace clvsim::fit

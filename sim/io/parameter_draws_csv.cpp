#include "clvsim/io/parameter_draws_csv.hpp"

#include <charconv>
#include <cmath>
#include <string>
#include <vector>

namespace clvsim {
namespace {

const char* const LAYOUT =
    "a header row of dotted key paths, then one row of numbers per draw, separated by commas";

struct Field {
  std::string text;
  int column = 0;  //!< 1-based column of the field's first character
};

bool blank(char c) {
  return c == ' ' || c == '\t';
}

std::string trimmed(std::string_view s) {
  std::size_t a = 0, b = s.size();
  while (a < b && blank(s[a])) ++a;
  while (b > a && blank(s[b - 1])) --b;
  return std::string(s.substr(a, b - a));
}

//! "; the draws are parameter_draws.file at x.toml:30:8".
std::string declared_at(const SourceLocation& where) {
  if (where.file.empty()) return {};
  std::string w = where.prefix();
  w.resize(w.size() - 2);
  return "; the draws are parameter_draws.file at " + w;
}

//! Split one line into comma-separated fields; a field may be double-quoted ("" is a quote).
std::vector<Field> split(std::string_view line, const std::string& file, int line_no,
                         const SourceLocation& declared) {
  std::vector<Field> out;
  std::size_t i = 0;
  for (;;) {
    Field f;
    std::size_t start = i;
    while (start < line.size() && blank(line[start])) ++start;
    f.column = static_cast<int>(start) + 1;
    if (start < line.size() && line[start] == '"') {
      std::size_t j = start + 1;
      bool closed = false;
      while (j < line.size()) {
        if (line[j] == '"') {
          if (j + 1 < line.size() && line[j + 1] == '"') {
            f.text += '"';
            j += 2;
            continue;
          }
          closed = true;
          ++j;
          break;
        }
        f.text += line[j++];
      }
      while (j < line.size() && blank(line[j])) ++j;
      if (!closed || (j < line.size() && line[j] != ','))
        throw InputError::at(SourceLocation{file, line_no, f.column}, "parameter_draws", "",
                             "has a malformed quoted field",
                             std::string("a quoted field ends with a closing quote before the "
                                         "next comma; ") +
                                 LAYOUT + declared_at(declared));
      i = j;
    } else {
      std::size_t j = start;
      while (j < line.size() && line[j] != ',') ++j;
      f.text = trimmed(line.substr(start, j - start));
      i = j;
    }
    out.push_back(std::move(f));
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  return out;
}

}  // namespace

ParameterDraws parse_parameter_draws_csv(std::string_view text, const std::string& file,
                                         const SourceLocation& declared) {
  ParameterDraws d;
  d.file = file;
  d.where = declared;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a spreadsheet's BOM

  bool header = false;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string content = trimmed(line);
    if (content.empty() || content[0] == '#') continue;

    const std::vector<Field> fields = split(line, file, line_no, declared);
    if (!header) {
      header = true;
      for (std::size_t j = 0; j < fields.size(); ++j) {
        const SourceLocation at{file, line_no, fields[j].column};
        if (fields[j].text.empty())
          throw InputError::at(at, "parameter_draws column " + std::to_string(j + 1), "",
                               "has no name", std::string(LAYOUT) + declared_at(declared));
        for (std::size_t i = 0; i < j; ++i)
          if (fields[i].text == fields[j].text)
            throw InputError::at(at, "parameter_draws column '" + fields[j].text + "'", "",
                                 "is repeated (also column " + std::to_string(i + 1) + ")",
                                 "each column names one parameter" + declared_at(declared));
        d.columns.push_back(fields[j].text);
        d.column_where.push_back(at);
      }
      continue;
    }

    if (fields.size() != d.columns.size()) {
      const bool more = fields.size() > d.columns.size();
      const int column = more ? fields[d.columns.size()].column : static_cast<int>(line.size()) + 1;
      throw InputError::at(SourceLocation{file, line_no, column}, "parameter_draws", "",
                           "has a row of " + std::to_string(fields.size()) +
                               (fields.size() == 1 ? " value" : " values"),
                           "every row has one value per column of the header: " +
                               std::to_string(d.columns.size()) + declared_at(declared));
    }
    d.row_line.push_back(line_no);
    for (std::size_t j = 0; j < fields.size(); ++j) {
      const std::string& s = fields[j].text;
      double x = 0.0;
      const char* first = s.data();
      const char* last = s.data() + s.size();
      if (s.size() > 1 && s[0] == '+' && s[1] != '-') ++first;  // from_chars refuses a leading '+'
      const auto [ptr, ec] = std::from_chars(first, last, x);
      if (s.empty() || ec != std::errc() || ptr != last || !std::isfinite(x))
        throw InputError::at(
            SourceLocation{file, line_no, fields[j].column}, d.columns[j],
            s.empty() ? "(empty)" : "\"" + s + "\"", "is not a number",
            "every draw is a finite decimal number such as 0.42 or 1.5e-3" + declared_at(declared));
      d.values.push_back(x);
      d.cell_column.push_back(fields[j].column);
    }
  }

  if (!header)
    throw InputError::at(SourceLocation{file, 0, 0}, "parameter_draws", "", "is empty",
                         std::string("expected ") + LAYOUT + declared_at(declared));
  if (d.row_line.empty())
    throw InputError::at(SourceLocation{file, line_no, 1}, "parameter_draws", "",
                         "has a header but no draws",
                         std::string("expected ") + LAYOUT + declared_at(declared));
  return d;
}

}  // namespace clvsim

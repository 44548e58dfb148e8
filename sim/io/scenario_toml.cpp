#include "clvsim/io/scenario_toml.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "toml.hpp"

#include "clvsim/distribution.hpp"
#include "clvsim/engine.hpp"
#include "clvsim/io/parameter_draws_csv.hpp"
#include "clvsim/optimize/optimize.hpp"
#include "clvsim/parameter_draws.hpp"
#include "clvsim/suggest.hpp"

namespace clvsim {
namespace {

using Names = std::vector<std::string>;

// A scalar initial_customers may be placed at this tenure at most: it becomes a vector of
// initial_tenure + 1 parameters, so the bound keeps a typo from allocating gigabytes.
constexpr std::int64_t MAX_INITIAL_TENURE = 10000;
constexpr std::int64_t INT_LIMIT = std::numeric_limits<int>::max();
// Written values longer than this are shown in a short form in messages.
constexpr std::size_t MAX_SHOWN = 60;

const Names TOP_KEYS = {"scenario", "simulation",      "funnel",   "channels",
                        "segments", "retention",       "winback",  "referral",
                        "pipeline", "variants",        "sweep",    "sensitivity",
                        "extends",  "parameter_draws", "optimize", "market"};
const Names SCENARIO_KEYS = {"name", "description", "currency"};
const Names SIMULATION_KEYS = {
    "period",         "horizon",     "replications", "seed",    "annual_discount_rate",
    "ltv_tenure_cap", "ltv_horizon", "rates_per",    "booking", "start_season"};
const Names STAGE_KEYS = {"advance", "drop", "nurtured_advance", "nurtured_drop", "nurture_cost"};
const Names CHANNEL_KEYS = {
    "spend",       "response",   "cost_per_lead", "max_leads", "half_saturation_spend",
    "segment_mix", "entry_stage"};
const Names SEGMENT_KEYS = {"churn",
                            "churn_sbg",
                            "churn_multiplier",
                            "orders_per_period",
                            "order_model",
                            "order_value",
                            "order_value_cv",
                            "gross_margin",
                            "cost_to_serve",
                            "referrals_per_customer",
                            "migration",
                            "initial_customers",
                            "initial_tenure",
                            "by_tenure"};
const Names BY_TENURE_KEYS = {"unit",         "orders_per_period", "order_value",
                              "gross_margin", "cost_to_serve",     "referrals_per_customer"};
const Names CURVE_KEYS = {"growth", "slope", "limit"};
const Names SBG_KEYS = {"alpha", "beta"};
const Names RETENTION_KEYS = {"spend_per_customer", "spend_fixed", "max_churn_reduction",
                              "half_saturation"};
const Names WINBACK_KEYS = {"attempt_cost", "success_probability", "window", "returning_churn"};
const Names REFERRAL_KEYS = {"entry_stage", "reward", "segment_mix"};
const Names PIPELINE_KEYS = {"prospects", "segment_mix"};
const Names MARKET_KEYS = {"potential"};
const Names VARIANT_KEYS = {"description", "set", "scale", "add", "annual_retention"};
const Names RETENTION_GOAL_KEYS = {"add", "target"};
const Names DIST_KEYS = {"dist", "mean", "sd", "alpha", "beta", "min", "mode", "max"};
const Names SWEEP_KEYS = {"design", "points", "replications", "seed", "parameters"};
const Names SWEEP_PARAMETER_KEYS = {"values", "min", "max", "steps", "op"};
const Names SENSITIVITY_KEYS = {"parameters", "relative_change", "metric",
                                "samples",    "sobol",           "ranges"};
const Names RANGE_KEYS = {"low", "high"};
const Names PARAMETER_DRAWS_KEYS = {"file", "rename"};
const Names OPTIMIZE_KEYS = {"objective",
                             "metric",
                             "level",
                             "target",
                             "k",
                             "replications",
                             "evaluation_replications",
                             "starts",
                             "seed",
                             "frontier",
                             "variables",
                             "budgets"};
const Names OPTIMIZE_VARIABLE_KEYS = {"min", "max"};
const Names OPTIMIZE_BUDGET_KEYS = {"terms", "max", "min", "equals"};
const std::vector<std::pair<std::string, OptimizeSpec::Objective>> OBJECTIVES = {
    {"expected", OptimizeSpec::Objective::Expected},
    {"mean", OptimizeSpec::Objective::Mean},
    {"quantile", OptimizeSpec::Objective::Quantile},
    {"cvar", OptimizeSpec::Objective::Cvar},
    {"probability", OptimizeSpec::Objective::Probability},
    {"mean_minus_sd", OptimizeSpec::Objective::MeanMinusSd}};
const std::vector<std::pair<std::string, Design>> DESIGNS = {
    {"grid", Design::Grid}, {"latin_hypercube", Design::LatinHypercube}, {"sobol", Design::Sobol}};
// The Saltelli estimators need a few base samples to say anything at all.
constexpr std::int64_t MIN_SENSITIVITY_SAMPLES = 8;
const Names DEFAULT_STAGES = {"lead", "mql", "sql", "opportunity"};

const char* const DIST_EXAMPLE = "{ dist = \"normal\", mean = ..., sd = ... }";

std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string indexed(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

std::string dq(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

//! The names, comma-separated; long lists are cut after the first few.
std::string list(const Names& names, bool quote) {
  return list_names(names, quote ? "\"" : "");
}

//! "did you mean 'x'? accepted: a, b" or "accepted: a, b". Close means an edit distance of
//! at most 2 (and less than the word's length, so "x" does not suggest "y"), a prefix, or a
//! shared prefix of at least two thirds of the shorter word.
std::string did_you_mean(std::string_view word, const Names& options, bool quote = false) {
  if (options.empty()) return "none are accepted here";
  std::string out;
  if (const auto best = closest_match(word, options))
    out = "did you mean " + (quote ? dq(*best) : "'" + *best + "'") + "? ";
  return out + "accepted: " + list(options, quote);
}

//! "design = \"sobol\"", or "design = \"grid\" (the default)" when it was not written.
std::string design_phrase(Design d, bool written) {
  for (const auto& [name, design] : DESIGNS)
    if (design == d) return "design = " + dq(name) + (written ? "" : " (the default)");
  return "design = ?";
}

bool contains(const Names& names, std::string_view n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

// Names become parts of dotted key paths and column names, so keep them plain.
bool valid_name(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}
const char* const NAME_RULE = "names may use letters, digits, '_' and '-'";

const char* type_phrase(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "an unknown kind of value";
}

const char* domain_accepts(Domain d) {
  switch (d) {
    case Domain::Real:
      return "a number";
    case Domain::NonNegative:
      return "a number >= 0";
    case Domain::Positive:
      return "a number > 0";
    case Domain::Probability:
      return "a probability in [0, 1]";
    case Domain::Count:
      return "a count >= 0";
  }
  return "a number";
}

struct KeyedNode {
  const toml::key* key;
  const toml::node* node;
};

//! A TOML basic string, escaped.
std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

//! One component of a dotted key path, quoted when it is not a bare TOML key
//! (variants.v.scale."segments.*.churn").
std::string key_part(std::string_view k) {
  return valid_name(k) ? std::string(k) : toml_string(k);
}

//! A double as TOML writes it: the shortest text that reads back to the same value, and
//! always a float (1 becomes 1.0).
std::string toml_float(double x) {
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, x);
  std::string out(buf, res.ptr);
  if (out.find_first_of(".en") == std::string::npos) out += ".0";
  return out;
}

//! Scenario files above this size are refused: real scenarios are a few kilobytes, and a
//! device or a huge file given by mistake must not be read until memory runs out.
constexpr std::size_t MAX_SCENARIO_BYTES = std::size_t{16} << 20;
//! Tables of parameter draws may be much larger (a long chain of a posterior).
constexpr std::size_t MAX_DRAWS_BYTES = std::size_t{1} << 30;

//! The whole content of a regular file of at most `max_bytes`, or why it cannot be read (empty
//! on success). Opened without blocking, so a FIFO does not hang the reader.
std::string read_text(const std::string& path, std::string& text,
                      std::size_t max_bytes = MAX_SCENARIO_BYTES) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return std::strerror(errno);
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0) return std::strerror(errno);
  if (S_ISDIR(info.st_mode)) return "it is a directory, not a file";
  if (!S_ISREG(info.st_mode))
    return "it is not a regular file (a device, FIFO or socket cannot be read as one)";
  const std::string limit = max_bytes == MAX_SCENARIO_BYTES ? "scenario files are limited to 16 MiB"
                                                            : "such files are limited to 1 GiB";
  if (static_cast<std::uintmax_t>(info.st_size) > max_bytes)
    return "it is " + std::to_string(info.st_size) + " bytes; " + limit;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::strerror(errno);
    if (n == 0) return {};
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > max_bytes) return "it grew while being read; " + limit;
  }
}

//! The dotted key written on line `line` (1-based) of `text`, under the last table header
//! before it, as well as plain text allows: toml++ reports where a parse failed, not the key.
//! Empty when the line holds no `key = value`.
std::string key_on_line(std::string_view text, std::size_t line) {
  const auto trim = [](std::string_view v) {
    const auto b = v.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) return std::string_view();
    return v.substr(b, v.find_last_not_of(" \t\r") - b + 1);
  };
  // Strip the spaces TOML allows around the dots of a key ("a . b" is "a.b").
  const auto compact = [&](std::string_view v) {
    std::string out;
    bool quoted = false;
    for (const char c : trim(v)) {
      if (c == '"' || c == '\'') quoted = !quoted;
      if (!quoted && (c == ' ' || c == '\t')) continue;
      out += c;
    }
    return out;
  };
  std::string header;
  std::size_t start = 0;
  for (std::size_t n = 1; start <= text.size(); ++n) {
    const std::size_t nl = text.find('\n', start);
    const std::string_view l =
        trim(text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    if (n == line) {
      const auto eq = l.find('=');
      if (l.empty() || l.front() == '[' || l.front() == '#' || eq == std::string_view::npos)
        return {};
      const std::string key = compact(l.substr(0, eq));
      if (key.empty() || key.size() > 200) return {};
      return header.empty() ? key : header + "." + key;
    }
    if (!l.empty() && l.front() == '[') {
      const bool array = l.size() > 1 && l[1] == '[';
      const auto close = l.find(']');
      if (close != std::string_view::npos && close > (array ? 2u : 1u))
        header = compact(l.substr(array ? 2 : 1, close - (array ? 2 : 1)));
    }
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return {};
}

//! What a value may be, after toml++'s description of why it is not one.
std::string parse_error_hint(std::string_view description) {
  if (description.find("not representable in 64 bits") != std::string_view::npos)
    return " (integers must lie in [-9223372036854775808, 9223372036854775807])";
  if (description.find("could not be interpreted as a value") != std::string_view::npos &&
      description.find("floating-point") != std::string_view::npos)
    return " (floating-point numbers must lie within +/-1.7976931348623157e308)";
  if (description.find("nested value depth") != std::string_view::npos)
    return " (arrays and inline tables may be nested at most 256 deep)";
  return {};
}

//! The code point of the UTF-8 sequence that starts at `text[i]` and its length in bytes; a
//! length of 0 when the bytes there are not UTF-8 (RFC 3629: no stray continuation byte, no
//! truncated or overlong sequence, no surrogate, nothing above U+10FFFF).
std::pair<std::uint32_t, std::size_t> decode_utf8(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) return {c, 1};
  const std::size_t n = (c & 0xE0) == 0xC0   ? 1
                        : (c & 0xF0) == 0xE0 ? 2
                        : (c & 0xF8) == 0xF0 ? 3
                                             : 0;
  if (n == 0 || i + n >= text.size()) return {0, 0};
  std::uint32_t cp = c & (0x7Fu >> (n + 1));
  for (std::size_t k = 1; k <= n; ++k) {
    const auto d = static_cast<unsigned char>(text[i + k]);
    if ((d & 0xC0) != 0x80) return {0, 0};
    cp = (cp << 6) | (d & 0x3Fu);
  }
  static constexpr std::uint32_t SHORTEST[] = {0, 0x80, 0x800, 0x10000};
  if (cp < SHORTEST[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {0, 0};
  return {cp, n + 1};
}

//! The character at `text[i]`, written "U+00E9 'é'"; "the byte 0xE9" when the bytes there are
//! not UTF-8.
std::string describe_character(std::string_view text, std::size_t i) {
  const auto [cp, length] = decode_utf8(text, i);
  char buf[32];
  if (length == 0) {
    std::snprintf(buf, sizeof buf, "the byte 0x%02X", static_cast<unsigned>(text[i] & 0xFF));
    return buf;
  }
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return std::string(buf) + " '" + std::string(text.substr(i, length)) + "'";
}

//! Reject non-ASCII characters where TOML does not allow them, with a message that says so.
//! TOML allows them only inside quoted strings and comments; inside a multi-line basic string a
//! non-ASCII character must not follow a backslash or a line-ending backslash's whitespace, where
//! toml++ reads it as an escape. toml++'s own message for these is about what it expected, and in
//! 3.3.0 the question it asks of them (is it whitespace?) was undefined behaviour for the accented
//! Latin letters and a few other ranges (its issues #190 and #295; sim/io/toml.hpp makes that
//! question total). This scan models where TOML strings start; where toml++ reads a stray quote
//! as part of a malformed value, toml++ reports the file instead.
void check_toml_characters(std::string_view text, const std::string& name) {
  enum class State { Code, Comment, Basic, Literal, MultiBasic, MultiLiteral };
  State state = State::Code;
  std::size_t line = 1, line_start = 0;
  // The last character of code before this one, spaces and tabs skipped ('\n' at a line's
  // start). A quote opens a string only where TOML lets a key or a value begin: at a line's
  // start or after '=', '[', ',', '{' or a dotted key's '.'. Elsewhere ("3'0") it is a stray
  // quote toml++ reads as code, so what follows is checked as code.
  unsigned before = '\n';
  const auto at = [&](std::size_t i) {
    return i < text.size() ? static_cast<unsigned char>(text[i]) : 0u;
  };
  const auto fail = [&](std::size_t i, const std::string& problem, const std::string& accepted) {
    std::size_t column = 1;  // in characters, as toml++ counts them
    for (std::size_t k = line_start; k < i; ++k)
      column += (static_cast<unsigned char>(text[k]) & 0xC0) != 0x80;
    const SourceLocation where{name, static_cast<int>(line), static_cast<int>(column)};
    const std::string key = key_on_line(text, line);
    throw InputError(where.prefix() + (key.empty() ? "" : key + ": ") + "malformed TOML: " +
                     describe_character(text, i) + " " + problem + " (" + accepted + ")");
  };
  // The whole file first: TOML files are UTF-8, and toml++ 3.3.0's decoder reaches undefined
  // behaviour on some malformed sequences before it reports them.
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    } else if (at(i) >= 0x80) {
      const std::size_t length = decode_utf8(text, i).second;
      if (length == 0) fail(i, "is not UTF-8", "TOML files are UTF-8: save the file as UTF-8");
      i += length - 1;
    }
  }
  line = 1;
  line_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned c = at(i);
    if (c == '\n') {
      ++line;
      line_start = i + 1;
      before = '\n';
      if (state == State::Comment || state == State::Basic || state == State::Literal)
        state = State::Code;  // an unterminated string is toml++'s to report
      continue;
    }
    switch (state) {
      case State::Code:
        if (c == '#') {
          state = State::Comment;
        } else if ((c == '"' || c == '\'') &&
                   (before == '\n' || before == '=' || before == '[' || before == ',' ||
                    before == '{' || before == '.')) {
          const bool multi = at(i + 1) == c && at(i + 2) == c;
          state = c == '"' ? (multi ? State::MultiBasic : State::Basic)
                           : (multi ? State::MultiLiteral : State::Literal);
          if (multi) i += 2;
        } else if (c >= 0x80) {
          fail(i, "stands outside a quoted string or a comment",
               "TOML allows characters beyond ASCII only in quoted strings and comments: quote the "
               "value, as in name = \"Caf\u00e9\"");
        }
        if (c != ' ' && c != '\t' && c != '\r') before = c;
        break;
      case State::Comment:
        break;
      case State::Basic:
        if (c == '\\' && at(i + 1) != '\n')
          ++i;
        else if (c == '"')
          state = State::Code;
        break;
      case State::Literal:
        if (c == '\'') state = State::Code;
        break;
      case State::MultiBasic:
        if (c == '"' && at(i + 1) == '"' && at(i + 2) == '"') {
          i += 2;
          while (at(i + 1) == '"') ++i;  // up to two quotes may end the content
          state = State::Code;
        } else if (c == '\\') {
          std::size_t j = i + 1;
          while (at(j) == ' ' || at(j) == '\t' || at(j) == '\r' || at(j) == '\n') {
            if (at(j) == '\n') {
              ++line;
              line_start = j + 1;
            }
            ++j;
          }
          if (at(j) >= 0x80)
            fail(j,
                 j == i + 1 ? "follows a backslash in a multi-line string"
                            : "follows a line-ending backslash in a multi-line string",
                 "the TOML reader cannot take it there: write it as a \\u escape, or start the "
                 "next line with an ASCII character");
          i = j == i + 1 ? i + 1 : j - 1;
        }
        break;
      case State::MultiLiteral:
        if (c == '\'' && at(i + 1) == '\'' && at(i + 2) == '\'') {
          i += 2;
          while (at(i + 1) == '\'') ++i;
          state = State::Code;
        }
        break;
    }
  }
}

//! Merge `over` into `base`: tables written as tables merge key by key; any other value,
//! inline tables included, replaces the base's whole. Nodes are moved, so they keep their
//! source regions (toml++ drops them on copy).
void merge_into(toml::table& base, toml::table&& over) {
  for (auto&& [k, v] : over) {
    toml::node* b = base.get(k.str());
    auto* bt = b ? b->as_table() : nullptr;
    auto* vt = v.as_table();
    if (bt && vt && !bt->is_inline() && !vt->is_inline())
      merge_into(*bt, std::move(*vt));
    else
      base.insert_or_assign(k, std::move(v));
  }
}

//! The text of every file a scenario was read from (one, or a file and the bases it extends),
//! for quoting values as written.
class Sources {
 public:
  void add(const std::string& name, std::string_view text) {
    File f{name, {}};
    std::size_t start = 0;
    while (start <= text.size()) {
      const std::size_t nl = text.find('\n', start);
      if (nl == std::string_view::npos) {
        f.lines.emplace_back(text.substr(start));
        break;
      }
      f.lines.emplace_back(text.substr(start, nl - start));
      start = nl + 1;
    }
    files_.push_back(std::move(f));
  }

  std::size_t size() const { return files_.size(); }

  //! Position in the merge, bases first: a value from a higher rank overrode lower ones.
  //! Files are added extending file first, so the rank is the reverse of the index.
  std::size_t rank(const std::string& name) const {
    for (std::size_t i = 0; i < files_.size(); ++i)
      if (files_[i].name == name) return files_.size() - 1 - i;
    return files_.size();
  }

  const std::vector<std::string>* lines(const std::string& name) const {
    for (const auto& f : files_)
      if (f.name == name) return &f.lines;
    return nullptr;
  }

  //! "child.toml extends base.toml extends root.toml"
  std::string chain() const {
    std::string out;
    for (const auto& f : files_) out += (out.empty() ? "" : " extends ") + f.name;
    return out;
  }

 private:
  struct File {
    std::string name;
    std::vector<std::string> lines;
  };
  std::vector<File> files_;
};

//! A file in a chain of extends, to detect cycles.
struct Link {
  std::string name;
  std::string canonical;  //!< empty for text not read from a file
};

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  //! Parse `text` (named `name`) and, if it extends a base, read the base (relative to `dir`,
  //! recursively) and merge `text` over it. `chain` holds the files being read, for cycles.
  toml::table load(std::string_view text, const std::string& name, const std::filesystem::path& dir,
                   std::vector<Link>& chain);

  Scenario build(const toml::table& root);

  //! Whether the scenario came from more than one file.
  bool extended() const { return sources_.size() > 1; }

  //! The merged document as TOML, in file order, headed by a comment naming the files.
  std::string resolved_text(const toml::table& root) const;

  //! The bases read through extends, in the order they were read.
  const std::vector<std::string>& bases_read() const { return files_read_; }

 private:
  std::string file_;  //!< the file named by the user; fallback for nodes without a path
  // The calendar of the scenario, known once [simulation] is read: schedules and seasonal
  // profiles are checked against it.
  int horizon_ = 36;
  int periods_per_year_ = 12;
  PeriodUnit period_ = PeriodUnit::Month;
  std::vector<std::string> files_read_;
  Sources sources_;

  // ---- locations and written values ----

  const std::string& file_of(const toml::source_region& r) const {
    return r.path && !r.path->empty() ? *r.path : file_;
  }
  SourceLocation loc(const toml::source_region& r) const {
    return {file_of(r), static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
  }
  SourceLocation loc(const toml::node& n) const { return loc(n.source()); }
  SourceLocation loc(const toml::key& k) const { return loc(k.source()); }
  SourceLocation nowhere() const { return {file_, 0, 0}; }
  // The merged root table carries the deepest base's region; blame the user's file.
  SourceLocation root_loc() const { return {file_, 1, 1}; }

  //! Whether `a` was written before `b`: bases before the files extending them, then by
  //! line and column.
  bool before(const toml::source_region& a, const toml::source_region& b) const {
    const std::size_t ra = sources_.rank(file_of(a));
    const std::size_t rb = sources_.rank(file_of(b));
    if (ra != rb) return ra < rb;
    return a.begin.line != b.begin.line ? a.begin.line < b.begin.line
                                        : a.begin.column < b.begin.column;
  }

  // toml++ tables are maps sorted by key; the user's order is the order in the file(s).
  std::vector<KeyedNode> in_file_order(const toml::table& t) const {
    std::vector<KeyedNode> out;
    for (auto&& [k, v] : t) out.push_back({&k, &v});
    std::stable_sort(out.begin(), out.end(), [this](const KeyedNode& a, const KeyedNode& b) {
      return before(a.key->source(), b.key->source());
    });
    return out;
  }

  // Byte offset of a 1-based code-point column (toml++ counts code points).
  static std::size_t byte_of(std::string_view line, std::size_t column) {
    std::size_t cp = 1, i = 0;
    while (i < line.size() && cp < column) {
      ++i;
      while (i < line.size() && (static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) ++i;
      ++cp;
    }
    return i;
  }

  //! The value as written in the file, or a short form when it is long or spans lines.
  std::string written(const toml::node& n) const {
    const auto& r = n.source();
    const auto* table = n.as_table();
    const auto* lines = sources_.lines(file_of(r));
    if (lines && !(table && !table->is_inline()) && r.begin.line >= 1 &&
        r.begin.line == r.end.line && r.begin.line <= lines->size()) {
      const std::string_view line = (*lines)[r.begin.line - 1];
      const std::size_t b = byte_of(line, r.begin.column);
      const std::size_t e = byte_of(line, r.end.column);
      if (e > b && !(n.is_array() && line.substr(b, 2) == "[[")) {
        std::string s(line.substr(b, e - b));
        if (s.size() <= MAX_SHOWN) return s;
        if (n.is_string()) return s.substr(0, MAX_SHOWN - 5) + "...\"";
      }
    }
    if (table) return "{ ... }";
    if (n.is_array()) return "[ ... ]";
    if (n.is_string()) return "\"...\"";
    return "(value)";
  }

  // ---- the resolved document ----

  void emit_value(std::ostream& os, const toml::node& n) const;
  void emit_table(std::ostream& os, const toml::table& t, const std::string& header) const;

  // ---- errors ----

  [[noreturn]] void fail_missing(const SourceLocation& where, const std::string& table_path,
                                 std::string_view key, const std::string& what) const {
    const std::string name = table_path.empty() ? "the top-level table" : table_path;
    throw InputError(where.prefix() + name + " is missing required key '" + std::string(key) +
                     "' (" + what + ")");
  }

  [[noreturn]] void fail_type(const toml::node& n, const std::string& path,
                              const std::string& expected_noun, const std::string& accepted) const {
    throw InputError::at(loc(n), path, written(n),
                         std::string("is ") + type_phrase(n) + ", not " + expected_noun, accepted);
  }

  // Unknown keys are reported in file order, each with a suggestion.
  void check_keys(const toml::table& t, const std::string& path, const Names& accepted,
                  const std::string& problem = "is not a known key") const {
    for (const auto& [k, v] : in_file_order(t)) {
      if (!contains(accepted, k->str()))
        throw InputError::at(loc(*k), join(path, k->str()), "", problem,
                             did_you_mean(k->str(), accepted));
    }
  }

  //! Two keys of `t` that exclude each other: report the one written second.
  [[noreturn]] void fail_conflict(const toml::table& t, const std::string& path, std::string_view a,
                                  std::string_view b, const std::string& accepted) const {
    const bool a_later = before(t.get(b)->source(), t.get(a)->source());
    const std::string_view later = a_later ? a : b;
    const std::string_view earlier = a_later ? b : a;
    const toml::node& n = *t.get(later);
    const SourceLocation other = loc(*t.get(earlier));
    if (other.file == loc(n).file)
      throw InputError::at(loc(n), join(path, later), written(n),
                           "cannot be given together with " + join(path, earlier), accepted);
    // One key comes from a base scenario: merging cannot remove it, replacing the table can.
    std::string other_at = other.prefix();
    other_at.resize(other_at.size() - 2);
    throw InputError::at(
        loc(n), join(path, later), written(n),
        "cannot be given together with " + join(path, earlier) + ", written at " + other_at,
        accepted +
            "; a file that extends another cannot remove a key of its "
            "base, but an inline table replaces the base's table whole: "
            "write " +
            path + " = { ... } in full");
  }

  //! An unquoted dotted key where a quoted key path was expected: { a.b.c = 1 } is, to TOML,
  //! the key "a" holding nested tables.
  [[noreturn]] void fail_nested_keys(const toml::key& k, const toml::node& n,
                                     const std::string& path) const {
    std::string dotted(k.str());
    const toml::node* leaf = &n;
    while (leaf->is_table() && !leaf->as_table()->is_inline() && !leaf->as_table()->empty()) {
      const auto first = in_file_order(*leaf->as_table()).front();
      dotted.append(".").append(first.key->str());
      leaf = first.node;
    }
    throw InputError::at(loc(k), path, "", "is a table of nested keys, not a key path",
                         "write the key path in quotes, as in \"" + dotted +
                             "\" = " + written(*leaf) +
                             "; without quotes TOML reads the dots as nested tables");
  }

  //! Whether the entry `n` of a table keyed by key paths is an unquoted dotted key rather than
  //! an entry with the keys `entry_keys`: a table that is not inline (dotted keys make those),
  //! holds a table, and has a key that is not an entry key. An entry written as a
  //! [sweep.parameters."<key path>"] table with a misspelt key is thus an unknown key, not this.
  bool nested_keys(const toml::node& n, const Names& entry_keys) const {
    const auto* t = n.as_table();
    if (!t || t->is_inline()) return false;
    bool has_table = false, all_entry_keys = true;
    for (auto&& [k, v] : *t) {
      has_table = has_table || v.is_table();
      all_entry_keys = all_entry_keys && contains(entry_keys, k.str());
    }
    return has_table && !all_entry_keys;
  }

  // ---- tables ----

  const toml::table* table_at(const toml::table& parent, std::string_view key,
                              const std::string& path, const std::string& what) const {
    const toml::node* n = parent.get(key);
    if (!n) return nullptr;
    if (const auto* t = n->as_table()) return t;
    fail_type(*n, path, "a table", "expected " + what);
  }

  // ---- scalars ----

  double finite_number(const toml::node& n, const std::string& path,
                       const std::string& accepted) const {
    const double x =
        n.is_integer() ? static_cast<double>(n.as_integer()->get()) : n.as_floating_point()->get();
    if (!std::isfinite(x))
      throw InputError::at(loc(n), path, written(n), "is not a finite number",
                           accepted + "; nan and inf are not accepted");
    return x;
  }

  //! A finite number (integer or float) at t[key], if written.
  std::optional<double> number_at(const toml::table& t, std::string_view key,
                                  const std::string& path, const std::string& accepted) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_integer() && !n->is_floating_point()) fail_type(*n, path, "a number", accepted);
    return finite_number(*n, path, accepted);
  }

  std::optional<bool> bool_at(const toml::table& t, std::string_view key, const std::string& path,
                              const std::string& accepted) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) fail_type(*n, path, "a boolean", accepted);
    return n->as_boolean()->get();
  }

  std::optional<std::string> string_at(const toml::table& t, std::string_view key,
                                       const std::string& path, const std::string& accepted) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_string()) fail_type(*n, path, "a string", accepted);
    return n->as_string()->get();
  }

  std::optional<std::int64_t> int_at(const toml::table& t, std::string_view key,
                                     const std::string& path, std::int64_t lo, std::int64_t hi,
                                     const std::string& accepted) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (n->is_floating_point())
      throw InputError::at(loc(*n), path, written(*n), "is not an integer",
                           accepted + ", written without a decimal point");
    if (!n->is_integer()) fail_type(*n, path, "an integer", accepted);
    const std::int64_t v = n->as_integer()->get();
    if (v < lo || v > hi)
      throw InputError::at(loc(*n), path, written(*n), "is out of range", accepted);
    return v;
  }

  template <class E>
  std::optional<E> choice_at(const toml::table& t, std::string_view key, const std::string& path,
                             const std::vector<std::pair<std::string, E>>& options,
                             const std::string& what) const {
    Names names;
    for (const auto& o : options) names.push_back(o.first);
    const auto s = string_at(t, key, path, "accepted: " + list(names, true));
    if (!s) return std::nullopt;
    for (const auto& o : options)
      if (o.first == *s) return o.second;
    throw InputError::at(loc(*t.get(key)), path, written(*t.get(key)), "is not a known " + what,
                         did_you_mean(*s, names, true));
  }

  // ---- parameters ----

  //! A number or a distribution table, into a Param whose domain is already set; for a key
  //! that may change in time, also a schedule or a seasonal form.
  void read_param(Param& p, const toml::node& n, const std::string& path) const {
    p.path = path;
    p.where = loc(n);
    p.dist.reset();
    p.per_year = false;
    p.seasonal = Seasonality{};
    p.schedule.clear();
    const std::string accepted = std::string(domain_description(p.domain));
    if (n.is_integer() || n.is_floating_point()) {
      p.value = finite_number(n, path, accepted);
      return;
    }
    if (const auto* a = n.as_array(); a && p.in_time) {
      read_schedule(p, *a, path);
      return;
    }
    if (const auto* t = n.as_table()) {
      if (t->get("seasonal") || t->get("trend")) {
        read_seasonal(p, *t, path);
        return;
      }
      if (const toml::node* per = t->get("per")) {
        read_per(p, *per, join(path, "per"));
        if (const toml::node* v = t->get("value")) {
          check_keys(*t, path, {"value", "per"}, "is not a key of a value per year");
          if (!v->is_integer() && !v->is_floating_point())
            fail_type(*v, join(path, "value"), "a number", accepted);
          p.value = finite_number(*v, join(path, "value"), accepted);
          p.where = loc(*v);
          return;
        }
      }
      read_distribution(p, *t, path);
      return;
    }
    fail_type(n, path, "a number",
              std::string("expected ") + domain_accepts(p.domain) +
                  ", or an uncertainty distribution such as " + DIST_EXAMPLE +
                  (p.in_time ? std::string(", or a schedule [one value per period] (") +
                                   std::to_string(horizon_) +
                                   " values), or a seasonal form { value = ..., seasonal = "
                                   "[...], trend = ... }"
                             : std::string()));
  }

  //! A schedule: exactly simulation.horizon values, each a parameter "<path>[i]".
  void read_schedule(Param& p, const toml::array& a, const std::string& path) const {
    if (a.size() != static_cast<std::size_t>(horizon_))
      throw InputError::at(
          p.where, path, written(a),
          "has " + std::to_string(a.size()) + " element" + (a.size() == 1 ? "" : "s"),
          "a schedule needs one value per period: simulation.horizon = " +
              std::to_string(horizon_) + " elements; or give one number for a constant value");
    Param element = p;
    element.in_time = false;
    element.schedule.clear();
    double sum = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      Param e = element;
      read_param(e, a[i], indexed(path, i));
      sum += e.value;
      p.schedule.push_back(std::move(e));
    }
    // The point value of the whole key: the schedule's mean (what a stationary use of it, the
    // customer-value chain, takes).
    p.value = sum / static_cast<double>(a.size());
  }

  //! A seasonal form: { value = x or a distribution's keys, seasonal = [indices], trend = g,
  //! per = "year" }. The level is the parameter; the indices and the trend are fixed numbers.
  void read_seasonal(Param& p, const toml::table& t, const std::string& path) const {
    const Names own = {"seasonal", "trend"};
    if (!p.in_time) {
      const toml::node& n = t.get("seasonal") ? *t.get("seasonal") : *t.get("trend");
      throw InputError::at(
          loc(n), join(path, t.get("seasonal") ? "seasonal" : "trend"), written(n),
          "is not accepted here",
          path.rfind("variants.", 0) == 0
              ? "a variant's set replaces the level of a key and keeps the scenario's calendar: "
                "set a number or a distribution, and write a seasonal profile or a trend on the "
                "key itself (docs/scenario.md, \"Schedules and seasonality\")"
              : "a seasonal profile or a trend applies to the rates, probabilities and money per "
                "period or per order of the scenario (docs/scenario.md, \"Schedules and "
                "seasonality\"); this key is constant over time");
    }
    Seasonality season;
    season.written = true;
    season.where = loc(t);
    const int P = periods_per_year_;
    if (const toml::node* n = t.get("seasonal")) {
      const std::string sp = join(path, "seasonal");
      const std::string lengths =
          "an array of one index per period of the year: 12 for months, 52 for weeks, 4 for "
          "quarters";
      const auto* a = n->as_array();
      if (!a) fail_type(*n, sp, "an array", "expected " + lengths);
      if (P != 12 && P != 52 && P != 4)
        throw InputError::at(loc(*n), sp, written(*n),
                             std::string("is not accepted with simulation.period = \"") +
                                 period_name(period_) + "\"",
                             "seasonal profiles need periods of a month, a week or a quarter; "
                             "use a schedule (one value per period) or a trend alone");
      if (a->size() != static_cast<std::size_t>(P))
        throw InputError::at(loc(*n), sp, written(*n),
                             "has " + std::to_string(a->size()) + " indices",
                             "with simulation.period = \"" + std::string(period_name(period_)) +
                                 "\" it needs " + std::to_string(P) +
                                 " (accepted lengths: 12 for months, 52 for weeks, 4 for "
                                 "quarters), one per period of the year from season 1 on");
      double sum = 0.0;
      for (std::size_t i = 0; i < a->size(); ++i) {
        const toml::node& e = (*a)[i];
        const std::string ep = indexed(sp, i);
        if (!e.is_integer() && !e.is_floating_point())
          fail_type(e, ep, "a number", "a seasonal index is a number >= 0");
        const double x = finite_number(e, ep, "a seasonal index is a number >= 0");
        if (x < 0.0)
          throw InputError::at(loc(e), ep, written(e), "is negative",
                               "a seasonal index is a number >= 0 that multiplies the level");
        season.indices.push_back(x);
        sum += x;
      }
      const double n_idx = static_cast<double>(a->size());
      if (std::abs(sum - n_idx) > 1e-9 * n_idx) {
        char mean[48];
        std::snprintf(mean, sizeof mean, "%.10g", sum / n_idx);
        throw InputError::at(loc(*n), sp, written(*n), std::string("has mean ") + mean,
                             "the indices must average 1 (within 1e-9) so that the level keeps "
                             "its meaning, the average over a year; divide each index by " +
                                 std::string(mean));
      }
    }
    if (const toml::node* n = t.get("trend")) {
      const std::string tp = join(path, "trend");
      const std::string rule =
          "the growth per year, a number > -1 (0.05 for +5% a year), compounded every period";
      if (!n->is_integer() && !n->is_floating_point()) fail_type(*n, tp, "a number", rule);
      season.trend = finite_number(*n, tp, rule);
      if (!(season.trend > -1.0))
        throw InputError::at(loc(*n), tp, written(*n), "is out of range", "must be " + rule);
    }
    // The level: a number (value), or a distribution; either may be per year.
    Names extra = own;
    if (const toml::node* per = t.get("per")) {
      read_per(p, *per, join(path, "per"));
      extra.push_back("per");
    }
    const std::string accepted = std::string(domain_description(p.domain));
    if (const toml::node* v = t.get("value")) {
      Names keys = extra;
      keys.push_back("value");
      check_keys(t, path, keys, "is not a key of a seasonal value");
      if (!v->is_integer() && !v->is_floating_point())
        fail_type(*v, join(path, "value"), "a number", accepted);
      p.value = finite_number(*v, join(path, "value"), accepted);
      p.where = loc(*v);
    } else if (t.get("dist")) {
      read_distribution(p, t, path, extra);
    } else {
      Names keys = extra;
      keys.push_back("value");
      for (const auto& k : DIST_KEYS) keys.push_back(k);
      check_keys(t, path, keys, "is not a key of a seasonal value");
      fail_missing(loc(t), path, "value",
                   "the level that the seasonal indices and the trend multiply: value = a "
                   "number, or a distribution (dist = ..., with its keys)");
    }
    p.seasonal = std::move(season);
  }

  //! `per = "year"`: the value is per year, for a key that is per period.
  void read_per(Param& p, const toml::node& n, const std::string& path) const {
    const std::string accepted = "\"year\": the value is per year, converted to the period";
    if (p.per_period == PerPeriod::None)
      throw InputError::at(loc(n), path, written(n), "is not accepted here",
                           "per applies to keys that are per period (rates, probabilities and "
                           "money per period); this key has no time unit");
    if (!n.is_string()) fail_type(n, path, "a string", accepted);
    if (n.as_string()->get() != "year")
      throw InputError::at(loc(n), path, written(n), "is not a known unit",
                           "accepted: " + accepted);
    p.per_year = true;
  }

  //! `extra`: keys of the enclosing form read elsewhere (a seasonal form's).
  void read_distribution(Param& p, const toml::table& t, const std::string& path,
                         const Names& extra = {}) const {
    using K = Distribution::Kind;
    // Without a valid 'dist', a misspelt key is judged against every distribution's keys;
    // with one, against that distribution's keys only.
    Names dist_keys = DIST_KEYS;
    dist_keys.insert(dist_keys.end(), extra.begin(), extra.end());
    if (p.per_year) dist_keys.push_back("per");
    if (!t.get("dist")) check_keys(t, path, dist_keys, "is not a known key of a distribution");
    const std::vector<std::pair<std::string, K>> kinds = {{"normal", K::Normal},
                                                          {"lognormal", K::LogNormal},
                                                          {"beta", K::Beta},
                                                          {"uniform", K::Uniform},
                                                          {"triangular", K::Triangular}};
    const auto kind = choice_at(t, "dist", join(path, "dist"), kinds, "distribution");
    if (!kind)
      fail_missing(loc(t), path, "dist",
                   "the distribution: \"normal\", \"lognormal\", \"beta\", \"uniform\" or "
                   "\"triangular\"");
    struct Field {
      const char* key;
      const char* what;
    };
    std::vector<Field> fields;
    switch (*kind) {
      case K::Normal:
      case K::LogNormal:
        fields = {{"mean", "the mean"}, {"sd", "the standard deviation (> 0)"}};
        break;
      case K::Beta:
        fields = {{"alpha", "the first shape parameter (> 0)"},
                  {"beta", "the second shape parameter (> 0)"}};
        break;
      case K::Uniform:
        fields = {{"min", "the smallest value"}, {"max", "the largest value"}};
        break;
      case K::Triangular:
        fields = {{"min", "the smallest value"},
                  {"mode", "the most likely value"},
                  {"max", "the largest value"}};
        break;
    }
    Names accepted = {"dist"};
    accepted.insert(accepted.end(), extra.begin(), extra.end());
    if (p.per_year && std::find(accepted.begin(), accepted.end(), "per") == accepted.end())
      accepted.push_back("per");
    for (const auto& f : fields) accepted.push_back(f.key);
    check_keys(t, path, accepted,
               std::string("is not a key of a ") + kind_name(*kind) + " distribution");
    double v[3] = {0.0, 0.0, 0.0};
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const std::string fpath = join(path, fields[i].key);
      const toml::node* n = t.get(fields[i].key);
      if (!n)
        fail_missing(loc(t), path, fields[i].key,
                     std::string(fields[i].what) + " of the " + kind_name(*kind) + " distribution");
      if (!n->is_integer() && !n->is_floating_point())
        fail_type(*n, fpath, "a number", std::string(fields[i].what) + " must be a number");
      v[i] = finite_number(*n, fpath, "the distribution's parameters must be finite numbers");
    }
    p.dist = Distribution{*kind, v[0], v[1], v[2]};
    p.where = loc(t);
    check_distribution(p);
    p.value = distribution_mean(*p.dist, p.domain);
  }

  //! Fill `p` from `t[key]` if present; otherwise keep its default, addressed and located at
  //! the enclosing table. Returns whether the key was written.
  bool param_at(Param& p, const toml::table* t, std::string_view key, const std::string& path,
                const SourceLocation& table_where) const {
    p.path = path;
    p.where = table_where;
    if (!t) return false;
    const toml::node* n = t->get(key);
    if (!n) return false;
    read_param(p, *n, path);
    return true;
  }

  void require_param(Param& p, const toml::table& t, std::string_view key,
                     const std::string& table_path, const std::string& what) const {
    if (!param_at(p, &t, key, join(table_path, key), loc(t)))
      fail_missing(loc(t), table_path, key, what);
  }

  std::vector<Param> param_array(const toml::array& a, const std::string& path, Domain d) const {
    std::vector<Param> out;
    out.reserve(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      Param p{0.0, d};
      read_param(p, a[i], indexed(path, i));
      out.push_back(std::move(p));
    }
    return out;
  }

  //! A table { <name> = weight } over `names`: one Param per name in order, missing ones 0.
  std::vector<Param> read_mix(const toml::node& n, const std::string& path, const Names& names,
                              const std::string& what) const {
    const auto* t = n.as_table();
    if (!t)
      fail_type(n, path, "a table",
                "expected { <" + what +
                    "> = weight, ... } with weights >= 0 over: " + list(names, false));
    check_keys(*t, path, names, "is not a defined " + what);
    std::vector<Param> mix;
    double sum = 0.0;
    for (const auto& name : names) {
      Param p{0.0, Domain::NonNegative};
      param_at(p, t, name, join(path, name), loc(*t));
      if (!in_domain(p.domain, p.value))
        throw InputError::at(p.where, p.path, written(*t->get(name)), "is negative",
                             "weights must be >= 0; they are normalised to sum to 1");
      sum += p.value;
      mix.push_back(std::move(p));
    }
    if (!(sum > 0.0))
      throw InputError::at(loc(*t), path, written(*t), "has weights summing to 0",
                           "at least one weight must be > 0; weights are normalised to sum to 1");
    return mix;
  }

  int stage_ref(const toml::table& t, std::string_view key, const std::string& path,
                const Names& stages) const {
    const auto s = string_at(t, key, path, "expected a stage name: " + list(stages, true));
    if (!s) return 0;
    for (std::size_t i = 0; i < stages.size(); ++i)
      if (stages[i] == *s) return static_cast<int>(i);
    const toml::node& n = *t.get(key);
    throw InputError::at(loc(n), path, written(n), "is not a stage listed in funnel.stages",
                         did_you_mean(*s, stages, true));
  }

  // ---- sections ----

  void read_scenario_table(Scenario& s, const toml::table& root) const;
  void read_simulation(Scenario& s, const toml::table& root) const;
  Names stage_names(const toml::table* funnel) const;
  void read_funnel(Scenario& s, const toml::table& root) const;
  Names table_names(const toml::table& t, const std::string& path, const std::string& what) const;
  void read_segments(Scenario& s, const toml::table& root) const;
  void read_segment(Scenario& s, Segment& seg, const toml::table& t, const Names& segs) const;
  void read_by_tenure(const Scenario& s, Segment& seg, const toml::table& t) const;
  void read_curve(TenureCurve& c, const toml::node& n, const std::string& path) const;
  void read_channels(Scenario& s, const toml::table& root) const;
  void read_retention(Scenario& s, const toml::table& root) const;
  void read_winback(Scenario& s, const toml::table& root) const;
  void read_winback_success(WinBack& w, const toml::table& t) const;
  void read_referral(Scenario& s, const toml::table& root) const;
  void read_pipeline(Scenario& s, const toml::table& root) const;
  void read_market(Scenario& s, const toml::table& root) const;
  void read_variants(Scenario& s, const toml::table& root) const;
  void read_overrides(VariantSpec& v, const toml::table& t, std::string_view key, Override::Op op,
                      const std::string& path) const;
  void read_sweep(Scenario& s, const toml::table& root) const;
  SweepParameter read_sweep_parameter(const toml::key& k, const toml::node& n, Design design,
                                      bool design_written) const;
  void read_sensitivity(Scenario& s, const toml::table& root) const;
  void read_parameter_draws(Scenario& s, const toml::table& root) const;
  SensitivitySpec::Range read_range(const toml::key& k, const toml::node& n) const;
  void read_optimize(Scenario& s, const toml::table& root) const;
  OptimizeSpec::Variable read_optimize_variable(const toml::key& k, const toml::node& n) const;
  OptimizeSpec::Budget read_optimize_budget(const toml::key& k, const toml::node& n) const;
};

void Reader::read_scenario_table(Scenario& s, const toml::table& root) const {
  const std::filesystem::path file(file_);
  if (!file_.empty() && file_.front() != '<' && !file.stem().empty()) s.name = file.stem().string();
  const auto* t = table_at(root, "scenario", "scenario", "a [scenario] table");
  if (!t) return;
  check_keys(*t, "scenario", SCENARIO_KEYS);
  if (auto v = string_at(*t, "name", "scenario.name", "expected a string")) {
    if (v->empty())
      throw InputError::at(loc(*t->get("name")), "scenario.name", "\"\"", "is empty",
                           "the scenario needs a name");
    s.name = *v;
  }
  if (auto v = string_at(*t, "description", "scenario.description", "expected a string"))
    s.description = *v;
  if (auto v =
          string_at(*t, "currency", "scenario.currency", "expected a string such as \"USD\"")) {
    if (v->empty())
      throw InputError::at(loc(*t->get("currency")), "scenario.currency", "\"\"", "is empty",
                           "expected a currency code such as \"USD\"");
    s.currency = *v;
  }
}

void Reader::read_simulation(Scenario& s, const toml::table& root) const {
  auto& sim = s.simulation;
  const auto* t = table_at(root, "simulation", "simulation", "a [simulation] table");
  const SourceLocation where = t ? loc(*t) : nowhere();
  sim.annual_discount_rate.path = "simulation.annual_discount_rate";
  sim.annual_discount_rate.where = where;
  if (!t) return;
  check_keys(*t, "simulation", SIMULATION_KEYS);
  if (auto p = choice_at<PeriodUnit>(*t, "period", "simulation.period",
                                     {{"day", PeriodUnit::Day},
                                      {"week", PeriodUnit::Week},
                                      {"month", PeriodUnit::Month},
                                      {"quarter", PeriodUnit::Quarter},
                                      {"year", PeriodUnit::Year}},
                                     "period"))
    sim.period = *p;
  const std::vector<std::pair<std::string, PeriodUnit>> periods = {{"day", PeriodUnit::Day},
                                                                   {"week", PeriodUnit::Week},
                                                                   {"month", PeriodUnit::Month},
                                                                   {"quarter", PeriodUnit::Quarter},
                                                                   {"year", PeriodUnit::Year}};
  if (auto r = choice_at<PeriodUnit>(*t, "rates_per", "simulation.rates_per", periods, "period")) {
    sim.rates_per = *r;
    if (*r != sim.period) {
      const toml::node* period = t->get("period");
      const toml::node& blame = period ? *period : *t->get("rates_per");
      throw InputError::at(
          loc(blame), period ? "simulation.period" : "simulation.rates_per", written(blame),
          std::string("differs from the period the per-period values are written for, ") +
              "simulation.rates_per = \"" + period_name(*r) + "\"" +
              (period ? ""
                      : " (simulation.period is \"" + std::string(period_name(sim.period)) +
                            "\" by default)"),
          "the rates, probabilities and money per period would be read per " +
              std::string(period_name(sim.period)) +
              " without conversion: convert them and set rates_per to the new period, or write "
              "them per year with per = \"year\" (docs/scenario.md, \"Rates per year\")");
    }
  }
  if (auto v = int_at(*t, "horizon", "simulation.horizon", 1, INT_LIMIT,
                      "must be an integer number of periods >= 1"))
    sim.horizon = static_cast<int>(*v);
  if (auto v = int_at(*t, "replications", "simulation.replications", 1, INT_LIMIT,
                      "must be an integer >= 1"))
    sim.replications = static_cast<int>(*v);
  if (auto v = int_at(*t, "seed", "simulation.seed", 0, std::numeric_limits<std::int64_t>::max(),
                      "must be an integer >= 0"))
    sim.seed = static_cast<std::uint64_t>(*v);
  param_at(sim.annual_discount_rate, t, "annual_discount_rate", "simulation.annual_discount_rate",
           where);
  if (auto v = int_at(*t, "ltv_tenure_cap", "simulation.ltv_tenure_cap", 1, INT_LIMIT,
                      "must be an integer number of periods >= 1"))
    sim.ltv_tenure_cap = static_cast<int>(*v);
  if (auto v = int_at(*t, "ltv_horizon", "simulation.ltv_horizon", 0, INT_LIMIT,
                      "must be an integer number of periods >= 0; 0 means the longer of the tenure "
                      "cap and the horizon"))
    sim.ltv_horizon = static_cast<int>(*v);
  {
    const int P = static_cast<int>(periods_per_year(sim.period));
    if (auto v = int_at(*t, "start_season", "simulation.start_season", 1, P,
                        "must be an integer in [1, " + std::to_string(P) +
                            "]: the period of the year that period 1 is (the month for "
                            "monthly periods, the week for weekly, the quarter for quarterly)"))
      sim.start_season = static_cast<int>(*v);
  }
  if (auto b = choice_at<Booking>(
          *t, "booking", "simulation.booking",
          {{"end", Booking::EndOfPeriod}, {"start", Booking::StartOfPeriod}}, "booking"))
    sim.booking = *b;
}

Names Reader::stage_names(const toml::table* funnel) const {
  const toml::node* n = funnel ? funnel->get("stages") : nullptr;
  if (!n) return DEFAULT_STAGES;
  const auto* a = n->as_array();
  if (!a)
    fail_type(*n, "funnel.stages", "an array",
              "expected an array of stage names such as [\"lead\", \"mql\"]");
  if (a->empty())
    throw InputError::at(loc(*n), "funnel.stages", written(*n), "is empty",
                         "at least one stage is required");
  Names names;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const toml::node& e = (*a)[i];
    const std::string path = indexed("funnel.stages", i);
    if (!e.is_string()) fail_type(e, path, "a string", "expected a stage name");
    const std::string name = e.as_string()->get();
    if (!valid_name(name))
      throw InputError::at(loc(e), path, written(e), "is not a valid stage name", NAME_RULE);
    if (name == "stages")
      throw InputError::at(loc(e), path, written(e), "is a reserved name",
                           "'stages' is the key of the stage list; choose another name");
    if (contains(names, name))
      throw InputError::at(loc(e), path, written(e), "repeats a stage name",
                           "stage names must be unique");
    names.push_back(name);
  }
  return names;
}

void Reader::read_funnel(Scenario& s, const toml::table& root) const {
  const auto* f = table_at(root, "funnel", "funnel", "a [funnel] table");
  if (!f)
    fail_missing(root_loc(), "", "funnel",
                 "the [funnel] table: stages = [...] and one [funnel.<stage>] table per stage");
  const Names names = stage_names(f);
  Names accepted = {"stages"};
  accepted.insert(accepted.end(), names.begin(), names.end());
  check_keys(*f, "funnel", accepted);
  for (const auto& name : names) {
    const std::string path = join("funnel", name);
    const auto* t = table_at(*f, name, path, "a [" + path + "] table with advance, drop, ...");
    if (!t)
      fail_missing(loc(*f), "funnel", name,
                   "a [" + path +
                       "] table for the stage listed in funnel.stages, with at least "
                       "'advance'");
    check_keys(*t, path, STAGE_KEYS);
    Stage st;
    st.name = name;
    st.where = loc(*t);
    require_param(st.advance, *t, "advance", path,
                  "the probability per period that a prospect moves on to the next stage");
    param_at(st.drop, t, "drop", join(path, "drop"), st.where);
    // Unwritten nurtured rates are copies of the fresh ones (value and distribution); they
    // keep their own path so a variant can address them.
    if (!t->get("nurtured_advance")) {
      st.nurtured_advance = st.advance;
      st.nurtured_advance.path = join(path, "nurtured_advance");
      st.nurtured_advance.where = st.where;
      st.nurtured_advance.draw_key = st.advance.path;
    } else {
      param_at(st.nurtured_advance, t, "nurtured_advance", join(path, "nurtured_advance"),
               st.where);
    }
    if (!t->get("nurtured_drop")) {
      st.nurtured_drop = st.drop;
      st.nurtured_drop.path = join(path, "nurtured_drop");
      st.nurtured_drop.where = st.where;
      st.nurtured_drop.draw_key = st.drop.path;
    } else {
      param_at(st.nurtured_drop, t, "nurtured_drop", join(path, "nurtured_drop"), st.where);
    }
    param_at(st.nurture_cost, t, "nurture_cost", join(path, "nurture_cost"), st.where);
    s.stages.push_back(std::move(st));
  }
}

//! Names of the sub-tables of [channels] or [segments], in file order.
Names Reader::table_names(const toml::table& t, const std::string& path,
                          const std::string& what) const {
  Names names;
  for (const auto& [k, v] : in_file_order(t)) {
    const std::string p = join(path, key_part(k->str()));
    if (!v->is_table())
      fail_type(*v, p, "a table", "expected a [" + p + "] table describing the " + what);
    if (!valid_name(k->str()))
      throw InputError::at(loc(*k), p, "", "is not a valid " + what + " name", NAME_RULE);
    names.emplace_back(k->str());
  }
  return names;
}

void Reader::read_segments(Scenario& s, const toml::table& root) const {
  const auto* t = table_at(root, "segments", "segments", "one [segments.<name>] table per segment");
  if (!t)
    fail_missing(root_loc(), "", "segments",
                 "at least one [segments.<name>] table with the segment's churn and order_value");
  const Names names = table_names(*t, "segments", "segment");
  if (names.empty())
    throw InputError::at(loc(*t), "segments", "", "defines no segment",
                         "at least one [segments.<name>] table with the segment's churn and "
                         "order_value is required");
  s.segments.resize(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    s.segments[i].name = names[i];
    read_segment(s, s.segments[i], *t->get(names[i])->as_table(), names);
  }
}

void Reader::read_curve(TenureCurve& c, const toml::node& n, const std::string& path) const {
  c.where = loc(n);
  c.rate.path = path + ".growth";
  c.rate.where = c.where;
  c.limit.path = join(path, "limit");
  c.limit.where = c.where;
  const std::string accepted =
      "expected an array of factors by tenure step, such as [1.0, 1.2, 1.4], or "
      "{ growth = g } (factor (1 + g)^n) or { slope = b } (factor 1 + b n), with an optional "
      "limit = the factor at which the curve stops";
  if (const auto* a = n.as_array()) {
    if (a->empty()) throw InputError::at(loc(n), path, written(n), "is empty", accepted);
    c.kind = TenureCurve::Kind::Table;
    c.factors = param_array(*a, path, Domain::NonNegative);
    return;
  }
  const auto* t = n.as_table();
  if (!t) fail_type(n, path, "an array or a table", accepted);
  check_keys(*t, path, CURVE_KEYS);
  const toml::node* growth = t->get("growth");
  const toml::node* slope = t->get("slope");
  if (growth && slope)
    fail_conflict(*t, path, "growth", "slope",
                  "give one form: growth = g, a factor (1 + g)^n, or slope = b, a factor 1 + b n");
  if (!growth && !slope)
    fail_missing(loc(n), path, "growth",
                 "or 'slope': the factor's growth per tenure step, (1 + growth)^n or 1 + slope n");
  c.kind = growth ? TenureCurve::Kind::Geometric : TenureCurve::Kind::Linear;
  const char* key = growth ? "growth" : "slope";
  param_at(c.rate, t, key, join(path, key), c.where);
  if (t->get("limit")) {
    c.has_limit = true;
    param_at(c.limit, t, "limit", join(path, "limit"), c.where);
  }
}

void Reader::read_by_tenure(const Scenario& s, Segment& seg, const toml::table& t) const {
  const std::string path = join(join("segments", seg.name), "by_tenure");
  TenureCurves& curves = seg.by_tenure;
  curves.where = loc(t);
  check_keys(t, path, BY_TENURE_KEYS);
  if (auto unit = choice_at<int>(
          t, "unit", join(path, "unit"),
          {{"period", 1}, {"year", static_cast<int>(periods_per_year(s.simulation.period))}},
          "tenure unit"))
    curves.unit_periods = *unit;
  const std::pair<const char*, TenureCurve*> fields[] = {
      {"orders_per_period", &curves.orders_per_period},
      {"order_value", &curves.order_value},
      {"gross_margin", &curves.gross_margin},
      {"cost_to_serve", &curves.cost_to_serve},
      {"referrals_per_customer", &curves.referrals_per_customer}};
  for (const auto& [key, curve] : fields)
    if (const toml::node* n = t.get(key)) read_curve(*curve, *n, join(path, key));
  if (!curves.any())
    throw InputError::at(loc(t), path, "", "gives no curve",
                         "at least one of orders_per_period, order_value, gross_margin, "
                         "cost_to_serve, referrals_per_customer");
}

void Reader::read_segment(Scenario& s, Segment& seg, const toml::table& t,
                          const Names& segs) const {
  const std::string path = join("segments", seg.name);
  seg.where = loc(t);
  check_keys(t, path, SEGMENT_KEYS);

  // Churn: exactly one of the two models.
  const toml::node* churn = t.get("churn");
  const toml::node* sbg = t.get("churn_sbg");
  param_at(seg.churn, &t, "churn", join(path, "churn"), seg.where);
  seg.sbg_alpha.path = join(path, "churn_sbg.alpha");
  seg.sbg_alpha.where = seg.where;
  seg.sbg_beta.path = join(path, "churn_sbg.beta");
  seg.sbg_beta.where = seg.where;
  if (churn && sbg)
    fail_conflict(t, path, "churn", "churn_sbg",
                  "give exactly one churn model: churn = probability per period, or "
                  "churn_sbg = { alpha = ..., beta = ... }");
  if (!churn && !sbg)
    fail_missing(seg.where, path, "churn",
                 "the churn probability per period; or churn_sbg = { alpha = ..., beta = ... } "
                 "for shifted-beta-geometric churn");
  if (sbg) {
    const std::string sp = join(path, "churn_sbg");
    const auto* st = sbg->as_table();
    if (!st)
      fail_type(*sbg, sp, "a table", "expected { alpha = ..., beta = ... } with alpha, beta > 0");
    check_keys(*st, sp, SBG_KEYS);
    require_param(seg.sbg_alpha, *st, "alpha", sp, "the sBG alpha parameter, > 0");
    require_param(seg.sbg_beta, *st, "beta", sp, "the sBG beta parameter, > 0");
    seg.churn_model = ChurnModel::ShiftedBetaGeometric;
  }
  param_at(seg.churn_multiplier, &t, "churn_multiplier", join(path, "churn_multiplier"), seg.where);

  if (auto m = choice_at<OrderModel>(t, "order_model", join(path, "order_model"),
                                     {{"poisson", OrderModel::Poisson},
                                      {"fixed", OrderModel::Fixed},
                                      {"bernoulli", OrderModel::Bernoulli}},
                                     "order model"))
    seg.order_model = *m;
  // A Bernoulli rate is a purchase probability: its domain bounds the value, truncates its
  // distribution and limits what variants may set.
  if (seg.order_model == OrderModel::Bernoulli) {
    seg.orders_per_period.domain = Domain::Probability;
    seg.orders_per_period.per_period = PerPeriod::Probability;
  }
  param_at(seg.orders_per_period, &t, "orders_per_period", join(path, "orders_per_period"),
           seg.where);
  require_param(seg.order_value, t, "order_value", path,
                "the money per order, in the scenario's currency");
  param_at(seg.order_value_cv, &t, "order_value_cv", join(path, "order_value_cv"), seg.where);
  param_at(seg.gross_margin, &t, "gross_margin", join(path, "gross_margin"), seg.where);
  param_at(seg.cost_to_serve, &t, "cost_to_serve", join(path, "cost_to_serve"), seg.where);
  param_at(seg.referrals_per_customer, &t, "referrals_per_customer",
           join(path, "referrals_per_customer"), seg.where);

  // Migration: one probability per segment in segment order; the self entry stays 0.
  const std::string mp = join(path, "migration");
  const toml::node* mig = t.get("migration");
  const toml::table* mt = nullptr;
  Names others;
  for (const auto& n : segs)
    if (n != seg.name) others.push_back(n);
  if (mig) {
    mt = mig->as_table();
    if (!mt)
      fail_type(*mig, mp, "a table", "expected { <other segment> = probability per period, ... }");
    for (const auto& [k, v] : in_file_order(*mt)) {
      if (k->str() == seg.name)
        throw InputError::at(
            loc(*k), join(mp, k->str()), written(*v), "names the segment itself",
            others.empty() ? std::string("there are no other segments")
                           : "migration lists moves to other segments: " + list(others, false));
      if (!contains(others, k->str()))
        throw InputError::at(loc(*k), join(mp, k->str()), "", "is not a defined segment",
                             did_you_mean(k->str(), others));
    }
  }
  const SourceLocation mig_where = mt ? loc(*mt) : seg.where;
  for (const auto& n : segs) {
    Param p{0.0, Domain::Probability};
    param_at(p, n == seg.name ? nullptr : mt, n, join(mp, n), mig_where);
    seg.migration.push_back(std::move(p));
  }

  if (const toml::node* bt = t.get("by_tenure")) {
    const auto* btt = bt->as_table();
    if (!btt)
      fail_type(*bt, join(path, "by_tenure"), "a table",
                "expected [" + path +
                    ".by_tenure] with curves by tenure, such as order_value = "
                    "[1.0, 1.1, 1.2]");
    read_by_tenure(s, seg, *btt);
  }

  // Initial customers by tenure.
  const std::string ip = join(path, "initial_customers");
  const toml::node* ic = t.get("initial_customers");
  const auto tenure = int_at(
      t, "initial_tenure", join(path, "initial_tenure"), 0, MAX_INITIAL_TENURE,
      "must be an integer number of periods in [0, " + std::to_string(MAX_INITIAL_TENURE) + "]");
  if (ic && ic->is_array()) {
    if (tenure)
      throw InputError::at(loc(*t.get("initial_tenure")), join(path, "initial_tenure"),
                           written(*t.get("initial_tenure")),
                           "is only used with a single-number initial_customers",
                           "an initial_customers array already gives the customers at each "
                           "tenure 0, 1, 2, ...");
    if (ic->as_array()->empty())
      throw InputError::at(loc(*ic), ip, written(*ic), "is empty",
                           "expected counts by tenure [at tenure 0, at tenure 1, ...] or one "
                           "count");
    seg.initial_by_tenure = param_array(*ic->as_array(), ip, Domain::Count);
  } else {
    const std::size_t k = tenure ? static_cast<std::size_t>(*tenure) : 0;
    for (std::size_t i = 0; i < k; ++i) {
      Param zero{0.0, Domain::Count};
      zero.path = ip;
      zero.where = seg.where;
      seg.initial_by_tenure.push_back(std::move(zero));
    }
    Param p{0.0, Domain::Count};
    param_at(p, &t, "initial_customers", ip, seg.where);
    seg.initial_by_tenure.push_back(std::move(p));
  }
}

void Reader::read_channels(Scenario& s, const toml::table& root) const {
  const auto* all =
      table_at(root, "channels", "channels", "one [channels.<name>] table per channel");
  if (!all) return;
  Names segs;
  for (const auto& seg : s.segments) segs.push_back(seg.name);
  Names stages;
  for (const auto& st : s.stages) stages.push_back(st.name);
  const int horizon = s.simulation.horizon;

  for (const auto& name : table_names(*all, "channels", "channel")) {
    const std::string path = join("channels", name);
    const toml::table& t = *all->get(name)->as_table();
    check_keys(t, path, CHANNEL_KEYS);
    Channel ch;
    ch.name = name;
    ch.where = loc(t);

    if (auto r = choice_at<Response>(
            t, "response", join(path, "response"),
            {{"linear", Response::Linear}, {"saturating", Response::Saturating}}, "response"))
      ch.response = *r;
    const bool linear = ch.response == Response::Linear;
    const Names other =
        linear ? Names{"max_leads", "half_saturation_spend"} : Names{"cost_per_lead"};
    for (const auto& [k, v] : in_file_order(t)) {
      if (contains(other, k->str()))
        throw InputError::at(loc(*k), join(path, k->str()), written(*v),
                             std::string("is only used when response = ") +
                                 (linear ? "\"saturating\"" : "\"linear\""),
                             std::string("this channel has response = ") +
                                 (linear ? "\"linear\", which uses cost_per_lead"
                                         : "\"saturating\", which uses max_leads and "
                                           "half_saturation_spend"));
    }

    const std::string sp = join(path, "spend");
    const toml::node* spend = t.get("spend");
    if (!spend)
      fail_missing(ch.where, path, "spend",
                   "the money spent per period: one number, or an array with one value per "
                   "period (simulation.horizon = " +
                       std::to_string(horizon) + ")");
    if (const auto* a = spend->as_array()) {
      if (a->size() != static_cast<std::size_t>(horizon))
        throw InputError::at(
            loc(*spend), sp, written(*spend),
            "has " + std::to_string(a->size()) + " element" + (a->size() == 1 ? "" : "s"),
            "a spend schedule needs one value per period: simulation.horizon = " +
                std::to_string(horizon) +
                " elements; or give one number for a "
                "constant spend");
      ch.spend.clear();
      for (std::size_t i = 0; i < a->size(); ++i) {
        Param p{0.0, Domain::NonNegative, PerPeriod::Amount};
        read_param(p, (*a)[i], indexed(sp, i));
        ch.spend.push_back(std::move(p));
      }
    } else {
      Param p{0.0, Domain::NonNegative, PerPeriod::Amount, InTime::Yes};
      read_param(p, *spend, sp);
      ch.spend.push_back(std::move(p));
    }

    if (linear) {
      require_param(ch.cost_per_lead, t, "cost_per_lead", path,
                    "the money paid per lead, > 0, for a linear channel");
      ch.max_leads.path = join(path, "max_leads");
      ch.max_leads.where = ch.where;
      ch.half_saturation_spend.path = join(path, "half_saturation_spend");
      ch.half_saturation_spend.where = ch.where;
    } else {
      ch.cost_per_lead.path = join(path, "cost_per_lead");
      ch.cost_per_lead.where = ch.where;
      require_param(ch.max_leads, t, "max_leads", path,
                    "the leads per period approached as spend grows, for a saturating channel");
      require_param(ch.half_saturation_spend, t, "half_saturation_spend", path,
                    "the spend per period that yields half of max_leads, > 0");
    }

    const std::string mp = join(path, "segment_mix");
    if (const toml::node* m = t.get("segment_mix")) {
      ch.segment_mix = read_mix(*m, mp, segs, "segment");
    } else if (segs.size() > 1) {
      fail_missing(ch.where, path, "segment_mix",
                   "the weights of the segments its customers join, e.g. { " + segs[0] +
                       " = 0.7, " + segs[1] + " = 0.3 }; required with more than one segment");
    } else {
      Param p{1.0, Domain::NonNegative};
      p.path = join(mp, segs[0]);
      p.where = ch.where;
      ch.segment_mix.push_back(std::move(p));
    }
    ch.entry_stage = stage_ref(t, "entry_stage", join(path, "entry_stage"), stages);
    s.channels.push_back(std::move(ch));
  }
}

void Reader::read_retention(Scenario& s, const toml::table& root) const {
  auto& r = s.retention;
  const auto* t = table_at(root, "retention", "retention", "a [retention] table");
  r.where = t ? loc(*t) : nowhere();
  r.spend.path = "retention.spend_per_customer";
  r.spend.where = r.where;
  r.max_churn_reduction.path = "retention.max_churn_reduction";
  r.max_churn_reduction.where = r.where;
  r.half_saturation.path = "retention.half_saturation";
  r.half_saturation.where = r.where;
  if (!t) return;
  check_keys(*t, "retention", RETENTION_KEYS);
  const toml::node* per = t->get("spend_per_customer");
  const toml::node* fixed = t->get("spend_fixed");
  if (per && fixed)
    fail_conflict(*t, "retention", "spend_per_customer", "spend_fixed",
                  "give one: spend_per_customer (per active customer per period) or "
                  "spend_fixed (per period)");
  if (!per && !fixed) {
    if (!t->empty())
      fail_missing(r.where, "retention", "spend_per_customer",
                   "or 'spend_fixed': the retention spend per active customer per period, or per "
                   "period; without a spend the [retention] table must be empty");
    return;
  }
  if (per) {
    r.mode = RetentionSpend::PerCustomer;
    param_at(r.spend, t, "spend_per_customer", "retention.spend_per_customer", r.where);
  } else {
    r.mode = RetentionSpend::Fixed;
    param_at(r.spend, t, "spend_fixed", "retention.spend_fixed", r.where);
  }
  require_param(r.max_churn_reduction, *t, "max_churn_reduction", "retention",
                "the largest relative churn reduction the program can reach, in [0, 1]");
  param_at(r.half_saturation, t, "half_saturation", "retention.half_saturation", r.where);
}

void Reader::read_winback(Scenario& s, const toml::table& root) const {
  auto& w = s.winback;
  const auto* t = table_at(root, "winback", "winback", "a [winback] table");
  w.where = t ? loc(*t) : nowhere();
  w.attempt_cost.path = "winback.attempt_cost";
  w.attempt_cost.where = w.where;
  w.success_probability.assign(1, Param{0.0, Domain::Probability});
  w.success_probability[0].path = "winback.success_probability";
  w.success_probability[0].where = w.where;
  if (!t) return;
  check_keys(*t, "winback", WINBACK_KEYS);
  w.enabled = true;
  param_at(w.attempt_cost, t, "attempt_cost", "winback.attempt_cost", w.where);
  const auto window = int_at(*t, "window", "winback.window", 1, INT_LIMIT,
                             "must be an integer number of periods >= 1");
  if (!window)
    fail_missing(w.where, "winback", "window",
                 "the number of periods after churning during which lapsed customers are "
                 "approached, an integer >= 1");
  w.window = static_cast<int>(*window);
  read_winback_success(w, *t);
  if (auto r = choice_at<ReturningChurn>(*t, "returning_churn", "winback.returning_churn",
                                         {{"same_period", ReturningChurn::SamePeriod},
                                          {"next_period", ReturningChurn::NextPeriod}},
                                         "convention for won-back customers"))
    w.returning_churn = *r;
}

// The success probability of win-back: one number or distribution for every recency, or an
// array with one per period since lapse, d = 1..window (Pfeifer & Carraway 2000).
void Reader::read_winback_success(WinBack& w, const toml::table& t) const {
  const std::string path = "winback.success_probability";
  const toml::node* n = t.get("success_probability");
  if (!n)
    fail_missing(w.where, "winback", "success_probability",
                 "the probability that an approached lapsed customer returns: one number, or an "
                 "array with one per period since lapse (window = " +
                     std::to_string(w.window) + ")");
  const auto* a = n->as_array();
  if (!a) {
    read_param(w.success_probability[0], *n, path);
    return;
  }
  if (a->size() != static_cast<std::size_t>(w.window))
    throw InputError::at(
        loc(*n), path, written(*n),
        "has " + std::to_string(a->size()) + " element" + (a->size() == 1 ? "" : "s"),
        "success probabilities by recency need one value per period since lapse: "
        "winback.window = " +
            std::to_string(w.window) + " elements; or give one number for every recency");
  w.success_probability.clear();
  for (std::size_t i = 0; i < a->size(); ++i) {
    Param p{0.0, Domain::Probability};
    read_param(p, (*a)[i], indexed(path, i));
    w.success_probability.push_back(std::move(p));
  }
}

void Reader::read_referral(Scenario& s, const toml::table& root) const {
  auto& r = s.referral;
  const auto* t = table_at(root, "referral", "referral", "a [referral] table");
  r.where = t ? loc(*t) : nowhere();
  r.reward.path = "referral.reward";
  r.reward.where = r.where;
  if (!t) return;
  check_keys(*t, "referral", REFERRAL_KEYS);
  Names stages, segs;
  for (const auto& st : s.stages) stages.push_back(st.name);
  for (const auto& seg : s.segments) segs.push_back(seg.name);
  r.entry_stage = stage_ref(*t, "entry_stage", "referral.entry_stage", stages);
  param_at(r.reward, t, "reward", "referral.reward", r.where);
  if (const toml::node* m = t->get("segment_mix"))
    r.segment_mix = read_mix(*m, "referral.segment_mix", segs, "segment");
}

void Reader::read_market(Scenario& s, const toml::table& root) const {
  auto& mk = s.market;
  const auto* t = table_at(root, "market", "market", "a [market] table with potential = ...");
  mk.where = t ? loc(*t) : nowhere();
  mk.potential.path = "market.potential";
  mk.potential.where = mk.where;
  if (!t) return;
  check_keys(*t, "market", MARKET_KEYS);
  mk.enabled = true;
  // `potential = { <segment> = P, ... }`: a market per segment. An inline table whose 'dist' is
  // a string is a distribution of the business's potential instead.
  const toml::node* pn = t->get("potential");
  const toml::table* per_segment = pn ? pn->as_table() : nullptr;
  if (per_segment) {
    const toml::node* dist = per_segment->get("dist");
    if (dist && dist->is_string()) per_segment = nullptr;
  }
  if (!per_segment) {
    require_param(mk.potential, *t, "potential", "market",
                  "the number of people who can ever become prospects (the market potential), "
                  "a count, or { <segment> = count, ... } per segment");
    return;
  }
  Names segs;
  for (const auto& seg : s.segments) segs.push_back(seg.name);
  const std::string path = "market.potential";
  for (const auto& [k, v] : in_file_order(*per_segment))
    if (!contains(segs, k->str()))
      throw InputError::at(
          loc(*k), join(path, key_part(k->str())), written(*v), "is not a defined segment",
          "a potential per segment names every segment once; " + did_you_mean(k->str(), segs));
  for (const auto& name : segs) {
    Param p{0.0, Domain::Count};
    if (!param_at(p, per_segment, name, join(path, name), loc(*per_segment)))
      fail_missing(loc(*per_segment), path, name,
                   "the people of segment '" + name +
                       "' who can ever become prospects, a count: a potential per segment names "
                       "every segment");
    mk.segment_potential.push_back(std::move(p));
  }
  mk.potential.where = loc(*per_segment);
}

void Reader::read_pipeline(Scenario& s, const toml::table& root) const {
  auto& p = s.pipeline;
  const auto* t = table_at(root, "pipeline", "pipeline", "a [pipeline] table");
  p.where = t ? loc(*t) : nowhere();
  Names stages, segs;
  for (const auto& st : s.stages) stages.push_back(st.name);
  for (const auto& seg : s.segments) segs.push_back(seg.name);
  if (t) check_keys(*t, "pipeline", PIPELINE_KEYS);

  const toml::node* pn = t ? t->get("prospects") : nullptr;
  const toml::table* pt = nullptr;
  if (pn) {
    pt = pn->as_table();
    if (!pt)
      fail_type(*pn, "pipeline.prospects", "a table",
                "expected { <stage> = count, ... } over the stages: " + list(stages, false));
    check_keys(*pt, "pipeline.prospects", stages, "is not a stage listed in funnel.stages");
  }
  const SourceLocation pw = pt ? loc(*pt) : p.where;
  for (const auto& name : stages) {
    Param c{0.0, Domain::Count};
    param_at(c, pt, name, join("pipeline.prospects", name), pw);
    p.prospects.push_back(std::move(c));
  }

  if (const toml::node* m = t ? t->get("segment_mix") : nullptr) {
    p.segment_mix = read_mix(*m, "pipeline.segment_mix", segs, "segment");
  } else if (segs.size() == 1) {
    Param w{1.0, Domain::NonNegative};
    w.path = join("pipeline.segment_mix", segs[0]);
    w.where = p.where;
    p.segment_mix.push_back(std::move(w));
  } else if (pt && !pt->empty()) {
    fail_missing(p.where, "pipeline", "segment_mix",
                 "the weights of the segments the pipeline's prospects join when they become "
                 "customers; required with prospects and more than one segment");
  }
}

void Reader::read_variants(Scenario& s, const toml::table& root) const {
  const auto* all =
      table_at(root, "variants", "variants", "one [variants.<name>] table per variant");
  if (!all) return;
  for (const auto& [k, v] : in_file_order(*all)) {
    const std::string path = join("variants", key_part(k->str()));
    if (!v->is_table())
      fail_type(*v, path, "a table",
                "expected a [" + path + "] table with description, set, scale and add");
    if (!valid_name(k->str()))
      throw InputError::at(loc(*k), path, "", "is not a valid variant name", NAME_RULE);
    const toml::table& t = *v->as_table();
    check_keys(t, path, VARIANT_KEYS);
    VariantSpec spec;
    spec.name = k->str();
    spec.where = loc(t);
    if (auto d = string_at(t, "description", join(path, "description"), "expected a string"))
      spec.description = *d;
    // Applied in this order, whatever the order in the file: set, then scale, then add.
    read_overrides(spec, t, "set", Override::Op::Set, path);
    read_overrides(spec, t, "scale", Override::Op::Scale, path);
    read_overrides(spec, t, "add", Override::Op::Add, path);
    if (const auto* g =
            table_at(t, "annual_retention", join(path, "annual_retention"),
                     "{ add = <points as a fraction> } or { target = <level> }, such as "
                     "{ add = 0.05 } for +5 points")) {
      const std::string gpath = join(path, "annual_retention");
      check_keys(*g, gpath, RETENTION_GOAL_KEYS);
      if (g->get("add") && g->get("target"))
        fail_conflict(*g, gpath, "add", "target", "give the change (add) or the level (target)");
      RetentionGoal goal;
      goal.where = loc(*g);
      if (auto a = number_at(*g, "add", join(gpath, "add"), "a change in points, as a fraction")) {
        if (!(*a > -1.0 && *a < 1.0))
          throw InputError::at(loc(*g->get("add")), join(gpath, "add"), written(*g->get("add")),
                               "is not a change of a share",
                               "expected a number in (-1, 1): 0.05 is +5 points");
        goal.kind = RetentionGoal::Kind::Add;
        goal.value = *a;
        goal.where = loc(*g->get("add"));
      } else if (auto lv = number_at(*g, "target", join(gpath, "target"), "a level in (0, 1)")) {
        if (!(*lv > 0.0 && *lv < 1.0))
          throw InputError::at(loc(*g->get("target")), join(gpath, "target"),
                               written(*g->get("target")), "is not an annual retention",
                               "expected a level in (0, 1): 0.85 keeps 85% of customers a year");
        goal.kind = RetentionGoal::Kind::Target;
        goal.value = *lv;
        goal.where = loc(*g->get("target"));
      } else {
        throw InputError::at(loc(*g), gpath, "{}", "is empty",
                             "give add (a change in points, 0.05 = +5) or target (a level, 0.85)");
      }
      spec.retention = goal;
    }
    s.variants.push_back(std::move(spec));
  }
}

void Reader::read_overrides(VariantSpec& spec, const toml::table& t, std::string_view key,
                            Override::Op op, const std::string& variant_path) const {
  const std::string path = join(variant_path, key);
  // A set value is read like any parameter, with read_param's own messages.
  const std::string accepted =
      op == Override::Op::Scale
          ? "expected a finite number; each matched value, and each draw of an uncertain one, is "
            "multiplied by it; use set for a new distribution"
          : "expected a finite number, possibly negative; it is added to each matched value, and "
            "to each draw of an uncertain one; use set for a new distribution";
  const auto* entries =
      table_at(t, key, path,
               "{ \"<key path>\" = " + std::string(op == Override::Op::Set ? "value" : "number") +
                   ", ... }, one entry per parameter key path, such as "
                   "\"segments.*.churn\"");
  if (!entries) return;
  for (const auto& [k, n] : in_file_order(*entries)) {
    const std::string epath = path + "." + key_part(k->str());
    if (k->str().empty())
      throw InputError::at(loc(*k), epath, written(*n), "is an empty key path",
                           "expected the dotted key path of a parameter, in quotes, such as "
                           "\"segments.*.churn\"");
    // An unquoted dotted key is a nested table to TOML: { segments.basic.churn = 0.8 } has
    // the key "segments", and its table is not inline. A table of distribution keys is taken
    // for a distribution, even one missing its 'dist'.
    const auto* nt = n->as_table();
    const bool dist_keys = nt && std::all_of(nt->begin(), nt->end(), [](const auto& kv) {
                             return contains(DIST_KEYS, kv.first.str());
                           });
    if (nt && !nt->is_inline() && !dist_keys) fail_nested_keys(*k, *n, epath);
    Override o;
    o.op = op;
    o.pattern = k->str();
    o.where = loc(*n);
    if (op == Override::Op::Set) {
      // The target's domain is only known when the override is applied; apply_override
      // checks the value and recomputes a distribution's (truncated) mean then.
      o.value.domain = Domain::Real;
      read_param(o.value, *n, epath);
    } else {
      if (!n->is_integer() && !n->is_floating_point()) fail_type(*n, epath, "a number", accepted);
      o.value.value = finite_number(*n, epath, accepted);
      o.value.domain = Domain::Real;
      o.value.where = o.where;
    }
    o.value.path = o.pattern;
    spec.overrides.push_back(std::move(o));
  }
}

void Reader::read_sweep(Scenario& s, const toml::table& root) const {
  const auto* t = table_at(root, "sweep", "sweep",
                           "a [sweep] table with design, points, replications, seed and "
                           "[sweep.parameters]");
  if (!t) return;
  check_keys(*t, "sweep", SWEEP_KEYS);
  SweepSpec spec;
  spec.where = loc(*t);

  const auto design = choice_at<Design>(*t, "design", "sweep.design", DESIGNS, "design");
  if (design) spec.design = *design;
  const bool grid = spec.design == Design::Grid;
  const std::string design_text = design_phrase(spec.design, design.has_value());

  // A grid has one point per combination of its parameters' values; the other designs choose
  // how many points to draw.
  if (grid && t->get("points")) {
    const toml::node& n = *t->get("points");
    throw InputError::at(loc(n), "sweep.points", written(n),
                         "is only used with design = \"latin_hypercube\" or \"sobol\"",
                         "this sweep has " + design_text +
                             ", whose points are every combination of the parameters' values; "
                             "remove points, or choose another design");
  }
  if (auto v = int_at(*t, "points", "sweep.points", 1, INT_LIMIT, "must be an integer >= 1"))
    spec.points = static_cast<int>(*v);
  else if (!grid)
    fail_missing(spec.where, "sweep", "points",
                 "the number of design points for " + design_text + ", an integer >= 1");
  if (auto v = int_at(*t, "replications", "sweep.replications", 1, INT_LIMIT,
                      "must be an integer >= 1: Monte Carlo replications at each point"))
    spec.replications = static_cast<int>(*v);
  if (auto v = int_at(*t, "seed", "sweep.seed", 0, std::numeric_limits<std::int64_t>::max(),
                      "must be an integer >= 0; 0 means the scenario's simulation.seed"))
    spec.seed = static_cast<std::uint64_t>(*v);

  const std::string what =
      "at least one parameter to sweep: [sweep.parameters] with \"<key path>\" = "
      "{ values = [...] } or { min = ..., max = ..." +
      std::string(grid ? ", steps = ..." : "") + " }";
  const auto* params = table_at(*t, "parameters", "sweep.parameters", what);
  if (!params) fail_missing(spec.where, "sweep", "parameters", what);
  if (params->empty()) throw InputError::at(loc(*params), "sweep.parameters", "", "is empty", what);
  for (const auto& [k, n] : in_file_order(*params))
    spec.parameters.push_back(read_sweep_parameter(*k, *n, spec.design, design.has_value()));
  s.sweep = std::move(spec);
}

SweepParameter Reader::read_sweep_parameter(const toml::key& k, const toml::node& n, Design design,
                                            bool design_written) const {
  const std::string path = "sweep.parameters." + key_part(k.str());
  const bool grid = design == Design::Grid;
  if (nested_keys(n, SWEEP_PARAMETER_KEYS)) fail_nested_keys(k, n, path);
  const auto* t = n.as_table();
  if (!t)
    fail_type(n, path, "a table",
              std::string("expected { values = [...] } or { min = ..., max = ...") +
                  (grid ? ", steps = ..." : "") +
                  " }, with an optional op = \"set\", \"scale\" or \"add\"");
  if (k.str().empty())
    throw InputError::at(loc(k), path, "", "is an empty key path",
                         "expected the dotted key path of the parameter to sweep, in quotes, such "
                         "as \"segments.*.churn_multiplier\"");
  check_keys(*t, path, SWEEP_PARAMETER_KEYS);
  SweepParameter p;
  p.pattern = k.str();
  p.where = loc(n);
  if (auto op = choice_at<Override::Op>(
          *t, "op", join(path, "op"),
          {{"set", Override::Op::Set}, {"scale", Override::Op::Scale}, {"add", Override::Op::Add}},
          "operation"))
    p.op = *op;

  const toml::node* values = t->get("values");
  const toml::node* min = t->get("min");
  const toml::node* max = t->get("max");
  if (values && (min || max)) {
    // Blame the range key written first, so the message names one clash.
    const char* bound =
        min && max ? (before(min->source(), max->source()) ? "min" : "max") : (min ? "min" : "max");
    fail_conflict(*t, path, "values", bound,
                  "give either a list values = [...] or a range min = ..., max = ...");
  }
  if (!values && !min && !max)
    fail_missing(loc(n), path, "values",
                 "or a range min = ..., max = ...: the values the parameter takes in the sweep");

  const toml::node* steps = t->get("steps");
  const std::string spath = join(path, "steps");
  if (steps && values)
    throw InputError::at(loc(*steps), spath, written(*steps),
                         "is only used with a range (min and max)",
                         "a list of values is swept as written; remove steps");
  if (steps && !grid)
    throw InputError::at(loc(*steps), spath, written(*steps), "is only used with design = \"grid\"",
                         "this sweep has " + design_phrase(design, design_written) +
                             ", which draws sweep.points values anywhere in [min, max]; remove "
                             "steps");

  if (values) {
    const std::string vpath = join(path, "values");
    const std::string accepted = "expected a list of finite numbers such as [0.8, 0.9, 1.0]";
    const auto* a = values->as_array();
    if (!a) fail_type(*values, vpath, "an array", accepted);
    if (a->empty())
      throw InputError::at(loc(*values), vpath, written(*values), "is empty",
                           "at least one value is required");
    for (std::size_t i = 0; i < a->size(); ++i) {
      const toml::node& e = (*a)[i];
      const std::string epath = indexed(vpath, i);
      if (!e.is_integer() && !e.is_floating_point()) fail_type(e, epath, "a number", accepted);
      p.values.push_back(finite_number(e, epath, accepted));
    }
    return p;
  }

  p.range = true;
  if (!min) fail_missing(loc(n), path, "min", "the bottom of the range; a range needs min and max");
  if (!max) fail_missing(loc(n), path, "max", "the top of the range; a range needs min and max");
  p.min = *number_at(*t, "min", join(path, "min"), "expected a finite number");
  p.max = *number_at(*t, "max", join(path, "max"), "expected a finite number");
  if (!(p.min < p.max))
    throw InputError::at(loc(*max), join(path, "max"), written(*max),
                         "is not greater than min = " + written(*min),
                         "a range needs min < max; for a single value write values = [...]");
  if (grid) {
    const auto v = int_at(*t, "steps", spath, 2, INT_LIMIT,
                          "must be an integer >= 2: the number of grid values from min to max, "
                          "both ends included");
    if (!v)
      fail_missing(loc(n), path, "steps",
                   "the number of grid values from min to max, both ends included, an integer "
                   ">= 2; a range in a grid needs it");
    p.steps = static_cast<int>(*v);
  }
  return p;
}

void Reader::read_sensitivity(Scenario& s, const toml::table& root) const {
  const auto* t = table_at(root, "sensitivity", "sensitivity",
                           "a [sensitivity] table with parameters, relative_change, metric, "
                           "samples, sobol and [sensitivity.ranges]");
  if (!t) return;
  check_keys(*t, "sensitivity", SENSITIVITY_KEYS);
  SensitivitySpec spec;
  spec.where = loc(*t);

  if (const toml::node* n = t->get("parameters")) {
    const std::string path = "sensitivity.parameters";
    const std::string accepted =
        "expected a list of key paths in quotes, such as [\"segments.*.churn_multiplier\", "
        "\"retention.spend_per_customer\"]";
    const auto* a = n->as_array();
    if (!a) fail_type(*n, path, "an array", accepted);
    if (a->empty())
      throw InputError::at(loc(*n), path, written(*n), "is empty",
                           "list at least one key path, or leave parameters out to vary every "
                           "numeric parameter");
    for (std::size_t i = 0; i < a->size(); ++i) {
      const toml::node& e = (*a)[i];
      const std::string epath = indexed(path, i);
      if (!e.is_string()) fail_type(e, epath, "a string", accepted);
      const std::string pattern = e.as_string()->get();
      if (pattern.empty())
        throw InputError::at(loc(e), epath, written(e), "is an empty key path", accepted);
      if (contains(spec.parameters, pattern))
        throw InputError::at(loc(e), epath, written(e), "repeats a key path",
                             "list each key path once");
      spec.parameters.push_back(pattern);
    }
  }

  const std::string change_rule =
      "must be a number > 0 and < 1: each parameter varies from value * (1 - relative_change) to "
      "value * (1 + relative_change)";
  if (auto v = number_at(*t, "relative_change", "sensitivity.relative_change", change_rule)) {
    if (!(*v > 0.0 && *v < 1.0)) {
      const toml::node& n = *t->get("relative_change");
      throw InputError::at(loc(n), "sensitivity.relative_change", written(n), "is out of range",
                           change_rule);
    }
    spec.relative_change = *v;
  }

  Names totals;
  for (const auto& info : total_infos()) totals.push_back(info.name);
  if (auto m = string_at(*t, "metric", "sensitivity.metric",
                         "expected the name of a horizon total: " + list(totals, true))) {
    if (!contains(totals, *m)) {
      const toml::node& n = *t->get("metric");
      throw InputError::at(loc(n), "sensitivity.metric", written(n), "is not a horizon total",
                           did_you_mean(*m, totals, true));
    }
    spec.metric = *m;
  }

  if (auto v = int_at(*t, "samples", "sensitivity.samples", MIN_SENSITIVITY_SAMPLES, INT_LIMIT,
                      "must be an integer >= " + std::to_string(MIN_SENSITIVITY_SAMPLES) +
                          ": the Saltelli base sample size N; the analysis evaluates N (P + 2) "
                          "points for P parameters"))
    spec.samples = static_cast<int>(*v);
  if (auto v = bool_at(*t, "sobol", "sensitivity.sobol", "expected true or false, without quotes"))
    spec.sobol = *v;

  if (const auto* ranges = table_at(*t, "ranges", "sensitivity.ranges",
                                    "{ \"<key path>\" = { low = ..., high = ... }, ... }")) {
    for (const auto& [k, n] : in_file_order(*ranges)) spec.ranges.push_back(read_range(*k, *n));
  }
  s.sensitivity = std::move(spec);
}

SensitivitySpec::Range Reader::read_range(const toml::key& k, const toml::node& n) const {
  const std::string path = "sensitivity.ranges." + key_part(k.str());
  if (nested_keys(n, RANGE_KEYS)) fail_nested_keys(k, n, path);
  const auto* t = n.as_table();
  if (!t)
    fail_type(n, path, "a table",
              "expected { low = ..., high = ... }: the values the parameter is set to, low < high");
  if (k.str().empty())
    throw InputError::at(loc(k), path, "", "is an empty key path",
                         "expected the dotted key path of a parameter, in quotes, such as "
                         "\"retention.spend_per_customer\"");
  check_keys(*t, path, RANGE_KEYS);
  SensitivitySpec::Range r;
  r.pattern = k.str();
  r.where = loc(n);
  const auto low = number_at(*t, "low", join(path, "low"), "expected a finite number");
  if (!low) fail_missing(loc(n), path, "low", "the bottom of the range the parameter is set to");
  const auto high = number_at(*t, "high", join(path, "high"), "expected a finite number");
  if (!high) fail_missing(loc(n), path, "high", "the top of the range the parameter is set to");
  if (!(*low < *high)) {
    const toml::node& h = *t->get("high");
    throw InputError::at(loc(h), join(path, "high"), written(h),
                         "is not greater than low = " + written(*t->get("low")),
                         "a range needs low < high");
  }
  r.low = *low;
  r.high = *high;
  return r;
}

void Reader::read_parameter_draws(Scenario& s, const toml::table& root) const {
  namespace fs = std::filesystem;
  const auto* t = table_at(root, "parameter_draws", "parameter_draws",
                           "a [parameter_draws] table with file = \"<draws>.csv\"");
  if (!t) return;
  check_keys(*t, "parameter_draws", PARAMETER_DRAWS_KEYS);
  const std::string accepted =
      "expected the path of a CSV file of draws, relative to the directory of the file that "
      "declares it";
  const auto rel = string_at(*t, "file", "parameter_draws.file", accepted);
  if (!rel) fail_missing(loc(*t), "parameter_draws", "file", "the CSV file of the draws");
  const toml::node& fn = *t->get("file");
  if (rel->empty())
    throw InputError::at(loc(fn), "parameter_draws.file", written(fn), "is empty", accepted);
  // Relative to the file that wrote it, which may be a base reached through extends.
  const fs::path dir = fs::path(loc(fn).file).parent_path();
  const std::string path = (dir / fs::path(*rel)).lexically_normal().string();
  std::string text;
  if (const std::string err = read_text(path, text, MAX_DRAWS_BYTES); !err.empty())
    throw InputError::at(loc(fn), "parameter_draws.file", written(fn), "cannot be read",
                         err + " (" + path + "); paths are relative to " +
                             (dir.empty() ? std::string("the current directory")
                                          : "the declaring file's directory " + dir.string()));
  ParameterDraws d = parse_parameter_draws_csv(text, path, loc(fn));

  // Optional renaming of columns (e.g. another tool's parameter names) to key paths.
  if (const auto* rn = table_at(*t, "rename", "parameter_draws.rename",
                                "{ <CSV column> = \"<key path>\", ... }")) {
    for (const auto& [k, v] : in_file_order(*rn)) {
      const std::string kp = "parameter_draws.rename." + key_part(k->str());
      if (nested_keys(*v, {})) fail_nested_keys(*k, *v, kp);
      if (!v->is_string())
        fail_type(*v, kp, "a string", "expected the dotted key path the column gives, in quotes");
      const auto it = std::find(d.columns.begin(), d.columns.end(), k->str());
      if (it == d.columns.end())
        throw InputError::at(loc(*k), kp, "", "is not a column of " + path,
                             did_you_mean(k->str(), d.columns));
      *it = v->as_string()->get();
    }
  }
  s.parameter_draws = std::move(d);
}

// ---- [optimize]: what `clvsim optimize` chooses (docs/optimize.md) ----

void Reader::read_optimize(Scenario& s, const toml::table& root) const {
  const auto* t = table_at(root, "optimize", "optimize",
                           "an [optimize] table with objective, [optimize.variables] and "
                           "[optimize.budgets.<name>]");
  if (!t) return;
  check_keys(*t, "optimize", OPTIMIZE_KEYS);
  OptimizeSpec spec;
  spec.where = loc(*t);
  if (auto o = choice_at<OptimizeSpec::Objective>(*t, "objective", "optimize.objective", OBJECTIVES,
                                                  "objective"))
    spec.objective = *o;
  Names totals;
  for (const auto& info : total_infos()) totals.push_back(info.name);
  if (auto m = string_at(*t, "metric", "optimize.metric",
                         "expected the name of a horizon total: " + list(totals, true))) {
    if (!contains(totals, *m)) {
      const toml::node& n = *t->get("metric");
      throw InputError::at(loc(n), "optimize.metric", written(n), "is not a horizon total",
                           did_you_mean(*m, totals, true));
    }
    spec.metric = *m;
  }
  const std::string level_rule =
      "must be a number > 0 and < 1: the share of the lower tail (0.05: the worst 5%)";
  if (auto v = number_at(*t, "level", "optimize.level", level_rule)) {
    if (!(*v > 0.0 && *v < 1.0)) {
      const toml::node& n = *t->get("level");
      throw InputError::at(loc(n), "optimize.level", written(n), "is out of range", level_rule);
    }
    spec.level = *v;
  }
  if (auto v = number_at(*t, "target", "optimize.target",
                         "expected a finite number: the metric's target"))
    spec.target = *v;
  if (auto v = number_at(*t, "k", "optimize.k",
                         "expected a number >= 0: the multiple of the sd subtracted")) {
    if (*v < 0.0) {
      const toml::node& n = *t->get("k");
      throw InputError::at(loc(n), "optimize.k", written(n), "is negative", "a number >= 0");
    }
    spec.k = *v;
  }
  if (auto v = int_at(
          *t, "replications", "optimize.replications", 2, INT_LIMIT,
          "must be an integer >= 2: the fixed replications of the sample-average approximation"))
    spec.replications = static_cast<int>(*v);
  if (auto v =
          int_at(*t, "evaluation_replications", "optimize.evaluation_replications", 2, INT_LIMIT,
                 "must be an integer >= 2: fresh replications of the final comparison"))
    spec.evaluation_replications = static_cast<int>(*v);
  if (auto v =
          int_at(*t, "starts", "optimize.starts", 0, 1000,
                 "must be an integer in [0, 1000]: extra starting points of the risk-aware search"))
    spec.starts = static_cast<int>(*v);
  if (auto v = int_at(*t, "seed", "optimize.seed", 0, std::numeric_limits<std::int64_t>::max(),
                      "must be an integer >= 0; 0 means the scenario's simulation.seed"))
    spec.seed = static_cast<std::uint64_t>(*v);
  if (const toml::node* n = t->get("frontier")) {
    const std::string accepted =
        "expected a list of numbers > 0 scaling the first budget, such as [0.5, 1.0, 1.5]";
    const auto* a = n->as_array();
    if (!a) fail_type(*n, "optimize.frontier", "an array", accepted);
    spec.frontier.clear();
    for (std::size_t i = 0; i < a->size(); ++i) {
      const toml::node& e = (*a)[i];
      const std::string epath = indexed("optimize.frontier", i);
      if (!e.is_integer() && !e.is_floating_point()) fail_type(e, epath, "a number", accepted);
      const double x = finite_number(e, epath, accepted);
      if (!(x > 0.0)) throw InputError::at(loc(e), epath, written(e), "is not > 0", accepted);
      spec.frontier.push_back(x);
    }
  }
  const std::string what = "[optimize.variables] with \"<key path>\" = { min = ..., max = ... }";
  const auto* vars = table_at(*t, "variables", "optimize.variables", what);
  if (!vars) fail_missing(spec.where, "optimize", "variables", what);
  if (vars->empty()) throw InputError::at(loc(*vars), "optimize.variables", "", "is empty", what);
  for (const auto& [k, n] : in_file_order(*vars))
    spec.variables.push_back(read_optimize_variable(*k, *n));
  if (const auto* budgets =
          table_at(*t, "budgets", "optimize.budgets",
                   "[optimize.budgets.<name>] tables with terms and max, min or equals")) {
    for (const auto& [k, n] : in_file_order(*budgets))
      spec.budgets.push_back(read_optimize_budget(*k, *n));
  }
  s.optimize = std::move(spec);
}

OptimizeSpec::Variable Reader::read_optimize_variable(const toml::key& k,
                                                      const toml::node& n) const {
  const std::string path = "optimize.variables." + key_part(k.str());
  if (nested_keys(n, OPTIMIZE_VARIABLE_KEYS)) fail_nested_keys(k, n, path);
  const std::string accepted =
      "expected { min = ..., max = ... }: the range the optimiser may choose from";
  const auto* t = n.as_table();
  if (!t) fail_type(n, path, "a table", accepted);
  if (k.str().empty())
    throw InputError::at(loc(k), path, "", "is an empty key path",
                         "expected the dotted key path of a parameter, in quotes, such as "
                         "\"channels.paid_search.spend\"");
  check_keys(*t, path, OPTIMIZE_VARIABLE_KEYS);
  OptimizeSpec::Variable v;
  v.pattern = k.str();
  v.where = loc(n);  // the value: under extends, the key may be the base's
  const auto lo = number_at(*t, "min", join(path, "min"), "expected a finite number");
  if (!lo) fail_missing(loc(n), path, "min", "the smallest value the optimiser may choose");
  const auto hi = number_at(*t, "max", join(path, "max"), "expected a finite number");
  if (!hi) fail_missing(loc(n), path, "max", "the largest value the optimiser may choose");
  if (!(*lo <= *hi)) {
    const toml::node& h = *t->get("max");
    throw InputError::at(loc(h), join(path, "max"), written(h),
                         "is below min = " + written(*t->get("min")), "bounds need min <= max");
  }
  v.min = *lo;
  v.max = *hi;
  return v;
}

OptimizeSpec::Budget Reader::read_optimize_budget(const toml::key& k, const toml::node& n) const {
  const std::string path = "optimize.budgets." + key_part(k.str());
  const auto* t = n.as_table();
  if (!t)
    fail_type(
        n, path, "a table",
        "expected terms = { \"<variable>\" = <coefficient>, ... } and one of max, min or equals");
  check_keys(*t, path, OPTIMIZE_BUDGET_KEYS);
  OptimizeSpec::Budget b;
  b.name = k.str();
  b.where = loc(n);
  const std::string terms_what =
      "{ \"<variable>\" = <coefficient>, ... }: the budget's linear terms";
  const auto* terms = table_at(*t, "terms", join(path, "terms"), terms_what);
  if (!terms) fail_missing(loc(n), path, "terms", terms_what);
  for (const auto& [tk, tn] : in_file_order(*terms)) {
    const std::string tpath = join(path, "terms") + "." + key_part(tk->str());
    if (tn->is_table()) fail_nested_keys(*tk, *tn, tpath);
    if (!tn->is_integer() && !tn->is_floating_point())
      fail_type(*tn, tpath, "a number", terms_what);
    b.terms.emplace_back(tk->str(), finite_number(*tn, tpath, terms_what));
  }
  const std::vector<std::pair<const char*, OptimizeSpec::Budget::Sense>> senses = {
      {"max", OptimizeSpec::Budget::Sense::AtMost},
      {"min", OptimizeSpec::Budget::Sense::AtLeast},
      {"equals", OptimizeSpec::Budget::Sense::Equal}};
  const std::string bound_what =
      "exactly one of max, min or equals: a number, or \"today\" for the terms' value in today's "
      "plan";
  const toml::node* found = nullptr;
  for (const auto& [key, sense] : senses) {
    const toml::node* v = t->get(key);
    if (!v) continue;
    if (found)
      throw InputError::at(loc(*v), join(path, key), written(*v), "is a second bound", bound_what);
    found = v;
    b.sense = sense;
    if (v->is_string()) {
      if (v->as_string()->get() != "today")
        throw InputError::at(loc(*v), join(path, key), written(*v), "is not a number or \"today\"",
                             bound_what);
      b.bound_is_today = true;
    } else {
      if (!v->is_integer() && !v->is_floating_point())
        fail_type(*v, join(path, key), "a number", bound_what);
      b.bound = finite_number(*v, join(path, key), bound_what);
    }
  }
  if (!found) fail_missing(loc(n), path, "max", bound_what);
  return b;
}

Scenario Reader::build(const toml::table& root) {
  Scenario s;
  check_keys(root, "", TOP_KEYS);
  read_scenario_table(s, root);
  read_simulation(s, root);
  horizon_ = s.simulation.horizon;
  period_ = s.simulation.period;
  periods_per_year_ = static_cast<int>(periods_per_year(period_));
  read_funnel(s, root);
  read_segments(s, root);
  read_channels(s, root);
  read_retention(s, root);
  read_winback(s, root);
  read_referral(s, root);
  read_pipeline(s, root);
  read_market(s, root);
  read_variants(s, root);
  read_sweep(s, root);
  read_sensitivity(s, root);
  read_parameter_draws(s, root);
  read_optimize(s, root);
  return s;
}

toml::table Reader::load(std::string_view text, const std::string& name,
                         const std::filesystem::path& dir, std::vector<Link>& chain) {
  namespace fs = std::filesystem;
  sources_.add(name, text);
  check_toml_characters(text, name);
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(name));
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    const std::string& file = e.source().path ? *e.source().path : name;
    const SourceLocation where{file, static_cast<int>(b.line), static_cast<int>(b.column)};
    const std::string key = key_on_line(text, b.line);
    throw InputError(where.prefix() + (key.empty() ? "" : key + ": ") + "malformed TOML: " +
                     std::string(e.description()) + parse_error_hint(e.description()));
  }
  const toml::node* ext = root.get("extends");
  if (!ext) return root;

  const std::string accepted =
      "expected the path of the base scenario file, relative to the directory of this file";
  if (!ext->is_string()) fail_type(*ext, "extends", "a string", accepted);
  const std::string rel = ext->as_string()->get();
  if (rel.empty()) throw InputError::at(loc(*ext), "extends", written(*ext), "is empty", accepted);
  const std::string base = (dir / fs::path(rel)).lexically_normal().string();
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(base, ec);
  const Link link{base, ec ? std::string() : canonical.string()};
  for (const auto& l : chain) {
    if (l.name == link.name || (!link.canonical.empty() && l.canonical == link.canonical)) {
      std::string cycle;
      for (const auto& c : chain) cycle += c.name + " extends ";
      throw InputError::at(loc(*ext), "extends", written(*ext),
                           "makes a cycle: " + cycle + link.name,
                           "a scenario cannot extend itself, directly or through its bases");
    }
  }
  std::string base_text;
  if (const std::string err = read_text(base, base_text); !err.empty())
    throw InputError::at(
        loc(*ext), "extends", written(*ext), "cannot be read",
        err + "; paths are relative to " +
            (dir.empty() ? std::string("the current directory") : dir.lexically_normal().string()));
  files_read_.push_back(base);
  chain.push_back(link);
  toml::table merged = load(base_text, base, fs::path(base).parent_path(), chain);
  chain.pop_back();
  root.erase("extends");
  merge_into(merged, std::move(root));
  return merged;
}

void Reader::emit_value(std::ostream& os, const toml::node& n) const {
  switch (n.type()) {
    case toml::node_type::string:
      os << toml_string(n.as_string()->get());
      return;
    case toml::node_type::integer:
      os << n.as_integer()->get();
      return;
    case toml::node_type::floating_point:
      os << toml_float(n.as_floating_point()->get());
      return;
    case toml::node_type::boolean:
      os << (n.as_boolean()->get() ? "true" : "false");
      return;
    case toml::node_type::date:
      os << *n.as_date();
      return;
    case toml::node_type::time:
      os << *n.as_time();
      return;
    case toml::node_type::date_time:
      os << *n.as_date_time();
      return;
    case toml::node_type::array: {
      const auto& a = *n.as_array();
      os << "[";
      for (std::size_t i = 0; i < a.size(); ++i) {
        os << (i ? ", " : "");
        emit_value(os, a[i]);
      }
      os << "]";
      return;
    }
    case toml::node_type::table: {
      const auto entries = in_file_order(*n.as_table());
      if (entries.empty()) {
        os << "{}";
        return;
      }
      os << "{ ";
      for (std::size_t i = 0; i < entries.size(); ++i) {
        os << (i ? ", " : "") << key_part(entries[i].key->str()) << " = ";
        emit_value(os, *entries[i].node);
      }
      os << " }";
      return;
    }
    case toml::node_type::none:
      return;
  }
}

void Reader::emit_table(std::ostream& os, const toml::table& t, const std::string& header) const {
  std::vector<KeyedNode> values, tables;
  for (const auto& e : in_file_order(t)) {
    const auto* sub = e.node->as_table();
    (sub && !sub->is_inline() ? tables : values).push_back(e);
  }
  // A table holding only tables needs no header of its own; an empty one does (an empty
  // [retention] is not the same as none).
  if (!header.empty() && (!values.empty() || tables.empty())) os << "\n[" << header << "]\n";
  for (const auto& e : values) {
    os << key_part(e.key->str()) << " = ";
    emit_value(os, *e.node);
    os << "\n";
  }
  for (const auto& e : tables)
    emit_table(os, *e.node->as_table(),
               (header.empty() ? "" : header + ".") + key_part(e.key->str()));
}

std::string Reader::resolved_text(const toml::table& root) const {
  std::ostringstream os;
  os << "# Resolved scenario: " << sources_.chain()
     << ", merged into one document (comments and layout are not kept)\n";
  emit_table(os, root, "");
  return os.str();
}

Scenario parse(std::string_view text, const std::string& name, const std::filesystem::path& dir,
               const std::string& canonical) {
  Reader reader(name);
  std::vector<Link> chain{{name, canonical}};
  const toml::table root = reader.load(text, name, dir, chain);
  Scenario s = reader.build(root);
  s.source_file = name;
  if (!reader.extended()) {
    s.source_text = std::string(text);
  } else if (!s.parameter_draws) {
    s.source_text = reader.resolved_text(root);
  } else {
    // The merged document reads as if written in this file: a table of draws declared in a base
    // elsewhere is named relative to this file's directory.
    toml::table merged = root;
    const std::filesystem::path csv(s.parameter_draws->file);
    std::filesystem::path rel = dir.empty() ? csv : csv.lexically_relative(dir);
    if (rel.empty()) rel = csv;
    merged["parameter_draws"].as_table()->insert_or_assign("file", rel.generic_string());
    s.source_text = reader.resolved_text(merged);
  }
  if (!canonical.empty()) s.input_files.push_back(name);
  for (const std::string& base : reader.bases_read()) s.input_files.push_back(base);
  validate(s);
  // After the scenario itself is known valid, so that its own errors come first.
  attach_parameter_draws(s);
  if (s.parameter_draws) s.input_files.push_back(s.parameter_draws->file);
  // An [optimize] table is checked against the scenario by every command, as [sweep] is: a
  // file with a broken table is a broken file, whatever is asked of it.
  if (s.optimize) (void)optimize::make_problem(s, *s.optimize);
  return s;
}

}  // namespace

Scenario parse_scenario(std::string_view text, const std::string& source_name) {
  // Text held in memory has no directory of its own: extends is relative to the current one.
  return parse(text, source_name, {}, {});
}

Scenario read_scenario_file(const std::string& path) {
  std::string text;
  if (const std::string err = read_text(path, text); !err.empty())
    throw InputError("cannot read scenario file '" + path + "' (" + err + ")");
  std::error_code ec;
  const auto canonical = std::filesystem::weakly_canonical(path, ec);
  return parse(text, path, std::filesystem::path(path).parent_path(),
               ec ? std::string() : canonical.string());
}

}  // namespace clvsim

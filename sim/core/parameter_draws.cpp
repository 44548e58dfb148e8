#include "clvsim/parameter_draws.hpp"

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "clvsim/random.hpp"
#include "clvsim/samplers.hpp"
#include "clvsim/suggest.hpp"

namespace clvsim {

SourceLocation ParameterDraws::where_value(std::size_t row, std::size_t column) const {
  SourceLocation w;
  w.file = file;
  if (row < row_line.size()) w.line = row_line[row];
  const std::size_t i = row * columns.size() + column;
  if (i < cell_column.size()) w.column = cell_column[i];
  return w;
}

namespace {

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

//! "; the draws are parameter_draws.file at x.toml:30:8", or nothing for a table built in code.
std::string declared(const ParameterDraws& d) {
  if (d.where.file.empty()) return {};
  std::string w = d.where.prefix();
  w.resize(w.size() - 2);  // without the ": "
  return "; the draws are parameter_draws.file at " + w;
}

SourceLocation column_location(const ParameterDraws& d, std::size_t j) {
  if (j < d.column_where.size()) return d.column_where[j];
  return SourceLocation{d.file, 0, 0};
}

std::string column_key(const ParameterDraws& d, std::size_t j) {
  return "parameter_draws column '" + d.columns[j] + "'";
}

}  // namespace

void attach_parameter_draws(Scenario& s) {
  if (!s.parameter_draws) return;
  // Taken out while linking, so that validating each row below does not copy the table.
  ParameterDraws d = std::move(*s.parameter_draws);
  s.parameter_draws.reset();
  const std::size_t C = d.columns.size();
  const std::size_t R = d.rows();
  if (C == 0 || R == 0 || d.values.size() != R * C)
    throw InputError::at(
        SourceLocation{d.file, 0, 0}, "parameter_draws", "", "has no draws",
        "a header row of dotted key paths, then one row of numbers per draw" + declared(d));

  // Every parameter, by path; defaults that copy another parameter, by the path they copy.
  std::vector<std::string> paths;
  for_each_param(s, [&](const Param& p) {
    if (!p.path.empty()) paths.push_back(p.path);
  });

  std::vector<std::vector<Param*>> linked(C);
  for (std::size_t j = 0; j < C; ++j) {
    const std::string& name = d.columns[j];
    for (std::size_t i = 0; i < j; ++i)
      if (d.columns[i] == name)
        throw InputError::at(column_location(d, j), column_key(d, j), "",
                             "names the same parameter as column " + std::to_string(i + 1),
                             "each parameter may have one column" + declared(d));
    Param* named = nullptr;
    std::vector<Param*> followers;
    for_each_param(s, [&](Param& p) {
      if (p.path == name)
        named = &p;
      else if (p.draw_key == name)
        followers.push_back(&p);
    });
    if (!named) {
      const auto guess = closest_match(name, paths);
      throw InputError::at(column_location(d, j), column_key(d, j), "",
                           "is not a parameter of the scenario",
                           (guess ? "did you mean '" + *guess + "'? " : std::string()) +
                               "a column is the dotted key path of a numeric parameter, such as "
                               "segments.<name>.churn_sbg.alpha; docs/scenario.md lists every "
                               "key; rename = { <column> = \"<key path>\" } maps other names" +
                               declared(d));
    }
    if (named->dist)
      throw InputError::at(named->where, named->path, "",
                           "is given as a distribution and also as column " +
                               std::to_string(j + 1) + " of the parameter draws",
                           "a parameter is drawn from its distribution or from the table of "
                           "draws, not both: write a number, or remove the column" +
                               declared(d));
    linked[j].push_back(named);
    for (Param* f : followers) linked[j].push_back(f);
  }

  // Values in their parameter's domain; the point value is the column mean.
  for (std::size_t j = 0; j < C; ++j) {
    const Domain domain = linked[j].front()->domain;
    double sum = 0.0;
    for (std::size_t r = 0; r < R; ++r) {
      const double x = d.at(r, j);
      if (!in_domain(domain, x))
        throw InputError::at(d.where_value(r, j), d.columns[j], number(x),
                             std::string(domain_violation(domain)) + " in draw " + std::to_string(r + 1),
                             std::string(domain_description(domain)) + declared(d));
      sum += x;
    }
    for (Param* p : linked[j]) {
      p->value = sum / static_cast<double>(R);
      p->draws_column = static_cast<int>(j);
      p->scale = 1.0;
      p->shift = 0.0;
      p->where = column_location(d, j);
    }
  }

  // Every row must describe a valid scenario (joint constraints such as advance + drop <= 1):
  // validate the scenario with the row's values written in, located at the row's cells.
  {
    std::vector<double> mean(C);
    for (std::size_t j = 0; j < C; ++j) mean[j] = linked[j].front()->value;
    for (std::size_t r = 0; r < R; ++r) {
      for (std::size_t j = 0; j < C; ++j)
        for (Param* p : linked[j]) {
          p->value = d.at(r, j);
          p->where = d.where_value(r, j);
        }
      try {
        validate(s);
      } catch (const InputError& e) {
        throw InputError(std::string(e.what()) + "; with the values of draw " +
                         std::to_string(r + 1) + " of the parameter draws (" + d.file + " line " +
                         std::to_string(r < d.row_line.size() ? d.row_line[r] : 0) + ")");
      }
    }
    for (std::size_t j = 0; j < C; ++j)
      for (Param* p : linked[j]) {
        p->value = mean[j];
        p->where = column_location(d, j);
      }
  }
  s.parameter_draws = std::move(d);
}

std::size_t parameter_draws_row(std::size_t rows, std::uint64_t seed, std::uint64_t replication) {
  CLVSIM_EXPECT(rows >= 1);
  RandomStream rng(seed, replication, Purpose::ParameterDraws, 0);
  return static_cast<std::size_t>(uniform_index(rng, rows));
}

}  // namespace clvsim

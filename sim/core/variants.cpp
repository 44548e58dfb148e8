#include "clvsim/variants.hpp"

#include <cmath>
#include <cstdio>
#include <set>

#include "clvsim/distribution.hpp"
#include "clvsim/suggest.hpp"

namespace clvsim {
namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string cur;
  for (char ch : path) {
    if (ch == '.') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  parts.push_back(cur);
  return parts;
}

std::string without_index(const std::string& component) {
  const auto bracket = component.find('[');
  return bracket == std::string::npos ? component : component.substr(0, bracket);
}

bool matches(const std::vector<std::string>& pattern, const std::string& path) {
  const std::vector<std::string> parts = split_path(path);
  if (parts.size() != pattern.size()) return false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (pattern[i] == "*") continue;
    if (pattern[i] == parts[i]) continue;
    // "spend" addresses every element "spend[i]" of an array parameter.
    if (i + 1 == parts.size() && pattern[i].find('[') == std::string::npos &&
        pattern[i] == without_index(parts[i]))
      continue;
    return false;
  }
  return true;
}

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}


}  // namespace

const char* op_name(Override::Op op) {
  switch (op) {
    case Override::Op::Set: return "set";
    case Override::Op::Scale: return "scale";
    case Override::Op::Add: return "add";
  }
  return "set";
}

std::vector<Param*> match_params(Scenario& s, const std::string& pattern) {
  const std::vector<std::string> pat = split_path(pattern);
  std::vector<Param*> out;
  for_each_param(s, [&](Param& p) {
    if (!p.path.empty() && matches(pat, p.path)) out.push_back(&p);
  });
  return out;
}

std::vector<std::string> param_paths(const Scenario& s) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for_each_param(s, [&](const Param& p) {
    std::string path = p.path;
    const auto bracket = path.rfind('[');
    if (bracket != std::string::npos && path.back() == ']') path.resize(bracket);
    if (!path.empty() && seen.insert(path).second) out.push_back(path);
  });
  return out;
}

void apply_override(Scenario& s, const Override& o) {
  const std::vector<Param*> targets = match_params(s, o.pattern);
  if (targets.empty()) {
    const auto guess = closest_match(o.pattern, param_paths(s));
    throw InputError::at(o.where, o.pattern, "",
                         "matches no parameter of the scenario",
                         (guess ? "did you mean '" + *guess + "'? " : std::string()) +
                             "a dotted key path such as segments.<name>.churn; '*' matches one "
                             "component; docs/scenario.md lists every key");
  }
  for (Param* p : targets) {
    switch (o.op) {
      case Override::Op::Set:
        p->dist = o.value.dist;
        p->scale = 1.0;
        p->shift = 0.0;
        p->draw_key.clear();
        p->draws_column = -1;  // a set value or distribution replaces the table's column
        p->value = o.value.value;
        p->where = o.where;
        if (p->dist) {
          check_distribution(*p);
          p->value = distribution_mean(*p->dist, p->domain);
        }
        break;
      case Override::Op::Scale:
        p->value *= o.value.value;
        p->scale *= o.value.value;
        p->shift *= o.value.value;
        p->where = o.where;
        break;
      case Override::Op::Add:
        p->value += o.value.value;
        p->shift += o.value.value;
        p->where = o.where;
        break;
    }
    if (!in_domain(p->domain, p->value)) {
      throw InputError::at(o.where, p->path, number(p->value),
                           std::string("is out of range after the variant's ") + op_name(o.op) +
                               " of " + number(o.value.value),
                           domain_description(p->domain));
    }
  }
}

std::vector<Scenario> expand_variants(const Scenario& base) {
  std::vector<Scenario> out;
  out.push_back(base);
  out.front().variants.clear();
  std::set<std::string> names{base.name};
  for (const VariantSpec& spec : base.variants) {
    if (!names.insert(spec.name).second)
      throw InputError::at(spec.where, "variants." + spec.name, "",
                           "has the same name as the base scenario or another variant",
                           "variant names must be unique and differ from scenario.name");
    Scenario v = out.front();
    v.name = spec.name;
    v.description = spec.description;
    for (const Override& o : spec.overrides) apply_override(v, o);
    try {
      validate(v);
    } catch (const InputError& e) {
      throw InputError(std::string(e.what()) + "; after the changes of variant '" + spec.name + "'");
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace clvsim

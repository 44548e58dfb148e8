#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>
#include <vector>

#include "clvsim/build_info.hpp"
#include "clvsim/compare.hpp"
#include "clvsim/engine.hpp"
#include "clvsim/markov.hpp"
#include "clvsim/model.hpp"
#include "clvsim/statistics.hpp"
#include "clvsim/variants.hpp"

namespace clvsim::cli {
namespace {

std::string pad_left(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}
std::string pad_right(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string period_plural(const Scenario& s) {
  return std::string(period_name(s.simulation.period)) + "s";
}

std::string signed_number(double x, int decimals) {
  std::string out = x > 0 ? "+" : "";
  out += format_number(x, decimals);
  return out;
}

std::string percent(double x, int decimals) {
  return std::isfinite(x) ? format_number(100.0 * x, decimals) + "%" : "-";
}

// A table whose column widths come from its content, so columns are always separated by at
// least two spaces whatever the numbers. The first column is left-aligned, the others right.
// A table wider than `width` is printed in several parts, each repeating the first `fixed`
// columns (the labels, and for example the base a comparison refers to) and holding as many of
// the other columns as fit. A row of empty cells prints as a blank line. A header cell may hold
// several lines ('\n'), bottom-aligned.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::size_t fixed = 1;

  void print(std::ostream& os, std::size_t width) const {
    constexpr std::size_t gap = 2;
    std::vector<std::vector<std::string>> head(header.size());
    std::size_t head_lines = 1;
    for (std::size_t c = 0; c < header.size(); ++c) {
      std::istringstream in(header[c]);
      for (std::string piece; std::getline(in, piece);) head[c].push_back(piece);
      head_lines = std::max(head_lines, head[c].size());
    }
    std::vector<std::size_t> w(header.size(), 0);
    for (std::size_t c = 0; c < header.size(); ++c)
      for (const std::string& piece : head[c]) w[c] = std::max(w[c], piece.size());
    for (const auto& r : rows)
      for (std::size_t c = 0; c < r.size() && c < w.size(); ++c) w[c] = std::max(w[c], r[c].size());
    if (w.empty()) return;
    std::size_t lead = std::clamp<std::size_t>(fixed, 1, w.size());
    auto width_of_lead = [&] {
      std::size_t sum = w[0];
      for (std::size_t c = 1; c < lead; ++c) sum += gap + w[c];
      return sum;
    };
    std::size_t widest = 0;
    for (std::size_t c = lead; c < w.size(); ++c) widest = std::max(widest, w[c]);
    // On a terminal too narrow for the repeated columns beside another one, repeat the labels only.
    if (lead > 1 && widest > 0 && width_of_lead() + gap + widest > width) lead = 1;
    const std::size_t lead_width = width_of_lead();
    std::size_t first = lead;
    while (first < w.size() || (first == lead && lead == w.size())) {
      std::size_t last = first, used = lead_width;
      while (last < w.size() && (last == first || used + gap + w[last] <= width))
        used += gap + w[last++];
      if (first > lead) os << "\n";
      auto line = [&](const std::vector<std::string>& r) {
        auto cell = [&](std::size_t c) { return c < r.size() ? r[c] : std::string(); };
        std::string out = pad_right(cell(0), w[0]);
        for (std::size_t c = 1; c < lead; ++c)
          out += std::string(gap, ' ') + pad_left(cell(c), w[c]);
        for (std::size_t c = first; c < last; ++c)
          out += std::string(gap, ' ') + pad_left(cell(c), w[c]);
        while (!out.empty() && out.back() == ' ') out.pop_back();
        os << out << "\n";
      };
      for (std::size_t k = 0; k < head_lines; ++k) {
        std::vector<std::string> r(header.size());
        for (std::size_t c = 0; c < header.size(); ++c) {
          const std::size_t skip = head_lines - head[c].size();  // bottom-aligned
          if (k >= skip) r[c] = head[c][k - skip];
        }
        line(r);
      }
      for (const auto& r : rows) line(r);
      if (last == first) break;
      first = last;
    }
  }
};

// A name for a column header, broken after underscores into lines of at most `max` characters
// (longer pieces stay whole), so that a long variant name does not widen its column.
std::string header_name(const std::string& name, std::size_t max = 20) {
  std::string out, line;
  std::size_t start = 0;
  while (start < name.size()) {
    std::size_t end = name.find('_', start);
    end = end == std::string::npos ? name.size() : end + 1;
    const std::string piece = name.substr(start, end - start);
    if (!line.empty() && line.size() + piece.size() > max) {
      out += line + "\n";
      line.clear();
    }
    line += piece;
    start = end;
  }
  return out + line;
}

// Copy `text` to `os`, breaking lines longer than `width` at spaces; a continuation is indented
// two spaces more than its line. Lines that fit (tables among them) are unchanged.
void print_wrapped(std::ostream& os, const std::string& text, std::size_t width) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t indent = std::min(line.find_first_not_of(' '), line.size());
    const std::string more(indent + 2, ' ');
    while (line.size() > width) {
      std::size_t cut = line.rfind(' ', width);
      if (cut == std::string::npos || cut <= more.size()) break;
      os << line.substr(0, cut) << "\n";
      line = more + line.substr(line.find_first_not_of(' ', cut));
    }
    os << line << "\n";
  }
}

// Make the danger of unprofitable acquisition visible.
void warn_ltv_cac(std::ostream& os, const ScenarioResults& res, const std::string& who) {
  std::size_t below = 0, defined = 0;
  for (double x : res.across(Total::LtvCac)) {
    if (std::isnan(x)) continue;
    ++defined;
    if (x < 1.0) ++below;
  }
  if (below > 0) {
    os << "\nWARNING: " << who << "LTV/CAC is below 1 in "
       << percent(static_cast<double>(below) / static_cast<double>(defined), 1)
       << " of replications: customers are acquired for more than they are worth.\n";
  }
}

}  // namespace

std::string format_number(double x, int decimals) {
  if (std::isnan(x)) return "-";
  if (std::isinf(x)) return x > 0 ? "never" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::fabs(x));
  std::string digits(buf);
  const std::size_t dot = digits.find('.');
  std::string whole = digits.substr(0, dot);
  const std::string frac = dot == std::string::npos ? "" : digits.substr(dot);
  std::string grouped;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped += ',';
    grouped += whole[i];
  }
  const bool negative = x < 0 && std::stod(digits) != 0.0;
  return (negative ? "-" : "") + grouped + frac;
}

void print_summary(std::ostream& out, const RunResults& results, const Scenario& scenario,
                   std::size_t width) {
  std::ostringstream os;
  const ScenarioResults& res = results.scenarios.front();
  const std::string horizon =
      std::to_string(scenario.simulation.horizon) + " " + period_plural(scenario);
  os << "clvsim " << version() << "  " << scenario.name << ": " << horizon << ", "
     << results.replications << " replications, seed " << results.seed << ", " << results.threads
     << (results.threads == 1 ? " thread, " : " threads, ")
     << format_number(results.wall_seconds, 2) << " s\n\n";
  struct Row {
    std::string label;
    Total total;
    int decimals;
  };
  const std::string cur = " (" + scenario.currency + ")";
  const std::vector<Row> rows = {
      {"NPV" + cur, Total::Npv, 0},
      {"Customer equity" + cur, Total::CustomerEquity, 0},
      {"Revenue, " + horizon + cur, Total::Revenue, 0},
      {"Profit, " + horizon + cur, Total::Profit, 0},
      {"Active customers at end", Total::ActiveCustomers, 0},
      {"CAC" + cur, Total::Cac, 2},
      {"LTV/CAC", Total::LtvCac, 2},
      {"Payback (" + period_plural(scenario) + ")", Total::PaybackPeriods, 1},
  };
  Table table{{"", "mean", "5%", "50%", "95%"}, {}};
  for (const Row& row : rows) {
    const Stats st = summarize(res.across(row.total));
    // One replication that never pays back makes the mean payback infinite: the median and the
    // share that never pays back say more.
    const bool payback = row.total == Total::PaybackPeriods;
    table.rows.push_back(
        {row.label, payback && std::isinf(st.mean) ? "-" : format_number(st.mean, row.decimals),
         format_number(st.q[0], row.decimals), format_number(st.q[2], row.decimals),
         format_number(st.q[4], row.decimals)});
  }
  const Stats never = summarize(res.across(Total::PaybackNever));
  table.rows.push_back({"Never pays back", percent(never.mean, 1), "", "", ""});
  const Stats attributed = summarize(res.across(Total::AttributedCac));
  table.rows.push_back({"Attributed CAC" + cur, format_number(attributed.mean, 2),
                        format_number(attributed.q[0], 2), format_number(attributed.q[2], 2),
                        format_number(attributed.q[4], 2)});
  table.print(os, width);

  os << "5% and 95%: the 90% interval over replications. Payback: 50% is the median; never pays "
        "back: share of replications whose customers do not pay back their CAC within the payback "
        "curve. CAC: horizon spend / new customers; attributed CAC: channel spend / customers its "
        "leads are expected to become.\n";
  warn_ltv_cac(os, res, "");
  print_wrapped(out, os.str(), width);
}

void print_comparison(std::ostream& out, const RunResults& results,
                      std::span<const Scenario> scenarios, std::size_t width) {
  // Prose is wrapped at the width; tables are laid out to fit it and printed as they are.
  std::ostringstream os;
  auto flush = [&] {
    print_wrapped(out, os.str(), width);
    os.str("");
  };
  const Scenario& base = scenarios.front();
  const ScenarioResults& base_res = results.scenarios.front();
  const double ppy = periods_per_year(base.simulation.period);
  const std::string horizon = std::to_string(base.simulation.horizon) + " " + period_plural(base);
  os << "\nVariants against the base '" << base.name
     << "' (paired: replication r of each variant uses "
     << (results.streams == Streams::Common ? "the base's random numbers"
                                            : "INDEPENDENT random numbers")
     << ")\n";
  std::vector<Comparison> cmp;
  for (std::size_t v = 1; v < results.scenarios.size(); ++v) {
    const ScenarioResults& res = results.scenarios[v];
    cmp.push_back(compare(base_res, res, ppy));
    os << "  " << res.name;
    if (!scenarios[v].description.empty()) os << ": " << scenarios[v].description;
    os << "\n";
  }
  os << "\n";

  // One side-by-side table: each quantity's mean for the base and every variant, then the mean
  // change and its 90% interval under each variant. The base column is repeated when the table
  // has to be printed in parts.
  struct Row {
    std::string label;
    Total total;
    int decimals;
  };
  const std::string cur = " (" + base.currency + ")";
  const std::vector<Row> rows = {
      {"NPV" + cur, Total::Npv, 0},
      {"Customer equity" + cur, Total::CustomerEquity, 0},
      {"Profit, " + horizon + cur, Total::Profit, 0},
      {"Revenue, " + horizon + cur, Total::Revenue, 0},
      {"Active customers at end", Total::ActiveCustomers, 0},
      {"New customers, " + horizon, Total::NewCustomers, 0},
      {"Acquisition spend" + cur, Total::AcquisitionSpend, 0},
      {"Retention spend" + cur, Total::RetentionSpend, 0},
      {"CAC" + cur, Total::Cac, 2},
      {"LTV/CAC", Total::LtvCac, 2},
  };
  Table table{{"", "base"}, {}, 2};
  for (std::size_t v = 1; v < results.scenarios.size(); ++v)
    table.header.push_back(header_name(results.scenarios[v].name));
  const std::size_t V = cmp.size();
  for (const Row& row : rows) {
    const auto t = static_cast<std::size_t>(row.total);
    std::vector<std::string> mean{
        row.label, format_number(summarize(base_res.across(row.total)).mean, row.decimals)};
    std::vector<std::string> change{"  change", ""}, low{"  change 5%", ""},
        high{"  change 95%", ""};
    for (std::size_t v = 0; v < V; ++v) {
      const DeltaSummary& d = cmp[v].totals[t];
      mean.push_back(
          format_number(summarize(results.scenarios[v + 1].across(row.total)).mean, row.decimals));
      change.push_back(signed_number(d.mean, row.decimals));
      low.push_back(signed_number(d.q_low, row.decimals));
      high.push_back(signed_number(d.q_high, row.decimals));
    }
    for (auto* r : {&mean, &change, &low, &high}) table.rows.push_back(std::move(*r));
  }
  if (V > 0 && std::isfinite(cmp[0].base_annual_retention)) {
    std::vector<std::string> level{"Annual retention", percent(cmp[0].base_annual_retention, 1)};
    std::vector<std::string> points{"  change (points)", ""};
    for (const Comparison& c : cmp) {
      level.push_back(percent(c.variant_annual_retention, 1));
      points.push_back(
          std::isfinite(c.variant_annual_retention)
              ? signed_number(100.0 * (c.variant_annual_retention - c.base_annual_retention), 1)
              : "-");
    }
    table.rows.push_back(std::move(level));
    table.rows.push_back(std::move(points));
  }
  flush();
  table.print(out, width);
  os << "Means over " << format_number(static_cast<double>(results.replications), 0)
     << " replications; change: variant - base in the same replication, averaged.\n"
        "change 5% and 95%: the 90% interval of the change (5th to 95th percentile over "
        "replications).\n";

  // The change by year, one row per year and quantity, one column per variant.
  const std::vector<std::pair<std::string, int>> yearly = {
      {"profit", 0}, {"revenue", 0}, {"new_customers", 0}, {"churned_customers", 0}};
  Table years{{"change by year"}, {}, 1};
  for (std::size_t v = 1; v < results.scenarios.size(); ++v)
    years.header.push_back(header_name(results.scenarios[v].name));
  for (const auto& [metric, decimals] : yearly) {
    std::vector<const YearlyDelta*> per_variant;
    for (const Comparison& c : cmp)
      for (const YearlyDelta& yd : c.by_year)
        if (yd.metric == metric) per_variant.push_back(&yd);
    if (per_variant.size() != V || V == 0) continue;
    std::string name = metric;
    std::replace(name.begin(), name.end(), '_', ' ');
    for (std::size_t y = 0; y < per_variant[0]->years.size(); ++y) {
      std::vector<std::string> change{name + ", year " + std::to_string(y + 1)}, low{"  5%"},
          high{"  95%"};
      for (const YearlyDelta* yd : per_variant) {
        const DeltaSummary& d = yd->years[y];
        change.push_back(signed_number(d.mean, decimals));
        low.push_back(signed_number(d.q_low, decimals));
        high.push_back(signed_number(d.q_high, decimals));
      }
      for (auto* r : {&change, &low, &high}) years.rows.push_back(std::move(*r));
    }
  }
  if (!years.rows.empty()) {
    os << "\n";
    flush();
    years.print(out, width);
    os << "Flows summed over each year's " << period_plural(base)
       << " (the last year may be partial); 5% and 95%: the 90% interval of the change.\n";
  }

  // What the table cannot show: the precision of the mean change, and the warnings.
  for (std::size_t v = 0; v < V; ++v) {
    const ScenarioResults& res = results.scenarios[v + 1];
    const Comparison& c = cmp[v];
    const DeltaSummary& npv = c.totals[static_cast<std::size_t>(Total::Npv)];
    const DeltaSummary& rev = c.totals[static_cast<std::size_t>(Total::Revenue)];
    os << "\n"
       << res.name << ": mean NPV change " << signed_number(npv.mean, 0)
       << ", 90% confidence interval of the mean [" << signed_number(npv.ci_low, 0) << ", "
       << signed_number(npv.ci_high, 0) << "]; NPV higher in " << percent(npv.p_higher, 0)
       << " of replications\n";
    if (const RetentionSolution& rs = scenarios[v + 1].retention_solution; !std::isnan(rs.goal))
      os << "  annual retention goal " << format_number(100.0 * rs.goal, 2) << "% (base "
         << format_number(100.0 * rs.base, 2) << "%): reached " << format_number(100.0 * rs.reached, 2)
         << "% in expected-value mode by scaling churn by " << format_number(rs.churn_scale, 4)
         << "\n";
    if (std::isfinite(c.marginal_ltv_cac)) {
      os << "  marginal LTV/CAC (extra customer value acquired per extra unit of acquisition "
            "cost): "
         << format_number(c.marginal_ltv_cac, 2) << "\n";
    }
    if (rev.mean > 0.0 && npv.mean < 0.0) {
      os << "  WARNING: this variant grows revenue by " << signed_number(rev.mean, 0)
         << " but lowers NPV by " << format_number(-npv.mean, 0)
         << ": growth that destroys value.\n";
    }
    if (std::isfinite(c.marginal_ltv_cac) && c.marginal_ltv_cac < 1.0 &&
        c.totals[static_cast<std::size_t>(Total::AcquisitionSpend)].mean > 0.0) {
      os << "  WARNING: each extra unit of acquisition spend buys "
         << format_number(c.marginal_ltv_cac, 2)
         << " of customer value (marginal LTV/CAC below 1).\n";
    }
    std::ostringstream warn;
    warn_ltv_cac(warn, res, "in " + res.name + ", ");
    os << warn.str();
  }
  flush();
}

void print_sensitivity(std::ostream& os, const SensitivityResult& r, const Scenario& scenario,
                       std::size_t width) {
  const std::size_t P = r.parameters.size();
  print_wrapped(os,
                "clvsim " + std::string(version()) + "  " + scenario.name + ": sensitivity of " +
                    r.metric + " (expected-value mode), base " + format_number(r.base, 0) + ", " +
                    std::to_string(P) + " parameters, " + std::to_string(r.evaluations) +
                    " evaluations",
                width);
  os << "\n";
  std::vector<std::size_t> order(P);
  for (std::size_t j = 0; j < P; ++j) order[j] = j;
  std::stable_sort(order.begin(), order.end(),
                   [&](auto a, auto b) { return r.oat[a].swing > r.oat[b].swing; });
  os << "One at a time (tornado), largest swing first\n";
  Table oat{{"parameter", "low", "high", r.metric + "\nat low", r.metric + "\nat high", "swing",
             "elasticity"},
            {}};
  for (std::size_t j : order) {
    const auto& p = r.parameters[j];
    const auto& o = r.oat[j];
    oat.rows.push_back({p.pattern, format_number(p.value_low, 4), format_number(p.value_high, 4),
                        format_number(o.y_low, 0), format_number(o.y_high, 0),
                        format_number(o.swing, 0), format_number(o.elasticity, 3)});
  }
  oat.print(os, width);
  if (r.sobol) {
    std::vector<std::size_t> by_total(P);
    for (std::size_t j = 0; j < P; ++j) by_total[j] = j;
    std::stable_sort(by_total.begin(), by_total.end(),
                     [&](auto a, auto b) { return r.sobol->total[a] > r.sobol->total[b]; });
    os << "\n";
    print_wrapped(os,
                  "Variance-based (Sobol') indices, all parameters uniform on [low, high] at "
                  "once, N = " + std::to_string(r.samples),
                  width);
    Table sobol{{"parameter", "first order", "total"}, {}};
    for (std::size_t j : by_total)
      sobol.rows.push_back({r.parameters[j].pattern, format_number(r.sobol->first_order[j], 3),
                            format_number(r.sobol->total[j], 3)});
    sobol.print(os, width);
  }
  if (!r.skipped.empty()) {
    os << "\nLeft out (" << r.skipped.size() << "):";
    for (std::size_t k = 0; k < r.skipped.size() && k < 8; ++k)
      os << (k ? "; " : " ") << r.skipped[k];
    if (r.skipped.size() > 8) os << "; ...";
    os << "\n";
  }
}

void print_expected(std::ostream& os, const Scenario& scenario, std::size_t width) {
  const ModelParams m = resolve_nominal(scenario);
  const MetricLayout layout(scenario);
  const int T = m.horizon;
  std::vector<double> metrics(static_cast<std::size_t>(layout.size()) * T);
  std::vector<double> totals(static_cast<std::size_t>(Total::Count_));
  expected_trajectory(m, metrics, totals);
  auto value = [&](int metric, int t) { return metrics[static_cast<std::size_t>(metric) * T + t]; };

  os << "clvsim " << version() << "  " << scenario.name
     << ": expected values (exact means of the model at the parameters' point values)\n\n";
  const std::vector<std::pair<std::string, Metric>> cols = {{"active", Metric::ActiveCustomers},
                                                            {"new", Metric::NewCustomers},
                                                            {"churned", Metric::ChurnedCustomers},
                                                            {"revenue", Metric::Revenue},
                                                            {"profit", Metric::Profit},
                                                            {"npv", Metric::Npv}};
  Table periods{{period_name(scenario.simulation.period)}, {}};
  for (const auto& c : cols) periods.header.push_back(c.first);
  for (int t = 0; t < T; ++t) {
    std::vector<std::string> row{std::to_string(t + 1)};
    for (const auto& c : cols)
      row.push_back(format_number(value(MetricLayout::fixed(c.second), t), 1));
    periods.rows.push_back(std::move(row));
  }
  periods.print(os, width);

  os << "\nFunnel in " << period_name(scenario.simulation.period) << " 1\n";
  Table funnel{{"stage", "entered", "cost per entry"}, {}};
  for (int s = 0; s < m.stages; ++s)
    funnel.rows.push_back({scenario.stages[s].name,
                           format_number(value(layout.entered_stage(s), 0), 1),
                           format_number(value(layout.cost_per_entered(s), 0), 2)});
  funnel.rows.push_back({"customer",
                         format_number(value(MetricLayout::fixed(Metric::NewCustomers), 0), 1),
                         format_number(value(MetricLayout::fixed(Metric::Cac), 0), 2)});
  funnel.print(os, width);

  os << "\nCustomer lifetime value at acquisition and value of the initial customers (Markov "
        "chain, "
     << scenario.currency << ")\n";
  const BoundaryValues base = boundary_values(m);
  Table ltv{{"segment", "value", "initial customers' value"}, {}};
  for (int k = 0; k < m.segments; ++k)
    ltv.rows.push_back(
        {scenario.segments[k].name, format_number(m.ltv[k], 2), format_number(base.initial[k], 0)});
  ltv.print(os, width);

  os << "\nAnnual retention (expected, mean retention rate over the periods to the power "
     << periods_per_year(scenario.simulation.period)
     << "): " << format_number(100.0 * expected_annual_retention(scenario), 2) << "%\n";

  os << "\nHorizon totals\n";
  Table horizon{{"total", "expected"}, {}};
  const auto& infos = total_infos();
  for (std::size_t i = 0; i < infos.size(); ++i)
    horizon.rows.push_back({infos[i].name, format_number(totals[i], 2)});
  horizon.print(os, width);
}

}  // namespace clvsim::cli

// clvsim optimize: the best plan under the scenario's budgets, beside today's.
#include "optimize_command.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "clvsim/io/optimize_output.hpp"
#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/optimize/optimize.hpp"
#include "clvsim/parallel.hpp"
#include "commands.hpp"
#include "report.hpp"

namespace clvsim::cli {
namespace {

std::string interval(const optimize::Estimate& e, int decimals) {
  return format_number(e.value, decimals) + " [" + format_number(e.low, decimals) + ", " +
         format_number(e.high, decimals) + "]";
}

int decimals_for(const OptimizeSpec& spec) {
  return spec.objective == OptimizeSpec::Objective::Probability ? 3 : 0;
}

void print(std::ostream& os, const optimize::Result& r) {
  const optimize::Problem& p = r.problem;
  const OptimizeSpec& spec = p.spec;
  const bool risk = !r.risk.x.empty();
  const int dec = decimals_for(spec);
  os << "clvsim optimize " << p.base.name << ": " << optimize::objective_description(spec) << "; "
     << p.size() << (p.size() == 1 ? " variable, " : " variables, ") << p.constraints.size()
     << (p.constraints.size() == 1 ? " budget; " : " budgets; ") << format_number(r.seconds, 1)
     << " s\n\n";

  os << std::left << std::setw(40) << "variable" << std::right << std::setw(14) << "today"
     << std::setw(16) << "expected opt." << (risk ? "    risk-aware opt." : "") << std::setw(14)
     << "min" << std::setw(14) << "max"
     << "\n";
  for (std::size_t i = 0; i < p.size(); ++i) {
    os << std::left << std::setw(40) << p.names[i] << std::right << std::setw(14)
       << format_number(r.today[i], 2) << std::setw(16) << format_number(r.expected.x[i], 2);
    if (risk) os << std::setw(21) << format_number(r.risk.x[i], 2);
    os << std::setw(14) << format_number(p.lower[i], 2) << std::setw(14)
       << format_number(p.upper[i], 2) << "\n";
  }
  for (const auto& c : p.constraints) {
    const char* sense = c.sense == OptimizeSpec::Budget::Sense::AtMost  ? "<="
                        : c.sense == OptimizeSpec::Budget::Sense::Equal ? "="
                                                                        : ">=";
    os << "budget " << c.name << " (" << sense << " " << format_number(c.bound, 2) << "): today "
       << format_number(optimize::constraint_value(c, r.today), 2) << ", expected opt. "
       << format_number(optimize::constraint_value(c, r.expected.x), 2);
    if (risk)
      os << ", risk-aware opt. " << format_number(optimize::constraint_value(c, r.risk.x), 2);
    os << "\n";
  }
  os << "solver: " << r.expected.algorithm << " (" << r.expected.evaluations << " evaluations)";
  if (risk)
    os << "; " << r.risk.algorithm << " (" << r.risk.evaluations << " evaluations of "
       << spec.replications << " replications, seed " << r.saa_seed << ")";
  os << "\n\n";

  os << "Recommended plan (" << (risk ? "risk-aware" : "expected-value")
     << " optimum) against today's, on " << r.evaluation_replications
     << " fresh replications (seed " << r.evaluation_seed << "):\n";
  const int w = 36;
  auto row = [&](const std::string& label, const std::string& a, const std::string& b) {
    os << std::left << std::setw(40) << label << std::right << std::setw(w) << a << std::setw(w)
       << b << "\n";
  };
  row("", "today", "plan");
  row("expected " + spec.metric + " (exact)", format_number(r.today_expected, 0),
      format_number(r.plan_expected, 0));
  if (risk)
    row(optimize::objective_description(spec), interval(r.today_objective, dec),
        interval(r.plan_objective, dec));
  row("mean " + spec.metric + " [95% interval]",
      interval(
          {r.today_stats.mean, r.today_stats.mean - 1.959963984540054 * r.today_stats.std_error,
           r.today_stats.mean + 1.959963984540054 * r.today_stats.std_error},
          0),
      interval({r.plan_stats.mean, r.plan_stats.mean - 1.959963984540054 * r.plan_stats.std_error,
                r.plan_stats.mean + 1.959963984540054 * r.plan_stats.std_error},
               0));
  row("5% / 95% of " + spec.metric,
      format_number(r.today_stats.q[0], 0) + " / " + format_number(r.today_stats.q[4], 0),
      format_number(r.plan_stats.q[0], 0) + " / " + format_number(r.plan_stats.q[4], 0));
  const DeltaSummary& d = r.difference;
  os << "paired difference plan - today: " << format_number(d.mean, 0) << " ["
     << format_number(d.ci_low, 0) << ", " << format_number(d.ci_high, 0)
     << "], P(plan better) = " << format_number(100.0 * d.p_higher, 1) << "%\n\n";

  os << "Customer-equity test at the expected-value optimum (d" << spec.metric
     << " per unit and per budget dollar):\n";
  os << std::left << std::setw(40) << "lever" << std::setw(13) << "kind" << std::right
     << std::setw(14) << "d/d(unit)" << std::setw(12) << "$ per unit" << std::setw(14)
     << "value per $" << std::setw(10) << "at bound" << std::setw(20) << "marg. cost/cust."
     << "\n";
  for (const auto& m : r.equity.levers)
    os << std::left << std::setw(40) << m.variable << std::setw(13)
       << optimize::lever_kind_name(m.kind) << std::right << std::setw(14)
       << format_number(m.derivative, 4) << std::setw(12) << format_number(m.dollars_per_unit, 2)
       << std::setw(14) << format_number(m.value_per_dollar, 4) << std::setw(10)
       << (m.at_bound ? "yes" : "no") << std::setw(20)
       << format_number(m.marginal_cost_per_customer, 2) << "\n";
  if (!p.constraints.empty())
    os << "shadow price of budget " << p.constraints.front().name
       << " (re-optimised at +-0.1%): " << format_number(r.equity.shadow_price, 4)
       << " per dollar\n";
  const auto& e = r.equity;
  os << "cost of one more customer (Pfeifer 2005): acquire "
     << format_number(e.marginal_acquisition_cost, 2) << ", retain "
     << format_number(e.marginal_retention_cost, 2) << " (ratio "
     << format_number(e.marginal_acquisition_cost / e.marginal_retention_cost, 2)
     << "x) at the margin;\n"
     << "  on average (the \"5-25x\" claim): acquire "
     << format_number(e.average_acquisition_cost, 2) << " (CAC), retain one for a year "
     << format_number(e.average_retention_cost, 2) << " (ratio "
     << format_number(e.average_acquisition_cost / e.average_retention_cost, 2) << "x)\n";

  if (!r.frontier.empty()) {
    os << "\nEfficient frontier (budget " << p.constraints.front().name << " scaled):\n";
    os << std::right << std::setw(8) << "scale" << std::setw(16) << "bound" << std::setw(18)
       << ("expected " + spec.metric);
    if (risk) os << std::setw(22) << "risk (SAA)";
    for (const auto& n : p.names) os << "  " << n;
    os << "\n";
    for (const auto& f : r.frontier) {
      os << std::setw(8) << format_number(f.scale, 2) << std::setw(16) << format_number(f.bound, 0)
         << std::setw(18) << format_number(f.expected, 0);
      if (risk) os << std::setw(22) << format_number(f.risk, dec);
      for (std::size_t i = 0; i < f.x.size(); ++i)
        os << "  " << std::setw(static_cast<int>(p.names[i].size())) << format_number(f.x[i], 2);
      os << "\n";
    }
  }
}

}  // namespace

CLI::App* add_optimize_command(CLI::App& app, OptimizeArgs& a) {
  CLI::App* cmd = app.add_subcommand(
      "optimize",
      "The best split of a budget between levers ([optimize] table), beside today's plan");
  cmd->add_option("scenario", a.scenario, "Scenario TOML file with an [optimize] table")
      ->required();
  cmd->add_option("-o,--output", a.output, "HDF5 file (default: results/<scenario>.optimize.h5)");
  cmd->add_flag("-f,--force", a.force, "Overwrite the output");
  cmd->add_option("-r,--replications", a.replications,
                  "Fixed replications of the risk-aware objective (default: the table's)")
      ->check(CLI::Range(2, 100000000));
  cmd->add_option("--evaluation-replications", a.evaluation_replications,
                  "Fresh replications of the final comparison (default: the table's)")
      ->check(CLI::Range(2, 100000000));
  cmd->add_option("-t,--threads", a.threads, "Threads")->check(CLI::Range(1, 4096));
  cmd->add_flag("-q,--quiet", a.quiet, "No tables");
  return cmd;
}

int optimize_command(const OptimizeArgs& a, const std::string& command_line) {
  Scenario s = read_scenario_file(a.scenario);
  if (!s.optimize)
    throw InputError(a.scenario +
                     " has no [optimize] table (add one: docs/optimize.md, or see "
                     "scenarios/saas_optimize.toml)");
  if (a.replications) s.optimize->replications = *a.replications;
  if (a.evaluation_replications) s.optimize->evaluation_replications = *a.evaluation_replications;
  // The problem is checked (paths, bounds, budgets) before the output path is claimed.
  (void)optimize::make_problem(s, *s.optimize);
  std::string output = a.output;
  if (output.empty()) {
    std::filesystem::create_directories("results");
    output = "results/" + s.name + ".optimize.h5";
  }
  const Overwrite overwrite = a.force ? Overwrite::Allow : Overwrite::Refuse;
  check_output_path(output, overwrite);
  optimize::Settings settings;
  settings.threads = a.threads;
  const optimize::Result r = optimize::run_optimize(s, settings);
  write_optimize_hdf5(output, r, a.threads > 0 ? a.threads : max_threads(), command_line,
                      overwrite);
  if (!a.quiet) {
    print(std::cout, r);
    std::cout << "\nResults: " << output << "\n";
  }
  return SUCCESS;
}

}  // namespace clvsim::cli

#include "commands.hpp"
#include "optimize_command.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "clvsim/build_info.hpp"
#include "clvsim/communicator.hpp"
#include "clvsim/error.hpp"
#include "clvsim/io/atomic_file.hpp"
#include "clvsim/io/results.hpp"
#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/monte_carlo.hpp"
#include "clvsim/parallel.hpp"
#include "clvsim/variants.hpp"
#include "progress.hpp"
#include "report.hpp"
#include "report_command.hpp"

namespace clvsim::cli {
namespace {

struct RunArgs {
  std::string scenario;
  std::optional<int> replications;
  std::optional<std::uint64_t> seed;
  int threads = 0;
  std::string output;
  bool force = false;
  std::optional<std::string> csv;
  bool expected = false;
  bool quiet = false;
  bool independent_streams = false;
};

Scenario load(const std::string& path) {
  if (path.empty()) return parse_scenario(default_scenario_text(), "<default scenario>");
  return read_scenario_file(path);
}

int run_command(const RunArgs& a, const std::string& command_line) {
  const Scenario scenario = load(a.scenario);
  // Variants are resolved and validated before anything runs: a bad override is bad input.
  const std::vector<Scenario> scenarios = expand_variants(scenario);
  if (a.expected) {
    for (const Scenario& s : scenarios) {
      if (&s != &scenarios.front()) std::cout << "\n";
      print_expected(std::cout, s);
    }
    return SUCCESS;
  }
  const Overwrite overwrite = a.force ? Overwrite::Allow : Overwrite::Refuse;
  std::string output = a.output;
  if (output.empty()) {
    output = "results/" + scenario.name + ".h5";
    std::filesystem::create_directories("results");
  }
  std::string csv, totals_csv, comparison_csv, by_year_csv;
  if (a.csv) {
    csv = a.csv->empty() ? std::filesystem::path(output).replace_extension(".csv").string() : *a.csv;
    totals_csv = companion_csv_path(csv, "_totals");
  }
  if (!csv.empty() && scenarios.size() > 1) {
    comparison_csv = companion_csv_path(csv, "_comparison");
    by_year_csv = companion_csv_path(csv, "_comparison_by_year");
  }
  // Refuse before spending any time computing.
  check_output_path(output, overwrite);
  for (const std::string& path : {csv, totals_csv, comparison_csv, by_year_csv})
    if (!path.empty()) check_output_path(path, overwrite);

  RunOptions options;
  if (a.replications) options.replications = *a.replications;
  if (a.seed) {
    options.seed = *a.seed;
    options.use_seed = true;
  }
  options.threads = a.threads;
  options.streams = a.independent_streams ? Streams::Independent : Streams::Common;
  ProgressBar bar(scenario.name, !a.quiet && stderr_is_terminal());
  options.progress = [&](std::size_t done, std::size_t total) { bar.update(done, total); };
  const RunResults results = run_monte_carlo(scenarios, options);
  bar.finish();

  RunContext context;
  context.command_line = command_line;
  write_results_hdf5(output, results, scenarios, context, overwrite);
  if (!csv.empty()) write_results_csv(csv, results, overwrite);
  if (!totals_csv.empty()) write_totals_csv(totals_csv, results, overwrite);
  if (!comparison_csv.empty()) write_comparison_csv(comparison_csv, results, scenarios, overwrite);
  if (!by_year_csv.empty()) write_comparison_by_year_csv(by_year_csv, results, scenarios, overwrite);
  if (!a.quiet) {
    print_summary(std::cout, results, scenario);
    if (scenarios.size() > 1) print_comparison(std::cout, results, scenarios);
    std::cout << "\nResults: " << output;
    for (const std::string& path : {csv, totals_csv, comparison_csv, by_year_csv})
      if (!path.empty()) std::cout << ", " << path;
    std::cout << "\n";
  }
  return SUCCESS;
}

int init_command(const std::string& path, bool force) {
  AtomicOutput out(path, force ? Overwrite::Allow : Overwrite::Refuse);
  {
    std::ofstream os(out.temp_path());
    os << default_scenario_text();
    if (!os) throw RuntimeError("cannot write " + out.temp_path());
  }
  out.commit();
  std::cout << "Wrote " << path << ": the default subscription scenario. Edit it and run\n  clvsim run "
            << path << "\n";
  return SUCCESS;
}

std::string join_args(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) s += (i ? " " : "") + std::string(argv[i]);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"clvsim: Monte Carlo forecasts of customer economics (acquisition, conversion, "
               "retention, repurchase, referral)."};
  app.set_version_flag("--version", std::string("clvsim ") + version() + " (" + git_revision() + ", " +
                                        build_type() + ")");
  app.require_subcommand(1);

  RunArgs run;
  CLI::App* run_cmd = app.add_subcommand("run", "Run a scenario: Monte Carlo forecast, results file and summary");
  run_cmd->add_option("scenario", run.scenario, "Scenario TOML file (default: the embedded subscription scenario)");
  run_cmd->add_option("-r,--replications", run.replications, "Replications (default: the scenario's)")
      ->check(CLI::Range(1, 100000000));
  run_cmd->add_option("-s,--seed", run.seed, "Random seed (default: the scenario's)");
  run_cmd->add_option("-t,--threads", run.threads, "Threads (default: OMP_NUM_THREADS or all cores)")
      ->check(CLI::Range(1, 4096));
  run_cmd->add_option("-o,--output", run.output, "HDF5 results file (default: results/<scenario>.h5)");
  run_cmd->add_flag("-f,--force", run.force, "Overwrite existing output files");
  run_cmd->add_option("--csv", run.csv, "Also write a CSV summary (default path: the output with .csv)")
      ->expected(0, 1);
  run_cmd->add_flag("--expected", run.expected,
                    "Print the model's exact expectations (no sampling) instead of running Monte Carlo");
  run_cmd->add_flag("-q,--quiet", run.quiet, "No progress bar and no summary table");
  run_cmd->add_flag("--independent-streams", run.independent_streams,
                    "Give each variant its own random numbers instead of the base's (only to measure "
                    "how much pairing narrows the intervals)");

  std::string init_path = "scenario.toml";
  bool init_force = false;
  CLI::App* init_cmd = app.add_subcommand("init", "Write the default scenario to a file to start from");
  init_cmd->add_option("path", init_path, "Where to write it (default: scenario.toml)");
  init_cmd->add_flag("-f,--force", init_force, "Overwrite an existing file");

  SweepArgs sweep;
  CLI::App* sweep_cmd = app.add_subcommand("sweep", "Run a parameter sweep ([sweep] table): one row of statistics per point");
  sweep_cmd->add_option("scenario", sweep.scenario, "Scenario TOML file with a [sweep] table")->required();
  sweep_cmd->add_option("-o,--output", sweep.output, "HDF5 file (default: results/<scenario>.sweep.h5)");
  sweep_cmd->add_flag("-f,--force", sweep.force, "Overwrite the output; discard an interrupted run's journal");
  sweep_cmd->add_flag("--resume", sweep.resume, "Continue an interrupted sweep from its journal");
  sweep_cmd->add_option("--shard", sweep.shard, "Run shard i of N (0-based), e.g. 3/16, for job arrays");
  sweep_cmd->add_option("-r,--replications", sweep.replications, "Replications per point (default: the [sweep] table's)")
      ->check(CLI::Range(1, 100000000));
  sweep_cmd->add_option("-t,--threads", sweep.threads, "Threads per process")->check(CLI::Range(1, 4096));
  sweep_cmd->add_flag("-q,--quiet", sweep.quiet, "No progress bar and no summary");

  SensitivityArgs sens;
  CLI::App* sens_cmd = app.add_subcommand(
      "sensitivity", "Which parameters matter: tornado, elasticities and Sobol' indices ([sensitivity] table)");
  sens_cmd->add_option("scenario", sens.scenario, "Scenario TOML file")->required();
  sens_cmd->add_option("-o,--output", sens.output, "HDF5 file (default: results/<scenario>.sensitivity.h5)");
  sens_cmd->add_flag("-f,--force", sens.force, "Overwrite the output");
  sens_cmd->add_option("--samples", sens.samples, "Saltelli base sample size N (default: the table's, or 256)")
      ->check(CLI::Range(8, 10000000));
  sens_cmd->add_flag("--no-sobol", sens.no_sobol, "Only the one-at-a-time analysis");
  sens_cmd->add_option("-t,--threads", sens.threads, "Threads per process")->check(CLI::Range(1, 4096));
  sens_cmd->add_flag("-q,--quiet", sens.quiet, "No progress bar and no tables");

  MergeArgs merge;
  CLI::App* merge_cmd = app.add_subcommand("merge", "Combine sweep shard files into the file one run would write");
  merge_cmd->add_option("shards", merge.shards, "Shard files")->required();
  merge_cmd->add_option("-o,--output", merge.output, "Merged HDF5 file")->required();
  merge_cmd->add_flag("-f,--force", merge.force, "Overwrite the output");

  ReportArgs report;
  CLI::App* report_cmd = add_report_command(app, report);
  OptimizeArgs optimize;
  CLI::App* optimize_cmd = add_optimize_command(app, optimize);

  // MPI is initialised before parsing (it may rewrite argv) and finalised on return.
  const std::unique_ptr<Communicator> world = world_communicator(&argc, &argv);
  const bool root = world->rank() == 0;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = root ? app.exit(e) : (e.get_exit_code() == 0 ? 0 : 1);
    return code == 0 ? SUCCESS : BAD_INPUT;
  }

  try {
    const std::string command_line = join_args(argc, argv);
    if (*sweep_cmd) return sweep_command(sweep, *world, command_line);
    if (*sens_cmd) return sensitivity_command(sens, *world, command_line);
    // The other commands are not distributed: rank 0 does them alone.
    if (!root) return SUCCESS;
    if (*run_cmd) return run_command(run, command_line);
    if (*init_cmd) return init_command(init_path, init_force);
    if (*merge_cmd) return merge_command(merge);
    if (*report_cmd) return report_command(report);
    if (*optimize_cmd) return optimize_command(optimize, command_line);
  } catch (const InputError& e) {
    // Every rank reads the same input and fails the same way: one report is enough.
    if (root) std::cerr << "clvsim: error: " << e.what() << "\n";
    return BAD_INPUT;
  } catch (const std::exception& e) {
    std::cerr << "clvsim: failure" << (world->size() > 1 ? " on rank " + std::to_string(world->rank()) : "")
              << ": " << e.what() << "\n";
    return RUNTIME_FAILURE;
  }
  return SUCCESS;
}

}  // namespace clvsim::cli

#include "commands.hpp"
#include "optimize_command.hpp"

#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#include <sys/mman.h>
#endif
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "clvsim/build_info.hpp"
#include "clvsim/communicator.hpp"
#include "clvsim/error.hpp"
#include "clvsim/io/atomic_file.hpp"
#include "clvsim/io/hdf5.hpp"
#include "clvsim/io/results.hpp"
#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/io/spill_store.hpp"
#include "clvsim/monte_carlo.hpp"
#include "clvsim/parallel.hpp"
#include "clvsim/suggest.hpp"
#include "clvsim/variants.hpp"
#include "fit_command.hpp"
#include "options.hpp"
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
  if (path.empty()) {
    Scenario s = parse_scenario(default_scenario_text(), "<default scenario>");
    // Said even under --quiet: a forgotten or misplaced file name must not go unnoticed.
    std::cerr << "clvsim: no scenario file given: running the embedded default scenario '" << s.name
              << "' (clvsim init writes it to a file to edit)\n";
    return s;
  }
  return read_scenario_file(path);
}

#ifdef __GLIBC__
// For a run of one block of replications (at most REPLICATION_BLOCK): the heap's next 8 MiB
// start at a 2 MiB boundary and are offered transparent huge pages (madvise), and memory freed
// stays in the heap for the next allocation. Such a run touches a few MB once (trajectories,
// statistics, the results file's structures): in pages of 2 MiB that is a few faults instead of
// hundreds, and each fault of a virtual machine is dear. The default scenario at 100
// replications: 889 -> 312 page faults, 11% less CPU time, 3.5 MB more resident; with two
// variants 1830 -> 361 faults. Longer runs keep small pages: their largest part, the histograms,
// has huge pages of its own (LogHistogram), and the reserve made them no faster (CPU time 0.98 at
// 2000 replications, 0.99 at 5000, within the noise, for 2 MB more). Where the system grants no
// huge pages on request, the advice changes nothing.
void heap_in_huge_pages() {
  constexpr std::size_t HUGE_PAGE = std::size_t{2} << 20, RESERVE = std::size_t{8} << 20;
  // The heap keeps up to 256 MiB of freed memory.
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  // The reserve comes from the top of the heap (not from a mapping of its own, as a buffer of
  // its size would by default) and, given back at once, stays there: the heap's next
  // allocations come from it. Buffers from 128 KiB on then keep their own mappings, as before.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  char* const reserve = static_cast<char*>(std::malloc(RESERVE));
  mallopt(M_MMAP_THRESHOLD, 128 << 10);
  if (reserve == nullptr) return;
  const auto at = reinterpret_cast<std::uintptr_t>(reserve);
  const std::uintptr_t first = (at + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
  const std::uintptr_t last = (at + RESERVE) / HUGE_PAGE * HUGE_PAGE;
  (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
  std::free(reserve);
  // What lies below the first boundary stays allocated, never touched, so that the next
  // allocation starts at the boundary (a chunk's 16-byte header sits just below its memory).
  [[maybe_unused]] static void* volatile below = nullptr;
  if (first - at >= 64) below = std::malloc(first - at - 16);
}
#endif

int run_command(const RunArgs& a, const std::string& command_line) {
  if (a.csv && a.scenario.size() > 4 && a.scenario.ends_with(".csv"))
    throw InputError(a.scenario +
                     " is not a scenario file: --csv takes no separate value; write --csv=" +
                     a.scenario + " to name the CSV file");
  const Scenario scenario = load(a.scenario);
  // Variants are resolved and validated before anything runs: a bad override is bad input.
  const std::vector<Scenario> scenarios = expand_variants(scenario);
  if (a.expected) {
    for (const Scenario& s : scenarios) {
      if (&s != &scenarios.front()) std::cout << "\n";
      print_expected(std::cout, s, terminal_columns(STDOUT_FILENO));
    }
    return SUCCESS;
  }
  const Overwrite overwrite = a.force ? Overwrite::Allow : Overwrite::Refuse;
  std::string output = a.output;
  if (output.empty()) {
    output = "results/" + scenario.name + ".h5";
    std::filesystem::create_directories("results");
  }
  std::string csv, totals_csv, yearly_csv, comparison_csv, by_year_csv;
  if (a.csv) {
    csv = a.csv->empty() ? std::filesystem::path(output).replace_extension(".csv").string() : *a.csv;
    totals_csv = companion_csv_path(csv, "_totals");
    yearly_csv = companion_csv_path(csv, "_yearly");
  }
  if (!csv.empty() && scenarios.size() > 1) {
    comparison_csv = companion_csv_path(csv, "_comparison");
    by_year_csv = companion_csv_path(csv, "_comparison_by_year");
  }
  // Refuse before spending any time computing.
  check_outputs_are_not_inputs({output, csv, totals_csv, yearly_csv, comparison_csv, by_year_csv},
                               scenario.input_files);
  check_output_path(output, overwrite);
  for (const std::string& path : {csv, totals_csv, yearly_csv, comparison_csv, by_year_csv})
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
  // The per-replication values wait on disk beside the output, not in memory: memory does not
  // grow with the replications, and a full disk shows while the run is still going.
  options.store = std::make_shared<SpillStore>(directory_of(output), output);
#ifdef __GLIBC__
  const int replications =
      options.replications > 0 ? options.replications : scenario.simulation.replications;
  if (replications <= static_cast<int>(REPLICATION_BLOCK)) heap_in_huge_pages();
#endif
  const RunResults results = run_monte_carlo(scenarios, options);
  bar.finish();

  RunContext context;
  context.command_line = command_line;
  // All outputs are written to temporaries first and committed together: a CSV that cannot be
  // written takes the .h5 with it, rather than leaving half of a run behind.
  AtomicOutput h5_out(output, overwrite);
  std::optional<AtomicOutput> csv_out, totals_out, yearly_out, comparison_out, by_year_out;
  if (!csv.empty()) csv_out.emplace(csv, overwrite);
  if (!totals_csv.empty()) totals_out.emplace(totals_csv, overwrite);
  if (!yearly_csv.empty()) yearly_out.emplace(yearly_csv, overwrite);
  if (!comparison_csv.empty()) comparison_out.emplace(comparison_csv, overwrite);
  if (!by_year_csv.empty()) by_year_out.emplace(by_year_csv, overwrite);
  write_results_hdf5(h5_out, results, scenarios, context);
  if (csv_out) write_results_csv(*csv_out, results);
  if (totals_out) write_totals_csv(*totals_out, results);
  if (yearly_out) write_yearly_csv(*yearly_out, results);
  if (comparison_out) write_comparison_csv(*comparison_out, results, scenarios);
  if (by_year_out) write_comparison_by_year_csv(*by_year_out, results, scenarios);
  auto ptr = [](std::optional<AtomicOutput>& o) { return o ? &*o : nullptr; };
  commit_together({&h5_out, ptr(csv_out), ptr(totals_out), ptr(yearly_out), ptr(comparison_out),
                   ptr(by_year_out)});
  if (!a.quiet) {
    const std::size_t width = terminal_columns(STDOUT_FILENO);
    print_summary(std::cout, results, scenario, width);
    if (scenarios.size() > 1) print_comparison(std::cout, results, scenarios, width);
    std::cout << "\nResults: " << output;
    for (const std::string& path : {csv, totals_csv, yearly_csv, comparison_csv, by_year_csv})
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
  // The process ends right after its work: leave HDF5's memory to the system at exit.
  h5::skip_cleanup_at_exit();
  h5::never_print_errors();  // every HDF5 error is reported as clvsim's own
#ifdef __GLIBC__
  // Grow the heap 4 MiB at a time (glibc: 128 KiB), so that memory freed while a results file is
  // built is reused rather than trimmed and faulted in again: a third fewer page faults at 100
  // replications. Pages only reserved cost nothing.
  mallopt(M_TOP_PAD, 4 << 20);
#endif
  CLI::App app{"clvsim: Monte Carlo forecasts of customer economics (acquisition, conversion, "
               "retention, repurchase, referral)."};
  app.set_version_flag("--version", std::string("clvsim ") + version() + " (" + git_revision() + ", " +
                                        build_type() + ")");
  app.require_subcommand(1);

  // Integer options accept exponent forms (-r 1e4) and say "not an integer" for fractions.
  const CLI::Validator integer(
      [](std::string& text) {
        try {
          text = integer_text(text);
          return std::string();
        } catch (const std::invalid_argument& e) {
          return std::string(e.what());
        }
      },
      "INT");

  RunArgs run;
  CLI::App* run_cmd = app.add_subcommand("run", "Run a scenario: Monte Carlo forecast, results file and summary");
  run_cmd->add_option("scenario", run.scenario, "Scenario TOML file (default: the embedded subscription scenario)");
  run_cmd
      ->add_option("-r,--replications", run.replications, "Replications (default: the scenario's)")
      ->transform(integer)
      ->check(CLI::Range(1, 100000000));
  run_cmd->add_option("-s,--seed", run.seed, "Random seed (default: the scenario's)")
      ->transform(integer);
  run_cmd
      ->add_option("-t,--threads", run.threads, "Threads (default: OMP_NUM_THREADS or all cores)")
      ->transform(integer)
      ->check(CLI::Range(1, 4096));
  run_cmd->add_option("-o,--output", run.output, "HDF5 results file (default: results/<scenario>.h5)");
  run_cmd->add_flag("-f,--force", run.force, "Overwrite existing output files");
  // A flag whose value can only be attached (--csv=PATH): a separate word is never taken as the
  // path, so `--csv my.toml` cannot turn the scenario into the CSV output.
  run_cmd->add_flag(
      "--csv{}", run.csv,
      "Also write a CSV summary: --csv next to the output (.csv), --csv=PATH elsewhere");
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
  sweep_cmd
      ->add_option("-r,--replications", sweep.replications,
                   "Replications per point (default: the [sweep] table's)")
      ->transform(integer)
      ->check(CLI::Range(1, 100000000));
  sweep_cmd->add_option("-t,--threads", sweep.threads, "Threads per process")
      ->transform(integer)
      ->check(CLI::Range(1, 4096));
  sweep_cmd->add_flag("-q,--quiet", sweep.quiet, "No progress bar and no summary");
  sweep_cmd->add_flag(
      "--fingerprint", sweep.fingerprint,
      "Print the sweep's fingerprint (a hash of the resolved scenario text, design points, seed "
      "and replications; 16 hex digits) and exit, e.g. to name shard files");

  SensitivityArgs sens;
  CLI::App* sens_cmd = app.add_subcommand(
      "sensitivity", "Which parameters matter: tornado, elasticities and Sobol' indices ([sensitivity] table)");
  sens_cmd->add_option("scenario", sens.scenario, "Scenario TOML file")->required();
  sens_cmd->add_option("-o,--output", sens.output, "HDF5 file (default: results/<scenario>.sensitivity.h5)");
  sens_cmd->add_flag("-f,--force", sens.force, "Overwrite the output");
  sens_cmd
      ->add_option("--samples", sens.samples,
                   "Saltelli base sample size N (default: the table's, or 256)")
      ->transform(integer)
      ->check(CLI::Range(8, 10000000));
  sens_cmd->add_flag("--no-sobol", sens.no_sobol, "Only the one-at-a-time analysis");
  sens_cmd->add_option("-t,--threads", sens.threads, "Threads per process")
      ->transform(integer)
      ->check(CLI::Range(1, 4096));
  sens_cmd->add_flag("-q,--quiet", sens.quiet, "No progress bar and no tables");

  MergeArgs merge;
  CLI::App* merge_cmd = app.add_subcommand("merge", "Combine sweep shard files into the file one run would write");
  merge_cmd->add_option("shards", merge.shards, "Shard files")->required();
  merge_cmd->add_option("-o,--output", merge.output, "Merged HDF5 file")->required();
  merge_cmd->add_flag("-f,--force", merge.force, "Overwrite the output");
  merge_cmd->add_option("--scenario", merge.scenario,
                        "Refuse shards not computed from this scenario file's current content");

  ReportArgs report;
  CLI::App* report_cmd = add_report_command(app, report);
  FitArgs fit;
  CLI::App* fit_cmd = add_fit_command(app, fit);
  OptimizeArgs optimize;
  CLI::App* optimize_cmd = add_optimize_command(app, optimize);

  // MPI is initialised before parsing (it may rewrite argv) and finalised on return.
  std::unique_ptr<Communicator> world;
  try {
    world = world_communicator(&argc, &argv);
  } catch (const std::exception& e) {
    std::cerr << "clvsim: error: " << e.what() << "\n";
    return RUNTIME_FAILURE;
  }
  const bool root = world->rank() == 0;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0 && argc > 1 && argv[1][0] != '-') {
      // An unknown command: name the closest one rather than "argument not expected".
      std::vector<std::string> commands;
      for (const CLI::App* sub : app.get_subcommands({})) commands.push_back(sub->get_name());
      if (std::find(commands.begin(), commands.end(), argv[1]) == commands.end()) {
        if (root) {
          std::string list;
          for (const auto& c : commands) list += (list.empty() ? "" : ", ") + c;
          const auto best = closest_match(argv[1], commands);
          std::cerr << "clvsim: error: unknown command '" << argv[1] << "'"
                    << (best ? " (did you mean '" + *best + "'?)" : std::string())
                    << "; the commands are " << list << " (clvsim --help)\n";
        }
        return BAD_INPUT;
      }
    }
    const int code = root ? app.exit(e) : (e.get_exit_code() == 0 ? 0 : 1);
    return code == 0 ? SUCCESS : BAD_INPUT;
  }

  // A build without MPI started by mpirun or srun would run the whole command once per process,
  // every copy writing the same output files.
  if (!built_with_mpi()) {
    const LaunchedRanks launched =
        launched_ranks([](const char* name) { return std::getenv(name); });
    if (launched.size > 1) {
      std::cerr
          << "clvsim: error: this clvsim was built without MPI, but an MPI launcher started it as "
             "one of "
          << (launched.variable.rfind("PMIX_RANK", 0) == 0 ||
                      launched.variable.rfind("SLURM_PROCID", 0) == 0
                  ? std::string("several")
                  : std::to_string(launched.size))
          << " processes (" << launched.variable
          << "): each would run the whole command and overwrite the others' output; run it without "
             "mpirun/srun, or build clvsim with MPI (docs: README, Building)\n";
      return BAD_INPUT;
    }
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
    if (*fit_cmd) return fit_command(fit, command_line);
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

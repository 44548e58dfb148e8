// clvsim sweep, sensitivity and merge: many model evaluations, distributed over MPI ranks.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <optional>

#include <unistd.h>

#include "clvsim/communicator.hpp"
#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/io/sensitivity_output.hpp"
#include "clvsim/io/sweep_output.hpp"
#include "clvsim/parallel.hpp"
#include "clvsim/sensitivity.hpp"
#include "clvsim/sweep.hpp"
#include "clvsim/variants.hpp"
#include "commands.hpp"
#include "progress.hpp"
#include "report.hpp"

namespace clvsim::cli {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string default_output(const std::string& given, const Scenario& s, const std::string& suffix) {
  if (!given.empty()) return given;
  std::filesystem::create_directories("results");
  return "results/" + s.name + "." + suffix + ".h5";
}


}  // namespace

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  try {
    if (slash != std::string::npos) {
      std::size_t used = 0;
      const int i = std::stoi(text.substr(0, slash), &used);
      const int n = std::stoi(text.substr(slash + 1));
      if (used == slash && n >= 1 && i >= 0 && i < n) return {i, n};
    }
  } catch (const std::exception&) {
  }
  throw InputError("--shard " + text + " is not a shard (write i/N with 0 <= i < N, e.g. --shard 3/16)");
}

int sweep_command(const SweepArgs& a, Communicator& comm, const std::string& command_line) {
  const auto t0 = std::chrono::steady_clock::now();
  const bool root = comm.rank() == 0;
  const Scenario base = read_scenario_file(a.scenario);
  if (!base.sweep)
    throw InputError(a.scenario + " has no [sweep] table (add one: docs/scenario.md#sweep, or see "
                                  "scenarios/saas_sweep.toml)");
  SweepSpec spec = *base.sweep;
  if (a.replications) spec.replications = *a.replications;
  const Shard shard = a.shard.empty() ? Shard{} : parse_shard(a.shard);
  const std::uint64_t seed = spec.seed != 0 ? spec.seed : base.simulation.seed;
  const std::vector<std::vector<double>> points = design_points(spec, seed);
  // Every point is checked before any is run: a bad value is bad input, not an error hours in.
  for (std::size_t i = 0; i < points.size(); ++i) (void)point_scenario(base, spec, points[i], i);

  if (a.fingerprint) {
    char hex[17];
    std::snprintf(
        hex, sizeof hex, "%016llx",
        static_cast<unsigned long long>(sweep_fingerprint(base, points, seed, spec.replications)));
    std::cout << hex << "\n";
    return SUCCESS;
  }

  std::string suffix = "sweep";
  if (shard.count > 1) suffix += ".shard" + std::to_string(shard.index) + "of" + std::to_string(shard.count);
  const std::string output = default_output(a.output, base, suffix);
  const Overwrite overwrite = a.force ? Overwrite::Allow : Overwrite::Refuse;
  const std::uint64_t fingerprint = sweep_fingerprint(base, points, seed, spec.replications);
  const std::size_t width = sweep_columns().size();

  check_outputs_are_not_inputs({output}, base.input_files);
  // A sweep another process is still running is neither resumed nor discarded.
  if (const std::string held = SweepJournal::in_use(output); !held.empty())
    throw InputError("another clvsim process is still running this sweep (it holds " + held +
                     "); wait for it to finish, or stop it and pass --resume to continue its work");
  // Journals of an interrupted run: continue them (--resume), discard them (--force), or stop.
  std::map<std::size_t, std::vector<double>> resumed;
  const bool journals = !SweepJournal::existing(output).empty();
  if (a.resume) {
    if (!journals && std::filesystem::exists(output))
      throw InputError(output + " already exists and no interrupted run of it is recorded: nothing to resume "
                                "(pass --force without --resume to compute it again)");
    resumed = SweepJournal::read(output, fingerprint, width);
  } else if (journals) {
    if (!a.force)
      throw InputError("an interrupted sweep left " + SweepJournal::existing(output).front() +
                       " (pass --resume to continue it, or --force to start over)");
    comm.barrier();
    if (root) SweepJournal::remove_all(output);
  }
  if (!a.resume || !std::filesystem::exists(output)) check_output_path(output, overwrite);
  comm.barrier();

  SweepRunOptions options;
  options.threads = a.threads;
  options.shard = shard;
  options.done.assign(points.size(), 0);
  for (const auto& [i, row] : resumed) options.done[i] = 1;
  std::optional<SweepJournal> journal;
  journal.emplace(output, comm.rank(), fingerprint, width);
  options.on_point = [&](std::size_t i, const std::vector<double>& row) { journal->append(i, row); };
  ProgressBar bar(base.name + " sweep", root && !a.quiet && stderr_is_terminal());
  options.progress = [&](std::size_t done, std::size_t total) { bar.update(done, total); };
  std::map<std::size_t, std::vector<double>> rows = run_sweep(base, spec, points, seed, comm, options);
  bar.finish();
  journal.reset();
  for (auto& [i, row] : resumed) rows.emplace(i, std::move(row));

  const Block slice = block_of(points.size(), shard.index, shard.count);
  if (root) {
    const SweepTable table = sweep_table(spec, points, rows, slice.first, slice.last);
    SweepFileInfo info;
    info.design = design_name(spec.design);
    info.seed = seed;
    info.replications = spec.replications;
    info.points_total = static_cast<std::int64_t>(points.size());
    info.fingerprint = fingerprint;
    info.threads = a.threads > 0 ? a.threads : max_threads();
    info.ranks = comm.size();
    info.wall_seconds = seconds_since(t0);
    info.shard_index = shard.index;
    info.shard_count = shard.count;
    info.command_line = command_line;
    info.scenario_name = base.name;
    info.scenario_file = base.source_file;
    info.scenario_text = base.source_text;
    write_sweep_hdf5(output, table, info, a.resume ? Overwrite::Allow : overwrite);
  }
  // The journals go only once the complete file is in place.
  comm.barrier();
  if (root) SweepJournal::remove_all(output);

  if (root && !a.quiet) {
    const std::size_t npv_mean = 0;  // sweep_columns() starts with npv_mean
    std::vector<std::size_t> order(slice.last - slice.first);
    std::iota(order.begin(), order.end(), slice.first);
    std::stable_sort(order.begin(), order.end(),
                     [&](auto x, auto y) { return rows.at(x)[npv_mean] > rows.at(y)[npv_mean]; });
    std::cout << "clvsim sweep " << base.name << ": " << design_name(spec.design) << ", "
              << slice.last - slice.first << " of " << points.size() << " points"
              << (shard.count > 1 ? " (shard " + std::to_string(shard.index) + "/" + std::to_string(shard.count) + ")"
                                  : std::string())
              << ", " << spec.replications << " replications each, " << comm.size()
              << (comm.size() == 1 ? " rank, " : " ranks, ") << format_number(seconds_since(t0), 1) << " s"
              << (resumed.empty() ? "" : ", " + std::to_string(resumed.size()) + " points resumed") << "\n\n";
    std::cout << "Best points by mean NPV:\n";
    for (std::size_t k = 0; k < std::min<std::size_t>(5, order.size()); ++k) {
      const std::size_t i = order[k];
      std::cout << "  point " << i << ": NPV " << format_number(rows.at(i)[npv_mean], 0) << "  (";
      for (std::size_t j = 0; j < spec.parameters.size(); ++j)
        std::cout << (j ? ", " : "") << spec.parameters[j].pattern << " " << op_name(spec.parameters[j].op) << " "
                  << format_number(points[i][j], 4);
      std::cout << ")\n";
    }
    std::cout << "\nResults: " << output << "\n";
  }
  return SUCCESS;
}

int sensitivity_command(const SensitivityArgs& a, Communicator& comm, const std::string& command_line) {
  const auto t0 = std::chrono::steady_clock::now();
  const bool root = comm.rank() == 0;
  const Scenario s = read_scenario_file(a.scenario);
  SensitivitySpec spec = s.sensitivity ? *s.sensitivity : SensitivitySpec{};
  if (a.samples) spec.samples = *a.samples;
  if (a.no_sobol) spec.sobol = false;
  (void)total_by_name(spec.metric);
  const std::string output = default_output(a.output, s, "sensitivity");
  const Overwrite overwrite = a.force ? Overwrite::Allow : Overwrite::Refuse;
  check_outputs_are_not_inputs({output}, s.input_files);
  if (root) check_output_path(output, overwrite);

  ProgressBar bar(s.name + " sensitivity", root && !a.quiet && stderr_is_terminal());
  const SensitivityResult r = run_sensitivity(s, spec, comm, a.threads,
                                              [&](std::size_t d, std::size_t n) { bar.update(d, n); });
  bar.finish();
  if (!root) return SUCCESS;
  write_sensitivity_hdf5(output, r, s, spec, a.threads > 0 ? a.threads : max_threads(), comm.size(),
                         seconds_since(t0), command_line, overwrite);
  if (!a.quiet) print_sensitivity(std::cout, r, s, terminal_columns(STDOUT_FILENO));
  if (!a.quiet) std::cout << "\nResults: " << output << "\n";
  return SUCCESS;
}

int merge_command(const MergeArgs& a) {
  std::optional<std::string> text;
  if (!a.scenario.empty()) text = read_scenario_file(a.scenario).source_text;
  merge_sweep_shards(a.shards, a.output, a.force ? Overwrite::Allow : Overwrite::Refuse,
                     text ? &*text : nullptr);
  std::cout << "Merged " << a.shards.size() << " shard files into " << a.output << "\n";
  return SUCCESS;
}

}  // namespace clvsim::cli

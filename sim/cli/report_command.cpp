// clvsim report: charts and tables are drawn by a Python package (matplotlib, see docs/report.md),
// found next to the executable when installed or in the source tree, and run with the system
// Python.
#include "report_command.hpp"

#include <sys/wait.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "clvsim/error.hpp"
#include "commands.hpp"

#ifndef CLVSIM_REPORT_SOURCE_DIR
#define CLVSIM_REPORT_SOURCE_DIR ""
#endif
#ifndef CLVSIM_PYTHON
#define CLVSIM_PYTHON "/usr/bin/python3"
#endif

namespace clvsim::cli {
namespace {

namespace fs = std::filesystem;

//! The directory holding the clvsim_report package: $CLVSIM_REPORT_DIR, then
//! <prefix>/share/clvsim/report next to an installed executable, then the source tree the
//! executable was built from.
fs::path find_report_package() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("CLVSIM_REPORT_DIR"); env && *env) candidates.emplace_back(env);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(exe.parent_path().parent_path() / "share" / "clvsim" / "report");
  candidates.emplace_back(CLVSIM_REPORT_SOURCE_DIR);
  for (const fs::path& dir : candidates)
    if (!dir.empty() && fs::exists(dir / "clvsim_report" / "__main__.py", ec)) return dir;
  std::string tried;
  for (const fs::path& dir : candidates) tried += (tried.empty() ? "" : ", ") + dir.string();
  throw RuntimeError("cannot find the report generator (the clvsim_report package; looked in " +
                     tried + "); set CLVSIM_REPORT_DIR to the directory that holds it");
}

}  // namespace

CLI::App* add_report_command(CLI::App& app, ReportArgs& a) {
  CLI::App* cmd = app.add_subcommand("report",
                                     "Write a self-contained HTML report with charts (and "
                                     "optionally a workbook) of a results file");
  cmd->add_option("results", a.results, "Results file written by clvsim run, sweep or sensitivity")
      ->required();
  cmd->add_option("-o,--output", a.output, "HTML file (default: the results file with .html)");
  cmd->add_option("--xlsx", a.xlsx, "Also write an Excel workbook of the report's tables");
  cmd->add_flag("-f,--force", a.force, "Overwrite existing output files");
  return cmd;
}

int report_command(const ReportArgs& a) {
  const fs::path package = find_report_package();
  std::vector<std::string> args = {CLVSIM_PYTHON, "-m", "clvsim_report", a.results};
  if (!a.output.empty()) args.insert(args.end(), {"-o", a.output});
  if (!a.xlsx.empty()) args.insert(args.end(), {"--xlsx", a.xlsx});
  if (a.force) args.emplace_back("--force");

  std::string python_path = package.string();
  if (const char* old = std::getenv("PYTHONPATH"); old && *old)
    python_path += ":" + std::string(old);

  const pid_t pid = fork();
  if (pid < 0)
    throw RuntimeError(std::string("cannot start the report generator: ") + std::strerror(errno));
  if (pid == 0) {
    setenv("PYTHONPATH", python_path.c_str(), 1);
    setenv("MPLBACKEND", "Agg", 1);
    std::vector<char*> argv;
    for (std::string& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    // Only reached when the interpreter cannot be run.
    const std::string msg = "clvsim: failure: cannot run " + args[0] + " (" + std::strerror(errno) +
                            "); install python3, python3-h5py and python3-matplotlib\n";
    [[maybe_unused]] const ssize_t n = write(STDERR_FILENO, msg.data(), msg.size());
    _exit(RUNTIME_FAILURE);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      throw RuntimeError(std::string("waiting for the report generator: ") + std::strerror(errno));
  if (WIFEXITED(status)) {
    const int code = WEXITSTATUS(status);
    return code == SUCCESS || code == BAD_INPUT ? code : RUNTIME_FAILURE;
  }
  throw RuntimeError("the report generator was stopped by signal " +
                     std::to_string(WTERMSIG(status)));
}

}  // namespace clvsim::cli

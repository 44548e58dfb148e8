// The compiled half of the clvsim Python package: scenarios, overrides and the runs, on the same
// libraries as the command line. Results are written by the same writers as the command line's
// results files and read back by the package's one reader (clvsim/_results.py), so a result
// obtained in Python and a file written by `clvsim` give the same objects, bit for bit.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "toml.hpp"  // sim/io: toml++ as clvsim configures it
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "clvsim/build_info.hpp"
#include "clvsim/communicator.hpp"
#include "clvsim/engine.hpp"
#include "clvsim/error.hpp"
#include "clvsim/fit/io/fit_run.hpp"
#include "clvsim/io/optimize_output.hpp"
#include "clvsim/io/results.hpp"
#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/io/sensitivity_output.hpp"
#include "clvsim/io/sweep_output.hpp"
#include "clvsim/model.hpp"
#include "clvsim/monte_carlo.hpp"
#include "clvsim/optimize/optimize.hpp"
#include "clvsim/parallel.hpp"
#include "clvsim/sensitivity.hpp"
#include "clvsim/sweep.hpp"
#include "clvsim/variants.hpp"

namespace py = pybind11;

namespace clvsim::python {
namespace {

// --- Interrupts ------------------------------------------------------------------------------

// A progress callback for runs that hold no GIL: at most every CHECK_INTERVAL it takes the GIL,
// lets Python handle pending signals (Ctrl-C raises KeyboardInterrupt there) and calls the user's
// progress function. A Python exception from either is thrown as error_already_set, which the
// core's parallel loop captures, stops the remaining work on, and rethrows after the loop: the
// run is cancelled and the exception reaches Python once the GIL is back.
class Interruptible {
 public:
  explicit Interruptible(py::object user) : user_(std::move(user)) {}

  void operator()(std::size_t done, std::size_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (done < total && now - last_ < CHECK_INTERVAL) return;
    last_ = now;
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    if (!user_.is_none()) user_(done, total);
  }
  // Signals only, now and then.
  void poll() {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < CHECK_INTERVAL) return;
    last_ = now;
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  }
  void operator()(const std::string& stage, int evaluations) {
    // The optimiser's stages: (stage, evaluations so far), no fraction done.
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < CHECK_INTERVAL) return;
    last_ = now;
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    if (!user_.is_none()) user_(stage, evaluations);
  }

 private:
  static constexpr std::chrono::milliseconds CHECK_INTERVAL{50};
  py::object user_;
  std::chrono::steady_clock::time_point last_{};
};

// Holders of Python objects must be destroyed with the GIL: the callbacks are built and
// destroyed outside the released region, and only called inside it.
std::function<void(std::size_t, std::size_t)> progress_function(Interruptible& i) {
  return [&i](std::size_t d, std::size_t n) { i(d, n); };
}

// --- The scenario object ---------------------------------------------------------------------

std::string number_text(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

// A scenario and the changes made to it in Python. The changes are applied with the same
// functions as the variants of a scenario file (apply_override, validate), so they are checked and
// reported the same way, and are recorded in the scenario text stored with results.
class PyScenario {
 public:
  explicit PyScenario(Scenario s) : s_(std::move(s)) {}

  static PyScenario from_file(const std::string& path) {
    return PyScenario(read_scenario_file(path));
  }
  static PyScenario from_toml(const std::string& text, const std::string& name) {
    return PyScenario(parse_scenario(text, name));
  }
  static PyScenario default_scenario() {
    return PyScenario(parse_scenario(default_scenario_text(), "<default scenario>"));
  }

  // One change, all or nothing: on any error the scenario is left as it was.
  void change(Override::Op op, const std::string& key, double value) {
    Override o;
    o.op = op;
    o.pattern = key;
    o.value.value = value;
    Scenario next = s_;
    apply_override(next, o);
    validate(next);
    if (!next.variants.empty()) (void)expand_variants(next);  // the variants still apply
    s_ = std::move(next);
    changes_.push_back(std::string(op_name(op)) + " " + key + " " + number_text(value));
  }

  // A variant declared from Python, as [variants.<name>] of a scenario file would declare it.
  void add_variant(const std::string& name, const std::string& description,
                   const std::vector<std::pair<std::string, double>>& set,
                   const std::vector<std::pair<std::string, double>>& scale,
                   const std::vector<std::pair<std::string, double>>& add) {
    VariantSpec v;
    v.name = name;
    v.description = description;
    std::string toml = "\n[variants." + toml_key(name) + "]\n";
    if (!description.empty()) toml += "description = " + toml_string(description) + "\n";
    const auto take = [&](const std::vector<std::pair<std::string, double>>& items,
                          Override::Op op) {
      if (items.empty()) return;
      toml += std::string(op_name(op)) + " = {";
      bool first = true;
      for (const auto& [key, value] : items) {
        Override o;
        o.op = op;
        o.pattern = key;
        o.value.value = value;
        v.overrides.push_back(o);
        toml += std::string(first ? " " : ", ") + toml_string(key) + " = " + number_text(value);
        first = false;
      }
      toml += " }\n";
    };
    take(set, Override::Op::Set);
    take(scale, Override::Op::Scale);
    take(add, Override::Op::Add);
    Scenario next = s_;
    next.variants.push_back(v);
    (void)expand_variants(next);  // every check a scenario file's variant gets
    s_ = std::move(next);
    variant_text_ += toml;
  }

  void remove_variants() {
    s_.variants.clear();
    variant_text_.clear();
  }

  // Values of the parameters matched by a pattern: {path: point value}.
  std::vector<std::pair<std::string, double>> get(const std::string& pattern) const {
    Scenario copy = s_;
    std::vector<std::pair<std::string, double>> out;
    for (const Param* p : match_params(copy, pattern)) out.emplace_back(p->path, p->value);
    if (out.empty()) {
      // The same message as an override that matches nothing.
      Override o;
      o.pattern = pattern;
      apply_override(copy, o);
    }
    return out;
  }

  // The text stored with results: the text read, the variants added here (as TOML tables, so
  // the text runs again as it is), and the changes made here (as comments: they have no TOML
  // form, the scenario file's keys are not key paths).
  std::string text() const {
    std::string t = s_.source_text;
    if (!changes_.empty()) {
      t += "\n# Changed in Python after reading (clvsim.Scenario.set/scale/add), in order:\n";
      for (const auto& c : changes_) t += "#   " + c + "\n";
    }
    return t + variant_text_;
  }

  // The scenario as the writers see it: the stored text includes the changes made here.
  Scenario resolved() const {
    Scenario s = s_;
    s.source_text = text();
    return s;
  }

  const Scenario& scenario() const { return s_; }
  const std::vector<std::string>& changes() const { return changes_; }

 private:
  static std::string toml_string(const std::string& s) {
    std::ostringstream os;
    os << toml::value<std::string>(s);
    return os.str();
  }
  static std::string toml_key(const std::string& s) {
    for (char c : s)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
        return toml_string(s);
    return s;
  }

  Scenario s_;
  std::vector<std::string> changes_;
  std::string variant_text_;
};

std::string python_command(const std::string& call) {
  return "python: clvsim " + call;
}

// --- Runs ------------------------------------------------------------------------------------

void run(const PyScenario& ps, const std::string& path, std::optional<int> replications,
         std::optional<std::uint64_t> seed, int threads, bool variants, bool independent_streams,
         const py::object& progress) {
  const Scenario base = ps.resolved();
  std::vector<Scenario> scenarios = expand_variants(base);
  if (!variants) scenarios.resize(1);
  RunOptions options;
  if (replications) options.replications = *replications;
  if (seed) {
    options.seed = *seed;
    options.use_seed = true;
  }
  options.threads = threads;
  options.streams = independent_streams ? Streams::Independent : Streams::Common;
  Interruptible check(progress);
  options.progress = progress_function(check);
  RunContext context;
  context.command_line = python_command("Scenario.run");
  py::gil_scoped_release release;
  const RunResults results = run_monte_carlo(scenarios, options);
  write_results_hdf5(path, results, scenarios, context, Overwrite::Allow);
}

// Expected-value mode: the exact expectation at the parameters' point values, per scenario.
py::list expected(const PyScenario& ps, bool variants) {
  std::vector<Scenario> scenarios = expand_variants(ps.resolved());
  if (!variants) scenarios.resize(1);
  py::list out;
  for (const Scenario& s : scenarios) {
    const MetricLayout layout(s);
    const auto T = static_cast<std::size_t>(s.simulation.horizon);
    std::vector<double> metrics(static_cast<std::size_t>(layout.size()) * T);
    std::vector<double> totals(static_cast<std::size_t>(Total::Count_));
    std::vector<double> ltv;
    {
      py::gil_scoped_release release;
      const ModelParams m = resolve_nominal(s);
      expected_trajectory(m, metrics, totals);
      ltv = m.ltv;
    }
    py::list infos, total_names;
    for (const MetricInfo& i : layout.metrics())
      infos.append(py::make_tuple(i.name, i.unit, static_cast<int>(i.kind), i.description));
    for (const MetricInfo& i : total_infos())
      total_names.append(py::make_tuple(i.name, i.unit, static_cast<int>(i.kind), i.description));
    std::vector<std::string> segments;
    for (const Segment& seg : s.segments) segments.push_back(seg.name);
    py::dict d;
    d["name"] = s.name;
    d["description"] = s.description;
    d["metrics"] = infos;
    d["values"] = metrics;
    d["periods"] = T;
    d["totals"] = total_names;
    d["total_values"] = totals;
    d["segments"] = segments;
    d["ltv"] = ltv;
    out.append(d);
  }
  return out;
}

void sweep(const PyScenario& ps, const std::string& path, std::optional<int> replications,
           int threads, const py::object& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  const Scenario base = ps.resolved();
  if (!base.sweep)
    throw InputError(base.name +
                     " has no [sweep] table (add one: docs/scenario.md#sweep, or see "
                     "scenarios/saas_sweep.toml)");
  SweepSpec spec = *base.sweep;
  if (replications) spec.replications = *replications;
  const std::uint64_t seed = spec.seed != 0 ? spec.seed : base.simulation.seed;
  const std::vector<std::vector<double>> points = design_points(spec, seed);
  for (std::size_t i = 0; i < points.size(); ++i) (void)point_scenario(base, spec, points[i], i);
  Interruptible check(progress);
  SweepRunOptions options;
  options.threads = threads;
  options.progress = progress_function(check);
  // Signals are also checked while a point runs: one point may take long.
  options.point_progress = [&check](std::size_t, std::size_t) { check.poll(); };
  py::gil_scoped_release release;
  SerialCommunicator comm;
  const std::map<std::size_t, std::vector<double>> rows =
      run_sweep(base, spec, points, seed, comm, options);
  SweepFileInfo info;
  info.design = design_name(spec.design);
  info.seed = seed;
  info.replications = spec.replications;
  info.points_total = static_cast<std::int64_t>(points.size());
  info.fingerprint = sweep_fingerprint(base, points, seed, spec.replications);
  info.threads = threads > 0 ? threads : max_threads();
  info.ranks = 1;
  info.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  info.command_line = python_command("Scenario.sweep");
  info.scenario_name = base.name;
  info.scenario_file = base.source_file;
  info.scenario_text = base.source_text;
  write_sweep_hdf5(path, sweep_table(spec, points, rows, 0, points.size()), info, Overwrite::Allow);
}

void sensitivity(const PyScenario& ps, const std::string& path, std::optional<int> samples,
                 bool sobol, int threads, const py::object& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  const Scenario s = ps.resolved();
  SensitivitySpec spec = s.sensitivity ? *s.sensitivity : SensitivitySpec{};
  if (samples) spec.samples = *samples;
  if (!sobol) spec.sobol = false;
  (void)total_by_name(spec.metric);
  Interruptible check(progress);
  const auto fn = progress_function(check);
  py::gil_scoped_release release;
  SerialCommunicator comm;
  const SensitivityResult r = run_sensitivity(s, spec, comm, threads, fn);
  write_sensitivity_hdf5(
      path, r, s, spec, threads > 0 ? threads : max_threads(), 1,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
      python_command("Scenario.sensitivity"), Overwrite::Allow);
}

void optimize_run(const PyScenario& ps, const std::string& path, std::optional<int> replications,
                  std::optional<int> evaluation_replications, int threads,
                  const py::object& progress) {
  Scenario s = ps.resolved();
  if (!s.optimize)
    throw InputError(s.name +
                     " has no [optimize] table (add one: docs/optimize.md, or see "
                     "scenarios/saas_optimize.toml)");
  if (replications) s.optimize->replications = *replications;
  if (evaluation_replications) s.optimize->evaluation_replications = *evaluation_replications;
  (void)optimize::make_problem(s, *s.optimize);
  Interruptible check(progress);
  optimize::Settings settings;
  settings.threads = threads;
  settings.progress = [&check](const std::string& stage, int evaluations) {
    check(stage, evaluations);
  };
  py::gil_scoped_release release;
  const optimize::Result r = optimize::run_optimize(s, settings);
  write_optimize_hdf5(path, r, threads > 0 ? threads : max_threads(),
                      python_command("Scenario.optimize"), Overwrite::Allow);
}

// `clvsim fit` with its options as keyword arguments (names as in FitOptions).
py::dict fit(const py::dict& kw) {
  fit::FitOptions o;
  std::map<std::string, std::string*> text{{"subscriptions", &o.subscriptions},
                                           {"transactions", &o.transactions},
                                           {"cohorts", &o.cohorts},
                                           {"rf_summary", &o.rf_summary},
                                           {"funnel", &o.funnel},
                                           {"channels", &o.channels},
                                           {"output", &o.output},
                                           {"base", &o.base},
                                           {"period", &o.period},
                                           {"segment", &o.segment},
                                           {"calibration_end", &o.calibration_end},
                                           {"as_of", &o.as_of},
                                           {"layout", &o.layout},
                                           {"id_column", &o.id_column},
                                           {"date_column", &o.date_column},
                                           {"amount_column", &o.amount_column},
                                           {"start_column", &o.start_column},
                                           {"end_column", &o.end_column},
                                           {"segment_column", &o.segment_column},
                                           {"stages", &o.stages},
                                           {"response", &o.response}};
  for (const auto& [k, v] : kw) {
    const std::string key = k.cast<std::string>();
    if (v.is_none()) continue;
    if (auto it = text.find(key); it != text.end())
      *it->second = py::str(v).cast<std::string>();
    else if (key == "horizon")
      o.horizon = v.cast<int>();
    else if (key == "draws")
      o.draws = v.cast<int>();
    else if (key == "seed")
      o.seed = v.cast<std::uint64_t>();
    else if (key == "cohort_size")
      o.cohort_size = v.cast<double>();
    else if (key == "calibration_periods")
      o.calibration_periods = v.cast<int>();
    else if (key == "order_value")
      o.order_value = v.cast<double>();
    else if (key == "force")
      o.force = v.cast<bool>();
    else
      throw InputError("fit() has no option '" + key + "' (docs/calibration.md lists them)");
  }
  if (o.output.empty()) throw InputError("fit() needs output: the scenario file to write");
  fit::FitRun r;
  {
    py::gil_scoped_release release;
    r = fit::run_fit(o, python_command("fit"));
  }
  py::dict d;
  d["scenario"] = r.scenario;
  d["draws"] = r.draws;
  d["report"] = r.report;
  d["text"] = r.text;
  d["summary"] = r.summary;
  return d;
}

}  // namespace
}  // namespace clvsim::python

PYBIND11_MODULE(_clvsim, m) {
  using namespace clvsim;
  using clvsim::python::PyScenario;
  m.doc() = "clvsim's engine (see the clvsim package for the documented API)";
  m.attr("__version__") = version();
  m.attr("git_revision") = git_revision();
  m.attr("build_type") = build_type();

  // Bad input: the Python side defines clvsim.InputError (a ValueError) and registers it here.
  // Never destroyed: it must outlive the interpreter's teardown.
  static auto* input_error_type = new py::object();
  m.def("_set_input_error", [](py::object type) { *input_error_type = std::move(type); });
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InputError& e) {
      if (!*input_error_type) throw;
      const SourceLocation& w = e.where();
      py::object err = (*input_error_type)(
          e.what(), e.key().empty() ? py::object(py::none()) : py::object(py::str(e.key())),
          e.value().empty() ? py::object(py::none()) : py::object(py::str(e.value())),
          e.problem().empty() ? py::object(py::none()) : py::object(py::str(e.problem())),
          e.accepted().empty() ? py::object(py::none()) : py::object(py::str(e.accepted())),
          w.file.empty() ? py::object(py::none()) : py::object(py::str(w.file)),
          w.line > 0 ? py::object(py::int_(w.line)) : py::object(py::none()),
          w.line > 0 ? py::object(py::int_(w.column)) : py::object(py::none()));
      PyErr_SetObject(input_error_type->ptr(), err.ptr());
    } catch (const RuntimeError& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });

  py::class_<PyScenario>(m, "_Scenario")
      .def_static("from_file", &PyScenario::from_file)
      .def_static("from_toml", &PyScenario::from_toml)
      .def_static("default", &PyScenario::default_scenario)
      .def("set",
           [](PyScenario& s, const std::string& k, double v) { s.change(Override::Op::Set, k, v); })
      .def("scale", [](PyScenario& s, const std::string& k,
                       double v) { s.change(Override::Op::Scale, k, v); })
      .def("add",
           [](PyScenario& s, const std::string& k, double v) { s.change(Override::Op::Add, k, v); })
      .def("add_variant", &PyScenario::add_variant)
      .def("remove_variants", &PyScenario::remove_variants)
      .def("get", &PyScenario::get)
      .def("copy", [](const PyScenario& s) { return PyScenario(s); })
      .def("parameters", [](const PyScenario& s) { return param_paths(s.scenario()); })
      .def_property_readonly("text", &PyScenario::text)
      .def_property_readonly("changes", &PyScenario::changes)
      .def_property_readonly("name", [](const PyScenario& s) { return s.scenario().name; })
      .def_property_readonly("description",
                             [](const PyScenario& s) { return s.scenario().description; })
      .def_property_readonly("currency", [](const PyScenario& s) { return s.scenario().currency; })
      .def_property_readonly("source_file",
                             [](const PyScenario& s) { return s.scenario().source_file; })
      .def_property_readonly(
          "period", [](const PyScenario& s) { return period_name(s.scenario().simulation.period); })
      .def_property_readonly(
          "periods_per_year",
          [](const PyScenario& s) { return periods_per_year(s.scenario().simulation.period); })
      .def_property_readonly("horizon",
                             [](const PyScenario& s) { return s.scenario().simulation.horizon; })
      .def_property_readonly(
          "replications", [](const PyScenario& s) { return s.scenario().simulation.replications; })
      .def_property_readonly("seed",
                             [](const PyScenario& s) { return s.scenario().simulation.seed; })
      .def_property_readonly("segments",
                             [](const PyScenario& s) {
                               std::vector<std::string> v;
                               for (const auto& x : s.scenario().segments) v.push_back(x.name);
                               return v;
                             })
      .def_property_readonly("channels",
                             [](const PyScenario& s) {
                               std::vector<std::string> v;
                               for (const auto& x : s.scenario().channels) v.push_back(x.name);
                               return v;
                             })
      .def_property_readonly("variants",
                             [](const PyScenario& s) {
                               std::vector<std::string> v;
                               for (const auto& x : s.scenario().variants) v.push_back(x.name);
                               return v;
                             })
      .def_property_readonly("has_sweep",
                             [](const PyScenario& s) { return s.scenario().sweep.has_value(); })
      .def_property_readonly(
          "has_sensitivity",
          [](const PyScenario& s) { return s.scenario().sensitivity.has_value(); })
      .def_property_readonly("has_optimize",
                             [](const PyScenario& s) { return s.scenario().optimize.has_value(); });

  m.def("run", &clvsim::python::run);
  m.def("expected", &clvsim::python::expected);
  m.def("sweep", &clvsim::python::sweep);
  m.def("sensitivity", &clvsim::python::sensitivity);
  m.def("optimize", &clvsim::python::optimize_run);
  m.def("fit", &clvsim::python::fit);
  m.def("max_threads", &max_threads);
  m.def("default_scenario_text", [] { return std::string(default_scenario_text()); });
}

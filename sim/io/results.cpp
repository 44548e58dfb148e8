#include "clvsim/io/results.hpp"

#include <ctime>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <vector>

#include "clvsim/build_info.hpp"
#include "clvsim/io/hdf5.hpp"
#include "clvsim/statistics.hpp"

namespace clvsim {
namespace {

const char* kind_name(MetricKind k) {
  switch (k) {
    case MetricKind::Flow: return "flow";
    case MetricKind::Stock: return "stock";
    case MetricKind::Ratio: return "ratio";
  }
  return "flow";
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::ostringstream os;
  os << std::put_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return os.str();
}

// Per-statistic series of one quantity: summaries over replications for each period.
struct Series {
  std::vector<double> mean, sd, std_error, quantiles;  // quantiles: [q][period]
  std::vector<std::int64_t> n;
};

Series summarize_series(const ScenarioResults& res, int metric) {
  const int T = res.periods;
  const std::size_t Q = QUANTILES.size();
  Series s;
  s.quantiles.resize(Q * T);
  for (int t = 0; t < T; ++t) {
    const Stats st = summarize(res.across(metric, t));
    s.mean.push_back(st.mean);
    s.sd.push_back(st.sd);
    s.std_error.push_back(st.std_error);
    s.n.push_back(static_cast<std::int64_t>(st.n));
    for (std::size_t q = 0; q < Q; ++q) s.quantiles[q * T + t] = st.q[q];
  }
  return s;
}

void write_scenario(h5::Group& g, const ScenarioResults& res, const Scenario& scenario) {
  const int T = res.periods;
  const std::size_t Q = QUANTILES.size();
  g.set_attr("scenario_name", scenario.name);
  g.set_attr("scenario_file", scenario.source_file);
  g.set_attr("scenario_text", scenario.source_text);

  h5::Group metrics = g.create_group("metrics");
  for (int m = 0; m < res.layout.size(); ++m) {
    const MetricInfo& info = res.layout.metrics()[m];
    h5::Group mg = metrics.create_group(info.name);
    mg.set_attr("unit", info.unit);
    mg.set_attr("kind", kind_name(info.kind));
    mg.set_attr("description", info.description);
    const Series s = summarize_series(res, m);
    mg.write("mean", s.mean);
    mg.write("sd", s.sd);
    mg.write("std_error", s.std_error);
    mg.write("quantiles", s.quantiles, {Q, static_cast<std::size_t>(T)});
    mg.write("n", s.n);
    std::vector<double> expected(res.expected_metrics.begin() + static_cast<std::ptrdiff_t>(m) * T,
                                 res.expected_metrics.begin() + static_cast<std::ptrdiff_t>(m + 1) * T);
    mg.write("expected", expected);
  }

  h5::Group totals = g.create_group("totals");
  const auto& infos = total_infos();
  std::vector<std::string> names;
  std::vector<double> mean, sd, se, quantiles, expected;
  for (std::size_t i = 0; i < infos.size(); ++i) {
    const std::vector<double> values = res.across(static_cast<Total>(i));
    totals.write(infos[i].name, values);
    totals.set_dataset_attr(infos[i].name, "unit", infos[i].unit);
    totals.set_dataset_attr(infos[i].name, "description", infos[i].description);
    const Stats st = summarize(values);
    names.push_back(infos[i].name);
    mean.push_back(st.mean);
    sd.push_back(st.sd);
    se.push_back(st.std_error);
    for (double q : st.q) quantiles.push_back(q);
    expected.push_back(res.expected_totals[i]);
  }
  h5::Group summary = g.create_group("summary");
  summary.write_strings("name", names);
  summary.write("mean", mean);
  summary.write("sd", sd);
  summary.write("std_error", se);
  summary.write("quantiles", quantiles, {names.size(), Q});
  summary.write("expected", expected);

  h5::Group ltv = g.create_group("ltv");
  std::vector<std::string> segments;
  for (const auto& seg : scenario.segments) segments.push_back(seg.name);
  ltv.write_strings("segment", segments);
  ltv.write("value", res.nominal_ltv);
}

}  // namespace

void write_results_hdf5(const std::string& path, const RunResults& results,
                        std::span<const Scenario> scenarios, const RunContext& context,
                        Overwrite overwrite) {
  AtomicOutput output(path, overwrite);
  {
    h5::File file(output.temp_path(), h5::File::Mode::Create);
    h5::Group& root = file.root();
    const Scenario& base = scenarios.front();
    root.set_attr("clvsim_version", version());
    root.set_attr("git_revision", git_revision());
    root.set_attr("build_type", build_type());
    root.set_attr("seed", results.seed);
    root.set_attr("replications", static_cast<std::int64_t>(results.replications));
    root.set_attr("threads", static_cast<std::int64_t>(results.threads));
    root.set_attr("ranks", static_cast<std::int64_t>(context.ranks));
    root.set_attr("wall_time_seconds", results.wall_seconds);
    root.set_attr("created_utc", utc_now());
    root.set_attr("command_line", context.command_line);
    root.set_attr("period", period_name(base.simulation.period));
    root.set_attr("periods_per_year", periods_per_year(base.simulation.period));
    root.set_attr("horizon", static_cast<std::int64_t>(base.simulation.horizon));
    root.set_attr("currency", base.currency);
    root.write("quantile_probabilities", std::vector<double>(QUANTILES.begin(), QUANTILES.end()));
    std::vector<std::int64_t> periods;
    for (int t = 1; t <= base.simulation.horizon; ++t) periods.push_back(t);
    root.write("period", periods);
    write_scenario(root, results.scenarios.front(), base);
    file.close();
  }
  output.commit();
}

void write_results_csv(const std::string& path, const RunResults& results, Overwrite overwrite) {
  AtomicOutput output(path, overwrite);
  {
    std::ofstream os(output.temp_path());
    if (!os) throw RuntimeError("cannot write " + output.temp_path());
    os << std::setprecision(17);
    os << "scenario,metric,period,mean,sd,std_error";
    for (double q : QUANTILES) os << ",p" << std::setw(2) << std::setfill('0') << static_cast<int>(q * 100 + 0.5);
    os << std::setfill(' ') << ",expected\n";
    auto row = [&](const std::string& scen, const std::string& metric, const std::string& period,
                   const Stats& st, double expected) {
      os << scen << ',' << metric << ',' << period << ',' << st.mean << ',' << st.sd << ','
         << st.std_error;
      for (double q : st.q) os << ',' << q;
      os << ',' << expected << '\n';
    };
    for (const ScenarioResults& res : results.scenarios) {
      const auto& infos = total_infos();
      for (std::size_t i = 0; i < infos.size(); ++i)
        row(res.name, infos[i].name, "total", summarize(res.across(static_cast<Total>(i))),
            res.expected_totals[i]);
      for (int m = 0; m < res.layout.size(); ++m)
        for (int t = 0; t < res.periods; ++t)
          row(res.name, res.layout.metrics()[m].name, std::to_string(t + 1),
              summarize(res.across(m, t)), res.expected_metrics[static_cast<std::size_t>(m) * res.periods + t]);
    }
    os.close();
    if (!os) throw RuntimeError("error writing " + output.temp_path());
  }
  output.commit();
}

}  // namespace clvsim

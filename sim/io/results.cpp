#include "clvsim/io/results.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <vector>

#include "clvsim/compare.hpp"
#include "clvsim/io/hdf5.hpp"
#include "clvsim/markov.hpp"
#include "clvsim/model.hpp"
#include "clvsim/statistics.hpp"
#include "provenance.hpp"

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
    const Stats& st = res.stats(metric, t);
    s.mean.push_back(st.mean);
    s.sd.push_back(st.sd);
    s.std_error.push_back(st.std_error);
    s.n.push_back(static_cast<std::int64_t>(st.n));
    for (std::size_t q = 0; q < Q; ++q) s.quantiles[q * T + t] = st.q[q];
  }
  return s;
}

// The values of a customer at any tenure, of a lapsed customer and of the initial base, at the
// point values (docs/model.md, section 6, "Value of the base").
void write_boundary_values(h5::Group& ltv, const Scenario& scenario) {
  const BoundaryValues b = boundary_values(resolve_nominal(scenario));
  const auto K = static_cast<std::size_t>(b.segments);
  ltv.write("value_by_tenure", b.active, {K, static_cast<std::size_t>(b.tenures)},
            {{"description",
              "value at a period boundary of a customer at tenure tau (periods survived), "
              "before the period's churn test; the last column holds every longer tenure"}});
  if (b.window > 0) {
    ltv.write(
        "value_lapsed", b.lapsed, {K, static_cast<std::size_t>(b.window)},
        {{"description", "value at a period boundary of a customer lapsed d = 1..W periods"}});
  }
  ltv.write("base_value", b.initial, {},
            {{"description", "value at time 0 of the initial customers of each segment"}});
}

// yearly/: per-replication yearly values [Y, R] and their statistics (docs/results.md).
void write_yearly(h5::Group& g, const ScenarioResults& res) {
  const auto Y = static_cast<std::size_t>(res.years);
  const auto R = static_cast<std::size_t>(res.replications);
  const std::size_t Q = QUANTILES.size();
  h5::Group yearly = g.create_group("yearly");
  std::vector<std::int64_t> years;
  for (std::size_t y = 1; y <= Y; ++y) years.push_back(static_cast<std::int64_t>(y));
  yearly.write("year", years);
  h5::Group summary = yearly.create_group("summary");
  for (std::size_t i = 0; i < YEARLY_METRICS.size(); ++i) {
    const YearlyMetric& ym = YEARLY_METRICS[i];
    const MetricInfo& info = res.layout.metrics()[res.layout.index(ym.name)];
    // Row y of the dataset is year y's column of the store.
    yearly.write_later(
        ym.name, {Y, R},
        [&res, i, R](std::size_t first, std::span<double> out) {
          for (std::size_t done = 0; done < out.size();) {
            const std::size_t y = (first + done) / R, r = (first + done) % R;
            const std::size_t n = std::min(out.size() - done, R - r);
            res.read_column(res.yearly_column(i, static_cast<int>(y)), r, out.subspan(done, n));
            done += n;
          }
        },
        {{"unit", info.unit},
         {"kind", ym.flow ? "flow" : "stock"},
         {"description", info.description + (ym.flow ? " (summed over the year's periods)"
                                                     : " (at the year's last period)")}});
    std::vector<double> mean, sd, se, q(Y * Q), expected;
    for (std::size_t y = 0; y < Y; ++y) {
      const Stats& st = res.yearly_stat(i, static_cast<int>(y));
      mean.push_back(st.mean);
      sd.push_back(st.sd);
      se.push_back(st.std_error);
      for (std::size_t k = 0; k < Q; ++k) q[y * Q + k] = st.q[k];
      expected.push_back(res.expected_yearly[i * Y + y]);
    }
    h5::Group mg = summary.create_group(ym.name);
    mg.write("mean", mean);
    mg.write("sd", sd);
    mg.write("std_error", se);
    mg.write("quantiles", q, {Y, Q});
    mg.write("expected", expected);
  }
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
    h5::Group mg = metrics.create_group(
        info.name,
        {{"unit", info.unit}, {"kind", kind_name(info.kind)}, {"description", info.description}});
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

  // Per-replication values reach the file from the store when it is closed, a chunk at a time.
  h5::Group totals = g.create_group("totals");
  const auto& infos = total_infos();
  const auto R = static_cast<std::size_t>(res.replications);
  std::vector<std::string> names;
  std::vector<double> mean, sd, se, quantiles, expected;
  for (std::size_t i = 0; i < infos.size(); ++i) {
    totals.write_later(infos[i].name, {R},
                       [&res, i](std::size_t first, std::span<double> out) {
                         res.read_column(ScenarioResults::total_column(static_cast<Total>(i)),
                                         first, out);
                       },
                       {{"unit", infos[i].unit}, {"description", infos[i].description}});
    const Stats& st = res.total_stats[i];
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

  write_yearly(g, res);

  h5::Group ltv = g.create_group("ltv");
  std::vector<std::string> segments;
  for (const auto& seg : scenario.segments) segments.push_back(seg.name);
  ltv.write_strings("segment", segments);
  ltv.write("value", res.nominal_ltv);
  write_boundary_values(ltv, scenario);
}

// Statistics of a list of paired differences, one row per item.
void write_deltas(h5::Group& g, const std::vector<DeltaSummary>& rows) {
  std::vector<double> base, variant, mean, se, unpaired, ci, interval, p, pct;
  for (const DeltaSummary& d : rows) {
    base.push_back(d.base_mean);
    variant.push_back(d.variant_mean);
    mean.push_back(d.mean);
    se.push_back(d.std_error);
    unpaired.push_back(d.unpaired_std_error);
    ci.insert(ci.end(), {d.ci_low, d.ci_high});
    interval.insert(interval.end(), {d.q_low, d.q_high});
    p.push_back(d.p_higher);
    pct.push_back(d.percent);
  }
  const std::size_t n = rows.size();
  g.write("base_mean", base);
  g.write("variant_mean", variant);
  g.write("delta_mean", mean);
  g.write("delta_std_error", se);
  g.write("unpaired_std_error", unpaired);
  g.write("delta_ci90", ci, {n, 2});
  g.write("delta_interval90", interval, {n, 2});
  g.write("p_variant_higher", p);
  g.write("percent_change", pct);
}

void write_comparison(h5::Group& g, const ScenarioResults& base, const ScenarioResults& variant,
                      const Scenario& variant_scenario, double periods_per_year) {
  const Comparison c = compare(base, variant, periods_per_year);
  g.set_attr("description", variant_scenario.description);
  g.set_attr("base_annual_retention", c.base_annual_retention);
  g.set_attr("variant_annual_retention", c.variant_annual_retention);
  g.set_attr("marginal_ltv_cac", c.marginal_ltv_cac);
  if (const RetentionSolution& rs = variant_scenario.retention_solution; !std::isnan(rs.goal)) {
    // A retention goal solved in expected-value mode (docs/model.md, section 9).
    g.set_attr("retention_goal_base", rs.base);
    g.set_attr("retention_goal", rs.goal);
    g.set_attr("retention_goal_reached", rs.reached);
    g.set_attr("retention_goal_churn_scale", rs.churn_scale);
  }

  const auto& infos = total_infos();
  h5::Group totals = g.create_group("totals");
  std::vector<std::string> names;
  for (std::size_t i = 0; i < infos.size(); ++i) {
    names.push_back(infos[i].name);
    h5::Group tg = totals.create_group(infos[i].name);
    tg.write_later("delta", {static_cast<std::size_t>(base.replications)},
                   [&base, &variant, i](std::size_t first, std::span<double> out) {
                     const std::size_t col = ScenarioResults::total_column(static_cast<Total>(i));
                     std::vector<double> b(out.size());
                     base.read_column(col, first, b);
                     variant.read_column(col, first, out);
                     for (std::size_t r = 0; r < out.size(); ++r) out[r] -= b[r];
                   });
  }
  h5::Group summary = g.create_group("summary");
  summary.write_strings("name", names);
  write_deltas(summary, c.totals);

  h5::Group years = g.create_group("by_year");
  std::vector<std::int64_t> year_numbers;
  for (int y = 1; y <= year_count(base.periods, periods_per_year); ++y) year_numbers.push_back(y);
  years.write("year", year_numbers);
  for (const YearlyDelta& yd : c.by_year) {
    h5::Group yg = years.create_group(yd.metric);
    write_deltas(yg, yd.years);
  }

  // Per-period differences of every metric, summarised as the replications ran.
  h5::Group periods = g.create_group("metrics");
  const int T = variant.periods;
  const std::size_t Q = QUANTILES.size();
  for (int m = 0; m < variant.layout.size(); ++m) {
    std::vector<double> mean, se, q(Q * static_cast<std::size_t>(T));
    for (int t = 0; t < T; ++t) {
      const Stats& st = variant.paired_delta[static_cast<std::size_t>(m) * T + t];
      mean.push_back(st.mean);
      se.push_back(st.std_error);
      for (std::size_t k = 0; k < Q; ++k) q[k * T + t] = st.q[k];
    }
    h5::Group mg = periods.create_group(variant.layout.metrics()[m].name);
    mg.write("delta_mean", mean);
    mg.write("delta_std_error", se);
    mg.write("delta_quantiles", q, {Q, static_cast<std::size_t>(T)});
  }
}

}  // namespace

void write_results_hdf5(AtomicOutput& output, const RunResults& results,
                        std::span<const Scenario> scenarios, const RunContext& context) {
  output.write([&](const std::string& temp) {
    h5::File file(temp, h5::File::Mode::Create);
    h5::Group& root = file.root();
    const Scenario& base = scenarios.front();
    detail::write_provenance(root, {context.command_line, results.threads, context.ranks, results.wall_seconds,
                                    base.name, base.source_file, base.source_text});
    root.set_attr("seed", results.seed);
    root.set_attr("replications", static_cast<std::int64_t>(results.replications));
    root.set_attr("period", period_name(base.simulation.period));
    root.set_attr("periods_per_year", periods_per_year(base.simulation.period));
    root.set_attr("horizon", static_cast<std::int64_t>(base.simulation.horizon));
    root.set_attr("currency", base.currency);
    root.write("quantile_probabilities", std::vector<double>(QUANTILES.begin(), QUANTILES.end()));
    root.set_attr("quantile_exact_up_to", static_cast<std::int64_t>(StreamingStats::EXACT_QUANTILES));
    root.set_attr("quantile_relative_error", std::ldexp(1.0, -HISTOGRAM_BITS));
    std::vector<std::int64_t> periods;
    for (int t = 1; t <= base.simulation.horizon; ++t) periods.push_back(t);
    root.write("period", periods);
    root.set_attr("streams", results.streams == Streams::Common ? "common" : "independent");
    write_scenario(root, results.scenarios.front(), base);
    if (scenarios.size() > 1) {
      h5::Group variants = root.create_group("variants");
      h5::Group comparisons = root.create_group("comparison");
      const double ppy = periods_per_year(base.simulation.period);
      for (std::size_t v = 1; v < scenarios.size(); ++v) {
        h5::Group vg = variants.create_group(scenarios[v].name);
        vg.set_attr("description", scenarios[v].description);
        write_scenario(vg, results.scenarios[v], scenarios[v]);
        h5::Group cg = comparisons.create_group(scenarios[v].name);
        write_comparison(cg, results.scenarios.front(), results.scenarios[v], scenarios[v], ppy);
      }
    }
    file.close();
  });
}

namespace {

// CSV numbers: 10 significant digits (money to the cent below 100 million, ratios to 1e-10),
// "nan" and "inf" as pandas reads them.
constexpr int CSV_DIGITS = 10;

// A stream reports only that it failed; errno still holds why (a full disk: ENOSPC or EFBIG).
std::string write_failed(const std::string& path) {
  const int err = errno;
  return "cannot write " + path +
         (err != 0 ? " (" + std::string(std::strerror(err)) + ")" : std::string());
}

template <class Body>
void write_csv(AtomicOutput& output, Body body) {
  output.write([&](const std::string& temp) {
    std::ofstream os(temp);
    if (!os) throw RuntimeError("cannot write " + temp);
    os << std::setprecision(CSV_DIGITS);
    body(os);
    os.close();
    if (!os) throw RuntimeError(write_failed(temp));
  });
}

void stats_header(std::ostream& os) {
  os << "mean,sd,std_error";
  for (double q : QUANTILES) os << ",p" << std::setw(2) << std::setfill('0') << static_cast<int>(q * 100 + 0.5);
  os << std::setfill(' ') << ",expected\n";
}

void stats_row(std::ostream& os, const Stats& st, double expected) {
  os << st.mean << ',' << st.sd << ',' << st.std_error;
  for (double q : st.q) os << ',' << q;
  os << ',' << expected << '\n';
}

}  // namespace

void write_results_csv(AtomicOutput& output, const RunResults& results) {
  write_csv(output, [&](std::ostream& os) {
    os << "scenario,metric,period,";
    stats_header(os);
    for (const ScenarioResults& res : results.scenarios)
      for (int m = 0; m < res.layout.size(); ++m)
        for (int t = 0; t < res.periods; ++t) {
          os << res.name << ',' << res.layout.metrics()[m].name << ',' << t + 1 << ',';
          stats_row(os, res.stats(m, t),
                    res.expected_metrics[static_cast<std::size_t>(m) * res.periods + t]);
        }
  });
}

void write_totals_csv(AtomicOutput& output, const RunResults& results) {
  write_csv(output, [&](std::ostream& os) {
    os << "scenario,total,";
    stats_header(os);
    for (const ScenarioResults& res : results.scenarios) {
      const auto& infos = total_infos();
      for (std::size_t i = 0; i < infos.size(); ++i) {
        os << res.name << ',' << infos[i].name << ',';
        stats_row(os, res.total_stats[i], res.expected_totals[i]);
      }
    }
  });
}

}  // namespace clvsim

namespace clvsim {

namespace {

constexpr const char* DELTA_COLUMNS = "base_mean,variant_mean,delta_mean,delta_std_error,delta_ci90_low,delta_ci90_high,"
                                      "delta_p05,delta_p95,percent_change,p_variant_higher\n";

void delta_row(std::ostream& os, const DeltaSummary& d) {
  os << d.base_mean << ',' << d.variant_mean << ',' << d.mean << ',' << d.std_error << ',' << d.ci_low << ','
     << d.ci_high << ',' << d.q_low << ',' << d.q_high << ',' << d.percent << ',' << d.p_higher << '\n';
}

}  // namespace

std::string companion_csv_path(const std::string& csv, const std::string& suffix) {
  const std::filesystem::path p(csv);
  return (p.parent_path() / (p.stem().string() + suffix + ".csv")).string();
}

void write_yearly_csv(AtomicOutput& output, const RunResults& results) {
  write_csv(output, [&](std::ostream& os) {
    os << "scenario,metric,year,";
    stats_header(os);
    for (const ScenarioResults& res : results.scenarios)
      for (std::size_t i = 0; i < YEARLY_METRICS.size(); ++i)
        for (int y = 0; y < res.years; ++y) {
          os << res.name << ',' << YEARLY_METRICS[i].name << ',' << y + 1 << ',';
          stats_row(os, res.yearly_stat(i, y),
                    res.expected_yearly[i * static_cast<std::size_t>(res.years) + y]);
        }
  });
}

void write_comparison_csv(AtomicOutput& output, const RunResults& results,
                          std::span<const Scenario> scenarios) {
  const double ppy = periods_per_year(scenarios.front().simulation.period);
  write_csv(output, [&](std::ostream& os) {
    os << "variant,total," << DELTA_COLUMNS;
    for (std::size_t v = 1; v < results.scenarios.size(); ++v) {
      const Comparison c = compare(results.scenarios.front(), results.scenarios[v], ppy);
      const auto& infos = total_infos();
      for (std::size_t i = 0; i < infos.size(); ++i) {
        os << c.variant << ',' << infos[i].name << ',';
        delta_row(os, c.totals[i]);
      }
    }
  });
}

void write_comparison_by_year_csv(AtomicOutput& output, const RunResults& results,
                                  std::span<const Scenario> scenarios) {
  const double ppy = periods_per_year(scenarios.front().simulation.period);
  write_csv(output, [&](std::ostream& os) {
    os << "variant,metric,year," << DELTA_COLUMNS;
    for (std::size_t v = 1; v < results.scenarios.size(); ++v) {
      const Comparison c = compare(results.scenarios.front(), results.scenarios[v], ppy);
      for (const YearlyDelta& yd : c.by_year)
        for (std::size_t y = 0; y < yd.years.size(); ++y) {
          os << c.variant << ',' << yd.metric << ',' << y + 1 << ',';
          delta_row(os, yd.years[y]);
        }
    }
  });
}

// One output alone: written, then committed.

void write_results_hdf5(const std::string& path, const RunResults& results,
                        std::span<const Scenario> scenarios, const RunContext& context,
                        Overwrite overwrite) {
  AtomicOutput output(path, overwrite);
  write_results_hdf5(output, results, scenarios, context);
  output.commit();
}

void write_results_csv(const std::string& path, const RunResults& results, Overwrite overwrite) {
  AtomicOutput output(path, overwrite);
  write_results_csv(output, results);
  output.commit();
}

void write_totals_csv(const std::string& path, const RunResults& results, Overwrite overwrite) {
  AtomicOutput output(path, overwrite);
  write_totals_csv(output, results);
  output.commit();
}

void write_yearly_csv(const std::string& path, const RunResults& results, Overwrite overwrite) {
  AtomicOutput output(path, overwrite);
  write_yearly_csv(output, results);
  output.commit();
}

void write_comparison_csv(const std::string& path, const RunResults& results,
                          std::span<const Scenario> scenarios, Overwrite overwrite) {
  AtomicOutput output(path, overwrite);
  write_comparison_csv(output, results, scenarios);
  output.commit();
}

void write_comparison_by_year_csv(const std::string& path, const RunResults& results,
                                  std::span<const Scenario> scenarios, Overwrite overwrite) {
  AtomicOutput output(path, overwrite);
  write_comparison_by_year_csv(output, results, scenarios);
  output.commit();
}

}  // namespace clvsim

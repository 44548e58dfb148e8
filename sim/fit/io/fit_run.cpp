// Fitting a scenario to a company's records: read the data, fit the models, write the scenario,
// its joint draws and the fit report (docs/calibration.md). `clvsim fit` and the Python module
// both call run_fit.
#include "clvsim/fit/io/fit_run.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include "clvsim/error.hpp"
#include "clvsim/fit/bgbb.hpp"
#include "clvsim/fit/gamma_gamma.hpp"
#include "clvsim/fit/io/fitted_scenario.hpp"
#include "clvsim/fit/io/readers.hpp"
#include "clvsim/fit/sbg.hpp"
#include "clvsim/io/atomic_file.hpp"
#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/random.hpp"

namespace clvsim::fit {
namespace fs = std::filesystem;

namespace {

std::optional<int> date_option(const std::string& name, const std::string& value) {
  if (value.empty()) return std::nullopt;
  const auto d = parse_date(value);
  if (!d) throw InputError("--" + name + " " + value + " is not a date (" + DATE_FORMS + ")");
  return d;
}

void check_name(const std::string& what, const std::string& name) {
  const bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-';
  });
  if (!ok)
    throw InputError(what + " '" + name + "' is not a valid name (letters, digits, '_' and '-')");
}

std::string with_commas(double v) {
  const std::string digits = std::to_string(std::llabs(std::llround(v)));
  std::string s = v < 0 ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return s;
}

std::string array_toml(const std::vector<double>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + toml_number(v[i]);
  return s + "]";
}

//! Run a fit, naming the data in an InputError (e.g. a plan in which nobody has churned yet).
template <class F>
FitResult fitted(const std::string& what, F&& fit) {
  try {
    return fit();
  } catch (const InputError& e) {
    throw InputError(what + ": " + e.what());
  }
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

struct Outputs {
  std::string toml, draws, h5;
};

Outputs output_paths(const std::string& toml) {
  const fs::path p(toml);
  const fs::path stem = p.parent_path() / p.stem();
  return {toml, stem.string() + ".draws.csv", stem.string() + ".fit.h5"};
}

}  // namespace

FitRun run_fit(const FitOptions& a, const std::string& command_line) {
  if (a.subscriptions.empty() && a.transactions.empty() && a.cohorts.empty() &&
      a.rf_summary.empty() && a.funnel.empty() && a.channels.empty())
    throw InputError(
        "clvsim fit needs data: give at least one of --subscriptions, --transactions, "
        "--cohorts, --rf-summary, --funnel, --channels");
  const PeriodClock clock(a.period);
  if (a.layout != "csv" && a.layout != "cdnow")
    throw InputError("--layout " + a.layout + " is not a layout (accepted: csv, cdnow)");
  if (!a.response.empty() && a.response != "linear" && a.response != "saturating")
    throw InputError("--response " + a.response +
                     " is not a response (accepted: linear, saturating)");
  const auto calibration_end = date_option("calibration-end", a.calibration_end);
  const auto as_of = date_option("as-of", a.as_of);
  if (!a.segment.empty()) check_name("--segment", a.segment);
  const Overwrite overwrite = a.force ? Overwrite::Allow : Overwrite::Refuse;
  const Outputs out = output_paths(a.output);
  for (const std::string& p : {out.toml, out.draws, out.h5}) check_output_path(p, overwrite);

  // The base scenario, when extending one: its period must be ours; names and responses follow it.
  std::optional<Scenario> base;
  if (!a.base.empty()) {
    base = read_scenario_file(a.base);
    if (std::string(period_name(base->simulation.period)) != a.period)
      throw InputError("--period " + a.period + " differs from the base scenario's period " +
                       period_name(base->simulation.period) + " (" + a.base +
                       "): fit with --period " + period_name(base->simulation.period));
  }

  FittedScenario s;
  s.name = fs::path(a.output).stem().string();
  s.period = a.period;
  s.horizon = a.horizon;
  s.header.push_back("Fitted by clvsim fit (docs/calibration.md): " + command_line);
  s.header.push_back("Each fitted key carries its estimate, standard error and data source.");
  if (base)
    s.base =
        fs::relative(fs::absolute(a.base), fs::absolute(a.output).parent_path()).generic_string();
  std::vector<Eigen::MatrixXd> draw_blocks;
  std::uint64_t draw_index = 0;
  auto draws_of = [&](const FitResult& r) {
    return draw_parameters(r, a.draws, a.seed + draw_index++);
  };
  const std::string default_segment = a.segment.empty() ? "fitted" : a.segment;
  int default_horizon = 36;
  std::vector<std::pair<std::string, std::vector<double>>> initial;  // segment -> by tenure

  auto check_segment_churn = [&](const std::string& segment, bool sbg) {
    if (!base) return;
    for (const Segment& seg : base->segments)
      if (seg.name == segment && (seg.churn_model == ChurnModel::ShiftedBetaGeometric) != sbg)
        throw InputError(
            "segment '" + segment + "' of " + a.base + " uses " + (sbg ? "churn" : "churn_sbg") +
            ", and the fit gives " + (sbg ? "churn_sbg" : "churn") +
            "; an extending file cannot remove a key: fit into a new segment with --segment");
  };

  // --- contractual churn: subscriptions and cohort tables (sBG) ---
  if (!a.subscriptions.empty()) {
    SubscriptionOptions o;
    o.columns = {a.id_column, a.start_column, a.end_column, a.segment_column};
    o.period = a.period;
    o.as_of = calibration_end ? std::optional<int>(*calibration_end - 1) : as_of;
    const SubscriptionData d = read_subscriptions(a.subscriptions, o);
    std::optional<SubscriptionHoldout> holdout;
    for (std::size_t k = 0; k < d.segments.size(); ++k) {
      const std::string seg = a.segment_column.empty() ? default_segment : d.segments[k];
      check_name("segment", seg);
      ReportedFit f{"segments." + seg + " churn per " + a.period,
                    a.subscriptions + ": " + with_commas(d.survival[k].customers()) +
                        " subscriptions" +
                        (a.segment_column.empty() ? "" : " of plan " + d.segments[k]) + ", as of " +
                        format_date(d.as_of),
                    fitted(a.subscriptions + " (segment " + seg + ")",
                           [&] { return fit_sbg(d.survival[k]); })};
      check_segment_churn(seg, f.result.model == "sbg");
      add_churn(s, seg, f, draws_of(f.result));
      initial.emplace_back(seg, d.active_by_tenure[k]);
      if (calibration_end) {
        if (!holdout) holdout = read_subscription_holdout(a.subscriptions, o);
        const auto pos =
            std::find(holdout->segments.begin(), holdout->segments.end(), d.segments[k]);
        const auto j = static_cast<std::size_t>(pos - holdout->segments.begin());
        HoldoutTable h;
        h.label = seg + ", subscribers active on " + format_date(d.as_of);
        h.quantity = "still subscribed k periods later, of those observed that long";
        for (std::size_t i = 0; i < holdout->survived[j].size(); ++i) {
          double expected = 0.0;
          for (const auto& [tenure, count] : holdout->observed[j][i]) {
            const int kk = static_cast<int>(i) + 1;
            if (f.result.model == "sbg") {
              const double al = f.result.param("alpha").estimate,
                           be = f.result.param("beta").estimate;
              expected += count * std::exp(sbg_log_survival(al, be, tenure + kk) -
                                           sbg_log_survival(al, be, tenure));
            } else {
              expected += count * std::pow(1.0 - f.result.param("churn").estimate, kk);
            }
          }
          h.period.push_back(static_cast<int>(i) + 1);
          h.start.push_back("+" + std::to_string(i + 1));
          h.actual.push_back(holdout->survived[j][i]);
          h.expected.push_back(expected);
          h.holdout.push_back(true);
        }
        s.holdouts.push_back(h);
      }
    }
  }
  if (!a.cohorts.empty()) {
    const CohortTable t = read_cohorts(a.cohorts, a.cohort_size);
    const int periods = static_cast<int>(t.alive[0].size()) - 1;
    const int calib = std::min(a.calibration_periods.value_or(periods), periods);
    default_horizon = periods;
    for (std::size_t k = 0; k < t.cohorts.size(); ++k) {
      std::string seg = t.cohorts[k];
      // "regular_pct" holds percentages of the regular cohort: the segment is "regular".
      if (a.cohort_size && seg.size() > 4 && seg.ends_with("_pct")) seg.resize(seg.size() - 4);
      check_name("cohort", seg);
      const auto& alive = t.alive[k];
      ReportedFit f{
          "segments." + seg + " churn per " + a.period,
          a.cohorts + ": cohort of " + with_commas(alive[0]) + ", periods 1-" +
              std::to_string(calib),
          fitted(a.cohorts + " (cohort " + seg + ")", [&] {
            return fit_sbg(survival_from_cohort(std::span<const double>(alive).first(calib + 1)));
          })};
      check_segment_churn(seg, f.result.model == "sbg");
      add_churn(s, seg, f, draws_of(f.result));
      initial.emplace_back(seg, std::vector<double>{alive[0]});
      HoldoutTable h;
      h.label = seg;
      h.quantity = "customers active at the end of the period";
      for (int t2 = 1; t2 <= periods; ++t2) {
        double surv;
        if (f.result.model == "sbg")
          surv = std::exp(sbg_log_survival(f.result.param("alpha").estimate,
                                           f.result.param("beta").estimate, t2));
        else
          surv = std::pow(1.0 - f.result.param("churn").estimate, t2);
        h.period.push_back(t2);
        h.start.push_back(std::to_string(t2));
        h.actual.push_back(alive[static_cast<std::size_t>(t2)]);
        h.expected.push_back(alive[0] * surv);
        h.holdout.push_back(t2 > calib);
      }
      s.holdouts.push_back(h);
    }
  }

  // --- repeat buying (BG/BB) and spend (gamma-gamma) ---
  if (!a.transactions.empty()) {
    TransactionOptions o;
    o.layout = a.layout == "cdnow" ? TransactionLayout::Cdnow : TransactionLayout::Csv;
    o.columns = {a.id_column, a.date_column, a.amount_column, a.segment_column};
    o.period = a.period;
    o.calibration_end = calibration_end;
    for (const TransactionSummary& t : read_transactions_by_segment(a.transactions, o)) {
      const std::string seg = a.segment_column.empty() ? default_segment : t.segment;
      check_name("segment", seg);
      const std::string window =
          format_date(t.first_day) + " to " + format_date(t.calibration_end - 1);
      const std::string of_segment = a.segment_column.empty() ? "" : " of segment " + t.segment;
      if (a.subscriptions.empty()) {
        ReportedFit f{"segments." + seg + " repeat buying per " + a.period + " (BG/BB)",
                      a.transactions + ": " + with_commas(t.rf.customers()) + " customers" +
                          of_segment + ", " + window,
                      fitted(a.transactions + of_segment, [&] { return fit_bgbb(t.rf); })};
        check_segment_churn(seg, f.result.param_index("theta") < 0);
        add_bgbb(s, seg, f, draws_of(f.result));
        initial.emplace_back(seg, std::vector<double>{t.rf.customers()});
        HoldoutTable h;
        h.label = seg;
        h.quantity = "repeat transactions per period" + of_segment;
        h.cumulative = true;
        for (const TrackingRow& r : bgbb_tracking(t, bgbb_params(f.result), a.period)) {
          h.period.push_back(r.period);
          h.start.push_back(format_date(r.start_day));
          h.actual.push_back(r.actual);
          h.expected.push_back(r.expected);
          h.holdout.push_back(r.holdout);
        }
        s.holdouts.push_back(h);
      }
      const bool has_amounts = o.layout == TransactionLayout::Cdnow || !o.columns.amount.empty();
      if (has_amounts && t.spend.size() >= 2) {
        ReportedFit f{"segments." + seg + " spend per transaction (gamma-gamma)",
                      a.transactions + ": repeat transactions of " +
                          with_commas(static_cast<double>(t.spend.size())) + " customers" +
                          of_segment + ", " + window,
                      fitted(a.transactions + of_segment + " (spend)",
                             [&] { return fit_gamma_gamma(t.spend); })};
        add_spend(s, seg, f, draws_of(f.result));
      }
    }
  }
  if (!a.rf_summary.empty()) {
    const RfSummary rf = read_rf_summary(a.rf_summary, RfColumns{});
    ReportedFit f{"segments." + default_segment + " repeat buying per " + a.period + " (BG/BB)",
                  a.rf_summary + ": " + with_commas(rf.customers()) + " customers",
                  fitted(a.rf_summary, [&] { return fit_bgbb(rf); })};
    add_bgbb(s, default_segment, f, draws_of(f.result));
    initial.emplace_back(default_segment, std::vector<double>{rf.customers()});
    int n = 0;
    for (const RfRow& r : rf.rows) n = std::max(n, r.periods);
    default_horizon = n;
  }

  // --- funnel and channels ---
  std::vector<std::string> stages = split_list(a.stages);
  if (stages.empty() && base)
    for (const Stage& st : base->stages) stages.push_back(st.name);
  if (stages.empty()) stages = {"lead", "mql", "sql", "opportunity"};
  if (!a.funnel.empty()) {
    FunnelOptions o;
    o.columns = {"lead_id", "stage", a.date_column};
    o.stages = stages;
    o.period = a.period;
    o.as_of = as_of;
    const auto counts = read_funnel(a.funnel, o);
    add_funnel(s, counts, a.funnel, draw_funnel(counts, a.draws, a.seed + draw_index++));
  }
  std::vector<std::string> channel_names;
  if (!a.channels.empty()) {
    for (const auto& [name, history] : read_channels(a.channels, ChannelColumns{})) {
      check_name("channel", name);
      std::string response = a.response;
      if (response.empty()) {
        response = "linear";
        if (base)
          for (const Channel& ch : base->channels)
            if (ch.name == name && ch.response == Response::Saturating) response = "saturating";
      }
      if (base)
        for (const Channel& ch : base->channels)
          if (ch.name == name &&
              (ch.response == Response::Saturating) != (response == "saturating"))
            throw InputError("channel '" + name + "' of " + a.base +
                             " has the other response; an extending "
                             "file cannot remove its keys: fit with --response matching the base");
      double spend = 0.0;
      for (const ChannelPeriod& p : history) spend += p.spend;
      ReportedFit f{"channels." + name + " " + response + " response",
                    a.channels + ": " + std::to_string(history.size()) + " periods",
                    // Structured bindings captured by name: clang before 16 cannot capture them.
                    fitted(a.channels + " (channel " + name + ")", [&response, &h = history] {
                      return response == "linear" ? fit_linear_channel(h)
                                                  : fit_saturating_channel(h);
                    })};
      add_channel(s, name, f, spend / static_cast<double>(history.size()), draws_of(f.result));
      if (!base) {
        s.set("channels." + name, "spend", toml_number(spend / static_cast<double>(history.size())),
              {"mean spend per period in the history; replace it with your plan"});
      }
      channel_names.push_back(name);
    }
  }

  // --- what a complete scenario needs besides the fits ---
  for (auto& [seg, by_tenure] : initial) {
    const std::string table = "segments." + seg;
    const bool in_base =
        base && std::any_of(base->segments.begin(), base->segments.end(),
                            [&name = seg](const Segment& b) { return b.name == name; });
    if (in_base) {
      // The base's initial customers (and initial_tenure, which an array would contradict) stay.
      s.set(
          table, "# initial_customers", "",
          {"the data's customers at the start of the forecast, by tenure: " + array_toml(by_tenure),
           "(not set: the base's segment keeps its own initial customers)"});
    } else if (by_tenure.size() == 1) {
      s.set(table, "initial_customers", toml_number(by_tenure[0]),
            {"customers at the start of the forecast (a new cohort, tenure 0)"});
    } else {
      s.set(table, "initial_customers", array_toml(by_tenure),
            {"customers active on the as-of date by tenure in periods (element i: i periods)"});
    }
  }
  if (!base) {
    if (!s.horizon) s.horizon = default_horizon;
    if (!a.funnel.empty() || !channel_names.empty()) {
      std::string list;
      for (const auto& st : stages) list += (list.empty() ? "\"" : ", \"") + st + "\"";
      s.set("funnel", "stages", "[" + list + "]");
      for (const auto& st : stages)
        if (!s.has("funnel." + st, "advance"))
          s.set("funnel." + st, "advance", "0.0", {"no data for this stage: set it"});
    } else {
      s.set("funnel", "stages", "[\"lead\"]",
            {"no funnel data: a placeholder stage that brings no customers"});
      s.set("funnel.lead", "advance", "0.0");
    }
    std::vector<std::string> segments = s.segments();
    if (segments.empty()) {
      segments.push_back(default_segment);
      s.set("segments." + default_segment, "churn", "0.0", {"no churn data: set it"});
    }
    for (const std::string& seg : segments) {
      const std::string table = "segments." + seg;
      if (!s.has(table, "order_value"))
        s.set(table, "order_value", toml_number(a.order_value.value_or(0.0)),
              {a.order_value ? "revenue per order (--order-value)"
                             : "revenue per order: not in the data, set it (or --order-value)"});
      if (!s.has(table, "order_model") && !a.subscriptions.empty())
        s.set(table, "order_model", "\"fixed\"", {"one invoice per period while subscribed"});
    }
    if (segments.size() > 1)
      for (const std::string& ch : channel_names) {
        std::string mix;
        for (const std::string& seg : segments) mix += (mix.empty() ? "" : ", ") + seg + " = 1";
        s.set("channels." + ch, "segment_mix", "{ " + mix + " }",
              {"equal weights: set the real mix"});
      }
  } else if (a.order_value) {
    for (const std::string& seg : s.segments())
      s.set("segments." + seg, "order_value", toml_number(*a.order_value));
  }

  // --- write: all three files appear together or not at all ---
  AtomicOutput toml_out(out.toml, overwrite), draws_out(out.draws, overwrite),
      h5_out(out.h5, overwrite);
  auto write_text = [](const std::string& path, const std::string& text) {
    std::ofstream os(path, std::ios::binary | std::ios::trunc);
    os << text;
    os.close();
    if (!os) throw RuntimeError("cannot write " + path);
  };
  write_text(toml_out.temp_path(), scenario_toml(s, fs::path(out.draws).filename().string()));
  write_text(draws_out.temp_path(), draws_csv(s));
  write_fit_hdf5(h5_out.temp_path(), s, command_line);
  draws_out.commit();
  h5_out.commit();
  toml_out.commit();
  FitRun run;
  run.scenario = out.toml;
  run.draws = out.draws;
  run.report = out.h5;
  run.text = fit_report(s);
  run.summary = "Wrote " + out.toml + " (" +
                (base ? "extends " + *s.base : std::string("complete scenario")) + "), " +
                out.draws + " (" + std::to_string(a.draws) + " joint draws of " +
                std::to_string(s.draws.size()) + " parameters) and " + out.h5;
  return run;
}

}  // namespace clvsim::fit

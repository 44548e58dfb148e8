// clvsim fit: read the company's records, fit the models, write a scenario, its draws and a
// fit report. The reading, fitting and writing live in clvsim::fit and clvsim::fit_io.
#include "fit_command.hpp"

#include <iostream>

#include "clvsim/fit/io/fit_run.hpp"
#include "commands.hpp"

namespace clvsim::cli {
using clvsim::fit::FitRun;
using clvsim::fit::run_fit;

CLI::App* add_fit_command(CLI::App& app, FitArgs& a) {
  CLI::App* c = app.add_subcommand(
      "fit",
      "Fit churn, repeat buying, spend, funnel and channels to your records; write a scenario "
      "with the estimates' joint uncertainty (docs/calibration.md)");
  c->add_option("--subscriptions", a.subscriptions,
                "Subscriptions CSV: id, start, end (empty while active)");
  c->add_option("--transactions", a.transactions,
                "Transaction log: id, date, amount (CSV, or --layout cdnow)");
  c->add_option("--cohorts", a.cohorts,
                "Cohort survival table: period, then customers active per cohort");
  c->add_option("--rf-summary", a.rf_summary,
                "Recency-frequency summary: frequency, recency, periods, weights");
  c->add_option("--funnel", a.funnel, "Funnel events: lead_id, stage, date");
  c->add_option("--channels", a.channels, "Channel history: period, channel, spend, leads");
  c->add_option("-o,--output", a.output,
                "Scenario to write (also <stem>.draws.csv and <stem>.fit.h5)")
      ->required();
  c->add_option("--base", a.base,
                "Write a fragment that extends this scenario instead of a complete one");
  c->add_option("--period", a.period,
                "Period of the scenario: day, week, month, quarter, year (default month)");
  c->add_option("--horizon", a.horizon, "Periods to forecast in the written scenario")
      ->check(CLI::Range(1, 100000));
  c->add_option("--draws", a.draws, "Joint parameter draws to write (default 1000)")
      ->check(CLI::Range(2, 10000000));
  c->add_option("--seed", a.seed, "Seed of the draws");
  c->add_option("--segment", a.segment,
                "Segment the fitted customers form (default: 'fitted', or the plans)");
  c->add_option(
      "--calibration-end", a.calibration_end,
      "First day of the holdout (YYYY-MM-DD): fit before it, compare the forecast after it");
  c->add_option("--as-of", a.as_of,
                "Date the subscription or funnel data were extracted (default: latest date)");
  c->add_option("--cohort-size", a.cohort_size,
                "Cohort table values are percentages of this many customers")
      ->check(CLI::PositiveNumber);
  c->add_option("--calibration-periods", a.calibration_periods,
                "Cohort table: fit periods 1..K, hold out the rest")
      ->check(CLI::Range(1, 100000));
  c->add_option("--layout", a.layout,
                "Transaction file layout: csv or cdnow (whitespace, no header)");
  c->add_option("--id-column", a.id_column, "Customer id column (default customer_id)");
  c->add_option("--date-column", a.date_column,
                "Transaction or funnel event date column (default date)");
  c->add_option("--amount-column", a.amount_column,
                "Transaction amount column (default amount; empty: none)");
  c->add_option("--start-column", a.start_column, "Subscription start column (default start)");
  c->add_option("--end-column", a.end_column, "Subscription end column (default end)");
  c->add_option("--segment-column", a.segment_column,
                "Subscription plan/segment column (default: none)");
  c->add_option(
      "--stages", a.stages,
      "Funnel stages in order, comma-separated (default: the base's, or lead,mql,sql,opportunity)");
  c->add_option("--response", a.response,
                "Channel response: linear or saturating (default: the base's, or linear)");
  c->add_option("--order-value", a.order_value, "Revenue per order when no transactions are given")
      ->check(CLI::NonNegativeNumber);
  c->add_flag("-f,--force", a.force, "Overwrite existing output files");
  c->add_flag("-q,--quiet", a.quiet, "No fit report");
  return c;
}

int fit_command(const FitArgs& a, const std::string& command_line) {
  const FitRun run = run_fit(a, command_line);
  if (!a.quiet) std::cout << run.text << run.summary << "\n";
  return SUCCESS;
}

}  // namespace clvsim::cli

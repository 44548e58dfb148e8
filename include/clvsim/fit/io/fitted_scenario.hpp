#pragma once

// A scenario built from fits: keys with their comments (estimate, standard error, data source),
// the joint draws of the fitted parameters by dotted key path, and the fit report. Rendering to
// TOML, CSV and HDF5 happens here; deciding which fit sets which key is `add_*` below.

#include <optional>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "clvsim/fit/estimate.hpp"
#include "clvsim/fit/funnel.hpp"
#include "clvsim/fit/io/readers.hpp"

namespace clvsim::fit {

//! One `key = value` line of a table, with its comment lines above it.
struct ScenarioEntry {
  std::string table;  //!< e.g. "segments.basic"
  std::string key;    //!< e.g. "churn_sbg"
  std::string value;  //!< TOML text, e.g. "{ alpha = 0.668, beta = 3.806 }"
  std::vector<std::string> comments;
};

//! A column of joint draws: one value per draw.
struct DrawColumn {
  std::string path;  //!< dotted key path, e.g. "segments.basic.churn_sbg.alpha"
  std::vector<double> values;
};

//! A fit as reported and stored: the estimator's result and where its data came from.
struct ReportedFit {
  std::string label;   //!< e.g. "segments.basic churn (sBG)"
  std::string source;  //!< e.g. "subs.csv: 1,204 subscriptions, as of 2024-06-30"
  FitResult result;
};

//! A holdout comparison, period by period.
struct HoldoutTable {
  std::string label;
  std::string quantity;  //!< what is compared, e.g. "repeat transactions", "customers active"
  std::vector<int> period;
  std::vector<std::string> start;  //!< date or period label
  std::vector<double> actual, expected;
  std::vector<bool> holdout;
  bool cumulative = false;  //!< a flow (transactions): the report adds cumulative columns
};

struct FittedScenario {
  std::string name;
  std::string period = "month";
  std::optional<int> horizon;
  std::optional<std::string> base;  //!< path written into `extends`
  std::vector<std::string> header;  //!< comment lines at the top
  std::vector<ScenarioEntry> entries;
  std::vector<DrawColumn> draws;
  std::vector<ReportedFit> fits;
  std::vector<StageRates> funnel;  //!< for the report
  std::vector<HoldoutTable> holdouts;

  //! Set a key (replacing an earlier one of the same table and key).
  void set(const std::string& table, const std::string& key, const std::string& value,
           std::vector<std::string> comments = {});
  [[nodiscard]] bool has(const std::string& table, const std::string& key) const;
  [[nodiscard]] std::vector<std::string> segments() const;
};

//! Number with up to 10 significant digits, as TOML.
std::string toml_number(double v);
//! "estimate 0.668 (standard error 0.104, 95% interval 0.49 to 0.91)".
std::string describe(const Parameter& p);

//! sBG (or its geometric limit) as a segment's churn; draws of the fit's parameters.
void add_churn(FittedScenario& s, const std::string& segment, const ReportedFit& fit,
               const Eigen::MatrixXd& draws);
//! BG/BB as a segment's Bernoulli orders (mean purchase probability) and sBG dropout.
void add_bgbb(FittedScenario& s, const std::string& segment, const ReportedFit& fit,
              const Eigen::MatrixXd& draws);
//! Gamma-gamma as a segment's order_value (mean) and order_value_cv.
void add_spend(FittedScenario& s, const std::string& segment, const ReportedFit& fit,
               const Eigen::MatrixXd& draws);
//! Funnel rates (posterior draws) of every stage.
void add_funnel(FittedScenario& s, const std::vector<StageCounts>& counts,
                const std::string& source, const Eigen::MatrixXd& draws);
//! A channel's response (linear or saturating fit) and its mean spend per period.
void add_channel(FittedScenario& s, const std::string& channel, const ReportedFit& fit,
                 double mean_spend, const Eigen::MatrixXd& draws);

//! The scenario as TOML. `draws_file` is the draws CSV relative to the scenario's directory
//! (no [parameter_draws] table when there are no draws).
std::string scenario_toml(const FittedScenario& s, const std::string& draws_file);
//! The draws as CSV: a header of key paths, one row per draw, numbers with 17 significant digits.
std::string draws_csv(const FittedScenario& s);
//! The printed fit report: estimates, standard errors, 95% intervals, log-likelihoods, and the
//! holdout tables.
std::string fit_report(const FittedScenario& s);
//! The fit report as HDF5 (for plots): /fits/<i>, /funnel, /holdout/<i>.
void write_fit_hdf5(const std::string& path, const FittedScenario& s,
                    const std::string& command_line);

}  // namespace clvsim::fit

#include "clvsim/fit/io/fitted_scenario.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "clvsim/build_info.hpp"
#include "clvsim/error.hpp"
#include "clvsim/fit/gamma_gamma.hpp"
#include "clvsim/io/hdf5.hpp"

namespace clvsim::fit {

void FittedScenario::set(const std::string& table, const std::string& key, const std::string& value,
                         std::vector<std::string> comments) {
  for (ScenarioEntry& e : entries)
    if (e.table == table && e.key == key) {
      e.value = value;
      e.comments = std::move(comments);
      return;
    }
  entries.push_back({table, key, value, std::move(comments)});
}

bool FittedScenario::has(const std::string& table, const std::string& key) const {
  return std::any_of(entries.begin(), entries.end(),
                     [&](const ScenarioEntry& e) { return e.table == table && e.key == key; });
}

std::vector<std::string> FittedScenario::segments() const {
  std::vector<std::string> out;
  for (const ScenarioEntry& e : entries)
    if (e.table.rfind("segments.", 0) == 0) {
      const std::string segment = e.table.substr(9);
      if (std::find(out.begin(), out.end(), segment) == out.end()) out.push_back(segment);
    }
  return out;
}

std::string toml_number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  std::string s = buf;
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

namespace {
std::string g4(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::vector<double> column(const Eigen::MatrixXd& m, Eigen::Index j) {
  std::vector<double> v(static_cast<std::size_t>(m.rows()));
  for (Eigen::Index i = 0; i < m.rows(); ++i) v[static_cast<std::size_t>(i)] = m(i, j);
  return v;
}

Eigen::Index index_of(const FitResult& r, const std::string& name) {
  for (std::size_t i = 0; i < r.params.size(); ++i)
    if (r.params[i].name == name) return static_cast<Eigen::Index>(i);
  return -1;
}

void add_draws(FittedScenario& s, const std::string& path, std::vector<double> values) {
  if (values.empty()) return;
  for (DrawColumn& c : s.draws)
    if (c.path == path) {
      c.values = std::move(values);
      return;
    }
  s.draws.push_back({path, std::move(values)});
}

std::vector<std::string> fit_comments(const ReportedFit& f, const std::string& what) {
  std::vector<std::string> c;
  c.push_back(what + ", maximum likelihood on " + f.source);
  for (const Parameter& p : f.result.params) c.push_back("  " + p.name + ": " + describe(p));
  if (f.result.params.size() == 2 && f.result.model != "saturating_channel")
    c.push_back("  correlation of the two estimates (transformed scale): " +
                g4(f.result.correlation(0, 1)));
  c.push_back("  log-likelihood " + g4(f.result.log_likelihood));
  if (!f.result.boundary_note.empty()) c.push_back("  " + f.result.boundary_note);
  return c;
}
}  // namespace

std::string describe(const Parameter& p) {
  return "estimate " + g4(p.estimate) + " (standard error " + g4(p.std_error) + ", 95% interval " +
         g4(p.lower) + " to " + g4(p.upper) + ")";
}

void add_churn(FittedScenario& s, const std::string& segment, const ReportedFit& f,
               const Eigen::MatrixXd& draws) {
  const std::string table = "segments." + segment;
  s.fits.push_back(f);
  if (f.result.model == "sbg") {
    const double a = f.result.param("alpha").estimate, b = f.result.param("beta").estimate;
    s.set(table, "churn_sbg", "{ alpha = " + toml_number(a) + ", beta = " + toml_number(b) + " }",
          fit_comments(f, "shifted-beta-geometric churn (Fader & Hardie 2007)"));
    add_draws(s, table + ".churn_sbg.alpha", column(draws, 0));
    add_draws(s, table + ".churn_sbg.beta", column(draws, 1));
  } else {
    s.set(table, "churn", toml_number(f.result.param("churn").estimate),
          fit_comments(
              f, "constant churn (the homogeneous limit of the shifted-beta-geometric model)"));
    add_draws(s, table + ".churn", column(draws, 0));
  }
}

void add_bgbb(FittedScenario& s, const std::string& segment, const ReportedFit& f,
              const Eigen::MatrixXd& draws) {
  const std::string table = "segments." + segment;
  s.fits.push_back(f);
  const FitResult& r = f.result;
  auto comments = fit_comments(f, "BG/BB repeat buying (Fader, Hardie & Shang 2010)");
  std::vector<double> p_draws(static_cast<std::size_t>(draws.rows()));
  double p_hat;
  if (const Eigen::Index ia = index_of(r, "alpha"); ia >= 0) {
    const Eigen::Index ib = index_of(r, "beta");
    p_hat = r.params[ia].estimate / (r.params[ia].estimate + r.params[ib].estimate);
    for (Eigen::Index d = 0; d < draws.rows(); ++d)
      p_draws[static_cast<std::size_t>(d)] = draws(d, ia) / (draws(d, ia) + draws(d, ib));
  } else {
    const Eigen::Index ip = index_of(r, "p");
    p_hat = r.params[ip].estimate;
    p_draws = column(draws, ip);
  }
  s.set(table, "order_model", "\"bernoulli\"",
        {"BG/BB: each period an active customer orders with probability p, p ~ Beta(alpha, beta);",
         "the engine uses its mean alpha / (alpha + beta), which gives the same expected orders"});
  s.set(table, "orders_per_period", toml_number(p_hat), {"mean purchase probability per period"});
  add_draws(s, table + ".orders_per_period", p_draws);
  if (const Eigen::Index ig = index_of(r, "gamma"); ig >= 0) {
    const Eigen::Index id = index_of(r, "delta");
    s.set(table, "churn_sbg",
          "{ alpha = " + toml_number(r.params[ig].estimate) +
              ", beta = " + toml_number(r.params[id].estimate) + " }",
          comments);
    s.entries.back().comments.push_back(
        "dropout theta ~ Beta(gamma, delta): churn_sbg = { alpha = gamma, beta = delta }");
    add_draws(s, table + ".churn_sbg.alpha", column(draws, ig));
    add_draws(s, table + ".churn_sbg.beta", column(draws, id));
  } else {
    const Eigen::Index it = index_of(r, "theta");
    s.set(table, "churn", toml_number(r.params[it].estimate), comments);
    add_draws(s, table + ".churn", column(draws, it));
  }
}

void add_spend(FittedScenario& s, const std::string& segment, const ReportedFit& f,
               const Eigen::MatrixXd& draws) {
  const std::string table = "segments." + segment;
  s.fits.push_back(f);
  const double p = f.result.param("p").estimate, q = f.result.param("q").estimate,
               g = f.result.param("gamma").estimate;
  auto comments = fit_comments(f, "gamma-gamma spend per transaction (Fader, Hardie & Lee 2005)");
  if (!(q > 1.0)) {
    comments.push_back(
        "q <= 1: the mean spend per transaction is infinite; order_value is not set");
    s.set(table, "# order_value", "", comments);
    return;
  }
  comments.push_back("order_value = p gamma / (q - 1), the mean value of a transaction");
  s.set(table, "order_value", toml_number(gamma_gamma_mean(p, q, g)), comments);
  std::vector<double> mean(static_cast<std::size_t>(draws.rows())), cv(mean.size());
  bool finite = true;
  for (Eigen::Index d = 0; d < draws.rows(); ++d) {
    mean[static_cast<std::size_t>(d)] = gamma_gamma_mean(draws(d, 0), draws(d, 1), draws(d, 2));
    cv[static_cast<std::size_t>(d)] = gamma_gamma_cv(draws(d, 0), draws(d, 1));
    finite = finite && std::isfinite(mean[static_cast<std::size_t>(d)]) &&
             std::isfinite(cv[static_cast<std::size_t>(d)]);
  }
  if (q > 2.0) {
    s.set(table, "order_value_cv", toml_number(gamma_gamma_cv(p, q)),
          {"coefficient of variation of a transaction's value across all customers,",
           "sqrt((q - 1 + p) / (p (q - 2))); the engine draws order values independently, so",
           "expected revenue is exact but a customer's spend does not persist between orders"});
  }
  if (finite) {
    add_draws(s, table + ".order_value", mean);
    if (q > 2.0) add_draws(s, table + ".order_value_cv", cv);
  }
}

void add_funnel(FittedScenario& s, const std::vector<StageCounts>& counts,
                const std::string& source, const Eigen::MatrixXd& draws) {
  s.funnel = fit_funnel(counts);
  for (std::size_t k = 0; k < counts.size(); ++k) {
    const StageRates& r = s.funnel[k];
    const std::string table = "funnel." + r.stage;
    const auto col = static_cast<Eigen::Index>(4 * k);
    auto write = [&](const std::string& key, const RateEstimate& e, Eigen::Index j) {
      s.set(table, key, toml_number(e.posterior_mean()),
            {key + ": posterior mean with a uniform prior, from " + g4(e.trials) +
             " prospect-periods of " + source + " (maximum likelihood " + g4(e.mle) +
             ", 95% posterior interval " + g4(e.lower) + " to " + g4(e.upper) + ")"});
      add_draws(s, table + "." + key, column(draws, col + j));
    };
    if (r.advance.trials > 0) {
      write("advance", r.advance, 0);
      write("drop", r.drop, 1);
    }
    if (r.nurtured_advance.trials > 0) {
      write("nurtured_advance", r.nurtured_advance, 2);
      write("nurtured_drop", r.nurtured_drop, 3);
    }
  }
}

void add_channel(FittedScenario& s, const std::string& channel, const ReportedFit& f,
                 double mean_spend, const Eigen::MatrixXd& draws) {
  const std::string table = "channels." + channel;
  s.fits.push_back(f);
  if (f.result.model == "linear_channel") {
    s.set(table, "cost_per_lead", toml_number(f.result.param("cost_per_lead").estimate),
          fit_comments(f, "linear response, leads ~ Poisson(spend / cost_per_lead)"));
    add_draws(s, table + ".cost_per_lead", column(draws, 0));
  } else {
    s.set(table, "response", "\"saturating\"");
    s.set(table, "max_leads", toml_number(f.result.param("max_leads").estimate),
          fit_comments(f,
                       "saturating response, leads ~ Poisson(max_leads spend / (spend + "
                       "half_saturation_spend))"));
    s.set(table, "half_saturation_spend",
          toml_number(f.result.param("half_saturation_spend").estimate));
    add_draws(s, table + ".max_leads", column(draws, 0));
    add_draws(s, table + ".half_saturation_spend", column(draws, 1));
  }
  (void)mean_spend;
}

std::string scenario_toml(const FittedScenario& s, const std::string& draws_file) {
  std::ostringstream os;
  for (const std::string& h : s.header) os << "# " << h << "\n";
  os << "\n";
  if (s.base) os << "extends = \"" << *s.base << "\"\n\n";
  os << "[scenario]\nname = \"" << s.name << "\"\n\n";
  if (!s.base || s.horizon) {
    os << "[simulation]\n";
    if (!s.base) os << "period = \"" << s.period << "\"\n";
    if (s.horizon) os << "horizon = " << *s.horizon << "\n";
    os << "\n";
  }
  std::vector<std::string> tables;
  for (const ScenarioEntry& e : s.entries)
    if (std::find(tables.begin(), tables.end(), e.table) == tables.end()) tables.push_back(e.table);
  for (const std::string& t : tables) {
    os << "[" << t << "]\n";
    for (const ScenarioEntry& e : s.entries) {
      if (e.table != t) continue;
      for (const std::string& c : e.comments) os << "# " << c << "\n";
      if (e.key.rfind("#", 0) != 0) os << e.key << " = " << e.value << "\n";
    }
    os << "\n";
  }
  if (!s.draws.empty()) {
    os << "# Joint draws of the fitted parameters (asymptotic normal of the estimates on the log "
          "or\n"
          "# logit scale): each replication uses one row, so the estimates' correlations are "
          "kept.\n"
          "[parameter_draws]\nfile = \""
       << draws_file << "\"\n";
  }
  return os.str();
}

std::string draws_csv(const FittedScenario& s) {
  std::ostringstream os;
  for (std::size_t j = 0; j < s.draws.size(); ++j) os << (j ? "," : "") << s.draws[j].path;
  os << "\n";
  const std::size_t rows = s.draws.empty() ? 0 : s.draws.front().values.size();
  char buf[64];
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < s.draws.size(); ++j) {
      std::snprintf(buf, sizeof buf, "%.17g", s.draws[j].values[i]);
      os << (j ? "," : "") << buf;
    }
    os << "\n";
  }
  return os.str();
}

std::string fit_report(const FittedScenario& s) {
  std::ostringstream os;
  char buf[256];
  for (const ReportedFit& f : s.fits) {
    os << f.label << "\n  data: " << f.source << "\n";
    std::snprintf(buf, sizeof buf, "  %-22s %12s %12s %25s\n", "parameter", "estimate",
                  "std. error", "95% interval");
    os << buf;
    for (const Parameter& p : f.result.params) {
      std::snprintf(buf, sizeof buf, "  %-22s %12.5g %12.4g    [%10.5g, %10.5g]\n", p.name.c_str(),
                    p.estimate, p.std_error, p.lower, p.upper);
      os << buf;
    }
    std::snprintf(buf, sizeof buf, "  log-likelihood %.2f over %.0f observations\n",
                  f.result.log_likelihood, f.result.observations);
    os << buf;
    if (!f.result.boundary_note.empty()) os << "  note: " << f.result.boundary_note << "\n";
    os << "\n";
  }
  if (!s.funnel.empty()) {
    os << "Funnel rates per period (posterior mean and 95% interval, uniform prior)\n";
    std::snprintf(buf, sizeof buf, "  %-14s %-18s %9s %9s %22s\n", "stage", "rate", "MLE", "mean",
                  "95% interval");
    os << buf;
    for (const StageRates& r : s.funnel) {
      const std::pair<const char*, const RateEstimate*> rates[] = {
          {"advance", &r.advance},
          {"drop", &r.drop},
          {"nurtured_advance", &r.nurtured_advance},
          {"nurtured_drop", &r.nurtured_drop}};
      for (const auto& [name, e] : rates) {
        if (e->trials <= 0) continue;
        std::snprintf(buf, sizeof buf, "  %-14s %-18s %9.4f %9.4f    [%7.4f, %7.4f]  (%g)\n",
                      r.stage.c_str(), name, e->mle, e->posterior_mean(), e->lower, e->upper,
                      e->trials);
        os << buf;
      }
    }
    os << "\n";
  }
  for (const HoldoutTable& h : s.holdouts) {
    os << "Tracking: " << h.label << " (" << h.quantity << ")\n";
    std::snprintf(buf, sizeof buf, "  %6s %-12s %12s %12s", "period", "start", "actual",
                  "forecast");
    os << buf;
    if (h.cumulative) {
      std::snprintf(buf, sizeof buf, " %12s %12s", "cum. actual", "cum. fcst");
      os << buf;
    }
    os << "\n";
    double ca = 0, ce = 0;
    for (std::size_t i = 0; i < h.period.size(); ++i) {
      ca += h.actual[i];
      ce += h.expected[i];
      std::snprintf(buf, sizeof buf, "  %6d %-12s %12.1f %12.1f", h.period[i], h.start[i].c_str(),
                    h.actual[i], h.expected[i]);
      os << buf;
      if (h.cumulative) {
        std::snprintf(buf, sizeof buf, " %12.1f %12.1f", ca, ce);
        os << buf;
      }
      os << (h.holdout[i] ? "  holdout\n" : "\n");
    }
    os << "\n";
  }
  return os.str();
}

void write_fit_hdf5(const std::string& path, const FittedScenario& s,
                    const std::string& command_line) {
  h5::File file(path, h5::File::Mode::Create);
  h5::Group& root = file.root();
  root.set_attr("kind", "fit");
  root.set_attr("clvsim_version", version());
  root.set_attr("git_revision", git_revision());
  root.set_attr("command_line", command_line);
  root.set_attr("scenario", s.name);
  h5::Group fits = root.create_group("fits");
  for (std::size_t i = 0; i < s.fits.size(); ++i) {
    const ReportedFit& f = s.fits[i];
    h5::Group g = fits.create_group(std::to_string(i));
    g.set_attr("label", f.label);
    g.set_attr("source", f.source);
    g.set_attr("model", f.result.model);
    g.set_attr("log_likelihood", f.result.log_likelihood);
    g.set_attr("observations", f.result.observations);
    g.set_attr("boundary_note", f.result.boundary_note);
    std::vector<std::string> names;
    std::vector<double> est, se, lo, hi;
    for (const Parameter& p : f.result.params) {
      names.push_back(p.name);
      est.push_back(p.estimate);
      se.push_back(p.std_error);
      lo.push_back(p.lower);
      hi.push_back(p.upper);
    }
    g.write_strings("parameter", names);
    g.write("estimate", est);
    g.write("std_error", se);
    g.write("lower95", lo);
    g.write("upper95", hi);
    const auto n = static_cast<std::size_t>(f.result.covariance.rows());
    std::vector<double> cov(n * n);
    for (std::size_t a = 0; a < n; ++a)
      for (std::size_t b = 0; b < n; ++b)
        cov[a * n + b] =
            f.result.covariance(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b));
    g.write("covariance_transformed", cov, {n, n});
  }
  if (!s.funnel.empty()) {
    h5::Group g = root.create_group("funnel");
    std::vector<std::string> stages;
    std::vector<double> v[4][4];  // rate x (mle, mean, lower, upper)
    for (const StageRates& r : s.funnel) {
      stages.push_back(r.stage);
      const RateEstimate* e[4] = {&r.advance, &r.drop, &r.nurtured_advance, &r.nurtured_drop};
      for (int k = 0; k < 4; ++k) {
        v[k][0].push_back(e[k]->mle);
        v[k][1].push_back(e[k]->posterior_mean());
        v[k][2].push_back(e[k]->lower);
        v[k][3].push_back(e[k]->upper);
      }
    }
    g.write_strings("stage", stages);
    const char* rates[] = {"advance", "drop", "nurtured_advance", "nurtured_drop"};
    const char* stats[] = {"mle", "posterior_mean", "lower95", "upper95"};
    for (int k = 0; k < 4; ++k)
      for (int j = 0; j < 4; ++j) g.write(std::string(rates[k]) + "_" + stats[j], v[k][j]);
  }
  h5::Group holdout = root.create_group("holdout");
  for (std::size_t i = 0; i < s.holdouts.size(); ++i) {
    const HoldoutTable& h = s.holdouts[i];
    h5::Group g = holdout.create_group(std::to_string(i));
    g.set_attr("label", h.label);
    g.set_attr("quantity", h.quantity);
    std::vector<std::int64_t> period(h.period.begin(), h.period.end());
    std::vector<std::uint8_t> flag(h.holdout.begin(), h.holdout.end());
    g.write("period", period);
    g.write_strings("start", h.start);
    g.write("actual", h.actual);
    g.write("forecast", h.expected);
    g.write("holdout", flag);
  }
  file.close();
}

}  // namespace clvsim::fit

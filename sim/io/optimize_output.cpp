#include "clvsim/io/optimize_output.hpp"

#include "clvsim/io/hdf5.hpp"
#include "provenance.hpp"

namespace clvsim {
namespace {

const char* sense_name(OptimizeSpec::Budget::Sense s) {
  switch (s) {
    case OptimizeSpec::Budget::Sense::AtMost:
      return "max";
    case OptimizeSpec::Budget::Sense::AtLeast:
      return "min";
    case OptimizeSpec::Budget::Sense::Equal:
      return "equals";
  }
  return "max";
}

std::vector<double> stats_row(const Stats& s) {
  std::vector<double> row{s.mean, s.sd, s.std_error};
  row.insert(row.end(), s.q.begin(), s.q.end());
  row.push_back(static_cast<double>(s.n));
  return row;
}

}  // namespace

void write_optimize_hdf5(const std::string& path, const optimize::Result& r, int threads,
                         const std::string& command_line, Overwrite overwrite) {
  const optimize::Problem& p = r.problem;
  const OptimizeSpec& spec = p.spec;
  const std::size_t n = p.size();
  const bool risk = !r.risk.x.empty();
  AtomicOutput output(path, overwrite);
  {
    h5::File file(output.temp_path(), h5::File::Mode::Create);
    h5::Group& root = file.root();
    root.set_attr("kind", "optimize");
    detail::write_provenance(root, {command_line, threads, 1, r.seconds, p.base.name,
                                    p.base.source_file, p.base.source_text});
    root.set_attr("objective", optimize::objective_name(spec.objective));
    root.set_attr("objective_description", optimize::objective_description(spec));
    root.set_attr("metric", spec.metric);
    root.set_attr("level", spec.level);
    root.set_attr("target", spec.target);
    root.set_attr("k", spec.k);
    root.set_attr("replications", static_cast<std::int64_t>(spec.replications));
    root.set_attr("saa_seed", r.saa_seed);
    root.set_attr("expected_algorithm", r.expected.algorithm);
    root.set_attr("expected_evaluations", static_cast<std::int64_t>(r.expected.evaluations));
    root.set_attr("expected_optimum_value", r.expected.value);
    if (risk) {
      root.set_attr("risk_algorithm", r.risk.algorithm);
      root.set_attr("risk_evaluations", static_cast<std::int64_t>(r.risk.evaluations));
      root.set_attr("risk_optimum_saa_value", r.risk.value);
    }

    h5::Group vars = root.create_group("variables");
    std::vector<std::string> kinds;
    for (auto k : p.kinds) kinds.push_back(optimize::lever_kind_name(k));
    vars.write_strings("name", p.names);
    vars.write_strings("kind", kinds);
    vars.write("min", p.lower);
    vars.write("max", p.upper);
    vars.write("today", r.today);
    vars.write("expected_optimum", r.expected.x);
    if (risk) vars.write("risk_optimum", r.risk.x);
    vars.write("plan", r.plan);

    h5::Group budgets = root.create_group("budgets");
    std::vector<std::string> names, senses;
    std::vector<double> bounds, coefficients, today, plan;
    for (const auto& c : p.constraints) {
      names.push_back(c.name);
      senses.push_back(sense_name(c.sense));
      bounds.push_back(c.bound);
      coefficients.insert(coefficients.end(), c.a.begin(), c.a.end());
      today.push_back(optimize::constraint_value(c, r.today));
      plan.push_back(optimize::constraint_value(c, r.plan));
    }
    budgets.write_strings("name", names);
    budgets.write_strings("sense", senses);
    budgets.write("bound", bounds);
    budgets.write("coefficients", coefficients, {p.constraints.size(), n});
    budgets.write("value_today", today);
    budgets.write("value_plan", plan);

    h5::Group ev = root.create_group("evaluation");
    ev.set_attr("seed", r.evaluation_seed);
    ev.set_attr("replications", static_cast<std::int64_t>(r.evaluation_replications));
    ev.set_attr("today_expected", r.today_expected);
    ev.set_attr("plan_expected", r.plan_expected);
    std::vector<double> stats = stats_row(r.today_stats);
    const std::vector<double> plan_row = stats_row(r.plan_stats);
    stats.insert(stats.end(), plan_row.begin(), plan_row.end());
    ev.write("statistics", stats, {2, plan_row.size()});
    ev.set_dataset_attr("statistics", "rows", "today, plan");
    ev.set_dataset_attr("statistics", "columns", "mean, sd, std_error, q05, q25, q50, q75, q95, n");
    ev.write(
        "objective",
        std::vector<double>{r.today_objective.value, r.today_objective.low, r.today_objective.high,
                            r.plan_objective.value, r.plan_objective.low, r.plan_objective.high},
        {2, 3});
    ev.set_dataset_attr("objective", "columns", "value, ci_low, ci_high");
    const DeltaSummary& d = r.difference;
    ev.write("difference", std::vector<double>{d.mean, d.std_error, d.ci_low, d.ci_high, d.q_low,
                                               d.q_high, d.p_higher, static_cast<double>(d.n)});
    ev.set_dataset_attr("difference", "columns",
                        "mean, std_error, ci90_low, ci90_high, q05, q95, p_better, n");

    h5::Group eq = root.create_group("equity");
    std::vector<double> der, dpu, vpd, mc;
    std::vector<std::uint8_t> at_bound;
    for (const auto& m : r.equity.levers) {
      der.push_back(m.derivative);
      dpu.push_back(m.dollars_per_unit);
      vpd.push_back(m.value_per_dollar);
      mc.push_back(m.marginal_cost_per_customer);
      at_bound.push_back(m.at_bound ? 1 : 0);
    }
    eq.write("derivative", der);
    eq.write("dollars_per_unit", dpu);
    eq.write("value_per_dollar", vpd);
    eq.write("at_bound", at_bound);
    eq.write("marginal_cost_per_customer", mc);
    eq.set_attr("shadow_price", r.equity.shadow_price);
    eq.set_attr("average_acquisition_cost", r.equity.average_acquisition_cost);
    eq.set_attr("average_retention_cost", r.equity.average_retention_cost);
    eq.set_attr("marginal_acquisition_cost", r.equity.marginal_acquisition_cost);
    eq.set_attr("marginal_retention_cost", r.equity.marginal_retention_cost);

    h5::Group fr = root.create_group("frontier");
    std::vector<double> scale, bound, expected, frisk, plans;
    for (const auto& f : r.frontier) {
      scale.push_back(f.scale);
      bound.push_back(f.bound);
      expected.push_back(f.expected);
      frisk.push_back(f.risk);
      plans.insert(plans.end(), f.x.begin(), f.x.end());
    }
    fr.write("scale", scale);
    fr.write("bound", bound);
    fr.write("expected", expected);
    fr.write("risk", frisk);
    fr.write("plans", plans, {r.frontier.size(), n});
    file.close();
  }
  output.commit();
}

}  // namespace clvsim

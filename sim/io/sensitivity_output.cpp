#include "clvsim/io/sensitivity_output.hpp"

#include <algorithm>
#include <numeric>

#include "clvsim/io/hdf5.hpp"
#include "clvsim/variants.hpp"
#include "provenance.hpp"

namespace clvsim {

void write_sensitivity_hdf5(const std::string& path, const SensitivityResult& r, const Scenario& scenario,
                            const SensitivitySpec& spec, int threads, int ranks, double wall_seconds,
                            const std::string& command_line, Overwrite overwrite) {
  AtomicOutput output(path, overwrite);
  output.write([&](const std::string& temp) {
    h5::File file(temp, h5::File::Mode::Create);
    h5::Group& root = file.root();
    root.set_attr("kind", "sensitivity");
    detail::write_provenance(root, {command_line, threads, ranks, wall_seconds, scenario.name, scenario.source_file,
                                    scenario.source_text});
    root.set_attr("metric", r.metric);
    root.set_attr("base_value", r.base);
    root.set_attr("relative_change", spec.relative_change);
    root.set_attr("samples", static_cast<std::int64_t>(r.samples));
    root.set_attr("evaluations", static_cast<std::int64_t>(r.evaluations));

    const std::size_t P = r.parameters.size();
    std::vector<std::string> pattern, operation;
    std::vector<double> low, high, nominal, vlow, vhigh, ylow, yhigh, swing, elasticity;
    for (std::size_t j = 0; j < P; ++j) {
      const SensitivityParameter& p = r.parameters[j];
      pattern.push_back(p.pattern);
      operation.push_back(op_name(p.op));
      low.push_back(p.low);
      high.push_back(p.high);
      nominal.push_back(p.nominal);
      vlow.push_back(p.value_low);
      vhigh.push_back(p.value_high);
      ylow.push_back(r.oat[j].y_low);
      yhigh.push_back(r.oat[j].y_high);
      swing.push_back(r.oat[j].swing);
      elasticity.push_back(r.oat[j].elasticity);
    }
    h5::Group params = root.create_group("parameters");
    params.write_strings("pattern", pattern);
    params.write_strings("operation", operation);
    params.write("low", low);
    params.write("high", high);
    params.write("nominal", nominal);
    params.write("value_low", vlow);
    params.write("value_high", vhigh);

    // Rank by swing, largest first (ties by parameter order).
    std::vector<std::int64_t> order(P);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return swing[a] > swing[b]; });
    h5::Group oat = root.create_group("one_at_a_time");
    oat.write("y_low", ylow);
    oat.write("y_high", yhigh);
    oat.write("swing", swing);
    oat.write("elasticity", elasticity);
    oat.write("order", order);
    if (r.sobol) {
      h5::Group sobol = root.create_group("sobol");
      sobol.write("first_order", r.sobol->first_order);
      sobol.write("total", r.sobol->total);
      sobol.write("first_order_std_error", r.sobol->first_order_std_error);
      sobol.write("total_std_error", r.sobol->total_std_error);
      sobol.set_attr("variance", r.sobol->variance);
      sobol.set_attr("mean", r.sobol->mean);
      sobol.set_attr("samples", static_cast<std::int64_t>(r.samples));
    }
    root.write_strings("skipped", r.skipped);
    file.close();
  });
  output.commit();
}

}  // namespace clvsim

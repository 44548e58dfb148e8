// Results files: what is written is what was computed, with its provenance, and the datasets do
// not depend on the thread count.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "../core/engine_helpers.hpp"
#include "clvsim/build_info.hpp"
#include "clvsim/io/hdf5.hpp"
#include "clvsim/io/results.hpp"
#include "clvsim/statistics.hpp"
#include "temp_dir.hpp"

using namespace clvsim;
namespace fs = std::filesystem;

namespace {

using clvsim::test::TempDir;

RunResults run(const Scenario& s, int threads, int replications) {
  RunOptions opt;
  opt.replications = replications;
  opt.threads = threads;
  const std::vector<Scenario> one{s};
  return run_monte_carlo(one, opt);
}

// Every dataset below `group`, by path, as raw doubles (datasets of other types are skipped).
void collect(const h5::Group& g, const std::string& prefix,
             std::vector<std::pair<std::string, std::vector<double>>>& out) {
  for (const std::string& name : g.children()) {
    const std::string path = prefix + "/" + name;
    bool is_group = true;
    try {
      const h5::Group child = g.open_group(name);
      collect(child, path, out);
    } catch (const RuntimeError&) {
      is_group = false;
    }
    if (!is_group) {
      try {
        out.emplace_back(path, g.read<double>(name));
      } catch (const RuntimeError&) {
        // strings and integers: not results
      }
    }
  }
}

}  // namespace

TEST_CASE("HDF5 round trip of a run", "[io][results]") {
  TempDir dir;
  const Scenario s = test::load_example("saas");
  const RunResults r = run(s, 2, 16);
  const std::string path = (dir.path / "saas.h5").string();
  const std::vector<Scenario> one{s};
  write_results_hdf5(path, r, one, RunContext{}, Overwrite::Refuse);

  h5::File f(path, h5::File::Mode::ReadOnly);
  const h5::Group& root = f.root();
  CHECK(root.attr_string("clvsim_version") == version());
  CHECK(root.attr_string("git_revision") == git_revision());
  CHECK(root.attr_uint("seed") == s.simulation.seed);
  CHECK(root.attr_int("replications") == 16);
  CHECK(root.attr_int("threads") == 2);
  CHECK(root.attr_string("scenario_text") == s.source_text);
  CHECK(root.has_attr("wall_time_seconds"));

  const ScenarioResults& res = r.scenarios[0];
  const int T = res.periods;
  const int revenue = res.layout.index("revenue");
  const h5::Group metrics = root.open_group("metrics");
  const h5::Group rev = metrics.open_group("revenue");
  const std::vector<double> mean = rev.read<double>("mean");
  std::vector<std::size_t> dims;
  const std::vector<double> q = rev.read<double>("quantiles", &dims);
  REQUIRE(mean.size() == static_cast<std::size_t>(T));
  REQUIRE(dims == std::vector<std::size_t>{QUANTILES.size(), static_cast<std::size_t>(T)});
  for (int t = 0; t < T; ++t) {
    const Stats& st = res.stats(revenue, t);
    CHECK(mean[t] == st.mean);
    CHECK(q[2 * T + t] == st.q[2]);  // the median row
  }
  const std::vector<double> npv = root.open_group("totals").read<double>("npv");
  CHECK(npv == res.across(Total::Npv));
  CHECK(root.open_group("ltv").read<double>("value") == res.nominal_ltv);
}

TEST_CASE("HDF5 datasets are bit-identical for 1, 2 and 4 threads", "[io][results][threads]") {
  TempDir dir;
  const Scenario s = test::load_example("ecommerce");
  const std::vector<Scenario> one{s};
  std::vector<std::vector<std::pair<std::string, std::vector<double>>>> files;
  for (int threads : {1, 2, 4}) {
    const std::string path = (dir.path / ("t" + std::to_string(threads) + ".h5")).string();
    write_results_hdf5(path, run(s, threads, 20), one, RunContext{}, Overwrite::Refuse);
    h5::File f(path, h5::File::Mode::ReadOnly);
    files.emplace_back();
    collect(f.root(), "", files.back());
  }
  REQUIRE(files[0].size() > 100);
  for (std::size_t i = 1; i < files.size(); ++i) {
    REQUIRE(files[i].size() == files[0].size());
    for (std::size_t d = 0; d < files[0].size(); ++d) {
      INFO(files[0][d].first);
      REQUIRE(files[i][d].first == files[0][d].first);
      const auto& a = files[0][d].second;
      const auto& b = files[i][d].second;
      REQUIRE(a.size() == b.size());
      CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
    }
  }
}

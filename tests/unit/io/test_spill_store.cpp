// The on-disk store of per-replication values: it gives back exactly what it was given, leaves
// no file behind, and a run kept on disk writes the same results file as one kept in memory.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "../core/engine_helpers.hpp"
#include "clvsim/io/hdf5.hpp"
#include "clvsim/io/results.hpp"
#include "clvsim/io/spill_store.hpp"
#include "clvsim/variants.hpp"
#include "temp_dir.hpp"

using namespace clvsim;
namespace fs = std::filesystem;

namespace {

using clvsim::test::TempDir;

void collect(const h5::Group& g, const std::string& prefix,
             std::vector<std::pair<std::string, std::vector<double>>>& out) {
  for (const std::string& name : g.children()) {
    const std::string path = prefix + "/" + name;
    try {
      collect(g.open_group(name), path, out);
      continue;
    } catch (const RuntimeError&) {
    }
    try {
      out.emplace_back(path, g.read<double>(name));
    } catch (const RuntimeError&) {
    }
  }
}

}  // namespace

TEST_CASE("The spill store gives back every column across blocks", "[io][spill]") {
  TempDir dir;
  SpillStore spill(dir.path.string(), "out.h5");
  MemoryStore memory;
  const std::vector<std::size_t> columns{3, 5};
  spill.begin(columns, 10);
  memory.begin(columns, 10);
  // Blocks of 4, 4 and 2 rows; value = 1000 slot + 100 column + replication.
  for (std::size_t first : {0, 4, 8}) {
    const std::size_t count = first == 8 ? 2 : 4;
    for (std::size_t slot = 0; slot < 2; ++slot) {
      std::vector<double> block;
      for (std::size_t c = 0; c < columns[slot]; ++c)
        for (std::size_t r = first; r < first + count; ++r)
          block.push_back(1000.0 * slot + 100.0 * c + r);
      spill.append(slot, first, count, block);
      memory.append(slot, first, count, block);
    }
  }
  CHECK(fs::is_empty(dir.path));  // unnamed files: nothing to leave behind
  for (std::size_t slot = 0; slot < 2; ++slot)
    for (std::size_t c = 0; c < columns[slot]; ++c) {
      std::vector<double> a(7), b(7);
      spill.read(slot, c, 3, a);  // replications 3..9: all three blocks
      memory.read(slot, c, 3, b);
      CHECK(a == b);
      CHECK(a.front() == 1000.0 * slot + 100.0 * c + 3);
    }
  std::vector<double> past(2);
  CHECK_THROWS_AS(spill.read(0, 0, 9, past), RuntimeError);
  CHECK_THROWS_AS(spill.append(0, 3, 1, std::vector<double>(3)), RuntimeError);
}

TEST_CASE("A run kept on disk writes the results file of a run kept in memory", "[io][spill]") {
  TempDir dir;
  const std::vector<Scenario> all = expand_variants(test::load_example("saas_variants"));
  RunOptions opt;
  opt.replications = 30;
  opt.threads = 2;
  const RunResults memory = run_monte_carlo(all, opt);
  opt.store = std::make_shared<SpillStore>(dir.path.string(), "spill.h5");
  const RunResults spill = run_monte_carlo(all, opt);
  std::vector<std::vector<std::pair<std::string, std::vector<double>>>> files;
  for (const auto* r : {&memory, &spill}) {
    const std::string path = (dir.path / (r == &memory ? "memory.h5" : "spill.h5")).string();
    write_results_hdf5(path, *r, all, RunContext{}, Overwrite::Refuse);
    h5::File f(path, h5::File::Mode::ReadOnly);
    files.emplace_back();
    collect(f.root(), "", files.back());
  }
  REQUIRE(files[0].size() == files[1].size());
  bool yearly = false, deltas = false;
  for (std::size_t d = 0; d < files[0].size(); ++d) {
    INFO(files[0][d].first);
    REQUIRE(files[0][d].first == files[1][d].first);
    const auto& a = files[0][d].second;
    const auto& b = files[1][d].second;
    REQUIRE(a.size() == b.size());
    CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
    yearly = yearly || files[0][d].first == "/variants/retention_plus_5/yearly/profit";
    deltas = deltas ||
             files[0][d].first == "/comparison/retention_plus_5/by_year/new_customers/delta_mean";
  }
  CHECK(yearly);
  CHECK(deltas);
  // The per-replication datasets are the runs' values, in replication order.
  h5::File f((dir.path / "spill.h5").string(), h5::File::Mode::ReadOnly);
  const ScenarioResults& base = spill.scenarios[0];
  std::vector<std::size_t> dims;
  const std::vector<double> profit = f.root().read<double>("yearly/profit", &dims);
  REQUIRE(dims == std::vector<std::size_t>{static_cast<std::size_t>(base.years), 30});
  for (int y = 0; y < base.years; ++y) {
    const std::vector<double> v = base.yearly(1, y);
    CHECK(std::equal(v.begin(), v.end(), profit.begin() + y * 30));
  }
  const std::vector<double> delta =
      f.root().read<double>("comparison/retention_plus_5/totals/npv/delta");
  const std::vector<double> b = base.across(Total::Npv), v = spill.scenarios[1].across(Total::Npv);
  for (std::size_t r = 0; r < 30; ++r) CHECK(delta[r] == v[r] - b[r]);
}

// Per-replication yearly values: they add up to the horizon totals, their means agree with a
// closed form (and with the expected-value mode), and they do not depend on the thread count.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "clvsim/compare.hpp"
#include "clvsim/monte_carlo.hpp"
#include "clvsim/variants.hpp"
#include "engine_helpers.hpp"

using namespace clvsim;

namespace {

std::size_t yearly_index(const std::string& name) {
  for (std::size_t i = 0; i < YEARLY_METRICS.size(); ++i)
    if (name == YEARLY_METRICS[i].name) return i;
  FAIL("no yearly metric " << name);
  return 0;
}

RunResults run_all(const std::vector<Scenario>& scenarios, int replications, int threads,
                   std::uint64_t seed = 11) {
  RunOptions opt;
  opt.replications = replications;
  opt.seed = seed;
  opt.use_seed = true;
  opt.threads = threads;
  return run_monte_carlo(scenarios, opt);
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

}  // namespace

TEST_CASE("Years are whole groups of periods; the last may be partial", "[yearly]") {
  CHECK(year_count(36, 12.0) == 3);
  CHECK(year_count(30, 12.0) == 3);
  CHECK(year_count(1, 12.0) == 1);
  CHECK(year_count(10, 1.0) == 10);
  CHECK(year_count(104, 52.0) == 2);
  CHECK(year_periods(2, 30, 12.0) == std::pair<int, int>{24, 30});
  CHECK(year_periods(0, 30, 4.0) == std::pair<int, int>{0, 4});
}

TEST_CASE("Yearly values add up to the horizon totals in every replication", "[yearly]") {
  // saas: uncertain parameters, acquisition, churn, win-back; 36 months = 3 years.
  const Scenario s = test::load_example("saas");
  const RunResults r = run_all({s}, 40, 2);
  const ScenarioResults& res = r.scenarios[0];
  REQUIRE(res.years == year_count(res.periods, periods_per_year(s.simulation.period)));
  REQUIRE(res.years >= 2);
  const auto R = static_cast<std::size_t>(res.replications);
  // Sums of flows: yearly sums of per-period values against the horizon's sum, so equal up to
  // the rounding of two summation orders; counts are whole numbers and add exactly.
  struct Pair {
    const char* yearly;
    Total total;
    bool exact;
  };
  for (const Pair& p :
       {Pair{"revenue", Total::Revenue, false}, Pair{"profit", Total::Profit, false},
        Pair{"discounted_profit", Total::Npv, false},
        Pair{"new_customers", Total::NewCustomers, true},
        Pair{"churned_customers", Total::ChurnedCustomers, true}}) {
    INFO(p.yearly);
    const std::size_t i = yearly_index(p.yearly);
    const std::vector<double> total = res.across(p.total);
    std::vector<double> sum(R, 0.0), magnitude(R, 0.0);
    for (int y = 0; y < res.years; ++y) {
      const std::vector<double> v = res.yearly(i, y);
      for (std::size_t k = 0; k < R; ++k) {
        sum[k] += v[k];
        magnitude[k] += std::fabs(v[k]);
      }
    }
    for (std::size_t k = 0; k < R; ++k) {
      if (p.exact)
        CHECK(sum[k] == total[k]);
      else  // two orders of T additions: at most about T ulps of the sum of magnitudes
        CHECK(std::fabs(sum[k] - total[k]) <= 1e-12 * res.periods * magnitude[k]);
    }
  }
  // Active customers at the end of the last year are the horizon's.
  CHECK(same_bits(res.yearly(yearly_index("active_customers"), res.years - 1),
                  res.across(Total::ActiveCustomers)));
  // And the exact statistics are those of the per-replication values.
  for (std::size_t i = 0; i < YEARLY_METRICS.size(); ++i)
    for (int y = 0; y < res.years; ++y) {
      const Stats a = summarize(res.yearly(i, y));
      const Stats& b = res.yearly_stat(i, y);
      CHECK(a.mean == b.mean);
      CHECK(a.sd == b.sd);
      CHECK(a.q == b.q);
    }
}

TEST_CASE("Yearly means and paired yearly deltas match the closed form", "[yearly][closed_form]") {
  // N customers with constant retention r, one order of value m per period, no acquisition:
  // active at the end of period t is N r^t, revenue in period t is m N r^t (model.md §5), churn
  // in year y is N (r^first - r^last). 30 months: years 1 and 2 whole, year 3 of 6 months.
  const double m = 50.0, N = 2000.0, annual = 0.10;
  const double i = std::pow(1.0 + annual, 1.0 / 12.0) - 1.0;
  const int T = 30;
  const std::string toml = "[simulation]\nhorizon = " + std::to_string(T) +
                           "\nannual_discount_rate = 0.10\n[funnel]\nstages = [\"lead\"]\n"
                           "[funnel.lead]\nadvance = 0.0\n[segments.only]\nchurn = 0.05\n"
                           "order_model = \"fixed\"\norder_value = 50\ninitial_customers = 2000\n"
                           "[variants.better]\nset = { \"segments.only.churn\" = 0.03 }\n";
  const std::vector<Scenario> all = expand_variants(parse_scenario(toml, "yearly.toml"));
  const RunResults res = run_all(all, 300, 2, 2024);
  REQUIRE(res.scenarios[0].years == 3);

  struct Exact {
    std::vector<double> revenue, discounted, churned, active;  // per year
  };
  const auto exact = [&](double r) {
    Exact e;
    for (int y = 0; y < 3; ++y) {
      const int first = 12 * y, last = std::min(T, 12 * (y + 1));  // periods first+1 .. last
      double rev = 0.0, disc = 0.0;
      for (int t = first + 1; t <= last; ++t) {
        rev += m * N * std::pow(r, t);
        disc += m * N * std::pow(r, t) / std::pow(1.0 + i, t);
      }
      e.revenue.push_back(rev);
      e.discounted.push_back(disc);
      e.churned.push_back(N * (std::pow(r, first) - std::pow(r, last)));
      e.active.push_back(N * std::pow(r, last));
    }
    return e;
  };
  const Exact base = exact(0.95), better = exact(0.97);
  const Comparison c = compare(res.scenarios[0], res.scenarios[1], 12.0);
  REQUIRE(c.by_year.size() == YEARLY_METRICS.size());
  auto check = [&](const char* name, const std::vector<double>& b, const std::vector<double>& v) {
    const std::size_t k = yearly_index(name);
    REQUIRE(c.by_year[k].metric == name);
    for (int y = 0; y < 3; ++y) {
      INFO(name << " year " << y + 1);
      for (const auto& [sr, e] : {std::pair{&res.scenarios[0], b[y]}, {&res.scenarios[1], v[y]}}) {
        // The expected-value mode is exact here, and the Monte Carlo mean within 4 SE of it.
        CHECK(sr->expected_yearly[k * 3 + y] == Approx(e).epsilon(1e-9));
        const Stats& st = sr->yearly_stat(k, y);
        CHECK(std::fabs(st.mean - e) <= 4.0 * st.std_error + 1e-9 * std::fabs(e));
      }
      const DeltaSummary& d = c.by_year[k].years[y];
      CHECK(std::fabs(d.mean - (v[y] - b[y])) <= 4.0 * d.std_error + 1e-9 * std::fabs(v[y]));
    }
  };
  check("revenue", base.revenue, better.revenue);
  check("discounted_profit", base.discounted, better.discounted);  // profit = revenue here
  check("profit", base.revenue, better.revenue);
  check("churned_customers", base.churned, better.churned);
  check("active_customers", base.active, better.active);
  check("new_customers", std::vector<double>(3, 0.0), std::vector<double>(3, 0.0));
}

TEST_CASE("Per-replication values are bit-identical for any thread count", "[yearly][threads]") {
  // 2,500 replications: three blocks, the last one partial.
  const std::string toml =
      "[simulation]\nhorizon = 18\n[funnel]\nstages = [\"lead\"]\n[funnel.lead]\nadvance = 0.3\n"
      "[channels.ads]\nspend = 2000\ncost_per_lead = 10\n[segments.only]\n"
      "churn = { dist = \"beta\", alpha = 5, beta = 95 }\norder_value = 40\n"
      "initial_customers = 300\n[variants.cheaper]\nscale = { \"channels.ads.cost_per_lead\" = 0.8 "
      "}\n";
  const std::vector<Scenario> all = expand_variants(parse_scenario(toml, "threads.toml"));
  const RunResults one = run_all(all, 2500, 1), three = run_all(all, 2500, 3);
  for (std::size_t v = 0; v < all.size(); ++v) {
    const ScenarioResults& a = one.scenarios[v];
    const ScenarioResults& b = three.scenarios[v];
    REQUIRE(a.columns() == b.columns());
    for (std::size_t col = 0; col < a.columns(); ++col) {
      INFO("scenario " << v << " column " << col);
      CHECK(same_bits(a.column(col), b.column(col)));
    }
  }
}

TEST_CASE("The store receives the rows in blocks, in replication order", "[yearly][memory]") {
  // What keeps memory independent of the replications: the driver hands every block to the
  // store and keeps no per-replication value itself; everything it reports afterwards comes
  // from the store.
  struct Recording final : ReplicationStore {
    MemoryStore kept;
    std::vector<std::size_t> firsts, counts;
    void begin(std::span<const std::size_t> columns, std::size_t replications) override {
      kept.begin(columns, replications);
    }
    void append(std::size_t slot, std::size_t first, std::size_t count,
                std::span<const double> values) override {
      if (slot == 0) {
        firsts.push_back(first);
        counts.push_back(count);
      }
      kept.append(slot, first, count, values);
    }
    void read(std::size_t slot, std::size_t column, std::size_t first,
              std::span<double> out) const override {
      kept.read(slot, column, first, out);
    }
  };
  const Scenario s = test::without_uncertainty(test::load_example("saas"));
  auto store = std::make_shared<Recording>();
  RunOptions opt;
  opt.replications = 2100;
  opt.threads = 2;
  opt.store = store;
  const std::vector<Scenario> one{s};
  const RunResults r = run_monte_carlo(one, opt);
  CHECK(store->firsts == std::vector<std::size_t>{0, 1024, 2048});
  CHECK(store->counts == std::vector<std::size_t>{1024, 1024, 52});
  REQUIRE(r.scenarios[0].store == store);
  // The default store gives the same bits.
  RunOptions plain = opt;
  plain.store = nullptr;
  const RunResults m = run_monte_carlo(one, plain);
  for (std::size_t col = 0; col < r.scenarios[0].columns(); ++col)
    CHECK(same_bits(r.scenarios[0].column(col), m.scenarios[0].column(col)));
}

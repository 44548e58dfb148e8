// The readers' discretisation against hand-worked examples.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "clvsim/error.hpp"
#include "clvsim/fit/io/readers.hpp"

using namespace clvsim::fit;

namespace {
std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("clvsim_test_" + name);
  std::ofstream(path) << text;
  return path.string();
}
}  // namespace

TEST_CASE("transactions: recency, frequency, opportunities and spend by hand", "[fit][io]") {
  // Weeks from each customer's first day. A: first 2024-01-01; 01-03 is in period 0 (no
  // opportunity); 01-09 and 01-10 in period 1; 01-30 in period 4; 02-20 in period 7, after the
  // calibration end 2024-02-12, which leaves 42 days = 6 whole weeks, so n = 5 opportunities.
  // Same-day rows are one transaction: spend has 4 repeat transactions (01-03, 01-09, 01-10,
  // 01-30) of total 10 + (5 + 5) + 20 + 40 = 80. B is first seen 2024-02-05: no opportunity yet.
  const std::string path = write_temp("tx.csv",
                                      "customer_id,date,amount\n"
                                      "A,2024-01-01,100\n"
                                      "A,2024-01-03,10\n"
                                      "A,2024-01-09,5\n"
                                      "A,2024-01-09,5\n"
                                      "A,2024-01-10,20\n"
                                      "A,2024-01-30,40\n"
                                      "A,2024-02-20,70\n"
                                      "B,2024-02-05,30\n");
  TransactionOptions o;
  o.period = "week";
  o.calibration_end = *parse_date("2024-02-12");
  const TransactionSummary s = read_transactions(path, o);
  CHECK(s.rows == 8);
  CHECK(s.customers == 2);
  REQUIRE(s.rf.rows.size() == 1);
  CHECK(s.rf.rows[0].frequency == 2);
  CHECK(s.rf.rows[0].recency == 4);
  CHECK(s.rf.rows[0].periods == 5);
  REQUIRE(s.spend.size() == 1);
  CHECK(s.spend[0].transactions == 4);
  CHECK(s.spend[0].mean_value == 20.0);
  CHECK(s.has_holdout);
}

TEST_CASE("subscriptions: lifetimes in calendar months and censoring", "[fit][io]") {
  const std::string path = write_temp("subs.csv",
                                      "customer_id,start,end\n"
                                      "s1,2024-01-15,2024-03-15\n"    // exactly 2 months: T = 2
                                      "s2,2024-01-15,2024-03-16\n"    // into a third month: T = 3
                                      "s3,2024-01-31,2024-02-29\n"    // month end: T = 1
                                      "s4,2024-01-10,\n"              // 2 whole months by 04-09
                                      "s5,2024-01-10,2024-01-10\n");  // same day: T = 1
  SubscriptionOptions o;
  o.as_of = *parse_date("2024-04-09");
  const SubscriptionData d = read_subscriptions(path, o);
  REQUIRE(d.survival.size() == 1);
  const SurvivalData& s = d.survival[0];
  CHECK(s.churned == std::vector<double>{2, 1, 1});
  CHECK(s.censored == std::vector<double>{0, 0, 1});
  CHECK(d.active_by_tenure[0] == std::vector<double>{0, 0, 1});
}

TEST_CASE("readers reject bad input with the file and line", "[fit][io]") {
  const std::string dup =
      write_temp("dup.csv", "customer_id,start,end\ns1,2024-01-01,\ns1,2024-01-02,\n");
  CHECK_THROWS_WITH(read_subscriptions(dup, SubscriptionOptions{}),
                    Catch::Contains(":3:1: customer_id = 's1' is a duplicate subscription id"));
  const std::string rf = write_temp("rf.csv", "frequency,recency,periods,weights\n2,1,6,10\n");
  CHECK_THROWS_WITH(read_rf_summary(rf, RfColumns{}),
                    Catch::Contains(":2:3: recency = '1' is impossible"));
  const std::string cohort = write_temp("cohort.csv", "year,a\n0,100\n1,120\n");
  CHECK_THROWS_WITH(read_cohorts(cohort, std::nullopt),
                    Catch::Contains(":3:3: a = '120' is more than"));
}

TEST_CASE("transactions by segment: a customer belongs to the segment of their first row",
          "[fit][io]") {
  const std::string path = write_temp("txseg.csv",
                                      "customer_id,date,amount,segment\n"
                                      "A,2024-01-01,10,web\n"
                                      "B,2024-01-01,10,store\n"
                                      "A,2024-01-09,10,store\n"  // still web: the first row decides
                                      "C,2024-01-02,10,web\n");
  TransactionOptions o;
  o.period = "week";
  o.columns.segment = "segment";
  o.calibration_end = *parse_date("2024-02-12");
  const auto s = read_transactions_by_segment(path, o);
  REQUIRE(s.size() == 2);
  CHECK(s[0].segment == "web");
  CHECK(s[0].customers == 2);
  CHECK(s[0].rf.customers() == 2);
  CHECK(s[0].spend.size() == 1);
  CHECK(s[1].segment == "store");
  CHECK(s[1].customers == 1);
  CHECK(s[1].spend.empty());
  CHECK(read_transactions(path, o).customers == 3);
}

// [parameter_draws]: a CSV of joint draws beside the scenario, read relative to the file that
// declares it, and the errors of a bad table, located in the CSV.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/model.hpp"
#include "clvsim/scenario.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using namespace clvsim;

namespace fs = std::filesystem;

namespace {

const std::string SCENARIO = R"([simulation]
horizon = 3
[funnel]
stages = ["lead"]
[funnel.lead]
advance = 0.2
drop = 0.1
[channels.ads]
spend = 1000
cost_per_lead = 10
[segments.basic]
churn_sbg = { alpha = 1.0, beta = 2.0 }
order_value = 30
initial_customers = 100
)";

const std::string DRAWS =
    "segments.basic.churn_sbg.alpha,segments.basic.churn_sbg.beta,segments.basic.order_value\n"
    "0.5,1.0,20\n"
    "1.0,2.0,30\n"
    "1.5,3.0,40\n"
    "2.0,4.5,50\n";

class ScratchDir {
 public:
  ScratchDir() {
    path_ = fs::temp_directory_path() /
            ("clvsim_draws_" + std::to_string(reinterpret_cast<std::uintptr_t>(this)) + "_" +
             std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::string write(const std::string& name, const std::string& text) const {
    const fs::path p = path_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << text;
    REQUIRE(out.good());
    return p.string();
  }

 private:
  fs::path path_;
};

std::string error_of(const std::string& file) {
  try {
    (void)read_scenario_file(file);
  } catch (const InputError& e) {
    return e.what();
  }
  FAIL("expected an InputError for " << file);
  return {};
}

std::string declaration() {
  return "[parameter_draws]\nfile = \"draws.csv\"\n";
}

}  // namespace

TEST_CASE("[parameter_draws] reads a CSV of joint draws", "[io][draws]") {
  ScratchDir dir;
  SECTION("beside the scenario") {
    dir.write("draws.csv", DRAWS);
    const Scenario s = read_scenario_file(dir.write("s.toml", SCENARIO + declaration()));
    REQUIRE(s.parameter_draws);
    CHECK(s.parameter_draws->rows() == 4);
    CHECK(s.parameter_draws->columns.size() == 3);
    CHECK(s.segments[0].sbg_alpha.value == Approx(1.25));
    CHECK(s.segments[0].sbg_beta.value == Approx(2.625));
    CHECK(s.segments[0].order_value.value == Approx(35.0));
    CHECK(s.segments[0].sbg_alpha.draws_column == 0);
    CHECK(has_uncertainty(s));
  }
  SECTION("renamed columns, quotes, comments, blank lines and CRLF") {
    dir.write("draws.csv",
              "# posterior draws from another tool\r\n\"alpha\", \"beta\"\r\n\r\n0.5, "
              "1e0\r\n+1.5,3.0\r\n");
    const Scenario s = read_scenario_file(
        dir.write("s.toml", SCENARIO + declaration() +
                                "rename = { alpha = \"segments.basic.churn_sbg.alpha\", beta = "
                                "\"segments.basic.churn_sbg.beta\" }\n"));
    CHECK(s.parameter_draws->columns[0] == "segments.basic.churn_sbg.alpha");
    CHECK(s.segments[0].sbg_alpha.value == Approx(1.0));
    CHECK(s.segments[0].sbg_beta.value == Approx(2.0));
    CHECK(s.parameter_draws->row_line == std::vector<int>{4, 5});
  }
  SECTION("relative to the file that declares it, through extends") {
    dir.write("base/draws.csv", DRAWS);
    dir.write("base/base.toml", SCENARIO + declaration());
    const Scenario s = read_scenario_file(dir.write(
        "top.toml", "extends = \"base/base.toml\"\n[segments.basic]\ncost_to_serve = 1\n"));
    REQUIRE(s.parameter_draws);
    CHECK(s.parameter_draws->file ==
          (fs::path(dir.write("base/draws.csv", DRAWS))).lexically_normal().string());
    CHECK(s.segments[0].order_value.value == Approx(35.0));
  }
}

TEST_CASE("[parameter_draws] errors name the CSV's line and column", "[io][draws]") {
  ScratchDir dir;
  const std::string header =
      "segments.basic.churn_sbg.alpha,segments.basic.churn_sbg.beta,segments.basic.order_value\n";
  auto run = [&](const std::string& csv, const std::string& extra = "") {
    const std::string draws = dir.write("draws.csv", csv);
    return std::make_pair(draws, error_of(dir.write("s.toml", SCENARIO + declaration() + extra)));
  };
  SECTION("a value that is not a number") {
    const auto [csv, msg] = run(header + "0.5,1.0,20\n1.0,2.O,30\n");
    CHECK_THAT(msg,
               StartsWith(csv + ":3:5: segments.basic.churn_sbg.beta = \"2.O\" is not a number"));
    CHECK_THAT(msg, Contains("s.toml:16:8"));  // and where the table was declared
  }
  SECTION("an unknown column, with a suggestion") {
    const auto [csv, msg] = run("segments.basic.churn_sbg.alpha,segments.basic.order_valeu\n1,2\n");
    CHECK_THAT(msg, StartsWith(csv + ":1:32: parameter_draws column 'segments.basic.order_valeu' "
                                     "is not a parameter of the scenario"));
    CHECK_THAT(msg, Contains("did you mean 'segments.basic.order_value'?"));
  }
  SECTION("a value outside the parameter's domain") {
    const auto [csv, msg] = run(header + "0.5,1.0,20\n-1,2.0,30\n");
    CHECK_THAT(msg, StartsWith(csv + ":3:1: segments.basic.churn_sbg.alpha = -1 is not positive"));
    CHECK_THAT(msg, Contains("must be > 0"));
  }
  SECTION("a column naming a parameter given as a distribution") {
    const std::string draws = dir.write("draws.csv", header + "0.5,1.0,20\n");
    const std::string toml = dir.write(
        "s.toml",
        SCENARIO.substr(0, SCENARIO.find("order_value = 30")) +
            "order_value = { dist = \"normal\", mean = 30, sd = 5 }\ninitial_customers = 100\n" +
            declaration());
    const std::string msg = error_of(toml);
    CHECK_THAT(msg,
               StartsWith(toml + ":13:15: segments.basic.order_value is given as a distribution"));
    CHECK_THAT(msg, Contains("column 3"));
  }
  SECTION("an empty file") {
    const auto [csv, msg] = run("");
    CHECK_THAT(msg, StartsWith(csv + ": parameter_draws is empty"));
  }
  SECTION("a header without draws") {
    const auto [csv, msg] = run(header + "\n");
    CHECK_THAT(msg, StartsWith(csv + ":2:1: parameter_draws has a header but no draws"));
  }
  SECTION("a ragged row") {
    const auto [csv, msg] = run(header + "0.5,1.0,20\n1.0,2.0\n");
    CHECK_THAT(msg, StartsWith(csv + ":3:8: parameter_draws has a row of 2 values"));
    CHECK_THAT(msg, Contains("one value per column of the header: 3"));
  }
  SECTION("a repeated column") {
    const auto [csv, msg] = run("segments.basic.order_value,segments.basic.order_value\n1,2\n");
    CHECK_THAT(
        msg,
        StartsWith(csv + ":1:28: parameter_draws column 'segments.basic.order_value' is repeated"));
  }
  SECTION("a row that breaks a joint constraint") {
    const auto [csv, msg] = run("funnel.lead.advance,funnel.lead.drop\n0.2,0.1\n0.7,0.4\n");
    CHECK_THAT(msg, Contains(csv + ":3:"));
    CHECK_THAT(msg, Contains("draw 2"));
  }
  SECTION("a rename of a column that does not exist") {
    const auto [csv, msg] =
        run(header + "0.5,1.0,20\n", "rename = { alpah = \"segments.basic.churn_sbg.alpha\" }\n");
    CHECK_THAT(msg, Contains("parameter_draws.rename.alpah is not a column of"));
  }
  SECTION("a missing file") {
    const std::string msg =
        error_of(dir.write("s.toml", SCENARIO + "[parameter_draws]\nfile = \"nowhere.csv\"\n"));
    CHECK_THAT(msg, Contains("s.toml:16:8: parameter_draws.file = \"nowhere.csv\" cannot be read"));
  }
  SECTION("an unknown key") {
    dir.write("draws.csv", header + "0.5,1.0,20\n");
    const std::string msg =
        error_of(dir.write("s.toml", SCENARIO + declaration() + "renames = {}\n"));
    CHECK_THAT(msg, Contains("parameter_draws.renames is not a known key"));
    CHECK_THAT(msg, Contains("did you mean 'rename'?"));
  }
}

TEST_CASE("[parameter_draws] through extends: the resolved text reads back",
          "[io][draws][extends]") {
  ScratchDir dir;
  const std::string csv = dir.write("base/draws.csv", DRAWS);
  dir.write("base/base.toml", SCENARIO + declaration());
  const std::string top = dir.write("top.toml", "extends = \"base/base.toml\"\n");
  const Scenario s = read_scenario_file(top);
  CHECK_THAT(s.source_text, Contains("file = \"base/draws.csv\""));
  // Written beside the extending file, the resolved text is the same scenario.
  const Scenario again = read_scenario_file(dir.write("resolved.toml", s.source_text));
  REQUIRE(again.parameter_draws);
  CHECK(again.parameter_draws->values == s.parameter_draws->values);
  CHECK(again.segments[0].order_value.value == s.segments[0].order_value.value);
}

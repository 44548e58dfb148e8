// extends = "base.toml": a scenario file merged over the file it extends.
//
// The fixtures are in tests/data/extends/. Error tests locate the offending token in the fixture
// itself and require the message to start with exactly that file:line:column, so a location
// that names the wrong file, or drifts by one column, fails.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/scenario.hpp"
#include "temp_dir.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using clvsim::InputError;
using clvsim::Override;
using clvsim::Param;
using clvsim::Scenario;

namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& name) {
  return (fs::path(CLVSIM_SOURCE_DIR) / "tests" / "data" / "extends" / name)
      .lexically_normal()
      .string();
}

std::string fixture_dir() {
  return fs::path(fixture("base.toml")).parent_path().string();
}

std::string text_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

//! "<path>:<line>:<column>: " of the single occurrence of `needle` in the file, plus `offset`.
std::string at_in(const std::string& path, const std::string& needle, int offset = 0) {
  const std::string text = text_of(path);
  INFO("locating '" << needle << "' in " << path);
  const auto pos = text.find(needle);
  REQUIRE(pos != std::string::npos);
  REQUIRE(text.find(needle, pos + 1) == std::string::npos);
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n');
  const auto line_start = text.rfind('\n', pos);
  const auto column = pos - (line_start == std::string::npos ? 0 : line_start + 1) + 1;
  return path + ":" + std::to_string(line) + ":" +
         std::to_string(column + static_cast<std::size_t>(offset)) + ": ";
}

std::string error_reading(const std::string& path) {
  try {
    (void)clvsim::read_scenario_file(path);
  } catch (const InputError& e) {
    return e.what();
  }
  FAIL("expected an InputError reading " << path);
  return {};
}

std::string error_parsing(const std::string& text, const std::string& name) {
  try {
    (void)clvsim::parse_scenario(text, name);
  } catch (const InputError& e) {
    return e.what();
  }
  FAIL("expected an InputError for:\n" << text);
  return {};
}

//! A fresh directory under the system's temporary directory, removed at the end of the test.
using clvsim::test::TempDir;

const Param* find_param(const Scenario& s, const std::string& path) {
  const Param* found = nullptr;
  clvsim::for_each_param(s, [&](const Param& p) {
    if (p.path == path && !found) found = &p;
  });
  return found;
}

}  // namespace

TEST_CASE("extends: values from the base are kept, values written again replace them",
          "[io][extends]") {
  const std::string base = fixture("base.toml");
  const std::string child = fixture("child.toml");
  const Scenario s = clvsim::read_scenario_file(child);

  CHECK(s.source_file == child);
  CHECK(s.name == "child");  // the extending file's stem: neither file names the scenario
  CHECK(s.description == "the base");
  CHECK(s.currency == "EUR");
  CHECK(s.simulation.horizon == 3);  // replaced
  CHECK(s.simulation.replications == 10);
  CHECK(s.simulation.seed == 7u);

  REQUIRE(s.stages.size() == 2);
  CHECK(s.stages[1].advance.value == 0.5);
  // Channels and segments keep the base's order; a table written again merges key by key.
  REQUIRE(s.channels.size() == 2);
  CHECK(s.channels[0].name == "search");
  CHECK(s.channels[1].name == "events");
  CHECK(s.channels[0].cost_per_lead.value == 20.0);
  CHECK(s.channels[0].cost_per_lead.where.prefix() == at_in(base, "cost_per_lead = 20", 16));
  REQUIRE(s.segments.size() == 2);
  CHECK(s.segments[0].name == "basic");
  CHECK(s.segments[1].name == "premium");
  CHECK(s.segments[1].order_value.value == 90.0);

  // A value keeps the location of the file it came from.
  CHECK(s.segments[1].churn.value == 0.02);
  CHECK(s.segments[1].churn.where.prefix() == at_in(base, "0.02"));
  // A dotted key at the top of the extending file replaces one value of a base table.
  CHECK(s.segments[1].gross_margin.value == 0.7);
  CHECK(s.segments[1].gross_margin.where.prefix() == at_in(child, "0.7"));
}

TEST_CASE("extends: arrays, distributions and other inline tables are replaced whole",
          "[io][extends]") {
  const std::string child = fixture("child.toml");
  const Scenario s = clvsim::read_scenario_file(child);
  const auto& search = s.channels[0];

  // The base's schedule has 4 values; the extending file's 3 replace it, not its first 3.
  REQUIRE(search.spend.size() == 3);
  CHECK(search.spend[0].value == 500.0);
  CHECK(search.spend[2].value == 700.0);
  CHECK(search.spend[2].where.prefix() == at_in(child, "700"));

  // { basic = 1 } replaces { basic = 3, premium = 1 }: premium's weight is gone.
  REQUIRE(search.segment_mix.size() == 2);
  CHECK(search.segment_mix[0].value == 1.0);
  CHECK(search.segment_mix[1].value == 0.0);

  // A beta replaces the uniform; merged key by key it would keep min and max and be rejected.
  const Param& churn = s.segments[0].churn;
  REQUIRE(churn.uncertain());
  CHECK(churn.dist->kind == clvsim::Distribution::Kind::Beta);
  CHECK(churn.dist->a == 2.0);
  CHECK(churn.dist->b == 60.0);
  CHECK(churn.value == Approx(2.0 / 62.0));
  CHECK(churn.where.prefix() == at_in(child, "{ dist = \"beta\""));
}

TEST_CASE("extends: variants of the base and of the extending file are both present",
          "[io][extends][variants]") {
  const std::string base = fixture("base.toml");
  const std::string child = fixture("child.toml");
  const Scenario s = clvsim::read_scenario_file(child);

  REQUIRE(s.variants.size() == 2);
  // A variant of the base that the extending file writes again merges by name.
  const auto& cheap = s.variants[0];
  CHECK(cheap.name == "cheap_search");
  CHECK(cheap.description == "search leads cost less");
  CHECK(cheap.where.prefix() == at_in(base, "[variants.cheap_search]"));
  REQUIRE(cheap.overrides.size() == 2);
  CHECK(cheap.overrides[0].op == Override::Op::Scale);
  CHECK(cheap.overrides[0].pattern == "channels.search.cost_per_lead");
  CHECK(cheap.overrides[0].value.value == 0.8);
  CHECK(cheap.overrides[0].where.prefix() == at_in(base, "0.8"));
  CHECK(cheap.overrides[1].op == Override::Op::Add);
  CHECK(cheap.overrides[1].pattern == "channels.events.spend");
  CHECK(cheap.overrides[1].value.value == -100.0);
  CHECK(cheap.overrides[1].where.prefix() == at_in(child, "-100"));

  const auto& plus = s.variants[1];
  CHECK(plus.name == "retention_plus");
  CHECK(plus.description == "churn 20% lower");
  REQUIRE(plus.overrides.size() == 1);
  CHECK(plus.overrides[0].pattern == "segments.*.churn_multiplier");
  CHECK(plus.overrides[0].where.prefix() == at_in(child, "0.8 }"));
}

TEST_CASE("extends: paths are relative to the file, and a base may extend another",
          "[io][extends]") {
  const std::string grandchild = fixture("sub/grandchild.toml");
  const Scenario s = clvsim::read_scenario_file(grandchild);
  CHECK(s.name == "grandchild");
  CHECK(s.simulation.replications == 5);  // grandchild
  CHECK(s.simulation.horizon == 3);       // child
  CHECK(s.simulation.seed == 7u);         // base
  CHECK(s.variants.size() == 2);
  CHECK_THAT(s.source_text, StartsWith("# Resolved scenario: " + grandchild + " extends " +
                                       fixture("child.toml") + " extends " +
                                       fixture("base.toml") + ", "));
}

TEST_CASE("extends: in-memory text resolves extends from the current directory",
          "[io][extends]") {
  const std::string rel = fs::relative(fixture("base.toml")).string();
  INFO("relative path: " << rel);
  const Scenario s = clvsim::parse_scenario("extends = '" + rel + "'\n", "dir/mem.toml");
  CHECK(s.name == "mem");
  CHECK(s.currency == "EUR");
  CHECK(s.segments[1].churn.where.file == rel);
}

TEST_CASE("extends: the scenario stores the resolved document", "[io][extends]") {
  const std::string child = fixture("child.toml");
  const Scenario s = clvsim::read_scenario_file(child);
  INFO(s.source_text);
  CHECK_THAT(s.source_text, StartsWith("# Resolved scenario: " + child + " extends " +
                                       fixture("base.toml") + ", "));
  CHECK_THAT(s.source_text, !Contains("extends ="));

  // Read back, it is the same scenario: every parameter, in the same order, and the variants.
  Scenario r = clvsim::parse_scenario(s.source_text, "child.toml");
  CHECK(r.name == s.name);
  CHECK(r.description == s.description);
  CHECK(r.currency == s.currency);
  CHECK(r.simulation.horizon == s.simulation.horizon);
  CHECK(r.simulation.replications == s.simulation.replications);
  CHECK(r.simulation.seed == s.simulation.seed);
  REQUIRE(r.channels.size() == s.channels.size());
  for (std::size_t i = 0; i < r.channels.size(); ++i) CHECK(r.channels[i].name == s.channels[i].name);
  REQUIRE(r.segments.size() == s.segments.size());
  for (std::size_t i = 0; i < r.segments.size(); ++i) CHECK(r.segments[i].name == s.segments[i].name);
  std::vector<const Param*> a, b;
  clvsim::for_each_param(s, [&](const Param& p) { a.push_back(&p); });
  clvsim::for_each_param(r, [&](const Param& p) { b.push_back(&p); });
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO(a[i]->path);
    CHECK(b[i]->path == a[i]->path);
    CHECK(b[i]->value == a[i]->value);
    REQUIRE(b[i]->uncertain() == a[i]->uncertain());
    if (a[i]->uncertain()) {
      CHECK(b[i]->dist->kind == a[i]->dist->kind);
      CHECK(b[i]->dist->a == a[i]->dist->a);
      CHECK(b[i]->dist->b == a[i]->dist->b);
      CHECK(b[i]->dist->c == a[i]->dist->c);
    }
  }
  REQUIRE(r.variants.size() == s.variants.size());
  for (std::size_t i = 0; i < r.variants.size(); ++i) {
    CHECK(r.variants[i].name == s.variants[i].name);
    CHECK(r.variants[i].description == s.variants[i].description);
    REQUIRE(r.variants[i].overrides.size() == s.variants[i].overrides.size());
    for (std::size_t j = 0; j < r.variants[i].overrides.size(); ++j) {
      CHECK(r.variants[i].overrides[j].op == s.variants[i].overrides[j].op);
      CHECK(r.variants[i].overrides[j].pattern == s.variants[i].overrides[j].pattern);
      CHECK(r.variants[i].overrides[j].value.value == s.variants[i].overrides[j].value.value);
    }
  }

  // Without extends, the text is kept as written, comments included.
  const std::string base = fixture("base.toml");
  CHECK(clvsim::read_scenario_file(base).source_text == text_of(base));
}

TEST_CASE("extends: an inline table replaces a base table whole", "[io][extends]") {
  TempDir dir;
  // The base's premium segment has churn and gross_margin; the inline table has neither, and
  // switches premium to sBG churn, which merging could not do (churn would stay).
  const std::string child = dir.write(
      "switch.toml", "extends = '" + fixture("base.toml") +
                         "'\n[segments]\npremium = { churn_sbg = { alpha = 1, beta = 3 }, "
                         "order_value = 90 }\n");
  const Scenario s = clvsim::read_scenario_file(child);
  CHECK(s.segments[1].churn_model == clvsim::ChurnModel::ShiftedBetaGeometric);
  CHECK(s.segments[1].gross_margin.value == 1.0);
  CHECK(s.segments[0].churn.uncertain());  // basic is untouched
}

TEST_CASE("extends: errors name the file the value came from", "[io][extends][errors]") {
  SECTION("a base that does not exist") {
    const std::string path = fixture("missing_base.toml");
    CHECK(error_reading(path) == at_in(path, "\"no_such_base.toml\"") +
                                     "extends = \"no_such_base.toml\" cannot be read (No such "
                                     "file or directory; paths are relative to " +
                                     fixture_dir() + ")");
  }
  SECTION("a cycle") {
    const std::string a = fixture("cycle_a.toml");
    const std::string b = fixture("cycle_b.toml");
    const std::string msg = error_reading(a);
    CHECK_THAT(msg, StartsWith(at_in(b, "\"cycle_a.toml\"") + "extends = \"cycle_a.toml\" makes "
                                                              "a cycle: " +
                               a + " extends " + b + " extends " + a + " ("));
    CHECK_THAT(msg, Contains("cannot extend itself"));
  }
  SECTION("a file that extends itself") {
    CHECK(error_parsing("extends = \"x.toml\"\n", "x.toml") ==
          "x.toml:1:11: extends = \"x.toml\" makes a cycle: x.toml extends x.toml (a scenario "
          "cannot extend itself, directly or through its bases)");
  }
  SECTION("an error in the base is reported in the base") {
    const std::string bad = fixture("bad_base.toml");
    const std::string msg = error_reading(fixture("extends_bad_base.toml"));
    CHECK_THAT(msg, StartsWith(at_in(bad, "1.4") + "segments.premium.churn = 1.4 is not a "
                                                   "probability (must be in [0, 1])"));
  }
  SECTION("an error in the extending file is reported in it") {
    const std::string path = fixture("child_error.toml");
    CHECK_THAT(error_reading(path),
               StartsWith(at_in(path, "1.5") + "segments.premium.gross_margin = 1.5 is not a "
                                               "probability"));
  }
  SECTION("malformed TOML in a base") {
    TempDir dir;
    const std::string base = dir.write("base.toml", "# broken\n[simulation\nhorizon = 3\n");
    const std::string child = dir.write("child.toml", "extends = \"base.toml\"\n");
    const std::string msg = error_reading(child);
    CHECK_THAT(msg, StartsWith(base + ":2:"));
    CHECK_THAT(msg, Contains("malformed TOML"));
  }
  SECTION("a base that is a directory") {
    TempDir dir;
    fs::create_directory(dir.path / "sub");
    const std::string child = dir.write("child.toml", "extends = \"sub\"\n");
    CHECK_THAT(error_reading(child),
               StartsWith(child +
                          ":1:11: extends = \"sub\" cannot be read (it is a directory, not a file; "
                          "paths are relative to " +
                          dir.path.string() + ")"));
  }
  SECTION("a base that is a device or a FIFO is refused, not read without end") {
    TempDir dir;
    const std::string child = dir.write("child.toml", "extends = \"/dev/zero\"\n");
    CHECK_THAT(error_reading(child),
               Contains("extends = \"/dev/zero\" cannot be read (it is not a regular file"));
    const std::string fifo = (dir.path / "pipe.toml").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    const std::string child2 = dir.write("child2.toml", "extends = \"pipe.toml\"\n");
    CHECK_THAT(error_reading(child2), Contains("cannot be read (it is not a regular file"));
  }
  SECTION("a base above the size limit is refused") {
    TempDir dir;
    const std::string big = (dir.path / "big.toml").string();
    { std::ofstream(big) << "# big\n"; }
    fs::resize_file(big, (std::uintmax_t{16} << 20) + 1);
    const std::string child = dir.write("child.toml", "extends = \"big.toml\"\n");
    CHECK_THAT(error_reading(child), Contains("limited to 16 MiB"));
  }
  SECTION("the files read are listed as the scenario's inputs") {
    TempDir dir;
    const std::string saas = std::string(CLVSIM_SOURCE_DIR) + "/scenarios/saas.toml";
    const std::string base = dir.write("base.toml", "extends = \"" + saas + "\"\n");
    const std::string child = dir.write("child.toml", "extends = \"base.toml\"\n");
    const clvsim::Scenario s = clvsim::read_scenario_file(child);
    REQUIRE(s.input_files.size() == 3);
    CHECK(s.input_files[0] == child);
    CHECK(fs::equivalent(s.input_files[1], base));
    CHECK(fs::equivalent(s.input_files[2], saas));
  }
  SECTION("extends is not a string, or is empty") {
    CHECK(error_parsing("extends = 3\n", "x.toml") ==
          "x.toml:1:11: extends = 3 is an integer, not a string (expected the path of the base "
          "scenario file, relative to the directory of this file)");
    CHECK_THAT(error_parsing("extends = \"\"\n", "x.toml"),
               StartsWith("x.toml:1:11: extends = \"\" is empty ("));
  }
  SECTION("a key of the extending file that excludes one of the base's") {
    TempDir dir;
    const std::string base = fixture("base.toml");
    const std::string text = "extends = '" + base +
                             "'\n\n[segments.premium]\nchurn_sbg = { alpha = 1, beta = 3 }\n";
    const std::string child = dir.write("child.toml", text);
    const std::string msg = error_reading(child);
    INFO(msg);
    CHECK_THAT(msg, StartsWith(child + ":4:13: segments.premium.churn_sbg = { alpha = 1, beta = 3 "
                                       "} cannot be given together with "
                                       "segments.premium.churn, written at " +
                               at_in(base, "0.02").substr(0, at_in(base, "0.02").size() - 2) +
                               " ("));
    CHECK_THAT(msg, Contains("write segments.premium = { ... } in full"));
  }
}

TEST_CASE("extends: a value located in the base keeps its key path", "[io][extends]") {
  const Scenario s = clvsim::read_scenario_file(fixture("child.toml"));
  const Param* p = find_param(s, "funnel.lead.drop");
  REQUIRE(p);
  CHECK(p->where.prefix() == at_in(fixture("base.toml"), "0.2\n"));
}

#include "clvsim/io/hdf5.hpp"

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <sys/resource.h>

#include <catch2/catch.hpp>

#include "clvsim/error.hpp"

namespace {

namespace fs = std::filesystem;
using clvsim::RuntimeError;
using clvsim::h5::File;
using clvsim::h5::Group;

// A fresh directory under the system temp directory, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    std::random_device entropy;
    path_ = fs::temp_directory_path() /
            ("clvsim-test-hdf5-" + std::to_string(entropy()) + std::to_string(entropy()));
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <class T>
bool same_bytes(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

template <class T>
void check_round_trip(const std::string& path, const std::vector<T>& values) {
  {
    File file(path, File::Mode::Create);
    file.root().write<T>("values", values);
    file.close();
  }
  File file(path, File::Mode::ReadOnly);
  std::vector<std::size_t> dims;
  const std::vector<T> back = file.root().read<T>("values", &dims);
  CHECK(dims == std::vector<std::size_t>{values.size()});
  // Bitwise, so NaN payloads and signed zeros count too.
  CHECK(same_bytes(back, values));
}

}  // namespace

TEST_CASE("every element type round-trips bit for bit", "[io][hdf5]") {
  ScratchDir dir;
  const std::string path = dir.file("types.h5");
  SECTION("double") {
    check_round_trip<double>(
        path, {0.0, -0.0, 1.5, -1e300, std::numeric_limits<double>::min(),
               std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::infinity(),
               std::numeric_limits<double>::quiet_NaN()});
  }
  SECTION("float") {
    check_round_trip<float>(path, {0.0f, -2.5f, 3.4e38f, std::numeric_limits<float>::epsilon()});
  }
  SECTION("int64") {
    check_round_trip<std::int64_t>(path, {0, -1, std::numeric_limits<std::int64_t>::min(),
                                          std::numeric_limits<std::int64_t>::max()});
  }
  SECTION("int32") {
    check_round_trip<std::int32_t>(path, {7, std::numeric_limits<std::int32_t>::min(),
                                          std::numeric_limits<std::int32_t>::max()});
  }
  SECTION("uint64") {
    check_round_trip<std::uint64_t>(path, {0, 1, std::numeric_limits<std::uint64_t>::max()});
  }
  SECTION("uint8") {
    check_round_trip<std::uint8_t>(path, {0, 1, 127, 128, 255});
  }
  SECTION("empty") {
    check_round_trip<double>(path, {});
  }
}

TEST_CASE("multi-dimensional datasets keep their shape, row-major", "[io][hdf5]") {
  ScratchDir dir;
  const std::string path = dir.file("dims.h5");
  const std::vector<double> matrix = {1, 2, 3, 4, 5, 6};
  const std::vector<std::int32_t> cube = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  {
    File file(path, File::Mode::Create);
    file.root().write<double>("matrix", matrix, {2, 3});
    file.root().write(std::string("cube"), std::span<const std::int32_t>(cube), {2, 3, 2});
    file.close();
  }
  File file(path, File::Mode::ReadOnly);
  std::vector<std::size_t> dims;
  CHECK(file.root().read<double>("matrix", &dims) == matrix);
  CHECK(dims == std::vector<std::size_t>{2, 3});
  CHECK(file.root().read<std::int32_t>("cube", &dims) == cube);
  CHECK(dims == std::vector<std::size_t>{2, 3, 2});
}

TEST_CASE("dimensions that do not match the data are rejected", "[io][hdf5]") {
  ScratchDir dir;
  File file(dir.file("bad_dims.h5"), File::Mode::Create);
  const std::vector<double> data = {1, 2, 3, 4, 5};
  CHECK_THROWS_AS(file.root().write<double>("x", data, {2, 3}), RuntimeError);
  CHECK_THROWS_WITH(file.root().write<double>("x", data, {2, 2}),
                    Catch::Contains("'/x'") && Catch::Contains("4 elements"));
  CHECK_FALSE(file.root().has("x"));
}

TEST_CASE("string datasets keep newlines, quotes and UTF-8", "[io][hdf5]") {
  ScratchDir dir;
  const std::string path = dir.file("strings.h5");
  const std::vector<std::string> values = {"plain",
                                           "",
                                           "line one\nline two\n",
                                           "say \"hi\" and 'bye'",
                                           "tab\there, back\\slash",
                                           "caf\xC3\xA9 \xE2\x82\xAC"};
  {
    File file(path, File::Mode::Create);
    file.root().write_strings("names", values);
    file.root().write_strings("none", {});
    CHECK_THROWS_WITH(file.root().write_strings("nul", {std::string("a\0b", 3)}),
                      Catch::Contains("NUL"));
    file.close();
  }
  File file(path, File::Mode::ReadOnly);
  CHECK(file.root().read_strings("names") == values);
  CHECK(file.root().read_strings("none").empty());
}

TEST_CASE("attributes of every kind round-trip", "[io][hdf5]") {
  ScratchDir dir;
  const std::string path = dir.file("attrs.h5");
  // A whole scenario file fits in one attribute; 100 kB is past HDF5's 64 kB compact limit.
  std::string big;
  for (int i = 0; big.size() < 100'000; ++i) {
    big +=
        "[segment.s" + std::to_string(i) + "]\nname = \"seg \\\"" + std::to_string(i) + "\\\"\"\n";
  }
  {
    File file(path, File::Mode::Create);
    Group& root = file.root();
    root.set_attr("wall_time", 12.25);
    root.set_attr("threads", std::int64_t{-3});
    root.set_attr("seed", std::numeric_limits<std::uint64_t>::max());
    root.set_attr("version", "0.1.0");  // const char*: must be a string, not a bool
    root.set_attr("scenario", big);
    root.set_attr("empty", std::string());
    root.set_attr("replaced", 1.0);
    root.set_attr("replaced", std::string("now a string"));
    root.write<double>("npv", std::vector<double>{1.0, 2.0});
    root.set_dataset_attr("npv", "units", "USD");
    root.set_dataset_attr("npv", "discount_rate", 0.08);
    file.close();
  }
  File file(path, File::Mode::ReadOnly);
  const Group& root = file.root();
  CHECK(root.attr_double("wall_time") == 12.25);
  CHECK(root.attr_int("threads") == -3);
  CHECK(root.attr_uint("seed") == std::numeric_limits<std::uint64_t>::max());
  CHECK(root.attr_string("version") == "0.1.0");
  CHECK(root.attr_string("scenario") == big);
  CHECK(root.attr_string("empty").empty());
  CHECK(root.attr_string("replaced") == "now a string");
  CHECK(root.dataset_attr_string("npv", "units") == "USD");
  CHECK(root.dataset_attr_double("npv", "discount_rate") == 0.08);
  CHECK(root.has_attr("seed"));
  CHECK_FALSE(root.has_attr("missing"));
  CHECK_THROWS_WITH(root.attr_double("missing"),
                    Catch::Contains("attrs.h5") && Catch::Contains("'missing'"));
  // No silent conversions between stored and requested types.
  CHECK_THROWS_WITH(root.attr_int("seed"), Catch::Contains("stored as uint64, requested int64"));
  CHECK_THROWS_WITH(root.attr_double("version"), Catch::Contains("stored as string"));
  CHECK_THROWS_WITH(root.attr_string("wall_time"), Catch::Contains("stored as float64"));
}

TEST_CASE("nested groups, lookups and creation order", "[io][hdf5]") {
  ScratchDir dir;
  const std::string path = dir.file("groups.h5");
  {
    File file(path, File::Mode::Create);
    Group& root = file.root();
    Group results = root.create_group("results");
    Group zeta = results.create_group("zeta");
    results.create_group("alpha");
    results.write<std::int64_t>("mid", std::vector<std::int64_t>{1});
    results.create_group("beta");
    Group deep = zeta.create_group("deep");
    CHECK(deep.path() == "/results/zeta/deep");
    deep.set_attr("level", std::int64_t{3});
    root.create_group("config");
    CHECK_THROWS_WITH(root.create_group("results"), Catch::Contains("'/results'"));
    file.close();
  }
  File file(path, File::Mode::ReadOnly);
  Group& root = file.root();
  CHECK(root.children() == std::vector<std::string>{"results", "config"});
  const Group results = root.open_group("results");
  CHECK(results.children() == std::vector<std::string>{"zeta", "alpha", "mid", "beta"});
  CHECK(root.open_group("results/zeta/deep").attr_int("level") == 3);
  CHECK(results.open_group("zeta").open_group("deep").children().empty());
  CHECK(root.has("results"));
  CHECK(root.has("results/zeta/deep"));
  CHECK(results.has("mid"));
  CHECK_FALSE(root.has("nothing"));
  CHECK_FALSE(root.has("nothing/at/all"));
  CHECK_FALSE(results.has("zeta/shallow"));
  CHECK_FALSE(root.has(""));
  CHECK_THROWS_WITH(root.open_group("results/gamma"),
                    Catch::Contains("groups.h5") && Catch::Contains("'/results/gamma'"));
}

TEST_CASE("failures name the file, the object and HDF5's reason", "[io][hdf5]") {
  ScratchDir dir;
  const std::string path = dir.file("errors.h5");
  {
    File file(path, File::Mode::Create);
    file.root().create_group("results").write<double>("npv", std::vector<double>{1.0});
    file.close();
  }
  File file(path, File::Mode::ReadOnly);
  Group results = file.root().open_group("results");
  SECTION("missing dataset") {
    CHECK_THROWS_AS(results.read<double>("irr"), RuntimeError);
    try {
      (void)results.read<double>("irr");
    } catch (const RuntimeError& e) {
      const std::string msg = e.what();
      CHECK_THAT(msg, Catch::StartsWith(path + ": cannot read dataset '/results/irr' ("));
      // The innermost HDF5 description, not an empty pair of parentheses.
      CHECK_THAT(msg, !Catch::EndsWith("()"));
      CHECK_THAT(msg, !Catch::Contains("no HDF5 error description"));
    }
  }
  SECTION("wrong element type") {
    CHECK_THROWS_WITH(results.read<float>("npv"),
                      Catch::Contains("'/results/npv'") &&
                          Catch::Contains("stored as float64, requested float32"));
    CHECK_THROWS_WITH(results.read_strings("npv"), Catch::Contains("requested string"));
  }
  SECTION("writing to a read-only file") {
    CHECK_THROWS_AS(results.write<double>("more", std::vector<double>{2.0}), RuntimeError);
    CHECK_THROWS_AS(results.set_attr("x", 1.0), RuntimeError);
  }
  SECTION("missing file") {
    CHECK_THROWS_WITH(File(dir.file("absent.h5"), File::Mode::ReadOnly),
                      Catch::Contains("absent.h5") && Catch::Contains("cannot open HDF5 file") &&
                          !Catch::Contains("no HDF5 error description"));
  }
  SECTION("not an HDF5 file") {
    std::ofstream(dir.file("text.h5")) << "not hdf5\n";
    CHECK_THROWS_AS(File(dir.file("text.h5"), File::Mode::ReadOnly), RuntimeError);
  }
  SECTION("missing directory") {
    CHECK_THROWS_WITH(File(dir.file("no/such/dir.h5"), File::Mode::Create),
                      Catch::Contains("dir.h5") && Catch::Contains("cannot create HDF5 file") &&
                          !Catch::Contains("no HDF5 error description"));
  }
  SECTION("use after close") {
    file.close();
    CHECK_THROWS_AS(file.root(), RuntimeError);
    // Closing the file closed the group too: it reports an error rather than crashing.
    CHECK_THROWS_AS(results.read<double>("npv"), RuntimeError);
    file.close();  // a second close is harmless
  }
}

TEST_CASE("identical data gives identical bytes", "[io][hdf5]") {
  ScratchDir dir;
  std::vector<double> values(1000);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = 1.0 / static_cast<double>(i + 1);
  auto write = [&](const std::string& path) {
    File file(path, File::Mode::Create);
    Group results = file.root().create_group("results");
    results.write<double>("values", values, {10, 100});
    results.write_strings("labels", {"a", "b"});
    results.set_attr("seed", std::uint64_t{42});
    file.close();
  };
  write(dir.file("a.h5"));
  write(dir.file("b.h5"));
  File a(dir.file("a.h5"), File::Mode::ReadOnly);
  File b(dir.file("b.h5"), File::Mode::ReadOnly);
  const auto from_a = a.root().read<double>("results/values");
  CHECK(same_bytes(from_a, values));
  CHECK(same_bytes(from_a, b.root().read<double>("results/values")));
  // No timestamps in object headers: the whole files match, not only the values.
  CHECK(file_bytes(dir.file("a.h5")) == file_bytes(dir.file("b.h5")));
}

TEST_CASE("files and groups move", "[io][hdf5]") {
  ScratchDir dir;
  const std::string path = dir.file("moves.h5");
  {
    File first(path, File::Mode::Create);
    File file = std::move(first);
    Group g = file.root().create_group("g");
    Group moved = std::move(g);
    moved.write<std::uint8_t>("flags", std::vector<std::uint8_t>{1, 0, 1});
    file.close();
  }
  File file(path, File::Mode::ReadOnly);
  CHECK(file.path() == path);
  CHECK(file.root().read<std::uint8_t>("g/flags") == std::vector<std::uint8_t>{1, 0, 1});
}

TEST_CASE("a full disk while writing is an error, and HDF5 stays usable", "[io][hdf5]") {
  ScratchDir dir;
  // RLIMIT_FSIZE makes writes beyond 64 KiB fail with EFBIG, as a full disk fails with ENOSPC;
  // SIGXFSZ is ignored so the write returns the error instead of killing the process.
  struct rlimit old {};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 64 * 1024;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  std::vector<double> values(100000, 1.5);
  // The write or the close fails, with the system's reason, not HDF5's internal details.
  const auto write_all = [&] {
    File file(dir.file("full.h5"), File::Mode::Create);
    file.root().write<double>("values", values);
    file.close();
  };
  CHECK_THROWS_WITH(write_all(), Catch::Contains("full.h5") &&
                                     Catch::Contains("(File too large)") &&
                                     !Catch::Contains("errno"));
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  // The library is in a sound state: the next file is written and read back. (Before, HDF5
  // kept the failed file open and crashed or looped when the process exited.)
  {
    File file(dir.file("after.h5"), File::Mode::Create);
    file.root().write<double>("values", values);
    file.close();
  }
  File back(dir.file("after.h5"), File::Mode::ReadOnly);
  CHECK(back.root().read<double>("values") == values);
}

TEST_CASE("datasets written later hold their producer's values, as write() stores them",
          "[io][hdf5][write_later]") {
  ScratchDir dir;
  // 300,000 values: several chunks of the producer, and a dataset larger than anything else.
  const std::size_t rows = 3, cols = 100000;
  std::vector<double> values(rows * cols);
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] = std::sqrt(static_cast<double>(i)) - 7.25;
  std::size_t largest_request = 0, produced = 0;
  {
    File file(dir.file("later.h5"), File::Mode::Create);
    Group g = file.root().create_group("g");
    g.write_later("big", {rows, cols}, [&](std::size_t first, std::span<double> out) {
      largest_request = std::max(largest_request, out.size());
      produced += out.size();
      std::copy_n(values.begin() + static_cast<std::ptrdiff_t>(first), out.size(), out.begin());
    });
    g.set_dataset_attr("big", "unit", "money");
    // Objects created after it, so that HDF5 writes structure beyond its reserved range.
    for (int k = 0; k < 40; ++k)
      g.create_group("after_" + std::to_string(k)).write<double>("x", std::vector<double>{1.0 * k});
    g.write_later("empty", {0}, [](std::size_t, std::span<double>) { FAIL("nothing to produce"); });
    file.close();
  }
  CHECK(produced == values.size());
  CHECK(largest_request < values.size());  // never the whole dataset at once
  File back(dir.file("later.h5"), File::Mode::ReadOnly);
  std::vector<std::size_t> dims;
  CHECK(same_bytes(back.root().read<double>("g/big", &dims), values));
  CHECK(dims == std::vector<std::size_t>{rows, cols});
  CHECK(back.root().dataset_attr_string("g/big", "unit") == "money");
  CHECK(back.root().read<double>("g/after_39/x") == std::vector<double>{39.0});
  CHECK(back.root().read<double>("g/empty").empty());
}

TEST_CASE("a producer's failure or a full disk at close leaves HDF5 usable",
          "[io][hdf5][write_later]") {
  ScratchDir dir;
  const auto failing = [&] {
    File file(dir.file("failing.h5"), File::Mode::Create);
    file.root().write_later("x", {10}, [](std::size_t, std::span<double>) {
      throw RuntimeError("the values are gone");
    });
    file.close();
  };
  CHECK_THROWS_WITH(failing(), "the values are gone");
  struct rlimit old {};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 64 * 1024;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  const auto too_large = [&] {
    File file(dir.file("full.h5"), File::Mode::Create);
    file.root().write_later("x", {100000}, [](std::size_t, std::span<double> out) {
      std::fill(out.begin(), out.end(), 2.0);
    });
    file.close();
  };
  CHECK_THROWS_WITH(too_large(), Catch::Contains("full.h5") && Catch::Contains("(File too large)"));
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  File file(dir.file("after.h5"), File::Mode::Create);
  file.root().write_later("x", {5}, [](std::size_t first, std::span<double> out) {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<double>(first + i);
  });
  file.close();
  File back(dir.file("after.h5"), File::Mode::ReadOnly);
  CHECK(back.root().read<double>("x") == std::vector<double>{0, 1, 2, 3, 4});
}

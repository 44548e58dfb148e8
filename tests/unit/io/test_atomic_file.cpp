#include "clvsim/io/atomic_file.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "clvsim/error.hpp"
#include "clvsim/io/hdf5.hpp"

namespace {

namespace fs = std::filesystem;
using clvsim::AtomicOutput;
using clvsim::check_output_path;
using clvsim::InputError;
using clvsim::Overwrite;

// A fresh directory under the system temp directory, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    std::random_device entropy;
    path_ = fs::temp_directory_path() /
            ("clvsim-test-atomic-" + std::to_string(entropy()) + std::to_string(entropy()));
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ignored);
    fs::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  //! Names of everything in the directory, to prove nothing was left behind.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path_)) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }

 private:
  fs::path path_;
};

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("the temporary file sits next to the target", "[io][atomic]") {
  ScratchDir dir;
  const std::string target = dir.file("out.h5");
  AtomicOutput output(target, Overwrite::Refuse);
  CHECK(output.final_path() == target);
  CHECK(fs::path(output.temp_path()).parent_path() == dir.path());
  CHECK_THAT(output.temp_path(),
             Catch::StartsWith(target + ".tmp." + clvsim::temp_owner_tag() + "."));
  CHECK(fs::exists(output.temp_path()));
  CHECK_FALSE(fs::exists(target));

  AtomicOutput second(dir.file("out.h5"), Overwrite::Refuse);
  CHECK(second.temp_path() != output.temp_path());
}

TEST_CASE("commit moves the finished file into place", "[io][atomic]") {
  ScratchDir dir;
  const std::string target = dir.file("out.csv");
  {
    AtomicOutput output(target, Overwrite::Refuse);
    write_text(output.temp_path(), "a,b\n1,2\n");
    output.commit();
    output.commit();  // a second commit does nothing
  }
  CHECK(read_text(target) == "a,b\n1,2\n");
  CHECK(dir.entries() == std::vector<std::string>{"out.csv"});
}

TEST_CASE("an uncommitted output leaves no file behind", "[io][atomic]") {
  ScratchDir dir;
  const std::string target = dir.file("out.h5");
  SECTION("destroyed without commit") {
    AtomicOutput output(target, Overwrite::Refuse);
    write_text(output.temp_path(), "partial");
  }
  SECTION("an exception while writing an HDF5 file") {
    try {
      AtomicOutput output(target, Overwrite::Refuse);
      clvsim::h5::File file(output.temp_path(), clvsim::h5::File::Mode::Create);
      file.root().write<double>("npv", std::vector<double>{1.0, 2.0});
      throw std::runtime_error("simulation failed halfway");
    } catch (const std::runtime_error&) {
    }
  }
  CHECK_FALSE(fs::exists(target));
  CHECK(dir.entries().empty());
}

TEST_CASE("an HDF5 file written through AtomicOutput reads back", "[io][atomic]") {
  ScratchDir dir;
  const std::string target = dir.file("results.h5");
  {
    AtomicOutput output(target, Overwrite::Refuse);
    clvsim::h5::File file(output.temp_path(), clvsim::h5::File::Mode::Create);
    file.root().set_attr("seed", std::uint64_t{7});
    file.close();
    output.commit();
  }
  clvsim::h5::File file(target, clvsim::h5::File::Mode::ReadOnly);
  CHECK(file.root().attr_uint("seed") == 7);
  CHECK(dir.entries() == std::vector<std::string>{"results.h5"});
}

TEST_CASE("existing files are refused unless overwriting is allowed", "[io][atomic]") {
  ScratchDir dir;
  const std::string target = dir.file("out.csv");
  write_text(target, "old");
  SECTION("Refuse") {
    CHECK_THROWS_AS(check_output_path(target, Overwrite::Refuse), InputError);
    CHECK_THROWS_WITH(
        AtomicOutput(target, Overwrite::Refuse),
        target + " already exists (refusing to overwrite; pass --force to replace it)");
    CHECK(read_text(target) == "old");
    CHECK(dir.entries() == std::vector<std::string>{"out.csv"});
  }
  SECTION("Allow") {
    CHECK_NOTHROW(check_output_path(target, Overwrite::Allow));
    {
      AtomicOutput output(target, Overwrite::Allow);
      write_text(output.temp_path(), "new");
      CHECK(read_text(target) == "old");  // untouched until the commit
      output.commit();
    }
    CHECK(read_text(target) == "new");
    CHECK(dir.entries() == std::vector<std::string>{"out.csv"});
  }
}

TEST_CASE("commit does not clobber a file that appeared meanwhile", "[io][atomic]") {
  ScratchDir dir;
  const std::string target = dir.file("out.csv");
  {
    AtomicOutput output(target, Overwrite::Refuse);
    write_text(output.temp_path(), "ours");
    write_text(target, "theirs");  // e.g. another run finished first
    CHECK_THROWS_WITH(output.commit(), Catch::Contains("already exists"));
  }
  CHECK(read_text(target) == "theirs");
  CHECK(dir.entries() == std::vector<std::string>{"out.csv"});
}

TEST_CASE("check_output_path rejects unwritable places and creates nothing", "[io][atomic]") {
  ScratchDir dir;
  SECTION("missing directory") {
    const std::string target = dir.file("missing/out.h5");
    CHECK_THROWS_WITH(
        check_output_path(target, Overwrite::Allow),
        "cannot write " + target + " (directory " + dir.file("missing") + " does not exist)");
    CHECK_THROWS_AS(AtomicOutput(target, Overwrite::Allow), InputError);
  }
  SECTION("parent is a file") {
    write_text(dir.file("plain"), "x");
    CHECK_THROWS_WITH(check_output_path(dir.file("plain/out.h5"), Overwrite::Allow),
                      Catch::Contains("is not a directory"));
  }
  SECTION("target is a directory") {
    fs::create_directory(dir.file("sub"));
    CHECK_THROWS_WITH(check_output_path(dir.file("sub"), Overwrite::Allow),
                      Catch::Contains("it is a directory"));
  }
  SECTION("directory not writable") {
    if (::geteuid() == 0) {
      WARN("running as root, which may write anywhere: skipping the read-only directory check");
    } else {
      fs::create_directory(dir.file("ro"));
      fs::permissions(dir.file("ro"), fs::perms::owner_read | fs::perms::owner_exec);
      CHECK_THROWS_WITH(check_output_path(dir.file("ro/out.h5"), Overwrite::Allow),
                        Catch::Contains("not writable"));
      fs::permissions(dir.file("ro"), fs::perms::owner_all);
    }
  }
  SECTION("a valid path") {
    CHECK_NOTHROW(check_output_path(dir.file("fresh.h5"), Overwrite::Refuse));
    CHECK(dir.entries().empty());
  }
}

namespace {

// A pid that certainly names no process: a child that has exited and been reaped.
pid_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return pid;
}

}  // namespace

TEST_CASE("outputs of one run are committed together or not at all", "[io][atomic]") {
  ScratchDir dir;
  const std::string a = dir.file("run.h5"), b = dir.file("run.csv");
  SECTION("both appear") {
    AtomicOutput oa(a, Overwrite::Refuse), ob(b, Overwrite::Refuse);
    write_text(oa.temp_path(), "h5");
    write_text(ob.temp_path(), "csv");
    clvsim::commit_together({&oa, &ob});
    CHECK(fs::exists(a));
    CHECK(fs::exists(b));
  }
  SECTION("a failing second commit takes the first one back") {
    {
      AtomicOutput oa(a, Overwrite::Allow), ob(b, Overwrite::Allow);
      write_text(oa.temp_path(), "h5");
      write_text(ob.temp_path(), "csv");
      // A non-empty directory where the CSV goes: rename(2) over it fails.
      fs::create_directories(dir.path() / "run.csv" / "inside");
      CHECK_THROWS_AS(clvsim::commit_together({&oa, &ob}), clvsim::RuntimeError);
      CHECK_FALSE(fs::exists(a));
    }
    // Neither the .h5 nor any temporary is left.
    const auto names = dir.entries();
    CHECK(names == std::vector<std::string>{"run.csv"});
  }
}

TEST_CASE("temporaries of dead processes on this host are removed", "[io][atomic]") {
  ScratchDir dir;
  const std::string target = dir.file("out.h5");
  const std::string tag = clvsim::temp_owner_tag();
  const std::string host = tag.substr(0, tag.rfind('.'));
  const std::string dead = target + ".tmp." + host + "." + std::to_string(dead_pid()) + ".0";
  const std::string alive = target + ".tmp." + host + "." + std::to_string(::getppid()) + ".0";
  const std::string other_host =
      target + ".tmp.some-other-node." + std::to_string(dead_pid()) + ".0";
  const std::string other_target =
      dir.file("other.h5") + ".tmp." + host + "." + std::to_string(dead_pid()) + ".0";
  for (const auto& p : {dead, alive, other_host, other_target}) write_text(p, "partial");
  {
    AtomicOutput out(target, Overwrite::Refuse);
    write_text(out.temp_path(), "done");
    out.commit();
  }
  CHECK_FALSE(fs::exists(dead));
  CHECK(fs::exists(alive));         // its process still runs
  CHECK(fs::exists(other_host));    // its process cannot be checked from here
  CHECK(fs::exists(other_target));  // another output's business
  CHECK(clvsim::remove_stale_temporaries(target) == 0);
}

TEST_CASE("an output may not be an input of the same run", "[io][atomic]") {
  ScratchDir dir;
  const std::string scenario = dir.file("my.toml");
  write_text(scenario, "x");
  CHECK_THROWS_WITH(clvsim::check_outputs_are_not_inputs({dir.file("a.h5"), scenario}, {scenario}),
                    Catch::Contains("is an input of this run"));
  // The same file under another name: a symbolic link and a relative spelling.
  fs::create_symlink(scenario, dir.file("link.toml"));
  CHECK_THROWS_AS(clvsim::check_outputs_are_not_inputs({dir.file("link.toml")}, {scenario}),
                  InputError);
  CHECK_THROWS_AS(clvsim::check_outputs_are_not_inputs({dir.file("sub/../my.toml")}, {scenario}),
                  InputError);
  CHECK_THROWS_WITH(
      clvsim::check_outputs_are_not_inputs({dir.file("a.h5"), dir.file("a.h5")}, {scenario}),
      Catch::Contains("named twice"));
  CHECK_NOTHROW(clvsim::check_outputs_are_not_inputs({dir.file("a.h5"), "", dir.file("a.csv")},
                                                     {scenario, ""}));
}

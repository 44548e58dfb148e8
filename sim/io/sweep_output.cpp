#include "clvsim/io/sweep_output.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "clvsim/error.hpp"
#include "clvsim/io/hdf5.hpp"
#include "clvsim/sweep.hpp"
#include "clvsim/variants.hpp"
#include "provenance.hpp"

namespace clvsim {
namespace {

namespace fs = std::filesystem;

constexpr char MAGIC[8] = {'C', 'L', 'V', 'S', 'W', 'P', '1', '\n'};

std::uint64_t checksum(const std::vector<unsigned char>& bytes) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char b : bytes) {
    h ^= b;
    h *= 1099511628211ull;
  }
  return h;
}

void write_all(int fd, const void* data, std::size_t n, const std::string& path) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw RuntimeError("cannot write " + path + " (" + std::strerror(errno) + ")");
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}


struct Header {
  std::uint64_t fingerprint;
  std::uint64_t width;
};

}  // namespace

SweepJournal::SweepJournal(const std::string& output, int rank, std::uint64_t fingerprint, std::size_t width)
    : path_(output + ".partial." + std::to_string(rank)) {
  if (!fs::exists(path_)) {
    // A new journal appears with its header already in it: written under a temporary name
    // (one that remove_stale_temporaries recognises, should the process die here) and linked
    // into place, so a journal found by another run is never without its fingerprint.
    const std::string temp =
        output + ".tmp." + temp_owner_tag() + "." + std::to_string(1000000 + rank);
    const int t = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (t < 0) throw RuntimeError("cannot create " + path_ + " (" + std::strerror(errno) + ")");
    try {
      const Header h{fingerprint, width};
      write_all(t, MAGIC, sizeof MAGIC, path_);
      write_all(t, &h, sizeof h, path_);
      if (::fsync(t) != 0)
        throw RuntimeError("cannot sync " + path_ + " (" + std::strerror(errno) + ")");
    } catch (...) {
      ::close(t);
      ::unlink(temp.c_str());
      throw;
    }
    ::close(t);
    const int linked = ::link(temp.c_str(), path_.c_str()) == 0 ? 0 : errno;
    ::unlink(temp.c_str());
    if (linked != 0 && linked != EEXIST)
      throw RuntimeError("cannot create " + path_ + " (" + std::strerror(linked) + ")");
  }
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) throw RuntimeError("cannot open " + path_ + " (" + std::strerror(errno) + ")");
  // Held until the journal is closed; released by the kernel if the process dies.
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      throw InputError(
          path_ +
          " is held by another clvsim process that is still running this sweep; wait for it "
          "to finish, or stop it first");
    throw RuntimeError("cannot lock " + path_ + " (" + std::strerror(err) + ")");
  }
}

SweepJournal::~SweepJournal() {
  if (fd_ >= 0) ::close(fd_);
}

void SweepJournal::append(std::size_t point, const std::vector<double>& row) {
  // record: point (u64), row (doubles), checksum of both (u64); one write, then fsync.
  std::vector<unsigned char> bytes(sizeof(std::uint64_t) + row.size() * sizeof(double));
  const auto p = static_cast<std::uint64_t>(point);
  std::memcpy(bytes.data(), &p, sizeof p);
  std::memcpy(bytes.data() + sizeof p, row.data(), row.size() * sizeof(double));
  const std::uint64_t sum = checksum(bytes);
  bytes.resize(bytes.size() + sizeof sum);
  std::memcpy(bytes.data() + bytes.size() - sizeof sum, &sum, sizeof sum);
  write_all(fd_, bytes.data(), bytes.size(), path_);
  if (::fsync(fd_) != 0) throw RuntimeError("cannot sync " + path_ + " (" + std::strerror(errno) + ")");
}

std::vector<std::string> SweepJournal::existing(const std::string& output) {
  std::vector<std::string> out;
  const fs::path target(output);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string prefix = target.filename().string() + ".partial.";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0) out.push_back((target.has_parent_path() ? (dir / name) : fs::path(name)).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string SweepJournal::in_use(const std::string& output) {
  for (const std::string& path : existing(output)) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd);
    if (held) return path;
  }
  return {};
}

std::map<std::size_t, std::vector<double>> SweepJournal::read(const std::string& output, std::uint64_t fingerprint,
                                                             std::size_t width) {
  std::map<std::size_t, std::vector<double>> rows;
  for (const std::string& path : existing(output)) {
    std::ifstream in(path, std::ios::binary);
    char magic[sizeof MAGIC];
    Header h{};
    if (!in.read(magic, sizeof magic) || std::memcmp(magic, MAGIC, sizeof MAGIC) != 0 ||
        !in.read(reinterpret_cast<char*>(&h), sizeof h)) {
      throw InputError(path + " is not a clvsim sweep journal (delete it, or choose another output)");
    }
    if (h.fingerprint != fingerprint || h.width != width) {
      throw InputError(path + " belongs to a different sweep (the scenario, design, seed or replications "
                              "changed since it was written); delete it to start over, or run without --resume "
                              "and with --force");
    }
    const std::size_t record = sizeof(std::uint64_t) * 2 + width * sizeof(double);
    std::vector<unsigned char> bytes(record);
    while (in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(record))) {
      std::uint64_t sum = 0;
      std::memcpy(&sum, bytes.data() + record - sizeof sum, sizeof sum);
      const std::vector<unsigned char> body(bytes.begin(), bytes.end() - sizeof sum);
      if (checksum(body) != sum) break;  // torn write: the process died here
      std::uint64_t point = 0;
      std::memcpy(&point, body.data(), sizeof point);
      std::vector<double> row(width);
      std::memcpy(row.data(), body.data() + sizeof point, width * sizeof(double));
      rows[static_cast<std::size_t>(point)] = std::move(row);
    }
  }
  return rows;
}

void SweepJournal::remove_all(const std::string& output) {
  for (const std::string& path : existing(output)) fs::remove(path);
}

SweepTable sweep_table(const SweepSpec& spec, const std::vector<std::vector<double>>& points,
                       const std::map<std::size_t, std::vector<double>>& rows, std::size_t first,
                       std::size_t last) {
  SweepTable table;
  for (const auto& p : spec.parameters) {
    table.parameters.push_back(p.pattern);
    table.operations.push_back(op_name(p.op));
  }
  table.columns = sweep_columns();
  for (std::size_t i = first; i < last; ++i) {
    table.points.push_back(static_cast<std::int64_t>(i));
    table.values.push_back(points[i]);
    table.rows.push_back(rows.at(i));
  }
  return table;
}

void write_sweep_hdf5(const std::string& path, const SweepTable& table, const SweepFileInfo& info,
                      Overwrite overwrite) {
  AtomicOutput output(path, overwrite);
  output.write([&](const std::string& temp) {
    h5::File file(temp, h5::File::Mode::Create);
    h5::Group& root = file.root();
    root.set_attr("kind", table.points.size() == static_cast<std::size_t>(info.points_total) &&
                                  info.shard_count == 1
                              ? "sweep"
                              : "sweep_shard");
    detail::write_provenance(root, {info.command_line, info.threads, info.ranks, info.wall_seconds,
                                    info.scenario_name, info.scenario_file, info.scenario_text});
    root.set_attr("design", info.design);
    root.set_attr("seed", info.seed);
    root.set_attr("replications_per_point", info.replications);
    root.set_attr("points_total", info.points_total);
    root.set_attr("fingerprint", info.fingerprint);
    root.set_attr("shard_index", info.shard_index);
    root.set_attr("shard_count", info.shard_count);

    h5::Group params = root.create_group("parameters");
    params.write_strings("pattern", table.parameters);
    params.write_strings("operation", table.operations);

    // One column per dataset, so the table reads straight into pandas.
    h5::Group t = root.create_group("table");
    std::vector<std::string> columns{"point"};
    t.write("point", table.points);
    const std::size_t n = table.points.size();
    for (std::size_t j = 0; j < table.parameters.size(); ++j) {
      std::vector<double> col(n);
      for (std::size_t r = 0; r < n; ++r) col[r] = table.values[r][j];
      t.write(table.parameters[j], col);
      columns.push_back(table.parameters[j]);
    }
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
      std::vector<double> col(n);
      for (std::size_t r = 0; r < n; ++r) col[r] = table.rows[r][c];
      t.write(table.columns[c], col);
      columns.push_back(table.columns[c]);
    }
    root.write_strings("columns", columns);
    file.close();
  });
  output.commit();
}

void merge_sweep_shards(const std::vector<std::string>& shards, const std::string& output,
                        Overwrite overwrite, const std::string* scenario_text) {
  if (shards.empty()) throw InputError("merge needs at least one shard file");
  check_outputs_are_not_inputs({output}, shards);
  check_output_path(output, overwrite);
  SweepTable table;
  SweepFileInfo info;
  std::map<std::int64_t, std::pair<std::vector<double>, std::vector<double>>> by_point;
  double wall = 0.0;
  for (std::size_t s = 0; s < shards.size(); ++s) {
    if (!fs::exists(shards[s])) throw InputError(shards[s] + ": no such shard file");
    if (!fs::is_regular_file(shards[s]) || !h5::is_hdf5_file(shards[s]))
      throw InputError(shards[s] +
                       " is not an HDF5 file (merge takes the shard files written by "
                       "clvsim sweep --shard i/N)");
    h5::File f(shards[s], h5::File::Mode::ReadOnly);
    const h5::Group& root = f.root();
    if (!root.has_attr("kind") || root.attr_string("kind").rfind("sweep", 0) != 0)
      throw InputError(shards[s] + " is not a clvsim sweep file");
    const std::vector<std::string> parameters = root.open_group("parameters").read_strings("pattern");
    const std::vector<std::string> operations = root.open_group("parameters").read_strings("operation");
    const std::vector<std::string> all_columns = root.read_strings("columns");
    const std::uint64_t fp = root.attr_uint("fingerprint");
    if (scenario_text && root.attr_string("scenario_text") != *scenario_text)
      throw InputError(
          shards[s] +
          " was computed from another version of the scenario (its stored scenario text "
          "differs from the scenario given to merge); run its shard again");
    if (s == 0) {
      info.design = root.attr_string("design");
      info.seed = root.attr_uint("seed");
      info.replications = root.attr_int("replications_per_point");
      info.points_total = root.attr_int("points_total");
      info.fingerprint = fp;
      info.threads = root.attr_int("threads");
      info.ranks = root.attr_int("ranks");
      info.command_line = root.attr_string("command_line");
      info.scenario_name = root.attr_string("scenario_name");
      info.scenario_file = root.attr_string("scenario_file");
      info.scenario_text = root.attr_string("scenario_text");
      table.parameters = parameters;
      table.operations = operations;
      table.columns.assign(all_columns.begin() + 1 + static_cast<std::ptrdiff_t>(parameters.size()), all_columns.end());
    } else if (fp != info.fingerprint) {
      throw InputError(shards[s] + " comes from a different sweep than " + shards[0] +
                       " (scenario, design, seed or replications differ); merge shards of one sweep only");
    }
    wall += root.attr_double("wall_time_seconds");
    const h5::Group t = root.open_group("table");
    const std::vector<std::int64_t> points = t.read<std::int64_t>("point");
    std::vector<std::vector<double>> pcols, mcols;
    for (const auto& p : table.parameters) pcols.push_back(t.read<double>(p));
    for (const auto& c : table.columns) mcols.push_back(t.read<double>(c));
    for (std::size_t r = 0; r < points.size(); ++r) {
      std::vector<double> values, row;
      for (const auto& col : pcols) values.push_back(col[r]);
      for (const auto& col : mcols) row.push_back(col[r]);
      if (!by_point.emplace(points[r], std::make_pair(values, row)).second)
        throw InputError(shards[s] + " repeats sweep point " + std::to_string(points[r]) +
                         " (each point must come from exactly one shard)");
    }
  }
  if (static_cast<std::int64_t>(by_point.size()) != info.points_total) {
    std::string missing;
    int shown = 0;
    for (std::int64_t i = 0; i < info.points_total && shown < 10; ++i)
      if (!by_point.count(i)) missing += (shown++ ? ", " : "") + std::to_string(i);
    throw InputError("the shards hold " + std::to_string(by_point.size()) + " of " +
                     std::to_string(info.points_total) + " sweep points (missing: " + missing +
                     (shown == 10 ? ", ..." : "") + "); run the missing shards first");
  }
  for (auto& [point, vr] : by_point) {
    table.points.push_back(point);
    table.values.push_back(std::move(vr.first));
    table.rows.push_back(std::move(vr.second));
  }
  info.wall_seconds = wall;
  info.shard_index = 0;
  info.shard_count = 1;
  write_sweep_hdf5(output, table, info, overwrite);
}

}  // namespace clvsim

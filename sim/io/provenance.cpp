#include "provenance.hpp"

#include <ctime>
#include <iomanip>
#include <sstream>

#include "clvsim/build_info.hpp"

namespace clvsim::detail {

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::ostringstream os;
  os << std::put_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return os.str();
}

void write_provenance(h5::Group& g, const Provenance& p) {
  g.set_attr("clvsim_version", version());
  g.set_attr("git_revision", git_revision());
  g.set_attr("build_type", build_type());
  g.set_attr("created_utc", utc_now());
  g.set_attr("command_line", p.command_line);
  g.set_attr("threads", p.threads);
  g.set_attr("ranks", p.ranks);
  g.set_attr("wall_time_seconds", p.wall_seconds);
  g.set_attr("scenario_name", p.scenario_name);
  g.set_attr("scenario_file", p.scenario_file);
  g.set_attr("scenario_text", p.scenario_text);
}

}  // namespace clvsim::detail

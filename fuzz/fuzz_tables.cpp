// libFuzzer harness of the readers of tables: the CSV of joint parameter draws
// ([parameter_draws]) and the company records that `clvsim fit` reads (a transaction log as CSV
// or in the CDNOW layout, and a subscription table). The first byte chooses the reader, the rest
// is the file. Any outcome other than success or an InputError is a bug.
//
// The fit readers take a path: the bytes are handed to them as an in-memory file (memfd).

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "clvsim/error.hpp"
#include "clvsim/fit/io/readers.hpp"
#include "clvsim/io/parameter_draws_csv.hpp"

namespace {

//! The bytes as a file that the readers open by path, closed when it goes.
class MemoryFile {
 public:
  explicit MemoryFile(std::string_view bytes) : fd_(memfd_create("fuzz-table", 0)) {
    if (fd_ < 0) __builtin_trap();
    std::size_t at = 0;
    while (at < bytes.size()) {
      const ssize_t n = write(fd_, bytes.data() + at, bytes.size() - at);
      if (n <= 0) __builtin_trap();
      at += static_cast<std::size_t>(n);
    }
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  ~MemoryFile() { close(fd_); }
  [[nodiscard]] std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  namespace fit = clvsim::fit;
  try {
    switch (data[0] % 4) {
      case 0:
        (void)clvsim::parse_parameter_draws_csv(text, "draws.csv", {"x.toml", 3, 8});
        break;
      case 1: {  // a transaction log with a header, a segment column and a holdout
        const MemoryFile file(text);
        fit::TransactionOptions options;
        options.columns.segment = "segment";
        options.calibration_end = 10'000;  // 1997-05-19
        (void)fit::read_transactions_by_segment(file.path(), options);
        break;
      }
      case 2: {  // the CDNOW layout, by month
        const MemoryFile file(text);
        fit::TransactionOptions options;
        options.layout = fit::TransactionLayout::Cdnow;
        options.period = "month";
        (void)fit::read_transactions(file.path(), options);
        break;
      }
      case 3: {  // subscriptions with a plan column
        const MemoryFile file(text);
        fit::SubscriptionOptions options;
        options.columns.segment = "plan";
        (void)fit::read_subscriptions(file.path(), options);
        break;
      }
    }
  } catch (const clvsim::InputError&) {
    // Bad input, reported as such.
  }
  return 0;
}

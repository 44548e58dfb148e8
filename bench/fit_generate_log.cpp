// Writes a synthetic transaction log (CSV: customer_id,date,amount) drawn from BG/BB in weeks
// with gamma-gamma spend, in date order per customer, for bench/fit_transactions.sh.
//
// Usage: fit_generate_log FILE ROWS   (default ROWS 10000000)

#include <cstdio>
#include <cstdlib>
#include <string>

#include "clvsim/fit/io/csv.hpp"
#include "clvsim/random.hpp"
#include "clvsim/samplers.hpp"

using namespace clvsim;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: fit_generate_log FILE [ROWS]\n");
    return 2;
  }
  const long rows = argc > 2 ? std::atol(argv[2]) : 10000000L;
  std::FILE* out = std::fopen(argv[1], "w");
  if (out == nullptr) return 1;
  std::fprintf(out, "customer_id,date,amount\n");
  const int start = *fit::parse_date("2020-01-01");
  const int weeks = 104;
  RandomStream rng(1, 0, Purpose::Test, 0);
  long written = 0;
  long customers = 0;
  while (written < rows) {
    const double p = beta_variate(rng, 1.2, 0.75);
    const double theta = beta_variate(rng, 0.66, 2.78);
    const double nu = gamma(rng, 3.74, 1.0 / 15.44);  // spend: z ~ Gamma(p = 6.25, nu)
    const int first = start + static_cast<int>(rng.uniform() * 90);
    auto emit = [&](int day) {
      const double amount = gamma(rng, 6.25, 1.0 / nu);
      std::fprintf(out, "C%08ld,%s,%.2f\n", customers, fit::format_date(day).c_str(), amount);
      ++written;
    };
    emit(first);
    for (int t = 1; t < weeks && written < rows; ++t) {
      if (rng.uniform() < theta) break;
      if (rng.uniform() < p) emit(first + 7 * t + static_cast<int>(rng.uniform() * 7));
    }
    ++customers;
  }
  std::fclose(out);
  std::printf("%ld rows, %ld customers\n", written, customers);
  return 0;
}

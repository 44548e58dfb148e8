#include "options.hpp"

#include <cctype>
#include <stdexcept>

namespace clvsim::cli {

std::string integer_text(const std::string& text) {
  const auto fail = [&]() -> std::string {
    throw std::invalid_argument(text +
                                " is not an integer (write a whole number, e.g. 10000 or 1e4)");
  };
  std::size_t i = 0;
  std::string sign;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    if (text[i] == '-') sign = "-";
    ++i;
  }
  std::string digits;  // all significant digits, the decimal point removed
  long point = -1;     // digits before the decimal point
  for (; i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.');
       ++i) {
    if (text[i] == '.') {
      if (point >= 0) return fail();
      point = static_cast<long>(digits.size());
    } else {
      digits += text[i];
    }
  }
  if (digits.empty()) return fail();
  if (point < 0) point = static_cast<long>(digits.size());
  long exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
    if (i == text.size()) return fail();
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i)
      if (exponent < 1000) exponent = exponent * 10 + (text[i] - '0');
    if (negative) exponent = -exponent;
  }
  if (i != text.size()) return fail();
  // digits * 10^(exponent - (digits.size() - point)): whole if every digit after the point is 0.
  const long shift = exponent - (static_cast<long>(digits.size()) - point);
  if (shift < 0) {
    const auto keep = static_cast<long>(digits.size()) + shift;
    for (long k = keep < 0 ? 0 : keep; k < static_cast<long>(digits.size()); ++k)
      if (digits[static_cast<std::size_t>(k)] != '0') return fail();
    digits.resize(static_cast<std::size_t>(keep < 0 ? 0 : keep));
  } else {
    // Beyond 40 digits no option can hold it; the range check reports it.
    digits.append(static_cast<std::size_t>(shift > 40 ? 40 : shift), '0');
  }
  const auto first = digits.find_first_not_of('0');
  if (first == std::string::npos) return "0";
  return sign + digits.substr(first);
}

}  // namespace clvsim::cli

// Fuzzes the soundness of the regex gate: the literals RegexRequiredLiterals names for a
// pattern must occur (ASCII case folded) in every value PCRE2 finds a match in, since the
// engine skips a regex test whose literals are absent. Input: one flags byte (bit 0 caseless,
// bit 1 multiline, bit 2 dotall), the pattern up to the first NUL, then the value.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "agent/sigma/value_matcher.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using otasuke::agent::sigma::RegexMatcher;
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t nul = rest.find('\0');
  if (nul == std::string_view::npos) return 0;
  const std::string_view pattern = rest.substr(0, nul);
  const std::string_view value = rest.substr(nul + 1);
  auto regex = RegexMatcher::Compile(pattern, (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0);
  if (!regex.ok() || !regex->Matches(value)) return 0;
  std::string lowered(value);
  absl::AsciiStrToLower(&lowered);
  for (const std::string& literal : regex->required_literals()) {
    if (lowered.find(literal) == std::string::npos) {
      std::fprintf(stderr, "pattern '%.*s' matches '%.*s' without its required literal '%s'\n",
                   static_cast<int>(pattern.size()), pattern.data(), static_cast<int>(value.size()),
                   value.data(), literal.c_str());
      std::abort();
    }
  }
  return 0;
}

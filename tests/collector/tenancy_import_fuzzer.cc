// libFuzzer target: the bulk-import parsers (tenants, responders, rotas from YAML and CSV) on
// operator-supplied files. The first byte picks the reading (YAML, or CSV of one kind); the rest
// is the file. Any input must yield records or an error, never a crash.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collector/tenancy/import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  constexpr std::string_view kOrigins[] = {"fuzz.yaml", "regions.csv", "tenants.csv",
                                           "responders.csv", "rota.csv"};
  std::string_view origin = kOrigins[data[0] % std::size(kOrigins)];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  (void)otasuke::collector::tenancy::ParseImport(origin, text);
  return 0;
}

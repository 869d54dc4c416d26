#pragma once
// splitmix64: a bijection on 64-bit numbers that spreads a serial number into a value that looks
// random while staying unique (flow ids, the load generator's alert UUIDs).

#include <cstdint>

namespace otasuke {

constexpr uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace otasuke

# The only place that finds dependencies. Everything here yields imported targets.
# Debian 12 quirks: protobuf has no CMake config (module mode); gRPC's config needs
# protobuf-compiler-grpc; libpcap, PCRE2, Hyperscan and libcurl are found by pkg-config.
find_package(Threads REQUIRED)
find_package(absl CONFIG REQUIRED)
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PCAP REQUIRED IMPORTED_TARGET libpcap)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)

# Hyperscan is x86-only; the portable Aho-Corasick matcher gives identical results elsewhere.
option(OTASUKE_USE_HYPERSCAN "Use Hyperscan for multi-pattern prefilters when available" ON)
set(OTASUKE_HAVE_HYPERSCAN OFF)
if(OTASUKE_USE_HYPERSCAN)
  pkg_check_modules(HYPERSCAN IMPORTED_TARGET libhs)
  if(HYPERSCAN_FOUND)
    set(OTASUKE_HAVE_HYPERSCAN ON)
  endif()
endif()

if(BUILD_TESTING)
  find_package(GTest REQUIRED)
endif()
find_package(benchmark QUIET)

# yaml-cpp 0.7 on Debian exports a plain "yaml-cpp" target.
if(TARGET yaml-cpp AND NOT TARGET yaml-cpp::yaml-cpp)
  add_library(yaml-cpp::yaml-cpp ALIAS yaml-cpp)
endif()

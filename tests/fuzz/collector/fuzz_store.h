#pragma once
// The collector's real SqliteStore for fuzz targets: one per fuzzer process, in a fresh
// temporary directory (under /dev/shm when there is one: commits then cost no disk sync) that
// is removed at exit. Inputs accumulate in it across runs, as rows
// do in a long-running collector.

#include <cstdlib>
#include <filesystem>
#include <string>

#include "collector/incident/grouper_chain.h"
#include "collector/store/sqlite_store.h"
#include "common/clock.h"
#include "common/log.h"

namespace otasuke::fuzz {

// The directory of FuzzStore()'s database (collector.db), for other components on it.
inline const std::string& FuzzStoreDir() {
  static const std::string* const dir = [] {
    std::error_code ec;
    const std::filesystem::path base = std::filesystem::is_directory("/dev/shm", ec)
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    auto* made = new std::string(base / "otasuke-fuzz-XXXXXX");
    if (mkdtemp(made->data()) == nullptr) std::abort();
    std::atexit([] { std::filesystem::remove_all(FuzzStoreDir()); });
    return made;
  }();
  return *dir;
}

inline collector::SqliteStore& FuzzStore() {
  static collector::SqliteStore* const store = [] {
    SetLogLevel(LogLevel::kError);  // stale-sequence warnings are expected, not news
    // The collector's default grouping, so entity keys from fuzzed evidence reach SQLite.
    static const collector::GrouperChain& grouper =
        *collector::GrouperChain::Create(collector::kDefaultGroupBy, absl::Hours(1))->release();
    collector::SqliteStore::Options options;
    options.path = FuzzStoreDir() + "/collector.db";
    options.notification_channels = {{.channel = "webhook", .target = "https://example.invalid/"}};
    auto opened = collector::SqliteStore::Open(std::move(options), RealClock::Get(), grouper);
    if (!opened.ok()) std::abort();
    return opened->release();  // lives as long as the process
  }();
  return *store;
}

}  // namespace otasuke::fuzz

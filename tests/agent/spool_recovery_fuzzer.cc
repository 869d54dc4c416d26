// libFuzzer: opening the agent's alert spool from arbitrary file bytes (a damaged, truncated or
// foreign file after a crash or a disk fault). Opening must succeed or fail with a status,
// never crash or hang, and every alert it then lists must be readable.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "agent/pipeline/sqlite_alert_spool.h"
#include "common/log.h"

namespace {

const std::string& WorkDir() {
  static const std::string* dir = [] {
    std::string tmpl = (::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    tmpl += "/otasuke-spool-fuzz-XXXXXX";
    otasuke::SetLogLevel(otasuke::LogLevel::kError);
    auto* path = new std::string(::mkdtemp(tmpl.data()));
    std::atexit([] { ::rmdir(WorkDir().c_str()); });  // emptied after every input
    return path;
  }();
  return *dir;
}

void RemoveSpoolFiles(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", ".corrupt", ".corrupt-wal", ".corrupt-shm"}) {
    ::unlink((path + suffix).c_str());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = WorkDir() + "/alert-spool.db";
  RemoveSpoolFiles(path);
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  auto spool = otasuke::agent::SqliteAlertSpool::Open(path);
  if (spool.ok()) {
    auto entries = (*spool)->ListEntries();
    if (entries.ok() && !entries->empty()) {
      std::vector<otasuke::agent::SpooledAlert> alerts;
      (*spool)
          ->ReadRange(entries->front().sequence, entries->back().sequence, &alerts)
          .IgnoreError();
      otasuke::v1::Alert alert;
      for (const auto& a : alerts) alert.ParseFromString(a.body);
    }
  }
  spool = absl::UnknownError("closed");
  RemoveSpoolFiles(path);
  return 0;
}

#pragma once
// Writes alerts as EVE JSON lines to a file or stdout, one fwrite per line.

#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "agent/network/scan/network_scanner.h"

namespace otasuke::network {

class EveWriter : public AlertEventHandler {
 public:
  // "-" or empty: stdout. Otherwise the file is created / truncated.
  static absl::StatusOr<std::unique_ptr<EveWriter>> Open(const std::string& path);
  ~EveWriter() override;

  void OnAlertEvent(const AlertEvent& event) override;
  absl::Status Close();
  uint64_t lines() const { return lines_; }

 private:
  EveWriter(std::FILE* file, bool owned, std::string path)
      : file_(file), owned_(owned), path_(std::move(path)) {}

  std::FILE* file_;
  bool owned_;
  std::string path_;
  std::string line_;  // the line being written; reused so its capacity is allocated once
  uint64_t lines_ = 0;
  bool write_failed_ = false;
};

}  // namespace otasuke::network

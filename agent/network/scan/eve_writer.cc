#include "agent/network/scan/eve_writer.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace otasuke::network {

absl::StatusOr<std::unique_ptr<EveWriter>> EveWriter::Open(const std::string& path) {
  if (path.empty() || path == "-") {
    return std::unique_ptr<EveWriter>(new EveWriter(stdout, false, "stdout"));
  }
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot open EVE output: ", std::strerror(errno)));
  }
  return std::unique_ptr<EveWriter>(new EveWriter(file, true, path));
}

EveWriter::~EveWriter() {
  if (owned_ && file_ != nullptr) std::fclose(file_);
}

void EveWriter::OnAlertEvent(const AlertEvent& event) {
  line_.clear();
  AppendEveJson(event, &line_);
  line_.push_back('\n');
  if (std::fwrite(line_.data(), 1, line_.size(), file_) != line_.size()) write_failed_ = true;
  ++lines_;
}

absl::Status EveWriter::Close() {
  if (file_ == nullptr) return absl::OkStatus();
  bool failed = write_failed_ || std::fflush(file_) != 0;
  if (owned_) {
    failed |= std::fclose(file_) != 0;
  }
  file_ = nullptr;
  if (failed) return absl::DataLossError(absl::StrCat(path_, ": writing EVE output failed"));
  return absl::OkStatus();
}

}  // namespace otasuke::network

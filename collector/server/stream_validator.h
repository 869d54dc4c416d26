#pragma once
// Protocol checks for one agent stream, apart from gRPC so they can be unit-tested and fuzzed:
// Hello first and only once, sane identifiers, bounded fields, alert sequences strictly
// increasing within the stream. Accepted alerts are normalised to the stream's identity (an
// agent cannot store alerts under another agent or tenant).

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "otasuke/v1/agent_service.pb.h"

namespace otasuke::collector {

struct StreamLimits {
  int max_alerts_per_batch = 1000;
  size_t max_id_bytes = 128;     // agent and tenant ids
  size_t max_text_bytes = 8192;  // title, explanations, command lines, ...
  size_t max_raw_evidence_bytes = 64 * 1024;
};

class StreamValidator {
 public:
  explicit StreamValidator(StreamLimits limits = {}) : limits_(limits) {}

  // Checks the next message of the stream; on success may rewrite it (alert identity).
  absl::Status Accept(v1::AgentMessage& message);

  bool has_hello() const { return hello_.has_value(); }
  const v1::Hello& hello() const { return *hello_; }

 private:
  absl::Status CheckHello(const v1::Hello& hello) const;
  absl::Status CheckAlert(v1::Alert& alert, int index);

  StreamLimits limits_;
  std::optional<v1::Hello> hello_;
  uint64_t last_sequence_ = 0;
};

// The Alert string fields the validator bounds, by proto path (for the test that checks every
// string field of alert.proto is covered).
std::vector<std::string_view> AlertTextFieldNamesForTest();

}  // namespace otasuke::collector

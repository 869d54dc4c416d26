#pragma once
// The seam between the agent stream and agent identity: may this stream, which presented
// `peer_cert_pem` at the TLS handshake (empty: none), speak as the agent its Hello names?
// Called once per stream on a gRPC thread, so implementations answer from memory.

#include <string_view>

#include "absl/status/status.h"
#include "otasuke/v1/agent_service.pb.h"

namespace otasuke::collector {

class AgentStreamAuthorizer {
 public:
  virtual ~AgentStreamAuthorizer() = default;
  virtual absl::Status AuthorizeStream(std::string_view peer_cert_pem,
                                       const v1::Hello& hello) const = 0;
};

}  // namespace otasuke::collector

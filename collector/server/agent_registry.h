#pragma once
// Which agents are connected now, and how to reach each one's stream: used to replace a stale
// stream when the same agent says Hello again, and to push rule sets. Holds no gRPC types.

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "otasuke/v1/agent_service.pb.h"

namespace otasuke::collector {

// One connected agent stream, as seen from outside its reactor. Thread-safe.
class AgentStreamHandle {
 public:
  virtual ~AgentStreamHandle() = default;
  virtual const std::string& agent_id() const = 0;
  virtual const std::string& tenant_id() const = 0;
  // Queues a message to the agent. False if the stream is closing or its queue is full.
  virtual bool Send(v1::CollectorMessage message) = 0;
  // Ends the stream with `status` (queued messages not yet written are dropped).
  virtual void Close(absl::Status status) = 0;
};

class AgentRegistry {
 public:
  // Makes `stream` the agent's current stream. Returns the stream it replaces, if any; the
  // caller closes it (outside any lock).
  std::shared_ptr<AgentStreamHandle> Register(std::shared_ptr<AgentStreamHandle> stream);
  // Removes `stream` if it is still its agent's current stream. True if it was.
  bool Unregister(const AgentStreamHandle* stream);
  // Current streams of `tenant_id` (empty: all).
  std::vector<std::shared_ptr<AgentStreamHandle>> Streams(std::string_view tenant_id) const;
  size_t size() const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<AgentStreamHandle>, std::less<>> streams_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace otasuke::collector

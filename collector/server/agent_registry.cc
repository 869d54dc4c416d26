#include "collector/server/agent_registry.h"

namespace otasuke::collector {

std::shared_ptr<AgentStreamHandle> AgentRegistry::Register(
    std::shared_ptr<AgentStreamHandle> stream) {
  absl::MutexLock lock(&mu_);
  std::shared_ptr<AgentStreamHandle>& slot = streams_[stream->agent_id()];
  std::shared_ptr<AgentStreamHandle> previous = std::move(slot);
  slot = std::move(stream);
  return previous;
}

bool AgentRegistry::Unregister(const AgentStreamHandle* stream) {
  absl::MutexLock lock(&mu_);
  auto it = streams_.find(stream->agent_id());
  if (it == streams_.end() || it->second.get() != stream) return false;
  streams_.erase(it);
  return true;
}

std::vector<std::shared_ptr<AgentStreamHandle>> AgentRegistry::Streams(
    std::string_view tenant_id) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::shared_ptr<AgentStreamHandle>> out;
  for (const auto& [id, stream] : streams_) {
    if (tenant_id.empty() || stream->tenant_id() == tenant_id) out.push_back(stream);
  }
  return out;
}

size_t AgentRegistry::size() const {
  absl::MutexLock lock(&mu_);
  return streams_.size();
}

}  // namespace otasuke::collector

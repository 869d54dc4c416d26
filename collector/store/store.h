#pragma once
// The collector's storage seam. Writes are asynchronous: they queue to one writer thread that
// batches them into transactions, and each completion callback runs on that thread only after
// the COMMIT (so an Ack sent from it is a promise the data is durable). Callbacks must be short
// and must not block. Reads are synchronous, on a separate read connection, from any thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "otasuke/v1/agent_service.pb.h"
#include "otasuke/v1/alert.pb.h"
#include "otasuke/v1/console_service.pb.h"

namespace otasuke::collector {

// What the collector already holds for an agent, answered on Hello.
struct AgentState {
  uint64_t acked_sequence = 0;  // highest alert sequence stored for this agent
};

struct IngestResult {
  uint64_t acked_sequence = 0;  // highest alert sequence stored for the agent after this batch
  int stored = 0;               // alerts newly stored
  int duplicates = 0;           // alerts already stored (a resend)
  // New alerts under a sequence the agent had already used (its state was lost): not stored,
  // logged and audited.
  int stale_sequence = 0;
  std::vector<int64_t> new_incident_ids;
};

// A notification whose next attempt is due, with what its message is made from.
struct NotificationJob {
  int64_t id = 0;
  std::string channel;
  std::string target;
  int attempts = 0;  // attempts made so far
  v1::Incident incident;
  v1::Alert alert;  // the alert that opened the incident
};

struct NotificationAttempt {
  int64_t notification_id = 0;
  int attempt = 0;  // 1-based
  absl::Time started;
  absl::Time finished;
  bool ok = false;
  int http_status = 0;
  std::string error;
  // When not ok: retry at next_attempt_at, or give up (state 'failed') when final.
  bool final = false;
  absl::Time next_attempt_at;
};

struct AlertQuery {
  std::string tenant_id;  // empty: any
  std::string agent_id;   // empty: any
  int limit = 100;
};

// Incidents newest first; every criterion left at its default matches all.
struct IncidentQuery {
  int64_t id = 0;  // only this incident
  std::string tenant_id;
  v1::IncidentState state = v1::INCIDENT_STATE_UNSPECIFIED;
  v1::Severity min_severity = v1::SEVERITY_UNSPECIFIED;
  absl::Time seen_since = absl::InfinitePast();  // last seen at or after
  int limit = 100;
};

// The ingest writes of one agent stream, which may be queued before the earlier ones committed
// (the agent service reads ahead). Writes run in queue order; once one write of a chain fails,
// every later write of the chain fails too, unapplied: otherwise a later commit would advance
// the agent's acked_sequence past the alerts of the failed write, and the agent, told they are
// durable, would drop them. The stream closes on the first failure and its agent resends from
// the last Ack. Touched by the store's writer thread only.
class WriteChain {
 public:
  bool broken() const { return broken_; }
  void Break() { broken_ = true; }

 private:
  bool broken_ = false;
};

class Store {
 public:
  using Done = std::function<void(absl::Status)>;
  virtual ~Store() = default;

  // --- Writes (queued to the writer thread; `done` runs after the commit). ---

  // Creates or updates the agent (and its tenant) and marks it connected.
  virtual void UpsertAgent(const v1::Hello& hello,
                           std::function<void(absl::StatusOr<AgentState>)> done) = 0;
  // Stores alerts not yet stored for `agent_id` (idempotent by agent+sequence and by uuid) and
  // groups them into incidents. A write of a broken `chain` fails with Aborted, unapplied.
  virtual void IngestAlerts(std::string agent_id, std::vector<v1::Alert> alerts,
                            std::shared_ptr<WriteChain> chain,
                            std::function<void(absl::StatusOr<IngestResult>)> done) = 0;
  // A write of its own, in no chain.
  void IngestAlerts(std::string agent_id, std::vector<v1::Alert> alerts,
                    std::function<void(absl::StatusOr<IngestResult>)> done) {
    IngestAlerts(std::move(agent_id), std::move(alerts), nullptr, std::move(done));
  }
  virtual void RecordHeartbeat(std::string agent_id, v1::Heartbeat heartbeat, Done done) = 0;
  virtual void MarkDisconnected(std::string agent_id, Done done) = 0;
  // The agent's answer to a pushed rule set: updates its active version, audits rejections.
  virtual void RecordRuleSetStatus(std::string agent_id, v1::RuleSetStatus status, Done done) = 0;
  // Stores a rule set for `tenant_id` (empty: all tenants) and audits who pushed it.
  virtual void StoreRuleSet(v1::RuleSet ruleset, std::string tenant_id, std::string actor,
                            Done done) = 0;
  virtual void RecordNotificationAttempt(NotificationAttempt attempt, Done done) = 0;
  // An audit row about an agent written by the collector itself (limits, protocol violations).
  virtual void AuditAgentEvent(std::string agent_id, std::string tenant_id, std::string action,
                               std::string detail, Done done) = 0;

  // --- Reads (own connection; safe from any thread). ---

  // The newest rule set that applies to `tenant_id` (its own or an all-tenant one).
  virtual absl::StatusOr<std::optional<v1::RuleSet>> LatestRuleSet(std::string_view tenant_id) = 0;
  virtual absl::StatusOr<std::vector<v1::AgentInfo>> ListAgents(std::string_view tenant_id) = 0;
  virtual absl::StatusOr<std::vector<v1::Alert>> ListAlerts(const AlertQuery& query) = 0;
  virtual absl::StatusOr<std::vector<v1::Incident>> ListIncidents(const IncidentQuery& query) = 0;
  virtual absl::StatusOr<std::vector<NotificationJob>> DueNotifications(absl::Time now,
                                                                        int limit) = 0;
};

// Runs a write and waits for its commit. For threads that may block (console worker, notifier,
// tests); never call it from a gRPC reaction or a store callback.
absl::Status AwaitWrite(const std::function<void(Store::Done)>& write);

}  // namespace otasuke::collector

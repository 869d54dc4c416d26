#pragma once
// The Store on SQLite: WAL mode, one writer thread that batches queued writes into one
// transaction (each write in its own savepoint, so one bad write fails alone), and a separate
// connection for reads.

#include <cstdint>
#include <deque>
#include <memory>
#include <thread>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "collector/incident/grouper.h"
#include "collector/store/ingest_batch.h"
#include "collector/store/open_incident_cache.h"
#include "collector/store/sqlite_db.h"
#include "collector/store/store.h"
#include "common/clock.h"

namespace otasuke::collector {

// Where a new incident is announced; one notification row per channel.
struct NotificationChannel {
  std::string channel;  // "webhook"
  std::string target;   // URL
};

struct StoreCounters {
  uint64_t transactions = 0;
  uint64_t writes = 0;
  uint64_t failed_writes = 0;
  uint64_t alerts_stored = 0;
  uint64_t alerts_duplicate = 0;
  uint64_t checkpoints = 0;
};

class SqliteStore final : public Store {
 public:
  struct Options {
    std::string path;
    absl::Duration busy_timeout = absl::Seconds(5);
    int max_batch_writes = 256;  // writes per transaction
    // See SqliteDb::Options::sync_every_commit: whether an Ack survives a power cut.
    bool sync_every_commit = false;
    // Write-ahead log size (pages of 4 KiB) at which the writer copies it into the database
    // (SQLite's own default is 1,000).
    int checkpoint_pages = 4096;
    // Group keys whose open incident the writer remembers across writes (OpenIncidentCache).
    size_t incident_cache_keys = 65536;
    std::vector<NotificationChannel> notification_channels;
    // Runs on the writer thread after a commit that queued notifications.
    std::function<void()> on_notifications_queued;
  };

  // Opens the database, applies migrations, marks every agent disconnected (no stream survives a
  // restart) and starts the writer thread.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(Options options, const Clock& clock,
                                                           const IncidentGrouper& grouper);
  ~SqliteStore() override;

  // Finishes every queued write, then stops the writer. Later writes fail with Unavailable.
  void Stop();
  StoreCounters counters() const;

  void UpsertAgent(const v1::Hello& hello,
                   std::function<void(absl::StatusOr<AgentState>)> done) override;
  using Store::IngestAlerts;
  void IngestAlerts(std::string agent_id, std::vector<v1::Alert> alerts,
                    std::shared_ptr<WriteChain> chain,
                    std::function<void(absl::StatusOr<IngestResult>)> done) override;
  void RecordHeartbeat(std::string agent_id, v1::Heartbeat heartbeat, Done done) override;
  void MarkDisconnected(std::string agent_id, Done done) override;
  void AuditAgentEvent(std::string agent_id, std::string tenant_id, std::string action,
                       std::string detail, Done done) override;
  void RecordRuleSetStatus(std::string agent_id, v1::RuleSetStatus status, Done done) override;
  void StoreRuleSet(v1::RuleSet ruleset, std::string tenant_id, std::string actor,
                    Done done) override;
  void RecordNotificationAttempt(NotificationAttempt attempt, Done done) override;

  absl::StatusOr<std::optional<v1::RuleSet>> LatestRuleSet(std::string_view tenant_id) override;
  absl::StatusOr<std::vector<v1::AgentInfo>> ListAgents(std::string_view tenant_id) override;
  absl::StatusOr<std::vector<v1::Alert>> ListAlerts(const AlertQuery& query) override;
  absl::StatusOr<std::vector<v1::Incident>> ListIncidents(const IncidentQuery& query) override;
  absl::StatusOr<std::vector<NotificationJob>> DueNotifications(absl::Time now, int limit) override;

 private:
  struct Write {
    std::function<absl::Status(SqliteDb&)> apply;
    std::function<void(absl::Status)> done;
    std::shared_ptr<WriteChain> chain;  // null: the write stands alone
  };
  // Per-transaction facts the writes report to the loop.
  struct TxEffects {
    bool notifications_queued = false;
  };

  SqliteStore(Options options, const Clock& clock, const IncidentGrouper& grouper,
              std::unique_ptr<SqliteDb> writer, std::unique_ptr<SqliteDb> reader);
  void Submit(Write write);
  void WriterLoop();
  // After each commit (SqliteDb::SetWalHook): checkpoints once the log is large enough.
  void OnWalCommit(int wal_pages);
  absl::Status RunBatch(std::vector<Write>& batch, std::vector<absl::Status>& results);
  // Incidents touched by one ingest write: each is looked up (or created) once and its count
  // and severity updated once, however many of the write's alerts join it.
  struct BatchIncident {
    int64_t id = 0;
    bool created = false;
    int64_t added = 0;
    int64_t max_severity = 0;
  };
  using BatchIncidents = std::unordered_map<int64_t, BatchIncident>;
  // The open incident within the window that `group_key` leads to, or 0.
  absl::StatusOr<int64_t> OpenIncidentFor(SqliteDb& db, std::string_view group_key, absl::Time now,
                                          BatchIncidents& batch);
  absl::StatusOr<int64_t> CreateIncident(SqliteDb& db, const PackedAlert& alert, absl::Time now,
                                         BatchIncidents& batch);
  // Makes every key of the alert lead to `incident_id` (incident_keys rows).
  absl::Status AttachKeys(SqliteDb& db, const PackedAlert& alert, int64_t incident_id);
  absl::Status IngestOne(SqliteDb& db, const PackedAlert& alert, absl::Time now,
                         BatchIncidents& batch, bool* stored, int64_t* new_incident);
  // The ingest write of one AlertBatch (IngestAlerts).
  absl::Status ApplyIngest(SqliteDb& db, std::string_view agent_id, const IngestBatch& alerts,
                           IngestResult& result);
  absl::Status ApplyIncidentCounts(SqliteDb& db, const BatchIncidents& batch, absl::Time now);
  absl::Status Audit(SqliteDb& db, std::string_view actor, std::string_view action,
                     std::string_view tenant_id, std::string_view target, std::string_view detail);

  const Options options_;
  const Clock& clock_;
  const IncidentGrouper& grouper_;
  std::unique_ptr<SqliteDb> writer_db_;  // used only by the writer thread

  mutable absl::Mutex queue_mu_;
  std::deque<Write> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;
  StoreCounters counters_ ABSL_GUARDED_BY(queue_mu_);
  TxEffects effects_;                 // writer thread only
  OpenIncidentCache incident_cache_;  // writer thread only

  absl::Mutex read_mu_;
  std::unique_ptr<SqliteDb> reader_db_ ABSL_GUARDED_BY(read_mu_);

  std::thread writer_;
};

// The statements ListAlerts and ListIncidents run for a query: one per set of filters that
// selects by index, so each can use it (store_test checks their query plans). String literals
// or statics: SqliteDb caches prepared statements by pointer.
const char* AlertListSql(const AlertQuery& query);
const char* IncidentListSql(const IncidentQuery& query);

}  // namespace otasuke::collector

#include "collector/store/sqlite_store.h"

#include <algorithm>
#include <future>
#include <limits>

#include "absl/strings/str_cat.h"
#include "collector/store/audit_log.h"
#include "collector/store/schema.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::collector {
namespace {

constexpr int kStateResolved = v1::INCIDENT_STATE_RESOLVED;
constexpr int kStateFalsePositive = v1::INCIDENT_STATE_FALSE_POSITIVE;

void SetProtoTime(int64_t micros, google::protobuf::Timestamp* ts) {
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    seconds -= 1;
  }
  ts->set_seconds(seconds);
  ts->set_nanos(static_cast<int32_t>(rest * 1000));
}

// Columns of an incident row as selected by kIncidentColumns, starting at `first`.
constexpr const char* kIncidentColumns =
    "i.id, i.tenant_id, i.hostname, i.dedup_key, i.title, i.severity, i.state, i.alert_count, "
    "i.first_seen, i.last_seen, i.rule_engine, i.rule_id, i.rule_revision, i.ruleset_version";
constexpr int kIncidentColumnCount = 14;

v1::Incident ReadIncident(const Stmt& stmt, int first) {
  v1::Incident incident;
  incident.set_id(stmt.Int(first + 0));
  incident.set_tenant_id(stmt.Text(first + 1));
  incident.set_hostname(stmt.Text(first + 2));
  incident.set_dedup_key(stmt.Text(first + 3));
  incident.set_title(stmt.Text(first + 4));
  incident.set_severity(static_cast<v1::Severity>(stmt.Int(first + 5)));
  incident.set_state(static_cast<v1::IncidentState>(stmt.Int(first + 6)));
  incident.set_alert_count(static_cast<uint64_t>(stmt.Int(first + 7)));
  SetProtoTime(stmt.Int(first + 8), incident.mutable_first_seen());
  SetProtoTime(stmt.Int(first + 9), incident.mutable_last_seen());
  incident.mutable_rule()->set_engine(static_cast<v1::Engine>(stmt.Int(first + 10)));
  incident.mutable_rule()->set_rule_id(stmt.Text(first + 11));
  incident.mutable_rule()->set_revision(static_cast<uint32_t>(stmt.Int(first + 12)));
  incident.mutable_rule()->set_ruleset_version(stmt.Text(first + 13));
  return incident;
}

}  // namespace

absl::Status AwaitWrite(const std::function<void(Store::Done)>& write) {
  std::promise<absl::Status> promise;
  std::future<absl::Status> future = promise.get_future();
  write([&promise](absl::Status status) { promise.set_value(std::move(status)); });
  return future.get();
}

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(Options options, const Clock& clock,
                                                               const IncidentGrouper& grouper) {
  SqliteDb::Options db_options{.read_only = false,
                               .busy_timeout = options.busy_timeout,
                               .sync_every_commit = options.sync_every_commit};
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> writer, SqliteDb::Open(options.path, db_options));
  ASSIGN_OR_RETURN(int version, ApplyMigrations(*writer, AllMigrations()));
  LOG_DEBUG("store %s at schema version %d", options.path, version);
  RETURN_IF_ERROR(writer->Exec("UPDATE agents SET connected = 0 WHERE connected <> 0"));
  // Statement journals in memory. Every write runs in a savepoint, and SQLite copies each page a
  // savepoint changes that its transaction had already changed into the statement journal,
  // which beyond 64 KiB spilled to a file in /var/tmp: 1.8 KB of file writes per ingested alert,
  // more than the log itself (docs/PERFORMANCE.md). It holds at most the pages of one
  // transaction. Set after the migrations, whose index builds may sort more than memory should
  // hold.
  RETURN_IF_ERROR(writer->Exec("PRAGMA temp_store=MEMORY"));
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> reader, SqliteDb::Open(options.path, db_options));
  RETURN_IF_ERROR(reader->Exec("PRAGMA query_only = ON"));
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(std::move(options), clock, grouper, std::move(writer), std::move(reader)));
}

SqliteStore::SqliteStore(Options options, const Clock& clock, const IncidentGrouper& grouper,
                         std::unique_ptr<SqliteDb> writer, std::unique_ptr<SqliteDb> reader)
    : options_(std::move(options)),
      clock_(clock),
      grouper_(grouper),
      writer_db_(std::move(writer)),
      incident_cache_(options_.incident_cache_keys),
      reader_db_(std::move(reader)) {
  writer_db_->SetWalHook([this](int wal_pages) { OnWalCommit(wal_pages); });
  writer_ = std::thread([this] { WriterLoop(); });
}

SqliteStore::~SqliteStore() { Stop(); }

void SqliteStore::Stop() {
  {
    absl::MutexLock lock(&queue_mu_);
    stopping_ = true;
  }
  if (writer_.joinable()) writer_.join();
}

void SqliteStore::OnWalCommit(int wal_pages) {
  if (wal_pages < options_.checkpoint_pages) return;
  // As SQLite's automatic checkpoint does (from this hook, after the commit), but at a larger
  // log: fewer passes, each copying a page written several times only once.
  absl::Status status = writer_db_->CheckpointPassive();
  if (!status.ok()) LOG_WARN("store checkpoint: %s", status.ToString());
  absl::MutexLock lock(&queue_mu_);
  counters_.checkpoints += 1;
}

StoreCounters SqliteStore::counters() const {
  absl::MutexLock lock(&queue_mu_);
  return counters_;
}

void SqliteStore::Submit(Write write) {
  {
    absl::MutexLock lock(&queue_mu_);
    if (!stopping_) {
      queue_.push_back(std::move(write));
      return;
    }
  }
  write.done(absl::UnavailableError("the store is shutting down"));
}

void SqliteStore::WriterLoop() {
  std::vector<Write> batch;
  std::vector<absl::Status> results;
  while (true) {
    batch.clear();
    {
      absl::MutexLock lock(&queue_mu_);
      queue_mu_.Await(absl::Condition(
          +[](SqliteStore* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->queue_mu_) {
            return !self->queue_.empty() || self->stopping_;
          },
          this));
      if (queue_.empty()) return;  // stopping, and every queued write is done
      size_t take = std::min<size_t>(queue_.size(), options_.max_batch_writes);
      for (size_t i = 0; i < take; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    results.assign(batch.size(), absl::OkStatus());
    effects_ = TxEffects{};
    absl::Status tx = RunBatch(batch, results);
    int failed = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!tx.ok()) results[i] = tx;
      if (results[i].ok()) continue;
      ++failed;
      if (batch[i].chain != nullptr) batch[i].chain->Break();  // before the next transaction
    }
    {
      absl::MutexLock lock(&queue_mu_);
      counters_.transactions += 1;
      counters_.writes += batch.size();
      counters_.failed_writes += failed;
    }
    if (!tx.ok()) LOG_ERROR("store transaction failed: %s", tx.ToString());
    for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
    if (tx.ok() && effects_.notifications_queued && options_.on_notifications_queued) {
      options_.on_notifications_queued();
    }
  }
}

absl::Status SqliteStore::RunBatch(std::vector<Write>& batch, std::vector<absl::Status>& results) {
  SqliteDb& db = *writer_db_;
  // Prepared once (Exec would parse each time): with one-alert batches from many agents these
  // run once per alert.
  ASSIGN_OR_RETURN(Stmt begin, db.Prepare("BEGIN IMMEDIATE"));
  RETURN_IF_ERROR(begin.Run());
  // Another connection (the console) may have resolved, merged or split incidents since the
  // last transaction: then what the writer remembers of them is stale.
  absl::StatusOr<int64_t> data_version = db.DataVersion();
  if (!data_version.ok()) {
    (void)db.Exec("ROLLBACK");
    return data_version.status();
  }
  incident_cache_.Validate(*data_version);
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].chain != nullptr && batch[i].chain->broken()) {
      results[i] = absl::AbortedError("an earlier write of this agent stream failed");
      continue;
    }
    absl::StatusOr<Stmt> savepoint = db.Prepare("SAVEPOINT write");
    absl::Status status = savepoint.ok() ? savepoint->Run() : savepoint.status();
    if (status.ok()) {
      TxEffects before = effects_;
      results[i] = batch[i].apply(db);
      if (results[i].ok()) {
        absl::StatusOr<Stmt> release = db.Prepare("RELEASE write");
        status = release.ok() ? release->Run() : release.status();
      } else {
        if (batch[i].chain != nullptr) batch[i].chain->Break();
        effects_ = before;
        incident_cache_.Clear();  // it may hold what the rolled-back write did
        status = db.Exec("ROLLBACK TO write; RELEASE write");
      }
    }
    if (!status.ok()) {
      incident_cache_.Clear();
      (void)db.Exec("ROLLBACK");
      return status;
    }
  }
  absl::StatusOr<Stmt> commit = db.Prepare("COMMIT");
  absl::Status status = commit.ok() ? commit->Run() : commit.status();
  if (!status.ok()) {
    incident_cache_.Clear();
    (void)db.Exec("ROLLBACK");
  }
  return status;
}

absl::Status SqliteStore::Audit(SqliteDb& db, std::string_view actor, std::string_view action,
                                std::string_view tenant_id, std::string_view target,
                                std::string_view detail) {
  return AppendAudit(db, clock_.Now(),
                     {.actor = actor,
                      .action = action,
                      .tenant_id = tenant_id,
                      .target = target,
                      .detail = detail});
}

void SqliteStore::UpsertAgent(const v1::Hello& hello,
                              std::function<void(absl::StatusOr<AgentState>)> done) {
  auto state = std::make_shared<AgentState>();
  Submit(Write{
      .apply = [this, hello, state](SqliteDb& db) -> absl::Status {
        int64_t now = ToMicros(clock_.Now());
        ASSIGN_OR_RETURN(Stmt tenant, db.Prepare("INSERT OR IGNORE INTO tenants (id, name, "
                                                 "created_at) VALUES (?, ?, ?)"));
        RETURN_IF_ERROR(
            tenant.Bind(1, hello.tenant_id()).Bind(2, hello.tenant_id()).Bind(3, now).Run());
        ASSIGN_OR_RETURN(
            Stmt agent,
            db.Prepare("INSERT INTO agents (id, tenant_id, hostname, os, agent_version, "
                       "profile, ruleset_version, connected, first_seen, last_seen) VALUES "
                       "(?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?8) ON CONFLICT (id) DO UPDATE "
                       "SET tenant_id = ?2, hostname = ?3, os = ?4, agent_version = ?5, "
                       "profile = ?6, ruleset_version = ?7, connected = 1, last_seen = ?8"));
        RETURN_IF_ERROR(agent.Bind(1, hello.agent_id())
                            .Bind(2, hello.tenant_id())
                            .Bind(3, hello.hostname())
                            .Bind(4, hello.os())
                            .Bind(5, hello.agent_version())
                            .Bind(6, static_cast<int64_t>(hello.profile()))
                            .Bind(7, hello.ruleset_version())
                            .Bind(8, now)
                            .Run());
        ASSIGN_OR_RETURN(Stmt acked, db.Prepare("SELECT acked_sequence FROM agents WHERE id = ?"));
        acked.Bind(1, hello.agent_id());
        ASSIGN_OR_RETURN(bool row, acked.Step());
        state->acked_sequence = row ? static_cast<uint64_t>(acked.Int(0)) : 0;
        return absl::OkStatus();
      },
      .done =
          [state, done = std::move(done)](absl::Status status) {
            if (status.ok()) {
              done(*state);
            } else {
              done(status);
            }
          },
  });
}

absl::StatusOr<int64_t> SqliteStore::OpenIncidentFor(SqliteDb& db, std::string_view group_key,
                                                     absl::Time now, BatchIncidents& batch) {
  std::optional<OpenIncidentCache::Lookup> leads_to = incident_cache_.Find(group_key);
  if (!leads_to.has_value()) {
    // The incident the key was most recently attached to among the open ones.
    ASSIGN_OR_RETURN(Stmt open,
                     db.Prepare("SELECT i.id, i.last_seen FROM incident_keys k JOIN incidents i "
                                "ON i.id = k.incident_id WHERE k.group_key = ? AND i.state NOT "
                                "IN (?, ?) ORDER BY k.id DESC LIMIT 1"));
    open.BindStatic(1, group_key).Bind(2, kStateResolved).Bind(3, kStateFalsePositive);
    ASSIGN_OR_RETURN(bool found, open.Step());
    leads_to = OpenIncidentCache::Lookup{};
    if (found) {
      leads_to = OpenIncidentCache::Lookup{.incident_id = open.Int(0), .last_seen_us = open.Int(1)};
      incident_cache_.SetLastSeen(leads_to->incident_id, leads_to->last_seen_us);
    }
    incident_cache_.SetKey(group_key, leads_to->incident_id);
  }
  if (leads_to->incident_id == 0 || !grouper_.Joins(FromMicros(leads_to->last_seen_us), now)) {
    return 0;
  }
  batch.try_emplace(leads_to->incident_id, BatchIncident{.id = leads_to->incident_id});
  return leads_to->incident_id;
}

absl::StatusOr<int64_t> SqliteStore::CreateIncident(SqliteDb& db, const PackedAlert& alert,
                                                    absl::Time now, BatchIncidents& batch) {
  if (alert.group_keys.empty()) {
    return absl::InternalError(
        absl::StrCat("the incident grouper gave alert ", Sv(alert.uuid), " no group key"));
  }
  const std::string_view group_key = alert.group_keys.front();
  const std::string dedup_key = grouper_.DedupKey(group_key, now);
  int64_t now_us = ToMicros(now);
  ASSIGN_OR_RETURN(
      Stmt create,
      db.Prepare("INSERT INTO incidents (tenant_id, hostname, group_key, dedup_key, title, "
                 "severity, state, alert_count, first_seen, last_seen, rule_engine, rule_id, "
                 "rule_revision, ruleset_version) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, "
                 "?, ?)"));
  RETURN_IF_ERROR(create.BindStatic(1, alert.tenant_id)
                      .BindStatic(2, alert.hostname)
                      .BindStatic(3, group_key)
                      .BindStatic(4, dedup_key)
                      .BindStatic(5, alert.title)
                      .Bind(6, alert.severity)
                      .Bind(7, static_cast<int64_t>(v1::INCIDENT_STATE_NEW))
                      .Bind(8, now_us)
                      .Bind(9, now_us)
                      .Bind(10, alert.rule_engine)
                      .BindStatic(11, alert.rule_id)
                      .Bind(12, alert.rule_revision)
                      .BindStatic(13, alert.ruleset_version)
                      .Run());
  const int64_t id = db.LastInsertRowId();
  batch.emplace(id, BatchIncident{.id = id, .created = true});
  incident_cache_.SetLastSeen(id, now_us);
  return id;
}

absl::Status SqliteStore::AttachKeys(SqliteDb& db, const PackedAlert& alert, int64_t incident_id) {
  for (std::string_view key : alert.group_keys) {
    std::optional<OpenIncidentCache::Lookup> leads_to = incident_cache_.Find(key);
    if (leads_to.has_value() && leads_to->incident_id == incident_id) continue;  // attached
    ASSIGN_OR_RETURN(Stmt attach, db.Prepare("INSERT INTO incident_keys (group_key, incident_id) "
                                             "VALUES (?, ?)"));
    RETURN_IF_ERROR(attach.BindStatic(1, key).Bind(2, incident_id).Run());
    incident_cache_.SetKey(key, incident_id);
  }
  return absl::OkStatus();
}

absl::Status SqliteStore::IngestOne(SqliteDb& db, const PackedAlert& alert, absl::Time now,
                                    BatchIncidents& batch, bool* stored, int64_t* new_incident) {
  *stored = false;
  *new_incident = 0;
  // The first key, in the grouper's precedence order, that leads to an open incident decides.
  int64_t incident_id = 0;
  for (std::string_view key : alert.group_keys) {
    ASSIGN_OR_RETURN(incident_id, OpenIncidentFor(db, key, now, batch));
    if (incident_id != 0) break;
  }
  if (incident_id == 0) {
    // Before opening an incident, make sure the alert is new: a resend under a new sequence (an
    // agent that lost its state) must not leave an empty incident behind. When the alert joins
    // an open incident the insert below detects the resend itself, saving a look-up per alert.
    ASSIGN_OR_RETURN(Stmt known, db.Prepare("SELECT 1 FROM alerts WHERE uuid = ?"));
    known.BindStatic(1, alert.uuid);
    ASSIGN_OR_RETURN(bool duplicate, known.Step());
    if (duplicate) return absl::OkStatus();
    ASSIGN_OR_RETURN(incident_id, CreateIncident(db, alert, now, batch));
  }
  ASSIGN_OR_RETURN(
      Stmt insert,
      db.Prepare("INSERT INTO alerts (uuid, agent_id, sequence, tenant_id, hostname, "
                 "rule_engine, rule_id, severity, title, event_time, detection_time, "
                 "received_at, incident_id, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                 "?) ON CONFLICT (uuid) DO NOTHING"));
  // The views live in the write's IngestBatch, which outlives `insert`: no copies.
  RETURN_IF_ERROR(insert.BindStatic(1, alert.uuid)
                      .BindStatic(2, alert.agent_id)
                      .Bind(3, static_cast<int64_t>(alert.sequence))
                      .BindStatic(4, alert.tenant_id)
                      .BindStatic(5, alert.hostname)
                      .Bind(6, alert.rule_engine)
                      .BindStatic(7, alert.rule_id)
                      .Bind(8, alert.severity)
                      .BindStatic(9, alert.title)
                      .Bind(10, alert.event_time_us)
                      .Bind(11, alert.detection_time_us)
                      .Bind(12, ToMicros(now))
                      .Bind(13, incident_id)
                      .BindBlobStatic(14, alert.body)
                      .Run());
  if (db.Changes() == 0) return absl::OkStatus();  // its UUID is stored: a resend
  const int64_t alert_id = db.LastInsertRowId();
  *stored = true;
  RETURN_IF_ERROR(AttachKeys(db, alert, incident_id));
  BatchIncident* incident = &batch.at(incident_id);
  incident->added += 1;
  incident->max_severity = std::max<int64_t>(incident->max_severity, alert.severity);
  if (incident->created && incident->added == 1) {
    // The alert that opened the incident is the one the notification describes.
    *new_incident = incident->id;
    int64_t now_us = ToMicros(now);
    for (const NotificationChannel& channel : options_.notification_channels) {
      ASSIGN_OR_RETURN(
          Stmt notify,
          db.Prepare("INSERT INTO notifications (incident_id, alert_id, channel, target, state, "
                     "next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', "
                     "?, ?, ?)"));
      RETURN_IF_ERROR(notify.Bind(1, incident->id)
                          .Bind(2, alert_id)
                          .Bind(3, channel.channel)
                          .Bind(4, channel.target)
                          .Bind(5, now_us)
                          .Bind(6, now_us)
                          .Bind(7, now_us)
                          .Run());
      effects_.notifications_queued = true;
    }
  }
  return absl::OkStatus();
}

absl::Status SqliteStore::ApplyIncidentCounts(SqliteDb& db, const BatchIncidents& batch,
                                              absl::Time now) {
  ASSIGN_OR_RETURN(Stmt update,
                   db.Prepare("UPDATE incidents SET alert_count = alert_count + ?, last_seen = "
                              "MAX(last_seen, ?), severity = MAX(severity, ?) WHERE id = ? "
                              "RETURNING last_seen"));
  for (const auto& [id, incident] : batch) {
    if (incident.added == 0) continue;
    update.Bind(1, incident.added)
        .Bind(2, ToMicros(now))
        .Bind(3, incident.max_severity)
        .Bind(4, incident.id);
    ASSIGN_OR_RETURN(bool row, update.Step());
    if (row) incident_cache_.SetLastSeen(incident.id, update.Int(0));
    update.Reset();
  }
  return absl::OkStatus();
}

absl::Status SqliteStore::ApplyIngest(SqliteDb& db, std::string_view agent_id,
                                      const IngestBatch& alerts, IngestResult& result) {
  result = IngestResult{};
  ASSIGN_OR_RETURN(Stmt acked, db.Prepare("SELECT acked_sequence FROM agents WHERE id = ?"));
  acked.BindStatic(1, agent_id);
  ASSIGN_OR_RETURN(bool known, acked.Step());
  if (!known) {
    return absl::NotFoundError(
        absl::StrCat("alerts for unknown agent '", Sv(agent_id), "' (no Hello stored)"));
  }
  uint64_t highest = static_cast<uint64_t>(acked.Int(0));
  absl::Time now = clock_.Now();
  BatchIncidents incidents;
  for (const PackedAlert& alert : alerts.alerts()) {
    if (alert.sequence <= highest) {
      // At or below what is durable: a resend, unless the UUID is new, which means the agent
      // reused sequence numbers (its state was lost). Such alerts cannot be stored under their
      // sequence; they are counted and reported, never silently dropped.
      ASSIGN_OR_RETURN(Stmt known_uuid, db.Prepare("SELECT 1 FROM alerts WHERE uuid = ?"));
      known_uuid.BindStatic(1, alert.uuid);
      ASSIGN_OR_RETURN(bool resent, known_uuid.Step());
      ++(resent ? result.duplicates : result.stale_sequence);
      continue;
    }
    bool stored = false;
    int64_t new_incident = 0;
    RETURN_IF_ERROR(IngestOne(db, alert, now, incidents, &stored, &new_incident));
    ++(stored ? result.stored : result.duplicates);
    if (new_incident != 0) result.new_incident_ids.push_back(new_incident);
    highest = std::max<uint64_t>(highest, alert.sequence);
  }
  RETURN_IF_ERROR(ApplyIncidentCounts(db, incidents, now));
  ASSIGN_OR_RETURN(Stmt update,
                   db.Prepare("UPDATE agents SET acked_sequence = ?, last_seen = ? WHERE id = ?"));
  RETURN_IF_ERROR(update.Bind(1, static_cast<int64_t>(highest))
                      .Bind(2, ToMicros(now))
                      .BindStatic(3, agent_id)
                      .Run());
  result.acked_sequence = highest;
  if (result.stale_sequence > 0) {
    LOG_WARN(
        "agent %s sent %d new alert(s) with sequence numbers at or below %d, which it already "
        "used; they were not stored (did the agent lose its state?)",
        agent_id, result.stale_sequence, highest);
    RETURN_IF_ERROR(
        Audit(db, absl::StrCat("agent:", Sv(agent_id)), "alerts.stale_sequence", "", agent_id,
              absl::StrCat(result.stale_sequence, " alert(s) not stored: sequence reused")));
  }
  return absl::OkStatus();
}

void SqliteStore::IngestAlerts(std::string agent_id, std::vector<v1::Alert> alerts,
                               std::shared_ptr<WriteChain> chain,
                               std::function<void(absl::StatusOr<IngestResult>)> done) {
  // Packed here, on the gRPC thread that received the alerts: the writer binds views into the
  // batch, and the protobufs are destroyed on this thread when `alerts` goes out of scope.
  auto batch = std::make_shared<const IngestBatch>(alerts, grouper_);
  auto result = std::make_shared<IngestResult>();
  Submit(Write{
      .apply = [this, agent_id = std::move(agent_id), batch,
                result](SqliteDb& db) { return ApplyIngest(db, agent_id, *batch, *result); },
      .done =
          [this, result, done = std::move(done)](absl::Status status) {
            if (!status.ok()) {
              done(status);
              return;
            }
            {
              absl::MutexLock lock(&queue_mu_);
              counters_.alerts_stored += result->stored;
              counters_.alerts_duplicate += result->duplicates;
            }
            done(*result);
          },
      .chain = std::move(chain),
  });
}

void SqliteStore::RecordHeartbeat(std::string agent_id, v1::Heartbeat heartbeat, Done done) {
  Submit(Write{
      .apply = [this, agent_id = std::move(agent_id),
                heartbeat = std::move(heartbeat)](SqliteDb& db) -> absl::Status {
        int64_t now = ToMicros(clock_.Now());
        ASSIGN_OR_RETURN(
            Stmt stmt,
            db.Prepare("UPDATE agents SET last_heartbeat = ?1, last_heartbeat_at = ?2, "
                       "last_seen = ?2, ruleset_version = CASE WHEN ?3 <> '' THEN ?3 ELSE "
                       "ruleset_version END WHERE id = ?4"));
        return stmt.BindBlob(1, heartbeat.SerializeAsString())
            .Bind(2, now)
            .Bind(3, heartbeat.ruleset_version())
            .Bind(4, agent_id)
            .Run();
      },
      .done = std::move(done),
  });
}

void SqliteStore::MarkDisconnected(std::string agent_id, Done done) {
  Submit(Write{
      .apply = [this, agent_id = std::move(agent_id)](SqliteDb& db) -> absl::Status {
        ASSIGN_OR_RETURN(Stmt stmt, db.Prepare("UPDATE agents SET connected = 0, last_seen = "
                                               "? WHERE id = ?"));
        return stmt.Bind(1, ToMicros(clock_.Now())).Bind(2, agent_id).Run();
      },
      .done = std::move(done),
  });
}

void SqliteStore::AuditAgentEvent(std::string agent_id, std::string tenant_id, std::string action,
                                  std::string detail, Done done) {
  Submit(Write{
      .apply =
          [this, agent_id = std::move(agent_id), tenant_id = std::move(tenant_id),
           action = std::move(action), detail = std::move(detail)](SqliteDb& db) {
            return Audit(db, "collector", action, tenant_id, absl::StrCat("agent:", agent_id),
                         detail);
          },
      .done = std::move(done),
  });
}

void SqliteStore::RecordRuleSetStatus(std::string agent_id, v1::RuleSetStatus status, Done done) {
  Submit(Write{
      .apply = [this, agent_id = std::move(agent_id),
                status = std::move(status)](SqliteDb& db) -> absl::Status {
        ASSIGN_OR_RETURN(Stmt tenant, db.Prepare("SELECT tenant_id FROM agents WHERE id = ?"));
        tenant.Bind(1, agent_id);
        ASSIGN_OR_RETURN(bool known, tenant.Step());
        std::string tenant_id = known ? tenant.Text(0) : "";
        if (status.accepted()) {
          ASSIGN_OR_RETURN(Stmt update,
                           db.Prepare("UPDATE agents SET ruleset_version = ? WHERE id = ?"));
          RETURN_IF_ERROR(update.Bind(1, status.version()).Bind(2, agent_id).Run());
          return Audit(db, absl::StrCat("agent:", agent_id), "ruleset.accepted", tenant_id,
                       status.version(), "");
        }
        return Audit(db, absl::StrCat("agent:", agent_id), "ruleset.rejected", tenant_id,
                     status.version(), status.error());
      },
      .done = std::move(done),
  });
}

void SqliteStore::StoreRuleSet(v1::RuleSet ruleset, std::string tenant_id, std::string actor,
                               Done done) {
  Submit(Write{
      .apply = [this, ruleset = std::move(ruleset), tenant_id = std::move(tenant_id),
                actor = std::move(actor)](SqliteDb& db) -> absl::Status {
        ASSIGN_OR_RETURN(Stmt insert,
                         db.Prepare("INSERT INTO rulesets (tenant_id, version, file_count, "
                                    "body, created_at) VALUES (?, ?, ?, ?, ?)"));
        RETURN_IF_ERROR(insert.Bind(1, tenant_id)
                            .Bind(2, ruleset.version())
                            .Bind(3, static_cast<int64_t>(ruleset.files_size()))
                            .BindBlob(4, ruleset.SerializeAsString())
                            .Bind(5, ToMicros(clock_.Now()))
                            .Run());
        return Audit(db, actor, "ruleset.pushed", tenant_id, ruleset.version(),
                     absl::StrCat(ruleset.files_size(), " file(s)"));
      },
      .done = std::move(done),
  });
}

void SqliteStore::RecordNotificationAttempt(NotificationAttempt attempt, Done done) {
  Submit(Write{
      .apply = [attempt = std::move(attempt)](SqliteDb& db) -> absl::Status {
        ASSIGN_OR_RETURN(
            Stmt insert,
            db.Prepare("INSERT INTO notification_attempts (notification_id, attempt, "
                       "started_at, finished_at, ok, http_status, error) VALUES (?, ?, ?, "
                       "?, ?, ?, ?)"));
        RETURN_IF_ERROR(insert.Bind(1, attempt.notification_id)
                            .Bind(2, attempt.attempt)
                            .Bind(3, ToMicros(attempt.started))
                            .Bind(4, ToMicros(attempt.finished))
                            .Bind(5, attempt.ok ? 1 : 0)
                            .Bind(6, attempt.http_status)
                            .Bind(7, attempt.error)
                            .Run());
        std::string_view state = attempt.ok ? "sent" : (attempt.final ? "failed" : "pending");
        ASSIGN_OR_RETURN(
            Stmt update,
            db.Prepare("UPDATE notifications SET attempts = ?, state = ?, next_attempt_at = "
                       "?, last_error = ?, updated_at = ? WHERE id = ?"));
        return update.Bind(1, attempt.attempt)
            .Bind(2, state)
            .Bind(3, ToMicros(attempt.next_attempt_at))
            .Bind(4, attempt.error)
            .Bind(5, ToMicros(attempt.finished))
            .Bind(6, attempt.notification_id)
            .Run();
      },
      .done = std::move(done),
  });
}

absl::StatusOr<std::optional<v1::RuleSet>> SqliteStore::LatestRuleSet(std::string_view tenant_id) {
  absl::MutexLock lock(&read_mu_);
  ASSIGN_OR_RETURN(Stmt stmt, reader_db_->Prepare("SELECT body FROM rulesets WHERE tenant_id IN "
                                                  "(?, '') ORDER BY id DESC LIMIT 1"));
  stmt.Bind(1, tenant_id);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::nullopt;
  v1::RuleSet ruleset;
  if (!ruleset.ParseFromString(stmt.Blob(0))) {
    return absl::DataLossError("stored rule set does not parse");
  }
  return ruleset;
}

absl::StatusOr<std::vector<v1::AgentInfo>> SqliteStore::ListAgents(std::string_view tenant_id) {
  absl::MutexLock lock(&read_mu_);
  ASSIGN_OR_RETURN(
      Stmt stmt,
      reader_db_->Prepare("SELECT id, tenant_id, hostname, os, agent_version, profile, "
                          "ruleset_version, connected, first_seen, last_seen, acked_sequence, "
                          "last_heartbeat FROM agents WHERE ?1 = '' OR tenant_id = ?1 ORDER BY "
                          "tenant_id, hostname, id"));
  stmt.Bind(1, tenant_id);
  std::vector<v1::AgentInfo> agents;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    v1::AgentInfo& agent = agents.emplace_back();
    agent.set_agent_id(stmt.Text(0));
    agent.set_tenant_id(stmt.Text(1));
    agent.set_hostname(stmt.Text(2));
    agent.set_os(stmt.Text(3));
    agent.set_agent_version(stmt.Text(4));
    agent.set_profile(static_cast<v1::Profile>(stmt.Int(5)));
    agent.set_ruleset_version(stmt.Text(6));
    agent.set_connected(stmt.Int(7) != 0);
    SetProtoTime(stmt.Int(8), agent.mutable_first_seen());
    SetProtoTime(stmt.Int(9), agent.mutable_last_seen());
    agent.set_acked_sequence(static_cast<uint64_t>(stmt.Int(10)));
    if (!stmt.IsNull(11)) agent.mutable_last_heartbeat()->ParseFromString(stmt.Blob(11));
  }
  return agents;
}

const char* AlertListSql(const AlertQuery& query) {
  if (!query.tenant_id.empty()) {
    // Through the tenant's incidents (incidents_by_tenant, then alerts_by_incident): every alert
    // belongs to an incident of its own tenant. alerts has no tenant index (migration 10 dropped
    // it: one index insert less per ingested alert); the sort covers this tenant's alerts only.
    // CROSS JOIN keeps incidents the outer loop (SQLite does not reorder it).
    return "SELECT a.body FROM incidents i CROSS JOIN alerts a ON a.incident_id = i.id WHERE "
           "i.tenant_id = ?1 AND a.tenant_id = ?1 AND (?2 = '' OR a.agent_id = ?2) ORDER BY "
           "a.id DESC LIMIT ?3";
  }
  // Newest first along the primary key, stopping at the limit (for an agent: at the limit's
  // worth of its alerts).
  if (!query.agent_id.empty()) {
    return "SELECT body FROM alerts WHERE agent_id = ?2 ORDER BY id DESC LIMIT ?3";
  }
  return "SELECT body FROM alerts ORDER BY id DESC LIMIT ?3";
}

const char* IncidentListSql(const IncidentQuery& query) {
  // Filters that select by index get statements of their own: `?1 = '' OR tenant_id = ?1`
  // would make SQLite walk every tenant's incidents.
  static const std::string* const by_id = new std::string(absl::StrCat(
      "SELECT ", kIncidentColumns,
      " FROM incidents i WHERE i.id = ?1 AND (?2 = '' OR i.tenant_id = ?2) AND (?3 = 0 OR "
      "i.state = ?3) AND i.severity >= ?4 AND i.last_seen >= ?5 LIMIT ?6"));
  static const std::string* const by_tenant = new std::string(absl::StrCat(
      "SELECT ", kIncidentColumns,
      " FROM incidents i WHERE i.tenant_id = ?2 AND (?1 = 0 OR i.id = ?1) AND (?3 = 0 OR "
      "i.state = ?3) AND i.severity >= ?4 AND i.last_seen >= ?5 ORDER BY i.id DESC LIMIT ?6"));
  static const std::string* const any = new std::string(absl::StrCat(
      "SELECT ", kIncidentColumns,
      " FROM incidents i WHERE (?1 = 0 OR i.id = ?1) AND (?2 = '' OR i.tenant_id = ?2) AND (?3 = "
      "0 OR i.state = ?3) AND i.severity >= ?4 AND i.last_seen >= ?5 ORDER BY i.id DESC LIMIT "
      "?6"));
  if (query.id != 0) return by_id->c_str();
  if (!query.tenant_id.empty()) return by_tenant->c_str();
  return any->c_str();
}

absl::StatusOr<std::vector<v1::Alert>> SqliteStore::ListAlerts(const AlertQuery& query) {
  absl::MutexLock lock(&read_mu_);
  ASSIGN_OR_RETURN(Stmt stmt, reader_db_->Prepare(AlertListSql(query)));
  stmt.Bind(1, query.tenant_id).Bind(2, query.agent_id).Bind(3, query.limit);
  std::vector<v1::Alert> alerts;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    if (!alerts.emplace_back().ParseFromString(stmt.Blob(0))) {
      return absl::DataLossError("stored alert does not parse");
    }
  }
  return alerts;
}

absl::StatusOr<std::vector<v1::Incident>> SqliteStore::ListIncidents(const IncidentQuery& query) {
  absl::MutexLock lock(&read_mu_);
  ASSIGN_OR_RETURN(Stmt stmt, reader_db_->Prepare(IncidentListSql(query)));
  stmt.Bind(1, query.id)
      .Bind(2, query.tenant_id)
      .Bind(3, static_cast<int64_t>(query.state))
      .Bind(4, static_cast<int64_t>(query.min_severity))
      .Bind(5, query.seen_since == absl::InfinitePast() ? std::numeric_limits<int64_t>::min()
                                                        : ToMicros(query.seen_since))
      .Bind(6, query.limit);
  std::vector<v1::Incident> incidents;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    incidents.push_back(ReadIncident(stmt, 0));
  }
  return incidents;
}

absl::StatusOr<std::vector<NotificationJob>> SqliteStore::DueNotifications(absl::Time now,
                                                                           int limit) {
  static const std::string* const sql = new std::string(absl::StrCat(
      "SELECT n.id, n.channel, n.target, n.attempts, a.body, ", kIncidentColumns,
      " FROM notifications n JOIN incidents i ON i.id = n.incident_id JOIN alerts a ON a.id = "
      "n.alert_id WHERE n.state = 'pending' AND n.next_attempt_at <= ? ORDER BY "
      "n.next_attempt_at, n.id LIMIT ?"));
  static_assert(kIncidentColumnCount == 14);
  absl::MutexLock lock(&read_mu_);
  ASSIGN_OR_RETURN(Stmt stmt, reader_db_->Prepare(sql->c_str()));
  stmt.Bind(1, ToMicros(now)).Bind(2, limit);
  std::vector<NotificationJob> jobs;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    NotificationJob& job = jobs.emplace_back();
    job.id = stmt.Int(0);
    job.channel = stmt.Text(1);
    job.target = stmt.Text(2);
    job.attempts = static_cast<int>(stmt.Int(3));
    job.alert.ParseFromString(stmt.Blob(4));
    job.incident = ReadIncident(stmt, 5);
  }
  return jobs;
}

}  // namespace otasuke::collector

#include "collector/store/schema.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::collector {
namespace {

// Times are Unix microseconds (INTEGER). Protobuf bodies are kept beside the indexed columns so
// the console can return every field without a column per field.
constexpr std::string_view kV1Core = R"sql(
CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE TABLE agents (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  hostname TEXT NOT NULL DEFAULT '',
  os TEXT NOT NULL DEFAULT '',
  agent_version TEXT NOT NULL DEFAULT '',
  profile INTEGER NOT NULL DEFAULT 0,
  ruleset_version TEXT NOT NULL DEFAULT '',
  connected INTEGER NOT NULL DEFAULT 0,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  acked_sequence INTEGER NOT NULL DEFAULT 0,
  last_heartbeat BLOB,
  last_heartbeat_at INTEGER
);
CREATE TABLE incidents (
  id INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  hostname TEXT NOT NULL,
  group_key TEXT NOT NULL,
  dedup_key TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  severity INTEGER NOT NULL,
  state INTEGER NOT NULL,
  alert_count INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  rule_engine INTEGER NOT NULL,
  rule_id TEXT NOT NULL,
  rule_revision INTEGER NOT NULL,
  ruleset_version TEXT NOT NULL
);
CREATE INDEX incidents_by_group ON incidents(group_key, id);
CREATE INDEX incidents_by_tenant ON incidents(tenant_id, id);
CREATE TABLE alerts (
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,
  agent_id TEXT NOT NULL REFERENCES agents(id),
  sequence INTEGER NOT NULL,
  tenant_id TEXT NOT NULL,
  hostname TEXT NOT NULL,
  rule_engine INTEGER NOT NULL,
  rule_id TEXT NOT NULL,
  severity INTEGER NOT NULL,
  title TEXT NOT NULL,
  event_time INTEGER NOT NULL,
  detection_time INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  incident_id INTEGER REFERENCES incidents(id),
  body BLOB NOT NULL,
  UNIQUE (agent_id, sequence)
);
CREATE INDEX alerts_by_tenant ON alerts(tenant_id, id);
CREATE INDEX alerts_by_incident ON alerts(incident_id);
)sql";

constexpr std::string_view kV2Dispatch = R"sql(
CREATE TABLE responders (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT 'responder',
  contact TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE TABLE notifications (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incidents(id),
  alert_id INTEGER NOT NULL REFERENCES alerts(id),
  responder_id INTEGER REFERENCES responders(id),
  channel TEXT NOT NULL,
  target TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX notifications_due ON notifications(state, next_attempt_at);
CREATE TABLE notification_attempts (
  id INTEGER PRIMARY KEY,
  notification_id INTEGER NOT NULL REFERENCES notifications(id),
  attempt INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  http_status INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT ''
);
CREATE TABLE rulesets (
  id INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL DEFAULT '',
  version TEXT NOT NULL,
  file_count INTEGER NOT NULL,
  body BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX rulesets_by_tenant ON rulesets(tenant_id, id);
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  tenant_id TEXT NOT NULL DEFAULT '',
  target TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT ''
);
)sql";

// Tenancy and dispatch (issue 5). Tenants gain their profile and contract terms (ack SLAs in
// seconds per severity, 0 = no timer: reported only); responders their handle, channels, regions
// and skills; rotas are weekly entries in the region's own time zone plus UTC overrides.
// incident_transitions is read by the reports (response-time KPIs): keep its name and columns.
constexpr std::string_view kV4Tenancy = R"sql(
ALTER TABLE tenants ADD COLUMN region TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN owner_name TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN owner_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN owner_email TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN owner_chat TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN secondary_name TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN secondary_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN secondary_email TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN secondary_chat TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN access_notes TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN service_hours TEXT NOT NULL DEFAULT '24x7';
ALTER TABLE tenants ADD COLUMN ack_sla_critical_s INTEGER NOT NULL DEFAULT 900;
ALTER TABLE tenants ADD COLUMN ack_sla_high_s INTEGER NOT NULL DEFAULT 900;
ALTER TABLE tenants ADD COLUMN ack_sla_medium_s INTEGER NOT NULL DEFAULT 3600;
ALTER TABLE tenants ADD COLUMN ack_sla_low_s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN containment TEXT NOT NULL DEFAULT 'approval';
ALTER TABLE tenants ADD COLUMN dispatch_threshold INTEGER NOT NULL DEFAULT 3;
CREATE INDEX tenants_by_region ON tenants(region);
CREATE TABLE regions (
  name TEXT PRIMARY KEY,
  time_zone TEXT NOT NULL DEFAULT 'Asia/Tokyo'
);
ALTER TABLE responders ADD COLUMN handle TEXT;
ALTER TABLE responders ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE responders ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE responders ADD COLUMN chat TEXT NOT NULL DEFAULT '';
ALTER TABLE responders ADD COLUMN webhook TEXT NOT NULL DEFAULT '';
ALTER TABLE responders ADD COLUMN viewer_tenant_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX responders_by_handle ON responders(handle);
CREATE TABLE responder_regions (
  responder_id INTEGER NOT NULL REFERENCES responders(id) ON DELETE CASCADE,
  region TEXT NOT NULL,
  PRIMARY KEY (responder_id, region)
);
CREATE TABLE responder_skills (
  responder_id INTEGER NOT NULL REFERENCES responders(id) ON DELETE CASCADE,
  skill TEXT NOT NULL,
  PRIMARY KEY (responder_id, skill)
);
CREATE TABLE rota_entries (
  id INTEGER PRIMARY KEY,
  region TEXT NOT NULL,
  tier TEXT NOT NULL CHECK (tier IN ('primary', 'secondary')),
  responder_id INTEGER NOT NULL REFERENCES responders(id) ON DELETE CASCADE,
  weekday INTEGER,
  start_minute INTEGER,
  end_minute INTEGER,
  starts_at INTEGER,
  ends_at INTEGER,
  CHECK ((weekday IS NOT NULL AND starts_at IS NULL) OR (weekday IS NULL AND starts_at IS NOT NULL))
);
CREATE INDEX rota_by_region ON rota_entries(region, tier);
ALTER TABLE incidents ADD COLUMN assignee_id INTEGER REFERENCES responders(id);
ALTER TABLE incidents ADD COLUMN escalation_level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN dispatched_at INTEGER;
ALTER TABLE incidents ADD COLUMN merged_into INTEGER REFERENCES incidents(id);
CREATE INDEX incidents_undispatched ON incidents(dispatched_at) WHERE dispatched_at IS NULL;
CREATE TABLE incident_transitions (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incidents(id),
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX incident_transitions_by_incident ON incident_transitions(incident_id, id);
CREATE TABLE ack_timers (
  incident_id INTEGER PRIMARY KEY REFERENCES incidents(id),
  due_at INTEGER NOT NULL,
  level INTEGER NOT NULL
);
CREATE INDEX ack_timers_due ON ack_timers(due_at);
CREATE TABLE dispatch_attempts (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incidents(id),
  level INTEGER NOT NULL,
  responder_id INTEGER REFERENCES responders(id),
  at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  notification_id INTEGER REFERENCES notifications(id),
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX dispatch_attempts_by_incident ON dispatch_attempts(incident_id, id);
)sql";

// On-site work orders (issue 5). The site address and access notes are copied from the tenant
// when the order is opened, so a later change of the tenant profile does not rewrite history.
// States and origins are stored by name, as in incident_transitions. Costs are whole yen.
constexpr std::string_view kV5WorkOrders = R"sql(
CREATE TABLE work_orders (
  id INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  incident_id INTEGER REFERENCES incidents(id),
  origin TEXT NOT NULL CHECK (origin IN ('responder', 'policy', 'sme_request')),
  state TEXT NOT NULL CHECK (state IN ('requested', 'accepted', 'departed', 'arrived',
                                       'contained', 'closed')),
  reason TEXT NOT NULL DEFAULT '',
  site_address TEXT NOT NULL DEFAULT '',
  access_notes TEXT NOT NULL DEFAULT '',
  opened_by TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  total_cost_yen INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX work_orders_by_tenant ON work_orders(tenant_id, id);
CREATE INDEX work_orders_by_incident ON work_orders(incident_id);
CREATE TABLE work_order_events (
  id INTEGER PRIMARY KEY,
  work_order_id INTEGER NOT NULL REFERENCES work_orders(id),
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL DEFAULT '',
  evidence TEXT NOT NULL DEFAULT '',
  cost_yen INTEGER NOT NULL DEFAULT 0 CHECK (cost_yen >= 0),
  cost_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX work_order_events_by_order ON work_order_events(work_order_id, id);
)sql";

// Identity: console tokens and enrollment tokens are stored as SHA-256 hashes only (the secret
// is shown once, at creation); issued agent certificates and revocations. See docs/IDENTITY.md.
constexpr std::string_view kV6Identity = R"sql(
CREATE TABLE console_tokens (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  token_hash TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('admin', 'lead', 'responder', 'viewer')),
  tenant_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER
);
CREATE TABLE enrollment_tokens (
  id INTEGER PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  used_by_agent TEXT
);
CREATE TABLE agent_certificates (
  serial TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  enrollment_token_id INTEGER REFERENCES enrollment_tokens(id)
);
CREATE INDEX agent_certificates_by_agent ON agent_certificates(agent_id);
CREATE TABLE revoked_agents (
  agent_id TEXT PRIMARY KEY,
  revoked_at INTEGER NOT NULL,
  revoked_by TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT ''
);
)sql";

// Ingest (issue 5): alerts lose UNIQUE(agent_id, sequence). The writer never needed it: an
// alert is stored only above the agent's acked_sequence, read and advanced in the same
// transaction by the one writer thread, so (agent, sequence) idempotency does not depend on the
// index. With many agents its inserts land on a different leaf page per agent, which costs a
// page written per alert. UNIQUE(uuid) stays (UUID idempotency); agents now send time-ordered
// (version 7) UUIDs, whose index grows at its end. Columns, ids and other indexes unchanged.
constexpr std::string_view kV7AlertsAppendOnly = R"sql(
CREATE TABLE alerts_v7 (
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,
  agent_id TEXT NOT NULL REFERENCES agents(id),
  sequence INTEGER NOT NULL,
  tenant_id TEXT NOT NULL,
  hostname TEXT NOT NULL,
  rule_engine INTEGER NOT NULL,
  rule_id TEXT NOT NULL,
  severity INTEGER NOT NULL,
  title TEXT NOT NULL,
  event_time INTEGER NOT NULL,
  detection_time INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  incident_id INTEGER REFERENCES incidents(id),
  body BLOB NOT NULL
);
INSERT INTO alerts_v7 (id, uuid, agent_id, sequence, tenant_id, hostname, rule_engine, rule_id,
                       severity, title, event_time, detection_time, received_at, incident_id,
                       body)
  SELECT id, uuid, agent_id, sequence, tenant_id, hostname, rule_engine, rule_id, severity,
         title, event_time, detection_time, received_at, incident_id, body FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_v7 RENAME TO alerts;
CREATE INDEX alerts_by_tenant ON alerts(tenant_id, id);
CREATE INDEX alerts_by_incident ON alerts(incident_id);
)sql";

// Incident grouping by entity (issue 5, docs/INCIDENTS.md): every group key that leads to an
// incident, the most recent attachment first. Existing incidents get their own group_key, so
// incidents opened while the collector grouped by rule keep collecting after the upgrade.
constexpr std::string_view kV8IncidentKeys = R"sql(
CREATE TABLE incident_keys (
  id INTEGER PRIMARY KEY,
  group_key TEXT NOT NULL,
  incident_id INTEGER NOT NULL REFERENCES incidents(id)
);
CREATE INDEX incident_keys_by_key ON incident_keys(group_key, id);
INSERT INTO incident_keys (group_key, incident_id) SELECT group_key, id FROM incidents ORDER BY id;
)sql";

// Contract terms held per incident (issue 5): the tenant's dispatch threshold and acknowledge
// SLA per severity (seconds, 0 = no timer) when the incident was first dispatched, so editing
// a contract does not move the timers of incidents already running, nor their SLA judgement in
// the reports. A row is written when dispatch (or a hand assignment) first needs the terms.
constexpr std::string_view kV9IncidentTerms = R"sql(
CREATE TABLE incident_terms (
  incident_id INTEGER PRIMARY KEY REFERENCES incidents(id),
  dispatch_threshold INTEGER NOT NULL,
  ack_critical_s INTEGER NOT NULL,
  ack_high_s INTEGER NOT NULL,
  ack_medium_s INTEGER NOT NULL,
  ack_low_s INTEGER NOT NULL
);
)sql";

// Ingest (issue 5): alerts_by_tenant(tenant_id, id) is used by no query (EXPLAIN QUERY PLAN,
// docs/PERFORMANCE.md "Ingest steps, third session"): the console's alert list filters with
// `?1 = '' OR tenant_id = ?1` and scans by id, and the report's per-period counts only walked it
// for its order. It cost every alert one more index insert (about 1.4 us of SQLite's ~10).
constexpr std::string_view kV10DropAlertsByTenant = R"sql(
DROP INDEX alerts_by_tenant;
)sql";

// Console tokens may belong to a responder (issue 5): the audit log then names the person.
constexpr std::string_view kV11TokenResponders = R"sql(
ALTER TABLE console_tokens ADD COLUMN responder_id INTEGER REFERENCES responders(id);
)sql";

// Reports and KPIs (issue 5) select alerts and incidents by period: without these the monthly
// report's alert counts and incident list walked the whole tables (EXPLAIN QUERY PLAN: SCAN).
// The alerts index costs ingest one more insert per alert, at the index's end (received_at
// grows with time); docs/COLLECTOR.md has the estimate.
constexpr std::string_view kV12PeriodIndexes = R"sql(
CREATE INDEX alerts_by_received_at ON alerts(received_at);
CREATE INDEX incidents_by_first_seen ON incidents(first_seen);
)sql";

// Lists and reports that select by tenant or incident (EXPLAIN QUERY PLAN: SCAN before): the
// console's audit log for one tenant (a viewer's, or `--tenant`), the notification log for one
// tenant (its incidents, then their notifications), and the monthly report's first successful
// notification of each incident (a correlated subquery per incident walked every notification
// and every attempt). Notifications and audit rows are written at console / dispatch rate, so
// the extra index inserts cost nothing measurable.
constexpr std::string_view kV13TenantAndIncidentIndexes = R"sql(
CREATE INDEX audit_log_by_tenant ON audit_log(tenant_id, id);
CREATE INDEX notifications_by_incident ON notifications(incident_id, id);
CREATE INDEX notification_attempts_by_notification ON notification_attempts(notification_id);
)sql";

constexpr Migration kMigrations[] = {
    {.version = 1, .name = "core: tenants, agents, incidents, alerts", .sql = kV1Core},
    {.version = 2,
     .name = "dispatch: responders, notifications, rulesets, audit log",
     .sql = kV2Dispatch},
    {.version = 4,
     .name = "tenancy: tenant profiles, responders, rotas, incident transitions, ack timers",
     .sql = kV4Tenancy},
    {.version = 5, .name = "work orders: on-site visits and their events", .sql = kV5WorkOrders},
    // Version 6, not 3: identity was written beside 4 and 5 but landed after them, and the runner
    // applies only versions above a database's highest, so 3 would never reach a v5 database.
    {.version = 6,
     .name = "identity: console tokens, enrollment tokens, agent certificates, revocations",
     .sql = kV6Identity},
    {.version = 7,
     .name = "alerts without UNIQUE(agent_id, sequence): the writer's acked_sequence enforces it",
     .sql = kV7AlertsAppendOnly,
     .rebuilds_tables = true},
    {.version = 8,
     .name = "incident keys: the entities (rule, process, remote address, flow) of incidents",
     .sql = kV8IncidentKeys},
    {.version = 9,
     .name = "incident terms: the contract's SLA in force when an incident was dispatched",
     .sql = kV9IncidentTerms},
    {.version = 10,
     .name = "alerts without the unused alerts_by_tenant index (one index insert less per alert)",
     .sql = kV10DropAlertsByTenant},
    {.version = 11,
     .name = "console tokens bound to responders, named in the audit log",
     .sql = kV11TokenResponders},
    {.version = 12,
     .name = "period indexes: alerts by received_at, incidents by first_seen (reports, KPIs)",
     .sql = kV12PeriodIndexes},
    {.version = 13,
     .name = "indexes: audit log by tenant, notifications by incident, attempts by notification",
     .sql = kV13TenantAndIncidentIndexes},
};

// After a rebuild with enforcement off: every reference must still resolve.
absl::Status CheckForeignKeys(SqliteDb& db) {
  ASSIGN_OR_RETURN(Stmt check, db.Prepare("PRAGMA foreign_key_check"));
  ASSIGN_OR_RETURN(bool violation, check.Step());
  if (!violation) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("foreign key violation after the rebuild: table ", check.Text(0), " row ",
                   check.Int(1), " references a missing row of ", check.Text(2)));
}

}  // namespace

std::span<const Migration> AllMigrations() { return kMigrations; }

absl::StatusOr<int> SchemaVersion(SqliteDb& db) {
  RETURN_IF_ERROR(db.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
      "NULL, applied_at INTEGER NOT NULL)"));
  ASSIGN_OR_RETURN(Stmt stmt,
                   db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? static_cast<int>(stmt.Int(0)) : 0;
}

absl::StatusOr<int> ApplyMigrations(SqliteDb& db, std::span<const Migration> migrations) {
  ASSIGN_OR_RETURN(int current, SchemaVersion(db));
  int known = migrations.empty() ? 0 : migrations.back().version;
  if (current > known) {
    return absl::FailedPreconditionError(absl::StrCat(
        "database ", db.path(), " has schema version ", current, " but this collector knows only ",
        known, "; it was written by a newer collector (upgrade the collector, do not downgrade)"));
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= current) continue;
    // Outside a transaction: SQLite ignores this pragma inside one.
    if (migration.rebuilds_tables) RETURN_IF_ERROR(db.Exec("PRAGMA foreign_keys=OFF"));
    absl::Status status = db.Exec("BEGIN IMMEDIATE");
    if (status.ok()) status = db.Exec(migration.sql);
    if (status.ok() && migration.rebuilds_tables) status = CheckForeignKeys(db);
    if (status.ok()) {
      absl::StatusOr<Stmt> record = db.Prepare(
          "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, "
          "CAST(strftime('%s','now') AS INTEGER) * 1000000)");
      status = record.ok() ? record->Bind(1, migration.version).Bind(2, migration.name).Run()
                           : record.status();
    }
    if (status.ok()) status = db.Exec("COMMIT");
    if (!status.ok()) (void)db.Exec("ROLLBACK");
    if (migration.rebuilds_tables) {
      absl::Status on = db.Exec("PRAGMA foreign_keys=ON");
      if (status.ok()) status = on;
    }
    if (!status.ok()) {
      return absl::InternalError(absl::StrCat("schema migration ", migration.version, " (",
                                              Sv(migration.name), ") failed: ", status.message()));
    }
    current = migration.version;
  }
  return current;
}

}  // namespace otasuke::collector

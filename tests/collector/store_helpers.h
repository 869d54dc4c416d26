#pragma once
// Synchronous helpers over the Store for tests on real database files.

#include <future>
#include <string>
#include <vector>

#include "collector/store/sqlite_db.h"
#include "collector/store/store.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace otasuke::collector::testing {

inline absl::StatusOr<AgentState> Upsert(Store& store, const v1::Hello& hello) {
  std::promise<absl::StatusOr<AgentState>> promise;
  store.UpsertAgent(hello, [&](absl::StatusOr<AgentState> s) { promise.set_value(s); });
  return promise.get_future().get();
}

// Stores `alerts` as `agent`'s; alerts without a tenant get "tenant-a".
inline absl::StatusOr<IngestResult> Ingest(Store& store, const std::string& agent,
                                           std::vector<v1::Alert> alerts) {
  for (v1::Alert& alert : alerts) {
    alert.set_agent_id(agent);
    if (alert.tenant_id().empty()) alert.set_tenant_id("tenant-a");
  }
  std::promise<absl::StatusOr<IngestResult>> promise;
  store.IngestAlerts(agent, std::move(alerts),
                     [&](absl::StatusOr<IngestResult> r) { promise.set_value(r); });
  return promise.get_future().get();
}

// The first column of the first row of `sql` on its own connection.
inline int64_t Count(const std::string& db_path, const char* sql) {
  auto db = SqliteDb::Open(db_path, {});
  EXPECT_THAT(db, otasuke::testing::IsOk());
  auto stmt = (*db)->Prepare(sql);
  EXPECT_THAT(stmt, otasuke::testing::IsOk());
  auto row = stmt->Step();
  EXPECT_THAT(row, otasuke::testing::IsOk());
  return stmt->Int(0);
}

}  // namespace otasuke::collector::testing

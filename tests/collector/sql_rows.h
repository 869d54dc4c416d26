#pragma once
// Reads rows from a collector database file as text, for tests that check what was stored
// (a fresh connection, so it sees only committed data).

#include <string>
#include <vector>

#include "collector/store/sqlite_db.h"
#include "gtest/gtest.h"

namespace otasuke::collector::testing {

using SqlRows = std::vector<std::vector<std::string>>;

inline SqlRows QueryRows(const std::string& path, const char* sql, int columns) {
  auto db = SqliteDb::Open(path, {});
  EXPECT_TRUE(db.ok()) << db.status();
  if (!db.ok()) return {};
  auto stmt = (*db)->Prepare(sql);
  EXPECT_TRUE(stmt.ok()) << stmt.status();
  if (!stmt.ok()) return {};
  SqlRows rows;
  while (*stmt->Step()) {
    auto& row = rows.emplace_back();
    for (int c = 0; c < columns; ++c) row.push_back(stmt->Text(c));
  }
  return rows;
}

}  // namespace otasuke::collector::testing

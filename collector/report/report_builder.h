#pragma once
// Computes the monthly tenant report and the programme KPIs from the collector database: the
// incidents, their transitions, notification attempts and work orders as they stood at the
// report's as_of instant (report_model.h). Read-only; one read transaction per report, so the
// figures are consistent with each other while the collector keeps writing.

#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "collector/report/report_model.h"
#include "collector/store/sqlite_db.h"
#include "collector/tenancy/tenant_directory.h"
#include "common/clock.h"

namespace otasuke::collector::report {

class ReportBuilder {
 public:
  // `path` is the collector database (already migrated).
  static absl::StatusOr<std::unique_ptr<ReportBuilder>> Open(const std::string& path,
                                                             tenancy::TenantDirectory& directory,
                                                             const Clock& clock);

  // The report of `tenant_id` for `month` ("2026-10"), the month taken in the time zone of the
  // tenant's region. NotFound for an unknown tenant; InvalidArgument for a malformed month or a
  // month that has not begun.
  absl::StatusOr<MonthlyReport> Monthly(std::string_view tenant_id, std::string_view month);

  // KPIs for [from, to), optionally one region and/or one tenant. InvalidArgument for an empty
  // period; NotFound for an unknown region or tenant.
  absl::StatusOr<KpiReport> Kpis(const KpiQuery& query);

 private:
  ReportBuilder(std::unique_ptr<SqliteDb> db, tenancy::TenantDirectory& directory,
                const Clock& clock)
      : db_(std::move(db)), directory_(directory), clock_(clock) {}

  absl::StatusOr<MonthlyReport> MonthlyLocked(const tenancy::Tenant& tenant, std::string_view month)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<KpiReport> KpisLocked(const KpiQuery& query) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::unique_ptr<SqliteDb> db_ ABSL_GUARDED_BY(mu_);
  tenancy::TenantDirectory& directory_;
  const Clock& clock_;
};

// "2026-10" -> its first day. InvalidArgument naming the text otherwise.
absl::StatusOr<absl::CivilMonth> ParseMonth(std::string_view text);

}  // namespace otasuke::collector::report

#pragma once
// ReportService for otasukectl: a tenant's monthly report (HTML, CSV, JSON; ja or en) and the
// programme KPIs (CSV, JSON). Each call authenticates its console token and runs on the worker
// pool (the report reads SQLite); a viewer gets only its own tenant's report, KPIs need a lead
// or an admin.

#include <grpcpp/grpcpp.h>

#include "collector/auth/authenticator.h"
#include "collector/report/report_builder.h"
#include "collector/server/worker_pool.h"
#include "otasuke/v1/report_service.grpc.pb.h"

namespace otasuke::collector {

class ReportServiceImpl final : public v1::ReportService::CallbackService {
 public:
  ReportServiceImpl(report::ReportBuilder& builder, WorkerPool& pool,
                    const Authenticator& authenticator)
      : builder_(builder), pool_(pool), authenticator_(authenticator) {}

  grpc::ServerUnaryReactor* MonthlyReport(grpc::CallbackServerContext* context,
                                          const v1::MonthlyReportRequest* request,
                                          v1::ReportDocument* response) override;
  grpc::ServerUnaryReactor* Kpis(grpc::CallbackServerContext* context,
                                 const v1::KpiRequest* request,
                                 v1::ReportDocument* response) override;

 private:
  report::ReportBuilder& builder_;
  WorkerPool& pool_;
  const Authenticator& authenticator_;
};

}  // namespace otasuke::collector

// otasukectl reports monthly | kpis: a tenant's monthly report (HTML, CSV, JSON; ja or en) and
// the programme KPIs (CSV, JSON), printed or written to a file (docs/REPORTS.md).

#include <iostream>

#include "absl/strings/str_cat.h"
#include "collector/ctl/commands/commands.h"
#include "collector/ctl/invocation.h"
#include "collector/ctl/report_args.h"
#include "common/files.h"
#include "common/strings.h"
#include "otasuke/v1/report_service.grpc.pb.h"

namespace otasuke::ctl {
namespace {

// --format, with --json as a synonym of --format json.
absl::StatusOr<v1::ReportFormat> Format(const Invocation& in, const std::string& format) {
  return in.json() ? v1::REPORT_FORMAT_JSON : ParseReportFormat(format);
}

// Prints the document, or writes it to `out` (atomically) and says where.
int Deliver(const Invocation& in, const grpc::Status& status, const v1::ReportDocument& document,
            const std::string& out) {
  if (!status.ok()) return in.Failed(status);
  if (out.empty()) {
    std::cout << document.body();
    return kExitOk;
  }
  if (absl::Status written = WriteFileAtomically(out, document.body()); !written.ok()) {
    std::cerr << "otasukectl: " << written.message() << "\n";
    return kExitFailed;
  }
  std::cerr << "wrote " << out << " (" << document.content_type() << ", " << document.body().size()
            << " bytes)\n";
  return kExitOk;
}

google::protobuf::Timestamp Proto(absl::Time time) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(time));
  return ts;
}

int ReportsMonthly(Invocation& in) {
  v1::MonthlyReportRequest request;
  request.set_lang("ja");
  std::string format = "html";
  std::string out;
  if (auto stop =
          in.Parse({TenantFlag(request.mutable_tenant_id(), "the tenant (a viewer token: its own)"),
                    {"month", "YYYY-MM", "the month, in the time zone of the tenant's region",
                     request.mutable_month()},
                    {"format", "FORMAT", "html, csv or json", &format},
                    {"lang", "LANG", "ja or en", request.mutable_lang()},
                    {"out", "FILE", "write the report to FILE instead of printing it", &out}})) {
    return *stop;
  }
  if (request.month().empty()) return in.UsageError("--month is required (YYYY-MM)");
  absl::StatusOr<v1::ReportFormat> parsed = Format(in, format);
  if (!parsed.ok()) return in.UsageError(parsed.status().message());
  request.set_format(*parsed);
  v1::ReportDocument document;
  grpc::Status status = in.Call(&v1::ReportService::Stub::MonthlyReport, request, &document);
  return Deliver(in, status, document, out);
}

int ReportsKpis(Invocation& in) {
  v1::KpiRequest request;
  std::string from;
  std::string to;
  std::string format = "csv";
  std::string out;
  if (auto stop = in.Parse(
          {{"from", "DATE", "start (a date, midnight in Japan, or an RFC 3339 time)", &from},
           {"to", "DATE", "end, exclusive", &to},
           {"region", "R", "only this region", request.mutable_region()},
           TenantFlag(request.mutable_tenant_id()),
           {"format", "FORMAT", "csv or json", &format},
           {"out", "FILE", "write the KPIs to FILE instead of printing them", &out}})) {
    return *stop;
  }
  if (from.empty() || to.empty()) return in.UsageError("--from and --to are required");
  absl::StatusOr<absl::Time> from_time = ParsePeriodBound("from", from);
  if (!from_time.ok()) return in.UsageError(from_time.status().message());
  absl::StatusOr<absl::Time> to_time = ParsePeriodBound("to", to);
  if (!to_time.ok()) return in.UsageError(to_time.status().message());
  absl::StatusOr<v1::ReportFormat> parsed = Format(in, format);
  if (!parsed.ok()) return in.UsageError(parsed.status().message());
  *request.mutable_from() = Proto(*from_time);
  *request.mutable_to() = Proto(*to_time);
  request.set_format(*parsed);
  v1::ReportDocument document;
  grpc::Status status = in.Call(&v1::ReportService::Stub::Kpis, request, &document);
  return Deliver(in, status, document, out);
}

}  // namespace

std::span<const Command> ReportCommands() {
  static constexpr Command kCommands[] = {
      {.noun = "reports",
       .verb = "monthly",
       .summary = "A tenant's monthly report (HTML, CSV or JSON; ja or en).",
       .run = ReportsMonthly},
      {.noun = "reports",
       .verb = "kpis",
       .summary = "Programme KPIs for a period across tenants and regions (CSV or JSON).",
       .run = ReportsKpis},
  };
  return kCommands;
}

}  // namespace otasuke::ctl

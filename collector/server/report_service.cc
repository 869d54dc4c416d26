#include "collector/server/report_service.h"

#include "absl/strings/str_cat.h"
#include "collector/auth/permissions.h"
#include "collector/report/report_render.h"
#include "collector/server/authorized_call.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::collector {
namespace {

struct FormatInfo {
  v1::ReportFormat format;
  std::string_view extension;
  std::string_view content_type;
};

constexpr FormatInfo kFormats[] = {
    {v1::REPORT_FORMAT_HTML, "html", "text/html; charset=utf-8"},
    {v1::REPORT_FORMAT_CSV, "csv", "text/csv; charset=utf-8"},
    {v1::REPORT_FORMAT_JSON, "json", "application/json"},
};

absl::StatusOr<FormatInfo> Format(v1::ReportFormat format) {
  for (const FormatInfo& info : kFormats) {
    if (info.format == format) return info;
  }
  return absl::InvalidArgumentError("format: choose html, csv or json");
}

void Fill(v1::ReportDocument& document, const FormatInfo& info, std::string_view stem,
          std::string body) {
  document.set_content_type(std::string(info.content_type));
  document.set_file_name(absl::StrCat(Sv(stem), ".", Sv(info.extension)));
  document.set_body(std::move(body));
}

absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

}  // namespace

grpc::ServerUnaryReactor* ReportServiceImpl::MonthlyReport(grpc::CallbackServerContext* context,
                                                           const v1::MonthlyReportRequest* request,
                                                           v1::ReportDocument* response) {
  return AuthorizedCall(
      context, pool_, authenticator_,
      [this, request, response](const Principal& caller) -> absl::Status {
        ASSIGN_OR_RETURN(std::string tenant,
                         AuthorizeScoped(caller, Permission::kReadReports, request->tenant_id()));
        if (tenant.empty()) return absl::InvalidArgumentError("tenant: required (--tenant)");
        ASSIGN_OR_RETURN(report::Lang lang,
                         report::ParseLang(request->lang().empty() ? "ja" : request->lang()));
        ASSIGN_OR_RETURN(FormatInfo format, Format(request->format()));
        ASSIGN_OR_RETURN(report::MonthlyReport monthly, builder_.Monthly(tenant, request->month()));
        std::string body;
        switch (format.format) {
          case v1::REPORT_FORMAT_HTML:
            body = report::RenderMonthlyHtml(monthly, lang);
            break;
          case v1::REPORT_FORMAT_CSV:
            body = report::RenderMonthlyCsv(monthly, lang);
            break;
          default:
            body = report::RenderMonthlyJson(monthly);
        }
        Fill(*response, format,
             absl::StrCat("report-", tenant, "-", monthly.month, "-", Sv(report::LangCode(lang))),
             std::move(body));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportServiceImpl::Kpis(grpc::CallbackServerContext* context,
                                                  const v1::KpiRequest* request,
                                                  v1::ReportDocument* response) {
  return AuthorizedCall(
      context, pool_, authenticator_,
      [this, request, response](const Principal& caller) -> absl::Status {
        RETURN_IF_ERROR(Authorize(caller, Permission::kReadKpis, ""));
        if (!request->has_from() || !request->has_to()) {
          return absl::InvalidArgumentError("period: both from and to are required");
        }
        ASSIGN_OR_RETURN(FormatInfo format, Format(request->format()));
        if (format.format == v1::REPORT_FORMAT_HTML) {
          return absl::InvalidArgumentError("format: KPIs are exported as csv or json");
        }
        report::KpiQuery query{.from = FromProto(request->from()),
                               .to = FromProto(request->to()),
                               .region = request->region(),
                               .tenant_id = request->tenant_id()};
        ASSIGN_OR_RETURN(report::KpiReport kpis, builder_.Kpis(query));
        Fill(*response, format, "kpis",
             format.format == v1::REPORT_FORMAT_CSV ? report::RenderKpiCsv(kpis)
                                                    : report::RenderKpiJson(kpis));
        return absl::OkStatus();
      });
}

}  // namespace otasuke::collector

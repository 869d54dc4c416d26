// Issue 5: "an SME viewer sees only its own tenant", for every console RPC. One table holds a
// call of each method of each console service, aimed at the other tenant's data wherever the
// request can name it; a viewer token of tenant A must get PERMISSION_DENIED, an answer that
// holds tenant A's data only, or — for tenant B's incident or work order named by id — the
// NOT_FOUND an unused id gets, word for word, so B's ids cannot be probed. The table is checked
// against the services' descriptors, so a new RPC without a row fails here. Runs on the collector
// as assembled in production (CollectorApp) over real gRPC on loopback, with two tenants' agents,
// alerts, incidents and work orders.

#include <functional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "collector/app/collector_app.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "otasuke/v1/audit_service.grpc.pb.h"
#include "otasuke/v1/console_service.grpc.pb.h"
#include "otasuke/v1/identity_service.grpc.pb.h"
#include "otasuke/v1/incident_service.grpc.pb.h"
#include "otasuke/v1/notification_service.grpc.pb.h"
#include "otasuke/v1/report_service.grpc.pb.h"
#include "otasuke/v1/tenancy_service.grpc.pb.h"
#include "otasuke/v1/workorder_service.grpc.pb.h"
#include "tests/collector/test_agent.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::collector {
namespace {

using ::otasuke::collector::testing::MakeAlert;
using ::otasuke::collector::testing::MakeHello;
using ::otasuke::collector::testing::TestAgent;
using ::otasuke::collector::testing::TestChannel;
using ::otasuke::testing::IsOk;
using ::otasuke::testing::ReadFileOrEmpty;
using ::testing::HasSubstr;

constexpr char kTeamYaml[] = R"(regions:
  - {name: chiyoda, time_zone: Asia/Tokyo}
tenants:
  - {id: tenant-a, name: Bakery A, region: chiyoda, address: "1-1 Chiyoda", owner: {name: Sato, phone: "03-1111-2222"}}
  - {id: tenant-b, name: Florist B, region: chiyoda, address: "2-2 Chiyoda", owner: {name: Ito, phone: "03-3333-4444"}}
responders:
  - {handle: tanaka, name: Tanaka, regions: [chiyoda]}
rota:
  - {region: chiyoda, tier: primary, responder: tanaka, days: [mon, tue, wed, thu, fri, sat, sun], start: "00:00", end: "24:00"}
)";

// An id no incident or work order has.
constexpr int64_t kUnusedId = 999999;

// What a viewer may get from a call.
enum class Expect {
  kDenied,   // PERMISSION_DENIED
  kOwnOnly,  // OK, the answer holds data, and every tenant in it is the viewer's
  kEmpty,    // OK, and the answer holds nothing (another tenant's agent, say)
  kHidden,   // NOT_FOUND, worded as for an unused id: another tenant's ids cannot be probed
};

// One call's outcome: its status and the tenants its answer names.
struct Outcome {
  grpc::Status status;
  std::vector<std::string> tenants;
};

struct RpcCase {
  std::string method;  // "otasuke.v1.ConsoleService.ListAgents"
  std::string aim;     // what the call asks for
  Expect expect;
  std::function<Outcome(const std::string& secret)> call;
  std::string not_found;  // kHidden: the whole message, the same as an unused id's
};

class ViewerScopeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CollectorConfig config;
    config.listen = "127.0.0.1:0";
    config.data_dir = dir_.file("data");
    config.transport_security = "insecure";
    config.clock = "manual";  // TestClockService is served only then; its row is checked too
    app_ = std::make_unique<CollectorApp>(config, clock_);
    ASSERT_THAT(app_->Start(), IsOk());
    channel_ = TestChannel(app_->port());
    admin_ = std::string(absl::StripAsciiWhitespace(ReadFileOrEmpty(app_->admin_token_path())));

    v1::ImportRequest import;
    v1::ImportFile* file = import.add_files();
    file->set_name("team.yaml");
    file->set_content(kTeamYaml);
    v1::ImportResponse imported;
    grpc::Status status =
        v1::TenancyService::NewStub(channel_)->Import(As(admin_).get(), import, &imported);
    ASSERT_TRUE(status.ok()) << status.error_message();

    // Each tenant: one agent, two alerts of different rules (two incidents), one work order.
    for (const char* tenant : {"tenant-a", "tenant-b"}) {
      auto agent = std::make_unique<TestAgent>(channel_);
      ASSERT_TRUE(agent->SendHello(MakeHello(absl::StrCat("agent-", tenant), tenant)));
      std::vector<v1::Alert> alerts = {MakeAlert(1, "rule-1", v1::SEVERITY_HIGH),
                                       MakeAlert(2, "rule-2", v1::SEVERITY_HIGH)};
      alerts[1].mutable_process()->set_pid(4343);  // another process: another incident
      ASSERT_TRUE(agent->SendAlerts(alerts));
      ASSERT_TRUE(agent->WaitForAck(2));
      agents_.push_back(std::move(agent));
      v1::OpenWorkOrderRequest open;
      open.set_tenant_id(tenant);
      open.set_origin(v1::WORK_ORDER_ORIGIN_RESPONDER);
      open.set_actor("tanaka");
      v1::OpenWorkOrderResponse opened;
      status =
          v1::WorkOrderService::NewStub(channel_)->OpenWorkOrder(As(admin_).get(), open, &opened);
      ASSERT_TRUE(status.ok()) << status.error_message();
      work_order_[tenant] = opened.work_order().id();
    }
    v1::ListIncidentsRequest list;
    list.set_tenant_id("tenant-b");
    v1::ListIncidentsResponse incidents;
    status =
        v1::ConsoleService::NewStub(channel_)->ListIncidents(As(admin_).get(), list, &incidents);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(incidents.incidents_size(), 2);
    b_incident_ = incidents.incidents(0).id();
    b_other_incident_ = incidents.incidents(1).id();
    viewer_ = CreateToken("bakery-owner", "viewer", "tenant-a");
    responder_ = CreateToken("tanaka-phone", "responder", "");
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& secret) const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization", "Bearer " + secret);
    return context;
  }

  std::string CreateToken(const std::string& name, const std::string& role,
                          const std::string& tenant) {
    v1::CreateConsoleTokenRequest request;
    request.set_name(name);
    request.set_role(role);
    request.set_tenant_id(tenant);
    v1::CreateConsoleTokenResponse response;
    grpc::Status status = v1::IdentityAdminService::NewStub(channel_)->CreateConsoleToken(
        As(admin_).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.secret();
  }

  // Every console RPC, aimed at tenant B wherever the request can name a tenant or an id.
  std::vector<RpcCase> Cases();

  otasuke::testing::TempDir dir_;
  ManualClock clock_{absl::FromUnixSeconds(1795000000)};  // 2026-11-18
  std::unique_ptr<CollectorApp> app_;
  std::shared_ptr<grpc::Channel> channel_;
  std::vector<std::unique_ptr<TestAgent>> agents_;
  std::map<std::string, int64_t> work_order_;
  int64_t b_incident_ = 0;
  int64_t b_other_incident_ = 0;
  std::string admin_;
  std::string viewer_;
  std::string responder_;
};

// Calls `method` of a stub made by `Service::NewStub` and collects the answer's tenants.
template <typename Service, typename Request, typename Response>
Outcome Call(const std::shared_ptr<grpc::Channel>& channel,
             std::unique_ptr<grpc::ClientContext> ctx,
             grpc::Status (Service::Stub::*method)(grpc::ClientContext*, const Request&, Response*),
             const Request& request,
             const std::function<std::vector<std::string>(const Response&)>& tenants) {
  auto stub = Service::NewStub(channel);
  Response response;
  Outcome outcome{.status = ((*stub).*method)(ctx.get(), request, &response)};
  if (outcome.status.ok()) outcome.tenants = tenants(response);
  return outcome;
}

template <typename Response>
std::vector<std::string> NoTenants(const Response&) {
  return {};
}

template <typename Message>
std::vector<std::string> TenantIds(const google::protobuf::RepeatedPtrField<Message>& items) {
  std::vector<std::string> out;
  for (const Message& item : items) out.push_back(item.tenant_id());
  return out;
}

std::vector<RpcCase> ViewerScopeTest::Cases() {
  using v1::AuditService;
  using v1::ConsoleService;
  using v1::IdentityAdminService;
  using v1::IncidentService;
  using v1::NotificationService;
  using v1::ReportService;
  using v1::TenancyService;
  using v1::TestClockService;
  using v1::WorkOrderService;
  auto ctx = [this](const std::string& s) { return As(s); };
  const auto& ch = channel_;
  std::vector<RpcCase> cases;
  auto add = [&](std::string method, std::string aim, Expect expect,
                 std::function<Outcome(const std::string&)> call, std::string not_found = "") {
    cases.push_back({absl::StrCat("otasuke.v1.", method), std::move(aim), expect, std::move(call),
                     std::move(not_found)});
  };

  // ConsoleService.
  for (const char* tenant : {"", "tenant-b"}) {
    const Expect expect = *tenant == '\0' ? Expect::kOwnOnly : Expect::kDenied;
    add("ConsoleService.ListAgents", tenant, expect, [=](const std::string& s) {
      v1::ListAgentsRequest r;
      r.set_tenant_id(tenant);
      return Call<ConsoleService>(ch, ctx(s), &ConsoleService::Stub::ListAgents, r,
                                  std::function([](const v1::ListAgentsResponse& a) {
                                    EXPECT_FALSE(a.has_streams()) << "collector-wide counters";
                                    return TenantIds(a.agents());
                                  }));
    });
    add("ConsoleService.ListAlerts", tenant, expect, [=](const std::string& s) {
      v1::ListAlertsRequest r;
      r.set_tenant_id(tenant);
      return Call<ConsoleService>(
          ch, ctx(s), &ConsoleService::Stub::ListAlerts, r,
          std::function([](const v1::ListAlertsResponse& a) { return TenantIds(a.alerts()); }));
    });
    add("ConsoleService.ListIncidents", tenant, expect, [=](const std::string& s) {
      v1::ListIncidentsRequest r;
      r.set_tenant_id(tenant);
      return Call<ConsoleService>(ch, ctx(s), &ConsoleService::Stub::ListIncidents, r,
                                  std::function([](const v1::ListIncidentsResponse& a) {
                                    return TenantIds(a.incidents());
                                  }));
    });
  }
  add("ConsoleService.ListAlerts", "tenant B's agent", Expect::kEmpty, [=](const std::string& s) {
    v1::ListAlertsRequest r;
    r.set_agent_id("agent-tenant-b");
    return Call<ConsoleService>(
        ch, ctx(s), &ConsoleService::Stub::ListAlerts, r,
        std::function([](const v1::ListAlertsResponse& a) { return TenantIds(a.alerts()); }));
  });
  add("ConsoleService.PushRuleSet", "own tenant", Expect::kDenied, [=](const std::string& s) {
    v1::PushRuleSetRequest r;
    r.set_tenant_id("tenant-a");
    r.mutable_ruleset()->set_version("v-viewer");
    return Call<ConsoleService>(ch, ctx(s), &ConsoleService::Stub::PushRuleSet, r,
                                std::function(NoTenants<v1::PushRuleSetResponse>));
  });

  // IdentityAdminService: none of it is a viewer's.
  add("IdentityAdminService.CreateConsoleToken", "", Expect::kDenied, [=](const std::string& s) {
    v1::CreateConsoleTokenRequest r;
    r.set_name("made-by-viewer");
    r.set_role("viewer");
    r.set_tenant_id("tenant-b");
    return Call<IdentityAdminService>(ch, ctx(s), &IdentityAdminService::Stub::CreateConsoleToken,
                                      r, std::function(NoTenants<v1::CreateConsoleTokenResponse>));
  });
  add("IdentityAdminService.ListConsoleTokens", "", Expect::kDenied, [=](const std::string& s) {
    return Call<IdentityAdminService>(ch, ctx(s), &IdentityAdminService::Stub::ListConsoleTokens,
                                      v1::ListConsoleTokensRequest(),
                                      std::function(NoTenants<v1::ListConsoleTokensResponse>));
  });
  add("IdentityAdminService.RevokeConsoleToken", "", Expect::kDenied, [=](const std::string& s) {
    v1::RevokeConsoleTokenRequest r;
    r.set_name("tanaka-phone");
    return Call<IdentityAdminService>(ch, ctx(s), &IdentityAdminService::Stub::RevokeConsoleToken,
                                      r, std::function(NoTenants<v1::RevokeConsoleTokenResponse>));
  });
  add("IdentityAdminService.CreateEnrollmentToken", "own tenant", Expect::kDenied,
      [=](const std::string& s) {
        v1::CreateEnrollmentTokenRequest r;
        r.set_tenant_id("tenant-a");
        r.set_ttl_seconds(3600);
        return Call<IdentityAdminService>(
            ch, ctx(s), &IdentityAdminService::Stub::CreateEnrollmentToken, r,
            std::function(NoTenants<v1::CreateEnrollmentTokenResponse>));
      });
  add("IdentityAdminService.ListEnrollmentTokens", "", Expect::kDenied, [=](const std::string& s) {
    return Call<IdentityAdminService>(ch, ctx(s), &IdentityAdminService::Stub::ListEnrollmentTokens,
                                      v1::ListEnrollmentTokensRequest(),
                                      std::function(NoTenants<v1::ListEnrollmentTokensResponse>));
  });
  add("IdentityAdminService.RevokeAgent", "own agent", Expect::kDenied, [=](const std::string& s) {
    v1::RevokeAgentRequest r;
    r.set_agent_id("agent-tenant-a");
    return Call<IdentityAdminService>(ch, ctx(s), &IdentityAdminService::Stub::RevokeAgent, r,
                                      std::function(NoTenants<v1::RevokeAgentResponse>));
  });

  // IncidentService: tenant B's incident reads as an unused id; no change is a viewer's.
  const int64_t b = b_incident_;
  for (const int64_t id : {b, kUnusedId}) {
    add(
        "IncidentService.GetIncident", id == b ? "tenant B's incident" : "an unused id",
        Expect::kHidden,
        [=](const std::string& s) {
          v1::IncidentRef r;
          r.set_id(id);
          return Call<IncidentService>(ch, ctx(s), &IncidentService::Stub::GetIncident, r,
                                       std::function([](const v1::IncidentDetail& d) {
                                         return std::vector<std::string>{d.incident().tenant_id()};
                                       }));
        },
        absl::StrCat("unknown incident #", id));
  }
  add("IncidentService.GetIncident", "own incident", Expect::kOwnOnly, [=](const std::string& s) {
    v1::IncidentRef r;
    r.set_id(1);  // tenant A's alerts came first
    return Call<IncidentService>(ch, ctx(s), &IncidentService::Stub::GetIncident, r,
                                 std::function([](const v1::IncidentDetail& d) {
                                   return std::vector<std::string>{d.incident().tenant_id()};
                                 }));
  });
  auto detail_tenant = std::function([](const v1::IncidentDetail& d) {
    return std::vector<std::string>{d.incident().tenant_id()};
  });
  add("IncidentService.AcknowledgeIncident", "own incident", Expect::kDenied,
      [=](const std::string& s) {
        v1::IncidentNote r;
        r.set_id(1);
        return Call<IncidentService>(ch, ctx(s), &IncidentService::Stub::AcknowledgeIncident, r,
                                     detail_tenant);
      });
  add("IncidentService.AssignIncident", "own incident", Expect::kDenied, [=](const std::string& s) {
    v1::AssignIncidentRequest r;
    r.set_id(1);
    r.set_responder("tanaka");
    return Call<IncidentService>(ch, ctx(s), &IncidentService::Stub::AssignIncident, r,
                                 detail_tenant);
  });
  add("IncidentService.NoteIncident", "own incident", Expect::kDenied, [=](const std::string& s) {
    v1::IncidentNote r;
    r.set_id(1);
    r.set_note("from the owner");
    return Call<IncidentService>(ch, ctx(s), &IncidentService::Stub::NoteIncident, r,
                                 detail_tenant);
  });
  add("IncidentService.AdvanceIncident", "own incident", Expect::kDenied,
      [=](const std::string& s) {
        v1::AdvanceIncidentRequest r;
        r.set_id(1);
        r.set_to_state(v1::INCIDENT_STATE_RESOLVED);
        return Call<IncidentService>(ch, ctx(s), &IncidentService::Stub::AdvanceIncident, r,
                                     detail_tenant);
      });
  const int64_t b2 = b_other_incident_;
  add("IncidentService.MergeIncidents", "tenant B's incidents", Expect::kDenied,
      [=](const std::string& s) {
        v1::MergeIncidentsRequest r;
        r.set_into(b);
        r.set_from(b2);
        return Call<IncidentService>(ch, ctx(s), &IncidentService::Stub::MergeIncidents, r,
                                     detail_tenant);
      });
  add("IncidentService.SplitIncident", "own incident", Expect::kDenied, [=](const std::string& s) {
    v1::SplitIncidentRequest r;
    r.set_id(1);
    r.add_alert_ids(1);
    return Call<IncidentService>(ch, ctx(s), &IncidentService::Stub::SplitIncident, r,
                                 detail_tenant);
  });

  // NotificationService, AuditService: helper-team records, not the SME's.
  for (const char* tenant : {"", "tenant-a"}) {
    add("NotificationService.ListNotifications", tenant, Expect::kDenied,
        [=](const std::string& s) {
          v1::ListNotificationsRequest r;
          r.set_tenant_id(tenant);
          return Call<NotificationService>(
              ch, ctx(s), &NotificationService::Stub::ListNotifications, r,
              std::function([](const v1::ListNotificationsResponse& a) {
                return TenantIds(a.notifications());
              }));
        });
    add("AuditService.ListAudit", tenant, Expect::kDenied, [=](const std::string& s) {
      v1::ListAuditRequest r;
      r.set_tenant_id(tenant);
      return Call<AuditService>(
          ch, ctx(s), &AuditService::Stub::ListAudit, r,
          std::function([](const v1::ListAuditResponse& a) { return TenantIds(a.records()); }));
    });
  }

  // ReportService: its own month's report only; the programme KPIs span tenants.
  for (const char* tenant : {"", "tenant-a", "tenant-b"}) {
    const Expect expect =
        std::string_view(tenant) == "tenant-b" ? Expect::kDenied : Expect::kOwnOnly;
    add("ReportService.MonthlyReport", tenant, expect, [=](const std::string& s) {
      v1::MonthlyReportRequest r;
      r.set_tenant_id(tenant);
      r.set_month("2026-11");
      r.set_format(v1::REPORT_FORMAT_JSON);
      return Call<ReportService>(ch, ctx(s), &ReportService::Stub::MonthlyReport, r,
                                 std::function([](const v1::ReportDocument& d) {
                                   std::vector<std::string> out;
                                   // Every tenant id the document mentions.
                                   for (const char* id : {"tenant-a", "tenant-b"}) {
                                     if (d.body().find(id) != std::string::npos) out.push_back(id);
                                   }
                                   return out;
                                 }));
    });
  }
  add("ReportService.Kpis", "own tenant", Expect::kDenied, [=](const std::string& s) {
    v1::KpiRequest r;
    r.set_tenant_id("tenant-a");
    r.mutable_from()->set_seconds(1793000000);
    r.mutable_to()->set_seconds(1796000000);
    r.set_format(v1::REPORT_FORMAT_JSON);
    return Call<ReportService>(ch, ctx(s), &ReportService::Stub::Kpis, r,
                               std::function(NoTenants<v1::ReportDocument>));
  });
  add("TestClockService.AdvanceClock", "", Expect::kDenied, [=](const std::string& s) {
    v1::AdvanceClockRequest r;
    r.mutable_by()->set_seconds(60);
    return Call<TestClockService>(ch, ctx(s), &TestClockService::Stub::AdvanceClock, r,
                                  std::function(NoTenants<v1::AdvanceClockResponse>));
  });

  // TenancyService: its own tenant record only; people, rotas and changes are the team's.
  auto tenant_of =
      std::function([](const v1::Tenant& t) { return std::vector<std::string>{t.id()}; });
  for (const char* tenant : {"tenant-a", "tenant-b"}) {
    add("TenancyService.CreateTenant", tenant, Expect::kDenied, [=](const std::string& s) {
      v1::TenantChange r;
      r.mutable_tenant()->set_id(tenant);
      r.mutable_tenant()->set_name("renamed");
      return Call<TenancyService>(ch, ctx(s), &TenancyService::Stub::CreateTenant, r, tenant_of);
    });
    add("TenancyService.UpdateTenant", tenant, Expect::kDenied, [=](const std::string& s) {
      v1::TenantChange r;
      r.mutable_tenant()->set_id(tenant);
      r.mutable_tenant()->set_name("renamed");
      r.mutable_fields()->add_paths("name");
      return Call<TenancyService>(ch, ctx(s), &TenancyService::Stub::UpdateTenant, r, tenant_of);
    });
  }
  add("TenancyService.GetTenant", "own", Expect::kOwnOnly, [=](const std::string& s) {
    v1::GetTenantRequest r;
    r.set_id("tenant-a");
    return Call<TenancyService>(ch, ctx(s), &TenancyService::Stub::GetTenant, r, tenant_of);
  });
  add("TenancyService.GetTenant", "tenant-b", Expect::kDenied, [=](const std::string& s) {
    v1::GetTenantRequest r;
    r.set_id("tenant-b");
    return Call<TenancyService>(ch, ctx(s), &TenancyService::Stub::GetTenant, r, tenant_of);
  });
  add("TenancyService.ListTenants", "", Expect::kOwnOnly, [=](const std::string& s) {
    return Call<TenancyService>(ch, ctx(s), &TenancyService::Stub::ListTenants,
                                v1::ListTenantsRequest(),
                                std::function([](const v1::ListTenantsResponse& a) {
                                  std::vector<std::string> out;
                                  for (const v1::Tenant& t : a.tenants()) out.push_back(t.id());
                                  EXPECT_EQ(out.size(), 1u) << "a viewer sees its own tenant";
                                  return out;
                                }));
  });
  add("TenancyService.SetRegion", "", Expect::kDenied, [=](const std::string& s) {
    v1::Region r;
    r.set_name("chiyoda");
    r.set_time_zone("UTC");
    return Call<TenancyService>(ch, ctx(s), &TenancyService::Stub::SetRegion, r,
                                std::function(NoTenants<v1::Region>));
  });
  add("TenancyService.ListRegions", "", Expect::kDenied, [=](const std::string& s) {
    return Call<TenancyService>(ch, ctx(s), &TenancyService::Stub::ListRegions,
                                v1::ListRegionsRequest(),
                                std::function(NoTenants<v1::ListRegionsResponse>));
  });
  add("TenancyService.CreateResponder", "", Expect::kDenied, [=](const std::string& s) {
    v1::ResponderChange r;
    r.mutable_responder()->set_handle("mallory");
    r.mutable_responder()->set_name("Mallory");
    return Call<TenancyService>(ch, ctx(s), &TenancyService::Stub::CreateResponder, r,
                                std::function(NoTenants<v1::Responder>));
  });
  add("TenancyService.UpdateResponder", "", Expect::kDenied, [=](const std::string& s) {
    v1::ResponderChange r;
    r.mutable_responder()->set_handle("tanaka");
    r.mutable_responder()->set_webhook("http://attacker.example/");
    r.mutable_fields()->add_paths("webhook");
    return Call<TenancyService>(ch, ctx(s), &TenancyService::Stub::UpdateResponder, r,
                                std::function(NoTenants<v1::Responder>));
  });
  add("TenancyService.GetResponder", "", Expect::kDenied, [=](const std::string& s) {
    v1::GetResponderRequest r;
    r.set_handle("tanaka");
    return Call<TenancyService>(ch, ctx(s), &TenancyService::Stub::GetResponder, r,
                                std::function(NoTenants<v1::Responder>));
  });
  add("TenancyService.ListResponders", "", Expect::kDenied, [=](const std::string& s) {
    return Call<TenancyService>(ch, ctx(s), &TenancyService::Stub::ListResponders,
                                v1::ListRespondersRequest(),
                                std::function(NoTenants<v1::ListRespondersResponse>));
  });
  add("TenancyService.AddRotaEntry", "", Expect::kDenied, [=](const std::string& s) {
    v1::AddRotaEntryRequest r;
    r.mutable_entry()->set_region("chiyoda");
    r.mutable_entry()->set_tier("primary");
    r.mutable_entry()->set_responder("tanaka");
    r.mutable_entry()->set_weekday("mon");
    r.mutable_entry()->set_start("00:00");
    r.mutable_entry()->set_end("01:00");
    return Call<TenancyService>(ch, ctx(s), &TenancyService::Stub::AddRotaEntry, r,
                                std::function(NoTenants<v1::RotaEntry>));
  });
  add("TenancyService.RemoveRotaEntry", "", Expect::kDenied, [=](const std::string& s) {
    v1::RemoveRotaEntryRequest r;
    r.set_id(1);
    return Call<TenancyService>(ch, ctx(s), &TenancyService::Stub::RemoveRotaEntry, r,
                                std::function(NoTenants<v1::RemoveRotaEntryResponse>));
  });
  add("TenancyService.ListRota", "", Expect::kDenied, [=](const std::string& s) {
    return Call<TenancyService>(ch, ctx(s), &TenancyService::Stub::ListRota, v1::ListRotaRequest(),
                                std::function(NoTenants<v1::ListRotaResponse>));
  });
  for (const char* tenant : {"tenant-a", "tenant-b"}) {
    add("TenancyService.OnCall", tenant, Expect::kDenied, [=](const std::string& s) {
      v1::OnCallRequest r;
      r.set_tenant_id(tenant);
      return Call<TenancyService>(ch, ctx(s), &TenancyService::Stub::OnCall, r,
                                  std::function(NoTenants<v1::OnCallResponse>));
    });
  }
  add("TenancyService.Import", "", Expect::kDenied, [=](const std::string& s) {
    v1::ImportRequest r;
    v1::ImportFile* file = r.add_files();
    file->set_name("team.yaml");
    file->set_content(kTeamYaml);
    return Call<TenancyService>(ch, ctx(s), &TenancyService::Stub::Import, r,
                                std::function(NoTenants<v1::ImportResponse>));
  });

  // WorkOrderService: its own tenant's orders; it may ask for a visit (sme_request) for itself.
  auto order_tenant = [](const v1::WorkOrder& o) {
    return std::vector<std::string>{o.tenant_id()};
  };
  for (const char* tenant : {"", "tenant-b"}) {
    const Expect expect = *tenant == '\0' ? Expect::kOwnOnly : Expect::kDenied;
    add("WorkOrderService.ListWorkOrders", tenant, expect, [=](const std::string& s) {
      v1::ListWorkOrdersRequest r;
      r.set_tenant_id(tenant);
      return Call<WorkOrderService>(ch, ctx(s), &WorkOrderService::Stub::ListWorkOrders, r,
                                    std::function([](const v1::ListWorkOrdersResponse& a) {
                                      return TenantIds(a.work_orders());
                                    }));
    });
  }
  for (const char* tenant : {"tenant-a", "tenant-b", "unused id"}) {
    const int64_t id = work_order_.contains(tenant) ? work_order_[tenant] : kUnusedId;
    const Expect expect =
        std::string_view(tenant) == "tenant-a" ? Expect::kOwnOnly : Expect::kHidden;
    add(
        "WorkOrderService.GetWorkOrder", tenant, expect,
        [=](const std::string& s) {
          v1::GetWorkOrderRequest r;
          r.set_id(id);
          return Call<WorkOrderService>(ch, ctx(s), &WorkOrderService::Stub::GetWorkOrder, r,
                                        std::function([=](const v1::GetWorkOrderResponse& a) {
                                          return order_tenant(a.work_order());
                                        }));
        },
        absl::StrCat("unknown work order ", id));
    add("WorkOrderService.AdvanceWorkOrder", tenant, Expect::kDenied, [=](const std::string& s) {
      v1::AdvanceWorkOrderRequest r;
      r.set_id(id);
      r.set_to_state(v1::WORK_ORDER_STATE_CLOSED);
      r.set_action("closed by the viewer");
      return Call<WorkOrderService>(ch, ctx(s), &WorkOrderService::Stub::AdvanceWorkOrder, r,
                                    std::function([=](const v1::AdvanceWorkOrderResponse& a) {
                                      return order_tenant(a.work_order());
                                    }));
    });
  }
  struct Open {
    const char* tenant;
    v1::WorkOrderOrigin origin;
    Expect expect;
  };
  // A visit about tenant B's incident: the incident reads as an unused one.
  add(
      "WorkOrderService.OpenWorkOrder", "origin SME_REQUEST about tenant B's incident",
      Expect::kHidden,
      [=](const std::string& s) {
        v1::OpenWorkOrderRequest r;
        r.set_origin(v1::WORK_ORDER_ORIGIN_SME_REQUEST);
        r.set_incident_id(b);
        r.set_reason("the owner asks");
        return Call<WorkOrderService>(ch, ctx(s), &WorkOrderService::Stub::OpenWorkOrder, r,
                                      std::function([=](const v1::OpenWorkOrderResponse& a) {
                                        return order_tenant(a.work_order());
                                      }));
      },
      absl::StrCat("tenant 'tenant-a' has no incident ", b));
  for (const Open& open : {Open{"", v1::WORK_ORDER_ORIGIN_SME_REQUEST, Expect::kOwnOnly},
                           Open{"tenant-b", v1::WORK_ORDER_ORIGIN_SME_REQUEST, Expect::kDenied},
                           Open{"tenant-a", v1::WORK_ORDER_ORIGIN_RESPONDER, Expect::kDenied}}) {
    add("WorkOrderService.OpenWorkOrder",
        absl::StrCat(open.tenant, " origin ", v1::WorkOrderOrigin_Name(open.origin)), open.expect,
        [=](const std::string& s) {
          v1::OpenWorkOrderRequest r;
          r.set_tenant_id(open.tenant);
          r.set_origin(open.origin);
          r.set_reason("the owner asks");
          return Call<WorkOrderService>(ch, ctx(s), &WorkOrderService::Stub::OpenWorkOrder, r,
                                        std::function([=](const v1::OpenWorkOrderResponse& a) {
                                          return order_tenant(a.work_order());
                                        }));
        });
  }
  return cases;
}

TEST_F(ViewerScopeTest, EveryConsoleRpcKeepsAViewerToItsOwnTenant) {
  const std::vector<RpcCase> cases = Cases();
  for (const RpcCase& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.method, " (", c.aim, ")"));
    const Outcome outcome = c.call(viewer_);
    if (c.expect == Expect::kDenied) {
      EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << outcome.status.error_message();
      EXPECT_THAT(outcome.status.error_message(), HasSubstr("token 'bakery-owner'"));
    } else if (c.expect == Expect::kHidden) {
      EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::NOT_FOUND)
          << outcome.status.error_message();
      EXPECT_EQ(outcome.status.error_message(), c.not_found);
    } else {
      ASSERT_TRUE(outcome.status.ok()) << outcome.status.error_message();
      EXPECT_EQ(outcome.tenants.empty(), c.expect == Expect::kEmpty);
      for (const std::string& tenant : outcome.tenants) EXPECT_EQ(tenant, "tenant-a");
    }
  }

  // Every method of every console service has a row (AgentService and EnrollmentService take
  // an agent's certificate or an enrollment token, not a console token).
  std::set<std::string> covered;
  for (const RpcCase& c : cases) covered.insert(c.method);
  const google::protobuf::DescriptorPool* pool = google::protobuf::DescriptorPool::generated_pool();
  int methods = 0;
  for (const char* name : {"ConsoleService", "IdentityAdminService", "IncidentService",
                           "NotificationService", "ReportService", "TestClockService",
                           "TenancyService", "WorkOrderService", "AuditService"}) {
    const google::protobuf::ServiceDescriptor* service =
        pool->FindServiceByName(absl::StrCat("otasuke.v1.", name));
    ASSERT_NE(service, nullptr) << name;
    for (int i = 0; i < service->method_count(); ++i) {
      ++methods;
      EXPECT_EQ(covered.count(std::string(service->method(i)->full_name())), 1u)
          << service->method(i)->full_name() << " has no row in the viewer table";
    }
  }
  EXPECT_EQ(static_cast<int>(covered.size()), methods) << "a row names no console RPC";

  // Services the table leaves out are all the proto files declare besides the console ones.
  std::set<std::string> services;
  for (const char* file :
       {"otasuke/v1/agent_service.proto", "otasuke/v1/audit_service.proto",
        "otasuke/v1/console_service.proto", "otasuke/v1/identity_service.proto",
        "otasuke/v1/incident_service.proto", "otasuke/v1/notification_service.proto",
        "otasuke/v1/report_service.proto", "otasuke/v1/tenancy_service.proto",
        "otasuke/v1/workorder_service.proto"}) {
    const google::protobuf::FileDescriptor* descriptor = pool->FindFileByName(file);
    ASSERT_NE(descriptor, nullptr) << file;
    for (int i = 0; i < descriptor->service_count(); ++i) {
      services.insert(std::string(descriptor->service(i)->name()));
    }
  }
  EXPECT_EQ(services.size(), 11u) << "a new service: add its methods to the viewer table";

  // Nothing the viewer was refused changed anything: the one order it opened is its request.
  v1::ListWorkOrdersRequest list;
  v1::ListWorkOrdersResponse orders;
  ASSERT_TRUE(v1::WorkOrderService::NewStub(channel_)
                  ->ListWorkOrders(As(admin_).get(), list, &orders)
                  .ok());
  ASSERT_EQ(orders.work_orders_size(), 3);
  EXPECT_EQ(orders.work_orders(0).tenant_id(), "tenant-a");  // newest first
  EXPECT_EQ(orders.work_orders(0).origin(), v1::WORK_ORDER_ORIGIN_SME_REQUEST);
  EXPECT_THAT(orders.work_orders(0).opened_by(), HasSubstr("token:bakery-owner#"));
  for (const v1::WorkOrder& order : orders.work_orders()) {
    EXPECT_EQ(order.state(), v1::WORK_ORDER_STATE_REQUESTED) << order.id();
  }
}

// Issue 5: "a responder cannot push rules", for every tenant and for all of them.
TEST_F(ViewerScopeTest, AResponderCannotPushRules) {
  for (const char* tenant : {"", "tenant-a"}) {
    v1::PushRuleSetRequest request;
    request.set_tenant_id(tenant);
    request.mutable_ruleset()->set_version("v-responder");
    v1::PushRuleSetResponse response;
    grpc::Status status = v1::ConsoleService::NewStub(channel_)->PushRuleSet(As(responder_).get(),
                                                                             request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << tenant;
    EXPECT_THAT(status.error_message(), HasSubstr("(role responder) may not push rules"));
  }
}

}  // namespace
}  // namespace otasuke::collector

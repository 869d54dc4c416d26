// Console authentication and authorisation on the collector as assembled in production
// (CollectorApp), over real gRPC on loopback: every role against every console RPC, a viewer's
// tenant scope, and unknown, missing, expired and revoked tokens.

#include <sys/stat.h>

#include <functional>
#include <map>
#include <set>

#include "absl/strings/strip.h"
#include "collector/app/collector_app.h"
#include "collector/auth/authenticator.h"
#include "collector/auth/permissions.h"
#include "collector/store/sqlite_db.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "otasuke/v1/console_service.grpc.pb.h"
#include "otasuke/v1/identity_service.grpc.pb.h"
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
using ::otasuke::testing::StatusIs;
using ::testing::HasSubstr;

TEST(PermissionsTest, TheTableMatchesIssueFive) {
  Principal responder{.token_name = "r", .role = Role::kResponder};
  EXPECT_THAT(Authorize(responder, Permission::kReadAlerts, ""), IsOk());
  EXPECT_THAT(Authorize(responder, Permission::kPushRules, ""),
              StatusIs(absl::StatusCode::kPermissionDenied, "(role responder) may not push rules"));
  Principal viewer{.token_name = "v", .role = Role::kViewer, .tenant_id = "t1"};
  EXPECT_THAT(Authorize(viewer, Permission::kReadAlerts, "t1"), IsOk());
  EXPECT_THAT(Authorize(viewer, Permission::kReadAlerts, "t2"),
              StatusIs(absl::StatusCode::kPermissionDenied, "may not read alerts of tenant t2"));
  EXPECT_THAT(Authorize(viewer, Permission::kReadAlerts, ""),
              StatusIs(absl::StatusCode::kPermissionDenied, "of every tenant"));
  auto scoped = AuthorizeScoped(viewer, Permission::kReadIncidents, "");
  ASSERT_THAT(scoped, IsOk());
  EXPECT_EQ(*scoped, "t1");
  Principal lead{.token_name = "l", .role = Role::kLead};
  EXPECT_THAT(Authorize(lead, Permission::kPushRules, "t9"), IsOk());
  EXPECT_THAT(Authorize(lead, Permission::kManageConsoleTokens, ""),
              StatusIs(absl::StatusCode::kPermissionDenied, "manage console tokens"));
  EXPECT_THAT(Authorize(responder, Permission::kManageWorkOrders, "t1"), IsOk());
  EXPECT_THAT(Authorize(viewer, Permission::kReadWorkOrders, "t1"), IsOk());
  EXPECT_THAT(Authorize(viewer, Permission::kManageWorkOrders, "t1"),
              StatusIs(absl::StatusCode::kPermissionDenied, "may not open or advance work orders"));
  EXPECT_EQ(ParseRole("lead"), Role::kLead);
  EXPECT_EQ(ParseRole("root"), std::nullopt);
}

TEST(BearerSecretTest, ParsesOnlyTheBearerScheme) {
  EXPECT_EQ(BearerSecret("Bearer otk-abc"), "otk-abc");
  EXPECT_EQ(BearerSecret("Bearer   otk-abc \n"), "otk-abc");
  EXPECT_EQ(BearerSecret("Basic dXNlcg=="), "");
  EXPECT_EQ(BearerSecret(""), "");
}

class ConsoleAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CollectorConfig config;
    config.listen = "127.0.0.1:0";
    config.data_dir = dir_.file("data");
    config.transport_security = "insecure";  // tokens work the same over TLS (identity_test)
    app_ = std::make_unique<CollectorApp>(config, clock_);
    ASSERT_THAT(app_->Start(), IsOk());
    channel_ = TestChannel(app_->port());
    console_ = v1::ConsoleService::NewStub(channel_);
    identity_ = v1::IdentityAdminService::NewStub(channel_);
    admin_ = std::string(absl::StripAsciiWhitespace(ReadFileOrEmpty(app_->admin_token_path())));
    ASSERT_FALSE(admin_.empty());
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& secret) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!secret.empty()) ctx->AddMetadata("authorization", "Bearer " + secret);
    return ctx;
  }

  std::string CreateToken(const std::string& name, const std::string& role,
                          const std::string& tenant = "", int64_t ttl_seconds = 0) {
    v1::CreateConsoleTokenRequest request;
    request.set_name(name);
    request.set_role(role);
    request.set_tenant_id(tenant);
    request.set_ttl_seconds(ttl_seconds);
    v1::CreateConsoleTokenResponse response;
    grpc::Status status = identity_->CreateConsoleToken(As(admin_).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.secret();
  }

  grpc::Status ListAgents(const std::string& secret, const std::string& tenant,
                          v1::ListAgentsResponse* response) {
    v1::ListAgentsRequest request;
    request.set_tenant_id(tenant);
    return console_->ListAgents(As(secret).get(), request, response);
  }

  int64_t Count(const std::string& sql) {
    auto db = SqliteDb::Open(app_->database_path(), {});
    EXPECT_THAT(db, IsOk());
    auto stmt = (*db)->Prepare(sql.c_str());
    EXPECT_THAT(stmt, IsOk());
    EXPECT_THAT(stmt->Step(), IsOk());
    int64_t n = stmt->Int(0);
    return n;
  }

  otasuke::testing::TempDir dir_;
  ManualClock clock_{absl::FromUnixSeconds(1795000000)};
  std::unique_ptr<CollectorApp> app_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ConsoleService::Stub> console_;
  std::unique_ptr<v1::IdentityAdminService::Stub> identity_;
  std::string admin_;
};

TEST_F(ConsoleAuthTest, BootstrapTokenIsWrittenOnceOwnerOnly) {
  struct stat st {};
  ASSERT_EQ(::stat(app_->admin_token_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_THAT(admin_, ::testing::StartsWith("otk-"));
  EXPECT_EQ(admin_.size(), 4u + 64u);
  // The secret itself is not in the database, only its hash.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM console_tokens WHERE token_hash = '" + admin_ + "'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM console_tokens WHERE role = 'admin'"), 1);
  // A restart keeps the token and does not write a new one.
  app_->Stop();
  app_ = std::make_unique<CollectorApp>(
      CollectorConfig{
          .listen = "127.0.0.1:0", .data_dir = dir_.file("data"), .transport_security = "insecure"},
      clock_);
  ASSERT_THAT(app_->Start(), IsOk());
  EXPECT_EQ(absl::StripAsciiWhitespace(ReadFileOrEmpty(app_->admin_token_path())), admin_);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM console_tokens"), 1);
}

// Every role against every console RPC. A viewer reads only its own tenant.
TEST_F(ConsoleAuthTest, EachRoleAgainstEachRpc) {
  std::map<std::string, std::string> secrets = {
      {"admin", admin_},
      {"lead", CreateToken("lead-1", "lead")},
      {"responder", CreateToken("responder-1", "responder")},
      {"viewer", CreateToken("viewer-1", "viewer", "tenant-a")},
  };
  using Rpc = std::function<grpc::Status(const std::string& secret)>;
  int created = 0;
  std::vector<std::pair<std::string, Rpc>> rpcs = {
      {"ListAgents",
       [&](const std::string& s) {
         v1::ListAgentsResponse r;
         return ListAgents(s, "", &r);
       }},
      {"ListAlerts",
       [&](const std::string& s) {
         v1::ListAlertsResponse r;
         return console_->ListAlerts(As(s).get(), {}, &r);
       }},
      {"ListIncidents",
       [&](const std::string& s) {
         v1::ListIncidentsResponse r;
         return console_->ListIncidents(As(s).get(), {}, &r);
       }},
      {"PushRuleSet",
       [&](const std::string& s) {
         v1::PushRuleSetRequest request;
         request.mutable_ruleset()->set_version("v1");
         v1::RuleFile* file = request.mutable_ruleset()->add_files();
         file->set_path("a.yml");
         file->set_format(v1::RULE_FORMAT_SIGMA);
         v1::PushRuleSetResponse r;
         return console_->PushRuleSet(As(s).get(), request, &r);
       }},
      {"CreateConsoleToken",
       [&](const std::string& s) {
         v1::CreateConsoleTokenRequest request;
         request.set_name("made-" + std::to_string(++created));
         request.set_role("responder");
         v1::CreateConsoleTokenResponse r;
         return identity_->CreateConsoleToken(As(s).get(), request, &r);
       }},
      {"ListConsoleTokens",
       [&](const std::string& s) {
         v1::ListConsoleTokensResponse r;
         return identity_->ListConsoleTokens(As(s).get(), {}, &r);
       }},
      {"RevokeConsoleToken",
       [&](const std::string& s) {
         v1::RevokeConsoleTokenRequest request;
         request.set_name("no-such-token");
         v1::RevokeConsoleTokenResponse r;
         return identity_->RevokeConsoleToken(As(s).get(), request, &r);
       }},
  };
  // Allowed: the call passes authorisation (it may still fail on its own terms, as revoking a
  // token that does not exist does with NOT_FOUND).
  std::map<std::string, std::set<std::string>> allowed = {
      {"admin",
       {"ListAgents", "ListAlerts", "ListIncidents", "PushRuleSet", "CreateConsoleToken",
        "ListConsoleTokens", "RevokeConsoleToken"}},
      {"lead", {"ListAgents", "ListAlerts", "ListIncidents", "PushRuleSet"}},
      {"responder", {"ListAgents", "ListAlerts", "ListIncidents"}},
      {"viewer", {"ListAgents", "ListAlerts", "ListIncidents"}},
  };
  for (const auto& [role, secret] : secrets) {
    for (const auto& [name, rpc] : rpcs) {
      grpc::Status status = rpc(secret);
      if (allowed[role].count(name) > 0) {
        EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << role << " " << name << ": " << status.error_message();
        EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << role << " " << name;
      } else {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << role << " " << name << ": " << status.error_message();
        EXPECT_THAT(status.error_message(), HasSubstr("(role " + role));
      }
    }
  }
  // Every refused call left no change behind; the allowed changes are audited by token name.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM rulesets"), 2);  // admin's and lead's pushes
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'ruleset.pushed' AND actor LIKE "
                  "'token:lead-1#% (lead)'"),
            1);
  EXPECT_EQ(
      Count("SELECT COUNT(*) FROM audit_log WHERE action = 'console_token.created' AND "
            "actor = 'token:bootstrap-admin#1 (admin)' AND target = 'viewer-1' AND tenant_id = "
            "'tenant-a'"),
      1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM console_tokens WHERE name LIKE 'made-%'"), 1);
}

TEST_F(ConsoleAuthTest, ViewerSeesOnlyItsOwnTenant) {
  TestAgent a(channel_), b(channel_);
  ASSERT_TRUE(a.SendHello(MakeHello("agent-a", "tenant-a")));
  ASSERT_TRUE(b.SendHello(MakeHello("agent-b", "tenant-b")));
  ASSERT_TRUE(a.SendAlerts({MakeAlert(1)}));
  ASSERT_TRUE(b.SendAlerts({MakeAlert(1)}));
  ASSERT_TRUE(a.WaitForAck(1));
  ASSERT_TRUE(b.WaitForAck(1));
  std::string viewer = CreateToken("bakery-owner", "viewer", "tenant-a");

  v1::ListAgentsResponse agents;
  ASSERT_TRUE(ListAgents(viewer, "", &agents).ok());
  ASSERT_EQ(agents.agents_size(), 1);
  EXPECT_EQ(agents.agents(0).agent_id(), "agent-a");
  v1::ListAlertsResponse alerts;
  ASSERT_TRUE(console_->ListAlerts(As(viewer).get(), {}, &alerts).ok());
  ASSERT_EQ(alerts.alerts_size(), 1);
  EXPECT_EQ(alerts.alerts(0).tenant_id(), "tenant-a");
  v1::ListIncidentsResponse incidents;
  ASSERT_TRUE(console_->ListIncidents(As(viewer).get(), {}, &incidents).ok());
  ASSERT_EQ(incidents.incidents_size(), 1);
  EXPECT_EQ(incidents.incidents(0).tenant_id(), "tenant-a");

  grpc::Status other = ListAgents(viewer, "tenant-b", &agents);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(other.error_message(), HasSubstr("viewer of tenant tenant-a"));
  // A responder sees both tenants.
  v1::ListAgentsResponse all;
  ASSERT_TRUE(ListAgents(CreateToken("r", "responder"), "", &all).ok());
  EXPECT_EQ(all.agents_size(), 2);
}

TEST_F(ConsoleAuthTest, MissingUnknownExpiredAndRevokedTokensAreRefused) {
  v1::ListAgentsResponse response;
  grpc::Status none = ListAgents("", "", &response);
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(none.error_message(), HasSubstr("no console token"));

  grpc::Status unknown = ListAgents("otk-" + std::string(64, '0'), "", &response);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(unknown.error_message(), HasSubstr("not valid (unknown)"));

  grpc::Status huge = ListAgents(std::string(4096, 'x'), "", &response);
  EXPECT_EQ(huge.error_code(), grpc::StatusCode::UNAUTHENTICATED);

  std::string shift = CreateToken("night-shift", "responder", "", /*ttl_seconds=*/3600);
  EXPECT_TRUE(ListAgents(shift, "", &response).ok());
  clock_.Advance(absl::Hours(2));
  grpc::Status expired = ListAgents(shift, "", &response);
  EXPECT_EQ(expired.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(expired.error_message(), HasSubstr("console token 'night-shift' expired at"));

  std::string leaver = CreateToken("leaver", "lead");
  EXPECT_TRUE(ListAgents(leaver, "", &response).ok());
  v1::RevokeConsoleTokenRequest revoke;
  revoke.set_name("leaver");
  v1::RevokeConsoleTokenResponse revoked_response;
  ASSERT_TRUE(identity_->RevokeConsoleToken(As(admin_).get(), revoke, &revoked_response).ok());
  grpc::Status revoked = ListAgents(leaver, "", &response);
  EXPECT_EQ(revoked.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(revoked.error_message(), HasSubstr("console token 'leaver' was revoked"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'console_token.revoked' AND "
                  "target = 'leaver' AND actor = 'token:bootstrap-admin#1 (admin)'"),
            1);
}

TEST_F(ConsoleAuthTest, BadTokenRequestsNameTheProblem) {
  auto create = [&](const std::string& name, const std::string& role, const std::string& tenant) {
    v1::CreateConsoleTokenRequest request;
    request.set_name(name);
    request.set_role(role);
    request.set_tenant_id(tenant);
    v1::CreateConsoleTokenResponse response;
    return identity_->CreateConsoleToken(As(admin_).get(), request, &response);
  };
  EXPECT_THAT(create("x", "root", "").error_message(), HasSubstr("unknown role 'root'"));
  EXPECT_THAT(create("x", "viewer", "").error_message(), HasSubstr("needs the tenant"));
  EXPECT_THAT(create("x", "lead", "t").error_message(), HasSubstr("only viewer tokens"));
  EXPECT_THAT(create("a b", "lead", "").error_message(), HasSubstr("may contain only"));
  EXPECT_THAT(create("", "lead", "").error_message(), HasSubstr("1 to 64 characters"));
  EXPECT_TRUE(create("dup", "lead", "").ok());
  grpc::Status dup = create("dup", "lead", "");
  EXPECT_EQ(dup.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM console_tokens"), 2);
}

}  // namespace
}  // namespace otasuke::collector

namespace otasuke::collector {
namespace {

// WorkOrderService is gated like ConsoleService: a token is needed, a viewer reads only its own
// tenant's orders and opens none; an allowed caller reaches the work-order book (whose own
// errors, such as an unknown tenant, come back unchanged).
TEST_F(ConsoleAuthTest, WorkOrdersNeedATokenAndARoleThatMayDispatch) {
  auto orders = v1::WorkOrderService::NewStub(channel_);
  const std::string responder = CreateToken("wo-responder", "responder");
  const std::string viewer = CreateToken("wo-viewer", "viewer", "t1");
  v1::OpenWorkOrderRequest open;
  open.set_tenant_id("t1");
  open.set_site_address("1-2-3 Chuo");
  open.set_actor("tanaka");
  open.set_origin(v1::WORK_ORDER_ORIGIN_RESPONDER);
  v1::OpenWorkOrderResponse opened;
  EXPECT_EQ(orders->OpenWorkOrder(As("").get(), open, &opened).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status by_viewer = orders->OpenWorkOrder(As(viewer).get(), open, &opened);
  EXPECT_EQ(by_viewer.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(by_viewer.error_message(), HasSubstr("may not open or advance work orders"));
  // The responder passes authorisation; tenant t1 has no profile, which the book reports.
  EXPECT_EQ(orders->OpenWorkOrder(As(responder).get(), open, &opened).error_code(),
            grpc::StatusCode::NOT_FOUND);

  v1::ListWorkOrdersRequest list;
  v1::ListWorkOrdersResponse listed;
  EXPECT_TRUE(orders->ListWorkOrders(As(viewer).get(), list, &listed).ok());  // scoped to t1
  list.set_tenant_id("t2");
  EXPECT_EQ(orders->ListWorkOrders(As(viewer).get(), list, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(orders->ListWorkOrders(As(responder).get(), list, &listed).ok());

  v1::AdvanceWorkOrderRequest advance;
  advance.set_id(1);
  v1::AdvanceWorkOrderResponse advanced;
  EXPECT_EQ(orders->AdvanceWorkOrder(As("").get(), advance, &advanced).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(orders->AdvanceWorkOrder(As(responder).get(), advance, &advanced).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace otasuke::collector

// Agent identity end to end in one process, over real TLS on loopback: a collector with its
// generated CA (CollectorApp), the agent's real enrollment code (agent/identity) writing real
// files, and agent streams with the enrolled client certificates. Enrollment tokens are
// single use and expire; a stream must present the certificate of the agent its Hello names;
// revocation closes the live stream and refuses the agent afterwards.

#include <sys/stat.h>

#include "absl/strings/strip.h"
#include "agent/identity/agent_identity.h"
#include "collector/app/collector_app.h"
#include "collector/store/sqlite_db.h"
#include "common/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "otasuke/v1/identity_service.grpc.pb.h"
#include "tests/collector/test_agent.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::collector {
namespace {

using ::otasuke::collector::testing::MakeAlert;
using ::otasuke::collector::testing::MakeHello;
using ::otasuke::collector::testing::TestAgent;
using ::otasuke::testing::IsOk;
using ::otasuke::testing::ReadFileOrEmpty;
using ::otasuke::testing::StatusIs;
using ::testing::HasSubstr;

class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CollectorConfig config;
    config.listen = "127.0.0.1:0";
    config.data_dir = dir_.file("data");
    app_ = std::make_unique<CollectorApp>(config, clock_);
    ASSERT_THAT(app_->Start(), IsOk());
    ASSERT_NE(app_->ca(), nullptr);
    address_ = "127.0.0.1:" + std::to_string(app_->port());
    admin_ = std::string(absl::StripAsciiWhitespace(ReadFileOrEmpty(app_->admin_token_path())));
  }

  // otasukectl's channel: server-authenticated TLS, no client certificate.
  std::shared_ptr<grpc::Channel> ConsoleChannel() {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = app_->ca()->ca_pem();
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("otasuke-collector");
    return grpc::CreateCustomChannel(address_, grpc::SslCredentials(tls), args);
  }

  std::unique_ptr<grpc::ClientContext> AsAdmin() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", "Bearer " + admin_);
    return ctx;
  }

  std::string EnrollmentToken(const std::string& tenant, int64_t ttl_seconds = 3600) {
    auto stub = v1::IdentityAdminService::NewStub(ConsoleChannel());
    v1::CreateEnrollmentTokenRequest request;
    request.set_tenant_id(tenant);
    request.set_ttl_seconds(ttl_seconds);
    v1::CreateEnrollmentTokenResponse response;
    grpc::Status status = stub->CreateEnrollmentToken(AsAdmin().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.ca_fingerprint(), app_->ca()->ca_fingerprint());
    return response.secret();
  }

  absl::StatusOr<agent::EnrolledIdentity> Enroll(const std::string& token,
                                                 const std::string& agent_id,
                                                 const std::string& fingerprint = "") {
    return agent::Enroll(
        {.collector = address_,
         .token = token,
         .ca_fingerprint = fingerprint.empty() ? app_->ca()->ca_fingerprint() : fingerprint,
         .state_dir = dir_.file("agent-" + agent_id),
         .agent_id = agent_id,
         .hostname = "pc-01",
         .timeout = absl::Seconds(20)});
  }

  std::shared_ptr<grpc::Channel> AgentChannel(const std::string& agent_id) {
    absl::StatusOr<agent::MtlsCredentials> mtls =
        agent::LoadMtlsCredentials(dir_.file("agent-" + agent_id));
    EXPECT_THAT(mtls, IsOk());
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride(mtls->tls_target_name);
    return grpc::CreateCustomChannel(address_, mtls->credentials, args);
  }

  grpc::Status RevokeAgent(const std::string& agent_id, bool* closed = nullptr) {
    auto stub = v1::IdentityAdminService::NewStub(ConsoleChannel());
    v1::RevokeAgentRequest request;
    request.set_agent_id(agent_id);
    request.set_reason("laptop stolen");
    v1::RevokeAgentResponse response;
    grpc::Status status = stub->RevokeAgent(AsAdmin().get(), request, &response);
    if (closed != nullptr) *closed = response.stream_closed();
    return status;
  }

  int64_t Count(const std::string& sql) {
    auto db = SqliteDb::Open(app_->database_path(), {});
    EXPECT_THAT(db, IsOk());
    auto stmt = (*db)->Prepare(sql.c_str());
    EXPECT_THAT(stmt, IsOk());
    EXPECT_THAT(stmt->Step(), IsOk());
    return stmt->Int(0);
  }

  otasuke::testing::TempDir dir_;
  ManualClock clock_{absl::Now()};
  std::unique_ptr<CollectorApp> app_;
  std::string address_;
  std::string admin_;
};

TEST_F(IdentityTest, PkiIsGeneratedOnceWithPrivateKeys) {
  for (const char* key : {"data/pki/ca.key", "data/pki/server.key"}) {
    struct stat st {};
    ASSERT_EQ(::stat(dir_.file(key).c_str(), &st), 0) << key;
    EXPECT_EQ(st.st_mode & 0777, 0600) << key;
  }
  std::string fingerprint = app_->ca()->ca_fingerprint();
  app_->Stop();
  app_ = std::make_unique<CollectorApp>(
      CollectorConfig{.listen = "127.0.0.1:0", .data_dir = dir_.file("data")}, clock_);
  ASSERT_THAT(app_->Start(), IsOk());
  EXPECT_EQ(app_->ca()->ca_fingerprint(), fingerprint);  // the CA agents pinned survives
}

TEST_F(IdentityTest, EnrolledAgentStreamsOverMtlsUntilRevoked) {
  std::string token = EnrollmentToken("tenant-a");
  absl::StatusOr<agent::EnrolledIdentity> identity = Enroll(token, "agent-1");
  ASSERT_THAT(identity, IsOk());
  EXPECT_EQ(identity->agent_id, "agent-1");
  EXPECT_EQ(identity->tenant_id, "tenant-a");
  struct stat st {};
  ASSERT_EQ(::stat(dir_.file("agent-agent-1/agent.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_EQ(ReadFileOrEmpty(dir_.file("agent-agent-1/collector-ca.crt")), app_->ca()->ca_pem());

  auto stream = std::make_unique<TestAgent>(AgentChannel("agent-1"));
  ASSERT_TRUE(stream->SendHello(MakeHello("agent-1", "tenant-a")));
  ASSERT_TRUE(stream->SendAlerts({MakeAlert(1), MakeAlert(2)}));
  ASSERT_TRUE(stream->WaitForAck(2));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM alerts WHERE agent_id = 'agent-1'"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'agent.enrolled' AND target = "
                  "'agent-1' AND tenant_id = 'tenant-a'"),
            1);

  bool closed = false;
  ASSERT_TRUE(RevokeAgent("agent-1", &closed).ok());
  EXPECT_TRUE(closed);
  grpc::Status end = stream->WaitForEnd();
  EXPECT_EQ(end.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(end.error_message(), HasSubstr("agent agent-1 was revoked"));
  EXPECT_EQ(
      Count(
          "SELECT COUNT(*) FROM audit_log WHERE action = 'agent.revoked' AND actor = "
          "'token:bootstrap-admin#1 (admin)' AND target = 'agent-1' AND detail = 'laptop stolen'"),
      1);

  // Reconnecting with the same certificate is refused, before anything is stored.
  TestAgent again(AgentChannel("agent-1"));
  ASSERT_TRUE(again.SendHello(MakeHello("agent-1", "tenant-a")));
  again.SendAlerts({MakeAlert(3)});
  grpc::Status refused = again.WaitForEnd();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(refused.error_message(), HasSubstr("was revoked"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM alerts WHERE agent_id = 'agent-1'"), 2);
  // And so is enrolling it again, and revoking it twice says so.
  EXPECT_THAT(Enroll(EnrollmentToken("tenant-a"), "agent-1"),
              StatusIs(absl::StatusCode::kPermissionDenied, "agent-1 was revoked"));
  EXPECT_EQ(RevokeAgent("agent-1").error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(RevokeAgent("never-enrolled").error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(IdentityTest, AStreamMustPresentTheCertificateOfTheAgentItClaims) {
  ASSERT_THAT(Enroll(EnrollmentToken("tenant-a"), "agent-1"), IsOk());
  ASSERT_THAT(Enroll(EnrollmentToken("tenant-b"), "agent-2"), IsOk());
  // agent-2's certificate, agent-1's Hello.
  TestAgent impostor(AgentChannel("agent-2"));
  ASSERT_TRUE(impostor.SendHello(MakeHello("agent-1", "tenant-a")));
  grpc::Status status = impostor.WaitForEnd();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(),
              HasSubstr("certificate belongs to agent agent-2, but the stream says it is agent "
                        "agent-1"));
  // Its own id with another tenant.
  TestAgent wrong_tenant(AgentChannel("agent-2"));
  ASSERT_TRUE(wrong_tenant.SendHello(MakeHello("agent-2", "tenant-a")));
  EXPECT_THAT(wrong_tenant.WaitForEnd().error_message(),
              HasSubstr("enrolled for tenant tenant-b, but the stream says tenant tenant-a"));
  // No client certificate at all (otasukectl's kind of channel).
  TestAgent anonymous(ConsoleChannel());
  ASSERT_TRUE(anonymous.SendHello(MakeHello("agent-1", "tenant-a")));
  grpc::Status none = anonymous.WaitForEnd();
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(none.error_message(), HasSubstr("need the client certificate from enrollment"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM agents"), 0);
}

TEST_F(IdentityTest, EnrollmentTokensAreSingleUseAndExpire) {
  std::string token = EnrollmentToken("tenant-a", /*ttl_seconds=*/600);
  ASSERT_THAT(Enroll(token, "agent-1"), IsOk());
  EXPECT_THAT(Enroll(token, "agent-2"),
              StatusIs(absl::StatusCode::kPermissionDenied, "was already used (by agent agent-1"));

  std::string late = EnrollmentToken("tenant-a", /*ttl_seconds=*/600);
  clock_.Advance(absl::Minutes(11));
  EXPECT_THAT(Enroll(late, "agent-3"), StatusIs(absl::StatusCode::kPermissionDenied, "expired at"));
  EXPECT_THAT(Enroll("ote-" + std::string(64, '0'), "agent-4"),
              StatusIs(absl::StatusCode::kUnauthenticated, "not valid (unknown)"));
  EXPECT_THAT(Enroll(EnrollmentToken("tenant-a"), "bad id!"),
              StatusIs(absl::StatusCode::kInvalidArgument, "may contain only"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM agent_certificates"), 1);
  // The secrets are not in the database.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM enrollment_tokens WHERE token_hash = '" + token + "'"), 0);
}

TEST_F(IdentityTest, AWrongCaFingerprintStopsEnrollmentBeforeTheTokenIsSent) {
  std::string token = EnrollmentToken("tenant-a");
  EXPECT_THAT(Enroll(token, "agent-1", std::string(64, 'a')),
              StatusIs(absl::StatusCode::kPermissionDenied, "did not present a CA with"));
  EXPECT_THAT(Enroll(token, "agent-1", "12:34"),
              StatusIs(absl::StatusCode::kInvalidArgument, "must be a SHA-256"));
  // The token was never presented, so it still works.
  EXPECT_THAT(Enroll(token, "agent-1"), IsOk());
}

TEST_F(IdentityTest, OnlyLeadsAndAdminsManageEnrollment) {
  auto stub = v1::IdentityAdminService::NewStub(ConsoleChannel());
  v1::CreateConsoleTokenRequest make;
  make.set_name("responder-1");
  make.set_role("responder");
  v1::CreateConsoleTokenResponse made;
  ASSERT_TRUE(stub->CreateConsoleToken(AsAdmin().get(), make, &made).ok());
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + made.secret());
  v1::CreateEnrollmentTokenRequest request;
  request.set_tenant_id("tenant-a");
  request.set_ttl_seconds(60);
  v1::CreateEnrollmentTokenResponse response;
  grpc::Status status = stub->CreateEnrollmentToken(&ctx, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("may not manage enrollment tokens"));
}

}  // namespace
}  // namespace otasuke::collector

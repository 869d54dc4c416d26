// Integration: identity with real processes on loopback. otasukectl creates an enrollment token
// over TLS, `otasuke-agent enroll` pins the collector CA by fingerprint and enrolls, the agent
// streams a real alert over mTLS, `otasukectl agents revoke` closes its stream and the collector
// refuses it from then on. Needs root for the agent's proc connector.

#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/integration/otasuke_cluster.h"

namespace otasuke::testing {
namespace {

using ::testing::HasSubstr;

class IdentityIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "the agent's proc connector needs root";
  }

  nlohmann::json CtlJson(const std::vector<std::string>& args) {
    int code = -1;
    std::string out = cluster_.Ctl(args, &code);
    EXPECT_EQ(code, 0) << out;
    size_t start = out.find('{');
    if (start == std::string::npos) return nlohmann::json();
    return nlohmann::json::parse(out.substr(start), nullptr, false);
  }

  std::vector<std::string> EnrollArgs(const std::string& token, const std::string& fingerprint,
                                      const std::string& state_dir) {
    return {"enroll",     "--collector", cluster_.collector_address(),
            "--token",    token,         "--ca-fingerprint",
            fingerprint,  "--state-dir", cluster_.dir().file(state_dir),
            "--hostname", "it-host"};
  }

  OtasukeCluster cluster_{/*secure=*/true};
};

TEST_F(IdentityIntegrationTest, EnrollStreamOverMtlsRevokeAndRefuse) {
  ASSERT_TRUE(cluster_.StartCollector()) << cluster_.collector_log();
  nlohmann::json created =
      CtlJson({"enroll-tokens", "create", "--tenant", "it-tenant", "--ttl", "1h", "--json"});
  ASSERT_TRUE(created.is_object());
  const std::string token = created["secret"];
  const std::string fingerprint = created["ca_fingerprint"];

  // A wrong fingerprint stops before the token is used.
  int code = -1;
  std::string out = cluster_.Agent(EnrollArgs(token, std::string(64, 'b'), "agent"), &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, HasSubstr("did not present a CA with fingerprint"));

  out = cluster_.Agent(EnrollArgs(token, fingerprint, "agent"), &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("of tenant it-tenant"));
  // The token is spent.
  out = cluster_.Agent(EnrollArgs(token, fingerprint, "other-agent"), &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, HasSubstr("was already used"));

  ASSERT_TRUE(cluster_.StartAgent()) << cluster_.agent_log();
  cluster_.RunSuspiciousScript("identity-it-marker");
  ASSERT_TRUE(WaitUntil(absl::Seconds(30), [&] {
    for (const auto& alert : cluster_.StoredScriptAlerts()) {
      if (alert.process().command_line().find("identity-it-marker") != std::string::npos) {
        return true;
      }
    }
    return false;
  })) << cluster_.agent_log();
  nlohmann::json agents = CtlJson({"agents", "list", "--json"});
  ASSERT_EQ(agents["agents"].size(), 1u);
  const std::string agent_id = agents["agents"][0]["agent_id"];

  out = cluster_.Ctl({"agents", "revoke", agent_id, "--reason", "integration test"}, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("its stream was closed"));
  // The agent learns why, keeps retrying, and is refused every time.
  EXPECT_TRUE(WaitUntil(absl::Seconds(20), [&] {
    const std::string log = cluster_.agent_log();
    size_t first = log.find("was revoked");
    return first != std::string::npos && log.find("was revoked", first + 1) != std::string::npos;
  })) << cluster_.agent_log();
  EXPECT_EQ(cluster_.CountRows("SELECT COUNT(*) FROM audit_log WHERE action = 'agent.revoked' "
                               "AND actor = 'token:bootstrap-admin#1 (admin)'"),
            1);
  EXPECT_EQ(cluster_.CountRows("SELECT connected FROM agents"), 0);
}

TEST_F(IdentityIntegrationTest, OtasukectlNeedsTheCaAndATokenForATlsCollector) {
  ASSERT_TRUE(cluster_.StartCollector()) << cluster_.collector_log();
  int code = -1;
  std::string out = cluster_.Ctl({"tokens", "list", "--token", "otk-wrong"}, &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, HasSubstr("did not accept the console token"));
  out = cluster_.Ctl({"agents", "list", "--ca-file", "/nonexistent/ca.crt"}, &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_THAT(out, HasSubstr("cannot read the CA file"));
}

}  // namespace
}  // namespace otasuke::testing

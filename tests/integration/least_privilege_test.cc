// Least privilege with the real binaries, as root (as CI runs): the agent becomes `nobody`
// once its proc connector is open, keeping only CAP_SYS_PTRACE (to read other users' /proc
// entries), and still turns a process start into a stored alert; the collector refuses to run
// as root without run_as_user and drops to it after binding.

#include <linux/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/privileges.h"
#include "gtest/gtest.h"
#include "tests/collector/test_agent.h"
#include "tests/integration/otasuke_cluster.h"
#include "tests/testing/paths.h"
#include "tests/testing/status_matchers.h"

namespace otasuke::testing {
namespace {

class LeastPrivilegeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "the privilege drop is tested as root (as CI runs)";
    absl::StatusOr<UserIds> nobody = LookUpUser("nobody");
    if (!nobody.ok()) GTEST_SKIP() << "no 'nobody' account on this machine";
    nobody_ = *nobody;
    // The daemons, once `nobody`, must reach their directories below the test's own.
    ::chmod(cluster_.dir().path().c_str(), 0755);
  }

  bool HasAlertWith(const std::string& marker) {
    for (const auto& a : cluster_.StoredScriptAlerts()) {
      if (a.process().command_line().find(marker) != std::string::npos) return true;
    }
    return false;
  }

  UserIds nobody_;
  OtasukeCluster cluster_;
};

TEST_F(LeastPrivilegeTest, AgentRunsAsTheUserWithOnlyNeededCapabilitiesAndStillAlerts) {
  ASSERT_TRUE(cluster_.StartCollector()) << cluster_.collector_log();
  ASSERT_TRUE(cluster_.StartAgent({"--run-as-user", "nobody"})) << cluster_.agent_log();

  absl::StatusOr<ProcessCredentials> creds = ReadProcessCredentials(cluster_.agent_pid());
  ASSERT_THAT(creds, IsOk());
  EXPECT_EQ(creds->uid, nobody_.uid);
  EXPECT_EQ(creds->euid, nobody_.uid);
  EXPECT_EQ(creds->suid, nobody_.uid);
  EXPECT_EQ(creds->gid, nobody_.gid);
  EXPECT_EQ(creds->egid, nobody_.gid);
  const CapabilityMask expected = CapabilityBit(CAP_SYS_PTRACE);
  EXPECT_EQ(creds->cap_effective, expected) << CapabilityNames(creds->cap_effective);
  EXPECT_EQ(creds->cap_permitted, expected) << CapabilityNames(creds->cap_permitted);
  EXPECT_EQ(creds->cap_bounding, expected) << CapabilityNames(creds->cap_bounding);
  EXPECT_EQ(creds->cap_ambient, 0u);
  EXPECT_TRUE(creds->no_new_privs);
  EXPECT_NE(cluster_.agent_log().find("running as user nobody, keeping capabilities "
                                      "CAP_SYS_PTRACE"),
            std::string::npos);

  // The proc connector opened as root keeps delivering; the agent, as nobody, still reads a
  // root process's /proc entries and the collector stores the alert.
  cluster_.RunSuspiciousScript("privdrop-marker");
  EXPECT_TRUE(WaitUntil(absl::Seconds(30), [&] { return HasAlertWith("privdrop-marker"); }))
      << cluster_.agent_log();

  // Its state directory became the user's, so it can keep reserving sequences.
  struct stat st {};
  ASSERT_EQ(::stat(cluster_.dir().file("agent/agent-state.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, nobody_.uid);
  EXPECT_EQ(cluster_.StopAgent(), 0) << cluster_.agent_log();
}

TEST_F(LeastPrivilegeTest, AgentNamesAMissingUserAndHowToCreateIt) {
  Subprocess agent({BinaryPath("otasuke-agent"), "--state-dir", cluster_.dir().file("agent"),
                    "--rules", SourceDir() + "/rules", "--run-as-user", "otasuke-no-such-user"},
                   cluster_.dir().file("agent.log"));
  EXPECT_EQ(agent.Wait(absl::Seconds(30)), 1);
  const std::string log = agent.ReadLog();
  EXPECT_NE(log.find("drop privileges: run_as_user: user 'otasuke-no-such-user' does not exist"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("useradd --system"), std::string::npos) << log;
}

TEST_F(LeastPrivilegeTest, CollectorRefusesToRunAsRootWithoutRunAsUser) {
  Subprocess collector({BinaryPath("otasuke-collector"), "--listen", "127.0.0.1:0", "--data-dir",
                        cluster_.dir().file("data"), "--transport-security", "insecure"},
                       cluster_.dir().file("refused.log"));
  EXPECT_EQ(collector.Wait(absl::Seconds(30)), 1);
  EXPECT_NE(collector.ReadLog().find("cannot start: refusing to run as root: set run_as_user"),
            std::string::npos)
      << collector.ReadLog();
}

TEST_F(LeastPrivilegeTest, CollectorDropsToRunAsUserAfterBindingAndStillStores) {
  // The port file is written after the drop: it goes where the user may write.
  const std::string data = cluster_.dir().file("data");
  const std::string port_file = data + "/collector.port";
  Subprocess collector(
      {BinaryPath("otasuke-collector"), "--listen", "127.0.0.1:0", "--data-dir", data,
       "--port-file", port_file, "--transport-security", "insecure", "--run-as-user", "nobody"},
      cluster_.dir().file("collector.log"));
  ASSERT_TRUE(WaitUntil(absl::Seconds(20), [&] { return !ReadFileOrEmpty(port_file).empty(); }))
      << collector.ReadLog();
  const int port = std::stoi(ReadFileOrEmpty(port_file));

  absl::StatusOr<ProcessCredentials> creds = ReadProcessCredentials(collector.pid());
  ASSERT_THAT(creds, IsOk());
  EXPECT_EQ(creds->uid, nobody_.uid);
  EXPECT_EQ(creds->euid, nobody_.uid);
  EXPECT_EQ(creds->suid, nobody_.uid);
  EXPECT_EQ(creds->gid, nobody_.gid);
  EXPECT_EQ(creds->cap_effective, 0u) << CapabilityNames(creds->cap_effective);
  EXPECT_EQ(creds->cap_permitted, 0u) << CapabilityNames(creds->cap_permitted);
  EXPECT_EQ(creds->cap_ambient, 0u);

  // As nobody it still stores alerts (SQLite writes its journal in the directory it was given).
  collector::testing::TestAgent agent(collector::testing::TestChannel(port));
  ASSERT_TRUE(agent.SendHello(collector::testing::MakeHello("agent-priv")));
  ASSERT_TRUE(
      agent.SendAlerts({collector::testing::MakeAlert(1), collector::testing::MakeAlert(2)}));
  EXPECT_TRUE(agent.WaitForAck(2)) << collector.ReadLog();
  agent.Close();
  EXPECT_EQ(collector.Stop(), 0) << collector.ReadLog();
}

}  // namespace
}  // namespace otasuke::testing

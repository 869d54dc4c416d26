#pragma once
// The collector daemon as an ordered list of named start-up steps (data directory, store,
// notifier, workers, gRPC server, port file). Start() runs them in order; Stop() runs the
// teardown of every step that started, in reverse, so a failed start-up leaves nothing behind.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "collector/app/config.h"
#include "collector/app/notification_channels.h"
#include "collector/auth/authenticator.h"
#include "collector/auth/console_tokens.h"
#include "collector/dispatch/dispatch_engine.h"
#include "collector/incident/grouper_chain.h"
#include "collector/notify/dispatcher.h"
#include "collector/pki/agent_identities.h"
#include "collector/pki/certificate_authority.h"
#include "collector/server/agent_registry.h"
#include "collector/server/agent_service.h"
#include "collector/server/audit_service.h"
#include "collector/server/console_service.h"
#include "collector/server/credentials.h"
#include "collector/server/enrollment_service.h"
#include "collector/server/grpc_server.h"
#include "collector/server/identity_admin_service.h"
#include "collector/server/incident_service.h"
#include "collector/server/notification_service.h"
#include "collector/server/report_service.h"
#include "collector/server/tenancy_service.h"
#include "collector/server/test_clock_service.h"
#include "collector/server/worker_pool.h"
#include "collector/server/workorder_service.h"
#include "collector/store/sqlite_store.h"
#include "collector/tenancy/sqlite_tenant_directory.h"
#include "collector/workorder/sqlite_work_orders.h"
#include "common/clock.h"

namespace otasuke::collector {

// The daemon's rule: as root only with run_as_user (to which DropPrivileges switches once the
// port is bound). In-process users of CollectorApp (tests, benchmarks) are not daemons.
absl::Status CheckNotRootWithoutRunAsUser(const CollectorConfig& config);

class CollectorApp {
 public:
  explicit CollectorApp(CollectorConfig config, const Clock& clock = RealClock::Get());
  ~CollectorApp();
  CollectorApp(const CollectorApp&) = delete;
  CollectorApp& operator=(const CollectorApp&) = delete;

  absl::Status Start();
  void Stop();

  int port() const;
  std::string database_path() const;
  // Where the first start wrote the bootstrap admin console token (0600).
  std::string admin_token_path() const;
  // The collector CA (null with transport_security: insecure).
  const CertificateAuthority* ca() const { return ca_.get(); }
  SqliteStore& store() { return *store_; }
  AgentRegistry& registry() { return registry_; }
  AgentLimiter& limiter() { return limiter_; }
  NotificationDispatcher* dispatcher() { return dispatcher_.get(); }  // null without a channel
  dispatch::DispatchEngine& dispatch() { return *dispatch_; }

 private:
  struct Step {
    std::string_view name;
    absl::Status (CollectorApp::*start)();
    void (CollectorApp::*stop)();
  };
  static const Step kSteps[];

  absl::Status OpenDataDir();
  void NoTeardown() {}
  absl::Status OpenStore();
  void CloseStore();
  absl::Status ConfigureChannels();
  absl::Status OpenConsoleTokens();
  absl::Status OpenIdentity();
  absl::Status StartNotifier();
  void StopNotifier();
  absl::Status StartDispatch();
  void StopDispatch();
  absl::Status StartWorkers();
  void StopWorkers();
  absl::Status StartServer();
  void StopServer();
  // The manual clock moved: fire the dispatch timers now due and wake the notifier.
  absl::Status AfterClockMoved();
  absl::Status DropPrivileges();
  absl::Status WritePortFile();
  void RemovePortFile();

  CollectorConfig config_;
  std::unique_ptr<ManualClock> manual_clock_;  // with clock: manual (tests) only
  const Clock& clock_;
  int started_steps_ = 0;

  std::unique_ptr<GrouperChain> grouper_;
  AgentRegistry registry_;
  AgentLimiter limiter_;
  std::unique_ptr<ServerCredentialsProvider> credentials_;
  std::unique_ptr<CertificateAuthority> ca_;
  std::unique_ptr<AgentIdentities> identities_;
  std::unique_ptr<SqliteStore> store_;
  std::vector<ConfiguredChannel> channels_;  // handed to the dispatcher at its start
  std::unique_ptr<ConsoleTokenStore> console_tokens_;
  std::unique_ptr<Authenticator> authenticator_;
  std::unique_ptr<NotificationDispatcher> dispatcher_;
  std::unique_ptr<tenancy::SqliteTenantDirectory> directory_;
  std::unique_ptr<dispatch::DispatchEngine> dispatch_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<AgentServiceImpl> agent_service_;
  std::unique_ptr<ConsoleServiceImpl> console_service_;
  std::unique_ptr<IdentityAdminServiceImpl> identity_admin_service_;
  std::unique_ptr<EnrollmentServiceImpl> enrollment_service_;
  std::unique_ptr<SqliteWorkOrders> work_orders_;
  std::unique_ptr<WorkOrderServiceImpl> workorder_service_;
  std::unique_ptr<report::ReportBuilder> report_builder_;
  std::unique_ptr<ReportServiceImpl> report_service_;
  std::unique_ptr<TestClockServiceImpl> test_clock_service_;
  std::unique_ptr<NotificationLog> notification_log_;
  std::unique_ptr<NotificationServiceImpl> notification_service_;
  std::unique_ptr<AuditServiceImpl> audit_service_;
  std::unique_ptr<TenancyServiceImpl> tenancy_service_;
  std::unique_ptr<dispatch::IncidentWorkflow> incident_workflow_;
  std::unique_ptr<IncidentServiceImpl> incident_service_;
  std::unique_ptr<GrpcServer> server_;
};

}  // namespace otasuke::collector

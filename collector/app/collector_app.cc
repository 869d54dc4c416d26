#include "collector/app/collector_app.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/log.h"
#include "common/privileges.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::collector {

const CollectorApp::Step CollectorApp::kSteps[] = {
    {"open data directory", &CollectorApp::OpenDataDir, &CollectorApp::NoTeardown},
    {"configure notification channels", &CollectorApp::ConfigureChannels,
     &CollectorApp::NoTeardown},
    {"open store", &CollectorApp::OpenStore, &CollectorApp::CloseStore},
    {"open console tokens", &CollectorApp::OpenConsoleTokens, &CollectorApp::NoTeardown},
    {"open identity", &CollectorApp::OpenIdentity, &CollectorApp::NoTeardown},
    {"start notifier", &CollectorApp::StartNotifier, &CollectorApp::StopNotifier},
    {"start dispatch", &CollectorApp::StartDispatch, &CollectorApp::StopDispatch},
    {"start workers", &CollectorApp::StartWorkers, &CollectorApp::StopWorkers},
    {"start gRPC server", &CollectorApp::StartServer, &CollectorApp::StopServer},
    {"drop privileges", &CollectorApp::DropPrivileges, &CollectorApp::NoTeardown},
    {"write port file", &CollectorApp::WritePortFile, &CollectorApp::RemovePortFile},
};

namespace {

RateLimits LimitsFrom(const CollectorConfig& config) {
  return RateLimits{.alerts_per_second = static_cast<double>(config.limits_alerts_per_second),
                    .bytes_per_second = static_cast<double>(config.limits_bytes_per_second),
                    .burst = config.limits_burst,
                    .max_streams = static_cast<int>(config.limits_max_streams),
                    .max_unauthenticated_per_address =
                        static_cast<int>(config.limits_max_unauthenticated_per_address),
                    .hello_timeout = config.limits_hello_timeout};
}

}  // namespace

absl::Status CheckNotRootWithoutRunAsUser(const CollectorConfig& config) {
  if (::geteuid() != 0 || !config.run_as_user.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      "refusing to run as root: set run_as_user (e.g. --run-as-user otasuke) and the collector "
      "drops to it once listening, or start it as an unprivileged user (the systemd unit does)");
}

CollectorApp::CollectorApp(CollectorConfig config, const Clock& clock)
    : config_(std::move(config)),
      manual_clock_(config_.clock == "manual"
                        ? std::make_unique<ManualClock>(
                              ManualClockStart(config_, clock.Now()).value_or(clock.Now()))
                        : nullptr),
      clock_(manual_clock_ != nullptr ? *manual_clock_ : clock),
      limiter_(LimitsFrom(config_), clock_) {}

CollectorApp::~CollectorApp() { Stop(); }

absl::Status CollectorApp::Start() {
  for (const Step& step : kSteps) {
    absl::Status status = (this->*step.start)();
    if (!status.ok()) {
      Stop();
      return absl::Status(status.code(), absl::StrCat(Sv(step.name), ": ", status.message()));
    }
    ++started_steps_;
    LOG_DEBUG("start-up step done: %s", step.name);
  }
  return absl::OkStatus();
}

void CollectorApp::Stop() {
  while (started_steps_ > 0) {
    --started_steps_;
    const Step& step = kSteps[started_steps_];
    (this->*step.stop)();
    LOG_DEBUG("teardown step done: %s", step.name);
  }
}

int CollectorApp::port() const { return server_ != nullptr ? server_->port() : 0; }

std::string CollectorApp::database_path() const {
  return (std::filesystem::path(config_.data_dir) / "collector.db").string();
}

std::string CollectorApp::admin_token_path() const {
  return (std::filesystem::path(config_.data_dir) / "admin.token").string();
}

absl::Status CollectorApp::DropPrivileges() {
  if (config_.run_as_user.empty()) return absl::OkStatus();
  if (config_.run_as_user == "root") {
    LOG_WARN("run_as_user is root: the collector keeps every privilege (tests only)");
    return absl::OkStatus();
  }
  // Nothing is kept: the port is bound and the files are open. The data directory becomes the
  // user's so SQLite can create its journal files.
  RETURN_IF_ERROR(otasuke::DropPrivileges(
      {.user = config_.run_as_user, .keep = 0, .chown = {config_.data_dir}}));
  LOG_INFO("running as user %s, no capabilities", config_.run_as_user);
  return absl::OkStatus();
}

absl::Status CollectorApp::OpenDataDir() {
  std::error_code ec;
  std::filesystem::create_directories(config_.data_dir, ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create data directory ", config_.data_dir, ": ", ec.message()));
  }
  std::filesystem::permissions(config_.data_dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  return absl::OkStatus();
}

absl::Status CollectorApp::OpenStore() {
  SqliteStore::Options options;
  options.path = database_path();
  options.busy_timeout = config_.store_busy_timeout;
  options.max_batch_writes = static_cast<int>(config_.store_max_batch);
  options.sync_every_commit = config_.store_synchronous == "full";
  for (const ConfiguredChannel& channel : channels_) {
    options.notification_channels.push_back(
        {.channel = std::string(channel.notifier->channel()), .target = channel.target});
  }
  // The dispatcher starts after the store; until then there is nothing to wake.
  options.on_notifications_queued = [this] {
    if (dispatcher_ != nullptr) dispatcher_->Wake();
  };
  ASSIGN_OR_RETURN(grouper_,
                   GrouperChain::Create(config_.incidents_group_by, config_.incident_window));
  ASSIGN_OR_RETURN(store_, SqliteStore::Open(std::move(options), clock_, *grouper_));
  LOG_INFO("store: %s", database_path());
  return absl::OkStatus();
}

void CollectorApp::CloseStore() { store_->Stop(); }

absl::Status CollectorApp::ConfigureChannels() {
  ASSIGN_OR_RETURN(channels_, CreateNotificationChannels(config_, clock_));
  return absl::OkStatus();
}

absl::Status CollectorApp::OpenConsoleTokens() {
  ASSIGN_OR_RETURN(console_tokens_, ConsoleTokenStore::Open(database_path(), clock_));
  authenticator_ = std::make_unique<Authenticator>(*console_tokens_);
  ASSIGN_OR_RETURN(bool created, console_tokens_->BootstrapAdmin(admin_token_path()));
  if (created) {
    LOG_WARN(
        "first start: wrote the bootstrap admin console token to %s (mode 0600); use it "
        "with otasukectl --token-file to create named tokens, then revoke '%s'",
        admin_token_path(), Sv(ConsoleTokenStore::kBootstrapName));
  }
  return absl::OkStatus();
}

absl::Status CollectorApp::OpenIdentity() {
  if (config_.transport_security == "insecure") {
    credentials_ = std::make_unique<InsecureCredentialsProvider>();
    return absl::OkStatus();
  }
  PkiOptions options{.dir = (std::filesystem::path(config_.data_dir) / "pki").string(),
                     .ca_cert_file = config_.tls_ca_cert,
                     .ca_key_file = config_.tls_ca_key,
                     .server_cert_file = config_.tls_server_cert,
                     .server_key_file = config_.tls_server_key,
                     .agent_cert_validity = config_.tls_agent_cert_validity};
  for (absl::string_view name :
       absl::StrSplit(config_.tls_server_names, ',', absl::SkipWhitespace())) {
    options.server_names.emplace_back(absl::StripAsciiWhitespace(name));
  }
  ASSIGN_OR_RETURN(ca_, CertificateAuthority::LoadOrCreate(options, clock_));
  ASSIGN_OR_RETURN(identities_, AgentIdentities::Open(database_path(), *ca_, clock_));
  // The chain carries the CA after the server certificate, so an agent enrolling with only the
  // CA's fingerprint can find the CA in the handshake and pin it.
  credentials_ = std::make_unique<TlsCredentialsProvider>(
      ca_->ca_pem(), ca_->server_cert_pem() + ca_->ca_pem(), ca_->server_key_pem());
  return absl::OkStatus();
}

absl::Status CollectorApp::StartNotifier() {
  if (channels_.empty()) {
    LOG_WARN(
        "no notification channel configured (webhook.url, slack.url, line.to, email.to): "
        "incidents are stored but nobody is notified");
    return absl::OkStatus();
  }
  DispatcherOptions options{.max_attempts = static_cast<int>(config_.webhook_max_attempts),
                            .initial_backoff = config_.webhook_initial_backoff,
                            .max_backoff = config_.webhook_max_backoff};
  auto dispatcher = std::make_unique<NotificationDispatcher>(*store_, clock_, options);
  for (ConfiguredChannel& channel : channels_) {
    LOG_INFO("notifier: %s -> %s", channel.notifier->channel(), channel.target);
    RETURN_IF_ERROR(dispatcher->AddNotifier(std::move(channel.notifier)));
  }
  channels_.clear();
  dispatcher->Start();
  dispatcher_ = std::move(dispatcher);
  return absl::OkStatus();
}

void CollectorApp::StopNotifier() {
  if (dispatcher_ != nullptr) dispatcher_->Stop();
}

absl::Status CollectorApp::StartDispatch() {
  ASSIGN_OR_RETURN(directory_, tenancy::SqliteTenantDirectory::Open(database_path(), clock_));
  // Responder notifications go out through the "webhook" notifier (to each responder's own URL).
  ASSIGN_OR_RETURN(dispatch_, dispatch::DispatchEngine::Open(database_path(), *directory_, clock_,
                                                             dispatch::DispatchOptions{}, [this] {
                                                               if (dispatcher_ != nullptr)
                                                                 dispatcher_->Wake();
                                                             }));
  if (dispatcher_ == nullptr) {
    LOG_WARN(
        "dispatch: no notification channel is configured, so responders are assigned and "
        "escalated but their webhooks are not called (set webhook.url to enable delivery)");
  }
  dispatch_->Start();
  return absl::OkStatus();
}

void CollectorApp::StopDispatch() {
  if (dispatch_ != nullptr) dispatch_->Stop();
}

absl::Status CollectorApp::StartWorkers() {
  pool_ = std::make_unique<WorkerPool>(static_cast<int>(config_.worker_threads));
  return absl::OkStatus();
}

void CollectorApp::StopWorkers() { pool_->Stop(); }

absl::Status CollectorApp::StartServer() {
  AgentServiceOptions agent_options;
  agent_options.limits.max_alerts_per_batch = static_cast<int>(config_.limits_max_alerts_per_batch);
  agent_options.authorizer = identities_.get();
  agent_options.read_ahead_writes = static_cast<int>(config_.store_read_ahead);
  agent_service_ =
      std::make_unique<AgentServiceImpl>(*store_, registry_, limiter_, *pool_, agent_options);
  console_service_ =
      std::make_unique<ConsoleServiceImpl>(*store_, registry_, limiter_, *pool_, *authenticator_);
  identity_admin_service_ = std::make_unique<IdentityAdminServiceImpl>(
      *console_tokens_, identities_.get(), ca_.get(), registry_, *pool_, *authenticator_);
  ASSIGN_OR_RETURN(work_orders_, SqliteWorkOrders::Open(database_path(), clock_));
  workorder_service_ =
      std::make_unique<WorkOrderServiceImpl>(*work_orders_, *pool_, *authenticator_);
  std::vector<grpc::Service*> services = {agent_service_.get(), console_service_.get(),
                                          identity_admin_service_.get(), workorder_service_.get()};
  ASSIGN_OR_RETURN(report_builder_,
                   report::ReportBuilder::Open(database_path(), *directory_, clock_));
  report_service_ = std::make_unique<ReportServiceImpl>(*report_builder_, *pool_, *authenticator_);
  services.push_back(report_service_.get());
  ASSIGN_OR_RETURN(notification_log_, NotificationLog::Open(database_path()));
  notification_service_ =
      std::make_unique<NotificationServiceImpl>(*notification_log_, *pool_, *authenticator_);
  services.push_back(notification_service_.get());
  ASSIGN_OR_RETURN(audit_service_,
                   AuditServiceImpl::Open(database_path(), *pool_, *authenticator_));
  services.push_back(audit_service_.get());
  tenancy_service_ =
      std::make_unique<TenancyServiceImpl>(*directory_, *pool_, *authenticator_, clock_);
  services.push_back(tenancy_service_.get());
  ASSIGN_OR_RETURN(incident_workflow_, dispatch::IncidentWorkflow::Open(
                                           database_path(), *directory_, *grouper_, clock_));
  incident_service_ =
      std::make_unique<IncidentServiceImpl>(*store_, *incident_workflow_, *pool_, *authenticator_);
  services.push_back(incident_service_.get());
  if (manual_clock_ != nullptr) {
    LOG_WARN("clock: manual (test mode): time stands still until TestClockService moves it");
    test_clock_service_ = std::make_unique<TestClockServiceImpl>(
        *manual_clock_, [this] { return AfterClockMoved(); }, *pool_, *authenticator_);
    services.push_back(test_clock_service_.get());
  }
  if (identities_ != nullptr) {
    enrollment_service_ = std::make_unique<EnrollmentServiceImpl>(*identities_, *ca_, *pool_);
    services.push_back(enrollment_service_.get());
  }
  GrpcServerOptions options{.listen = config_.listen,
                            .max_message_bytes = static_cast<int>(config_.max_message_bytes)};
  ASSIGN_OR_RETURN(server_, GrpcServer::Start(options, *credentials_, services));
  LOG_INFO("listening on %s (port %d, %s)", config_.listen, server_->port(),
           identities_ != nullptr ? "TLS; agents need an enrolled certificate" : "INSECURE");
  return absl::OkStatus();
}

absl::Status CollectorApp::AfterClockMoved() {
  RETURN_IF_ERROR(dispatch_->RunDue().status());
  if (dispatcher_ != nullptr) dispatcher_->Wake();
  return absl::OkStatus();
}

void CollectorApp::StopServer() { server_->Shutdown(absl::Seconds(2)); }

absl::Status CollectorApp::WritePortFile() {
  if (config_.port_file.empty()) return absl::OkStatus();
  std::string tmp = config_.port_file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << server_->port() << "\n";
    if (!out) return absl::PermissionDeniedError(absl::StrCat("cannot write ", tmp));
  }
  // Rename: a reader never sees a half-written port.
  std::error_code ec;
  std::filesystem::rename(tmp, config_.port_file, ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot write port file ", config_.port_file, ": ", ec.message()));
  }
  return absl::OkStatus();
}

void CollectorApp::RemovePortFile() {
  if (config_.port_file.empty()) return;
  std::error_code ec;
  std::filesystem::remove(config_.port_file, ec);
}

}  // namespace otasuke::collector

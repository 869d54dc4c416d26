#pragma once
// NotificationService for otasukectl: lists notifications with their state, attempts and last
// error, so a channel that keeps failing is visible to the helper team. Each call authenticates
// its console token and runs on the worker pool (SQLite reads), authorised there: the helper
// team's roles read notifications; an SME viewer does not (targets are the team's channels).

#include <grpcpp/grpcpp.h>

#include "collector/auth/authenticator.h"
#include "collector/notify/notification_log.h"
#include "collector/server/worker_pool.h"
#include "otasuke/v1/notification_service.grpc.pb.h"

namespace otasuke::collector {

class NotificationServiceImpl final : public v1::NotificationService::CallbackService {
 public:
  NotificationServiceImpl(NotificationLog& log, WorkerPool& pool,
                          const Authenticator& authenticator)
      : log_(log), pool_(pool), authenticator_(authenticator) {}

  grpc::ServerUnaryReactor* ListNotifications(grpc::CallbackServerContext* context,
                                              const v1::ListNotificationsRequest* request,
                                              v1::ListNotificationsResponse* response) override;

 private:
  NotificationLog& log_;
  WorkerPool& pool_;
  const Authenticator& authenticator_;
};

}  // namespace otasuke::collector

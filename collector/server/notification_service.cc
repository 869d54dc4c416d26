#include "collector/server/notification_service.h"

#include "collector/auth/permissions.h"
#include "collector/server/authorized_call.h"
#include "common/status_macros.h"

namespace otasuke::collector {

grpc::ServerUnaryReactor* NotificationServiceImpl::ListNotifications(
    grpc::CallbackServerContext* context, const v1::ListNotificationsRequest* request,
    v1::ListNotificationsResponse* response) {
  return AuthorizedCall(
      context, pool_, authenticator_,
      [this, request, response](const Principal& caller) -> absl::Status {
        RETURN_IF_ERROR(Authorize(caller, Permission::kReadNotifications, request->tenant_id()));
        ASSIGN_OR_RETURN(std::vector<v1::NotificationInfo> list, log_.List(*request));
        for (v1::NotificationInfo& info : list) *response->add_notifications() = std::move(info);
        return absl::OkStatus();
      });
}

}  // namespace otasuke::collector

#pragma once
// TenancyService for otasukectl: tenants, regions, responders, rota entries, who is on call, and
// bulk import (YAML/CSV parsed here by the tenancy importer, applied all or nothing). Each call
// authenticates its console token and runs on the worker pool (SQLite I/O), authorised there:
// admins manage tenants, regions and imports; leads manage responders and rotas (and import
// files holding only those); responders read; an SME viewer reads its own tenant only. Writes are
// audited by the directory under the caller's token.

#include <grpcpp/grpcpp.h>

#include "collector/auth/authenticator.h"
#include "collector/server/worker_pool.h"
#include "collector/tenancy/tenant_directory.h"
#include "common/clock.h"
#include "otasuke/v1/tenancy_service.grpc.pb.h"

namespace otasuke::collector {

class TenancyServiceImpl final : public v1::TenancyService::CallbackService {
 public:
  TenancyServiceImpl(tenancy::TenantDirectory& directory, WorkerPool& pool,
                     const Authenticator& authenticator, const Clock& clock)
      : directory_(directory), pool_(pool), authenticator_(authenticator), clock_(clock) {}

  grpc::ServerUnaryReactor* CreateTenant(grpc::CallbackServerContext* context,
                                         const v1::TenantChange* request,
                                         v1::Tenant* response) override;
  grpc::ServerUnaryReactor* UpdateTenant(grpc::CallbackServerContext* context,
                                         const v1::TenantChange* request,
                                         v1::Tenant* response) override;
  grpc::ServerUnaryReactor* GetTenant(grpc::CallbackServerContext* context,
                                      const v1::GetTenantRequest* request,
                                      v1::Tenant* response) override;
  grpc::ServerUnaryReactor* ListTenants(grpc::CallbackServerContext* context,
                                        const v1::ListTenantsRequest* request,
                                        v1::ListTenantsResponse* response) override;
  grpc::ServerUnaryReactor* SetRegion(grpc::CallbackServerContext* context,
                                      const v1::Region* request, v1::Region* response) override;
  grpc::ServerUnaryReactor* ListRegions(grpc::CallbackServerContext* context,
                                        const v1::ListRegionsRequest* request,
                                        v1::ListRegionsResponse* response) override;
  grpc::ServerUnaryReactor* CreateResponder(grpc::CallbackServerContext* context,
                                            const v1::ResponderChange* request,
                                            v1::Responder* response) override;
  grpc::ServerUnaryReactor* UpdateResponder(grpc::CallbackServerContext* context,
                                            const v1::ResponderChange* request,
                                            v1::Responder* response) override;
  grpc::ServerUnaryReactor* GetResponder(grpc::CallbackServerContext* context,
                                         const v1::GetResponderRequest* request,
                                         v1::Responder* response) override;
  grpc::ServerUnaryReactor* ListResponders(grpc::CallbackServerContext* context,
                                           const v1::ListRespondersRequest* request,
                                           v1::ListRespondersResponse* response) override;
  grpc::ServerUnaryReactor* AddRotaEntry(grpc::CallbackServerContext* context,
                                         const v1::AddRotaEntryRequest* request,
                                         v1::RotaEntry* response) override;
  grpc::ServerUnaryReactor* RemoveRotaEntry(grpc::CallbackServerContext* context,
                                            const v1::RemoveRotaEntryRequest* request,
                                            v1::RemoveRotaEntryResponse* response) override;
  grpc::ServerUnaryReactor* ListRota(grpc::CallbackServerContext* context,
                                     const v1::ListRotaRequest* request,
                                     v1::ListRotaResponse* response) override;
  grpc::ServerUnaryReactor* OnCall(grpc::CallbackServerContext* context,
                                   const v1::OnCallRequest* request,
                                   v1::OnCallResponse* response) override;
  grpc::ServerUnaryReactor* Import(grpc::CallbackServerContext* context,
                                   const v1::ImportRequest* request,
                                   v1::ImportResponse* response) override;

 private:
  // Create (the tenant must not exist) or update (it must): the change's fields over the
  // defaults or the stored record.
  absl::Status ChangeTenant(const Principal& caller, const v1::TenantChange& change, bool create,
                            v1::Tenant* response);
  absl::Status ChangeResponder(const Principal& caller, const v1::ResponderChange& change,
                               bool create, v1::Responder* response);

  tenancy::TenantDirectory& directory_;
  WorkerPool& pool_;
  const Authenticator& authenticator_;
  const Clock& clock_;
};

}  // namespace otasuke::collector

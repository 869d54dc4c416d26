#include "collector/server/tenancy_service.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "collector/auth/permissions.h"
#include "collector/server/authorized_call.h"
#include "collector/server/tenancy_messages.h"
#include "collector/tenancy/import.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/time_util.h"

namespace otasuke::collector {
namespace {

using google::protobuf::util::FieldMaskUtil;

// `change` over `base` at the paths of `fields` (a path naming a message field merges it; a
// repeated field is replaced). InvalidArgument names a path the message does not have.
template <typename Message>
absl::StatusOr<Message> Apply(const Message& base, const Message& change,
                              const google::protobuf::FieldMask& fields) {
  for (const std::string& path : fields.paths()) {
    google::protobuf::FieldMask one;
    one.add_paths(path);
    if (!FieldMaskUtil::IsValidFieldMask<Message>(one)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown field '", path, "'"));
    }
  }
  Message merged = base;
  FieldMaskUtil::MergeOptions options;
  options.set_replace_repeated_fields(true);
  FieldMaskUtil::MergeMessageTo(change, fields, options, &merged);
  return merged;
}

}  // namespace

absl::Status TenancyServiceImpl::ChangeTenant(const Principal& caller,
                                              const v1::TenantChange& change, bool create,
                                              v1::Tenant* response) {
  const std::string& id = change.tenant().id();
  RETURN_IF_ERROR(Authorize(caller, Permission::kManageTenants, id));
  if (id.empty()) return absl::InvalidArgumentError("id: is required");
  absl::StatusOr<tenancy::Tenant> stored = directory_.GetTenant(id);
  if (!stored.ok() && !absl::IsNotFound(stored.status())) return stored.status();
  if (create && stored.ok()) {
    return absl::AlreadyExistsError(
        absl::StrCat("tenant '", id, "' already exists (change it with tenants update)"));
  }
  if (!create && !stored.ok()) return stored.status();
  tenancy::Tenant defaults;
  defaults.id = id;
  ASSIGN_OR_RETURN(v1::Tenant merged, Apply(TenantMessage(create ? defaults : *stored),
                                            change.tenant(), change.fields()));
  ASSIGN_OR_RETURN(tenancy::Tenant tenant, TenantFromMessage(merged));
  RETURN_IF_ERROR(directory_.UpsertTenant(tenant, caller.Actor()));
  ASSIGN_OR_RETURN(tenancy::Tenant saved, directory_.GetTenant(id));
  *response = TenantMessage(saved);
  return absl::OkStatus();
}

absl::Status TenancyServiceImpl::ChangeResponder(const Principal& caller,
                                                 const v1::ResponderChange& change, bool create,
                                                 v1::Responder* response) {
  RETURN_IF_ERROR(Authorize(caller, Permission::kManageResponders, ""));
  const std::string& handle = change.responder().handle();
  if (handle.empty()) return absl::InvalidArgumentError("handle: is required");
  absl::StatusOr<tenancy::Responder> stored = directory_.GetResponder(handle);
  if (!stored.ok() && !absl::IsNotFound(stored.status())) return stored.status();
  if (create && stored.ok()) {
    return absl::AlreadyExistsError(
        absl::StrCat("responder '", handle, "' already exists (change it with responders update)"));
  }
  if (!create && !stored.ok()) return stored.status();
  tenancy::Responder defaults;
  defaults.handle = handle;
  ASSIGN_OR_RETURN(v1::Responder merged, Apply(ResponderMessage(create ? defaults : *stored),
                                               change.responder(), change.fields()));
  ASSIGN_OR_RETURN(tenancy::Responder responder, ResponderFromMessage(merged));
  if (!responder.viewer_tenant_id.empty()) {
    RETURN_IF_ERROR(directory_.GetTenant(responder.viewer_tenant_id).status());
  }
  RETURN_IF_ERROR(directory_.UpsertResponder(responder, caller.Actor()));
  ASSIGN_OR_RETURN(tenancy::Responder saved, directory_.GetResponder(handle));
  *response = ResponderMessage(saved);
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* TenancyServiceImpl::CreateTenant(grpc::CallbackServerContext* context,
                                                           const v1::TenantChange* request,
                                                           v1::Tenant* response) {
  return AuthorizedCall(context, pool_, authenticator_, [=, this](const Principal& caller) {
    return ChangeTenant(caller, *request, /*create=*/true, response);
  });
}

grpc::ServerUnaryReactor* TenancyServiceImpl::UpdateTenant(grpc::CallbackServerContext* context,
                                                           const v1::TenantChange* request,
                                                           v1::Tenant* response) {
  return AuthorizedCall(context, pool_, authenticator_, [=, this](const Principal& caller) {
    return ChangeTenant(caller, *request, /*create=*/false, response);
  });
}

grpc::ServerUnaryReactor* TenancyServiceImpl::GetTenant(grpc::CallbackServerContext* context,
                                                        const v1::GetTenantRequest* request,
                                                        v1::Tenant* response) {
  return AuthorizedCall(
      context, pool_, authenticator_, [=, this](const Principal& caller) -> absl::Status {
        RETURN_IF_ERROR(Authorize(caller, Permission::kReadTenants, request->id()));
        ASSIGN_OR_RETURN(tenancy::Tenant tenant, directory_.GetTenant(request->id()));
        *response = TenantMessage(tenant);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TenancyServiceImpl::ListTenants(grpc::CallbackServerContext* context,
                                                          const v1::ListTenantsRequest*,
                                                          v1::ListTenantsResponse* response) {
  return AuthorizedCall(
      context, pool_, authenticator_, [=, this](const Principal& caller) -> absl::Status {
        // A viewer's "every tenant" is its own.
        ASSIGN_OR_RETURN(std::string only, AuthorizeScoped(caller, Permission::kReadTenants, ""));
        ASSIGN_OR_RETURN(std::vector<tenancy::Tenant> tenants, directory_.ListTenants());
        for (const tenancy::Tenant& tenant : tenants) {
          if (only.empty() || tenant.id == only) *response->add_tenants() = TenantMessage(tenant);
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TenancyServiceImpl::SetRegion(grpc::CallbackServerContext* context,
                                                        const v1::Region* request,
                                                        v1::Region* response) {
  return AuthorizedCall(context, pool_, authenticator_,
                        [=, this](const Principal& caller) -> absl::Status {
                          RETURN_IF_ERROR(Authorize(caller, Permission::kManageTenants, ""));
                          tenancy::Region region = RegionFromMessage(*request);
                          RETURN_IF_ERROR(directory_.UpsertRegion(region, caller.Actor()));
                          *response = RegionMessage(region);
                          return absl::OkStatus();
                        });
}

grpc::ServerUnaryReactor* TenancyServiceImpl::ListRegions(grpc::CallbackServerContext* context,
                                                          const v1::ListRegionsRequest*,
                                                          v1::ListRegionsResponse* response) {
  return AuthorizedCall(
      context, pool_, authenticator_, [=, this](const Principal& caller) -> absl::Status {
        RETURN_IF_ERROR(Authorize(caller, Permission::kReadResponders, ""));
        ASSIGN_OR_RETURN(std::vector<tenancy::Region> regions, directory_.ListRegions());
        for (const tenancy::Region& region : regions) {
          *response->add_regions() = RegionMessage(region);
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TenancyServiceImpl::CreateResponder(grpc::CallbackServerContext* context,
                                                              const v1::ResponderChange* request,
                                                              v1::Responder* response) {
  return AuthorizedCall(context, pool_, authenticator_, [=, this](const Principal& caller) {
    return ChangeResponder(caller, *request, /*create=*/true, response);
  });
}

grpc::ServerUnaryReactor* TenancyServiceImpl::UpdateResponder(grpc::CallbackServerContext* context,
                                                              const v1::ResponderChange* request,
                                                              v1::Responder* response) {
  return AuthorizedCall(context, pool_, authenticator_, [=, this](const Principal& caller) {
    return ChangeResponder(caller, *request, /*create=*/false, response);
  });
}

grpc::ServerUnaryReactor* TenancyServiceImpl::GetResponder(grpc::CallbackServerContext* context,
                                                           const v1::GetResponderRequest* request,
                                                           v1::Responder* response) {
  return AuthorizedCall(
      context, pool_, authenticator_, [=, this](const Principal& caller) -> absl::Status {
        RETURN_IF_ERROR(Authorize(caller, Permission::kReadResponders, ""));
        ASSIGN_OR_RETURN(tenancy::Responder responder, directory_.GetResponder(request->handle()));
        *response = ResponderMessage(responder);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TenancyServiceImpl::ListResponders(grpc::CallbackServerContext* context,
                                                             const v1::ListRespondersRequest*,
                                                             v1::ListRespondersResponse* response) {
  return AuthorizedCall(
      context, pool_, authenticator_, [=, this](const Principal& caller) -> absl::Status {
        RETURN_IF_ERROR(Authorize(caller, Permission::kReadResponders, ""));
        ASSIGN_OR_RETURN(std::vector<tenancy::Responder> responders, directory_.ListResponders());
        for (const tenancy::Responder& responder : responders) {
          *response->add_responders() = ResponderMessage(responder);
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TenancyServiceImpl::AddRotaEntry(grpc::CallbackServerContext* context,
                                                           const v1::AddRotaEntryRequest* request,
                                                           v1::RotaEntry* response) {
  return AuthorizedCall(
      context, pool_, authenticator_, [=, this](const Principal& caller) -> absl::Status {
        RETURN_IF_ERROR(Authorize(caller, Permission::kManageResponders, ""));
        ASSIGN_OR_RETURN(tenancy::RotaEntry entry, RotaEntryFromMessage(request->entry()));
        ASSIGN_OR_RETURN(entry.id, directory_.AddRotaEntry(entry, caller.Actor()));
        *response = RotaEntryMessage(entry);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TenancyServiceImpl::RemoveRotaEntry(
    grpc::CallbackServerContext* context, const v1::RemoveRotaEntryRequest* request,
    v1::RemoveRotaEntryResponse* response) {
  return AuthorizedCall(
      context, pool_, authenticator_, [=, this](const Principal& caller) -> absl::Status {
        RETURN_IF_ERROR(Authorize(caller, Permission::kManageResponders, ""));
        RETURN_IF_ERROR(directory_.RemoveRotaEntry(request->id(), caller.Actor()));
        response->set_id(request->id());
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TenancyServiceImpl::ListRota(grpc::CallbackServerContext* context,
                                                       const v1::ListRotaRequest* request,
                                                       v1::ListRotaResponse* response) {
  return AuthorizedCall(context, pool_, authenticator_,
                        [=, this](const Principal& caller) -> absl::Status {
                          RETURN_IF_ERROR(Authorize(caller, Permission::kReadResponders, ""));
                          ASSIGN_OR_RETURN(std::vector<tenancy::RotaEntry> entries,
                                           directory_.ListRota(request->region()));
                          for (const tenancy::RotaEntry& entry : entries) {
                            *response->add_entries() = RotaEntryMessage(entry);
                          }
                          return absl::OkStatus();
                        });
}

grpc::ServerUnaryReactor* TenancyServiceImpl::OnCall(grpc::CallbackServerContext* context,
                                                     const v1::OnCallRequest* request,
                                                     v1::OnCallResponse* response) {
  return AuthorizedCall(
      context, pool_, authenticator_, [=, this](const Principal& caller) -> absl::Status {
        RETURN_IF_ERROR(Authorize(caller, Permission::kReadResponders, request->tenant_id()));
        using google::protobuf::util::TimeUtil;
        const absl::Time at =
            request->has_at()
                ? absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(request->at()))
                : clock_.Now();
        ASSIGN_OR_RETURN(tenancy::OnCall on_call, directory_.OnCallFor(request->tenant_id(), at));
        response->set_tenant_id(on_call.tenant.id);
        response->set_region(on_call.tenant.region);
        *response->mutable_at() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(at));
        for (const tenancy::Responder& r : on_call.primary) {
          *response->add_primary() = ResponderMessage(r);
        }
        for (const tenancy::Responder& r : on_call.secondary) {
          *response->add_secondary() = ResponderMessage(r);
        }
        for (const tenancy::Responder& r : on_call.leads) {
          *response->add_leads() = ResponderMessage(r);
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TenancyServiceImpl::Import(grpc::CallbackServerContext* context,
                                                     const v1::ImportRequest* request,
                                                     v1::ImportResponse* response) {
  return AuthorizedCall(
      context, pool_, authenticator_, [=, this](const Principal& caller) -> absl::Status {
        // Leads may import responders and rotas; tenants and regions need an admin (below).
        RETURN_IF_ERROR(Authorize(caller, Permission::kManageResponders, ""));
        if (request->files().empty()) return absl::InvalidArgumentError("no files to import");
        tenancy::ImportBundle bundle;
        std::vector<std::string> errors;
        for (const v1::ImportFile& file : request->files()) {
          absl::StatusOr<tenancy::ImportBundle> parsed =
              tenancy::ParseImport(file.name(), file.content());
          if (!parsed.ok()) {
            errors.emplace_back(parsed.status().message());
            continue;
          }
          tenancy::AppendBundle(bundle, *std::move(parsed));
        }
        if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
        if (!bundle.tenants.empty() || !bundle.regions.empty()) {
          RETURN_IF_ERROR(Authorize(caller, Permission::kManageTenants, ""));
        }
        ASSIGN_OR_RETURN(tenancy::ImportCounts counts, directory_.Import(bundle, caller.Actor()));
        response->set_regions(counts.regions);
        response->set_tenants(counts.tenants);
        response->set_responders(counts.responders);
        response->set_rota_entries(counts.rota_entries);
        return absl::OkStatus();
      });
}

}  // namespace otasuke::collector

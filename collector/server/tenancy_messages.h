#pragma once
// The tenancy records (collector/tenancy/model.h) as protocol messages and back. Reading a
// message checks its names (role, tier, weekday, severity, ...) and names the field that is
// wrong; the model's Validate* functions check the rest.

#include "absl/status/statusor.h"
#include "collector/tenancy/tenant_directory.h"
#include "otasuke/v1/tenancy_service.pb.h"

namespace otasuke::collector {

v1::Tenant TenantMessage(const tenancy::Tenant& tenant);
absl::StatusOr<tenancy::Tenant> TenantFromMessage(const v1::Tenant& message);

v1::Responder ResponderMessage(const tenancy::Responder& responder);
absl::StatusOr<tenancy::Responder> ResponderFromMessage(const v1::Responder& message);

v1::RotaEntry RotaEntryMessage(const tenancy::RotaEntry& entry);
absl::StatusOr<tenancy::RotaEntry> RotaEntryFromMessage(const v1::RotaEntry& message);

v1::Region RegionMessage(const tenancy::Region& region);
tenancy::Region RegionFromMessage(const v1::Region& message);

}  // namespace otasuke::collector

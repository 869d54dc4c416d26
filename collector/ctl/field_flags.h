#pragma once
// Flags that each set one field of a record (tenants and responders create/update): the flag and
// the field's path in the message, so the request can say which fields the user gave. Fields not
// given keep their defaults (create) or stored values (update) on the collector.

#include <string_view>
#include <vector>

#include "collector/ctl/invocation.h"
#include "common/cli.h"
#include "google/protobuf/field_mask.pb.h"

namespace otasuke::ctl {

struct FieldFlag {
  cli::FlagSpec flag;
  std::string_view path;  // "owner.phone"
};

std::vector<cli::FlagSpec> FlagsOf(const std::vector<FieldFlag>& fields);

// The paths of the fields whose flags were given.
google::protobuf::FieldMask GivenFields(const Invocation& in, const std::vector<FieldFlag>& fields);

}  // namespace otasuke::ctl

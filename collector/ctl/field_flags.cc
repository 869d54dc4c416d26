#include "collector/ctl/field_flags.h"

#include <string>

namespace otasuke::ctl {

std::vector<cli::FlagSpec> FlagsOf(const std::vector<FieldFlag>& fields) {
  std::vector<cli::FlagSpec> flags;
  for (const FieldFlag& field : fields) flags.push_back(field.flag);
  return flags;
}

google::protobuf::FieldMask GivenFields(const Invocation& in,
                                        const std::vector<FieldFlag>& fields) {
  google::protobuf::FieldMask mask;
  for (const FieldFlag& field : fields) {
    if (in.Given(field.flag.name)) mask.add_paths(std::string(field.path));
  }
  return mask;
}

}  // namespace otasuke::ctl

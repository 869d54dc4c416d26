#include "agent/event/fields.h"

namespace otasuke::agent {

std::optional<FieldId> FindField(std::string_view name) {
  for (const FieldDescriptor& d : kFieldTable) {
    if (d.name == name) return d.id;
  }
  return std::nullopt;
}

}  // namespace otasuke::agent

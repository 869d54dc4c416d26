#include "agent/app/subcommands.h"

#include <cstdio>
#include <string>

#include "agent/event/fields.h"

namespace otasuke::agent {

int RunListFields() {
  for (const FieldDescriptor& d : kFieldTable) {
    std::printf("%-22s %s\n", std::string(d.name).c_str(), std::string(d.description).c_str());
  }
  return 0;
}

}  // namespace otasuke::agent

#pragma once
// Every document of a YAML stream, like YAML::LoadAll, without yaml-cpp 0.7's endless loop.
// On some malformed streams (one that starts with ',', for instance) Debian 12's yaml-cpp
// 0.7.0 reports a new empty document at the same position forever, and LoadAll collects them
// until memory runs out: a rule file of four bytes would take the agent down
// (jbeder/yaml-cpp#1040, fixed upstream by #1319 after 0.8.0). A first pass over the parser's
// events stops at the first document that starts where the previous one started.

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace otasuke::agent::sigma {

// Throws YAML::Exception (with its mark) on a malformed stream, as YAML::LoadAll does.
std::vector<YAML::Node> LoadYamlDocuments(const std::string& text);

}  // namespace otasuke::agent::sigma

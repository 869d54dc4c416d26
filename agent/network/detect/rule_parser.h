#pragma once
// Parses one Suricata rule into a Rule.
//
//   rule    := action SP proto SP addr SP ports SP dir SP addr SP ports SP "(" options ")"
//   action  := "alert" | "pass" | "drop" | "reject" | "rejectsrc" | "rejectdst" | "rejectboth"
//   proto   := "ip" | "tcp" | "udp" | "icmp" | "http" | "dns" | "tls"
//   dir     := "->" | "<>"
//   options := { keyword [ ":" value ] ";" }      ; value ends at the first unescaped ';'
//
// Address and port syntax is in addresses.h; keywords are looked up in a KeywordRegistry.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "agent/network/detect/config_files.h"
#include "agent/network/detect/keyword.h"
#include "agent/network/detect/rule.h"

namespace otasuke::network::detect {

struct RuleParseError {
  uint32_t sid = 0;
  int column = 0;            // 1-based column in the rule text where the problem starts; 0 unknown
  std::string reason;        // full message
  std::string reason_class;  // summary grouping: "unsupported keyword 'bsize'", "parse error", ...
};

struct RuleParseEnv {
  const KeywordRegistry& keywords;
  const RuleVars& vars;
  const ClassificationMap* classifications = nullptr;
  FlowbitNames& flowbits;
};

// On failure fills *error and returns false.
bool ParseRule(std::string_view text, const RuleParseEnv& env, Rule* rule, RuleParseError* error);

}  // namespace otasuke::network::detect

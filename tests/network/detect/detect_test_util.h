#pragma once
// Helpers for detection tests: load rules from text, build Inspections by hand, run them
// through a real DetectEngine and collect the alerting sids.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/network/detect/addresses.h"
#include "agent/network/detect/engine.h"
#include "agent/network/detect/inspection.h"
#include "gtest/gtest.h"

namespace otasuke::network::detect::testing {

inline constexpr char kTestVars[] = R"(vars:
  address-groups:
    HOME_NET: "[192.168.0.0/16,10.0.0.0/8]"
    EXTERNAL_NET: "!$HOME_NET"
  port-groups:
    HTTP_PORTS: "[80,8080]"
)";

inline std::shared_ptr<const CompiledRules> LoadText(const std::string& text,
                                                     PrefilterKind kind = PrefilterKind::kDefault,
                                                     LoadReport* report = nullptr) {
  LoadOptions options;
  options.rule_texts.emplace_back("test.rules", text);
  options.vars_yaml_text = kTestVars;
  options.prefilter = kind;
  auto loaded = LoadRules(options);
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  if (!loaded.ok()) return nullptr;
  for (const auto& error : loaded->report.errors) ADD_FAILURE() << error.ToString();
  if (report != nullptr) *report = loaded->report;
  return loaded->rules;
}

class CollectingCallback : public AlertCallback {
 public:
  void OnAlert(const Alert& alert) override {
    sids.push_back(alert.rule->sid);
    alerts.push_back(alert);
  }
  std::vector<uint32_t> sids;
  std::vector<Alert> alerts;
};

// A TCP packet 10.0.0.1:1234 -> 192.168.1.1:80, established, to_server, carrying payload.
struct PacketBuilder {
  Inspection in;
  std::string payload_storage;
  std::vector<std::string> buffer_storage;

  PacketBuilder() {
    in.ip_version = 4;
    ParseIpAddress("10.0.0.1", &in.src);
    ParseIpAddress("192.168.1.1", &in.dst);
    in.ip_proto = 6;
    in.src_port = 1234;
    in.dst_port = 80;
    in.ttl = 64;
    in.tcp_flags = kTcpAck | kTcpPsh;
    in.has_flow = true;
    in.flow_established = true;
    in.direction = Direction::kToServer;
    buffer_storage.reserve(kBufferCount);
  }
  PacketBuilder& Payload(std::string payload) {
    payload_storage = std::move(payload);
    in.SetBuffer(BufferId::kPktData, std::string_view(payload_storage));
    in.payload_size = static_cast<uint32_t>(payload_storage.size());
    return *this;
  }
  PacketBuilder& Buffer(BufferId id, std::string data) {
    buffer_storage.push_back(std::move(data));
    in.SetBuffer(id, std::string_view(buffer_storage.back()));
    return *this;
  }
};

inline std::vector<uint32_t> InspectSids(DetectEngine& engine, const Inspection& in) {
  CollectingCallback callback;
  engine.Inspect(in, callback);
  return callback.sids;
}

// Loads `rules`, inspects `in` once, returns alerting sids.
inline std::vector<uint32_t> Sids(const std::string& rules, const Inspection& in,
                                  PrefilterKind kind = PrefilterKind::kDefault) {
  auto compiled = LoadText(rules, kind);
  if (compiled == nullptr) return {};
  DetectEngine engine(compiled);
  return InspectSids(engine, in);
}

}  // namespace otasuke::network::detect::testing

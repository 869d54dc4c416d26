#include "tests/network/conformance/sv_runner.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agent/network/detect/config_files.h"
#include "agent/network/detect/engine.h"
#include "agent/network/scan/pcap_scan.h"
#include "common/strings.h"

namespace otasuke::network::conformance {
namespace {

namespace fs = std::filesystem;

// The Suricata release whose behaviour the runner assumes for `requires` gates.
constexpr int kNewestVersion[3] = {8, 0, 1};

// Parses "7", "7.0", "7.0.12" into 3 numbers.
std::vector<int> ParseVersion(const std::string& text) {
  std::vector<int> out;
  for (absl::string_view part : absl::StrSplit(text, '.')) {
    int v = 0;
    if (!absl::SimpleAtoi(part, &v)) v = 0;  // a part such as "0-rc1" compares as 0
    out.push_back(v);
  }
  while (out.size() < 3) out.push_back(0);
  return out;
}

int CompareToNewest(const std::string& text) {
  const std::vector<int> v = ParseVersion(text);
  for (int i = 0; i < 3; ++i) {
    if (kNewestVersion[i] != v[i]) return kNewestVersion[i] < v[i] ? -1 : 1;
  }
  return 0;
}

// YAML scalar to the JSON type suricata-verify's Python YAML loader would give it.
nlohmann::json ScalarToJson(const YAML::Node& node) {
  const std::string text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted
  int64_t i = 0;
  if (absl::SimpleAtoi(text, &i)) return i;
  double d = 0;
  if (text.find('.') != std::string::npos && text.find(':') == std::string::npos &&
      absl::SimpleAtod(text, &d)) {
    return d;
  }
  if (text == "true" || text == "True" || text == "yes") return true;
  if (text == "false" || text == "False" || text == "no") return false;
  if (text == "null" || text == "~") return nullptr;
  return text;
}

nlohmann::json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return ScalarToJson(node);
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const YAML::Node& item : node) out.push_back(YamlToJson(item));
      return out;
    }
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = YamlToJson(kv.second);
      return out;
    }
    default:
      return nullptr;
  }
}

// suricata-verify's find_value: dotted path with optional [n] indexes.
const nlohmann::json* FindValue(const std::string& path, const nlohmann::json& event) {
  const nlohmann::json* cur = &event;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    std::string key(part);
    int index = -1;
    const size_t bracket = key.find('[');
    if (bracket != std::string::npos && key.back() == ']') {
      if (!absl::SimpleAtoi(key.substr(bracket + 1, key.size() - bracket - 2), &index)) index = -1;
      key.resize(bracket);
    }
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    if (index >= 0) {
      if (!cur->is_array() || index >= static_cast<int>(cur->size())) return nullptr;
      cur = &(*cur)[index];
    }
  }
  return cur;
}

bool SameValue(const nlohmann::json& actual, const nlohmann::json& expected) {
  if (actual == expected) return true;
  if (actual.is_number() && expected.is_number()) {
    return actual.get<double>() == expected.get<double>();
  }
  return false;
}

std::string AsText(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

bool ApplySuffix(const std::string& key, const nlohmann::json& expected,
                 const nlohmann::json& event) {
  static constexpr std::string_view kSuffixes[] = {
      "__gt", "__lt", "__contains", "__startswith", "__endswith", "__len", "__find"};
  for (std::string_view suffix : kSuffixes) {
    if (!absl::EndsWith(key, Sv(suffix))) continue;
    const std::string path = key.substr(0, key.size() - suffix.size());
    const nlohmann::json* value = FindValue(path, event);
    if (value == nullptr) return false;
    if (suffix == "__gt" || suffix == "__lt") {
      if (!value->is_number() || !expected.is_number()) return false;
      const double a = value->get<double>();
      const double b = expected.get<double>();
      return suffix == "__gt" ? a > b : a < b;
    }
    if (suffix == "__len") {
      if (!value->is_array() && !value->is_object() && !value->is_string()) return false;
      const size_t n = value->is_string() ? value->get<std::string>().size() : value->size();
      return expected.is_number() && static_cast<double>(n) == expected.get<double>();
    }
    if (suffix == "__contains") {
      if (value->is_array()) {
        for (const nlohmann::json& item : *value) {
          if (SameValue(item, expected)) return true;
        }
        return false;
      }
      return absl::StrContains(AsText(*value), AsText(expected));
    }
    if (suffix == "__find") return AsText(*value).find(AsText(expected)) != std::string::npos;
    if (suffix == "__startswith") return absl::StartsWith(AsText(*value), AsText(expected));
    return absl::EndsWith(AsText(*value), AsText(expected));
  }
  const nlohmann::json* value = FindValue(key, event);
  return value != nullptr && SameValue(*value, expected);
}

bool ConcernsAlerts(const nlohmann::json& match) {
  if (!match.is_object()) return false;
  auto type = match.find("event_type");
  if (type != match.end()) return *type == "alert";
  for (const auto& [key, value] : match.items()) {
    if (absl::StartsWith(key, "alert.")) return true;
  }
  return false;
}

// The engine options a test needs; a reason when we do not have one of them.
struct EngineOptions {
  bool vxlan = false;
  bool midstream = false;
  bool ips = false;
  bool stream_inline = false;
  bool async_oneside = false;
  TlsEncryptionHandling tls_encryption = TlsEncryptionHandling::kDefault;
};

std::string CheckArgs(const YAML::Node& args, EngineOptions* options) {
  if (!args) return "";
  std::vector<std::string> words;
  for (const YAML::Node& item : args) {
    for (absl::string_view w : absl::StrSplit(item.as<std::string>(), ' ', absl::SkipEmpty())) {
      words.emplace_back(w);
    }
  }
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w == "-k" && i + 1 < words.size()) {
      ++i;  // checksum validation: the engine never drops on checksums
      continue;
    }
    if (w == "--set" && i + 1 < words.size()) {
      const std::string& setting = words[++i];
      if (setting == "stream.midstream=true") {
        options->midstream = true;
        continue;
      }
      if (setting == "stream.midstream=false") continue;
      if (setting == "decoder.vxlan.enabled=true") {
        options->vxlan = true;
        continue;
      }
      if (setting == "stream.inline=true") {
        options->stream_inline = true;
        continue;
      }
      // One-sided streams are reassembled and flushed at flow end either way; decoder
      // event counters do not change alerts.
      if (setting == "stream.async-oneside=true") {
        options->async_oneside = true;
        continue;
      }
      constexpr std::string_view kTlsEncryption = "app-layer.protocols.tls.encryption-handling=";
      if (setting.starts_with(kTlsEncryption)) {
        auto mode = ParseTlsEncryptionHandling(setting.substr(kTlsEncryption.size()));
        if (!mode.ok()) return absl::StrCat("engine option --set ", setting);
        options->tls_encryption = *mode;
        continue;
      }
      if (setting == "stream.async-oneside=false" ||
          absl::StartsWith(setting, "stats.decoder-events=")) {
        continue;  // defaults / counters only
      }
      return absl::StrCat("engine option --set ", setting);
    }
    if (w == "--simulate-ips") {
      options->ips = true;
      continue;
    }
    return absl::StrCat("engine option ", w);
  }
  return "";
}

// suricata.yaml sections the runner can honour: vars and output / logging settings.
std::string CheckSuricataYaml(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return absl::StrCat("unreadable suricata.yaml: ", e.what());
  }
  if (!root.IsMap()) return "";
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    if (key == "vars" || key == "outputs" || key == "logging" || key == "classification-file") {
      continue;
    }
    if (key == "action-order") continue;  // read by detect::LoadActionOrderFile
    return absl::StrCat("suricata.yaml setting '", key, "'");
  }
  return "";
}

class Collector : public AlertEventHandler {
 public:
  void OnAlertEvent(const AlertEvent& event) override { lines.push_back(ToEveJson(event)); }
  std::vector<std::string> lines;
};

}  // namespace

absl::StatusOr<std::vector<IndexEntry>> ReadIndex(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header = absl::StrSplit(line, '\t');
  auto column = [&](std::string_view name) -> int {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return static_cast<int>(i);
    }
    return -1;
  };
  const int test = column("test");
  const int pcap = column("pcap_file");
  const int rules = column("rules_file");
  const int yaml = column("has_suricata_yaml");
  const int args = column("args");
  if (test < 0 || pcap < 0 || rules < 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": missing columns"));
  }
  std::vector<IndexEntry> out;
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    std::vector<std::string> cols = absl::StrSplit(line, '\t');
    if (cols.size() < header.size()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line_no, ": too few columns"));
    }
    IndexEntry e;
    e.test = cols[test];
    // The files sit in the test's directory under the names the index gives.
    e.pcap = e.test + "/" + cols[pcap];
    e.rules = e.test + "/" + cols[rules];
    e.has_suricata_yaml = yaml >= 0 && cols[yaml] == "yes";
    e.args = args >= 0 ? cols[args] : "";
    out.push_back(std::move(e));
  }
  return out;
}

bool EventMatches(const nlohmann::json& event, const nlohmann::json& match) {
  for (const auto& [key, expected] : match.items()) {
    if (key == "has-key") {
      if (FindValue(AsText(expected), event) == nullptr) return false;
    } else if (key == "not-has-key") {
      if (FindValue(AsText(expected), event) != nullptr) return false;
    } else if (!ApplySuffix(key, expected, event)) {
      return false;
    }
  }
  return true;
}

TestResult RunTest(const std::string& root, const IndexEntry& entry) {
  TestResult result;
  result.test = entry.test;
  const fs::path dir = fs::path(root) / entry.test;
  YAML::Node spec;
  try {
    spec = YAML::LoadFile((dir / "test.yaml").string());
  } catch (const YAML::Exception& e) {
    result.outcome = Outcome::kFail;
    result.reason = absl::StrCat("test.yaml: ", e.what());
    return result;
  }
  if (const YAML::Node gates = spec["requires"]; gates && gates.IsMap()) {
    for (const auto& kv : gates) {
      const std::string key = kv.first.as<std::string>();
      const std::string value = kv.second.IsScalar() ? kv.second.as<std::string>() : "";
      if (key == "min-version" && CompareToNewest(value) < 0) {
        result.reason = absl::StrCat("requires Suricata >= ", value);
        return result;
      }
      if (key == "lt-version" && CompareToNewest(value) >= 0) {
        result.reason = absl::StrCat("requires Suricata < ", value);
        return result;
      }
      if (key == "gt-version" && CompareToNewest(value) <= 0) {
        result.reason = absl::StrCat("requires Suricata > ", value);
        return result;
      }
      if (key == "version" && !absl::StartsWith("8.0.1", value)) {
        result.reason = absl::StrCat("requires Suricata version ", value);
        return result;
      }
    }
  }
  // Only the checks on alert events apply.
  std::vector<std::pair<int64_t, nlohmann::json>> checks;
  for (const YAML::Node& check : spec["checks"]) {
    const YAML::Node filter = check["filter"];
    if (!filter) continue;
    nlohmann::json match = YamlToJson(filter["match"]);
    if (!ConcernsAlerts(match)) continue;
    const int64_t count = filter["count"] ? filter["count"].as<int64_t>() : -1;
    checks.emplace_back(count, std::move(match));
  }
  if (checks.empty()) {
    result.reason = "no alert checks";
    return result;
  }
  EngineOptions options;
  if (std::string why = CheckArgs(spec["args"], &options); !why.empty()) {
    result.reason = why;
    return result;
  }
  std::string vars = (fs::path(root) / "_etc" / "default-vars.yaml").string();
  std::optional<detect::ActionOrder> action_order;
  if (entry.has_suricata_yaml) {
    const std::string yaml = (dir / "suricata.yaml").string();
    if (std::string why = CheckSuricataYaml(yaml); !why.empty()) {
      result.reason = why;
      return result;
    }
    auto order = detect::LoadActionOrderFile(yaml);
    if (!order.ok()) {
      result.outcome = Outcome::kFail;
      result.reason = std::string(order.status().message());
      return result;
    }
    action_order = *order;
    // Its vars replace the defaults only when it has a vars section.
    try {
      if (YAML::LoadFile(yaml)["vars"]) vars = yaml;
    } catch (const YAML::Exception&) {
    }
  }

  detect::LoadOptions load;
  load.rule_paths = {(fs::path(root) / entry.rules).string()};
  load.vars_path = vars;
  load.classification_path = (fs::path(root) / "_etc" / "classification.config").string();
  load.ips_mode = options.ips;
  load.action_order = action_order;
  auto loaded = detect::LoadRules(load);
  result.outcome = Outcome::kFail;
  if (!loaded.ok()) {
    result.reason = absl::StrCat("rules: ", loaded.status().message());
    return result;
  }
  Collector collector;
  ScannerConfig config;
  config.flows.midstream = options.midstream;
  if (options.vxlan) config.decoder.vxlan_port = 4789;
  config.stream_inline = options.stream_inline || options.ips;
  config.eve_packet = true;
  config.eve_ethernet = true;
  config.eve_verdict = true;
  config.flows.async_oneside = options.async_oneside;
  config.flows.tls_encryption = options.tls_encryption;
  NetworkScanner scanner(config, loaded->rules, &collector);
  uint64_t pcap_cnt = 0;
  absl::Status status = ScanPcapFile((fs::path(root) / entry.pcap).string(), scanner, &pcap_cnt);
  scanner.Finish();
  result.eve = collector.lines;
  result.alerts = collector.lines.size();
  // A capture that turns corrupt part-way still yields the alerts of the packets before the
  // damage, as Suricata reports them; only an unopenable file fails the test outright.
  if (!status.ok() && status.code() != absl::StatusCode::kDataLoss) {
    result.reason = std::string(status.message());
    return result;
  }
  std::vector<nlohmann::json> events;
  for (const std::string& line : collector.lines) events.push_back(nlohmann::json::parse(line));
  for (size_t i = 0; i < checks.size(); ++i) {
    const auto& [count, match] = checks[i];
    int64_t matched = 0;
    for (const nlohmann::json& event : events) {
      if (EventMatches(event, match)) ++matched;
    }
    const bool ok = count < 0 ? matched > 0 : matched == count;
    if (!ok) {
      result.reason =
          absl::StrCat("check ", i + 1, " ", match.dump(), ": expected ",
                       count < 0 ? std::string("some") : absl::StrCat(count),
                       " matching alert(s), got ", matched, " (", events.size(), " alerts in all)");
      if (!loaded->report.errors.empty()) {
        absl::StrAppend(&result.reason, "; rule load: ", loaded->report.errors[0].ToString());
      }
      return result;
    }
  }
  result.outcome = Outcome::kPass;
  return result;
}

}  // namespace otasuke::network::conformance

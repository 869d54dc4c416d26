// Sigma YAML -> compiled rules. Every document is loaded on its own: a bad rule is reported
// with its position and reason and the rest still load (Falco-style load results).

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/sigma/candidate_memo.h"
#include "agent/sigma/compiled_rules.h"
#include "agent/sigma/engine.h"
#include "agent/sigma/modifiers.h"
#include "agent/sigma/value_memo.h"
#include "agent/sigma/yaml_documents.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::agent::sigma {

FieldRef FieldRef::Resolve(std::string_view name) {
  return FieldRef{.name = std::string(name), .id = FindField(name)};
}

bool CountCondition::Holds(uint64_t count) const {
  switch (op) {
    case CompareOp::kGt:
      return count > value;
    case CompareOp::kGte:
      return count >= value;
    case CompareOp::kLt:
      return count < value;
    case CompareOp::kLte:
      return count <= value;
    case CompareOp::kEq:
      return count == value;
    case CompareOp::kNeq:
      return count != value;
  }
  return false;
}

bool LogSourceAdmits(const LogSource& rule, const LogSource& event) {
  if (!rule.product.empty() && rule.product != event.product) return false;
  if (!rule.service.empty() && rule.service != event.service) return false;
  if (!rule.category.empty() && rule.category != event.category) {
    const bool registry_umbrella =
        rule.category == "registry_event" && absl::StartsWith(Sv(event.category), "registry_");
    if (!registry_umbrella) return false;
  }
  return true;
}

// Builds the immutable rule set; the only writer of CompiledSigmaRules.
class RuleSetBuilder {
 public:
  explicit RuleSetBuilder(const CompileOptions& options) : options_(options) {
    set_ = std::make_shared<CompiledSigmaRules>();
    set_->version_ = options.ruleset_version;
    static std::atomic<uint64_t> next_serial{1};
    set_->serial_ = next_serial.fetch_add(1, std::memory_order_relaxed);
  }

  void AddFile(const RuleFile& file);
  absl::StatusOr<CompileResult> Finish();

 private:
  // A rejected document: "<code>: <message>" statuses from lower layers keep their code.
  void Reject(const std::string& file, int line, const std::string& id, std::string_view code,
              std::string_view message) {
    report_.AddError({.file = file,
                      .line = line,
                      .rule_id = id.empty() ? "-" : id,
                      .code = std::string(code),
                      .message = std::string(message)});
  }
  void RejectStatus(const std::string& file, int line, const std::string& id,
                    const absl::Status& status) {
    const std::string_view text = StdSv(status.message());
    const size_t colon = text.find(": ");
    if (colon != std::string_view::npos && colon < 32 &&
        text.substr(0, colon).find(' ') == std::string_view::npos) {
      Reject(file, line, id, text.substr(0, colon), text.substr(colon + 2));
    } else {
      Reject(file, line, id, "invalid", text);
    }
  }

  absl::Status ParseMeta(const YAML::Node& doc, const std::string& file, RuleMeta* meta);
  void AddDetectionRule(const YAML::Node& doc, const std::string& file, RuleMeta meta);
  void AddCorrelation(const YAML::Node& doc, const std::string& file, RuleMeta meta);
  absl::Status ResolveCorrelations();
  void BuildIndex();

  struct PendingCorrelation {
    CorrelationRule rule;
    std::vector<std::pair<std::string, int>> references;  // name or id, line
    // alias -> (rule name/id -> field)
    std::vector<std::pair<std::string, std::map<std::string, std::string>>> aliases;
    bool generate = false;
  };

  CompileOptions options_;
  std::shared_ptr<CompiledSigmaRules> set_;
  LoadReport report_;
  std::set<std::string> ids_;
  std::vector<PendingCorrelation> pending_;
};

namespace {

int LineOf(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

std::string ScalarOr(const YAML::Node& n, std::string_view fallback = "") {
  return n && n.IsScalar() ? n.Scalar() : std::string(fallback);
}

v1::Severity SeverityOf(std::string_view level) {
  if (level == "informational") return v1::SEVERITY_INFORMATIONAL;
  if (level == "low") return v1::SEVERITY_LOW;
  if (level == "medium") return v1::SEVERITY_MEDIUM;
  if (level == "high") return v1::SEVERITY_HIGH;
  if (level == "critical") return v1::SEVERITY_CRITICAL;
  return v1::SEVERITY_UNSPECIFIED;
}

// attack.t1059.004 -> T1059.004; other tags give nothing.
std::string MitreOfTag(std::string_view tag) {
  if (!absl::StartsWithIgnoreCase(Sv(tag), "attack.t")) return "";
  std::string_view t = tag.substr(7);
  if (t.size() < 5) return "";
  for (size_t i = 1; i < t.size(); ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(t[i])) && t[i] != '.') return "";
  }
  return absl::AsciiStrToUpper(Sv(t));
}

void ParseLocalized(const YAML::Node& n, v1::LocalizedText* out) {
  if (!n) return;
  if (n.IsScalar()) {
    out->set_en(n.Scalar());
    return;
  }
  if (n.IsMap()) {
    out->set_ja(ScalarOr(n["ja"]));
    out->set_en(ScalarOr(n["en"]));
  }
}

absl::StatusOr<absl::Duration> ParseTimespan(std::string_view text) {
  if (text.size() < 2) return absl::InvalidArgumentError("bad timespan");
  int64_t n = 0;
  if (!absl::SimpleAtoi(Sv(text.substr(0, text.size() - 1)), &n) || n <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("bad timespan '", Sv(text), "'"));
  }
  switch (text.back()) {
    case 's':
      return absl::Seconds(n);
    case 'm':
      return absl::Minutes(n);
    case 'h':
      return absl::Hours(n);
    case 'd':
      return absl::Hours(24 * n);
    case 'M':
      return absl::Hours(24 * 30 * n);
    case 'y':
      return absl::Hours(24 * 365 * n);
  }
  return absl::InvalidArgumentError(absl::StrCat("bad timespan unit in '", Sv(text), "'"));
}

absl::Status ScalarValues(const YAML::Node& value, std::vector<std::optional<std::string>>* out) {
  auto one = [&](const YAML::Node& v) -> absl::Status {
    if (v.IsNull()) {
      out->push_back(std::nullopt);
    } else if (v.IsScalar()) {
      out->push_back(v.Scalar());
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("bad-value: line ", LineOf(v), ": expected a scalar value"));
    }
    return absl::OkStatus();
  };
  if (value.IsSequence()) {
    if (value.size() == 0) return absl::InvalidArgumentError("bad-value: empty value list");
    for (const YAML::Node& v : value) RETURN_IF_ERROR(one(v));
    return absl::OkStatus();
  }
  return one(value);
}

absl::StatusOr<std::vector<FieldItem>> CompileMap(const YAML::Node& map, int* error_line) {
  std::vector<FieldItem> items;
  if (map.size() == 0) return absl::InvalidArgumentError("bad-detection: empty selection map");
  for (const auto& kv : map) {
    std::vector<std::optional<std::string>> values;
    *error_line = LineOf(kv.first);
    RETURN_IF_ERROR(ScalarValues(kv.second, &values));
    auto item = CompileFieldItem(kv.first.Scalar(), values);
    if (!item.ok()) return item.status();
    items.push_back(std::move(*item));
  }
  return items;
}

// On error, *error_line is the line of the offending entry.
absl::StatusOr<Selection> CompileSelection(const std::string& name, const YAML::Node& node,
                                           int* error_line) {
  Selection s;
  s.name = name;
  s.line = LineOf(node);
  if (node.IsMap()) {
    ASSIGN_OR_RETURN(auto group, CompileMap(node, error_line));
    s.groups.push_back(std::move(group));
    return s;
  }
  if (node.IsSequence()) {
    if (node.size() == 0) return absl::InvalidArgumentError("bad-detection: empty selection list");
    bool maps = false, scalars = false;
    for (const YAML::Node& e : node) {
      maps |= e.IsMap();
      scalars |= e.IsScalar() || e.IsNull();
    }
    if (maps && scalars) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad-detection: selection '", name, "' mixes maps and keywords"));
    }
    if (maps) {
      for (const YAML::Node& e : node) {
        ASSIGN_OR_RETURN(auto group, CompileMap(e, error_line));
        s.groups.push_back(std::move(group));
      }
      return s;
    }
  }
  if (node.IsSequence() || node.IsScalar()) {  // keyword list: full-text search
    std::vector<std::optional<std::string>> values;
    RETURN_IF_ERROR(ScalarValues(node, &values));
    for (const auto& v : values) {
      if (!v.has_value()) return absl::InvalidArgumentError("bad-value: null keyword");
    }
    ASSIGN_OR_RETURN(FieldItem item, CompileFieldItem("", values));
    s.groups.push_back({std::move(item)});
    return s;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("bad-detection: selection '", name, "' is neither a map, a list nor a value"));
}

}  // namespace

absl::Status RuleSetBuilder::ParseMeta(const YAML::Node& doc, const std::string& file,
                                       RuleMeta* meta) {
  meta->file = file;
  meta->line = LineOf(doc);
  meta->id = ScalarOr(doc["id"]);
  meta->name = ScalarOr(doc["name"]);
  meta->title = ScalarOr(doc["title"]);
  meta->status = ScalarOr(doc["status"]);
  meta->level = ScalarOr(doc["level"], "medium");
  meta->description = ScalarOr(doc["description"]);
  if (meta->title.empty()) return absl::InvalidArgumentError("missing-title: no title");
  meta->severity = SeverityOf(meta->level);
  if (meta->severity == v1::SEVERITY_UNSPECIFIED) {
    return absl::InvalidArgumentError(absl::StrCat("bad-level: unknown level '", meta->level, "'"));
  }
  if (const YAML::Node tags = doc["tags"]; tags && tags.IsSequence()) {
    for (const YAML::Node& t : tags) {
      if (!t.IsScalar()) continue;
      meta->tags.push_back(t.Scalar());
      std::string mitre = MitreOfTag(t.Scalar());
      if (!mitre.empty()) meta->mitre.push_back(std::move(mitre));
    }
  }
  if (const YAML::Node ota = doc["otasuke"]; ota && ota.IsMap()) {
    ParseLocalized(ota["explanation"], &meta->explanation);
    ParseLocalized(ota["next_step"], &meta->next_step);
  }
  if (!meta->id.empty() && !ids_.insert(meta->id).second) {
    return absl::InvalidArgumentError(
        absl::StrCat("duplicate-id: id ", meta->id, " is already used by another rule"));
  }
  return absl::OkStatus();
}

void RuleSetBuilder::AddFile(const RuleFile& file) {
  ++report_.files;
  std::vector<YAML::Node> docs;
  try {
    docs = LoadYamlDocuments(file.content);
  } catch (const YAML::Exception& e) {
    Reject(file.path, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", "yaml-syntax", e.msg);
    return;
  }
  for (const YAML::Node& doc : docs) {
    if (!doc || doc.IsNull()) continue;
    ++report_.documents;
    const int line = LineOf(doc);
    try {
      if (!doc.IsMap()) {
        Reject(file.path, line, "", "not-a-rule", "document is not a YAML map");
        continue;
      }
      const std::string id = ScalarOr(doc["id"]);
      if (doc["action"]) {
        Reject(file.path, line, id, "unsupported-feature",
               "multi-document 'action' collections are not supported");
        continue;
      }
      RuleMeta meta;
      if (absl::Status st = ParseMeta(doc, file.path, &meta); !st.ok()) {
        RejectStatus(file.path, line, id, st);
        continue;
      }
      if (doc["correlation"]) {
        AddCorrelation(doc, file.path, std::move(meta));
      } else {
        AddDetectionRule(doc, file.path, std::move(meta));
      }
    } catch (const YAML::Exception& e) {
      Reject(file.path, e.mark.line >= 0 ? e.mark.line + 1 : line, ScalarOr(doc["id"]),
             "yaml-structure", e.msg);
    }
  }
}

void RuleSetBuilder::AddDetectionRule(const YAML::Node& doc, const std::string& file,
                                      RuleMeta meta) {
  DetectionRule rule;
  const std::string id = meta.id;
  const int line = meta.line;
  const YAML::Node logsource = doc["logsource"];
  if (!logsource || !logsource.IsMap()) {
    Reject(file, line, id, "missing-logsource", "no logsource map");
    return;
  }
  rule.logsource.product = ScalarOr(logsource["product"]);
  rule.logsource.category = ScalarOr(logsource["category"]);
  rule.logsource.service = ScalarOr(logsource["service"]);
  const YAML::Node detection = doc["detection"];
  if (!detection || !detection.IsMap()) {
    Reject(file, line, id, "missing-detection", "no detection map");
    return;
  }
  std::vector<std::string> names;
  YAML::Node condition;
  bool has_condition = false;
  for (const auto& kv : detection) {
    const std::string key = kv.first.Scalar();
    if (key == "condition") {
      condition = kv.second;
      has_condition = true;
      continue;
    }
    if (key == "timeframe") {
      report_.warnings.push_back({.file = file,
                                  .line = LineOf(kv.first),
                                  .rule_id = id.empty() ? "-" : id,
                                  .code = "ignored-timeframe",
                                  .message = "timeframe belongs to aggregations; ignored"});
      continue;
    }
    int error_line = LineOf(kv.first);
    auto selection = CompileSelection(key, kv.second, &error_line);
    if (!selection.ok()) {
      RejectStatus(
          file, error_line, id,
          absl::Status(selection.status().code(),
                       absl::StrCat(selection.status().message(), " in selection '", key, "'")));
      return;
    }
    names.push_back(key);
    rule.selections.push_back(std::move(*selection));
  }
  if (!has_condition) {
    Reject(file, line, id, "missing-condition", "detection has no condition");
    return;
  }
  std::vector<std::string> conditions;
  if (condition.IsScalar()) {
    conditions.push_back(condition.Scalar());
  } else if (condition.IsSequence() && condition.size() > 0) {
    for (const YAML::Node& c : condition) conditions.push_back(ScalarOr(c));
  } else {
    Reject(file, LineOf(condition), id, "bad-condition", "condition must be text or a list");
    return;
  }
  std::unique_ptr<ConditionNode> root;
  for (const std::string& text : conditions) {
    auto parsed = ParseCondition(text, names);
    if (!parsed.ok()) {
      Reject(file, LineOf(condition), id, "bad-condition", StdSv(parsed.status().message()));
      return;
    }
    if (!root) {
      root = std::move(*parsed);
    } else {
      if (root->kind != ConditionNode::Kind::kOr) {
        auto either = std::make_unique<ConditionNode>();
        either->kind = ConditionNode::Kind::kOr;
        either->children.push_back(std::move(root));
        root = std::move(either);
      }
      root->children.push_back(std::move(*parsed));
    }
  }
  rule.meta = std::move(meta);
  rule.condition = std::move(root);
  set_->rules_.push_back(std::move(rule));
  ++report_.rules_loaded;
}

void RuleSetBuilder::AddCorrelation(const YAML::Node& doc, const std::string& file, RuleMeta meta) {
  const std::string id = meta.id;
  const int line = meta.line;
  const YAML::Node c = doc["correlation"];
  auto fail = [&](std::string_view why) { Reject(file, line, id, "bad-correlation", why); };
  if (!c.IsMap()) return fail("correlation must be a map");
  PendingCorrelation p;
  const std::string type = ScalarOr(c["type"]);
  if (type == "event_count") {
    p.rule.type = CorrelationType::kEventCount;
  } else if (type == "value_count") {
    p.rule.type = CorrelationType::kValueCount;
  } else if (type == "temporal") {
    p.rule.type = CorrelationType::kTemporal;
  } else if (type == "temporal_ordered") {
    p.rule.type = CorrelationType::kTemporalOrdered;
  } else {
    return fail(absl::StrCat("unknown correlation type '", type, "'"));
  }
  const YAML::Node rules = c["rules"];
  if (rules && rules.IsScalar()) {
    p.references.push_back({rules.Scalar(), LineOf(rules)});
  } else if (rules && rules.IsSequence() && rules.size() > 0) {
    for (const YAML::Node& r : rules) p.references.push_back({ScalarOr(r), LineOf(r)});
  } else {
    return fail("correlation needs 'rules'");
  }
  if (const YAML::Node g = c["group-by"]; g) {
    if (g.IsScalar()) {
      p.rule.group_by.push_back(FieldRef::Resolve(g.Scalar()));
    } else if (g.IsSequence()) {
      for (const YAML::Node& f : g) p.rule.group_by.push_back(FieldRef::Resolve(ScalarOr(f)));
    }
  }
  const std::string timespan = ScalarOr(c["timespan"], ScalarOr(c["timeframe"]));
  if (timespan.empty()) return fail("correlation needs 'timespan'");
  auto span = ParseTimespan(timespan);
  if (!span.ok()) return fail(StdSv(span.status().message()));
  p.rule.timespan = *span;
  const YAML::Node cond = c["condition"];
  if (cond && cond.IsMap()) {
    for (const auto& kv : cond) {
      const std::string key = kv.first.Scalar();
      if (key == "field") {
        p.rule.value_field = FieldRef::Resolve(ScalarOr(kv.second));
        continue;
      }
      CountCondition cc;
      if (key == "gt") {
        cc.op = CompareOp::kGt;
      } else if (key == "gte") {
        cc.op = CompareOp::kGte;
      } else if (key == "lt") {
        cc.op = CompareOp::kLt;
      } else if (key == "lte") {
        cc.op = CompareOp::kLte;
      } else if (key == "eq") {
        cc.op = CompareOp::kEq;
      } else if (key == "neq") {
        cc.op = CompareOp::kNeq;
      } else {
        return fail(absl::StrCat("unknown condition operator '", key, "'"));
      }
      if (!absl::SimpleAtoi(ScalarOr(kv.second), &cc.value)) {
        return fail(absl::StrCat("condition '", key, "' needs a number"));
      }
      p.rule.conditions.push_back(cc);
    }
  } else if (cond) {
    return fail("condition must be a map like {gte: 10}");
  }
  if ((p.rule.type == CorrelationType::kEventCount ||
       p.rule.type == CorrelationType::kValueCount) &&
      p.rule.conditions.empty()) {
    return fail("event_count and value_count need a condition");
  }
  if (p.rule.type == CorrelationType::kValueCount && p.rule.value_field.name.empty()) {
    return fail("value_count needs condition.field");
  }
  if (const YAML::Node a = c["aliases"]; a && a.IsMap()) {
    for (const auto& kv : a) {
      std::map<std::string, std::string> per_rule;
      if (kv.second.IsMap()) {
        for (const auto& r : kv.second) per_rule[r.first.Scalar()] = ScalarOr(r.second);
      }
      p.aliases.push_back({kv.first.Scalar(), std::move(per_rule)});
    }
  }
  const YAML::Node generate = c["generate"] ? c["generate"] : doc["generate"];
  p.generate = generate && generate.IsScalar() && generate.Scalar() == "true";
  p.rule.meta = std::move(meta);
  pending_.push_back(std::move(p));
}

absl::Status RuleSetBuilder::ResolveCorrelations() {
  absl::flat_hash_map<std::string, uint32_t> by_ref;
  for (uint32_t i = 0; i < set_->rules_.size(); ++i) {
    const RuleMeta& m = set_->rules_[i].meta;
    if (!m.id.empty()) by_ref[m.id] = i;
    if (!m.name.empty()) by_ref[m.name] = i;
  }
  std::vector<bool> generate(set_->rules_.size(), false);
  std::vector<bool> referenced(set_->rules_.size(), false);
  for (PendingCorrelation& p : pending_) {
    const RuleMeta& m = p.rule.meta;
    bool ok = true;
    std::vector<std::string> ref_names;
    for (const auto& [ref, line] : p.references) {
      auto it = by_ref.find(ref);
      if (it == by_ref.end()) {
        Reject(m.file, line, m.id, "bad-correlation",
               absl::StrCat("references unknown rule '", ref, "'"));
        ok = false;
        break;
      }
      p.rule.rules.push_back(it->second);
      ref_names.push_back(ref);
    }
    if (!ok) continue;
    // Group-by fields per referenced rule, after aliases.
    for (const FieldRef& g : p.rule.group_by) {
      std::vector<FieldRef> per_rule;
      const std::map<std::string, std::string>* alias = nullptr;
      for (const auto& [name, map] : p.aliases) {
        if (name == g.name) alias = &map;
      }
      for (size_t r = 0; r < p.rule.rules.size(); ++r) {
        const RuleMeta& target = set_->rules_[p.rule.rules[r]].meta;
        std::string field = g.name;
        if (alias != nullptr) {
          for (const std::string& key : {ref_names[r], target.name, target.id}) {
            if (auto it = alias->find(key); it != alias->end()) field = it->second;
          }
        }
        per_rule.push_back(FieldRef::Resolve(field));
      }
      p.rule.group_fields.push_back(std::move(per_rule));
    }
    const uint32_t index = static_cast<uint32_t>(set_->correlations_.size());
    for (uint32_t r : p.rule.rules) {
      referenced[r] = true;
      generate[r] = generate[r] || p.generate;
      auto& list = set_->correlations_of_rule_[r];
      if (list.empty() || list.back() != index) list.push_back(index);
    }
    set_->correlations_.push_back(std::move(p.rule));
    ++report_.correlations_loaded;
  }
  for (size_t r = 0; r < set_->rules_.size(); ++r) {
    if (referenced[r] && !generate[r]) set_->rules_[r].emits_alerts = false;
  }
  return absl::OkStatus();
}

void RuleSetBuilder::BuildIndex() {
  std::map<std::tuple<std::string, std::string, std::string>, uint32_t> bucket_of;
  std::vector<uint32_t> bucket_of_rule(set_->rules_.size(), 0);
  for (uint32_t i = 0; i < set_->rules_.size(); ++i) {
    const LogSource& ls = set_->rules_[i].logsource;
    auto key = std::make_tuple(ls.product, ls.category, ls.service);
    auto [it, inserted] = bucket_of.emplace(key, static_cast<uint32_t>(set_->buckets_.size()));
    if (inserted) set_->buckets_.push_back({.key = ls, .rules = {}, .prefilter = {}});
    set_->buckets_[it->second].rules.push_back(i);
    bucket_of_rule[i] = it->second;
  }
  // Both backends find whole literals up to kMaxScannedLiteral, so they scan for the same
  // literals and hits answer the same tests.
  const size_t max_literal = kMaxScannedLiteral;
  std::vector<PatternIndex> patterns(set_->buckets_.size());
  for (size_t k = 0; k < set_->buckets_.size(); ++k) {
    LogSourceBucket& b = set_->buckets_[k];
    std::vector<Trigger> triggers;
    std::vector<PrefilterLiteral> answering;
    for (uint32_t r : b.rules) {
      triggers.push_back(ExtractTrigger(set_->rules_[r], max_literal));
      AppendAnsweringLiterals(set_->rules_[r], max_literal, &answering);
    }
    b.prefilter = Prefilter::Build(triggers, options_.prefer_hyperscan, &patterns[k], answering);
    b.first_literal = set_->literal_count_;
    set_->literal_count_ += static_cast<uint32_t>(b.prefilter.pattern_count());
    b.first_field = set_->prefilter_field_count_;
    set_->prefilter_field_count_ += static_cast<uint32_t>(b.prefilter.fields().size());
  }
  // Item indexes last: a test is answered from the scan's hits when its literal is one of the
  // patterns its rule's bucket scans for in that field.
  for (uint32_t i = 0; i < set_->rules_.size(); ++i) {
    const LogSourceBucket& b = set_->buckets_[bucket_of_rule[i]];
    const PatternIndex& in_bucket = patterns[bucket_of_rule[i]];
    IndexFieldItems(set_->rules_[i],
                    [&](const FieldRef& field, const std::string& literal,
                        LiteralHit needed) -> std::optional<uint32_t> {
                      const std::optional<uint32_t> id =
                          FindAnsweringPattern(in_bucket, field.name, literal, needed);
                      if (!id.has_value()) return std::nullopt;
                      return b.first_literal + *id;
                    });
  }
  // Last: whether a selection is answered by hit bits alone is known.
  for (LogSourceBucket& b : set_->buckets_) {
    AssignValueMemos(b, set_->rules_);
    MarkKeyDeterminedRules(b, set_->rules_);
  }
}

absl::StatusOr<CompileResult> RuleSetBuilder::Finish() {
  set_->correlations_of_rule_.assign(set_->rules_.size(), {});
  RETURN_IF_ERROR(ResolveCorrelations());
  BuildIndex();
  if (options_.strict && !report_.errors.empty()) {
    std::vector<std::string> lines;
    for (const LoadIssue& e : report_.errors) lines.push_back(e.ToString());
    return absl::InvalidArgumentError(absl::StrCat(
        report_.errors.size(), " rule(s) rejected (strict mode):\n", absl::StrJoin(lines, "\n")));
  }
  CompileResult result;
  result.rules = std::move(set_);
  result.report = std::move(report_);
  return result;
}

absl::StatusOr<CompileResult> CompileSigmaRules(const std::vector<RuleFile>& files,
                                                const CompileOptions& options) {
  RuleSetBuilder builder(options);
  for (const RuleFile& f : files) builder.AddFile(f);
  return builder.Finish();
}

absl::StatusOr<std::vector<RuleFile>> ReadRuleFiles(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> found;
      for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string ext = it->path().extension().string();
        if (it->is_regular_file() && (ext == ".yml" || ext == ".yaml")) {
          found.push_back(it->path().string());
        }
      }
      if (ec) return absl::NotFoundError(absl::StrCat(path, ": ", ec.message()));
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(path, ec)) {
      files.push_back(path);
    } else {
      return absl::NotFoundError(absl::StrCat(path, ": no such file or directory"));
    }
  }
  std::vector<RuleFile> out;
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat(f, ": cannot open"));
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) return absl::DataLossError(absl::StrCat(f, ": read error"));
    out.push_back({.path = f, .content = content.str()});
  }
  return out;
}

std::string LoadIssue::ToString() const {
  return absl::StrCat(file, ":", line, ": rule ", rule_id, ": ", code, ": ", message);
}

void LoadReport::AddError(LoadIssue issue) {
  ++errors_by_reason[issue.code];
  errors.push_back(std::move(issue));
}

std::string LoadReport::Summary() const {
  std::string out = absl::StrCat(files, " file(s), ", documents, " document(s): ", rules_loaded,
                                 " rule(s) and ", correlations_loaded, " correlation(s) loaded, ",
                                 errors.size(), " rejected, ", warnings.size(), " warning(s)\n");
  for (const auto& [reason, count] : errors_by_reason) {
    absl::StrAppend(&out, "  ", reason, ": ", count, "\n");
  }
  return out;
}

}  // namespace otasuke::agent::sigma

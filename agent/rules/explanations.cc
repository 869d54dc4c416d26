#include "agent/rules/explanations.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "yaml-cpp/yaml.h"

namespace otasuke::agent {
namespace {

absl::Status ReadText(const YAML::Node& node, const char* key, std::string_view where,
                      otasuke::v1::LocalizedText* out) {
  const YAML::Node text = node[key];
  if (!text || !text.IsMap() || !text["ja"] || !text["en"] || !text["ja"].IsScalar() ||
      !text["en"].IsScalar() || text["ja"].Scalar().empty() || text["en"].Scalar().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(where), ": '", key, "' needs both ja and en texts"));
  }
  out->set_ja(text["ja"].Scalar());
  out->set_en(text["en"].Scalar());
  return absl::OkStatus();
}

std::string CanonicalRuleId(const std::string& key) {
  const bool numeric = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
  return numeric ? "1:" + key : key;
}

}  // namespace

absl::Status ParseExplanations(std::string_view path, std::string_view content,
                               ExplanationTable* table) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(content));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(path), ":", e.mark.line + 1, ": invalid YAML: ", e.msg));
  }
  if (root.IsNull()) return absl::OkStatus();
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(path), ": expected a map from rule id to texts"));
  }
  for (const auto& entry : root) {
    const std::string id = CanonicalRuleId(entry.first.Scalar());
    const std::string where = absl::StrCat(Sv(path), ":", entry.first.Mark().line + 1, ": ", id);
    if (table->contains(id)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": defined twice"));
    }
    RuleTexts texts;
    if (!entry.second.IsMap()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": expected explanation/next_step"));
    }
    if (absl::Status s = ReadText(entry.second, "explanation", where, &texts.explanation);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = ReadText(entry.second, "next_step", where, &texts.next_step); !s.ok()) {
      return s;
    }
    table->emplace(id, std::move(texts));
  }
  return absl::OkStatus();
}

void ExplainingSink::Emit(otasuke::v1::Alert&& alert) {
  // Alerts are rare next to events: one short lock here is cheaper than per-thread readers.
  if (auto table = table_.Load()) {
    if (auto it = table->find(alert.rule().rule_id()); it != table->end()) {
      *alert.mutable_explanation() = it->second.explanation;
      *alert.mutable_next_step() = it->second.next_step;
    }
  }
  next_.Emit(std::move(alert));
}

}  // namespace otasuke::agent

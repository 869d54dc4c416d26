// libFuzzer target: an explanations.yaml file (SME texts per rule id) on arbitrary bytes. Every
// error must name the file; a file that parses must parse again into a table that rejects it
// as a duplicate (each of its rule ids is already defined), and the ExplainingSink must apply
// the table to an alert of every listed rule.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "agent/rules/explanations.h"

namespace {

using otasuke::agent::ExplanationTable;

class KeepingSink final : public otasuke::agent::AlertSink {
 public:
  void Emit(otasuke::v1::Alert&& alert) override { last = std::move(alert); }
  otasuke::v1::Alert last;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view content(reinterpret_cast<const char*>(data), size);
  auto table = std::make_shared<ExplanationTable>();
  absl::Status parsed = otasuke::agent::ParseExplanations("fuzz.yaml", content, table.get());
  if (!parsed.ok()) {
    if (parsed.message().find("fuzz.yaml") == std::string_view::npos) std::abort();
    return 0;
  }
  if (!table->empty() &&
      otasuke::agent::ParseExplanations("again.yaml", content, table.get()).ok()) {
    std::abort();
  }
  otasuke::Snapshot<ExplanationTable> snapshot;
  snapshot.Publish(std::shared_ptr<const ExplanationTable>(table));
  KeepingSink keep;
  otasuke::agent::ExplainingSink sink(snapshot, keep);
  for (const auto& [rule_id, texts] : *table) {
    otasuke::v1::Alert alert;
    alert.mutable_rule()->set_rule_id(rule_id);
    sink.Emit(std::move(alert));
    if (keep.last.explanation().en() != texts.explanation.en() ||
        keep.last.next_step().ja() != texts.next_step.ja()) {
      std::abort();
    }
  }
  return 0;
}

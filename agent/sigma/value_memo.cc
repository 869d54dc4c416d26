#include "agent/sigma/value_memo.h"

#include <optional>

#include "agent/sigma/compiled_rules.h"

namespace otasuke::agent::sigma {

namespace {

// The position among the bucket's prefilter fields of the one field every item of the
// selection reads, or nullopt: a keyword, a `fieldref` (reads a second field), an empty
// selection, two fields, or a field the bucket does not scan (no cache entry to keep it in).
std::optional<uint32_t> OnlyField(const Selection& selection, const Prefilter& prefilter) {
  const FieldRef* field = nullptr;
  for (const auto& group : selection.groups) {
    for (const FieldItem& item : group) {
      if (item.field.name.empty()) return std::nullopt;
      if (field != nullptr && !(item.field == *field)) return std::nullopt;
      field = &item.field;
      for (const auto& alternatives : item.values) {
        for (const ValueTest& t : alternatives) {
          if (t.kind == ValueTest::Kind::kFieldRef) return std::nullopt;
        }
      }
    }
  }
  if (field == nullptr) return std::nullopt;
  const auto& fields = prefilter.fields();
  for (uint32_t f = 0; f < fields.size(); ++f) {
    if (fields[f].field == *field) return f;
  }
  return std::nullopt;
}

}  // namespace

void AssignValueMemos(LogSourceBucket& bucket, std::vector<DetectionRule>& rules) {
  const Prefilter& prefilter = bucket.prefilter;
  bucket.memo_indexes.assign(prefilter.fields().size(), 0);
  auto assign = [&](uint32_t f, ValueMemo* memo) {
    *memo = {.field = bucket.first_field + f, .index = bucket.memo_indexes[f]++};
  };
  std::vector<std::optional<uint32_t>> fields;
  for (const uint32_t r : bucket.rules) {
    DetectionRule& rule = rules[r];
    fields.clear();
    bool one_field = !rule.selections.empty();
    for (const Selection& selection : rule.selections) {
      fields.push_back(OnlyField(selection, prefilter));
      one_field = one_field && fields.back().has_value() && *fields.back() == *fields.front();
    }
    if (one_field) {  // the whole rule answers by one bit: its selections need no memo
      assign(*fields.front(), &rule.memo);
      continue;
    }
    for (size_t s = 0; s < rule.selections.size(); ++s) {
      // Selections answered by hit bits alone cost a few loads: a memo would not pay.
      if (fields[s].has_value() && rule.selections[s].by_hits == nullptr) {
        assign(*fields[s], &rule.selections[s].memo);
      }
    }
  }
}

}  // namespace otasuke::agent::sigma

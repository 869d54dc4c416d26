#include "agent/sigma/hit_selection.h"

namespace otasuke::agent::sigma {

namespace {

// Whether the scan's hits answer every test of the item (BuildItemIndex: by_hits holds them
// all, grouped by value for an `all` item).
bool AnsweredByHits(const FieldItem& item) {
  if (item.field.name.empty() || item.index == nullptr) return false;
  const FieldItemIndex& index = *item.index;
  if (index.strings.size() != 0 || !index.rest.empty() || index.by_hits.empty()) return false;
  size_t tests = 0;
  for (const auto& alternatives : item.values) {
    if (alternatives.empty()) return false;  // a value nothing can satisfy: the plain way
    tests += alternatives.size();
  }
  return index.by_hits.size() == tests;
}

}  // namespace

std::shared_ptr<const HitSelection> HitSelection::Build(const Selection& selection) {
  auto flat = std::make_shared<HitSelection>();
  flat->group_begin_.push_back(0);
  flat->clause_begin_.push_back(0);
  auto end_clause = [&] {
    flat->clause_begin_.push_back(static_cast<uint32_t>(flat->probes_.size()));
  };
  for (const auto& group : selection.groups) {
    for (const FieldItem& item : group) {
      if (!AnsweredByHits(item)) return nullptr;
      const std::vector<HitTest>& tests = item.index->by_hits;
      for (size_t i = 0; i < tests.size(); ++i) {
        // An `all` item: a clause per value (its tests are consecutive).
        if (item.all && i > 0 && tests[i].value != tests[i - 1].value) end_clause();
        flat->probes_.push_back({.literal = tests[i].literal, .hit = tests[i].hit});
      }
      end_clause();
    }
    flat->group_begin_.push_back(static_cast<uint32_t>(flat->clause_begin_.size() - 1));
  }
  return flat;
}

}  // namespace otasuke::agent::sigma

#include "agent/sigma/prefilter.h"

#include <algorithm>
#include <map>

namespace otasuke::agent::sigma {
namespace {

// Higher is better: the shortest literal decides how often the trigger fires; fewer
// literals break ties.
bool Better(const std::vector<PrefilterLiteral>& a, const std::vector<PrefilterLiteral>& b) {
  auto shortest = [](const std::vector<PrefilterLiteral>& v) {
    size_t m = SIZE_MAX;
    for (const auto& l : v) m = std::min(m, l.text.size());
    return m;
  };
  const size_t sa = shortest(a), sb = shortest(b);
  if (sa != sb) return sa > sb;
  return a.size() < b.size();
}

Trigger Union(Trigger a, const Trigger& b) {
  if (!a.has_value() || !b.has_value()) return std::nullopt;
  a->insert(a->end(), b->begin(), b->end());
  return a;
}

Trigger Best(const Trigger& a, const Trigger& b) {
  if (!a.has_value()) return b;
  if (!b.has_value()) return a;
  return Better(*a, *b) ? a : b;
}

Trigger ValueTrigger(const FieldRef& field, const std::vector<ValueTest>& alternatives) {
  std::vector<PrefilterLiteral> out;
  for (const ValueTest& t : alternatives) {
    if (t.kind != ValueTest::Kind::kString) return std::nullopt;
    std::string_view lit = t.text.required_literal();
    if (lit.empty()) return std::nullopt;
    out.push_back({.field = field, .text = std::string(lit.substr(0, kMaxPrefilterLiteral))});
  }
  return out;
}

Trigger ItemTrigger(const FieldItem& item) {
  if (item.field.name.empty() || item.values.empty()) return std::nullopt;
  if (item.all) {
    Trigger best;
    for (const auto& v : item.values) best = Best(best, ValueTrigger(item.field, v));
    return best;
  }
  Trigger acc = std::vector<PrefilterLiteral>{};
  for (const auto& v : item.values) acc = Union(std::move(acc), ValueTrigger(item.field, v));
  return acc;
}

Trigger SelectionTrigger(const Selection& s) {
  Trigger acc = std::vector<PrefilterLiteral>{};
  for (const auto& group : s.groups) {
    Trigger best;
    for (const FieldItem& item : group) best = Best(best, ItemTrigger(item));
    acc = Union(std::move(acc), best);
    if (!acc.has_value()) return acc;
  }
  return acc;
}

Trigger NodeTrigger(const ConditionNode& n, const std::vector<Trigger>& selections) {
  switch (n.kind) {
    case ConditionNode::Kind::kSelection:
      return selections[n.selections[0]];
    case ConditionNode::Kind::kNot:
      return std::nullopt;
    case ConditionNode::Kind::kAnd: {
      Trigger best;
      for (const auto& c : n.children) best = Best(best, NodeTrigger(*c, selections));
      return best;
    }
    case ConditionNode::Kind::kOr: {
      Trigger acc = std::vector<PrefilterLiteral>{};
      for (const auto& c : n.children) acc = Union(std::move(acc), NodeTrigger(*c, selections));
      return acc;
    }
    case ConditionNode::Kind::kOfSelections: {
      if (n.quantity == 0 || n.quantity >= n.selections.size()) {  // all of them must hold
        Trigger best;
        for (uint32_t s : n.selections) best = Best(best, selections[s]);
        return best;
      }
      Trigger acc = std::vector<PrefilterLiteral>{};
      for (uint32_t s : n.selections) acc = Union(std::move(acc), selections[s]);
      return acc;
    }
  }
  return std::nullopt;
}

}  // namespace

Trigger ExtractTrigger(const DetectionRule& rule) {
  std::vector<Trigger> selections;
  selections.reserve(rule.selections.size());
  for (const Selection& s : rule.selections) selections.push_back(SelectionTrigger(s));
  Trigger t = NodeTrigger(*rule.condition, selections);
  if (t.has_value() && t->empty()) return std::nullopt;
  return t;
}

Prefilter Prefilter::Build(const std::vector<Trigger>& triggers) {
  Prefilter pf;
  pf.rule_count_ = triggers.size();
  // field name -> (literal -> rules)
  std::map<std::string, std::pair<FieldRef, std::map<std::string, std::vector<uint32_t>>>> by_field;
  for (uint32_t i = 0; i < triggers.size(); ++i) {
    if (!triggers[i].has_value()) {
      pf.always_.push_back(i);
      continue;
    }
    for (const PrefilterLiteral& lit : *triggers[i]) {
      auto& entry = by_field[lit.field.name];
      entry.first = lit.field;
      auto& rules = entry.second[lit.text];
      if (rules.empty() || rules.back() != i) rules.push_back(i);
    }
  }
  for (auto& [name, entry] : by_field) {
    FieldScan scan;
    scan.field = entry.first;
    std::vector<std::string> patterns;
    for (auto& [text, rules] : entry.second) {
      patterns.push_back(text);
      scan.rules_begin.push_back(static_cast<uint32_t>(scan.rules.size()));
      scan.rules.insert(scan.rules.end(), rules.begin(), rules.end());
    }
    scan.rules_begin.push_back(static_cast<uint32_t>(scan.rules.size()));
    scan.automaton = AhoCorasick::Build(patterns);
    pf.fields_.push_back(std::move(scan));
  }
  return pf;
}

size_t Prefilter::memory_bytes() const {
  size_t total = always_.size() * sizeof(uint32_t);
  for (const FieldScan& f : fields_) {
    total += f.automaton.memory_bytes() + (f.rules_begin.size() + f.rules.size()) * 4;
  }
  return total;
}

}  // namespace otasuke::agent::sigma

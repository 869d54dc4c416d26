#include "agent/sigma/prefilter.h"

#include <algorithm>
#include <map>
#include <set>

namespace otasuke::agent::sigma {
namespace {

size_t Shortest(const Clause& c) {
  size_t m = SIZE_MAX;
  for (const auto& l : c) m = std::min(m, l.text.size());
  return m;
}

// More selective first: longer shortest literal, then fewer literals.
bool MoreSelective(const Clause& a, const Clause& b) {
  const size_t sa = Shortest(a), sb = Shortest(b);
  if (sa != sb) return sa > sb;
  return a.size() < b.size();
}

const Clause* BestClause(const std::vector<Clause>& cnf) {
  const Clause* best = nullptr;
  for (const Clause& c : cnf) {
    if (best == nullptr || MoreSelective(c, *best)) best = &c;
  }
  return best;
}

// AND: every clause of every constrained part.
Trigger Conjoin(std::vector<Trigger> parts) {
  std::vector<Clause> out;
  bool any = false;
  for (Trigger& p : parts) {
    if (!p.has_value()) continue;
    any = true;
    for (Clause& c : *p) out.push_back(std::move(c));
  }
  if (!any || out.empty()) return std::nullopt;
  return out;
}

// OR: one clause, the union of each part's most selective clause.
Trigger Disjoin(const std::vector<Trigger>& parts) {
  Clause out;
  for (const Trigger& p : parts) {
    if (!p.has_value() || p->empty()) return std::nullopt;
    const Clause* best = BestClause(*p);
    out.insert(out.end(), best->begin(), best->end());
  }
  if (out.empty()) return std::nullopt;
  return std::vector<Clause>{std::move(out)};
}

// Where a test's required literal lies in every value it matches: at the start of a
// startswith value, the end of an endswith one, the whole of an exact one (cased tests too:
// the lowercased value then has the lowercased literal there); anywhere for the others.
LiteralAnchor AnchorOf(const ValueTest& t, std::string_view lit) {
  if (t.kind != ValueTest::Kind::kString || t.text.literal() != lit)
    return LiteralAnchor::kAnywhere;
  switch (t.text.kind()) {
    case StringMatcher::Kind::kPrefix:
      return LiteralAnchor::kStart;
    case StringMatcher::Kind::kSuffix:
      return LiteralAnchor::kEnd;
    case StringMatcher::Kind::kExact:
      return LiteralAnchor::kWhole;
    default:
      return LiteralAnchor::kAnywhere;
  }
}

Trigger ValueTrigger(const FieldRef& field, const std::vector<ValueTest>& alternatives,
                     size_t max_literal) {
  Clause out;
  for (const ValueTest& t : alternatives) {
    std::string_view lit;
    if (t.kind == ValueTest::Kind::kString) {
      lit = t.text.required_literal();
    } else if (t.kind == ValueTest::Kind::kRegex) {
      lit = t.regex.required_literal();
    } else {
      return std::nullopt;
    }
    if (lit.empty()) return std::nullopt;
    const LiteralAnchor anchor = AnchorOf(t, lit);
    if (anchor == LiteralAnchor::kAnywhere && lit.size() > max_literal) {
      lit = lit.substr(lit.size() - max_literal);
    }
    out.push_back({.field = field, .text = std::string(lit), .anchor = anchor});
  }
  if (out.empty()) return std::nullopt;
  return std::vector<Clause>{std::move(out)};
}

// An OR of at least kManyValues values, each of whose literals (unanchored) begins with one of
// a few kSharedPrefixBytes-byte prefixes (thousands of emoji share a few dozen UTF-8 lead
// sequences): the clause of those prefixes, each a part of a required literal, instead of
// one literal per value. nullopt when the item is not such a list.
std::optional<Clause> SharedPrefixClause(const FieldItem& item, size_t max_literal) {
  if (item.all || item.values.size() < kManyValues) return std::nullopt;
  std::set<std::string> prefixes;
  for (const auto& v : item.values) {
    const Trigger t = ValueTrigger(item.field, v, max_literal);
    if (!t.has_value()) return std::nullopt;
    for (const PrefilterLiteral& l : (*t)[0]) {
      if (l.anchor != LiteralAnchor::kAnywhere) return std::nullopt;
      prefixes.insert(l.text.substr(0, kSharedPrefixBytes));  // a shorter one: all of it
    }
  }
  if (prefixes.size() * kMinValuesPerPrefix > item.values.size()) return std::nullopt;
  Clause out;
  for (const std::string& p : prefixes) out.push_back({.field = item.field, .text = p});
  return out;
}

Trigger ItemTrigger(const FieldItem& item, size_t max_literal) {
  if (item.field.name.empty() || item.values.empty()) return std::nullopt;
  if (std::optional<Clause> shared = SharedPrefixClause(item, max_literal); shared.has_value()) {
    return std::vector<Clause>{std::move(*shared)};
  }
  std::vector<Trigger> parts;
  for (const auto& v : item.values) parts.push_back(ValueTrigger(item.field, v, max_literal));
  return item.all ? Conjoin(std::move(parts)) : Disjoin(parts);
}

Trigger SelectionTrigger(const Selection& s, size_t max_literal) {
  std::vector<Trigger> groups;
  for (const auto& group : s.groups) {
    std::vector<Trigger> items;
    for (const FieldItem& item : group) items.push_back(ItemTrigger(item, max_literal));
    groups.push_back(Conjoin(std::move(items)));
  }
  if (groups.size() == 1) return groups[0];
  return Disjoin(groups);
}

Trigger NodeTrigger(const ConditionNode& n, const std::vector<Trigger>& selections) {
  switch (n.kind) {
    case ConditionNode::Kind::kSelection:
      return selections[n.selections[0]];
    case ConditionNode::Kind::kNot:
      return std::nullopt;
    case ConditionNode::Kind::kAnd: {
      std::vector<Trigger> parts;
      for (const auto& c : n.children) parts.push_back(NodeTrigger(*c, selections));
      return Conjoin(std::move(parts));
    }
    case ConditionNode::Kind::kOr: {
      std::vector<Trigger> parts;
      for (const auto& c : n.children) parts.push_back(NodeTrigger(*c, selections));
      return Disjoin(parts);
    }
    case ConditionNode::Kind::kOfSelections: {
      std::vector<Trigger> parts;
      for (uint32_t s : n.selections) parts.push_back(selections[s]);
      if (n.quantity == 0 || n.quantity >= n.selections.size()) return Conjoin(std::move(parts));
      return Disjoin(parts);
    }
  }
  return std::nullopt;
}

AnchoredLiterals::Anchor ToTrieAnchor(LiteralAnchor a) {
  switch (a) {
    case LiteralAnchor::kStart:
      return AnchoredLiterals::Anchor::kStart;
    case LiteralAnchor::kWhole:
      return AnchoredLiterals::Anchor::kWhole;
    default:
      return AnchoredLiterals::Anchor::kEnd;
  }
}

}  // namespace

std::optional<uint32_t> FindAnsweringPattern(const PatternIndex& patterns, const std::string& field,
                                             const std::string& literal, LiteralHit needed) {
  using A = LiteralAnchor;
  // A hit of an anchored pattern records where it lay as a scanned one would (a start
  // literal found as long as the value is whole, ...), so any pattern whose anchor implies
  // the needed position answers; the scanned pattern answers every test.
  std::vector<A> usable;
  switch (needed) {
    case kHitAtStart:
      usable = {A::kStart, A::kAnywhere};
      break;
    case kHitAtEnd:
      usable = {A::kEnd, A::kAnywhere};
      break;
    case kHitWhole:
      usable = {A::kWhole, A::kEnd, A::kStart, A::kAnywhere};
      break;
    default:
      usable = {A::kAnywhere};
      break;
  }
  for (const A a : usable) {
    const auto it = patterns.find(std::make_tuple(field, literal, a));
    if (it != patterns.end()) return it->second;
  }
  return std::nullopt;
}

Trigger ExtractTrigger(const DetectionRule& rule, size_t max_literal) {
  std::vector<Trigger> selections;
  selections.reserve(rule.selections.size());
  for (const Selection& s : rule.selections) selections.push_back(SelectionTrigger(s, max_literal));
  Trigger t = NodeTrigger(*rule.condition, selections);
  if (!t.has_value() || t->empty()) return std::nullopt;
  // Most selective clauses first; clauses with very short literals cost more scanning
  // (every occurrence of "-" is a hit to confirm) than they save, so they are dropped when a
  // better clause remains.
  std::stable_sort(t->begin(), t->end(), MoreSelective);
  size_t keep = 1;
  while (keep < t->size() && keep < kMaxClauses && Shortest((*t)[keep]) >= kMinUsefulLiteral) {
    ++keep;
  }
  t->resize(keep);
  return t;
}

void AppendAnsweringLiterals(const DetectionRule& rule, size_t max_literal,
                             std::vector<PrefilterLiteral>* out) {
  for (const Selection& selection : rule.selections) {
    for (const auto& group : selection.groups) {
      for (const FieldItem& item : group) {
        if (item.field.name.empty()) continue;  // keywords: every field
        // Values found by shared prefixes are left to the exact test.
        if (SharedPrefixClause(item, max_literal).has_value()) continue;
        for (const auto& alternatives : item.values) {
          for (const ValueTest& t : alternatives) {
            if (t.kind != ValueTest::Kind::kString || t.text.cased() ||
                t.text.kind() != StringMatcher::Kind::kContains) {
              continue;
            }
            const std::string& text = t.text.literal();
            if (text.size() < kMinUsefulLiteral || text.size() > max_literal) continue;
            out->push_back({.field = item.field, .text = text});
          }
        }
      }
    }
  }
}

Prefilter Prefilter::Build(const std::vector<Trigger>& triggers, bool prefer_hyperscan,
                           PatternIndex* pattern_index,
                           const std::vector<PrefilterLiteral>& answering) {
  Prefilter pf;
  // field name -> ((anchor, literal) -> packed (rule, clause) hits); unanchored first
  using Hits = std::map<std::pair<LiteralAnchor, std::string>, std::vector<uint32_t>>;
  std::map<std::string, std::pair<FieldRef, Hits>> by_field;
  PatternIndex ids;
  for (uint32_t i = 0; i < triggers.size(); ++i) {
    if (!triggers[i].has_value()) {
      pf.always_.push_back(i);
      continue;
    }
    const std::vector<Clause>& clauses = *triggers[i];
    for (uint32_t c = 0; c < clauses.size(); ++c) {
      for (const PrefilterLiteral& lit : clauses[c]) {
        auto& entry = by_field[lit.field.name];
        entry.first = lit.field;
        auto& hits = entry.second[{lit.anchor, lit.text}];  // creates the pattern
        if (c == 0 && std::find(hits.begin(), hits.end(), i) == hits.end()) hits.push_back(i);
      }
    }
  }
  for (const PrefilterLiteral& lit : answering) {  // patterns (if new) without rules
    auto& entry = by_field[lit.field.name];
    entry.first = lit.field;
    entry.second[{lit.anchor, lit.text}];
  }
  for (auto& [name, entry] : by_field) {
    std::vector<std::string> scanned;
    std::vector<AnchoredLiterals::Literal> anchored;
    const uint32_t first = static_cast<uint32_t>(pf.pattern_length_.size());
    for (auto& [key, hits] : entry.second) {
      const auto& [anchor, text] = key;
      ids.emplace(std::make_tuple(name, text, anchor),
                  static_cast<uint32_t>(pf.pattern_length_.size()));
      pf.pattern_length_.push_back(static_cast<uint32_t>(text.size()));
      pf.hits_begin_.push_back(static_cast<uint32_t>(pf.hits_.size()));
      pf.hits_.insert(pf.hits_.end(), hits.begin(), hits.end());
      if (anchor == LiteralAnchor::kAnywhere) {
        scanned.push_back(text);
      } else {
        anchored.push_back({.text = text, .anchor = ToTrieAnchor(anchor)});
      }
    }
    const auto scanned_count = static_cast<uint32_t>(scanned.size());
    pf.fields_.push_back({.field = entry.first,
                          .scanner = scanned.empty()
                                         ? LiteralScanner()
                                         : LiteralScanner::Build(scanned, prefer_hyperscan),
                          .first_pattern = first,
                          .scanned_count = scanned_count,
                          .anchored = AnchoredLiterals::Build(anchored),
                          .first_anchored = first + scanned_count});
  }
  pf.hits_begin_.push_back(static_cast<uint32_t>(pf.hits_.size()));
  // Every clause but the first, as the pattern ids of its literals. Fewest literals first: a
  // failing clause is probed literal by literal, so a long list that mostly fails (a rule's
  // 36 file-sharing domains) is probed only once its short clauses ('http') passed.
  for (uint32_t i = 0; i < triggers.size(); ++i) {
    pf.clauses_begin_.push_back(static_cast<uint32_t>(pf.clause_begin_.size()));
    if (!triggers[i].has_value()) continue;
    std::vector<const Clause*> others;
    for (size_t c = 1; c < triggers[i]->size(); ++c) others.push_back(&(*triggers[i])[c]);
    std::stable_sort(others.begin(), others.end(),
                     [](const Clause* a, const Clause* b) { return a->size() < b->size(); });
    for (const Clause* clause : others) {
      pf.clause_begin_.push_back(static_cast<uint32_t>(pf.clause_patterns_.size()));
      for (const PrefilterLiteral& lit : *clause) {
        pf.clause_patterns_.push_back(
            ids.at(std::make_tuple(lit.field.name, lit.text, lit.anchor)));
      }
    }
  }
  pf.clauses_begin_.push_back(static_cast<uint32_t>(pf.clause_begin_.size()));
  pf.clause_begin_.push_back(static_cast<uint32_t>(pf.clause_patterns_.size()));
  if (pattern_index != nullptr) *pattern_index = std::move(ids);
  return pf;
}

size_t Prefilter::memory_bytes() const {
  size_t bytes =
      (always_.size() + clauses_begin_.size() + clause_begin_.size() + clause_patterns_.size() +
       pattern_length_.size() + hits_begin_.size() + hits_.size()) *
      sizeof(uint32_t);
  for (const FieldScan& f : fields_) bytes += f.scanner.memory_bytes();
  return bytes;
}

}  // namespace otasuke::agent::sigma

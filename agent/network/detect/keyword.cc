#include "agent/network/detect/keyword.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::network::detect {

uint32_t FlowbitNames::Intern(std::string_view name) {
  auto [it, inserted] = ids_.try_emplace(std::string(name), static_cast<uint32_t>(names_.size()));
  if (inserted) names_.emplace_back(name);
  return it->second;
}

BufferChain& RuleBuildContext::Chain(BufferId buffer) {
  for (auto& chain : rule.chains) {
    if (chain.buffer == buffer) return chain;
  }
  rule.chains.push_back(BufferChain{buffer, {}});
  return rule.chains.back();
}

void RuleBuildContext::AddMatcher(PayloadMatcher matcher) {
  const bool is_content = std::holds_alternative<ContentMatcher>(matcher);
  BufferChain& chain = Chain(current_buffer);
  chain.matchers.push_back(std::move(matcher));
  last_chain = static_cast<int>(&chain - rule.chains.data());
  last_matcher = static_cast<int>(chain.matchers.size()) - 1;
  if (is_content) {
    last_content_chain = last_chain;
    last_content_matcher = last_matcher;
  }
}

absl::StatusOr<ContentMatcher*> RuleBuildContext::LastContent(std::string_view modifier) {
  if (last_content_chain < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", Sv(modifier), "' needs a preceding content"));
  }
  return &std::get<ContentMatcher>(rule.chains[last_content_chain].matchers[last_content_matcher]);
}

bool RuleBuildContext::HasPreviousMatcher() const {
  for (const auto& chain : rule.chains) {
    if (chain.buffer == current_buffer) return !chain.matchers.empty();
  }
  return false;
}

absl::Status RuleBuildContext::MoveLastContentTo(BufferId buffer, std::string_view modifier) {
  ASSIGN_OR_RETURN(ContentMatcher * content, LastContent(modifier));
  BufferChain& from = rule.chains[last_content_chain];
  if (from.buffer != BufferId::kPktData) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", Sv(modifier), "' applies to a content already in ", Sv(BufferName(from.buffer))));
  }
  if (last_content_matcher != static_cast<int>(from.matchers.size()) - 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", Sv(modifier), "' must directly follow its content's modifiers"));
  }
  ContentMatcher moved = std::move(*content);
  from.matchers.pop_back();
  const BufferId saved = current_buffer;
  current_buffer = buffer;
  AddMatcher(std::move(moved));
  current_buffer = saved;
  // An emptied payload chain would otherwise demand a payload.
  rule.chains.erase(std::remove_if(rule.chains.begin(), rule.chains.end(),
                                   [](const BufferChain& c) { return c.matchers.empty(); }),
                    rule.chains.end());
  for (size_t i = 0; i < rule.chains.size(); ++i) {
    if (rule.chains[i].buffer == buffer) {
      last_chain = last_content_chain = static_cast<int>(i);
      last_matcher = last_content_matcher = static_cast<int>(rule.chains[i].matchers.size()) - 1;
    }
  }
  return absl::OkStatus();
}

absl::Status RuleBuildContext::RequireAppProto(AppProto proto, std::string_view keyword) {
  if (rule.app_proto != AppProto::kUnknown && rule.app_proto != proto) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", Sv(keyword), "' conflicts with the rule's app-layer protocol"));
  }
  rule.app_proto = proto;
  rule.uses_app_buffers = true;
  return absl::OkStatus();
}

absl::Status KeywordRegistry::Register(const KeywordDescriptor& descriptor) {
  if (!by_name_.emplace(std::string(descriptor.name), &descriptor).second) {
    return absl::AlreadyExistsError(
        absl::StrCat("keyword '", Sv(descriptor.name), "' registered twice"));
  }
  return absl::OkStatus();
}

const KeywordDescriptor* KeywordRegistry::Find(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : it->second;
}

std::vector<const KeywordDescriptor*> KeywordRegistry::All() const {
  std::vector<const KeywordDescriptor*> all;
  for (const auto& [name, descriptor] : by_name_) all.push_back(descriptor);
  std::sort(all.begin(), all.end(), [](const auto* a, const auto* b) { return a->name < b->name; });
  return all;
}

std::string_view TrimValue(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return value;
}

std::string_view Unquote(std::string_view value) {
  value = TrimValue(value);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

absl::StatusOr<int64_t> ParseInteger(std::string_view value, int64_t min, int64_t max) {
  int64_t number = 0;
  value = TrimValue(value);
  if (!absl::SimpleAtoi(Sv(value), &number)) {
    return absl::InvalidArgumentError(absl::StrCat("'", Sv(value), "' is not a number"));
  }
  if (number < min || number > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(number, " is out of range [", min, ", ", max, "]"));
  }
  return number;
}

absl::StatusOr<NumericTest> ParseNumericTest(std::string_view value, uint64_t max) {
  value = TrimValue(value);
  NumericTest test;
  auto number = [max](std::string_view text) -> absl::StatusOr<uint64_t> {
    ASSIGN_OR_RETURN(int64_t n, ParseInteger(text, 0, static_cast<int64_t>(max)));
    return static_cast<uint64_t>(n);
  };
  if (const size_t range = value.find("<>"); range != std::string_view::npos) {
    test.op = NumericTest::Op::kRangeExclusive;
    ASSIGN_OR_RETURN(test.a, number(value.substr(0, range)));
    ASSIGN_OR_RETURN(test.b, number(value.substr(range + 2)));
    if (test.b <= test.a) return absl::InvalidArgumentError("range upper bound below lower");
    return test;
  }
  struct Prefix {
    std::string_view text;
    NumericTest::Op op;
  };
  static constexpr Prefix kPrefixes[] = {{"<=", NumericTest::Op::kLe}, {">=", NumericTest::Op::kGe},
                                         {"<", NumericTest::Op::kLt},  {">", NumericTest::Op::kGt},
                                         {"!", NumericTest::Op::kNe},  {"=", NumericTest::Op::kEq}};
  for (const Prefix& prefix : kPrefixes) {
    if (value.substr(0, prefix.text.size()) == prefix.text) {
      test.op = prefix.op;
      ASSIGN_OR_RETURN(test.a, number(value.substr(prefix.text.size())));
      return test;
    }
  }
  if (const size_t dash = value.find('-'); dash != std::string_view::npos && dash > 0) {
    test.op = NumericTest::Op::kRangeInclusive;
    ASSIGN_OR_RETURN(test.a, number(value.substr(0, dash)));
    ASSIGN_OR_RETURN(test.b, number(value.substr(dash + 1)));
    if (test.b < test.a) return absl::InvalidArgumentError("range upper bound below lower");
    return test;
  }
  ASSIGN_OR_RETURN(test.a, number(value));
  return test;
}

std::vector<std::string_view> SplitArgs(std::string_view value) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= value.size(); ++i) {
    if (i == value.size() || value[i] == ',') {
      parts.push_back(TrimValue(value.substr(start, i - start)));
      start = i + 1;
    }
  }
  return parts;
}

bool NumericTest::Matches(uint64_t value) const {
  switch (op) {
    case Op::kEq:
      return value == a;
    case Op::kNe:
      return value != a;
    case Op::kLt:
      return value < a;
    case Op::kGt:
      return value > a;
    case Op::kLe:
      return value <= a;
    case Op::kGe:
      return value >= a;
    case Op::kRangeInclusive:
      return value >= a && value <= b;
    case Op::kRangeExclusive:
      return value > a && value < b;
  }
  return false;
}

bool FlagsTest::Matches(uint8_t packet_flags) const {
  const uint8_t considered = packet_flags & static_cast<uint8_t>(~ignore);
  switch (mode) {
    case Mode::kExact:
      return considered == flags;
    case Mode::kAll:
      return (considered & flags) == flags;
    case Mode::kAny:
      return flags == 0 ? considered == 0 : (considered & flags) != 0;
    case Mode::kNot:
      return (considered & flags) != flags;
  }
  return false;
}

}  // namespace otasuke::network::detect

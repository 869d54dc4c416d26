#pragma once
// Rule option keywords: each built-in lives in keywords/<name>.cc as a KeywordDescriptor
// (name, help, value syntax, parse function) and is listed once in keywords/keyword_list.cc.
// A parse function turns the option's value into parts of the Rule being built through a
// RuleBuildContext. Errors are absl::Status without position (the loader adds file:line);
// UnimplementedError means "valid Suricata, not supported here" and is reported as such.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "agent/network/detect/config_files.h"
#include "agent/network/detect/rule.h"

namespace otasuke::network::detect {

// Flowbit names of one rule set, interned to dense ids.
class FlowbitNames {
 public:
  uint32_t Intern(std::string_view name);
  size_t size() const { return names_.size(); }

 private:
  absl::flat_hash_map<std::string, uint32_t> ids_;
  std::vector<std::string> names_;
};

struct RuleBuildContext {
  Rule& rule;
  FlowbitNames& flowbits;
  const ClassificationMap* classifications = nullptr;  // null: none loaded
  // The buffer new payload matchers go to (sticky buffer keywords change it).
  BufferId current_buffer = BufferId::kPktData;
  // Last payload matcher added (for relative keywords) and last content (for modifiers).
  int last_chain = -1;
  int last_matcher = -1;
  int last_content_chain = -1;
  int last_content_matcher = -1;
  bool saw_sid = false;
  bool priority_set = false;

  BufferChain& Chain(BufferId buffer);
  void AddMatcher(PayloadMatcher matcher);
  // The content the next modifier applies to, or an error naming the modifier.
  absl::StatusOr<ContentMatcher*> LastContent(std::string_view modifier);
  // True when the previous payload matcher in the current buffer exists (relative anchors).
  bool HasPreviousMatcher() const;
  // Legacy modifiers (http_uri, ...) move the last content into another buffer's chain.
  absl::Status MoveLastContentTo(BufferId buffer, std::string_view modifier);
  // Records that the rule inspects an app-layer buffer and needs this app protocol.
  absl::Status RequireAppProto(AppProto proto, std::string_view keyword);
};

enum class KeywordValue : uint8_t { kNone, kRequired, kOptional };

using KeywordParseFn = absl::Status (*)(std::string_view value, RuleBuildContext& context);

struct KeywordDescriptor {
  std::string_view name;
  std::string_view help;
  KeywordValue value = KeywordValue::kRequired;
  KeywordParseFn parse = nullptr;
};

class KeywordRegistry {
 public:
  // Fails on a duplicate name.
  absl::Status Register(const KeywordDescriptor& descriptor);
  const KeywordDescriptor* Find(std::string_view name) const;
  std::vector<const KeywordDescriptor*> All() const;  // sorted by name

 private:
  absl::flat_hash_map<std::string, const KeywordDescriptor*> by_name_;
};

// Every built-in keyword (keywords/keyword_list.cc).
absl::Status RegisterBuiltinKeywords(KeywordRegistry& registry);

// Shared value helpers for keyword parsers.
std::string_view TrimValue(std::string_view value);
// Removes one pair of surrounding double quotes, if present.
std::string_view Unquote(std::string_view value);
absl::StatusOr<int64_t> ParseInteger(std::string_view value, int64_t min, int64_t max);
// NumericTest forms; max bounds the values.
absl::StatusOr<NumericTest> ParseNumericTest(std::string_view value, uint64_t max);
// Splits at commas, trimming each part.
std::vector<std::string_view> SplitArgs(std::string_view value);

}  // namespace otasuke::network::detect

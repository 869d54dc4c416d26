#pragma once
// Compiled tests of one event value, built from a Sigma value and its modifiers: string
// patterns (exact, prefix, suffix, contains, glob), regular expressions, CIDR networks,
// numeric comparisons. Matchers are immutable and shared by all threads; string patterns
// compare against the ASCII-lowercased value unless the rule said `cased`.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/sigma/sigma_string.h"

namespace otasuke::agent::sigma {

// ASCII lowercase into *out (reusing its capacity).
void LowerAscii(std::string_view in, std::string* out);

class StringMatcher {
 public:
  enum class Kind : uint8_t { kExact, kPrefix, kSuffix, kContains, kGlob };
  static StringMatcher Compile(const SigmaString& pattern, bool cased);

  // `value` is the original, `lowered` its ASCII-lowercased form.
  bool Matches(std::string_view value, std::string_view lowered) const;
  Kind kind() const { return kind_; }
  bool cased() const { return cased_; }
  // The folded text of kExact/kPrefix/kSuffix/kContains (empty for kGlob).
  const std::string& literal() const { return literal_; }
  // Text every match contains (lowercased), empty when none: the prefilter literal.
  std::string_view required_literal() const { return required_; }
  // kGlob: its literal runs (between `*` and `?`), lowercased: each occurs, ASCII case folded,
  // in every value the glob matches. Empty for the other kinds.
  std::vector<std::string> glob_runs() const;
  std::string DebugString() const;

 private:
  struct GlobToken {
    bool star = false;
    std::string text;  // literal run; '?' positions are in any
    std::vector<bool> any;
    bool has_any = false;  // some '?': compared byte by byte, else by memcmp / find
  };
  bool GlobMatches(std::string_view s) const;
  // Does token t (with '?' any positions) match s at pos?
  static bool TokenAt(std::string_view s, size_t pos, const GlobToken& t);

  Kind kind_ = Kind::kExact;
  bool cased_ = false;
  std::string literal_;  // for kExact/kPrefix/kSuffix/kContains
  std::vector<GlobToken> glob_;
  std::string required_;
};

struct CompiledRegex;  // PCRE2 code, JIT-compiled

class RegexMatcher {
 public:
  // flags: 'i' caseless, 'm' multiline, 's' dot matches newline.
  static absl::StatusOr<RegexMatcher> Compile(std::string_view pattern, bool caseless,
                                              bool multiline, bool dotall);
  bool Matches(std::string_view value) const;
  const std::string& pattern() const { return pattern_; }
  // A literal (lowercased) every match contains, from the pattern's top-level sequence;
  // empty when none can be named. Feeds the prefilter.
  const std::string& required_literal() const { return required_; }
  // Every such literal (required_literal() is the first longest): they gate the regex.
  const std::vector<std::string>& required_literals() const { return required_all_; }

 private:
  std::shared_ptr<const CompiledRegex> code_;
  std::string pattern_;
  std::string required_;
  std::vector<std::string> required_all_;
};

// The literal runs of a regular expression's top-level sequence, lowercased, in pattern order:
// each occurs (ASCII case folded) in every value the expression matches. None when that
// cannot be said soundly: a top-level alternation, (*VERB)s, the x flag, \Q..\E, comments,
// callouts, POSIX classes. Runs end at anything not a plain byte (classes, groups, '.', character
// types, escapes with arguments); an optional byte is left out of its run.
std::vector<std::string> RegexRequiredLiterals(std::string_view pattern);
// The first longest of RegexRequiredLiterals(pattern), or empty.
std::string RegexRequiredLiteral(std::string_view pattern);

class CidrMatcher {
 public:
  static absl::StatusOr<CidrMatcher> Parse(std::string_view cidr);
  bool Matches(std::string_view address) const;

 private:
  bool v6_ = false;
  std::array<uint8_t, 16> net_{};
  int prefix_ = 0;
};

enum class NumericOp : uint8_t { kGt, kGte, kLt, kLte };

// Parses an event value as a number (decimal integer, 0x hex integer or decimal float).
bool ParseNumber(std::string_view text, double* out);

}  // namespace otasuke::agent::sigma

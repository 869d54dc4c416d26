#pragma once
// A Sigma value as the specification defines it: literal text with the wildcards `*` and
// `?`, where a backslash escapes `*`, `?` and itself. Value modifiers (base64, utf16, windash)
// transform these before they are compiled into matchers (string_matcher.h).

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace otasuke::agent::sigma {

struct SigmaString {
  enum class PieceKind { kLiteral, kStar, kQuestion };
  struct Piece {
    PieceKind kind = PieceKind::kLiteral;
    std::string text;  // for kLiteral
  };
  std::vector<Piece> pieces;

  // Parses wildcards and escapes of a rule value.
  static SigmaString Parse(std::string_view value);
  // A value with no wildcard at all (results of base64, plain literals).
  static SigmaString Literal(std::string_view value);

  bool HasWildcards() const;
  // The literal text of a value without wildcards.
  std::string LiteralText() const;
  void PrependStar();
  void AppendStar();
  // Longest literal run (the best prefilter literal).
  std::string_view LongestLiteral() const;
};

// Value transformations, applied in rule order before the match-type modifier.
absl::StatusOr<SigmaString> EncodeUtf16(const SigmaString& value, bool big_endian);
absl::StatusOr<SigmaString> EncodeBase64(const SigmaString& value);
// The three encodings of `value` at every byte offset modulo 3, as SigmaHQ's base64offset.
absl::StatusOr<std::vector<SigmaString>> EncodeBase64Offsets(const SigmaString& value);
// Expands every dash or slash that starts a command-line option into `-`, `/`, en dash, em dash
// and horizontal bar. Fails when the expansion would exceed `max_variants`.
absl::StatusOr<std::vector<SigmaString>> ExpandWindash(const SigmaString& value,
                                                       size_t max_variants);

}  // namespace otasuke::agent::sigma

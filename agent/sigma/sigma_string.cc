#include "agent/sigma/sigma_string.h"

#include <cstdint>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace otasuke::agent::sigma {
namespace {

void AppendLiteral(SigmaString* s, std::string_view text) {
  if (text.empty()) return;
  if (!s->pieces.empty() && s->pieces.back().kind == SigmaString::PieceKind::kLiteral) {
    s->pieces.back().text.append(text);
    return;
  }
  s->pieces.push_back({.kind = SigmaString::PieceKind::kLiteral, .text = std::string(text)});
}

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Decodes one UTF-8 code point at s[i]; invalid bytes decode as themselves (Latin-1).
uint32_t DecodeUtf8(std::string_view s, size_t* i) {
  const auto b = static_cast<uint8_t>(s[*i]);
  size_t len = 1;
  uint32_t cp = b;
  if (b >= 0xF0 && b <= 0xF4) {
    len = 4;
    cp = b & 0x07;
  } else if (b >= 0xE0) {
    len = 3;
    cp = b & 0x0F;
  } else if (b >= 0xC2 && b < 0xE0) {
    len = 2;
    cp = b & 0x1F;
  } else {
    ++*i;
    return b;
  }
  if (*i + len > s.size()) {
    ++*i;
    return b;
  }
  for (size_t k = 1; k < len; ++k) {
    const auto c = static_cast<uint8_t>(s[*i + k]);
    if ((c & 0xC0) != 0x80) {
      ++*i;
      return b;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  *i += len;
  return cp;
}

void AppendUtf16Unit(uint16_t unit, bool big_endian, std::string* out) {
  const char hi = static_cast<char>(unit >> 8);
  const char lo = static_cast<char>(unit & 0xFF);
  if (big_endian) {
    out->push_back(hi);
    out->push_back(lo);
  } else {
    out->push_back(lo);
    out->push_back(hi);
  }
}

}  // namespace

SigmaString SigmaString::Parse(std::string_view value) {
  SigmaString s;
  std::string literal;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '\\' && i + 1 < value.size() &&
        (value[i + 1] == '*' || value[i + 1] == '?' || value[i + 1] == '\\')) {
      literal.push_back(value[i + 1]);
      ++i;
    } else if (c == '*' || c == '?') {
      AppendLiteral(&s, literal);
      literal.clear();
      s.pieces.push_back({.kind = c == '*' ? PieceKind::kStar : PieceKind::kQuestion, .text = {}});
    } else {
      literal.push_back(c);
    }
  }
  AppendLiteral(&s, literal);
  return s;
}

SigmaString SigmaString::Literal(std::string_view value) {
  SigmaString s;
  AppendLiteral(&s, value);
  return s;
}

bool SigmaString::HasWildcards() const {
  for (const Piece& p : pieces) {
    if (p.kind != PieceKind::kLiteral) return true;
  }
  return false;
}

std::string SigmaString::LiteralText() const {
  std::string out;
  for (const Piece& p : pieces) out.append(p.text);
  return out;
}

void SigmaString::PrependStar() {
  if (!pieces.empty() && pieces.front().kind == PieceKind::kStar) return;
  pieces.insert(pieces.begin(), Piece{.kind = PieceKind::kStar, .text = {}});
}

void SigmaString::AppendStar() {
  if (!pieces.empty() && pieces.back().kind == PieceKind::kStar) return;
  pieces.push_back({.kind = PieceKind::kStar, .text = {}});
}

std::string_view SigmaString::LongestLiteral() const {
  std::string_view best;
  for (const Piece& p : pieces) {
    if (p.kind == PieceKind::kLiteral && p.text.size() > best.size()) best = p.text;
  }
  return best;
}

absl::StatusOr<SigmaString> EncodeUtf16(const SigmaString& value, bool big_endian) {
  SigmaString out;
  for (const SigmaString::Piece& p : value.pieces) {
    if (p.kind != SigmaString::PieceKind::kLiteral) {
      out.pieces.push_back(p);
      continue;
    }
    std::string encoded;
    for (size_t i = 0; i < p.text.size();) {
      const uint32_t cp = DecodeUtf8(p.text, &i);
      if (cp >= 0x10000) {
        const uint32_t v = cp - 0x10000;
        AppendUtf16Unit(static_cast<uint16_t>(0xD800 + (v >> 10)), big_endian, &encoded);
        AppendUtf16Unit(static_cast<uint16_t>(0xDC00 + (v & 0x3FF)), big_endian, &encoded);
      } else {
        AppendUtf16Unit(static_cast<uint16_t>(cp), big_endian, &encoded);
      }
    }
    AppendLiteral(&out, encoded);
  }
  return out;
}

absl::StatusOr<SigmaString> EncodeBase64(const SigmaString& value) {
  if (value.HasWildcards()) {
    return absl::InvalidArgumentError("base64 cannot encode a value with wildcards");
  }
  std::string encoded;
  absl::Base64Escape(Sv(value.LiteralText()), &encoded);
  return SigmaString::Literal(encoded);
}

absl::StatusOr<std::vector<SigmaString>> EncodeBase64Offsets(const SigmaString& value) {
  if (value.HasWildcards()) {
    return absl::InvalidArgumentError("base64offset cannot encode a value with wildcards");
  }
  const std::string text = value.LiteralText();
  if (text.empty()) return absl::InvalidArgumentError("base64offset of an empty value");
  static constexpr size_t kStart[3] = {0, 2, 3};
  // Characters to drop at the end, indexed by (len + offset) % 3: they depend on bytes that
  // follow the value in the encoded stream.
  static constexpr size_t kDropEnd[3] = {0, 3, 2};
  std::vector<SigmaString> out;
  for (size_t i = 0; i < 3; ++i) {
    std::string encoded;
    absl::Base64Escape(Sv(std::string(i, ' ') + text), &encoded);
    const size_t drop = kDropEnd[(text.size() + i) % 3];
    if (encoded.size() < kStart[i] + drop) continue;
    std::string part = encoded.substr(kStart[i], encoded.size() - kStart[i] - drop);
    if (!part.empty()) out.push_back(SigmaString::Literal(part));
  }
  return out;
}

absl::StatusOr<std::vector<SigmaString>> ExpandWindash(const SigmaString& value,
                                                       size_t max_variants) {
  static constexpr std::string_view kDashes[] = {"-", "/", "\xE2\x80\x93", "\xE2\x80\x94",
                                                 "\xE2\x80\x95"};
  // Positions (piece, offset) of option dashes: a `-` or `/` with no word character before it
  // and a word character after it, as the regex \B[-/]\b of the reference implementation.
  struct Site {
    size_t piece;
    size_t offset;
  };
  std::vector<Site> sites;
  for (size_t p = 0; p < value.pieces.size(); ++p) {
    const SigmaString::Piece& piece = value.pieces[p];
    if (piece.kind != SigmaString::PieceKind::kLiteral) continue;
    for (size_t i = 0; i < piece.text.size(); ++i) {
      const char c = piece.text[i];
      if (c != '-' && c != '/') continue;
      const bool word_before = i > 0 && IsWordChar(piece.text[i - 1]);
      const bool word_after = i + 1 < piece.text.size() && IsWordChar(piece.text[i + 1]);
      if (!word_before && word_after) sites.push_back({p, i});
    }
  }
  size_t variants = 1;
  for (size_t k = 0; k < sites.size(); ++k) {
    variants *= std::size(kDashes);
    if (variants > max_variants) {
      return absl::InvalidArgumentError(
          absl::StrCat("windash expansion exceeds ", max_variants, " variants"));
    }
  }
  std::vector<SigmaString> out;
  out.reserve(variants);
  for (size_t v = 0; v < variants; ++v) {
    SigmaString s;
    size_t code = v;
    size_t next_site = 0;
    for (size_t p = 0; p < value.pieces.size(); ++p) {
      const SigmaString::Piece& piece = value.pieces[p];
      if (piece.kind != SigmaString::PieceKind::kLiteral) {
        s.pieces.push_back(piece);
        continue;
      }
      std::string text;
      for (size_t i = 0; i < piece.text.size(); ++i) {
        if (next_site < sites.size() && sites[next_site].piece == p &&
            sites[next_site].offset == i) {
          text.append(kDashes[code % std::size(kDashes)]);
          code /= std::size(kDashes);
          ++next_site;
        } else {
          text.push_back(piece.text[i]);
        }
      }
      AppendLiteral(&s, text);
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace otasuke::agent::sigma

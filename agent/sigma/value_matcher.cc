#include "agent/sigma/value_matcher.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <charconv>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/strings.h"

namespace otasuke::agent::sigma {

void LowerAscii(std::string_view in, std::string* out) {
  out->resize(in.size());
  char* d = out->data();
  const char* s = in.data();
  size_t i = 0;
  // Eight bytes at a time: a byte gets 0x20 added exactly when it lies in 'A'..'Z'. Adding
  // 0x3f (0x80 - 'A') sets a byte's top bit from 'A' up, adding 0x25 (0x80 - 'Z' - 1) from
  // 'Z' + 1 up; bytes >= 0x80 are masked out first so no carry crosses into a neighbour.
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  for (; i + 8 <= in.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, s + i, 8);
    const uint64_t ascii = word & ~kHigh;
    const uint64_t from_a = ascii + kOnes * 0x3f;
    const uint64_t past_z = ascii + kOnes * 0x25;
    const uint64_t upper = from_a & ~past_z & ~word & kHigh;
    word |= upper >> 2;
    std::memcpy(d + i, &word, 8);
  }
  for (; i < in.size(); ++i) {
    const char c = s[i];
    d[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
}

namespace {

std::string Lowered(std::string_view s) {
  std::string out;
  LowerAscii(s, &out);
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         std::memcmp(s.data() + s.size() - suffix.size(), suffix.data(), suffix.size()) == 0;
}
bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && std::memcmp(s.data(), prefix.data(), prefix.size()) == 0;
}

}  // namespace

StringMatcher StringMatcher::Compile(const SigmaString& pattern, bool cased) {
  using PK = SigmaString::PieceKind;
  StringMatcher m;
  m.cased_ = cased;
  auto fold = [cased](std::string_view s) { return cased ? std::string(s) : Lowered(s); };
  m.required_ = Lowered(pattern.LongestLiteral());
  const auto& p = pattern.pieces;
  bool has_question = false;
  size_t stars = 0;
  for (const auto& piece : p) {
    has_question |= piece.kind == PK::kQuestion;
    stars += piece.kind == PK::kStar;
  }
  const bool lead_star = !p.empty() && p.front().kind == PK::kStar;
  const bool trail_star = p.size() > 1 && p.back().kind == PK::kStar;
  if (!has_question) {
    if (stars == 0) {
      m.kind_ = Kind::kExact;
      m.literal_ = fold(pattern.LiteralText());
      return m;
    }
    if (p.size() == 1) {  // "*": anything
      m.kind_ = Kind::kPrefix;
      return m;
    }
    if (stars == 1 && lead_star) {
      m.kind_ = Kind::kSuffix;
      m.literal_ = fold(p[1].text);
      return m;
    }
    if (stars == 1 && p.back().kind == PK::kStar) {
      m.kind_ = Kind::kPrefix;
      m.literal_ = fold(p[0].text);
      return m;
    }
    if (stars == 2 && lead_star && trail_star && p.size() == 3) {
      m.kind_ = Kind::kContains;
      m.literal_ = fold(p[1].text);
      return m;
    }
  }
  m.kind_ = Kind::kGlob;
  for (const auto& piece : p) {
    if (piece.kind == PK::kStar) {
      m.glob_.push_back({.star = true, .text = {}, .any = {}});
      continue;
    }
    if (m.glob_.empty() || m.glob_.back().star) m.glob_.push_back({});
    GlobToken& t = m.glob_.back();
    if (piece.kind == PK::kQuestion) {
      t.text.push_back('?');
      t.any.push_back(true);
      t.has_any = true;
    } else {
      const std::string folded = fold(piece.text);
      t.text.append(folded);
      t.any.insert(t.any.end(), folded.size(), false);
    }
  }
  return m;
}

std::vector<std::string> StringMatcher::glob_runs() const {
  std::vector<std::string> runs;
  for (const GlobToken& t : glob_) {
    std::string run;
    for (size_t i = 0; i <= t.text.size(); ++i) {
      if (i < t.text.size() && !t.any[i]) {
        run.push_back(t.text[i]);
        continue;
      }
      if (!run.empty()) runs.push_back(Lowered(run));
      run.clear();
    }
  }
  return runs;
}

bool StringMatcher::TokenAt(std::string_view s, size_t pos, const GlobToken& t) {
  const std::string& text = t.text;
  if (pos + text.size() > s.size()) return false;
  if (!t.has_any) return std::memcmp(s.data() + pos, text.data(), text.size()) == 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (!t.any[i] && s[pos + i] != text[i]) return false;
  }
  return true;
}

bool StringMatcher::GlobMatches(std::string_view s) const {
  // Tokens alternate literal runs and stars. The first literal is anchored at the start and
  // the last at the end; runs in between match at their leftmost position (greedy leftmost
  // matching is complete for '*' globs).
  size_t first = 0;
  size_t last = glob_.size();
  size_t pos = 0;
  size_t end = s.size();
  if (first < last && !glob_[first].star) {
    if (!TokenAt(s, 0, glob_[first])) return false;
    pos = glob_[first].text.size();
    ++first;
    if (first == last) return pos == s.size();
  }
  if (last > first && !glob_[last - 1].star) {
    const GlobToken& t = glob_[last - 1];
    if (t.text.size() > end - pos) return false;
    if (!TokenAt(s, end - t.text.size(), t)) return false;
    end -= t.text.size();
    --last;
  }
  for (size_t k = first; k < last; ++k) {
    const GlobToken& t = glob_[k];
    if (t.star) continue;
    if (!t.has_any) {  // leftmost occurrence by memchr / memcmp
      const size_t at = s.substr(0, end).find(t.text, pos);
      if (at == std::string_view::npos) return false;
      pos = at + t.text.size();
      continue;
    }
    bool found = false;
    for (size_t at = pos; at + t.text.size() <= end; ++at) {
      if (TokenAt(s, at, t)) {
        pos = at + t.text.size();
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return pos <= end;
}

bool StringMatcher::Matches(std::string_view value, std::string_view lowered) const {
  const std::string_view s = cased_ ? value : lowered;
  switch (kind_) {
    case Kind::kExact:
      return s.size() == literal_.size() && std::memcmp(s.data(), literal_.data(), s.size()) == 0;
    case Kind::kPrefix:
      return StartsWith(s, literal_);
    case Kind::kSuffix:
      return EndsWith(s, literal_);
    case Kind::kContains:
      return s.find(literal_) != std::string_view::npos;
    case Kind::kGlob:
      return GlobMatches(s);
  }
  return false;
}

std::string StringMatcher::DebugString() const {
  static constexpr const char* kNames[] = {"exact", "prefix", "suffix", "contains", "glob"};
  std::string out = absl::StrCat(kNames[static_cast<int>(kind_)], cased_ ? "/cased" : "", ":");
  if (kind_ != Kind::kGlob) return out + literal_;
  for (const GlobToken& t : glob_) out += t.star ? std::string("*") : t.text;
  return out;
}

namespace {

// The first longest of `literals`, or empty.
std::string FirstLongest(const std::vector<std::string>& literals) {
  const std::string* best = nullptr;
  for (const std::string& literal : literals) {
    if (best == nullptr || literal.size() > best->size()) best = &literal;
  }
  return best == nullptr ? std::string() : *best;
}

}  // namespace

struct CompiledRegex {
  pcre2_code* code = nullptr;
  ~CompiledRegex() { pcre2_code_free(code); }
};

absl::StatusOr<RegexMatcher> RegexMatcher::Compile(std::string_view pattern, bool caseless,
                                                   bool multiline, bool dotall) {
  // Byte semantics (no PCRE2_UTF): caseless matching then folds ASCII only, the same folding
  // as the rest of the engine, which keeps prefilter literals sound.
  uint32_t options = 0;
  if (caseless) options |= PCRE2_CASELESS;
  if (multiline) options |= PCRE2_MULTILINE;
  if (dotall) options |= PCRE2_DOTALL;
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   options, &error, &offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof(message));
    return absl::InvalidArgumentError(absl::StrCat("bad regular expression at offset ", offset,
                                                   ": ", reinterpret_cast<char*>(message)));
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter on failure
  auto compiled = std::make_shared<CompiledRegex>();
  compiled->code = code;
  RegexMatcher m;
  m.code_ = std::move(compiled);
  m.pattern_ = std::string(pattern);
  m.required_all_ = RegexRequiredLiterals(pattern);
  m.required_ = FirstLongest(m.required_all_);
  return m;
}

namespace {

bool IsQuantifierStart(std::string_view p, size_t i) {
  return i < p.size() && (p[i] == '?' || p[i] == '*' || p[i] == '+' || p[i] == '{');
}

// Skips a quantifier at p[i]; *optional says whether it allows zero repetitions.
size_t SkipQuantifier(std::string_view p, size_t i, bool* optional) {
  *optional = false;
  if (i >= p.size()) return i;
  if (p[i] == '?' || p[i] == '*') {
    *optional = true;
    ++i;
  } else if (p[i] == '+') {
    ++i;
  } else if (p[i] == '{') {
    const size_t close = p.find('}', i);
    if (close == std::string_view::npos) return i;
    // Not a count ("{|x}", "{a}"): PCRE2 reads '{' as a byte, and what follows, a '|' too,
    // must be read on; the caller sees '{' again.
    if (p.substr(i + 1, close - i - 1).find_first_not_of("0123456789, ") !=
        std::string_view::npos) {
      return i;
    }
    // Only a count starting 1-9 is surely at least one: "{0", "{,3}" (PCRE2 10.43 reads it as
    // {0,3}) and "{ 1}" are taken as optional.
    *optional = !(i + 1 < p.size() && p[i + 1] >= '1' && p[i + 1] <= '9');
    i = close + 1;
  } else {
    return i;
  }
  if (i < p.size() && (p[i] == '?' || p[i] == '+')) ++i;  // lazy / possessive
  return i;
}

// The bytes of the escape at p[i] == '\\': two, or three for \cX, whose X may be any byte (a
// '(' or ']' there is no bracket).
size_t EscapeLength(std::string_view p, size_t i) {
  return i + 1 < p.size() && p[i + 1] == 'c' ? 3 : 2;
}

// Skips the character class opening at p[i] == '[': returns the index after its ']' (the
// pattern's end when unterminated), or npos for a class this reader does not follow (POSIX
// [:name:], [.x.], [=x=] inside it), whose end it cannot place surely.
size_t SkipClass(std::string_view p, size_t i) {
  ++i;
  if (i < p.size() && p[i] == '^') ++i;
  if (i < p.size() && p[i] == ']') ++i;  // a ']' first is a member, not the end
  for (; i < p.size(); ++i) {
    if (p[i] == '\\') {
      i += EscapeLength(p, i) - 1;
    } else if (p[i] == '[' && i + 1 < p.size() &&
               (p[i + 1] == ':' || p[i + 1] == '.' || p[i + 1] == '=')) {
      return std::string_view::npos;
    } else if (p[i] == ']') {
      return i + 1;
    }
  }
  return p.size();
}

// Patterns whose literals this reader cannot name soundly: verbs such as (*UTF) (Unicode case
// folding matches 'k' with U+212A), the extended flag x (whitespace and '#' comments are not
// literal) anywhere in an inline option group, and quoting (\Q..\E), comments ((?#..)) or
// callouts ((?C#..#), whose string may hold ')'), whose brackets and '|' are text, not
// structure.
bool HasUnreadableOptions(std::string_view p) {
  for (const std::string_view unreadable : {"(*", "(?#", "(?C", "\\Q"}) {
    if (p.find(unreadable) != std::string_view::npos) return true;
  }
  for (size_t at = p.find("(?"); at != std::string_view::npos; at = p.find("(?", at + 2)) {
    for (size_t j = at + 2; j < p.size(); ++j) {
      const char c = p[j];
      if (c == 'x') return true;
      if (!absl::ascii_isalpha(static_cast<unsigned char>(c)) && c != '-' && c != '^') break;
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> RegexRequiredLiterals(std::string_view p) {
  std::vector<std::string> runs;
  std::string run;
  auto end_run = [&]() {
    if (!run.empty()) runs.push_back(std::move(run));
    run.clear();
  };
  if (HasUnreadableOptions(p)) return {};
  size_t i = 0;
  // Leading inline options such as (?i).
  if (p.substr(0, 2) == "(?") {
    size_t j = 2;
    while (j < p.size() && (absl::ascii_isalpha(static_cast<unsigned char>(p[j])) || p[j] == '-')) {
      ++j;
    }
    if (j < p.size() && p[j] == ')') i = j + 1;
  }
  while (i < p.size()) {
    const char c = p[i];
    if (c == '|') return {};  // top-level alternation: nothing is required
    if (c == '(' || c == '[') {
      end_run();
      // Skip the group or class, honouring escapes and the classes inside a group.
      if (c == '[') {
        i = SkipClass(p, i);
        if (i == std::string_view::npos) return {};
      } else {
        int depth = 0;
        while (i < p.size()) {
          if (p[i] == '\\') {
            i += EscapeLength(p, i);
          } else if (p[i] == '[') {
            i = SkipClass(p, i);
            if (i == std::string_view::npos) return {};
          } else {
            if (p[i] == '(') ++depth;
            if (p[i] == ')' && --depth == 0) break;
            ++i;
          }
        }
        ++i;
      }
      bool optional = false;
      i = SkipQuantifier(p, i, &optional);
      continue;
    }
    char literal = 0;
    size_t next = i + 1;
    if (c == '\\') {
      if (i + 1 >= p.size()) break;
      const char e = p[i + 1];
      // Escapes of one control character are that byte.
      static constexpr std::string_view kControlEscapes = "ntrfea";
      static constexpr std::string_view kControlBytes = "\n\t\r\f\x1b\a";
      if (const size_t k = kControlEscapes.find(e); k != std::string_view::npos) {
        literal = kControlBytes[k];
        next = i + 2;
      } else if (absl::ascii_isalnum(static_cast<unsigned char>(e))) {
        // Character types and assertions break the run; escapes with arguments (\x41,
        // \p{..}, \1, ...) end the scan, since their arguments must not be read as literals.
        // The runs so far stay required only if no top-level alternation follows: the rest
        // is not parsed, so any '|' in it gives up.
        if (std::string_view("dDsSwWbBhHvVRNAzZG").find(e) == std::string_view::npos) {
          if (p.find('|', i) != std::string_view::npos) return {};
          break;
        }
        end_run();
        i += 2;
        bool optional = false;
        i = SkipQuantifier(p, i, &optional);
        continue;
      } else {
        literal = e;
        next = i + 2;
      }
    } else if (std::string_view("^$.)]}*+?{").find(c) != std::string_view::npos) {
      end_run();
      if (c == '{') {
        // A counted quantifier of the atom before ('.{0,5}'): its digits are no literals.
        bool optional = false;
        const size_t after = SkipQuantifier(p, i, &optional);
        i = after > i ? after : i + 1;
      } else {
        ++i;
      }
      continue;
    } else {
      literal = c;
    }
    if (IsQuantifierStart(p, next)) {
      bool optional = false;
      const size_t after = SkipQuantifier(p, next, &optional);
      if (!optional) run.push_back(absl::ascii_tolower(static_cast<unsigned char>(literal)));
      end_run();
      i = after;
      continue;
    }
    run.push_back(absl::ascii_tolower(static_cast<unsigned char>(literal)));
    i = next;
  }
  end_run();
  return runs;
}

std::string RegexRequiredLiteral(std::string_view pattern) {
  return FirstLongest(RegexRequiredLiterals(pattern));
}

// Generous next to Suricata's per-packet 3,500 / 1,500: an event is matched once, not per
// packet, and the regression corpus' regexes run far below these; a pathological one stops.
constexpr uint32_t kRegexMatchLimit = 100'000;
constexpr uint32_t kRegexDepthLimit = 5'000;

bool RegexMatcher::Matches(std::string_view value) const {
  // One match-data block and match context per thread: matchers are shared, so they cannot
  // live in them. The limits bound a backtracking pattern from a rule file (`(a+)+$` on a long
  // command line) to about 2 ms, where PCRE2's default limit lets one event take ~0.2 s; a
  // limit hit is no match, as in the network engine's pcre.
  struct MatchState {
    MatchState() {
      pcre2_set_match_limit(context, kRegexMatchLimit);
      pcre2_set_depth_limit(context, kRegexDepthLimit);
    }
    ~MatchState() {
      pcre2_match_context_free(context);
      pcre2_match_data_free(data);
    }
    pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
    pcre2_match_context* context = pcre2_match_context_create(nullptr);
  };
  thread_local MatchState state;
  const int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(value.data()), value.size(),
                             0, 0, state.data, state.context);
  return rc >= 0;
}

namespace {

bool ParseIp(std::string_view text, bool* v6, std::array<uint8_t, 16>* bytes) {
  *bytes = {};
  // IPv4 first: four decimal octets.
  std::vector<absl::string_view> parts = absl::StrSplit(Sv(text), '.');
  if (parts.size() == 4) {
    for (int i = 0; i < 4; ++i) {
      uint32_t octet = 0;
      if (parts[i].empty() || parts[i].size() > 3 || !absl::SimpleAtoi(parts[i], &octet) ||
          octet > 255) {
        return false;
      }
      (*bytes)[i] = static_cast<uint8_t>(octet);
    }
    *v6 = false;
    return true;
  }
  // IPv6: hex groups with at most one "::". Embedded IPv4 tails are not accepted.
  if (text.find(':') == std::string_view::npos) return false;
  const size_t gap = text.find("::");
  if (gap != std::string_view::npos && text.find("::", gap + 1) != std::string_view::npos) {
    return false;
  }
  auto parse_groups = [](std::string_view s, std::vector<uint16_t>* out) {
    if (s.empty()) return true;
    for (absl::string_view g : absl::StrSplit(Sv(s), ':')) {
      if (g.empty() || g.size() > 4) return false;
      uint32_t v = 0;
      for (char c : g) {
        const int d = (c >= '0' && c <= '9')   ? c - '0'
                      : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                      : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                               : -1;
        if (d < 0) return false;
        v = v * 16 + d;
      }
      out->push_back(static_cast<uint16_t>(v));
    }
    return true;
  };
  std::vector<uint16_t> head, tail;
  if (gap == std::string_view::npos) {
    if (!parse_groups(text, &head) || head.size() != 8) return false;
  } else {
    if (!parse_groups(text.substr(0, gap), &head) || !parse_groups(text.substr(gap + 2), &tail) ||
        head.size() + tail.size() > 7) {
      return false;
    }
  }
  std::array<uint16_t, 8> groups{};
  for (size_t i = 0; i < head.size(); ++i) groups[i] = head[i];
  for (size_t i = 0; i < tail.size(); ++i) groups[8 - tail.size() + i] = tail[i];
  for (int i = 0; i < 8; ++i) {
    (*bytes)[2 * i] = static_cast<uint8_t>(groups[i] >> 8);
    (*bytes)[2 * i + 1] = static_cast<uint8_t>(groups[i] & 0xFF);
  }
  *v6 = true;
  return true;
}

}  // namespace

absl::StatusOr<CidrMatcher> CidrMatcher::Parse(std::string_view cidr) {
  CidrMatcher m;
  const size_t slash = cidr.find('/');
  const std::string_view addr = cidr.substr(0, slash);
  if (!ParseIp(addr, &m.v6_, &m.net_)) {
    return absl::InvalidArgumentError(absl::StrCat("bad CIDR address '", Sv(cidr), "'"));
  }
  const int max_prefix = m.v6_ ? 128 : 32;
  m.prefix_ = max_prefix;
  if (slash != std::string_view::npos) {
    int prefix = -1;
    if (!absl::SimpleAtoi(Sv(cidr.substr(slash + 1)), &prefix) || prefix < 0 ||
        prefix > max_prefix) {
      return absl::InvalidArgumentError(absl::StrCat("bad CIDR prefix in '", Sv(cidr), "'"));
    }
    m.prefix_ = prefix;
  }
  return m;
}

bool CidrMatcher::Matches(std::string_view address) const {
  bool v6 = false;
  std::array<uint8_t, 16> bytes;
  if (!ParseIp(address, &v6, &bytes) || v6 != v6_) return false;
  int bits = prefix_;
  for (int i = 0; bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xFF : static_cast<uint8_t>(0xFF << (8 - bits));
    if ((bytes[i] & mask) != (net_[i] & mask)) return false;
  }
  return true;
}

bool ParseNumber(std::string_view text, double* out) {
  if (text.empty()) return false;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    uint64_t v = 0;
    const auto r = std::from_chars(text.data() + 2, text.data() + text.size(), v, 16);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return false;
    *out = static_cast<double>(v);
    return true;
  }
  const auto r = std::from_chars(text.data(), text.data() + text.size(), *out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

}  // namespace otasuke::agent::sigma

// pcre:[!]"/regex/flags"; a PCRE2 regex (JIT-compiled) over the current or flagged buffer.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

// Suricata's buffer flags of pcre, each selecting the buffer the regex inspects.
struct BufferFlag {
  char flag;
  BufferId buffer;
};
constexpr BufferFlag kBufferFlags[] = {
    {'U', BufferId::kHttpUri},         {'I', BufferId::kHttpUriRaw},
    {'P', BufferId::kHttpRequestBody}, {'Q', BufferId::kHttpResponseBody},
    {'H', BufferId::kHttpHeader},      {'D', BufferId::kHttpHeaderRaw},
    {'M', BufferId::kHttpMethod},      {'C', BufferId::kHttpCookie},
    {'S', BufferId::kHttpStatCode},    {'Y', BufferId::kHttpStatMsg},
    {'V', BufferId::kHttpUserAgent},   {'W', BufferId::kHttpHost},
    {'Z', BufferId::kHttpHostRaw},
};

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  value = TrimValue(value);
  PcreMatcher matcher;
  if (!value.empty() && value.front() == '!') {
    matcher.negated = true;
    value = TrimValue(value.substr(1));
  }
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') {
    return absl::InvalidArgumentError("pcre must be a quoted \"/regex/flags\"");
  }
  value = value.substr(1, value.size() - 2);
  const size_t close = value.rfind('/');
  if (value.empty() || value.front() != '/' || close == 0) {
    return absl::InvalidArgumentError("pcre must look like \"/regex/flags\"");
  }
  const std::string pattern(value.substr(1, close - 1));
  matcher.source = std::string(value);
  uint32_t options = 0;
  std::optional<BufferId> flagged_buffer;
  for (char flag : value.substr(close + 1)) {
    switch (flag) {
      case 'i':
        options |= PCRE2_CASELESS;
        break;
      case 's':
        options |= PCRE2_DOTALL;
        break;
      case 'm':
        options |= PCRE2_MULTILINE;
        break;
      case 'x':
        options |= PCRE2_EXTENDED;
        break;
      case 'A':
        options |= PCRE2_ANCHORED;
        break;
      case 'E':
        options |= PCRE2_DOLLAR_ENDONLY;
        break;
      case 'G':
        options |= PCRE2_UNGREEDY;
        break;
      case 'R':
        matcher.relative = true;
        break;
      case 'O':
        matcher.override_limits = true;
        break;
      case 'B':
        break;  // rawbytes: buffers are raw already
      default: {
        bool known = false;
        for (const BufferFlag& b : kBufferFlags) {
          if (b.flag == flag) {
            flagged_buffer = b.buffer;
            known = true;
          }
        }
        if (!known) {
          return absl::InvalidArgumentError(
              absl::StrCat("unknown pcre flag '", std::string(1, flag), "'"));
        }
      }
    }
  }
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   options, &error_code, &error_offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error_code, message, sizeof(message));
    return absl::InvalidArgumentError(absl::StrCat("pcre '", Sv(matcher.source), "' at offset ",
                                                   error_offset, ": ",
                                                   reinterpret_cast<const char*>(message)));
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter when it fails
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &matcher.capture_count);
  matcher.code = std::shared_ptr<pcre2_real_code_8>(code, PcreCodeDeleter());
  if (flagged_buffer) {
    if (context.current_buffer != BufferId::kPktData && context.current_buffer != *flagged_buffer) {
      return absl::InvalidArgumentError("pcre buffer flag conflicts with the sticky buffer");
    }
    RETURN_IF_ERROR(context.RequireAppProto(AppProto::kHttp, "pcre"));
    const BufferId saved = context.current_buffer;
    context.current_buffer = *flagged_buffer;
    context.AddMatcher(std::move(matcher));
    context.current_buffer = saved;
    return absl::OkStatus();
  }
  context.AddMatcher(std::move(matcher));
  return absl::OkStatus();
}

}  // namespace

void PcreCodeDeleter::operator()(pcre2_real_code_8* code) const { pcre2_code_free(code); }

const KeywordDescriptor kPcreKeyword = {
    .name = "pcre",
    .help =
        "pcre:[!]\"/regex/flags\"; PCRE2 regex; flags imsxAEG, R relative, O no limits, "
        "buffer flags U I P Q H D M C S Y V W Z",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect

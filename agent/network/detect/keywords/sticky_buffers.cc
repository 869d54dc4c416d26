// Buffer keywords: sticky buffers (`http.uri;` — following payload keywords inspect that
// buffer) and their legacy modifier forms (`content:"x"; http_uri;` — moves the preceding
// content). One table row per spelling.
#include <array>
#include <utility>

#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

struct BufferKeyword {
  std::string_view name;
  BufferId buffer;
  AppProto proto;  // kUnknown: not an app-layer buffer
  bool modifier;   // legacy form: applies to the preceding content
  std::string_view help;
};

constexpr BufferKeyword kBufferKeywords[] = {
    {"pkt_data", BufferId::kPktData, AppProto::kUnknown, false,
     "sticky: the packet / stream payload"},
    {"http.uri", BufferId::kHttpUri, AppProto::kHttp, false, "sticky: normalised request URI"},
    {"http_uri", BufferId::kHttpUri, AppProto::kHttp, true, "modifier: normalised request URI"},
    {"http.uri.raw", BufferId::kHttpUriRaw, AppProto::kHttp, false, "sticky: request URI as sent"},
    {"http_raw_uri", BufferId::kHttpUriRaw, AppProto::kHttp, true, "modifier: request URI as sent"},
    {"http.method", BufferId::kHttpMethod, AppProto::kHttp, false, "sticky: request method"},
    {"http_method", BufferId::kHttpMethod, AppProto::kHttp, true, "modifier: request method"},
    {"http.protocol", BufferId::kHttpProtocol, AppProto::kHttp, false, "sticky: HTTP version"},
    {"http.request_line", BufferId::kHttpRequestLine, AppProto::kHttp, false,
     "sticky: request line"},
    {"http_request_line", BufferId::kHttpRequestLine, AppProto::kHttp, false,
     "sticky: request line"},
    {"http.host", BufferId::kHttpHost, AppProto::kHttp, false, "sticky: normalised Host"},
    {"http_host", BufferId::kHttpHost, AppProto::kHttp, true, "modifier: normalised Host"},
    {"http.host.raw", BufferId::kHttpHostRaw, AppProto::kHttp, false, "sticky: Host as sent"},
    {"http_raw_host", BufferId::kHttpHostRaw, AppProto::kHttp, true, "modifier: Host as sent"},
    {"http.user_agent", BufferId::kHttpUserAgent, AppProto::kHttp, false, "sticky: User-Agent"},
    {"http_user_agent", BufferId::kHttpUserAgent, AppProto::kHttp, true, "modifier: User-Agent"},
    {"http.header", BufferId::kHttpHeader, AppProto::kHttp, false, "sticky: normalised headers"},
    {"http_header", BufferId::kHttpHeader, AppProto::kHttp, true, "modifier: normalised headers"},
    {"http.header.raw", BufferId::kHttpHeaderRaw, AppProto::kHttp, false, "sticky: raw headers"},
    {"http_raw_header", BufferId::kHttpHeaderRaw, AppProto::kHttp, true, "modifier: raw headers"},
    {"http.cookie", BufferId::kHttpCookie, AppProto::kHttp, false, "sticky: Cookie / Set-Cookie"},
    {"http_cookie", BufferId::kHttpCookie, AppProto::kHttp, true, "modifier: Cookie / Set-Cookie"},
    {"http.content_type", BufferId::kHttpContentType, AppProto::kHttp, false,
     "sticky: Content-Type"},
    {"http_content_type", BufferId::kHttpContentType, AppProto::kHttp, true,
     "modifier: Content-Type"},
    {"http.referer", BufferId::kHttpReferer, AppProto::kHttp, false, "sticky: Referer"},
    {"http.request_body", BufferId::kHttpRequestBody, AppProto::kHttp, false,
     "sticky: request body"},
    {"http_client_body", BufferId::kHttpRequestBody, AppProto::kHttp, true,
     "modifier: request body"},
    {"http.stat_code", BufferId::kHttpStatCode, AppProto::kHttp, false, "sticky: status code"},
    {"http_stat_code", BufferId::kHttpStatCode, AppProto::kHttp, true, "modifier: status code"},
    {"http.stat_msg", BufferId::kHttpStatMsg, AppProto::kHttp, false, "sticky: status message"},
    {"http_stat_msg", BufferId::kHttpStatMsg, AppProto::kHttp, true, "modifier: status message"},
    {"http.response_body", BufferId::kHttpResponseBody, AppProto::kHttp, false,
     "sticky: response body"},
    {"http_server_body", BufferId::kHttpResponseBody, AppProto::kHttp, true,
     "modifier: response body"},
    {"file_data", BufferId::kHttpResponseBody, AppProto::kHttp, false,
     "sticky: HTTP response body"},
    {"file.data", BufferId::kHttpResponseBody, AppProto::kHttp, false,
     "sticky: HTTP response body"},
    {"dns.query", BufferId::kDnsQuery, AppProto::kDns, false, "sticky: DNS query name"},
    {"dns_query", BufferId::kDnsQuery, AppProto::kDns, false, "sticky: DNS query name"},
    {"tls.sni", BufferId::kTlsSni, AppProto::kTls, false, "sticky: TLS SNI"},
    {"tls_sni", BufferId::kTlsSni, AppProto::kTls, false, "sticky: TLS SNI"},
};
constexpr size_t kBufferKeywordCount = std::size(kBufferKeywords);

absl::Status Apply(const BufferKeyword& keyword, RuleBuildContext& context) {
  if (keyword.proto != AppProto::kUnknown) {
    RETURN_IF_ERROR(context.RequireAppProto(keyword.proto, keyword.name));
  }
  if (keyword.modifier) return context.MoveLastContentTo(keyword.buffer, keyword.name);
  context.current_buffer = keyword.buffer;
  return absl::OkStatus();
}

template <size_t I>
absl::Status ParseBufferKeyword(std::string_view, RuleBuildContext& context) {
  return Apply(kBufferKeywords[I], context);
}

template <size_t... I>
constexpr std::array<KeywordDescriptor, kBufferKeywordCount> MakeDescriptors(
    std::index_sequence<I...>) {
  return {KeywordDescriptor{.name = kBufferKeywords[I].name,
                            .help = kBufferKeywords[I].help,
                            .value = KeywordValue::kNone,
                            .parse = &ParseBufferKeyword<I>}...};
}

constexpr std::array<KeywordDescriptor, kBufferKeywordCount> kDescriptors =
    MakeDescriptors(std::make_index_sequence<kBufferKeywordCount>());

}  // namespace

std::span<const KeywordDescriptor> BufferKeywordDescriptors() { return kDescriptors; }

}  // namespace otasuke::network::detect

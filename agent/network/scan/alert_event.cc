#include "agent/network/scan/alert_event.h"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <string_view>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "common/json_writer.h"

namespace otasuke::network {

namespace {

// Longest timestamp text: the sign and six digits of a year of a 64-bit microsecond count, and
// a negative microsecond part, with room to spare.
constexpr size_t kEveTimestampMax = 48;

void PutDigits(uint32_t value, int width, char* at) {
  for (int i = width - 1; i >= 0; --i) {
    at[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

// EveTimestamp's text in `buf`. Times of years 1970-9999 (every capture) are formatted by hand,
// with the days-to-civil-date conversion of Howard Hinnant's chrono algorithms: gmtime_r takes
// glibc's time zone lock and StrFormat parses its format on every call. Other times go through
// gmtime_r and the format, as they always did.
std::string_view FormatEveTimestamp(int64_t ts_usec, char (&buf)[kEveTimestampMax]) {
  constexpr int64_t kYear10000 = 253'402'300'800;  // seconds from 1970 to 10000-01-01
  const int64_t secs = ts_usec / 1'000'000;
  if (ts_usec >= 0 && secs < kYear10000) {
    const int64_t days = secs / 86'400;
    const uint32_t day_secs = static_cast<uint32_t>(secs % 86'400);
    // Days since 0000-03-01, in 400-year eras (the epoch is era 4, so everything is positive).
    const int64_t z = days + 719'468;
    const int64_t era = z / 146'097;
    const uint32_t doe = static_cast<uint32_t>(z - era * 146'097);
    const uint32_t yoe = (doe - doe / 1'460 + doe / 36'524 - doe / 146'096) / 365;
    const uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const uint32_t mp = (5 * doy + 2) / 153;
    const uint32_t day = doy - (153 * mp + 2) / 5 + 1;
    const uint32_t month = mp < 10 ? mp + 3 : mp - 9;
    const uint32_t year = static_cast<uint32_t>(yoe + era * 400) + (month <= 2 ? 1 : 0);
    static constexpr char kPattern[] = "0000-00-00T00:00:00.000000+0000";
    std::memcpy(buf, kPattern, sizeof(kPattern) - 1);
    PutDigits(year, 4, buf);
    PutDigits(month, 2, buf + 5);
    PutDigits(day, 2, buf + 8);
    PutDigits(day_secs / 3'600, 2, buf + 11);
    PutDigits(day_secs / 60 % 60, 2, buf + 14);
    PutDigits(day_secs % 60, 2, buf + 17);
    PutDigits(static_cast<uint32_t>(ts_usec % 1'000'000), 6, buf + 20);
    return std::string_view(buf, sizeof(kPattern) - 1);
  }
  const time_t gm_secs = static_cast<time_t>(secs);
  const int64_t usec = ts_usec % 1'000'000;
  std::tm tm{};
  gmtime_r(&gm_secs, &tm);
  const int n =
      absl::SNPrintF(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06d+0000", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
  return std::string_view(buf, std::min<size_t>(static_cast<size_t>(n), sizeof(buf) - 1));
}

void WriteTimestamp(std::string_view key, int64_t ts_usec, JsonWriter& w) {
  char buf[kEveTimestampMax];
  w.Key(key).String(FormatEveTimestamp(ts_usec, buf));
}

}  // namespace

std::string EveTimestamp(int64_t ts_usec) {
  char buf[kEveTimestampMax];
  return std::string(FormatEveTimestamp(ts_usec, buf));
}

// Field order and shapes are those of the nlohmann::ordered_json tree this replaced (and of
// Suricata's EVE); tests/network/scan/eve_json_test.cc holds the expected text.
void AppendEveJson(const AlertEvent& e, std::string* out) {
  JsonWriter w(out);
  w.BeginObject();
  WriteTimestamp("timestamp", e.ts_usec, w);
  if (e.has_flow) w.Key("flow_id").Uint(e.flow_id);
  if (e.pcap_cnt != 0) w.Key("pcap_cnt").Uint(e.pcap_cnt);
  w.Key("event_type").String("alert");
  w.Key("src_ip").String(e.src_ip);
  if (e.has_ports) w.Key("src_port").Uint(e.src_port);
  w.Key("dest_ip").String(e.dest_ip);
  if (e.has_ports) w.Key("dest_port").Uint(e.dest_port);
  w.Key("ip_v").Uint(e.ip_version);
  w.Key("proto").String(e.proto);
  if (e.has_icmp) {
    w.Key("icmp_type").Uint(e.icmp_type);
    w.Key("icmp_code").Uint(e.icmp_code);
  }
  if (!e.pkt_src.empty()) w.Key("pkt_src").String(e.pkt_src);
  if (e.tunneled) {
    w.Key("tunnel").BeginObject();
    w.Key("src_ip").String(e.tunnel_src_ip);
    if (e.tunnel_has_ports) w.Key("src_port").Uint(e.tunnel_src_port);
    w.Key("dest_ip").String(e.tunnel_dest_ip);
    if (e.tunnel_has_ports) w.Key("dest_port").Uint(e.tunnel_dest_port);
    w.Key("proto").String(e.tunnel_proto);
    w.Key("depth").Uint(0);
    w.EndObject();
  }
  if (!e.community_id.empty()) w.Key("community_id").String(e.community_id);
  if (e.has_ether) {
    auto mac = [](const uint8_t* m) {
      return absl::StrFormat("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    };
    w.Key("ether").BeginObject();
    w.Key("src_mac").String(mac(e.src_mac));
    w.Key("dest_mac").String(mac(e.dest_mac));
    w.EndObject();
  }
  if (!e.app_proto.empty()) w.Key("app_proto").String(e.app_proto);
  if (!e.direction.empty()) w.Key("direction").String(e.direction);

  w.Key("alert").BeginObject();
  w.Key("action").String(e.action);
  w.Key("gid").Uint(e.gid);
  w.Key("signature_id").Uint(e.sid);
  w.Key("rev").Uint(e.rev);
  w.Key("signature").String(e.signature);
  w.Key("category").String(e.category);
  w.Key("severity").Int(e.severity);
  if (!e.metadata.empty()) {
    // One array per key, in the order keys first appear, holding every value of that key.
    w.Key("metadata").BeginObject();
    for (size_t i = 0; i < e.metadata.size(); ++i) {
      const std::string& key = e.metadata[i].first;
      bool seen = false;
      for (size_t k = 0; k < i && !seen; ++k) seen = e.metadata[k].first == key;
      if (seen) continue;
      w.Key(key).BeginArray();
      for (size_t k = i; k < e.metadata.size(); ++k) {
        if (e.metadata[k].first == key) w.String(e.metadata[k].second);
      }
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndObject();

  if (e.http) {
    const HttpEventInfo& h = *e.http;
    w.Key("http").BeginObject();
    if (!h.hostname.empty()) w.Key("hostname").String(h.hostname);
    if (!h.url.empty()) w.Key("url").String(h.url);
    if (!h.user_agent.empty()) w.Key("http_user_agent").String(h.user_agent);
    if (!h.content_type.empty()) w.Key("http_content_type").String(h.content_type);
    if (!h.referer.empty()) w.Key("http_refer").String(h.referer);
    if (!h.method.empty()) w.Key("http_method").String(h.method);
    if (!h.protocol.empty()) w.Key("protocol").String(h.protocol);
    if (h.status != 0) w.Key("status").Uint(h.status);
    w.Key("length").Uint(h.length);
    w.EndObject();
  }
  if (e.dns) {
    const DnsEventInfo& d = *e.dns;
    w.Key("dns").BeginObject().Key("query").BeginArray().BeginObject();
    w.Key("type").String(d.response ? "answer" : "query");
    w.Key("id").Uint(d.id);
    if (!d.rrname.empty()) w.Key("rrname").String(d.rrname);
    if (!d.rrtype.empty()) w.Key("rrtype").String(d.rrtype);
    if (d.response) w.Key("rcode").String(d.rcode);
    w.Key("tx_id").Uint(d.tx_id);
    w.EndObject().EndArray().EndObject();
  }
  if (e.tls) {
    const TlsEventInfo& t = *e.tls;
    w.Key("tls");
    if (t.sni.empty() && t.version.empty() && t.ja3_hash.empty()) {
      // What the nlohmann tree wrote for an object that never got a member (a default json is
      // null). Kept for byte-identical output; a ClientHello always gives a version, so EVE
      // from a capture never has it.
      w.Null();
    } else {
      w.BeginObject();
      if (!t.sni.empty()) w.Key("sni").String(t.sni);
      if (!t.version.empty()) w.Key("version").String(t.version);
      if (!t.ja3_hash.empty()) {
        w.Key("ja3").BeginObject();
        w.Key("hash").String(t.ja3_hash);
        w.Key("string").String(t.ja3);
        w.EndObject();
      }
      w.EndObject();
    }
  }
  if (e.has_flow) {
    w.Key("flow").BeginObject();
    w.Key("pkts_toserver").Uint(e.pkts_toserver);
    w.Key("pkts_toclient").Uint(e.pkts_toclient);
    w.Key("bytes_toserver").Uint(e.bytes_toserver);
    w.Key("bytes_toclient").Uint(e.bytes_toclient);
    WriteTimestamp("start", e.flow_start_usec, w);
    w.EndObject();
  }
  w.Key("stream").Uint(e.in_stream ? 1 : 0);
  if (!e.packet.empty()) {
    w.Key("packet").String(absl::Base64Escape(absl::string_view(e.packet)));
    w.Key("packet_info").BeginObject().Key("linktype").Int(e.link_type).EndObject();
  }
  if (e.verdict) {
    w.Key("verdict").BeginObject();
    w.Key("action").String(e.verdict->action);
    if (!e.verdict->reject_target.empty()) {
      w.Key("reject-target").String(e.verdict->reject_target);
      w.Key("reject").BeginArray();
      for (const std::string& reject : e.verdict->reject) w.String(reject);
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndObject();
}

std::string ToEveJson(const AlertEvent& e) {
  std::string out;
  AppendEveJson(e, &out);
  return out;
}

}  // namespace otasuke::network

#include "agent/network/scan/alert_convert.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace otasuke::network {
namespace {
constexpr size_t kMaxRawEvidence = 8 * 1024;
}  // namespace

otasuke::v1::Severity SeverityOfPriority(int priority) {
  switch (priority) {
    case 1:
      return otasuke::v1::SEVERITY_HIGH;
    case 2:
      return otasuke::v1::SEVERITY_MEDIUM;
    case 3:
      return otasuke::v1::SEVERITY_LOW;
    default:
      return priority <= 0 ? otasuke::v1::SEVERITY_HIGH : otasuke::v1::SEVERITY_INFORMATIONAL;
  }
}

otasuke::v1::Alert ToOtasukeAlert(const AlertEvent& e) {
  otasuke::v1::Alert alert;
  alert.mutable_event_time()->set_seconds(e.ts_usec / 1'000'000);
  alert.mutable_event_time()->set_nanos(static_cast<int32_t>(e.ts_usec % 1'000'000) * 1000);
  otasuke::v1::RuleRef* rule = alert.mutable_rule();
  rule->set_engine(otasuke::v1::ENGINE_SURICATA);
  rule->set_rule_id(absl::StrCat(e.gid, ":", e.sid));
  rule->set_revision(e.rev);
  alert.set_severity(SeverityOfPriority(e.severity));
  alert.set_title(e.signature);

  const std::string from = e.has_ports ? absl::StrCat(e.src_ip, ":", e.src_port) : e.src_ip;
  const std::string to = e.has_ports ? absl::StrCat(e.dest_ip, ":", e.dest_port) : e.dest_ip;
  alert.mutable_explanation()->set_en(
      absl::StrFormat("Network traffic from %s to %s (%s%s) matched the signature \"%s\"%s.", from,
                      to, e.proto, e.app_proto.empty() ? "" : "/" + e.app_proto, e.signature,
                      e.category.empty() ? "" : " (" + e.category + ")"));
  alert.mutable_explanation()->set_ja(
      absl::StrFormat("%s から %s への通信 (%s%s) がシグネチャ「%s」に一致しました。", from, to,
                      e.proto, e.app_proto.empty() ? "" : "/" + e.app_proto, e.signature));
  alert.mutable_next_step()->set_en(absl::StrFormat(
      "Check which device uses %s and whether this traffic is expected; if not, disconnect it "
      "from the network and contact your support desk.",
      e.src_ip));
  alert.mutable_next_step()->set_ja(absl::StrFormat(
      "%s を使っている機器と、この通信に心当たりがあるかを確認してください。心当たりがなければ"
      "機器をネットワークから外し、サポート窓口に連絡してください。",
      e.src_ip));

  otasuke::v1::NetworkEvidence* net = alert.mutable_network();
  net->set_src_ip(e.src_ip);
  net->set_src_port(e.src_port);
  net->set_dest_ip(e.dest_ip);
  net->set_dest_port(e.dest_port);
  net->set_transport(e.proto);
  net->set_app_proto(e.app_proto);
  net->set_community_id(e.community_id);
  net->set_flow_id(e.flow_id);
  if (e.http) {
    otasuke::v1::HttpEvidence* http = net->mutable_http();
    http->set_method(e.http->method);
    http->set_uri(e.http->url);
    http->set_host(e.http->hostname);
    http->set_user_agent(e.http->user_agent);
    http->set_status(e.http->status);
  }
  if (e.dns) {
    net->mutable_dns()->set_query(e.dns->rrname);
    net->mutable_dns()->set_rrtype(e.dns->rrtype);
  }
  if (e.tls) {
    net->mutable_tls()->set_sni(e.tls->sni);
    net->mutable_tls()->set_ja3(e.tls->ja3_hash);
  }
  std::string eve = ToEveJson(e);
  if (eve.size() > kMaxRawEvidence) eve.resize(kMaxRawEvidence);
  alert.set_raw_evidence(std::move(eve));
  return alert;
}

}  // namespace otasuke::network

#include "agent/network/detect/rule_parser.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace otasuke::network::detect {
namespace {

struct Token {
  std::string_view text;
  size_t position = 0;
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Header tokens: whitespace-separated, but "[a, b]" stays one token.
bool NextHeaderToken(std::string_view text, size_t* pos, Token* token) {
  while (*pos < text.size() && IsSpace(text[*pos])) ++*pos;
  if (*pos >= text.size() || text[*pos] == '(') return false;
  const size_t start = *pos;
  int depth = 0;
  while (*pos < text.size()) {
    const char c = text[*pos];
    if (c == '[') ++depth;
    if (c == ']') --depth;
    if (depth <= 0 && (IsSpace(c) || c == '(')) break;
    ++*pos;
  }
  token->text = text.substr(start, *pos - start);
  token->position = start;
  return true;
}

struct Option {
  std::string_view name;
  std::string_view value;
  bool has_value = false;
  size_t position = 0;
};

// Splits the option block at unescaped ';'.
std::vector<Option> SplitOptions(std::string_view block, size_t base) {
  std::vector<Option> options;
  size_t start = 0;
  for (size_t i = 0; i <= block.size(); ++i) {
    if (i < block.size() && block[i] == '\\') {
      ++i;
      continue;
    }
    if (i == block.size() || block[i] == ';') {
      std::string_view item = block.substr(start, std::min(i, block.size()) - start);
      size_t lead = 0;
      while (lead < item.size() && IsSpace(item[lead])) ++lead;
      item.remove_prefix(lead);
      while (!item.empty() && IsSpace(item.back())) item.remove_suffix(1);
      if (!item.empty()) {
        Option option;
        option.position = base + start + lead;
        const size_t colon = item.find(':');
        if (colon == std::string_view::npos) {
          option.name = item;
        } else {
          option.name = TrimValue(item.substr(0, colon));
          option.value = TrimValue(item.substr(colon + 1));
          option.has_value = true;
        }
        options.push_back(option);
      }
      start = i + 1;
    }
  }
  return options;
}

// The prefilter pattern: the content marked fast_pattern, else the longest non-negated one.
void ChooseFastPattern(Rule* rule) {
  size_t best_length = 0;
  for (size_t c = 0; c < rule->chains.size(); ++c) {
    const auto& matchers = rule->chains[c].matchers;
    for (size_t m = 0; m < matchers.size(); ++m) {
      const auto* content = std::get_if<ContentMatcher>(&matchers[m]);
      if (content == nullptr || content->negated) continue;
      if (content->fast_pattern) {
        rule->fast_chain = static_cast<int>(c);
        rule->fast_matcher = static_cast<int>(m);
        return;
      }
      if (content->pattern.size() > best_length) {
        best_length = content->pattern.size();
        rule->fast_chain = static_cast<int>(c);
        rule->fast_matcher = static_cast<int>(m);
      }
    }
  }
}

// Suricata 8's signature types and their flow action (detect-engine-build.c SignatureSetType,
// signature_properties[]). Keywords that only set flowbits are post-match and do not make a rule
// a packet rule; every other non-payload keyword does.
ActionScope ActionScopeOf(const Rule& rule) {
  if (rule.ip_only || rule.uses_app_buffers) return ActionScope::kFlow;
  const bool payload = !rule.chains.empty();
  if (payload) {
    if (rule.RequiresPacket()) return ActionScope::kPacket;
    return rule.only_stream ? ActionScope::kFlow : ActionScope::kFlowIfStreamMatch;
  }
  const bool packet_match = rule.ttl || rule.dsize || rule.itype || rule.icode || rule.flags ||
                            !rule.flowbit_checks.empty() || rule.flow_established ||
                            rule.flow_not_established || rule.flow_to_server ||
                            rule.flow_to_client || rule.only_stream || rule.no_stream;
  if (packet_match) return ActionScope::kPacket;
  return rule.app_proto != AppProto::kUnknown ? ActionScope::kFlow : ActionScope::kPacket;
}

bool Fail(RuleParseError* error, size_t column, std::string reason, std::string reason_class) {
  error->column = static_cast<int>(column) + 1;
  error->reason = std::move(reason);
  error->reason_class = std::move(reason_class);
  return false;
}

}  // namespace

bool ParseRule(std::string_view text, const RuleParseEnv& env, Rule* rule, RuleParseError* error) {
  *rule = Rule{};
  *error = RuleParseError{};
  rule->info.text = std::string(text);

  const size_t open = text.find('(');
  const size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return Fail(error, 0, "parse error: expected '(options)' after the header", "parse error");
  }
  for (size_t i = close + 1; i < text.size(); ++i) {
    if (!IsSpace(text[i])) {
      return Fail(error, i, "parse error: text after the closing ')'", "parse error");
    }
  }
  const std::vector<Option> options =
      SplitOptions(text.substr(open + 1, close - open - 1), open + 1);
  // The sid first, so that every later error can name the rule.
  for (const Option& option : options) {
    uint32_t sid = 0;
    if (option.name == "sid" && absl::SimpleAtoi(Sv(option.value), &sid)) error->sid = sid;
  }

  std::string_view header = text.substr(0, open);
  Token tokens[7];
  size_t pos = 0;
  int count = 0;
  Token extra;
  while (count < 7 && NextHeaderToken(header, &pos, &tokens[count])) ++count;
  if (count != 7 || NextHeaderToken(header, &pos, &extra)) {
    return Fail(error, count < 7 ? header.size() : extra.position,
                "parse error: header needs action proto src sport dir dst dport", "parse error");
  }

  const std::string_view action = tokens[0].text;
  if (action == "alert") {
    rule->info.action = RuleAction::kAlert;
  } else if (action == "pass") {
    rule->info.action = RuleAction::kPass;
  } else if (action == "drop") {
    rule->info.action = RuleAction::kDrop;
  } else if (action == "reject" || action == "rejectsrc") {
    rule->info.action = RuleAction::kReject;
    rule->info.reject_target = RejectTarget::kToClient;
  } else if (action == "rejectdst") {
    rule->info.action = RuleAction::kReject;
    rule->info.reject_target = RejectTarget::kToServer;
  } else if (action == "rejectboth") {
    rule->info.action = RuleAction::kReject;
    rule->info.reject_target = RejectTarget::kBoth;
  } else {
    return Fail(error, tokens[0].position, absl::StrCat("unsupported action '", Sv(action), "'"),
                absl::StrCat("unsupported action '", Sv(action), "'"));
  }

  const std::string_view proto = tokens[1].text;
  if (proto == "ip" || proto == "pkthdr") {
    rule->proto_mask = kProtoAll;
  } else if (proto == "tcp") {
    rule->proto_mask = kProtoTcp;
  } else if (proto == "udp") {
    rule->proto_mask = kProtoUdp;
  } else if (proto == "icmp") {
    rule->proto_mask = kProtoIcmp4 | kProtoIcmp6;
  } else if (proto == "http" || proto == "http1") {
    rule->proto_mask = kProtoTcp;
    rule->app_proto = AppProto::kHttp;
  } else if (proto == "dns") {
    rule->proto_mask = kProtoTcp | kProtoUdp;
    rule->app_proto = AppProto::kDns;
  } else if (proto == "tls") {
    rule->proto_mask = kProtoTcp;
    rule->app_proto = AppProto::kTls;
  } else {
    return Fail(error, tokens[1].position, absl::StrCat("unsupported protocol '", Sv(proto), "'"),
                absl::StrCat("unsupported protocol '", Sv(proto), "'"));
  }

  struct AddressField {
    int token;
    IpSet* set;
  };
  for (const AddressField& field : {AddressField{2, &rule->src}, AddressField{5, &rule->dst}}) {
    auto set = ParseIpSet(tokens[field.token].text, env.vars);
    if (!set.ok()) {
      return Fail(error, tokens[field.token].position,
                  absl::StrCat("bad address '", Sv(tokens[field.token].text),
                               "': ", set.status().message()),
                  "bad address");
    }
    *field.set = *std::move(set);
  }
  struct PortField {
    int token;
    PortSet* set;
  };
  for (const PortField& field : {PortField{3, &rule->src_ports}, PortField{6, &rule->dst_ports}}) {
    auto set = ParsePortSet(tokens[field.token].text, env.vars);
    if (!set.ok()) {
      return Fail(
          error, tokens[field.token].position,
          absl::StrCat("bad port '", Sv(tokens[field.token].text), "': ", set.status().message()),
          "bad port");
    }
    *field.set = *std::move(set);
  }
  if (tokens[4].text == "<>") {
    rule->bidirectional = true;
  } else if (tokens[4].text != "->") {
    return Fail(
        error, tokens[4].position,
        absl::StrCat("parse error: direction must be '->' or '<>', not '", Sv(tokens[4].text), "'"),
        "parse error");
  }

  RuleBuildContext context{
      .rule = *rule, .flowbits = env.flowbits, .classifications = env.classifications};
  for (const Option& option : options) {
    const KeywordDescriptor* keyword = env.keywords.Find(option.name);
    if (keyword == nullptr) {
      const std::string reason = absl::StrCat("unsupported keyword '", Sv(option.name), "'");
      return Fail(error, option.position, reason, reason);
    }
    if (keyword->value == KeywordValue::kNone && option.has_value) {
      return Fail(error, option.position,
                  absl::StrCat("parse error: '", Sv(option.name), "' takes no value"),
                  "parse error");
    }
    if (keyword->value == KeywordValue::kRequired && (!option.has_value || option.value.empty())) {
      return Fail(error, option.position,
                  absl::StrCat("parse error: '", Sv(option.name), "' needs a value"),
                  "parse error");
    }
    const absl::Status status = keyword->parse(option.value, context);
    if (absl::IsUnimplemented(status)) {
      const std::string reason = absl::StrCat("unsupported ", status.message());
      return Fail(error, option.position, reason, reason);
    }
    if (!status.ok()) {
      return Fail(error, option.position,
                  absl::StrCat("parse error: ", Sv(option.name), ": ", status.message()),
                  absl::StrCat("bad '", Sv(option.name), "' value"));
    }
  }
  if (!context.saw_sid) return Fail(error, open, "parse error: rule has no sid", "no sid");
  if (rule->app_proto == AppProto::kHttp || rule->app_proto == AppProto::kTls) {
    rule->proto_mask &= kProtoTcp;
  }
  if (rule->app_proto == AppProto::kDns) rule->proto_mask &= kProtoTcp | kProtoUdp;
  if (rule->proto_mask == 0) {
    return Fail(error, tokens[1].position, "parse error: keywords exclude the rule's protocol",
                "parse error");
  }
  rule->ip_only = rule->chains.empty() && !rule->ttl && !rule->dsize && !rule->flags &&
                  !rule->itype && !rule->icode && rule->flowbit_checks.empty() &&
                  rule->flowbit_actions.empty() && rule->app_proto == AppProto::kUnknown &&
                  !rule->flow_established && !rule->flow_not_established && !rule->flow_to_server &&
                  !rule->flow_to_client && !rule->only_stream && !rule->no_stream;
  rule->action_scope = ActionScopeOf(*rule);
  ChooseFastPattern(rule);
  return true;
}

}  // namespace otasuke::network::detect

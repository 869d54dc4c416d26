#pragma once
// The entity kinds alerts are grouped by (docs/INCIDENTS.md). Each is small and stateless; the
// explicit list of them, by configuration name, is in grouper_chain.cc.

#include "collector/incident/grouper.h"

namespace otasuke::collector {

// The rule that fired: "<ENGINE>:<rule id>". Every alert has one.
class RuleGrouper final : public EntityGrouper {
 public:
  std::string_view name() const override { return "rule"; }
  void AppendKeys(const v1::Alert& alert, std::vector<std::string>* keys) const override;
};

// The process tree: the alert's process ("process:<pid>:<image>") and its parent
// ("process:<ppid>:<parent image>"), so a child's alert finds its parent's incident and a chain
// of any depth links up one generation at a time. No parent key for ppid 0, 1 (init) or 2
// (kthreadd): everything descends from them.
class ProcessTreeGrouper final : public EntityGrouper {
 public:
  std::string_view name() const override { return "process_tree"; }
  void AppendKeys(const v1::Alert& alert, std::vector<std::string>* keys) const override;
};

// The remote address of the alert's connection ("remote_ip:<address>"): the destination when
// it is public or when neither end is; the source when only the source is public (an inbound
// connection or a Suricata alert on traffic towards the host).
class RemoteIpGrouper final : public EntityGrouper {
 public:
  std::string_view name() const override { return "remote_ip"; }
  void AppendKeys(const v1::Alert& alert, std::vector<std::string>* keys) const override;
};

// One flow ("community_id:<id>"): joins the network engine's alert on a flow with the host
// alert on the connection that carried it.
class CommunityIdGrouper final : public EntityGrouper {
 public:
  std::string_view name() const override { return "community_id"; }
  void AppendKeys(const v1::Alert& alert, std::vector<std::string>* keys) const override;
};

// Loopback, link-local, RFC 1918, shared (100.64/10) and IPv6 unique-local addresses: the
// local side of a connection. Anything that does not parse counts as not private.
bool IsPrivateAddress(std::string_view ip);

}  // namespace otasuke::collector

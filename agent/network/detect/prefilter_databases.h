#pragma once
// Building a rule set's prefilter databases (PrefilterDatabase) and their subsets: the
// patterns of the rules an inspection of a flow not established, of an address class or of a
// hot server port can match. Load time only.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "agent/network/detect/address_classes.h"
#include "agent/network/detect/compiled_rules.h"

namespace otasuke::network::detect {

struct PatternKey {
  std::string bytes;
  bool nocase;
  bool operator==(const PatternKey&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const PatternKey& k) {
    return H::combine(std::move(h), k.bytes, k.nocase);
  }
};
// A database's patterns, each with the rules it makes candidates.
using PatternRules = absl::flat_hash_map<PatternKey, std::vector<uint32_t>>;

// The subsets a database gets built (each a matcher compile). Every database skips the flow
// states and address classes none of its rules can meet, whether or not it gets subsets.
struct DatabaseSubsets {
  // PrefilterDatabase::unestablished. Hyperscan: ET's two of ≈ 50 patterns take 0.8 G
  // instructions each, so only the payload databases of transport groups get one: they carry the
  // payloads of flows whose handshake was not seen. An app-layer group's TCP flow has been
  // reassembled, and a packet-only database is scanned only over reassembled payloads;
  // reassembly starts with the handshake (but for TCP Fast Open data), so theirs are nearly
  // always established.
  bool unestablished = false;
  // PrefilterDatabase::by_address_class: only the payload databases that carry most bytes
  // (transport groups' and the app-layer groups' merged ones).
  bool address_classes = false;
  // PrefilterDatabase::by_server_port, on the database and on each subset above: the same
  // payload databases.
  bool server_ports = false;
};

class PrefilterDatabaseBuilder {
 public:
  // `compiled`: its rules and address region final; read until the builder is gone.
  explicit PrefilterDatabaseBuilder(const CompiledRules& compiled);

  // Chooses the hot server ports (CompiledRules::hot_server_ports) from the payload databases
  // to be built, as (patterns, group direction): the ports many rules of a large one name.
  void ChooseHotServerPorts(
      const std::vector<std::pair<const PatternRules*, Direction>>& payload_databases);

  // One database of `map`'s patterns for a rule group of `direction`, each pattern making its
  // rules candidates, with the `subsets` asked for.
  absl::StatusOr<std::unique_ptr<PrefilterDatabase>> Build(const PatternRules& map,
                                                           Direction direction,
                                                           DatabaseSubsets subsets);

  // The hot server ports, in the order of their index in PrefilterDatabase::by_server_port.
  const std::vector<uint16_t>& hot_server_ports() const { return hot_server_ports_; }
  // The client ports of rules left out of those subsets although they meet the server port
  // (CompiledRules::named_client_ports).
  const IntervalSet<uint32_t>& named_client_ports() const { return named_client_ports_; }
  bool built_server_port_subsets() const { return built_server_port_subsets_; }

 private:
  struct Target {
    Direction direction;
    DatabaseSubsets subsets;
  };
  absl::StatusOr<std::unique_ptr<PrefilterDatabase>> BuildWithClassAndPortSubsets(
      const PatternRules& map, const Target& target);
  absl::Status AddAddressClassSubsets(const PatternRules& map, const Target& target,
                                      PrefilterDatabase& database);
  absl::Status AddServerPortSubsets(const PatternRules& map, Direction direction,
                                    PrefilterDatabase& database);

  const CompiledRules& compiled_;
  const RuleAddressClasses rule_classes_;
  std::vector<uint16_t> hot_server_ports_;
  IntervalSet<uint32_t> named_client_ports_;
  bool built_server_port_subsets_ = false;
};

}  // namespace otasuke::network::detect

#pragma once
// Network alerts as Otasuke alerts (protocol v1): the rule reference, severity from the
// rule's priority, plain-language text for the SME owner, and NetworkEvidence with the
// community_id so the collector can join it with other tools' records.

#include "agent/network/scan/alert_event.h"
#include "otasuke/v1/alert.pb.h"

namespace otasuke::network {

// Suricata priority 1 (highest) .. 4+: HIGH, MEDIUM, LOW, INFORMATIONAL.
otasuke::v1::Severity SeverityOfPriority(int priority);

// The sink stamps uuid, sequence, agent and detection time; this fills everything else.
otasuke::v1::Alert ToOtasukeAlert(const AlertEvent& event);

}  // namespace otasuke::network

#include "agent/pipeline/stamping_sink.h"

#include "common/log.h"
#include "common/uuid.h"
#include "google/protobuf/util/time_util.h"

namespace otasuke::agent {
namespace {

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
void Truncate(std::string* s, size_t max) {
  if (s->size() <= max) return;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>((*s)[cut]) & 0xC0) == 0x80) --cut;
  s->resize(cut);
}

}  // namespace

void BoundAlertFields(otasuke::v1::Alert* alert) {
  if (alert->raw_evidence().size() > kMaxRawEvidenceBytes) {
    alert->mutable_raw_evidence()->resize(kMaxRawEvidenceBytes);
  }
  Truncate(alert->mutable_title(), 512);
  auto* p = alert->mutable_process();
  Truncate(p->mutable_command_line(), kMaxTextFieldBytes);
  Truncate(p->mutable_parent_command_line(), kMaxTextFieldBytes);
  Truncate(p->mutable_image(), 4096);
  Truncate(p->mutable_parent_image(), 4096);
  Truncate(p->mutable_current_directory(), 4096);
  for (auto* text : {alert->mutable_explanation(), alert->mutable_next_step()}) {
    Truncate(text->mutable_ja(), kMaxTextFieldBytes);
    Truncate(text->mutable_en(), kMaxTextFieldBytes);
  }
}

void StampingSink::Emit(otasuke::v1::Alert&& alert) {
  const absl::Time now = clock_.Now();
  alert.set_uuid(NewUuidV7(now));
  alert.set_tenant_id(identity_.tenant_id);
  alert.set_agent_id(identity_.agent_id);
  alert.set_hostname(identity_.hostname);
  *alert.mutable_detection_time() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(now));
  if (!alert.has_event_time()) *alert.mutable_event_time() = alert.detection_time();
  BoundAlertFields(&alert);
  if (alert.ByteSizeLong() > max_alert_bytes_) {
    LOG_WARN("alert '%s' is %d bytes, over the %d byte limit: dropped", alert.title(),
             alert.ByteSizeLong(), max_alert_bytes_);
    counters_.CountDrop(otasuke::v1::DROP_REASON_OVERSIZED);
    return;
  }
  queue_.Push(std::move(alert));
}

}  // namespace otasuke::agent

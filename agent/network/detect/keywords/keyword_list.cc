// The one list of built-in rule keywords. ADD NEW KEYWORDS HERE (sorted), after creating
// keywords/<name>.cc with its descriptor.
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {

absl::Status RegisterBuiltinKeywords(KeywordRegistry& registry) {
  static const KeywordDescriptor* const kBuiltins[] = {
      &kBsizeKeyword,
      &kByteJumpKeyword,
      &kByteTestKeyword,
      &kClasstypeKeyword,
      &kContentKeyword,
      &kDepthKeyword,
      &kDetectionFilterKeyword,
      &kDistanceKeyword,
      &kDsizeKeyword,
      &kEndswithKeyword,
      &kFastPatternKeyword,
      &kFlagsKeyword,
      &kFlowKeyword,
      &kFlowbitsKeyword,
      &kGidKeyword,
      &kIcodeKeyword,
      &kIsdataatKeyword,
      &kItypeKeyword,
      &kMetadataKeyword,
      &kMsgKeyword,
      &kNoalertKeyword,
      &kNocaseKeyword,
      &kOffsetKeyword,
      &kPcreKeyword,
      &kPriorityKeyword,
      &kRawbytesKeyword,
      &kReferenceKeyword,
      &kRevKeyword,
      &kSidKeyword,
      &kStartswithKeyword,
      &kTargetKeyword,
      &kThresholdKeyword,
      &kTtlKeyword,
      &kWithinKeyword,
  };
  for (const KeywordDescriptor* descriptor : kBuiltins) {
    RETURN_IF_ERROR(registry.Register(*descriptor));
  }
  for (const KeywordDescriptor& descriptor : BufferKeywordDescriptors()) {
    RETURN_IF_ERROR(registry.Register(descriptor));
  }
  return absl::OkStatus();
}

}  // namespace otasuke::network::detect

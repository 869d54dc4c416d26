#pragma once
// Declarations of every built-in keyword descriptor and the helpers keyword files share.
// The one list that registers them is keyword_list.cc.

#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agent/network/detect/keyword.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::network::detect {

extern const KeywordDescriptor kBsizeKeyword;
extern const KeywordDescriptor kByteJumpKeyword;
extern const KeywordDescriptor kByteTestKeyword;
extern const KeywordDescriptor kClasstypeKeyword;
extern const KeywordDescriptor kContentKeyword;
extern const KeywordDescriptor kDepthKeyword;
extern const KeywordDescriptor kDetectionFilterKeyword;
extern const KeywordDescriptor kDistanceKeyword;
extern const KeywordDescriptor kDsizeKeyword;
extern const KeywordDescriptor kEndswithKeyword;
extern const KeywordDescriptor kFastPatternKeyword;
extern const KeywordDescriptor kFlagsKeyword;
extern const KeywordDescriptor kFlowKeyword;
extern const KeywordDescriptor kFlowbitsKeyword;
extern const KeywordDescriptor kGidKeyword;
extern const KeywordDescriptor kIcodeKeyword;
extern const KeywordDescriptor kIsdataatKeyword;
extern const KeywordDescriptor kItypeKeyword;
extern const KeywordDescriptor kMetadataKeyword;
extern const KeywordDescriptor kMsgKeyword;
extern const KeywordDescriptor kNoalertKeyword;
extern const KeywordDescriptor kNocaseKeyword;
extern const KeywordDescriptor kOffsetKeyword;
extern const KeywordDescriptor kPcreKeyword;
extern const KeywordDescriptor kPriorityKeyword;
extern const KeywordDescriptor kRawbytesKeyword;
extern const KeywordDescriptor kReferenceKeyword;
extern const KeywordDescriptor kRevKeyword;
extern const KeywordDescriptor kSidKeyword;
extern const KeywordDescriptor kStartswithKeyword;
extern const KeywordDescriptor kTargetKeyword;
extern const KeywordDescriptor kThresholdKeyword;
extern const KeywordDescriptor kTtlKeyword;
extern const KeywordDescriptor kWithinKeyword;
// Sticky buffers and legacy buffer modifiers (sticky_buffers.cc), one per spelling.
std::span<const KeywordDescriptor> BufferKeywordDescriptors();

// content's string syntax: quotes, |hex|, escapes.
absl::StatusOr<std::string> DecodeContent(std::string_view quoted);
// relative / big / little / string / hex / dec / oct / bitmask, shared by byte_test/byte_jump.
absl::Status ParseByteOptions(std::span<const std::string_view> options, bool* relative,
                              bool* little_endian, bool* string, int* base, uint64_t* bitmask);
// threshold / detection_filter arguments.
absl::StatusOr<ThresholdSpec> ParseThresholdArgs(std::string_view value, bool needs_type);

}  // namespace otasuke::network::detect

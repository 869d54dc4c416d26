// threshold: type limit|threshold|both, track by_src|by_dst|by_rule|by_both, count N, seconds M
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {

absl::StatusOr<ThresholdSpec> ParseThresholdArgs(std::string_view value, bool needs_type) {
  ThresholdSpec spec;
  bool have_type = !needs_type, have_track = false, have_count = false, have_seconds = false;
  for (std::string_view arg : SplitArgs(value)) {
    const size_t space = arg.find_first_of(" \t");
    if (space == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("expected 'name value', got '", Sv(arg), "'"));
    }
    const std::string_view name = arg.substr(0, space);
    const std::string_view setting = TrimValue(arg.substr(space + 1));
    if (name == "type" && needs_type) {
      if (setting == "limit") {
        spec.type = ThresholdSpec::Type::kLimit;
      } else if (setting == "threshold") {
        spec.type = ThresholdSpec::Type::kThreshold;
      } else if (setting == "both") {
        spec.type = ThresholdSpec::Type::kBoth;
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("unknown threshold type '", Sv(setting), "'"));
      }
      have_type = true;
    } else if (name == "track") {
      if (setting == "by_src") {
        spec.track = TrackBy::kSrc;
      } else if (setting == "by_dst") {
        spec.track = TrackBy::kDst;
      } else if (setting == "by_rule") {
        spec.track = TrackBy::kRule;
      } else if (setting == "by_both") {
        spec.track = TrackBy::kBoth;
      } else if (setting == "by_flow") {
        return absl::UnimplementedError("track by_flow");
      } else {
        return absl::InvalidArgumentError(absl::StrCat("unknown track '", Sv(setting), "'"));
      }
      have_track = true;
    } else if (name == "count") {
      ASSIGN_OR_RETURN(int64_t count, ParseInteger(setting, 1, UINT32_MAX));
      spec.count = static_cast<uint32_t>(count);
      have_count = true;
    } else if (name == "seconds") {
      ASSIGN_OR_RETURN(int64_t seconds, ParseInteger(setting, 1, UINT32_MAX));
      spec.seconds = static_cast<uint32_t>(seconds);
      have_seconds = true;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown setting '", Sv(name), "'"));
    }
  }
  if (!have_type || !have_track || !have_count || !have_seconds) {
    return absl::InvalidArgumentError(needs_type ? "needs type, track, count and seconds"
                                                 : "needs track, count and seconds");
  }
  return spec;
}

namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  if (context.rule.threshold) return absl::InvalidArgumentError("threshold given twice");
  ASSIGN_OR_RETURN(context.rule.threshold, ParseThresholdArgs(value, /*needs_type=*/true));
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kThresholdKeyword = {
    .name = "threshold",
    .help =
        "threshold:type limit|threshold|both,track by_src|by_dst|by_rule|by_both,"
        "count N,seconds M; rate-limits alerts",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect

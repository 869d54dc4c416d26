// otasukectl reports: format names and KPI period bounds.

#include "collector/ctl/report_args.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace otasuke::ctl {
namespace {

using ::otasuke::testing::IsOk;
using ::otasuke::testing::StatusIs;

TEST(ReportArgsTest, Formats) {
  EXPECT_EQ(*ParseReportFormat("html"), v1::REPORT_FORMAT_HTML);
  EXPECT_EQ(*ParseReportFormat("csv"), v1::REPORT_FORMAT_CSV);
  EXPECT_EQ(*ParseReportFormat("json"), v1::REPORT_FORMAT_JSON);
  EXPECT_THAT(ParseReportFormat("pdf"),
              StatusIs(absl::StatusCode::kInvalidArgument, "--format: 'pdf' is not html"));
}

TEST(ReportArgsTest, DatesAreMidnightInJapanAndRfc3339IsExact) {
  auto date = ParsePeriodBound("from", "2026-10-01");
  ASSERT_THAT(date, IsOk());
  EXPECT_EQ(*date, absl::FromUnixSeconds(1790780400));  // 2026-09-30T15:00:00Z
  auto exact = ParsePeriodBound("to", "2026-11-01T00:00:00Z");
  ASSERT_THAT(exact, IsOk());
  EXPECT_EQ(*exact, absl::FromUnixSeconds(1793491200));
  EXPECT_THAT(ParsePeriodBound("to", "next week"),
              StatusIs(absl::StatusCode::kInvalidArgument, "--to: 'next week' is neither a date"));
}

}  // namespace
}  // namespace otasuke::ctl

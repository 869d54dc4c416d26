#include "agent/sigma/scan_events_command.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/event/event_json.h"
#include "agent/event/readers/event_reader.h"
#include "agent/sigma/compiled_rules.h"
#include "agent/sigma/correlation.h"
#include "agent/sigma/engine.h"
#include "common/cli.h"
#include "common/json_writer.h"
#include "common/strings.h"

namespace otasuke::agent::sigma {
namespace {

constexpr size_t kAlertEventBytes = 64 * 1024;

std::string_view CorrelationTypeName(CorrelationType t) {
  switch (t) {
    case CorrelationType::kEventCount:
      return "event_count";
    case CorrelationType::kValueCount:
      return "value_count";
    case CorrelationType::kTemporal:
      return "temporal";
    case CorrelationType::kTemporalOrdered:
      return "temporal_ordered";
  }
  return "?";
}

void AppendRuleJson(const RuleMeta& meta, std::string* out) {
  out->append("\"rule\":{\"id\":");
  AppendJsonString(meta.id, out);
  out->append(",\"title\":");
  AppendJsonString(meta.title, out);
  out->append(",\"level\":");
  AppendJsonString(meta.level, out);
  out->append(",\"tags\":[");
  for (size_t i = 0; i < meta.tags.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonString(meta.tags[i], out);
  }
  out->append("]}");
}

}  // namespace

int RunScanEvents(int argc, const char* const* argv) {
  std::vector<std::string> rule_paths;
  std::string alerts_path;
  bool strict = false;
  bool help = false;
  const cli::FlagSpec specs[] = {
      {.name = "rules",
       .value_name = "PATH",
       .help = "Sigma rule file or directory (repeatable)",
       .target = &rule_paths},
      {.name = "alerts",
       .value_name = "FILE",
       .help = "write alert JSON lines here (default: stdout)",
       .target = &alerts_path},
      {.name = "strict",
       .value_name = "",
       .help = "fail if any rule is rejected",
       .target = &strict},
      {.name = "help", .value_name = "", .help = "show this help", .target = &help},
  };
  const std::string flags_help = cli::FlagsHelp(specs);  // before parsing: the defaults
  auto usage = [&]() {
    std::cerr << "usage: otasuke-agent scan-events [--rules PATH]... [--alerts FILE] [--strict] "
                 "FILE...\n"
              << flags_help;
  };
  auto files = cli::ParseFlags(specs, argc, argv, 1);
  if (!files.ok()) {
    std::cerr << "scan-events: " << files.status().message() << "\n";
    usage();
    return 2;
  }
  if (help) {
    usage();
    return 0;
  }
  if (rule_paths.empty() || files->empty()) {
    std::cerr << "scan-events: " << (rule_paths.empty() ? "no --rules given" : "no event files")
              << "\n";
    usage();
    return 2;
  }
  auto rule_files = ReadRuleFiles(rule_paths);
  if (!rule_files.ok()) {
    std::cerr << "scan-events: rules: " << rule_files.status().message() << "\n";
    return 1;
  }
  auto compiled = CompileSigmaRules(*rule_files, {.strict = strict, .ruleset_version = ""});
  if (!compiled.ok()) {
    std::cerr << "scan-events: " << compiled.status().message() << "\n";
    return 1;
  }
  for (const LoadIssue& e : compiled->report.errors) std::cerr << e.ToString() << "\n";
  std::cerr << "scan-events: rules: " << compiled->report.Summary();
  const CompiledSigmaRules& rules = *compiled->rules;

  std::ofstream alerts_file;
  std::ostream* out = &std::cout;
  if (!alerts_path.empty()) {
    alerts_file.open(alerts_path, std::ios::out | std::ios::trunc);
    if (!alerts_file) {
      std::cerr << "scan-events: cannot write " << alerts_path << "\n";
      return 1;
    }
    out = &alerts_file;
  }

  SigmaEngine engine;
  CorrelationEngine correlation;
  std::vector<uint32_t> matched;
  std::vector<CorrelationHit> hits;
  uint64_t alerts = 0;
  std::vector<uint64_t> per_rule(rules.rules().size(), 0);
  readers::ReadStats stats;
  std::string line;
  int exit_code = 0;
  for (const std::string& path : *files) {
    auto on_event = [&](const Event& event) {
      matched.clear();
      engine.Match(rules, event, &matched);
      auto write = [&](const RuleMeta& meta, const std::string& correlation_json) {
        line.clear();
        line.push_back('{');
        AppendRuleJson(meta, &line);
        line.append(correlation_json);
        line.append(",\"file\":");
        AppendJsonString(path, &line);
        line.push_back(',');
        AppendEventJsonMembers(event, kAlertEventBytes, &line);
        line.append("}\n");
        *out << line;
        ++alerts;
      };
      for (uint32_t r : matched) {
        ++per_rule[r];
        if (rules.rules()[r].emits_alerts) write(rules.rules()[r].meta, "");
      }
      hits.clear();
      correlation.Observe(rules, event, matched, &hits);
      for (const CorrelationHit& hit : hits) {
        const CorrelationRule& c = rules.correlations()[hit.correlation];
        std::string extra = ",\"correlation\":{\"type\":";
        AppendJsonString(CorrelationTypeName(c.type), &extra);
        extra.append(",\"group\":");
        AppendJsonString(hit.group_key, &extra);
        absl::StrAppend(&extra, ",\"count\":", hit.count, "}");
        write(c.meta, extra);
      }
    };
    absl::Status st = readers::ReadEventFile(path, on_event, &stats);
    if (!st.ok()) {
      std::cerr << "scan-events: " << st.message() << "\n";
      exit_code = 1;
    }
  }
  out->flush();
  for (const std::string& e : stats.errors) std::cerr << "scan-events: skipped " << e << "\n";
  std::vector<std::string> formats;
  for (size_t f = 0; f < 4; ++f) {
    if (stats.by_format[f] > 0) {
      formats.push_back(
          absl::StrCat(Sv(readers::EventFormatName(static_cast<readers::EventFormat>(f))), " ",
                       stats.by_format[f]));
    }
  }
  size_t rules_fired = 0;
  for (uint64_t n : per_rule) rules_fired += n > 0 ? 1 : 0;
  std::cerr << "scan-events: " << files->size() << " file(s), " << stats.records << " event(s) ("
            << absl::StrJoin(formats, ", ") << "), " << stats.bad_records << " bad record(s), "
            << alerts << " alert(s) from " << rules_fired << " rule(s)";
  if (!rules.correlations().empty()) {
    std::cerr << ", " << correlation.stats().hits << " correlation hit(s), "
              << correlation.stats().group_evictions << " group eviction(s)";
  }
  std::cerr << "\n";
  if (!*out) {
    std::cerr << "scan-events: error writing alerts\n";
    return 1;
  }
  return exit_code;
}

}  // namespace otasuke::agent::sigma

#include <algorithm>
#include <filesystem>
// Rule-load benchmark: loads a rule set (default: the in-subset ET Open rules from ../shared)
// and prints load time, peak RSS and the load summary with skip reasons.
//
//   rule_load_bench [--rules PATH]... [--vars FILE] [--classification FILE]
//                   [--subset SUBSET.tsv] [--prefilter hyperscan|aho-corasick] [--errors N]
//
// With --subset, only rules whose sid the TSV marks in_keyword_subset=yes are loaded (the rules
// are filtered in memory, the files are not copied).
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "agent/network/detect/config_files.h"
#include "agent/network/detect/engine.h"
#include "common/strings.h"

namespace detect = otasuke::network::detect;

namespace {

long CurrentRssKb() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

long PeakRssKb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

int Usage() {
  std::fprintf(stderr,
               "usage: rule_load_bench [--rules PATH]... [--vars FILE] [--classification FILE]\n"
               "       [--subset SUBSET.tsv] [--prefilter hyperscan|aho-corasick] [--errors N]\n");
  return 2;
}

// Keeps the rule lines of `text` whose sid is in `sids` (other lines are dropped).
std::string FilterRules(const std::string& text, const absl::flat_hash_set<uint32_t>& sids) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    const size_t at = line.find("sid:");
    if (at == absl::string_view::npos || line.empty() || line.front() == '#') continue;
    size_t end = at + 4;
    while (end < line.size() && (line[end] == ' ' || (line[end] >= '0' && line[end] <= '9'))) ++end;
    uint32_t sid = 0;
    if (!absl::SimpleAtoi(line.substr(at + 4, end - at - 4), &sid) || !sids.contains(sid)) continue;
    out.append(line.data(), line.size());
    out.push_back('\n');
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const char* shared = std::getenv("OTASUKE_SHARED_DIR");
  const std::string base = std::string(shared != nullptr ? shared : "../shared");
  detect::LoadOptions options;
  std::vector<std::string> rule_paths;
  std::string subset;
  size_t show_errors = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* value = nullptr;
    if (arg == "--rules" && (value = next())) {
      rule_paths.push_back(value);
    } else if (arg == "--vars" && (value = next())) {
      options.vars_path = value;
    } else if (arg == "--classification" && (value = next())) {
      options.classification_path = value;
    } else if (arg == "--subset" && (value = next())) {
      subset = value;
    } else if (arg == "--errors" && (value = next())) {
      show_errors = std::strtoul(value, nullptr, 10);
    } else if (arg == "--prefilter" && (value = next())) {
      options.prefilter = std::string(value) == "hyperscan" ? detect::PrefilterKind::kHyperscan
                                                            : detect::PrefilterKind::kAhoCorasick;
    } else {
      return Usage();
    }
  }
  if (rule_paths.empty()) {
    rule_paths.push_back(base + "/rulesets/et-open/rules");
    if (subset.empty()) subset = base + "/rulesets/et-open/SUBSET.tsv";
    if (options.vars_path.empty()) {
      options.vars_path = base + "/conformance/suricata-verify/_etc/default-vars.yaml";
    }
    if (options.classification_path.empty()) {
      options.classification_path = base + "/rulesets/et-open/rules/classification.config";
    }
  }
  const long rss_before = PeakRssKb();
  if (subset.empty()) {
    options.rule_paths = rule_paths;
  } else {
    auto tsv = detect::ReadTextFile(subset);
    if (!tsv.ok()) {
      std::fprintf(stderr, "%s\n", std::string(tsv.status().message()).c_str());
      return 1;
    }
    absl::flat_hash_set<uint32_t> sids;
    for (absl::string_view line : absl::StrSplit(*tsv, '\n')) {
      std::vector<absl::string_view> fields = absl::StrSplit(line, '\t');
      uint32_t sid = 0;
      if (fields.size() >= 6 && fields[5] == "yes" && absl::SimpleAtoi(fields[0], &sid)) {
        sids.insert(sid);
      }
    }
    for (const std::string& path : rule_paths) {
      detect::LoadOptions listing;
      namespace fs = std::filesystem;
      std::vector<std::string> files;
      if (fs::is_directory(path)) {
        for (const auto& entry : fs::directory_iterator(path)) {
          if (entry.path().extension() == ".rules") files.push_back(entry.path().string());
        }
      } else {
        files.push_back(path);
      }
      std::sort(files.begin(), files.end());
      for (const std::string& file : files) {
        auto text = detect::ReadTextFile(file);
        if (!text.ok()) {
          std::fprintf(stderr, "%s\n", std::string(text.status().message()).c_str());
          return 1;
        }
        options.rule_texts.emplace_back(file, FilterRules(*text, sids));
      }
    }
  }
  auto loaded = detect::LoadRules(options);
  if (!loaded.ok()) {
    std::fprintf(stderr, "load failed: %s\n", std::string(loaded.status().message()).c_str());
    return 1;
  }
  const long rss_after = PeakRssKb();
  std::printf("prefilter: %s\n", std::string(detect::PrefilterName(*loaded->rules)).c_str());
  std::printf("%s\n", loaded->report.Summary().c_str());
  std::printf("load time: %.3f s\n", loaded->report.load_seconds);
  std::printf("peak RSS: %.1f MB (before load %.1f MB), RSS after load: %.1f MB\n",
              rss_after / 1024.0, rss_before / 1024.0, CurrentRssKb() / 1024.0);
  for (size_t i = 0; i < loaded->report.errors.size() && i < show_errors; ++i) {
    std::printf("  %s\n", loaded->report.errors[i].ToString().c_str());
  }
  return 0;
}

// What the scan of a value the scan cache misses costs, by literal subset: the Windows
// process-creation bucket's literals scanned anywhere in one field (CommandLine by default),
// as the prefilter builds them (ExtractTrigger + AppendAnsweringLiterals, whole literals up to
// kMaxScannedLiteral), over 10,000 command lines of the regression corpus's process-creation
// events, each with a random token appended (every line unique, as the diverse stream's).
// Prints the literals' kinds and lengths, the most frequent ones, and for each subset the
// Hyperscan database's cost (ns per line, best of 7 rounds; under
// `valgrind --tool=callgrind --instr-atstart=no` one round each, dumped per subset, so
// `callgrind_annotate` of each dump gives instructions) and matches per line, then the
// portable automaton's for a few walked suffix lengths.
// Usage: sigma_scan_lab [SHARED_DIR] [FIELD] [SUBSET_FILTER] (SUBSET_FILTER: run only the
// subsets whose name contains it). SIGMA.md ("The cache-miss scan") has the figures.

#include <hs/hs.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/sigma/aho_corasick.h"
#include "agent/sigma/compiled_rules.h"
#include "agent/sigma/prefilter.h"
#include "agent/sigma/value_matcher.h"
#include "bench/sigma/bench_clock.h"
#include "bench/sigma/regression_events.h"
#include "common/strings.h"

namespace sigma = otasuke::agent::sigma;
using otasuke::agent::Event;
using otasuke::agent::FieldId;

namespace {

using otasuke::bench::ThreadSeconds;

// A scanned literal and what the bucket needs it for.
struct Literal {
  std::string text;
  bool first_clause = false;  // leads to rules as it is found
  bool other_clause = false;  // checked for rules whose first clause hit
  bool answering = false;     // answers contains tests (AppendAnsweringLiterals)
  bool variant = false;       // one of a value's several expansions (windash, base64offset)
  size_t lines = 0;           // lines it occurs in
};

void Classify(const sigma::CompiledSigmaRules& rules, const std::string& field,
              std::map<std::string, Literal>* out) {
  auto at = [&](const std::string& text) -> Literal& {
    Literal& l = (*out)[text];
    l.text = text;
    return l;
  };
  for (const auto& bucket : rules.buckets()) {
    if (bucket.key.product != "windows" || bucket.key.category != "process_creation") continue;
    for (uint32_t r : bucket.rules) {
      const sigma::DetectionRule& rule = rules.rules()[r];
      const sigma::Trigger trigger = sigma::ExtractTrigger(rule, sigma::kMaxScannedLiteral);
      for (size_t c = 0; trigger.has_value() && c < trigger->size(); ++c) {
        for (const sigma::PrefilterLiteral& l : (*trigger)[c]) {
          if (l.field.name != field || l.anchor != sigma::LiteralAnchor::kAnywhere) continue;
          (c == 0 ? at(l.text).first_clause : at(l.text).other_clause) = true;
        }
      }
      std::vector<sigma::PrefilterLiteral> answering;
      sigma::AppendAnsweringLiterals(rule, sigma::kMaxScannedLiteral, &answering);
      for (const sigma::PrefilterLiteral& l : answering) {
        if (l.field.name == field) at(l.text).answering = true;
      }
      for (const auto& selection : rule.selections) {
        for (const auto& group : selection.groups) {
          for (const sigma::FieldItem& item : group) {
            if (item.field.name != field) continue;
            for (const auto& alternatives : item.values) {
              for (const sigma::ValueTest& t : alternatives) {
                if (alternatives.size() < 2 || t.kind != sigma::ValueTest::Kind::kString) continue;
                std::string lowered;
                sigma::LowerAscii(t.text.literal(), &lowered);
                if (auto it = out->find(lowered); it != out->end()) it->second.variant = true;
              }
            }
          }
        }
      }
    }
  }
}

std::vector<std::string> CommandLines(const std::string& shared, FieldId field) {
  std::vector<std::string> base;
  for (const Event& e :
       otasuke::bench::RegressionProcessEvents(shared + "/conformance/sigma-regression")) {
    if (e.Has(field)) base.emplace_back(otasuke::Sv(e.Get(field)));
  }
  std::vector<std::string> lines;
  std::mt19937_64 rng(43);
  for (size_t i = 0; i < 10000 && !base.empty(); ++i) {
    lines.push_back(absl::StrCat(base[i % base.size()], " /t", rng() % 100000));
  }
  return lines;
}

bool HasHighByte(const std::string& s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

// Runs `scan_all` over the lines: best of 7 rounds natively, one instrumented round (dumped)
// under callgrind. Returns ns per line.
double Measure(size_t lines, const std::function<void()>& scan_all) {
  double best = 1e9;
  for (int round = 0; round < (RUNNING_ON_VALGRIND ? 1 : 7); ++round) {
    const double start = ThreadSeconds();
    CALLGRIND_ZERO_STATS;
    CALLGRIND_START_INSTRUMENTATION;
    scan_all();
    CALLGRIND_STOP_INSTRUMENTATION;
    CALLGRIND_DUMP_STATS;
    best = std::min(best, ThreadSeconds() - start);
  }
  return best * 1e9 / lines;
}

void MeasureHyperscan(const char* name, const std::vector<const Literal*>& subset,
                      const std::vector<std::string>& lines) {
  std::vector<const char*> exprs;
  std::vector<size_t> lengths;
  std::vector<unsigned> flags(subset.size(), HS_FLAG_CASELESS), ids;
  for (unsigned i = 0; i < subset.size(); ++i) {
    exprs.push_back(subset[i]->text.data());
    lengths.push_back(subset[i]->text.size());
    ids.push_back(i);
  }
  hs_database_t* db = nullptr;
  hs_scratch_t* scratch = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lengths.data(),
                           static_cast<unsigned>(subset.size()), HS_MODE_BLOCK, nullptr, &db,
                           &error) != HS_SUCCESS) {
    std::printf("%-32s does not compile: %s\n", name, error->message);
    hs_free_compile_error(error);
    return;
  }
  if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) return;
  size_t matches = 0;
  auto count = [](unsigned, unsigned long long, unsigned long long, unsigned, void* m) -> int {
    ++*static_cast<size_t*>(m);
    return 0;
  };
  const double ns = Measure(lines.size(), [&] {
    matches = 0;
    for (const std::string& l : lines) {
      hs_scan(db, l.data(), static_cast<unsigned>(l.size()), 0, scratch, count, &matches);
    }
  });
  size_t bytes = 0;
  hs_database_size(db, &bytes);
  std::printf("%-32s %5zu literals  %7.1f ns/line  %5.2f matches/line  database %zu KiB\n", name,
              subset.size(), ns, static_cast<double>(matches) / lines.size(), bytes / 1024);
  hs_free_scratch(scratch);
  hs_free_database(db);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string shared = argc > 1 ? argv[1] : "../shared";
  const std::string field = argc > 2 ? argv[2] : "CommandLine";
  const std::string filter = argc > 3 ? argv[3] : "";
  if (!std::filesystem::exists(shared + "/rulesets/sigma/rules")) {
    std::fprintf(stderr, "sigma_scan_lab: %s not found; nothing to measure\n", shared.c_str());
    return 0;
  }
  if (field != "CommandLine" && field != "ParentCommandLine") {
    std::fprintf(stderr, "sigma_scan_lab: FIELD is CommandLine or ParentCommandLine\n");
    return 2;
  }
  auto files = sigma::ReadRuleFiles({shared + "/rulesets/sigma/rules"});
  if (!files.ok()) return 1;
  auto compiled = sigma::CompileSigmaRules(*files);
  if (!compiled.ok()) return 1;
  std::map<std::string, Literal> by_text;
  Classify(*compiled->rules, field, &by_text);
  const std::vector<std::string> lines = CommandLines(
      shared, field == "CommandLine" ? FieldId::kCommandLine : FieldId::kParentCommandLine);
  if (lines.empty()) return 1;
  std::vector<Literal*> all;
  for (auto& [text, l] : by_text) all.push_back(&l);
  size_t bytes = 0, occurrences = 0;
  for (const std::string& line : lines) {
    bytes += line.size();
    std::string lowered;
    sigma::LowerAscii(line, &lowered);
    for (Literal* l : all) {
      if (lowered.find(l->text) != std::string::npos) ++l->lines;
    }
  }
  std::map<size_t, size_t> by_length;
  size_t first = 0, other = 0, answering = 0, variants = 0, high = 0;
  for (const Literal* l : all) {
    ++by_length[std::min<size_t>(l->text.size(), 12)];
    occurrences += l->lines;
    first += l->first_clause ? 1 : 0;
    other += !l->first_clause && l->other_clause ? 1 : 0;
    answering += !l->first_clause && !l->other_clause ? 1 : 0;
    variants += l->variant ? 1 : 0;
    high += HasHighByte(l->text) ? 1 : 0;
  }
  std::printf(
      "%s: %zu literals (first clause %zu, other clauses only %zu, answering only %zu; windash / "
      "base64 variants %zu, with bytes >= 0x80 %zu), %zu lines of %.0f bytes, %.2f literals "
      "found per line\nliterals by length (12: 12 or more):",
      field.c_str(), all.size(), first, other, answering, variants, high, lines.size(),
      static_cast<double>(bytes) / lines.size(), static_cast<double>(occurrences) / lines.size());
  for (const auto& [length, n] : by_length) std::printf(" %zu: %zu", length, n);
  std::vector<Literal*> frequent = all;
  std::sort(frequent.begin(), frequent.end(),
            [](const Literal* a, const Literal* b) { return a->lines > b->lines; });
  std::printf("\nmost frequent (F first clause, O other clause, A answering, V variant):\n");
  for (size_t i = 0; i < 12 && i < frequent.size(); ++i) {
    const Literal& l = *frequent[i];
    std::printf("  %5zu lines %c%c%c%c '%s'\n", l.lines, l.first_clause ? 'F' : '-',
                l.other_clause ? 'O' : '-', l.answering ? 'A' : '-', l.variant ? 'V' : '-',
                l.text.c_str());
  }
  const std::pair<const char*, std::function<bool(const Literal&)>> subsets[] = {
      {"hyperscan: all", [](const Literal&) { return true; }},
      {"hyperscan: first clause", [](const Literal& l) { return l.first_clause; }},
      {"hyperscan: not first clause", [](const Literal& l) { return !l.first_clause; }},
      {"hyperscan: clauses", [](const Literal& l) { return l.first_clause || l.other_clause; }},
      {"hyperscan: answering only",
       [](const Literal& l) { return !l.first_clause && !l.other_clause; }},
      {"hyperscan: first clause or 5+ bytes",
       [](const Literal& l) { return l.first_clause || l.text.size() >= 5; }},
      {"hyperscan: first clause or 7+ bytes",
       [](const Literal& l) { return l.first_clause || l.text.size() >= 7; }},
      {"hyperscan: no variants", [](const Literal& l) { return !l.variant; }},
      {"hyperscan: variants", [](const Literal& l) { return l.variant; }},
      {"hyperscan: 3+ bytes", [](const Literal& l) { return l.text.size() >= 3; }},
      {"hyperscan: 5+ bytes", [](const Literal& l) { return l.text.size() >= 5; }},
      {"hyperscan: on < 10 % of lines",
       [&](const Literal& l) { return l.lines * 10 < lines.size(); }},
      {"hyperscan: on no line", [](const Literal& l) { return l.lines == 0; }},
  };
  for (const auto& [name, keep] : subsets) {
    if (std::string_view(name).find(filter) == std::string_view::npos) continue;
    std::vector<const Literal*> subset;
    for (const Literal* l : all) {
      if (keep(*l)) subset.push_back(l);
    }
    MeasureHyperscan(name, subset, lines);
  }
  std::vector<std::string> texts;
  for (const Literal* l : all) texts.push_back(l->text);
  for (const size_t suffix : {8, 12, 16}) {
    const std::string name = absl::StrCat("aho-corasick: suffix ", suffix);
    if (name.find(filter) == std::string::npos) continue;
    const sigma::AhoCorasick automaton = sigma::AhoCorasick::Build(texts, suffix);
    size_t matches = 0;
    const double ns = Measure(lines.size(), [&] {
      matches = 0;
      for (const std::string& l : lines) automaton.Scan(l, [&](uint32_t, size_t) { ++matches; });
    });
    std::printf("%-32s %5zu literals  %7.1f ns/line  %5.2f matches/line  %zu states, %zu KiB\n",
                name.c_str(), texts.size(), ns, static_cast<double>(matches) / lines.size(),
                automaton.state_count(), automaton.memory_bytes() / 1024);
  }
  return 0;
}

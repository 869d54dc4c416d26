// Sigma engine throughput: every loadable rule of ../shared/rulesets/sigma over a stream of
// realistic process-creation events, replayed and varied from the SigmaHQ regression events.
// Measures events/s and ns/event of the indexed engine on one thread, and the speed-up over
// the rule-by-rule evaluator (the test oracle). Both engines' matches must be equal event by
// event: after the timed rounds the warm indexed engine (its caches and memos full, so their
// answers are what is checked) matches every event once more, untimed, against the oracle's
// matches of its timed round. Usage: sigma_bench [--stream=repeat|diverse] [--scan-cache-entries=N]
// [--candidate-memo-entries=M] [--event-memo-entries=E] [SHARED_DIR] [EVENTS] (N: the engine's
// scan cache slots per field, M: its candidate memo's entries, E: its whole-event memo's
// entries, 0: none; defaults as the agent's).
// The default `repeat` stream is the issue's; `diverse` varies every command line and the
// user profile directory in paths (see VaryEventsDiversely).

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/sigma/compiled_rules.h"
#include "agent/sigma/engine.h"
#include "agent/sigma/value_matcher.h"
#include "bench/sigma/bench_clock.h"
#include "bench/sigma/regression_events.h"
#include "common/strings.h"

namespace sigma = otasuke::agent::sigma;
using otasuke::agent::Event;
using otasuke::agent::FieldId;

namespace {

using otasuke::bench::ThreadSeconds;

// Variation keeps the events realistic but not identical: other users, process ids, drive
// letters and a random token in the command line, as a busy host would produce.
std::vector<Event> VaryEvents(const std::vector<Event>& base, size_t count) {
  std::mt19937_64 rng(42);
  const char* users[] = {"CORP\\alice", "CORP\\bob", "NT AUTHORITY\\SYSTEM", "CORP\\svc_backup"};
  std::vector<Event> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    Event e = base[i % base.size()];
    e.Set(FieldId::kProcessId, std::to_string(1000 + rng() % 60000));
    e.Set(FieldId::kUser, users[rng() % 4]);
    if (i % 3 == 1 && e.Has(FieldId::kCommandLine)) {
      std::string cmd(e.Get(FieldId::kCommandLine));
      cmd += " /t" + std::to_string(rng() % 100000);
      e.Set(FieldId::kCommandLine, cmd);
    }
    out.push_back(std::move(e));
  }
  return out;
}

// A busier, more varied host: 64 user profiles (the profile directory in every path and
// command line follows the event's user, so Image and ParentImage vary for programs run from
// a profile) and a random token on every command line, parent ones included. System binaries,
// hashes and service command lines still repeat, as they do on a real host.
std::string WithProfile(std::string_view value, std::string_view user) {
  std::string lowered;
  sigma::LowerAscii(value, &lowered);
  std::string out;
  size_t from = 0;
  for (;;) {
    const size_t at = lowered.find("\\users\\", from);
    if (at == std::string::npos) break;
    const size_t name = at + 7;  // past "\\users\\"
    const size_t end = lowered.find('\\', name);
    if (end == std::string::npos) break;
    out.append(value.substr(from, name - from));
    out.append(lowered.compare(name, end - name, "public") == 0 ? value.substr(name, end - name)
                                                                : user);
    from = end;
  }
  out.append(value.substr(from));
  return out;
}

std::vector<Event> VaryEventsDiversely(const std::vector<Event>& base, size_t count) {
  std::mt19937_64 rng(43);
  std::vector<Event> out;
  out.reserve(count);
  const FieldId paths[] = {FieldId::kImage, FieldId::kParentImage, FieldId::kCommandLine,
                           FieldId::kParentCommandLine, FieldId::kCurrentDirectory};
  for (size_t i = 0; i < count; ++i) {
    Event e = base[i % base.size()];
    const std::string user = absl::StrCat("user", rng() % 64);
    e.Set(FieldId::kProcessId, std::to_string(1000 + rng() % 60000));
    e.Set(FieldId::kUser, absl::StrCat("CORP\\", user));
    for (FieldId f : paths) {
      if (e.Has(f)) e.Set(f, WithProfile(e.Get(f), user));
    }
    for (FieldId f : {FieldId::kCommandLine, FieldId::kParentCommandLine}) {
      if (e.Has(f)) e.Set(f, absl::StrCat(otasuke::Sv(e.Get(f)), " /t", rng() % 100000));
    }
    out.push_back(std::move(e));
  }
  return out;
}

struct Timing {
  double total_s = 0;  // all rounds
  double best_s = 0;   // the fastest round: the least disturbed by other work on the machine
};

template <typename Engine>
Timing Run(Engine& engine, const sigma::CompiledSigmaRules& rules, const std::vector<Event>& events,
           size_t rounds, size_t* matches) {
  std::vector<uint32_t> matched;
  *matches = 0;
  Timing timing;
  for (size_t r = 0; r < rounds; ++r) {
    const double start = ThreadSeconds();
    for (const Event& e : events) {
      matched.clear();
      engine.Match(rules, e, &matched);
      *matches += matched.size();
    }
    const double round_s = ThreadSeconds() - start;
    timing.total_s += round_s;
    if (r == 0 || round_s < timing.best_s) timing.best_s = round_s;
  }
  return timing;
}

// Each event's matched rules, in order (both engines output rule order).
template <typename Engine>
std::vector<std::vector<uint32_t>> MatchesPerEvent(Engine& engine,
                                                   const sigma::CompiledSigmaRules& rules,
                                                   const std::vector<Event>& events) {
  std::vector<std::vector<uint32_t>> out(events.size());
  for (size_t i = 0; i < events.size(); ++i) engine.Match(rules, events[i], &out[i]);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  bool diverse = false;
  bool hyperscan = true;
  uint32_t cache_entries = sigma::kDefaultScanCacheEntries;
  uint32_t memo_entries = sigma::kDefaultCandidateMemoEntries;
  uint32_t event_memo_entries = sigma::kDefaultEventMemoEntries;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--stream=diverse" || arg == "--stream=repeat") {
      diverse = arg == "--stream=diverse";
    } else if (arg == "--prefilter=hyperscan" || arg == "--prefilter=aho-corasick") {
      hyperscan = arg == "--prefilter=hyperscan";
    } else if (arg.substr(0, 21) == "--scan-cache-entries=") {
      cache_entries = static_cast<uint32_t>(std::strtoul(argv[i] + 21, nullptr, 10));
    } else if (arg.substr(0, 25) == "--candidate-memo-entries=") {
      memo_entries = static_cast<uint32_t>(std::strtoul(argv[i] + 25, nullptr, 10));
    } else if (arg.substr(0, 21) == "--event-memo-entries=") {
      event_memo_entries = static_cast<uint32_t>(std::strtoul(argv[i] + 21, nullptr, 10));
    } else if (arg.substr(0, 2) == "--") {
      std::fprintf(stderr,
                   "usage: sigma_bench [--stream=repeat|diverse] [--scan-cache-entries=N] "
                   "[--candidate-memo-entries=M] [--event-memo-entries=E] "
                   "[--prefilter=hyperscan|aho-corasick] "
                   "[SHARED_DIR] [EVENTS]\n");
      return 2;
    } else {
      args.emplace_back(arg);
    }
  }
  const std::string shared = args.size() > 0 ? args[0] : "../shared";
  const size_t total = args.size() > 1 ? std::strtoull(args[1].c_str(), nullptr, 10) : 2000000;
  const std::string rules_dir = shared + "/rulesets/sigma/rules";
  const std::string reg = shared + "/conformance/sigma-regression";
  if (!std::filesystem::exists(rules_dir) || !std::filesystem::exists(reg + "/INDEX.tsv")) {
    std::fprintf(stderr, "sigma_bench: %s not found; nothing to measure\n", shared.c_str());
    return 0;
  }
  auto files = sigma::ReadRuleFiles({rules_dir});
  if (!files.ok()) {
    std::fprintf(stderr, "%s\n", std::string(files.status().message()).c_str());
    return 1;
  }
  sigma::CompileOptions compile_options;
  compile_options.prefer_hyperscan = hyperscan;
  auto compiled = sigma::CompileSigmaRules(*files, compile_options);
  if (!compiled.ok()) return 1;
  const sigma::CompiledSigmaRules& rules = *compiled->rules;

  // Process-creation events from the regression corpus.
  const std::vector<Event> base = otasuke::bench::RegressionProcessEvents(reg);
  if (base.empty()) return 1;
  const size_t distinct = 10000;
  const std::vector<Event> events =
      diverse ? VaryEventsDiversely(base, distinct) : VaryEvents(base, distinct);

  size_t rules_for_source = 0, determined = 0;
  for (const auto& r : rules.rules()) {
    if (!sigma::LogSourceAdmits(r.logsource, events[0].source())) continue;
    ++rules_for_source;
    determined += r.determined_by_key ? 1 : 0;
  }
  size_t prefilter_bytes = 0, always = 0;
  for (const auto& b : rules.buckets()) {
    prefilter_bytes += b.prefilter.memory_bytes();
    always += b.prefilter.always().size();
  }

  sigma::SigmaEngine engine({.scan_cache_entries = cache_entries,
                             .candidate_memo_entries = memo_entries,
                             .event_memo_entries = event_memo_entries});
  size_t warm = 0;
  Run(engine, rules, events, 1, &warm);
  size_t indexed_matches = 0;
  const size_t rounds = std::max<size_t>(1, total / events.size());
  CALLGRIND_START_INSTRUMENTATION;
  const Timing indexed = Run(engine, rules, events, rounds, &indexed_matches);
  CALLGRIND_STOP_INSTRUMENTATION;
  const double indexed_eps = rounds * events.size() / indexed.total_s;
  const double best_eps = events.size() / indexed.best_s;

  sigma::RuleByRuleEngine oracle;
  size_t oracle_matches = 0;
  const bool skip_oracle = std::getenv("SIGMA_BENCH_NO_ORACLE") != nullptr;  // for profiling
  double oracle_s = 0;
  // Event by event (equal totals could hide a miss and a false match that cancel out); the
  // oracle's one round is timed as it records its matches (≈ 0.5 ms per event: the records
  // cost nothing beside that).
  size_t events_differing = 0;
  if (!skip_oracle) {
    const double start = ThreadSeconds();
    const auto expected = MatchesPerEvent(oracle, rules, events);
    oracle_s = ThreadSeconds() - start;
    for (const auto& m : expected) oracle_matches += m.size();
    const auto got = MatchesPerEvent(engine, rules, events);
    for (size_t i = 0; i < events.size(); ++i) events_differing += got[i] != expected[i] ? 1 : 0;
  } else {
    oracle_matches = indexed_matches / rounds;
  }
  const double oracle_eps = events.size() / oracle_s;

  std::printf(
      "rules loaded: %zu (%zu admit the events' log source %s/%s/%s), %zu always "
      "evaluated, prefilter %.1f MiB\n",
      rules.rules().size(), rules_for_source, events[0].source().product.c_str(),
      events[0].source().category.c_str(), events[0].source().service.c_str(), always,
      prefilter_bytes / 1048576.0);
  std::printf(
      "events: %zu distinct (%s stream, from %zu regression process_creation events), %zu "
      "evaluated\n",
      events.size(), diverse ? "diverse" : "repeat", base.size(), rounds * events.size());
  std::printf(
      "indexed engine:  %.0f events/s, %.0f ns/event, %.2f candidate rules/event, "
      "matches/round %zu\n",
      indexed_eps, 1e9 / indexed_eps,
      static_cast<double>(engine.stats().candidates) / engine.stats().events,
      indexed_matches / rounds);
  std::printf("  fastest round: %.0f events/s, %.0f ns/event (%zu rounds of %zu events)\n",
              best_eps, 1e9 / best_eps, rounds, events.size());
  std::printf("  answered from results kept per cached value: %.2f rules and selections/event\n",
              static_cast<double>(engine.value_memo_answers()) / engine.stats().events);
  const sigma::CandidateMemo& memo = engine.candidate_memo();
  std::printf(
      "  candidates from the memo of cached value combinations: %.1f %% of %llu lookups "
      "(%.2f MiB); %.2f candidates/event answered there without evaluation (%zu of the %zu "
      "rules are determined by the memo's key), %.1f %% of its hits replayed no hit\n",
      memo.lookups() == 0 ? 0.0 : 100.0 * memo.hits() / memo.lookups(),
      static_cast<unsigned long long>(memo.lookups()), memo.memory_bytes() / 1048576.0,
      static_cast<double>(engine.stats().memo_results) / engine.stats().events, determined,
      rules_for_source,
      memo.hits() == 0 ? 0.0 : 100.0 * engine.stats().replays_skipped / memo.hits());
  const sigma::EventMemo& event_memo = engine.event_memo();
  std::printf(
      "  whole events answered by the event memo: %.1f %% of %llu lookups (%.2f MiB), %llu "
      "events bypassed it, %llu keys too large to keep\n",
      event_memo.lookups() == 0 ? 0.0 : 100.0 * event_memo.hits() / event_memo.lookups(),
      static_cast<unsigned long long>(event_memo.lookups()), event_memo.memory_bytes() / 1048576.0,
      static_cast<unsigned long long>(event_memo.bypassed()),
      static_cast<unsigned long long>(event_memo.too_large()));
  std::printf("rule-by-rule:    %.0f events/s, %.0f ns/event, matches %zu\n", oracle_eps,
              1e9 / oracle_eps, oracle_matches);
  if (!skip_oracle) {
    std::printf("  events whose matches differ between the engines: %zu of %zu\n", events_differing,
                events.size());
  }
  std::printf("speed-up: %.1fx\n", indexed_eps / oracle_eps);
  // The scan cache over the warm-up, measured and checking rounds, per field of the events'
  // buckets.
  std::printf("scan cache: %u entries per field, %.1f MiB\n", cache_entries,
              engine.scan_cache_bytes() / 1048576.0);
  for (uint32_t b = 0; b < rules.buckets().size(); ++b) {
    const auto& bucket = rules.buckets()[b];
    if (!sigma::LogSourceAdmits(bucket.key, events[0].source())) continue;
    for (uint32_t f = 0; f < bucket.prefilter.fields().size(); ++f) {
      const sigma::ScanCacheStats& c = engine.scan_cache_stats(b, f);
      if (c.lookups == 0) continue;
      std::printf(
          "  %-18s hit rate %5.1f %% (%llu lookups, %llu evictions, %llu uncacheable, %llu "
          "bypassed; %u results kept per value)\n",
          bucket.prefilter.fields()[f].field.name.c_str(), 100.0 * c.hits / c.lookups,
          static_cast<unsigned long long>(c.lookups), static_cast<unsigned long long>(c.evictions),
          static_cast<unsigned long long>(c.uncacheable),
          static_cast<unsigned long long>(c.bypassed), bucket.memo_indexes[f]);
    }
  }
  if (std::getenv("SIGMA_BENCH_PROFILE") != nullptr) {
    // The costliest rules to evaluate exactly, and whether the prefilter shields them.
    std::vector<std::pair<double, uint32_t>> cost;
    sigma::EventView view;
    sigma::RuleEvaluator evaluator;
    for (uint32_t r = 0; r < rules.rules().size(); ++r) {
      if (!sigma::LogSourceAdmits(rules.rules()[r].logsource, events[0].source())) continue;
      const double start = ThreadSeconds();
      for (size_t i = 0; i < 2000; ++i) {
        view.Reset(events[i]);
        evaluator.Matches(rules.rules()[r], view);
      }
      cost.push_back({(ThreadSeconds() - start) / 2000, r});
    }
    // Weight by how often the prefilter lets each rule through.
    std::vector<size_t> times(rules.rules().size(), 0);
    sigma::SigmaEngine probe;
    std::vector<uint32_t> sink;
    for (const Event& e : events) {
      probe.Match(rules, e, &sink);
      for (uint32_t r : probe.last_candidates()) ++times[r];
    }
    for (auto& [c, r] : cost) c *= static_cast<double>(times[r]) / events.size();
    std::sort(cost.rbegin(), cost.rend());
    std::vector<bool> always(rules.rules().size(), false);
    for (const auto& b : rules.buckets()) {
      for (uint32_t local : b.prefilter.always()) always[b.rules[local]] = true;
    }
    for (const auto& b : rules.buckets()) {
      if (!sigma::LogSourceAdmits(b.key, events[0].source())) continue;
      std::printf("  bucket %s/%s/%s: %zu rules, %zu literals, %.1f MiB\n", b.key.product.c_str(),
                  b.key.category.c_str(), b.key.service.c_str(), b.rules.size(),
                  b.prefilter.pattern_count(), b.prefilter.memory_bytes() / 1048576.0);
      const auto& fields = b.prefilter.fields();
      for (const auto& f : fields) {
        std::printf("    field %s: %u literals scanned for (%s), %zu anchored\n",
                    f.field.name.c_str(), f.scanned_count,
                    f.scanned_count == 0 ? "none"
                    : f.scanner.backend() == sigma::LiteralScanner::Backend::kHyperscan
                        ? "hyperscan"
                        : "aho-corasick",
                    f.anchored.size());
      }
      size_t by_len[5] = {};
      for (uint32_t p = 0; p < b.prefilter.pattern_count(); ++p) {
        ++by_len[std::min<uint32_t>(b.prefilter.pattern_length(p), 4)];
      }
      std::printf("    literal lengths: 1: %zu, 2: %zu, 3: %zu, 4+: %zu\n", by_len[1], by_len[2],
                  by_len[3], by_len[4]);
    }
    double always_ns = 0;
    for (const auto& [c, r] : cost) {
      if (!always[r]) continue;
      always_ns += c * 1e9;
      std::printf("  always-evaluated: %6.0f ns %s\n", c * 1e9, rules.rules()[r].meta.file.c_str());
    }
    std::printf("  always-evaluated rules cost %.0f ns/event in total\n", always_ns);
    for (size_t i = 0; i < std::min<size_t>(25, cost.size()); ++i) {
      const auto& rule = rules.rules()[cost[i].second];
      std::printf("  %8.0f ns/event %s %s (%s)\n", cost[i].first * 1e9,
                  always[cost[i].second] ? "ALWAYS" : "      ", rule.meta.title.c_str(),
                  rule.meta.file.c_str());
    }
  }
  if (indexed_matches / rounds != oracle_matches || events_differing != 0) {
    std::fprintf(stderr, "MISMATCH between engines\n");
    return 1;
  }
  return 0;
}

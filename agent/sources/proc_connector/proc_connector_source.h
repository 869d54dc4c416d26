#pragma once
// Process-creation events from the Linux netlink process connector (CN_IDX_PROC), enriched
// from /proc. Needs CAP_NET_ADMIN to subscribe; the socket stays usable after the agent drops
// privileges. The connector reports exec after the new image is mapped, so /proc/<pid>/exe
// and cmdline already show the new program. Fork and exit notifications keep a process tree
// (ancestry, and the parent of a process that is already gone); a process that exits before
// we read it still yields an event with what could be read (pid, parent from the tree),
// counted as partial. Images are hashed (SHA-256, cached by file identity).

#include <atomic>
#include <string>

#include "agent/pipeline/event_source.h"
#include "agent/sources/proc_connector/image_hasher.h"
#include "agent/sources/proc_connector/proc_reader.h"
#include "agent/sources/proc_connector/process_tree.h"

namespace otasuke::agent {

class ProcConnectorSource final : public EventSource {
 public:
  explicit ProcConnectorSource(std::string proc_root = "/proc")
      : proc_(proc_root), hasher_(proc_root) {}
  ~ProcConnectorSource() override;

  std::string_view name() const override { return "process"; }
  absl::Status Open() override;
  absl::Status Run(EventHandler& handler, std::stop_token stop) override;
  SourceStats stats() const override;

 private:
  // Handles one exec notification.
  void OnExec(pid_t pid, absl::Time when, EventHandler& handler);
  void SetParentFields(pid_t ppid);

  ProcReader proc_;
  ProcessTree tree_;
  ImageHasher hasher_;
  std::string boot_id_;  // part of ProcessGuid: pids and start ticks repeat across boots
  int fd_ = -1;
  Event event_;          // reused for every event
  ProcessInfo info_;     // reused
  std::string scratch_;  // reused
  std::atomic<uint64_t> events_{0};
  std::atomic<uint64_t> overruns_{0};
  std::atomic<uint64_t> partial_{0};
};

}  // namespace otasuke::agent

#pragma once
// A small fixed pool of threads for work that may block (SQLite reads for the console, rule-set
// look-ups), so gRPC reactions and store callbacks never do. Jobs posted after Stop() are
// dropped: by then nobody waits for their answer.

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace otasuke::collector {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False when the pool is stopping and the job was dropped.
  bool Post(std::function<void()> job);
  // Runs the jobs already queued, then joins the threads.
  void Stop();

 private:
  void Run();

  absl::Mutex mu_;
  std::deque<std::function<void()>> jobs_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace otasuke::collector

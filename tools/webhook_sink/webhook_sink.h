#pragma once
// A small HTTP/1.1 receiver standing in for a responder's phone in the demo and tests: it
// accepts POSTs on 127.0.0.1, answers 500 to the first `fail_first` requests (to exercise the
// collector's retries) and 200 after, and records each request as one JSON line.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace otasuke::tools {

struct ReceivedRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  int answered = 0;  // the status code we replied with
};

// {"method":..,"path":..,"headers":{..},"answered":..,"body":<JSON or string>}
std::string RequestJsonLine(const ReceivedRequest& request);

class WebhookSink {
 public:
  struct Options {
    int port = 0;  // 0: ephemeral
    int fail_first = 0;
    // Called (on the server thread) for every request, after it was answered.
    std::function<void(const ReceivedRequest&)> on_request;
  };

  explicit WebhookSink(Options options) : options_(std::move(options)) {}
  ~WebhookSink();

  // Binds 127.0.0.1 and starts serving. Returns the bound port.
  absl::StatusOr<int> Start();
  void Stop();
  int port() const { return port_; }

  std::vector<ReceivedRequest> requests() const;
  // Waits (real time) until at least `count` requests arrived or `timeout` passed.
  bool WaitForRequests(size_t count, absl::Duration timeout) const;

 private:
  void Serve();
  void HandleConnection(int fd);

  Options options_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable absl::Mutex mu_;
  std::vector<ReceivedRequest> requests_ ABSL_GUARDED_BY(mu_);
};

}  // namespace otasuke::tools

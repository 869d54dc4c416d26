#pragma once
// A small SMTP server on 127.0.0.1 for tests: speaks enough of RFC 5321 for libcurl (EHLO/HELO,
// MAIL, RCPT, DATA, RSET, NOOP, QUIT), records every accepted message, and can refuse the first
// N messages with a temporary error to exercise the collector's retries. One serving thread;
// connections are handled one after another.

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace otasuke::testing {

struct ReceivedMail {
  std::string mail_from;             // without the angle brackets
  std::vector<std::string> rcpt_to;  // without the angle brackets
  std::string data;                  // the message, dot-unstuffed, CRLF line ends
};

class SmtpSink {
 public:
  struct Options {
    int refuse_first = 0;  // answer "451" to the DATA of the first N messages
  };

  explicit SmtpSink(Options options) : options_(options) {}
  ~SmtpSink();

  absl::StatusOr<int> Start();  // returns the bound port
  void Stop();

  std::vector<ReceivedMail> messages() const;
  int refused() const;

 private:
  void Serve();
  void HandleConnection(int fd);

  Options options_;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable absl::Mutex mu_;
  std::vector<ReceivedMail> messages_ ABSL_GUARDED_BY(mu_);
  int refused_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace otasuke::testing

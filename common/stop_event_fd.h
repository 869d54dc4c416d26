#pragma once
// An eventfd that becomes readable once a std::stop_token is stopped: a thread blocked in
// poll() on its own descriptors adds this one and needs no timeout to notice a stop request.
//
// Why: a poll() timeout that only exists to look at the stop flag wakes an idle thread several
// times a second, and on an idle host those wake-ups are the thread's whole CPU cost.

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <stop_token>

namespace otasuke {

class StopEventFd {
 public:
  explicit StopEventFd(std::stop_token stop) : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (fd_ >= 0) on_stop_.emplace(std::move(stop), Signal{fd_});  // runs now if stopped already
  }
  ~StopEventFd() {
    on_stop_.reset();  // deregistered (or finished) before the descriptor goes
    if (fd_ >= 0) ::close(fd_);
  }
  StopEventFd(const StopEventFd&) = delete;
  StopEventFd& operator=(const StopEventFd&) = delete;

  // Readable (POLLIN) once stop is requested; -1 when no eventfd could be made (the caller then
  // falls back to a poll timeout).
  int fd() const { return fd_; }

 private:
  struct Signal {
    int fd;
    void operator()() const {
      const uint64_t one = 1;
      // Cannot fail but with EAGAIN on a counter already at its maximum: then it is readable.
      [[maybe_unused]] ssize_t n = ::write(fd, &one, sizeof(one));
    }
  };

  const int fd_;
  std::optional<std::stop_callback<Signal>> on_stop_;
};

}  // namespace otasuke

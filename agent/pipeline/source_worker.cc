#include "agent/pipeline/source_worker.h"

#include "common/log.h"
#include "common/thread_name.h"

namespace otasuke::agent {

void SourceWorker::Start() {
  thread_ = std::jthread([this](std::stop_token stop) {
    NameThisThread(std::string("src-").append(source_->name()));
    result_ = source_->Run(chain_, stop);
    if (!result_.ok()) {
      LOG_ERROR("source %s stopped: %s", source_->name(), result_.ToString());
    }
  });
}

void SourceWorker::Stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

}  // namespace otasuke::agent

#pragma once
// Names the calling thread, so `top -H`, `ps -L`, perf and /proc/<pid>/task/*/comm tell the
// agent's workers apart (the footprint benchmark reads each thread's CPU by name).

#include <pthread.h>

#include <string>
#include <string_view>

namespace otasuke {

// Linux keeps 15 bytes of a thread name: longer names are cut.
inline void NameThisThread(std::string_view name) {
  const std::string cut(name.substr(0, 15));
  pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace otasuke

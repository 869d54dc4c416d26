#pragma once
// Protobuf fuzz inputs. ForEachDelimitedMessage reads a gRPC-like stream: up to
// `max_messages` varint-length-delimited messages, handed one by one to `on_message` until one
// does not parse or `on_message` returns false (the stream ends, as the collector ends a stream
// on its first bad message).

#include <cstddef>
#include <cstdint>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/stubs/logging.h"

namespace otasuke::fuzz {

// Protobuf logs every string field with invalid UTF-8 it parses; fuzz inputs are full of them,
// and the lines only slow the run down. Parse results are still checked.
inline void SilenceProtobufLogs() {
  static const bool silenced = [] {
    google::protobuf::SetLogHandler(nullptr);
    return true;
  }();
  (void)silenced;
}

template <typename Message, typename OnMessage>
void ForEachDelimitedMessage(const uint8_t* data, size_t size, int max_messages,
                             OnMessage on_message) {
  SilenceProtobufLogs();
  google::protobuf::io::CodedInputStream input(data, static_cast<int>(size));
  for (int i = 0; i < max_messages; ++i) {
    uint32_t length = 0;
    if (!input.ReadVarint32(&length)) return;
    const auto limit = input.PushLimit(static_cast<int>(length));
    Message message;
    const bool parsed = message.ParseFromCodedStream(&input) && input.ConsumedEntireMessage();
    input.PopLimit(limit);
    if (!parsed || !on_message(message)) return;
  }
}

}  // namespace otasuke::fuzz

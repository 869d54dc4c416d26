#pragma once
// Packets from libpcap: offline files (pcap and pcapng, which libpcap reads alike) and live
// interfaces (snaplen, BPF filter, immediate mode). One reader per thread.

#include <pcap/pcap.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace otasuke::network {

struct RawFrame {
  const uint8_t* data = nullptr;
  uint32_t cap_len = 0;
  uint32_t wire_len = 0;
  int64_t ts_usec = 0;
};

struct LiveCaptureOptions {
  std::string interface;
  std::string bpf_filter;  // empty: everything
  int snaplen = 65535;
  bool promiscuous = true;
  bool immediate = true;  // deliver packets as they arrive rather than in buffered batches
  int timeout_ms = 250;   // read timeout, so a stop request is seen promptly
  int buffer_bytes = 0;   // kernel buffer; 0 = libpcap default
};

struct CaptureStats {
  uint64_t received = 0;  // by the kernel filter
  uint64_t dropped = 0;   // by the kernel for lack of buffer space
  uint64_t if_dropped = 0;
};

class PcapSource {
 public:
  static absl::StatusOr<std::unique_ptr<PcapSource>> OpenFile(const std::string& path);
  static absl::StatusOr<std::unique_ptr<PcapSource>> OpenLive(const LiveCaptureOptions& options);
  ~PcapSource();
  PcapSource(const PcapSource&) = delete;
  PcapSource& operator=(const PcapSource&) = delete;

  int link_type() const { return link_type_; }
  const std::string& name() const { return name_; }

  enum class ReadResult { kPacket, kTimeout, kEnd };
  // Reads the next packet into *frame (valid until the next call).
  absl::StatusOr<ReadResult> Next(RawFrame* frame);

  // Kernel counters for live captures (zeros offline).
  CaptureStats stats() const;

 private:
  PcapSource(pcap_t* handle, std::string name, bool live);

  pcap_t* handle_;
  std::string name_;
  bool live_;
  int link_type_;
  int poll_fd_ = -1;  // live captures: wait for packets here, at most poll_timeout_ms_
  int poll_timeout_ms_ = 250;
};

}  // namespace otasuke::network

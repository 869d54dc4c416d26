#include "agent/network/packet/pcap_source.h"

#include <poll.h>

#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace otasuke::network {

PcapSource::PcapSource(pcap_t* handle, std::string name, bool live)
    : handle_(handle), name_(std::move(name)), live_(live), link_type_(pcap_datalink(handle)) {}

PcapSource::~PcapSource() { pcap_close(handle_); }

absl::StatusOr<std::unique_ptr<PcapSource>> PcapSource::OpenFile(const std::string& path) {
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* handle =
      pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, err);
  if (handle == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read capture: ", err));
  }
  return std::unique_ptr<PcapSource>(new PcapSource(handle, path, false));
}

absl::StatusOr<std::unique_ptr<PcapSource>> PcapSource::OpenLive(
    const LiveCaptureOptions& options) {
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* handle = pcap_create(options.interface.c_str(), err);
  if (handle == nullptr) {
    return absl::UnavailableError(absl::StrCat(options.interface, ": ", err));
  }
  auto fail = [&](std::string_view what) {
    std::string message =
        absl::StrCat(options.interface, ": ", Sv(what), ": ", pcap_geterr(handle));
    pcap_close(handle);
    return absl::UnavailableError(message);
  };
  if (pcap_set_snaplen(handle, options.snaplen) != 0) return fail("snaplen");
  if (pcap_set_promisc(handle, options.promiscuous ? 1 : 0) != 0) return fail("promiscuous");
  if (pcap_set_timeout(handle, options.timeout_ms) != 0) return fail("timeout");
  if (pcap_set_immediate_mode(handle, options.immediate ? 1 : 0) != 0) return fail("immediate");
  if (options.buffer_bytes > 0 && pcap_set_buffer_size(handle, options.buffer_bytes) != 0) {
    return fail("buffer size");
  }
  const int rc = pcap_activate(handle);
  if (rc < 0) return fail("activate");
  if (!options.bpf_filter.empty()) {
    bpf_program program;
    if (pcap_compile(handle, &program, options.bpf_filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
      return fail(absl::StrCat("BPF filter '", options.bpf_filter, "'"));
    }
    const int set = pcap_setfilter(handle, &program);
    pcap_freecode(&program);
    if (set != 0) return fail("setfilter");
  }
  // Non-blocking reads behind poll(): libpcap's read timeout does not fire on every platform
  // (Linux TPACKET_V3 in immediate mode blocks), and a stop request must be seen promptly.
  if (pcap_setnonblock(handle, 1, err) != 0) return fail("non-blocking mode");
  auto source = std::unique_ptr<PcapSource>(new PcapSource(handle, options.interface, true));
  source->poll_fd_ = pcap_get_selectable_fd(handle);
  source->poll_timeout_ms_ = options.timeout_ms;
  return source;
}

absl::StatusOr<PcapSource::ReadResult> PcapSource::Next(RawFrame* frame) {
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int rc = pcap_next_ex(handle_, &header, &data);
  if (rc == 0 && live_ && poll_fd_ >= 0) {
    pollfd fd{poll_fd_, POLLIN, 0};
    if (poll(&fd, 1, poll_timeout_ms_) <= 0) return ReadResult::kTimeout;
    rc = pcap_next_ex(handle_, &header, &data);
  }
  if (rc == 1) {
    frame->data = data;
    frame->cap_len = header->caplen;
    frame->wire_len = header->len;
    frame->ts_usec = static_cast<int64_t>(header->ts.tv_sec) * 1'000'000 + header->ts.tv_usec;
    return ReadResult::kPacket;
  }
  if (rc == 0) return ReadResult::kTimeout;
  if (rc == PCAP_ERROR_BREAK) return ReadResult::kEnd;
  return absl::DataLossError(absl::StrCat(name_, ": read error: ", pcap_geterr(handle_)));
}

CaptureStats PcapSource::stats() const {
  CaptureStats out;
  if (!live_) return out;
  pcap_stat s{};
  if (pcap_stats(handle_, &s) == 0) {
    out.received = s.ps_recv;
    out.dropped = s.ps_drop;
    out.if_dropped = s.ps_ifdrop;
  }
  return out;
}

}  // namespace otasuke::network

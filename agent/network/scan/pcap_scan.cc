#include "agent/network/scan/pcap_scan.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace otasuke::network {

absl::Status ScanPcapFile(const std::string& path, NetworkScanner& scanner, uint64_t* pcap_cnt) {
  ASSIGN_OR_RETURN(std::unique_ptr<PcapSource> source, PcapSource::OpenFile(path));
  if (!Decoder::SupportsLinkType(source->link_type())) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": unsupported link type ", source->link_type(), " (",
                     pcap_datalink_val_to_name(source->link_type())
                         ? pcap_datalink_val_to_name(source->link_type())
                         : "unknown",
                     ")"));
  }
  RawFrame frame;
  while (true) {
    ASSIGN_OR_RETURN(PcapSource::ReadResult result, source->Next(&frame));
    if (result == PcapSource::ReadResult::kEnd) break;
    if (result != PcapSource::ReadResult::kPacket) continue;
    scanner.OnFrame(source->link_type(), frame, ++*pcap_cnt);
  }
  return absl::OkStatus();
}

}  // namespace otasuke::network

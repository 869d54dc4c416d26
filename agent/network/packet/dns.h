#pragma once
// DNS messages (RFC 1035) over UDP (one message per datagram) and TCP (2-byte length
// framing, any segmentation). Names are decompressed with a loop guard; everything read is
// bounds-checked and capped.

#include <cstdint>
#include <string>
#include <vector>

namespace otasuke::network {

struct DnsQuestion {
  std::string name;  // dotted, no trailing dot
  uint16_t type = 0;
  uint16_t klass = 0;
};

struct DnsAnswer {
  std::string name;
  uint16_t type = 0;
  uint32_t ttl = 0;
  std::string data;  // A/AAAA address text, CNAME/NS/PTR name, else empty
};

struct DnsMessage {
  uint64_t tx_id = 0;  // per-flow message counter
  uint16_t id = 0;
  bool response = false;
  uint8_t opcode = 0;
  uint8_t rcode = 0;
  std::vector<DnsQuestion> questions;
  std::vector<DnsAnswer> answers;
};

// Parses one message; false when it is not a well-formed DNS message.
bool ParseDnsMessage(const uint8_t* data, uint32_t len, DnsMessage* message);

// "A", "AAAA", "CNAME", ... or the number.
std::string DnsTypeName(uint16_t type);
// "NOERROR", "NXDOMAIN", ...
std::string DnsRcodeName(uint8_t rcode);

// Reassembles TCP DNS framing per direction and parses the messages.
class DnsParser {
 public:
  // UDP: one datagram. Returns false when it is not DNS.
  bool FeedDatagram(int direction, const uint8_t* data, uint32_t len);
  // TCP: stream bytes of one direction.
  void FeedStream(int direction, const uint8_t* data, uint32_t len);
  void OnGap(int direction) { failed_[direction] = true; }

  // Messages completed by the last Feed call.
  const std::vector<DnsMessage>& messages() const { return messages_; }
  void ClearMessages() { messages_.clear(); }
  // Moves the completed messages into *out (emptied first), leaving none here; both vectors
  // keep their capacity, so a steady stream of messages allocates no vectors.
  void TakeMessages(std::vector<DnsMessage>* out) {
    out->clear();
    out->swap(messages_);
  }
  uint64_t parse_errors() const { return parse_errors_; }
  size_t memory() const { return pending_[0].capacity() + pending_[1].capacity(); }

 private:
  std::vector<uint8_t> pending_[2];
  bool failed_[2] = {false, false};
  std::vector<DnsMessage> messages_;
  uint64_t next_tx_ = 0;
  uint64_t parse_errors_ = 0;
};

}  // namespace otasuke::network

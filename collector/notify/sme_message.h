#pragma once
// The message an SME owner reads, in plain Japanese and English: what happened, on which device
// (hostname and user, then the address), when, and what to do now. Built from the rule's own
// explanation fields; a rule without them gets a careful generic text, never an empty line.
// Every channel (email, Slack, LINE) renders this one message so they cannot say different things.

#include <string>

#include "collector/store/store.h"

namespace otasuke::collector {

struct SmeText {
  std::string subject;  // one line
  std::string body;     // plain text, lines end in "\n"
};

struct SmeMessage {
  SmeText ja;
  SmeText en;
};

SmeMessage BuildSmeMessage(const NotificationJob& job);

// Severity as the owner reads it: "緊急" / "critical", "高" / "high", ...
std::string SeverityLabelJa(v1::Severity severity);

}  // namespace otasuke::collector

namespace otasuke::collector {

// At most `max_bytes` of `text`, cut on a UTF-8 character boundary, ending in "…" when cut (chat
// services reject over-long fields rather than shortening them).
std::string TruncateUtf8(std::string_view text, size_t max_bytes);

// The length of UTF-8 `text` in UTF-16 code units, as the LINE Messaging API counts text: a
// character outside the Basic Multilingual Plane (most emoji, some kanji) counts two.
size_t Utf16Length(std::string_view text);
// At most `max_units` UTF-16 code units of UTF-8 `text`, cut on a character boundary, ending in
// "…" (one unit) when cut.
std::string TruncateUtf16(std::string_view text, size_t max_units);

}  // namespace otasuke::collector

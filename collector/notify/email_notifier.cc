#include "collector/notify/email_notifier.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "collector/notify/http_post.h"
#include "collector/notify/sme_message.h"
#include "common/sha256.h"
#include "common/strings.h"

namespace otasuke::collector {
namespace {

// RFC 2047 encoded words, so a Japanese subject survives every mail hop. An encoded word is at
// most 75 characters: chunks of up to 45 bytes (60 in base64), cut between characters, each on
// its own folded line.
std::string EncodedWords(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    size_t end = std::min<size_t>(45, text.size());
    while (end < text.size() && end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      --end;
    }
    if (!out.empty()) out += "\r\n ";
    absl::StrAppend(&out, "=?UTF-8?B?", absl::Base64Escape(Sv(text.substr(0, end))), "?=");
    text.remove_prefix(end);
  }
  return out;
}

// Base64 body in lines of 76 characters (RFC 2045).
std::string Base64Lines(std::string_view text) {
  std::string encoded = absl::Base64Escape(Sv(text));
  std::string out;
  for (size_t i = 0; i < encoded.size(); i += 76) {
    absl::StrAppend(&out, encoded.substr(i, 76), "\r\n");
  }
  return out;
}

std::string TextPart(std::string_view language, const SmeText& text) {
  return absl::StrCat("Content-Type: text/plain; charset=UTF-8\r\n",
                      "Content-Language: ", Sv(language), "\r\n",
                      "Content-Transfer-Encoding: base64\r\n\r\n",
                      Base64Lines(absl::StrCat(text.subject, "\n\n", text.body)));
}

struct Upload {
  std::string_view data;
  size_t offset = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  size_t n = std::min(size * count, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseRecipients(std::string_view list) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(Sv(list), ',', absl::SkipWhitespace())) {
    std::string address(absl::StripAsciiWhitespace(part));
    size_t at = address.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == address.size() ||
        address.find_first_of("<>\r\n \t\"") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", address, "' is not an email address (want name@domain)"));
    }
    out.push_back(std::move(address));
  }
  if (out.empty()) return absl::InvalidArgumentError("no email recipient given");
  return out;
}

std::string EmailMessageText(const NotificationJob& job, const std::string& from,
                             const std::vector<std::string>& to, absl::Time date) {
  SmeMessage message = BuildSmeMessage(job);
  std::string boundary = absl::StrCat(
      "otasuke-", Sha256Hex(absl::StrCat(job.id, "/", job.incident.dedup_key())).substr(0, 24));
  std::string domain = from.substr(from.find('@') + 1);
  return absl::StrCat(
      "Date: ", absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", date, absl::UTCTimeZone()), "\r\n",
      "From: ", from, "\r\n", "To: ", absl::StrJoin(to, ", "), "\r\n",
      "Subject: ", EncodedWords(message.ja.subject), "\r\n", "Message-ID: <otasuke-notification-",
      job.id, "@", domain, ">\r\n", "X-Otasuke-Incident: ", job.incident.id(), "\r\n",
      "X-Otasuke-Dedup-Key: ", job.incident.dedup_key(), "\r\n", "MIME-Version: 1.0\r\n",
      "Content-Type: multipart/mixed; boundary=\"", boundary, "\"\r\n", "\r\n", "--", boundary,
      "\r\n", TextPart("ja", message.ja), "--", boundary, "\r\n", TextPart("en", message.en), "--",
      boundary, "--\r\n");
}

absl::StatusOr<std::unique_ptr<Notifier>> EmailNotifier::Create(EmailConfig config) {
  if (!absl::StartsWith(config.smtp_url, "smtp://") &&
      !absl::StartsWith(config.smtp_url, "smtps://")) {
    return absl::InvalidArgumentError(absl::StrCat("email.smtp_url: '", config.smtp_url,
                                                   "' must start with smtp:// or smtps://"));
  }
  absl::StatusOr<std::vector<std::string>> from = ParseRecipients(config.from);
  if (!from.ok() || from->size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("email.from: '", config.from, "' must be one address (name@domain)"));
  }
  if (config.username.empty() != config.password.empty()) {
    return absl::InvalidArgumentError(
        "email.username and email.password_file go together (both or neither)");
  }
  if (config.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("email: timeout must be positive");
  }
  InitCurlOnce();
  return std::unique_ptr<Notifier>(new EmailNotifier(std::move(config)));
}

DeliveryResult EmailNotifier::Deliver(const NotificationJob& job, int /*attempt*/) {
  DeliveryResult result;
  absl::StatusOr<std::vector<std::string>> to = ParseRecipients(job.target);
  if (!to.ok()) {
    result.error = absl::StrCat("recipients '", job.target, "': ", to.status().message());
    return result;
  }
  std::string text = EmailMessageText(job, config_.from, *to, config_.clock->Now());
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    result.error = "curl_easy_init failed";
    return result;
  }
  curl_slist* recipients = nullptr;
  for (const std::string& address : *to) {
    recipients = curl_slist_append(recipients, absl::StrCat("<", address, ">").c_str());
  }
  std::string mail_from = absl::StrCat("<", config_.from, ">");
  Upload upload{.data = text};
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, config_.smtp_url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(text.size()));
  // smtp://: STARTTLS when the server offers it; smtps:// is TLS from the start.
  curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
  if (!config_.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, config_.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, config_.password.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(config_.timeout)));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  CURLcode rc = curl_easy_perform(curl);
  long smtp_code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &smtp_code);
  result.http_status = static_cast<int>(smtp_code);  // the last SMTP reply code
  result.ok = rc == CURLE_OK;
  if (!result.ok) {
    result.error = absl::StrCat("SMTP ", config_.smtp_url, ": ",
                                error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc));
  }
  curl_slist_free_all(recipients);
  curl_easy_cleanup(curl);
  return result;
}

}  // namespace otasuke::collector

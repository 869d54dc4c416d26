#include "collector/ctl/invocation.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "google/protobuf/util/json_util.h"

namespace otasuke::ctl {

Invocation::Invocation(const Command& command, CommonOptions common,
                       std::vector<std::string> flag_args)
    : command_(command), common_(std::move(common)), flag_args_(std::move(flag_args)) {}

std::string Invocation::name() const {
  return absl::StrCat(Sv(command_.noun), " ", Sv(command_.verb));
}

bool Invocation::Given(std::string_view flag) const {
  for (const std::string& arg : flag_args_) {
    if (arg == "--") return false;
    std::string_view name = arg;
    if (!name.starts_with("-")) continue;
    name.remove_prefix(name.starts_with("--") ? 2 : 1);
    if (name == flag || (name.starts_with(flag) && name.substr(flag.size()).starts_with("="))) {
      return true;
    }
  }
  return false;
}

cli::FlagSpec Invocation::LimitFlag() {
  return {"limit", "N", "at most N rows (0: the collector's default, 100)", &limit_};
}

std::string Invocation::Help(const std::vector<cli::FlagSpec>& flags) const {
  CommonOptions defaults = DefaultCommonOptions();
  std::vector<cli::FlagSpec> common = CommonFlags(defaults);
  return absl::StrCat("usage: otasukectl ", name(), command_.args.empty() ? "" : " ",
                      Sv(command_.args), flags.empty() ? "" : " [flags]", "\n\n",
                      Sv(command_.summary), "\n",
                      flags.empty() ? "" : absl::StrCat("\nFlags:\n", cli::FlagsHelp(flags)),
                      "\nCommon flags:\n", cli::FlagsHelp(common));
}

std::optional<int> Invocation::Parse(std::vector<cli::FlagSpec> flags, ArgCount count) {
  std::vector<cli::FlagSpec> all = flags;
  for (const cli::FlagSpec& spec : CommonFlags(common_)) all.push_back(spec);
  std::vector<const char*> argv = {"otasukectl"};
  for (const std::string& arg : flag_args_) argv.push_back(arg.c_str());
  const std::string help = Help(flags);  // before parsing: the flags' defaults
  absl::StatusOr<std::vector<std::string>> positional =
      cli::ParseFlags(all, static_cast<int>(argv.size()), argv.data(), 1);
  if (!positional.ok()) {
    return UsageError(absl::StrCat(name(), ": ", positional.status().message()));
  }
  if (common_.help) {
    std::cout << help;
    return kExitOk;
  }
  args_ = *std::move(positional);
  const int given = static_cast<int>(args_.size());
  if (given < count.min || (count.max >= 0 && given > count.max)) {
    if (count.max == 0) {
      return UsageError(absl::StrCat("unexpected argument '", args_[0], "' for '", name(), "'"));
    }
    return UsageError(absl::StrCat("usage: otasukectl ", name(), " ", Sv(command_.args),
                                   " (see otasukectl ", name(), " --help)"));
  }
  if (limit_ < 0) return UsageError("--limit must be >= 0");
  if (common_.timeout_seconds <= 0) return UsageError("--timeout must be > 0");
  absl::StatusOr<std::string> token = ResolveToken(common_);
  if (!token.ok()) return UsageError(token.status().message());
  token_ = *std::move(token);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(common_);
  if (!channel.ok()) return UsageError(channel.status().message());
  channel_ = *std::move(channel);
  return std::nullopt;
}

std::unique_ptr<grpc::ClientContext> Invocation::CallContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(common_.timeout_seconds)));
  if (!token_.empty()) context->AddMetadata("authorization", "Bearer " + token_);
  return context;
}

int Invocation::Reply(const grpc::Status& status, const google::protobuf::Message& json,
                      absl::FunctionRef<void()> print_text) const {
  if (!status.ok()) return Failed(status);
  if (common_.json) return PrintJson(json);
  print_text();
  return kExitOk;
}

int Invocation::Failed(const grpc::Status& status) const {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAUTHENTICATED:
      std::cerr << "otasukectl: the collector did not accept the console token: "
                << status.error_message() << "\n";
      return kExitFailed;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      std::cerr << "otasukectl: cannot reach the collector at " << common_.collector << ": "
                << status.error_message()
                << "\n  (is otasuke-collector running there? set --collector HOST:PORT or "
                   "OTASUKE_COLLECTOR)\n";
      return kExitUnreachable;
    default:
      std::cerr << "otasukectl: the collector refused the request: " << status.error_message()
                << "\n";
      return kExitFailed;
  }
}

int Invocation::UsageError(absl::string_view message) const {
  std::cerr << "otasukectl: " << message << "\n";
  return kExitUsage;
}

int PrintJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    std::cerr << "otasukectl: cannot render JSON: " << status.ToString() << "\n";
    return kExitFailed;
  }
  std::cout << json << "\n";
  return kExitOk;
}

}  // namespace otasuke::ctl

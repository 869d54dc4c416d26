#pragma once
// What a command gets when it runs: its arguments, its flags parsed together with the common
// ones, a channel to the collector, and the shared ways to finish — the collector's answer as
// JSON (--json) or as text for people, an RPC error explained, a usage error.
//
// A command's shape:
//   v1::ListAgentsRequest request;
//   if (auto stop = in.Parse({TenantFlag(request.mutable_tenant_id())})) return *stop;
//   v1::ListAgentsResponse response;
//   return in.Reply(in.Call(&v1::ConsoleService::Stub::ListAgents, request, &response), response,
//                   [&] { ...print a table... });

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "collector/ctl/command.h"
#include "collector/ctl/connection.h"
#include "common/cli.h"
#include "google/protobuf/message.h"

namespace otasuke::ctl {

// How many positional arguments a command takes.
struct ArgCount {
  int min = 0;
  int max = 0;  // -1: no limit
};

class Invocation {
 public:
  // `flag_args`: every argument but the command words (flags given before them first).
  Invocation(const Command& command, CommonOptions common, std::vector<std::string> flag_args);

  // Parses the command's own flags together with the common ones and checks the argument count,
  // then resolves the token and opens the channel. Returns the exit status to stop with (after
  // printing the help or what is wrong), or nullopt to go on.
  std::optional<int> Parse(std::vector<cli::FlagSpec> flags, ArgCount count = {});

  // Flags with shared meaning whose values the invocation checks and keeps.
  cli::FlagSpec LimitFlag();  // --limit N (0: the collector's default)
  uint32_t limit() const { return static_cast<uint32_t>(limit_); }

  const std::vector<std::string>& args() const { return args_; }
  // Whether --`flag` was on the command line (to send only the fields a user changed).
  bool Given(std::string_view flag) const;
  const CommonOptions& common() const { return common_; }
  bool json() const { return common_.json; }
  std::string name() const;  // "agents list"

  // One unary call on `Stub` with the token and the deadline.
  template <typename Stub, typename Request, typename Response>
  grpc::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response* response) {
    Stub stub(channel_);
    std::unique_ptr<grpc::ClientContext> context = CallContext();
    return (stub.*method)(context.get(), request, response);
  }

  // Finishes a call: an error is explained; with --json `json` (usually the response) is
  // printed as JSON; otherwise `print_text` prints it for people.
  int Reply(const grpc::Status& status, const google::protobuf::Message& json,
            absl::FunctionRef<void()> print_text) const;
  // The collector refused or could not be reached: says so on stderr; exit 1 or 3.
  int Failed(const grpc::Status& status) const;
  // Bad input on the command line: says what, exit 2.
  int UsageError(absl::string_view message) const;

 private:
  std::unique_ptr<grpc::ClientContext> CallContext() const;
  std::string Help(const std::vector<cli::FlagSpec>& flags) const;

  const Command& command_;
  CommonOptions common_;
  std::vector<std::string> flag_args_;
  std::vector<std::string> args_;
  int64_t limit_ = 0;
  std::string token_;
  std::shared_ptr<grpc::Channel> channel_;
};

// --tenant T, bound to a request field.
inline cli::FlagSpec TenantFlag(std::string* tenant, std::string_view help = "only this tenant") {
  return {"tenant", "T", help, tenant};
}

// Prints `message` as one line of JSON with the proto field names and every field present.
int PrintJson(const google::protobuf::Message& message);

}  // namespace otasuke::ctl

#include "agent/sigma/yaml_documents.h"

#include <yaml-cpp/eventhandler.h>

#include <sstream>

namespace otasuke::agent::sigma {
namespace {

// Ignores every event but where documents start; throws when one starts where the previous did
// (the parser is not advancing).
class DocumentProgress final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    if (mark.pos == last_start_) {
      throw YAML::ParserException(mark, "no YAML document can start here");
    }
    last_start_ = mark.pos;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  int last_start_ = -1;
};

}  // namespace

std::vector<YAML::Node> LoadYamlDocuments(const std::string& text) {
  {
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentProgress progress;
    while (parser.HandleNextDocument(progress)) {
    }
  }
  return YAML::LoadAll(text);  // the stream is known to end
}

}  // namespace otasuke::agent::sigma

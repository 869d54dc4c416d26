#pragma once
// Plain-text tables for otasukectl: columns padded to their widest cell (by display width,
// counting a CJK character as two columns so Japanese titles line up).

#include <string>
#include <vector>

namespace otasuke::ctl {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void AddRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Terminal columns taken by UTF-8 text (wide East Asian characters count two).
size_t DisplayWidth(const std::string& text);

}  // namespace otasuke::ctl

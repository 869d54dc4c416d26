#include "agent/sigma/condition.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/strings.h"

namespace otasuke::agent::sigma {
namespace {

struct Token {
  enum class Kind { kWord, kOpen, kClose, kPipe, kEnd };
  Kind kind;
  std::string text;
  int column;  // 1-based
};

bool IsWordByte(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '*' || c == '-' ||
         c == '.' || c == '?';
}

absl::StatusOr<std::vector<Token>> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    const int column = static_cast<int>(i) + 1;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else if (c == '(') {
      tokens.push_back({Token::Kind::kOpen, "(", column});
      ++i;
    } else if (c == ')') {
      tokens.push_back({Token::Kind::kClose, ")", column});
      ++i;
    } else if (c == '|') {
      return absl::InvalidArgumentError(
          absl::StrCat("condition column ", column,
                       ": aggregation expressions are not supported (use a correlation rule)"));
    } else if (IsWordByte(c)) {
      size_t j = i;
      while (j < text.size() && IsWordByte(text[j])) ++j;
      tokens.push_back({Token::Kind::kWord, std::string(text.substr(i, j - i)), column});
      i = j;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "condition column ", column, ": unexpected character '", std::string(1, c), "'"));
    }
  }
  tokens.push_back({Token::Kind::kEnd, "", static_cast<int>(text.size()) + 1});
  return tokens;
}

bool IsKeyword(const Token& t, std::string_view word) {
  return t.kind == Token::Kind::kWord && absl::EqualsIgnoreCase(Sv(t.text), Sv(word));
}

// Glob match of a selection name against an `of` target; only '*' is special.
bool NameMatches(std::string_view pattern, std::string_view name) {
  size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, const std::vector<std::string>& names)
      : tokens_(std::move(tokens)), names_(names) {}

  absl::StatusOr<std::unique_ptr<ConditionNode>> Parse() {
    auto node = ParseOr(0);
    if (!node.ok()) return node;
    if (Peek().kind != Token::Kind::kEnd) return Error(Peek(), "unexpected token");
    return node;
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }

  absl::Status Error(const Token& t, std::string_view why) const {
    const std::string shown = t.kind == Token::Kind::kEnd ? "end of condition" : "'" + t.text + "'";
    return absl::InvalidArgumentError(
        absl::StrCat("condition column ", t.column, ": ", Sv(why), " at ", shown));
  }

  absl::StatusOr<std::unique_ptr<ConditionNode>> ParseOr(int depth) {
    if (depth > kMaxConditionDepth) return Error(Peek(), "condition nested too deeply");
    auto left = ParseAnd(depth + 1);
    if (!left.ok()) return left;
    if (!IsKeyword(Peek(), "or")) return left;
    auto node = std::make_unique<ConditionNode>();
    node->kind = ConditionNode::Kind::kOr;
    node->column = (*left)->column;
    node->children.push_back(std::move(*left));
    while (IsKeyword(Peek(), "or")) {
      Next();
      auto right = ParseAnd(depth + 1);
      if (!right.ok()) return right;
      node->children.push_back(std::move(*right));
    }
    return node;
  }

  absl::StatusOr<std::unique_ptr<ConditionNode>> ParseAnd(int depth) {
    auto left = ParseNot(depth + 1);
    if (!left.ok()) return left;
    if (!IsKeyword(Peek(), "and")) return left;
    auto node = std::make_unique<ConditionNode>();
    node->kind = ConditionNode::Kind::kAnd;
    node->column = (*left)->column;
    node->children.push_back(std::move(*left));
    while (IsKeyword(Peek(), "and")) {
      Next();
      auto right = ParseNot(depth + 1);
      if (!right.ok()) return right;
      node->children.push_back(std::move(*right));
    }
    return node;
  }

  absl::StatusOr<std::unique_ptr<ConditionNode>> ParseNot(int depth) {
    if (depth > kMaxConditionDepth) return Error(Peek(), "condition nested too deeply");
    if (!IsKeyword(Peek(), "not")) return ParsePrimary(depth + 1);
    const Token& t = Next();
    auto operand = ParseNot(depth + 1);
    if (!operand.ok()) return operand;
    auto node = std::make_unique<ConditionNode>();
    node->kind = ConditionNode::Kind::kNot;
    node->column = t.column;
    node->children.push_back(std::move(*operand));
    return node;
  }

  absl::StatusOr<std::unique_ptr<ConditionNode>> ParsePrimary(int depth) {
    const Token& t = Peek();
    if (t.kind == Token::Kind::kOpen) {
      Next();
      auto inner = ParseOr(depth + 1);
      if (!inner.ok()) return inner;
      if (Peek().kind != Token::Kind::kClose) return Error(Peek(), "expected ')'");
      Next();
      return inner;
    }
    if (t.kind == Token::Kind::kPipe) {
      return Error(t, "aggregation expressions are not supported (use a correlation rule)");
    }
    if (t.kind != Token::Kind::kWord) return Error(t, "expected a selection name");
    if (IsKeyword(t, "and") || IsKeyword(t, "or") || IsKeyword(t, "of") || IsKeyword(t, "them")) {
      return Error(t, "expected a selection name");
    }
    // Quantified form: "all of x", "1 of x", "any of x".
    if (pos_ + 1 < tokens_.size() && IsKeyword(tokens_[pos_ + 1], "of")) {
      uint32_t quantity = 0;
      if (IsKeyword(t, "all")) {
        quantity = 0;
      } else if (IsKeyword(t, "any")) {
        quantity = 1;
      } else if (!absl::SimpleAtoi(Sv(t.text), &quantity) || quantity == 0) {
        return Error(t, "expected 'all', 'any' or a positive number before 'of'");
      }
      Next();
      Next();
      const Token& target = Next();
      if (target.kind != Token::Kind::kWord) return Error(target, "expected a target after 'of'");
      auto node = std::make_unique<ConditionNode>();
      node->kind = ConditionNode::Kind::kOfSelections;
      node->quantity = quantity;
      node->column = t.column;
      const bool them = IsKeyword(target, "them");
      for (uint32_t i = 0; i < names_.size(); ++i) {
        if (them ? !absl::StartsWith(Sv(names_[i]), "_") : NameMatches(target.text, names_[i])) {
          node->selections.push_back(i);
        }
      }
      if (node->selections.empty()) return Error(target, "no selection matches");
      return node;
    }
    Next();
    for (uint32_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == t.text) {
        auto node = std::make_unique<ConditionNode>();
        node->kind = ConditionNode::Kind::kSelection;
        node->selections.push_back(i);
        node->column = t.column;
        return node;
      }
    }
    return Error(t, "unknown selection");
  }

  std::vector<Token> tokens_;
  const std::vector<std::string>& names_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ConditionNode>> ParseCondition(
    std::string_view text, const std::vector<std::string>& selection_names) {
  auto tokens = Tokenize(text);
  if (!tokens.ok()) return tokens.status();
  if (tokens->size() == 1) return absl::InvalidArgumentError("empty condition");
  Parser parser(std::move(*tokens), selection_names);
  return parser.Parse();
}

std::string PrintCondition(const ConditionNode& node,
                           const std::vector<std::string>& selection_names) {
  switch (node.kind) {
    case ConditionNode::Kind::kSelection:
      return selection_names[node.selections[0]];
    case ConditionNode::Kind::kNot:
      return "not " + PrintCondition(*node.children[0], selection_names);
    case ConditionNode::Kind::kAnd:
    case ConditionNode::Kind::kOr: {
      std::vector<std::string> parts;
      for (const auto& c : node.children) parts.push_back(PrintCondition(*c, selection_names));
      return "(" + absl::StrJoin(parts, node.kind == ConditionNode::Kind::kAnd ? " and " : " or ") +
             ")";
    }
    case ConditionNode::Kind::kOfSelections: {
      std::vector<std::string> parts;
      for (uint32_t s : node.selections) parts.push_back(selection_names[s]);
      return absl::StrCat(node.quantity == 0 ? std::string("all") : absl::StrCat(node.quantity),
                          " of (", absl::StrJoin(parts, ", "), ")");
    }
  }
  return "";
}

ConditionProgram ConditionProgram::Compile(const ConditionNode& root) {
  ConditionProgram program;
  program.Emit(root);
  return program;
}

void ConditionProgram::Emit(const ConditionNode& node) {
  using Op = ConditionStep::Op;
  switch (node.kind) {
    case ConditionNode::Kind::kSelection:
      steps_.push_back({.op = Op::kSelection, .a = node.selections[0]});
      return;
    case ConditionNode::Kind::kNot:
      Emit(*node.children[0]);
      steps_.push_back({.op = Op::kNot});
      return;
    case ConditionNode::Kind::kAnd:
    case ConditionNode::Kind::kOr: {
      const bool is_and = node.kind == ConditionNode::Kind::kAnd;
      if (node.children.empty()) {  // the tree's answer for no operands
        steps_.push_back({.op = Op::kConstant, .b = is_and ? 1u : 0u});
        return;
      }
      // Each operand but the last decides the whole when false (and) / true (or).
      std::vector<size_t> exits;
      for (size_t i = 0; i < node.children.size(); ++i) {
        Emit(*node.children[i]);
        if (i + 1 == node.children.size()) break;
        exits.push_back(steps_.size());
        steps_.push_back({.op = is_and ? Op::kJumpIfFalse : Op::kJumpIfTrue});
      }
      for (const size_t exit : exits) steps_[exit].a = static_cast<uint32_t>(steps_.size());
      return;
    }
    case ConditionNode::Kind::kOfSelections: {
      const auto begin = static_cast<uint32_t>(of_selections_.size());
      of_selections_.insert(of_selections_.end(), node.selections.begin(), node.selections.end());
      steps_.push_back({.op = Op::kOf,
                        .a = begin,
                        .b = static_cast<uint32_t>(of_selections_.size()),
                        .quantity = node.quantity});
      return;
    }
  }
}

}  // namespace otasuke::agent::sigma

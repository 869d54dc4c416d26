#pragma once
// RETURN_IF_ERROR / ASSIGN_OR_RETURN: Debian's Abseil 20220623 ships no status macros.
// Every fallible API in Otasuke returns absl::Status or absl::StatusOr<T>; these keep the
// call sites short without exceptions.

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define OTASUKE_STATUS_CONCAT_INNER(a, b) a##b
#define OTASUKE_STATUS_CONCAT(a, b) OTASUKE_STATUS_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    ::absl::Status otasuke_status_ = (expr);           \
    if (!otasuke_status_.ok()) return otasuke_status_; \
  } while (0)

#define OTASUKE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return std::move(tmp).status();      \
  lhs = std::move(tmp).value()

// ASSIGN_OR_RETURN(auto x, Foo()); or ASSIGN_OR_RETURN(existing, Foo());
#define ASSIGN_OR_RETURN(lhs, expr) \
  OTASUKE_ASSIGN_OR_RETURN_IMPL(OTASUKE_STATUS_CONCAT(otasuke_statusor_, __LINE__), lhs, expr)

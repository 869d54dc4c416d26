#pragma once
// Renderings of the field descriptor table (fields.h): the text of
// `otasuke-agent --list-fields` and the Markdown of docs/FIELDS.md (a test keeps the file
// equal to FieldsMarkdown()).

#include <string>
#include <string_view>

#include "agent/event/fields.h"

namespace otasuke::agent {

std::string_view FieldTypeName(FieldType type);
// One line per field: name, type, description, aligned.
std::string FieldListText();
std::string FieldsMarkdown();

}  // namespace otasuke::agent

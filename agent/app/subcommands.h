#pragma once
// The agent's offline subcommands, each implemented by its engine. argv[0] is the
// subcommand name.

namespace otasuke::agent {

int RunListFields();

}  // namespace otasuke::agent

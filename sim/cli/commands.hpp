#pragma once

namespace clvsim::cli {

//! Exit codes of the clvsim command.
enum ExitCode : int { SUCCESS = 0, RUNTIME_FAILURE = 1, BAD_INPUT = 2 };

//! Parse the command line and run the chosen command. Never throws.
int main(int argc, char** argv);

}  // namespace clvsim::cli

// The clvsim command: parse the command line, call the library, report errors once.
#include "commands.hpp"

int main(int argc, char** argv) { return clvsim::cli::main(argc, argv); }

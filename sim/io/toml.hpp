#pragma once
// toml++, as every clvsim source that uses it includes it. Its implementation is compiled from
// its headers (TOML_HEADER_ONLY), so all of them must configure it alike.
//
// Its assertions are off in every build, not only under NDEBUG: they check its parser's own
// state, not the input, and some malformed table headers ("[&", "[[[": toml++ issue #294) fail
// one before toml++'s error path reports them. A Debug build, and the fuzzer, then report such
// a file as malformed TOML, as the release build does.
#ifndef TOML_ASSERT
#define TOML_ASSERT(expr) static_cast<void>(0)
#endif
#include <toml++/toml.h>

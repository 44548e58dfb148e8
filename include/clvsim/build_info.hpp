#pragma once

namespace clvsim {

//! clvsim's version, e.g. "0.1.0".
const char* version();
//! The git revision the library was configured from, or "unknown".
const char* git_revision();
//! The CMake build type, e.g. "Release".
const char* build_type();

}  // namespace clvsim

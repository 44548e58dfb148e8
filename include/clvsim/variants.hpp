#pragma once

// Scenario variants: the base with parameters set, scaled or shifted by dotted key path.

#include <string>
#include <vector>

#include "clvsim/scenario.hpp"

namespace clvsim {

//! "set", "scale" or "add".
[[nodiscard]] const char* op_name(Override::Op op);

//! Parameters of `s` matched by an override pattern, in for_each_param order.
std::vector<Param*> match_params(Scenario& s, const std::string& pattern);

//! Every parameter key path of `s` (arrays once, without their index), for suggestions.
std::vector<std::string> param_paths(const Scenario& s);

//! Why the scenario does not use `p` (e.g. the constant churn of a segment with sBG churn), or
//! an empty string when it does. `p` must be one of `s`'s own parameters.
[[nodiscard]] std::string unused_reason(const Scenario& s, const Param& p);

//! Apply one override. Throws InputError at the override's location when the pattern matches no
//! parameter (with a did-you-mean suggestion and the names existing where the path goes wrong),
//! when it matches only parameters the scenario does not use, or when a changed value leaves
//! its domain.
void apply_override(Scenario& s, const Override& o);

//! Annual retention in expected-value mode at the point values (docs/model.md, section 9): the
//! mean over the periods with customers at risk of the expected retention rate, to the power P
//! (periods per year). NaN when no period has customers at risk.
[[nodiscard]] double expected_annual_retention(const Scenario& s);

//! The base followed by one scenario per declared variant, each validated. A variant is named
//! after its spec and has no variants of its own. A variant without overrides, or with an
//! override that changes no used parameter, is an InputError.
std::vector<Scenario> expand_variants(const Scenario& base);

}  // namespace clvsim

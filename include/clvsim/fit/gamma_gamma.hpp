#pragma once

// Gamma-gamma spend per transaction, Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value
// curves for customer base analysis", Journal of Marketing Research 42(4). A customer's
// transaction values are Gamma(p, nu) (mean p / nu), nu ~ Gamma(q, gamma) across customers,
// independent of the transaction process. Fitted to each customer's number of repeat
// transactions x and their mean value m.

#include <vector>

#include "clvsim/fit/estimate.hpp"

namespace clvsim::fit {

struct SpendRow {
  double transactions = 0;  //!< x >= 1 repeat transactions
  double mean_value = 0;    //!< their mean value m > 0
};

//! log f(m | p, q, gamma, x) = lgamma(px + q) - lgamma(px) - lgamma(q) + q log gamma
//!   + (px - 1) log m + px log x - (px + q) log(gamma + m x).
double gamma_gamma_log_likelihood(double p, double q, double gamma, const SpendRow& row);
double gamma_gamma_log_likelihood(double p, double q, double gamma,
                                  const std::vector<SpendRow>& rows);

//! Maximum-likelihood fit: "p", "q", "gamma" (log scale). Throws InputError with fewer than two
//! customers with repeat transactions or any non-positive value.
FitResult fit_gamma_gamma(const std::vector<SpendRow>& rows);

//! Mean value of a transaction across customers, p gamma / (q - 1) (infinite when q <= 1).
double gamma_gamma_mean(double p, double q, double gamma);
//! Coefficient of variation of one transaction's value across all customers' transactions:
//! sqrt((q - 1 + p) / (p (q - 2))) (infinite when q <= 2).
double gamma_gamma_cv(double p, double q);

}  // namespace clvsim::fit

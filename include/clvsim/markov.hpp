#pragma once

// Customer lifetime value as a Markov chain (Pfeifer & Carraway 2000).
//
// One customer's state at the start of a period is active in segment k at tenure tau, or lapsed
// from segment k for d periods (inside the win-back window), or lost (absorbing, value 0). Per
// period the chain applies win-back, churn and migration in the engine's order; the reward of a
// state is the expected contribution earned during the period (gross margin - cost to serve -
// per-customer retention spend - win-back attempt cost). Tenure is tracked up to ltv_tenure_cap
// periods; beyond it the sBG hazard is held at its value there.
//
// The value of a customer acquired at the end of a period is V = gamma * [(I - gamma P)^-1 r]
// at its entry state (tenure 0), with gamma = 1 / (1 + i) per period: margin is first earned in
// the period after acquisition, after the first retention test. For constant retention s and
// margin m this is m s / (1 + i - s) (Gupta, Lehmann & Stuart 2004).
//
// The chain is triangular in tenure but for the cap state and the win-back loop back to tenure 0,
// so customer_value() never forms it: the value is one backward pass over tenure with two K x K
// solves, O(L K^3), and the payback curve a forward recursion, O(N K^3) without win-back and a
// renewal equation, O(N^2 K^2), with it (docs/model.md, section 6). customer_chain() builds the
// matrix form, the definition the tests check both against.

#include <vector>

#include <Eigen/SparseCore>

namespace clvsim {

struct ModelParams;

struct CustomerValue {
  std::vector<double> ltv;                      //!< [K] discounted value at acquisition
  std::vector<double> cumulative_contribution;  //!< [K * N] undiscounted, after n = 1..N periods
  //! [K * L + K * W] u(s) = [(I - gamma P)^-1 r](s) for every state s of the chain, in
  //! CustomerChain's order (active (k, tau), then lapsed (k, d)): the discounted value of a
  //! customer in state s at the start of a period, its rewards valued at the end of each period
  //! and discounted to the end of the first. +inf everywhere when the chain's value is infinite.
  std::vector<double> state_value;
};

//! The one-period transition matrix P (row-stochastic up to loss) and reward vector r.
struct CustomerChain {
  int segments = 0;
  int tenures = 1;  //!< tenure buckets, the last absorbing in tenure
  int window = 0;   //!< lapsed buckets
  Eigen::SparseMatrix<double, Eigen::RowMajor> transition;
  Eigen::VectorXd reward;

  [[nodiscard]] int active_state(int k, int tau) const { return k * tenures + tau; }
  [[nodiscard]] int lapsed_state(int k, int d) const { return segments * tenures + k * window + d; }
  [[nodiscard]] int size() const { return segments * (tenures + window); }
};

//! Customer values at a period boundary, at time 0 of that boundary (docs/model.md, section 6,
//! "Value of the base"): rho u(s) with rho = 1 / (1 + i) (end booking) or 1 (start booking).
struct BoundaryValues {
  int segments = 0, tenures = 1, window = 0;  //!< K, the chain's L and W
  std::vector<double> active;  //!< [K * L] a customer at tenure tau, before the period's churn test
  std::vector<double> lapsed;  //!< [K * W] a customer lapsed d = 1..W periods
  std::vector<double> initial;  //!< [K] the scenario's initial customers of each segment, together
};

//! The boundary values of `m`, which must have been resolved with customer value.
BoundaryValues boundary_values(const ModelParams& m);

//! Build the chain of one customer of `m`.
CustomerChain customer_chain(const ModelParams& m);

//! Scratch memory of customer_value, kept between evaluations so that they do not allocate (one
//! per thread; its contents between calls mean nothing).
struct CustomerValueScratch {
  std::vector<double> buffer;
};

//! LTV per segment and payback curves of length `periods`, without forming the chain.
CustomerValue customer_value(const ModelParams& m, int periods);

//! The same into `out`, whose vectors and `scratch` are reused: no allocation once they have
//! reached their sizes.
void customer_value(const ModelParams& m, int periods, CustomerValue& out,
                    CustomerValueScratch& scratch);

}  // namespace clvsim

#pragma once

// The scenario: a plain description of one business, as the user wrote it.
//
// It is produced by the TOML reader (io/scenario_toml.hpp) or by code, checked by validate(),
// and turned into numbers for one replication by resolve() (model.hpp). The engine never sees
// TOML. Every numeric input is a Param, so any of them may be uncertain and any of them can be
// addressed by its dotted key path (variants, sweeps, sensitivity).

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "clvsim/error.hpp"

namespace clvsim {

//! The set of values a parameter may take. Uncertain parameters are truncated to it.
enum class Domain {
  Real,         //!< any finite number
  NonNegative,  //!< [0, inf)
  Positive,     //!< (0, inf)
  Probability,  //!< [0, 1]
  Count,        //!< [0, MAX_COUNT], rounded to the nearest integer when resolved
};

//! The largest count the samplers handle exactly (2^53): every integer up to it is a double.
//! Count inputs are limited to it, and a population cell that grows beyond it stops the run.
inline constexpr double MAX_COUNT = 9007199254740992.0;

//! The largest order_value_cv: beyond it the gamma order values' shape underflows.
inline constexpr double MAX_ORDER_VALUE_CV = 100.0;

//! Lower and upper limits of a domain.
struct Interval {
  double lo;
  double hi;
  bool lo_open = false;
};
[[nodiscard]] Interval domain_interval(Domain d);
[[nodiscard]] const char* domain_description(Domain d);
[[nodiscard]] bool in_domain(Domain d, double x);
//! What is wrong with a value outside the domain, e.g. "is not a probability".
[[nodiscard]] const char* domain_violation(Domain d);

//! An uncertainty distribution for a parameter, drawn once per replication.
struct Distribution {
  enum class Kind { Normal, LogNormal, Beta, Uniform, Triangular };
  Kind kind = Kind::Normal;
  //! normal, lognormal: (mean, sd) of the variable itself; beta: (alpha, beta);
  //! uniform: (min, max); triangular: (min, mode, max).
  double a = 0.0;
  double b = 0.0;
  double c = 0.0;
};
[[nodiscard]] const char* kind_name(Distribution::Kind k);

//! What kind of quantity per period a parameter is, which says how a value written per year is
//! converted to the scenario's period (docs/scenario.md, "Rates per year").
enum class PerPeriod {
  None,         //!< not per period (a share, an amount per order, a count): never converted
  Probability,  //!< a probability per period: 1 - (1 - a)^(1 / P)
  Amount,       //!< a rate or an amount of money per period: a / P
};

//! How a parameter follows the calendar (docs/model.md §3, "Parameters over time"): its value
//! in period t (1-based) is level x indices[season(t)] x (1 + trend)^((t - 1) / P), with P the
//! periods in a year and season(t) = (start_season - 1 + t - 1) mod P. The indices and the trend
//! are fixed numbers; the level is the parameter (a number or a distribution).
struct Seasonality {
  bool written = false;         //!< a seasonal form was written (even with indices of 1, trend 0)
  std::vector<double> indices;  //!< one per period of the year, averaging 1; empty: all 1
  double trend = 0.0;           //!< growth per year (> -1), compounded every period
  SourceLocation where;         //!< where the seasonal table was written
};

//! Whether a key may change from period to period (a schedule or a seasonal form).
enum class InTime { No, Yes };

//! One numeric input. `value` is the point value; for an uncertain parameter it is the mean
//! of the distribution truncated to the domain, which is what expected-value mode uses.
struct Param {
  double value = 0.0;
  std::optional<Distribution> dist;
  Domain domain = Domain::Real;
  std::string path;      //!< dotted key path, e.g. "segments.premium.churn"
  SourceLocation where;  //!< where it was written (empty for defaults)
  //! Key path whose random stream this parameter's draws use; empty: its own path. A default
  //! that copies another parameter shares that parameter's draw in every replication.
  std::string draw_key;
  //! Column of the scenario's ParameterDraws that gives this parameter's value in each
  //! replication (jointly with the other columns); -1: none. `value` is then the column mean.
  int draws_column = -1;
  //! A variant's change to an uncertain parameter, applied to each draw: x * scale + shift.
  //! The draw itself is unchanged, so base and variant are perfectly coupled.
  double scale = 1.0;
  double shift = 0.0;
  //! Which per-period quantity it is, and whether it was written per year (`per = "year"`): its
  //! value and draws are then per year, converted to the period when the model is resolved.
  PerPeriod per_period = PerPeriod::None;
  bool per_year = false;
  //! Whether the key may change from period to period: a schedule (one value per period) or a
  //! seasonal profile times a trend (docs/scenario.md, "Schedules and seasonality").
  bool in_time = false;
  Seasonality seasonal;
  //! A schedule: one parameter per period (paths "<path>[i]"), visited instead of this one;
  //! empty when the key is not a schedule.
  std::vector<Param> schedule;

  Param() = default;
  Param(double v, Domain d) : value(v), domain(d) {}
  Param(double v, Domain d, PerPeriod per) : value(v), domain(d), per_period(per) {}
  Param(double v, Domain d, PerPeriod per, InTime time)
      : value(v), domain(d), per_period(per), in_time(time == InTime::Yes) {}
  //! Drawn per replication: from its distribution or from the table of joint draws.
  [[nodiscard]] bool uncertain() const { return dist.has_value() || draws_column >= 0; }
  //! Whether the value changes from period to period (a schedule or a seasonal form).
  [[nodiscard]] bool varies() const { return seasonal.written || !schedule.empty(); }
};

//! The calendar factor of a seasonal form in period t (0-based): indices[season] x
//! (1 + trend)^(t / P), exactly 1 for indices of 1 and a zero trend.
[[nodiscard]] double seasonal_factor(const Seasonality& s, int t, int start_season,
                                     double periods_per_year);

enum class PeriodUnit { Day, Week, Month, Quarter, Year };
[[nodiscard]] double periods_per_year(PeriodUnit p);
[[nodiscard]] const char* period_name(PeriodUnit p);

//! When a period's cash flows are booked (docs/model.md, section 5, "Booking").
enum class Booking {
  EndOfPeriod,  //!< customers pay when they pass the period's churn test; flows at the period's end
  StartOfPeriod,  //!< contractual: paid at sign-up and at each renewal; flows at the period's start
};

struct SimulationSettings {
  PeriodUnit period = PeriodUnit::Month;
  int horizon = 36;            //!< number of periods simulated
  int replications = 1000;     //!< Monte Carlo replications
  std::uint64_t seed = 20070101;
  Param annual_discount_rate{0.10, Domain::NonNegative};
  //! Periods after which sBG retention is held constant in LTV; 0 = LTV_TENURE_CAP_YEARS years.
  int ltv_tenure_cap = 0;
  int ltv_horizon = 0;         //!< periods of the payback curve; 0 = max(min(tenure cap, 20 years), horizon)
  //! The period the per-period values were written for (`rates_per`), if the file says so: it
  //! must be `period`, so that changing the period cannot silently reinterpret them.
  std::optional<PeriodUnit> rates_per;
  Booking booking = Booking::EndOfPeriod;
  //! The season of the year period 1 falls in, 1-based (the month for monthly periods, the week
  //! for weekly, the quarter for quarterly): where seasonal profiles start.
  int start_season = 1;
};

//! Default LTV tenure cap in years: a length of time, so that the cap means the same in any
//! period (240 months, 7300 days).
inline constexpr int LTV_TENURE_CAP_YEARS = 20;

//! The LTV tenure cap in periods: `ltv_tenure_cap`, or LTV_TENURE_CAP_YEARS years of periods.
[[nodiscard]] int effective_ltv_tenure_cap(const SimulationSettings& sim);

//! A funnel stage. Prospects in their first period in the stage are "fresh"; the others are
//! "nurtured" and may convert at a different rate.
struct Stage {
  std::string name;
  Param advance{0.0, Domain::Probability};
  Param drop{0.0, Domain::Probability};
  Param nurtured_advance{0.0, Domain::Probability};
  Param nurtured_drop{0.0, Domain::Probability};
  Param nurture_cost{0.0, Domain::NonNegative, PerPeriod::Amount,
                     InTime::Yes};  //!< per nurtured prospect per period
  SourceLocation where;
};

enum class Response { Linear, Saturating };

struct Channel {
  std::string name;
  std::vector<Param> spend;  //!< one value (constant) or one per period
  Response response = Response::Linear;
  Param cost_per_lead{1.0, Domain::Positive, PerPeriod::None, InTime::Yes};  //!< linear
  Param max_leads{0.0, Domain::NonNegative, PerPeriod::Amount,
                  InTime::Yes};  //!< saturating: leads as spend -> inf
  Param half_saturation_spend{1.0, Domain::Positive, PerPeriod::Amount,
                              InTime::Yes};            //!< saturating: spend giving max/2
  std::vector<Param> segment_mix;                      //!< weights per segment (normalised)
  int entry_stage = 0;
  SourceLocation where;
};

//! A factor by tenure that multiplies a segment's value parameter (docs/model.md §2, "Value by
//! tenure"). Tenure is counted in `unit_periods`-period steps n = floor(tau / unit_periods), tau
//! the tenure in periods at the start of the period.
struct TenureCurve {
  enum class Kind {
    None,       //!< factor 1
    Table,      //!< factors[min(n, size - 1)]
    Geometric,  //!< (1 + rate)^n, held at `limit` once it reaches it
    Linear,     //!< 1 + rate * n, held at `limit` once it reaches it, and at 0
  };
  Kind kind = Kind::None;
  std::vector<Param> factors;     //!< Table
  Param rate{0.0, Domain::Real};  //!< Geometric: growth per step (> -1); Linear: slope
  Param limit{0.0, Domain::NonNegative};
  bool has_limit = false;
  SourceLocation where;
  [[nodiscard]] bool active() const { return kind != Kind::None; }
};

//! The tenure curves of a segment: one per value parameter, and the tenure step they use.
struct TenureCurves {
  int unit_periods = 1;  //!< periods per tenure step: 1 ("period") or the periods in a year
  TenureCurve orders_per_period, order_value, gross_margin, cost_to_serve, referrals_per_customer;
  SourceLocation where;
  [[nodiscard]] bool any() const {
    return orders_per_period.active() || order_value.active() || gross_margin.active() ||
           cost_to_serve.active() || referrals_per_customer.active();
  }
};

enum class ChurnModel { Constant, ShiftedBetaGeometric };
//! How many orders the active customers of a segment place in a period (docs/model.md §2).
enum class OrderModel {
  Poisson,    //!< Poisson(active * orders_per_period)
  Fixed,      //!< exactly active * orders_per_period
  Bernoulli,  //!< Binomial(active, orders_per_period): at most one order per customer (BG/BB)
};

struct Segment {
  std::string name;
  ChurnModel churn_model = ChurnModel::Constant;
  Param churn{0.0, Domain::Probability, PerPeriod::Probability,
              InTime::Yes};                          //!< constant churn per period
  Param churn_multiplier{1.0, Domain::NonNegative};  //!< multiplies the churn hazard (either model)
  Param sbg_alpha{1.0, Domain::Positive};
  Param sbg_beta{1.0, Domain::Positive};
  Param orders_per_period{1.0, Domain::NonNegative, PerPeriod::Amount, InTime::Yes};
  OrderModel order_model = OrderModel::Poisson;
  Param order_value{0.0, Domain::NonNegative, PerPeriod::None, InTime::Yes};
  Param order_value_cv{0.0, Domain::NonNegative};
  Param gross_margin{1.0, Domain::Probability};
  Param cost_to_serve{0.0, Domain::NonNegative, PerPeriod::Amount, InTime::Yes};
  Param referrals_per_customer{0.0, Domain::NonNegative, PerPeriod::Amount, InTime::Yes};
  std::vector<Param> migration;          //!< probability of moving to each segment (self = 0)
  std::vector<Param> initial_by_tenure;  //!< initial customers; index = tenure in periods
  SourceLocation where;
  //! Curves by tenure of the value parameters ([segments.<name>.by_tenure]), docs/model.md §2,
  //! "Value by tenure".
  TenureCurves by_tenure;
};

enum class RetentionSpend { None, PerCustomer, Fixed };

//! Retention program: relative churn reduction = max_churn_reduction * x / (x + half_saturation),
//! where x is the spend per customer (PerCustomer) or per period (Fixed).
struct RetentionProgram {
  RetentionSpend mode = RetentionSpend::None;
  Param spend{0.0, Domain::NonNegative, PerPeriod::Amount, InTime::Yes};
  Param max_churn_reduction{0.0, Domain::Probability};
  Param half_saturation{0.0, Domain::NonNegative, PerPeriod::Amount, InTime::Yes};
  SourceLocation where;
};

//! Whether a customer won back in a period faces that period's churn test (docs/model.md §2,
//! step 1, "Win-back").
enum class ReturningChurn {
  SamePeriod,  //!< rejoins before churn: faces churn, earns and is at risk in the same period
  NextPeriod,  //!< the return is the period's purchase: earns, first faces churn next period
};

//! Win-back as a recency model (Pfeifer & Carraway 2000): a customer lapsed d periods ago is
//! approached and returns with the probability of recency d.
struct WinBack {
  bool enabled = false;
  Param attempt_cost{0.0, Domain::NonNegative};
  //! One probability (every recency) or one per period since lapse, d = 1..window.
  std::vector<Param> success_probability{Param{0.0, Domain::Probability}};
  int window = 0;  //!< periods after churn during which lapsed customers are approached
  ReturningChurn returning_churn = ReturningChurn::SamePeriod;
  SourceLocation where;
  //! The success probability parameter of recency d = 1..window.
  [[nodiscard]] const Param& success_at(int d) const {
    return success_probability.size() == 1 ? success_probability[0]
                                           : success_probability[static_cast<std::size_t>(d - 1)];
  }
};

struct ReferralProgram {
  int entry_stage = 0;
  Param reward{0.0, Domain::NonNegative};  //!< paid per referred prospect who becomes a customer
  std::vector<Param> segment_mix;          //!< empty: referred customers follow the referrer
  SourceLocation where;
};

//! A finite market (Bass 1969): `potential` people, of whom channels and referrals reach only
//! those not reached before (docs/model.md §2, steps 5 and 6).
struct Market {
  bool enabled = false;
  Param potential{0.0, Domain::Count};  //!< the business's market (unused per segment)
  //! Per segment, in segment order (`potential = { <segment> = P }`): each segment's people are
  //! a market of their own; empty: one market for the business.
  std::vector<Param> segment_potential;
  SourceLocation where;
};

struct InitialPipeline {
  std::vector<Param> prospects;    //!< per stage; treated as nurtured (already in the stage)
  std::vector<Param> segment_mix;  //!< of the pipeline's eventual customers
  SourceLocation where;
};

//! A change to one or more parameters, addressed by dotted key path; `*` matches any one path
//! component ("segments.*.churn_multiplier"), and a path also addresses the elements of an
//! array parameter ("channels.search.spend" covers "channels.search.spend[3]").
struct Override {
  enum class Op { Set, Scale, Add };
  Op op = Op::Set;
  std::string pattern;
  Param value;           //!< Set: the new value (a number or a distribution); Scale/Add: value.value
  SourceLocation where;  //!< where the override was written
};

//! A change of annual retention asked for directly (docs/scenario.md, [variants.<name>]):
//! clvsim scales every segment's churn_multiplier by the factor that reaches it in
//! expected-value mode (docs/model.md, section 9).
struct RetentionGoal {
  enum class Kind { Add, Target };
  Kind kind = Kind::Add;
  double value =
      0.0;  //!< Add: change in points as a fraction (0.05 = +5 points); Target: the level
  SourceLocation where;
};

//! A named variant of a scenario: the base with some parameters changed.
struct VariantSpec {
  std::string name;
  std::string description;
  std::vector<Override> overrides;
  std::optional<RetentionGoal> retention;  //!< applied after the overrides
  SourceLocation where;
};

//! What solving a variant's retention goal gave (NaN when the variant has none).
struct RetentionSolution {
  double base = std::numeric_limits<double>::quiet_NaN();     //!< the base's annual retention
  double goal = std::numeric_limits<double>::quiet_NaN();     //!< the annual retention asked for
  double reached = std::numeric_limits<double>::quiet_NaN();  //!< the variant's, after solving
  double churn_scale = std::numeric_limits<double>::quiet_NaN();  //!< factor on churn_multiplier
};

//! One swept parameter: every parameter matched by `pattern` gets the point's value, applied as
//! `op` (set it, scale it by it, or add it).
struct SweepParameter {
  std::string pattern;
  Override::Op op = Override::Op::Set;
  std::vector<double> values;  //!< an explicit list of values (grid: all; LHS/Sobol: a choice)
  bool range = false;          //!< true: [min, max] instead of a list
  double min = 0.0;
  double max = 0.0;
  int steps = 0;               //!< grid points of a range, ends included (>= 2)
  SourceLocation where;
};

enum class Design { Grid, LatinHypercube, Sobol };


struct SweepSpec {
  Design design = Design::Grid;
  int points = 0;             //!< LHS and Sobol: number of points (grid: the product of sizes)
  int replications = 100;     //!< Monte Carlo replications per point
  std::uint64_t seed = 0;     //!< LHS permutations; 0: the scenario's seed
  std::vector<SweepParameter> parameters;
  SourceLocation where;
};

//! What `clvsim sensitivity` varies and measures.
struct SensitivitySpec {
  std::vector<std::string> parameters;  //!< key-path patterns; empty: every numeric parameter
  double relative_change = 0.10;        //!< default range: value * (1 -/+ relative_change)
  //! Explicit [low, high] ranges (set, not scaled) for some patterns.
  struct Range {
    std::string pattern;
    double low = 0.0;
    double high = 0.0;
    SourceLocation where;
  };
  std::vector<Range> ranges;
  std::string metric = "npv";  //!< a horizon total (docs/results.md)
  int samples = 256;           //!< Saltelli base sample size N: N (P + 2) evaluations
  bool sobol = true;           //!< also estimate variance-based indices
  SourceLocation where;
};

//! Joint draws of parameters (e.g. a fit's sampling distribution or a posterior): one row per
//! draw, one column per dotted key path. Each replication uses one row, chosen uniformly from its
//! own stream, for every column together, so correlations between parameters are kept.
struct ParameterDraws {
  std::vector<std::string> columns;  //!< key paths, one per column
  std::vector<double> values;        //!< rows x columns, row-major
  // Where each entry was written, for messages (empty locations when built in code).
  std::string file;                          //!< the table's file, as it was found
  std::vector<SourceLocation> column_where;  //!< [columns] the header cells
  std::vector<int> row_line;                 //!< [rows] line of each row in `file`
  std::vector<int> cell_column;              //!< [rows x columns] column of each value
  SourceLocation where;                      //!< the declaration ([parameter_draws].file)

  [[nodiscard]] std::size_t rows() const {
    return columns.empty() ? 0 : values.size() / columns.size();
  }
  [[nodiscard]] double at(std::size_t row, std::size_t column) const {
    return values[row * columns.size() + column];
  }
  //! Location of a value, for messages ("file:line:column", or the file or nothing).
  [[nodiscard]] SourceLocation where_value(std::size_t row, std::size_t column) const;
};

//! What `clvsim optimize` chooses, under which budgets, and for which objective ([optimize]).
//! docs/optimize.md defines every field.
struct OptimizeSpec {
  //! A decision variable: every parameter matched by `pattern` is set to its value (so a
  //! per-period schedule such as channels.<name>.spend gets the same value in every period).
  struct Variable {
    std::string pattern;
    double min = 0.0;
    double max = 0.0;
    SourceLocation where;
  };
  //! A linear constraint sum_i coefficient_i * x_i (<=, =, >=) bound over the variables.
  struct Budget {
    enum class Sense { AtMost, Equal, AtLeast };
    std::string name;
    std::vector<std::pair<std::string, double>> terms;  //!< (variable pattern, coefficient)
    Sense sense = Sense::AtMost;
    double bound = 0.0;
    bool bound_is_today = false;  //!< the bound is the terms' value at today's plan
    SourceLocation where;
  };
  enum class Objective { Expected, Mean, Quantile, Cvar, Probability, MeanMinusSd };

  std::vector<Variable> variables;
  std::vector<Budget> budgets;
  Objective objective = Objective::Expected;
  std::string metric = "npv";          //!< a horizon total (docs/results.md)
  double level = 0.05;                 //!< quantile and CVaR level
  double target = 0.0;                 //!< Probability: P(metric >= target)
  double k = 1.0;                      //!< MeanMinusSd: mean - k sd
  int replications = 200;              //!< sample-average approximation: fixed replications
  int evaluation_replications = 2000;  //!< fresh replications for the final comparison
  int starts = 4;                      //!< multistart: extra starting points of the risk search
  std::uint64_t seed = 0;              //!< 0: the scenario's seed
  std::vector<double> frontier = {0.5, 0.75, 1.0, 1.25, 1.5};  //!< first budget's bound, scaled
  SourceLocation where;
};

struct Scenario {
  std::string name = "scenario";
  std::string description;
  std::string currency = "USD";
  std::string source_file;  //!< the file it was read from ("<embedded>" for the default)
  std::string source_text;  //!< the text it was read from, stored with results
  //! Every file the scenario was read from: the file itself, then the bases it extends. Empty
  //! for text held in memory (except for the bases such text extends).
  std::vector<std::string> input_files;

  SimulationSettings simulation;
  std::vector<Stage> stages;
  std::vector<Channel> channels;
  std::vector<Segment> segments;
  RetentionProgram retention;
  WinBack winback;
  ReferralProgram referral;
  InitialPipeline pipeline;
  Market market;                      //!< [market]; disabled: an unlimited market
  std::vector<VariantSpec> variants;  //!< declared variants, compared against this base
  RetentionSolution retention_solution;          //!< of a variant with a retention goal
  std::optional<SweepSpec> sweep;                //!< [sweep], for `clvsim sweep`
  std::optional<SensitivitySpec> sensitivity;    //!< [sensitivity], for `clvsim sensitivity`
  //! [parameter_draws]; linked to its parameters by attach_parameter_draws().
  std::optional<ParameterDraws> parameter_draws;
  std::optional<OptimizeSpec> optimize;  //!< [optimize], for `clvsim optimize`

  [[nodiscard]] int segment_index(const std::string& name) const;  //!< -1 when absent
  [[nodiscard]] int stage_index(const std::string& name) const;    //!< -1 when absent
};

//! Visit every numeric parameter, in a fixed order (the order of the scenario's sections).
void for_each_param(Scenario& s, const std::function<void(Param&)>& f);
void for_each_param(const Scenario& s, const std::function<void(const Param&)>& f);

//! Check every value and every cross-field constraint. Throws InputError naming the first
//! problem's location, key, value and what is accepted.
void validate(const Scenario& s);

}  // namespace clvsim

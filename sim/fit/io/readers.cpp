#include "clvsim/fit/io/readers.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "clvsim/suggest.hpp"

namespace clvsim::fit {
namespace {

// Hash maps looked up by string_view, so a row's id is not copied unless it is new.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

int date_field(const CsvReader& r, const std::vector<std::string_view>& f, std::size_t i) {
  const auto d = parse_date(f[i]);
  if (!d) r.fail(i, "is not a date", DATE_FORMS);
  return *d;
}

double amount_field(const CsvReader& r, const std::vector<std::string_view>& f, std::size_t i) {
  if (f[i].empty()) r.fail(i, "is missing", "an amount of money >= 0, e.g. 29.90");
  const auto v = parse_number(f[i]);
  if (!v) r.fail(i, "is not a number", "an amount of money >= 0, e.g. 29.90");
  if (*v < 0.0) r.fail(i, "is negative", "an amount of money >= 0; record refunds separately");
  return *v;
}

double count_field(const CsvReader& r, const std::vector<std::string_view>& f, std::size_t i,
                   const std::string& what) {
  const auto v = parse_number(f[i]);
  if (!v || *v < 0.0) r.fail(i, "is not " + what, what);
  return *v;
}

std::string_view id_field(const CsvReader& r, const std::vector<std::string_view>& f,
                          std::size_t i) {
  if (f[i].empty()) r.fail(i, "is missing", "a non-empty identifier");
  return f[i];
}

}  // namespace

// ---------------------------------------------------------------- transactions

TransactionSummary read_transactions(const std::string& path, const TransactionOptions& options) {
  TransactionOptions o = options;
  o.columns.segment.clear();
  return read_transactions_by_segment(path, o).front();
}

std::vector<TransactionSummary> read_transactions_by_segment(const std::string& path,
                                                             const TransactionOptions& options) {
  const PeriodClock clock(options.period);
  const bool cdnow = options.layout == TransactionLayout::Cdnow;
  CsvReader r(path, cdnow ? Delimiter::Whitespace : Delimiter::Comma);
  std::size_t id_col = 0, date_col = 2;
  std::optional<std::size_t> amount_col = 4;
  if (!cdnow) {
    const auto& c = options.columns;
    r.header(c.id + "," + c.date + "," + c.amount);
    id_col = r.column(c.id, "--id-column");
    date_col = r.column(c.date, "--date-column");
    amount_col = r.optional_column(c.amount, "--amount-column");
  }
  std::optional<std::size_t> segment_col;
  if (!cdnow) segment_col = r.optional_column(options.columns.segment, "--segment-column");
  const std::size_t needed =
      std::max({id_col, date_col, amount_col.value_or(0), segment_col.value_or(0)}) + 1;
  std::vector<std::string> segment_names;
  if (!segment_col) segment_names.push_back("all");

  struct Customer {
    int first_day, last_day;
    int n;  // calibration opportunities (when the calibration end is known)
    int last_period = 0, prev_period = 0;
    int x = 0, tx = 0;
    int spend_count = 0;
    double spend_sum = 0.0;
    std::uint32_t segment = 0;
  };
  StringMap<std::uint32_t> index;
  std::vector<Customer> customers;
  std::unordered_map<std::int64_t, double> events;  // (first day, period) packed
  const bool known_end = options.calibration_end.has_value();
  const int cal_end = options.calibration_end.value_or(0);
  int first_day = std::numeric_limits<int>::max(), last_day = std::numeric_limits<int>::min();

  std::vector<std::string_view> f;
  while (r.next(f)) {
    r.require_fields(needed);
    const std::string_view id = id_field(r, f, id_col);
    const int day = date_field(r, f, date_col);
    const double amount = amount_col ? amount_field(r, f, *amount_col) : 0.0;
    first_day = std::min(first_day, day);
    last_day = std::max(last_day, day);
    auto it = index.find(id);
    if (it == index.end()) {
      index.emplace(std::string(id), static_cast<std::uint32_t>(customers.size()));
      Customer c{day, day, 0};
      if (segment_col) {
        const std::string_view seg = f[*segment_col];
        if (seg.empty()) r.fail(*segment_col, "is missing", "a segment name");
        auto sit = std::find(segment_names.begin(), segment_names.end(), seg);
        if (sit == segment_names.end())
          sit = segment_names.insert(segment_names.end(), std::string(seg));
        c.segment = static_cast<std::uint32_t>(sit - segment_names.begin());
      }
      if (known_end) c.n = day < cal_end ? std::max(0, clock.whole_periods(day, cal_end) - 1) : 0;
      customers.push_back(c);
      continue;
    }
    Customer& c = customers[it->second];
    if (day < c.last_day)
      r.fail(date_col,
             day < c.first_day
                 ? "is before this customer's first transaction on " + format_date(c.first_day)
                 : "is before this customer's previous transaction on " + format_date(c.last_day),
             "the log must be in date order for each customer: sort it by customer and date");
    const bool calibration = !known_end || day < cal_end;
    if (day != c.first_day && calibration) {
      if (day != c.last_day) ++c.spend_count;
      c.spend_sum += amount;
    }
    c.last_day = day;
    const int t = clock.whole_periods(c.first_day, day);
    if (t > c.last_period) {
      c.prev_period = c.last_period;
      c.last_period = t;
      if (!known_end || t <= c.n) ++c.x, c.tx = t;
      events[(static_cast<std::int64_t>(c.segment) << 44) +
             (static_cast<std::int64_t>(c.first_day + (1 << 23)) << 20) + t] += 1.0;
    }
  }
  if (customers.empty())
    throw InputError(path + ": no transactions (the file has no data lines" +
                     (cdnow ? std::string(")") : " after the header)"));

  std::vector<TransactionSummary> out(segment_names.size());
  std::vector<std::map<std::tuple<int, int, int>, double>> cells(segment_names.size());
  for (std::size_t k = 0; k < out.size(); ++k) {
    TransactionSummary& s = out[k];
    s.segment = segment_names[k];
    s.rows = r.rows();
    s.first_day = first_day;
    s.last_day = last_day;
    s.calibration_end = known_end ? cal_end : last_day + 1;
    s.has_holdout = known_end && cal_end <= last_day;
  }
  for (Customer& c : customers) {
    TransactionSummary& s = out[c.segment];
    s.customers += 1.0;
    s.births[c.first_day] += 1.0;
    if (!known_end) {
      // The period holding the data's last day may be incomplete: it is not an opportunity.
      c.n = std::max(0, clock.whole_periods(c.first_day, s.calibration_end) - 1);
      if (c.last_period > c.n) --c.x, c.tx = c.x > 0 ? c.prev_period : 0;
    }
    if (c.n >= 1) cells[c.segment][{c.x, c.tx, c.n}] += 1.0;
    if (c.spend_count >= 1 && c.spend_sum > 0.0)
      s.spend.push_back({static_cast<double>(c.spend_count), c.spend_sum / c.spend_count});
  }
  for (std::size_t k = 0; k < out.size(); ++k)
    for (const auto& [key, count] : cells[k])
      out[k].rf.rows.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), count});
  for (const auto& [key, count] : events) {
    const auto segment = static_cast<std::size_t>(key >> 44);
    const int first = static_cast<int>((key >> 20) & ((std::int64_t{1} << 24) - 1)) - (1 << 23);
    out[segment].events[{first, static_cast<int>(key & ((1 << 20) - 1))}] += count;
  }
  return out;
}

std::vector<TrackingRow> bgbb_tracking(const TransactionSummary& s, const BgbbParams& p,
                                       const std::string& period) {
  const PeriodClock clock(period);
  const int end = s.last_day + 1;
  const double mean_p = p.alpha / (p.alpha + p.beta);
  std::map<int, TrackingRow> rows;
  auto row = [&](int slot) -> TrackingRow& {
    TrackingRow& r = rows[slot];
    r.period = slot;
    r.start_day = clock.add(s.first_day, slot);
    r.holdout = s.has_holdout && r.start_day >= s.calibration_end;
    return r;
  };
  for (const auto& [first, count] : s.births) {
    const int b = clock.whole_periods(s.first_day, first);
    double log_alive = 0.0;
    for (int t = 1; clock.add(first, t + 1) <= end; ++t) {
      log_alive += std::log((p.delta + t - 1) / (p.gamma + p.delta + t - 1));
      row(b + t).expected += count * mean_p * std::exp(log_alive);
    }
  }
  for (const auto& [key, count] : s.events) {
    const auto [first, t] = key;
    if (clock.add(first, t + 1) > end) continue;
    row(clock.whole_periods(s.first_day, first) + t).actual += count;
  }
  std::vector<TrackingRow> out;
  for (const auto& [slot, r] : rows) out.push_back(r);
  return out;
}

// ---------------------------------------------------------------- subscriptions

SubscriptionData read_subscriptions(const std::string& path, const SubscriptionOptions& options) {
  const PeriodClock clock(options.period);
  const auto& c = options.columns;
  CsvReader r(path, Delimiter::Comma);
  r.header(c.id + "," + c.start + "," + c.end + (c.segment.empty() ? "" : "," + c.segment));
  const std::size_t id_col = r.column(c.id, "--id-column");
  const std::size_t start_col = r.column(c.start, "--start-column");
  const std::size_t end_col = r.column(c.end, "--end-column");
  const auto seg_col = r.optional_column(c.segment, "--segment-column");
  const std::size_t needed = std::max({id_col, start_col, end_col, seg_col.value_or(0)}) + 1;

  SubscriptionData d;
  std::vector<std::map<int, double>> active_starts;  // per segment: start day -> customers
  StringMap<int> ids;                                // id -> line, for duplicates
  std::unordered_map<std::string, std::size_t> segment_index;
  int latest = std::numeric_limits<int>::min();
  std::vector<std::string_view> f;
  while (r.next(f)) {
    r.require_fields(needed);
    const std::string_view id = id_field(r, f, id_col);
    if (auto it = ids.find(id); it != ids.end())
      r.fail(id_col,
             "is a duplicate subscription id (first on line " + std::to_string(it->second) + ")",
             "one row per subscription; give each its own id");
    ids.emplace(std::string(id), static_cast<int>(r.line()));
    const int start = date_field(r, f, start_col);
    std::optional<int> end;
    if (!f[end_col].empty()) {
      end = date_field(r, f, end_col);
      if (*end < start)
        r.fail(end_col, "is before the start " + format_date(start),
               "an end date on or after the start, or empty while the subscription is active");
    }
    latest = std::max(latest, end.value_or(start));
    std::string segment = seg_col ? std::string(f[*seg_col]) : "all";
    if (segment.empty()) r.fail(*seg_col, "is missing", "a segment (plan) name");
    auto [sit, added] = segment_index.emplace(segment, d.segments.size());
    if (added) {
      d.segments.push_back(segment);
      d.survival.emplace_back();
      active_starts.emplace_back();
    }
    const std::size_t k = sit->second;
    if (options.as_of && start > *options.as_of) continue;  // not yet a customer then
    if (end && (!options.as_of || *end <= *options.as_of)) {
      const int whole = clock.whole_periods(start, *end);
      const bool exact = clock.add(start, whole) == *end;
      d.survival[k].add_churned(std::max(1, exact ? whole : whole + 1));
    } else {
      active_starts[k][start] += 1.0;
    }
  }
  if (d.segments.empty())
    throw InputError(path + ": no subscriptions (no data lines after the header)");
  d.rows = r.rows();
  d.as_of = options.as_of.value_or(latest);
  d.active_by_tenure.resize(d.segments.size());
  for (std::size_t k = 0; k < d.segments.size(); ++k)
    for (const auto& [start, count] : active_starts[k]) {
      const int tenure = clock.whole_periods(start, d.as_of);
      d.survival[k].add_censored(tenure, count);
      auto& a = d.active_by_tenure[k];
      if (a.size() <= static_cast<std::size_t>(tenure)) a.resize(tenure + 1, 0.0);
      a[tenure] += count;
    }
  return d;
}

SubscriptionHoldout read_subscription_holdout(const std::string& path,
                                              const SubscriptionOptions& options) {
  CLVSIM_EXPECT(options.as_of.has_value());
  const PeriodClock clock(options.period);
  const int as_of = *options.as_of;
  const auto& c = options.columns;
  CsvReader r(path, Delimiter::Comma);
  r.header(c.id + "," + c.start + "," + c.end);
  const std::size_t start_col = r.column(c.start, "--start-column");
  const std::size_t end_col = r.column(c.end, "--end-column");
  const auto seg_col = r.optional_column(c.segment, "--segment-column");
  struct Active {
    std::size_t segment;
    int start, tenure, lifetime;  // lifetime -1 while still active at the end of the file
  };
  std::vector<Active> active;
  SubscriptionHoldout h;
  int latest = std::numeric_limits<int>::min();
  std::vector<std::string_view> f;
  while (r.next(f)) {
    // The file was validated by read_subscriptions; only the fields needed are read again.
    r.require_fields(std::max({start_col, end_col, seg_col.value_or(0)}) + 1);
    const int start = date_field(r, f, start_col);
    std::optional<int> end;
    if (!f[end_col].empty()) end = date_field(r, f, end_col);
    latest = std::max(latest, end.value_or(start));
    const std::string segment = seg_col ? std::string(f[*seg_col]) : "all";
    auto it = std::find(h.segments.begin(), h.segments.end(), segment);
    if (it == h.segments.end()) it = h.segments.insert(h.segments.end(), segment);
    if (start > as_of || (end && *end <= as_of)) continue;  // not active at the calibration end
    int lifetime = -1;
    if (end) {
      const int whole = clock.whole_periods(start, *end);
      lifetime = std::max(1, clock.add(start, whole) == *end ? whole : whole + 1);
    }
    active.push_back({static_cast<std::size_t>(it - h.segments.begin()), start,
                      clock.whole_periods(start, as_of), lifetime});
  }
  const int horizon = std::max(0, clock.whole_periods(as_of, latest));
  h.survived.assign(h.segments.size(), std::vector<double>(static_cast<std::size_t>(horizon), 0.0));
  h.observed.assign(h.segments.size(),
                    std::vector<std::map<int, double>>(static_cast<std::size_t>(horizon)));
  for (const Active& a : active) {
    const int known =
        a.lifetime >= 0 ? std::numeric_limits<int>::max() : clock.whole_periods(a.start, latest);
    for (int k = 1; k <= horizon; ++k) {
      if (a.lifetime < 0 && known < a.tenure + k) break;  // not observed that long
      h.observed[a.segment][static_cast<std::size_t>(k - 1)][a.tenure] += 1.0;
      if (a.lifetime < 0 || a.lifetime > a.tenure + k)
        h.survived[a.segment][static_cast<std::size_t>(k - 1)] += 1.0;
    }
  }
  return h;
}

// ---------------------------------------------------------------- cohorts and RF summaries

CohortTable read_cohorts(const std::string& path, std::optional<double> cohort_size) {
  CsvReader r(path, Delimiter::Comma);
  const std::vector<std::string> header = r.header("period,cohort_a,cohort_b");
  if (header.size() < 2)
    throw InputError(path +
                     ":1: a cohort table needs a period column and at least one cohort column");
  CohortTable t;
  t.cohorts.assign(header.begin() + 1, header.end());
  t.alive.resize(t.cohorts.size());
  std::vector<std::string_view> f;
  const std::string accepted =
      cohort_size ? "a percentage of the cohort size, 0 to 100" : "a count of customers >= 0";
  while (r.next(f)) {
    r.require_fields(header.size());
    const auto period = parse_integer(f[0]);
    const long expected = static_cast<long>(t.alive[0].size());
    if (!period || *period != expected)
      r.fail(0, "is not the next period",
             "periods 0, 1, 2, ... in order; expected " + std::to_string(expected));
    for (std::size_t k = 0; k < t.cohorts.size(); ++k) {
      const auto v = parse_number(f[k + 1]);
      if (!v || *v < 0.0 || (cohort_size && *v > 100.0))
        r.fail(k + 1, "is not " + accepted, accepted);
      double alive = cohort_size ? std::round(*v / 100.0 * *cohort_size) : *v;
      if (!t.alive[k].empty() && alive > t.alive[k].back())
        r.fail(k + 1, "is more than the period before", "customers still active never increase");
      t.alive[k].push_back(alive);
    }
  }
  if (t.alive[0].size() < 2)
    throw InputError(path + ": a cohort table needs at least periods 0 and 1");
  return t;
}

RfSummary read_rf_summary(const std::string& path, const RfColumns& c) {
  CsvReader r(path, Delimiter::Comma);
  r.header(c.frequency + "," + c.recency + "," + c.periods + "," + c.count);
  const std::size_t xc = r.column(c.frequency, "--frequency-column");
  const std::size_t tc = r.column(c.recency, "--recency-column");
  const std::size_t nc = r.column(c.periods, "--periods-column");
  const std::size_t wc = r.column(c.count, "--count-column");
  RfSummary s;
  std::vector<std::string_view> f;
  while (r.next(f)) {
    r.require_fields(std::max({xc, tc, nc, wc}) + 1);
    auto whole = [&](std::size_t i) {
      const auto v = parse_integer(f[i]);
      if (!v || *v < 0) r.fail(i, "is not a whole number >= 0", "a whole number >= 0");
      return static_cast<int>(*v);
    };
    RfRow row{whole(xc), whole(tc), whole(nc), count_field(r, f, wc, "a number of customers >= 0")};
    if (row.periods < 1) r.fail(nc, "is not positive", "at least one transaction opportunity");
    if (row.frequency > row.periods) r.fail(xc, "exceeds the periods", "0 <= frequency <= periods");
    if (row.recency > row.periods) r.fail(tc, "exceeds the periods", "0 <= recency <= periods");
    if (row.frequency > row.recency || (row.frequency == 0) != (row.recency == 0))
      r.fail(tc, "is impossible with frequency " + std::to_string(row.frequency),
             "frequency <= recency, and recency 0 exactly when frequency is 0");
    s.rows.push_back(row);
  }
  if (s.rows.empty()) throw InputError(path + ": no rows after the header");
  return s;
}

// ---------------------------------------------------------------- funnel and channels

std::vector<StageCounts> read_funnel(const std::string& path, const FunnelOptions& options) {
  const PeriodClock clock(options.period);
  const auto& c = options.columns;
  CsvReader r(path, Delimiter::Comma);
  r.header(c.lead + "," + c.stage + "," + c.date);
  const std::size_t lc = r.column(c.lead, "--lead-column");
  const std::size_t sc = r.column(c.stage, "--stage-column");
  const std::size_t dc = r.column(c.date, "--date-column");
  const int S = static_cast<int>(options.stages.size());
  constexpr int CUSTOMER = -1, LOST = -2;
  std::vector<std::string> accepted = options.stages;
  accepted.push_back("customer");
  accepted.push_back("lost");
  std::string accepted_list;
  for (const auto& a : accepted) accepted_list += (accepted_list.empty() ? "" : ", ") + a;

  std::vector<StageCounts> counts(options.stages.size());
  for (int s = 0; s < S; ++s) counts[s].stage = options.stages[s];
  struct Lead {
    int stage;  // current stage, or CUSTOMER / LOST once finished
    int entered;
  };
  StringMap<Lead> leads;
  int latest = std::numeric_limits<int>::min();
  auto close = [&](const Lead& lead, int day, bool advanced) {
    StageCounts& k = counts[lead.stage];
    const int periods = clock.whole_periods(lead.entered, day);
    if (periods == 0) {
      (advanced ? k.fresh_advance : k.fresh_drop) += 1.0;
      return;
    }
    k.fresh_stay += 1.0;
    k.nurtured_stay += periods - 1;
    (advanced ? k.nurtured_advance : k.nurtured_drop) += 1.0;
  };
  std::vector<std::string_view> f;
  while (r.next(f)) {
    r.require_fields(std::max({lc, sc, dc}) + 1);
    const std::string_view id = id_field(r, f, lc);
    const auto pos = std::find(accepted.begin(), accepted.end(), f[sc]);
    if (pos == accepted.end()) {
      const auto m = closest_match(f[sc], accepted);
      r.fail(sc, "is not a stage",
             (m ? "did you mean '" + *m + "'? " : std::string()) + "accepted: " + accepted_list +
                 "; set the stages with --stages");
    }
    const int idx = static_cast<int>(pos - accepted.begin());
    const int stage = idx < S ? idx : (idx == S ? CUSTOMER : LOST);
    const int day = date_field(r, f, dc);
    latest = std::max(latest, day);
    auto it = leads.find(id);
    if (it == leads.end()) {
      if (stage < 0)
        r.fail(sc, "is a lead's first event", "a lead first enters a stage of the funnel");
      leads.emplace(std::string(id), Lead{stage, day});
      continue;
    }
    Lead& lead = it->second;
    if (lead.stage < 0)
      r.fail(sc, "follows the lead's end as customer or lost",
             "no event after the end of a lead's path");
    if (day < lead.entered)
      r.fail(dc,
             "is before the lead entered " + options.stages[lead.stage] + " on " +
                 format_date(lead.entered),
             "events in date order for each lead");
    const bool next_ok =
        stage == LOST || stage == lead.stage + 1 || (stage == CUSTOMER && lead.stage == S - 1);
    if (!next_ok)
      r.fail(sc, "does not follow " + options.stages[lead.stage],
             "the next stage" +
                 std::string(lead.stage == S - 1 ? " (customer)"
                                                 : " (" + options.stages[lead.stage + 1] + ")") +
                 " or lost");
    close(lead, day, stage != LOST);
    lead = Lead{stage, day};
  }
  if (leads.empty()) throw InputError(path + ": no funnel events (no data lines after the header)");
  const int as_of = options.as_of.value_or(latest);
  for (const auto& [id, lead] : leads) {
    if (lead.stage < 0 || lead.entered > as_of) continue;
    const int periods = clock.whole_periods(lead.entered, as_of);
    if (periods >= 1) {
      counts[lead.stage].fresh_stay += 1.0;
      counts[lead.stage].nurtured_stay += periods - 1;
    }
  }
  return counts;
}

std::vector<std::pair<std::string, std::vector<ChannelPeriod>>> read_channels(
    const std::string& path, const ChannelColumns& c) {
  CsvReader r(path, Delimiter::Comma);
  r.header("period," + c.channel + "," + c.spend + "," + c.leads);
  const std::size_t cc = r.column(c.channel, "--channel-column");
  const std::size_t sc = r.column(c.spend, "--spend-column");
  const std::size_t lc = r.column(c.leads, "--leads-column");
  std::vector<std::pair<std::string, std::vector<ChannelPeriod>>> out;
  std::vector<std::string_view> f;
  while (r.next(f)) {
    r.require_fields(std::max({cc, sc, lc}) + 1);
    const std::string name(id_field(r, f, cc));
    const double spend = amount_field(r, f, sc);
    const double leads = count_field(r, f, lc, "a number of leads >= 0");
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == name; });
    if (it == out.end()) {
      out.emplace_back(name, std::vector<ChannelPeriod>{});
      it = out.end() - 1;
    }
    it->second.push_back({spend, leads});
  }
  if (out.empty()) throw InputError(path + ": no channel history (no data lines after the header)");
  return out;
}

}  // namespace clvsim::fit

#!/usr/bin/python3
"""A NumPy implementation of clvsim's model (docs/model.md), vectorised across replications.

It is the peer that clvsim's speed is measured against (bench/compare_numpy.py): an independent,
reasonably efficient implementation of the same model in the array language researchers would
otherwise use. It covers constant and shifted-beta-geometric churn, migration, fixed, Poisson
and Bernoulli (BG/BB) orders (cv = 0 or gamma order values), win-back (by recency, either
returning_churn), referral, acquisition
channels (linear or saturating response), the funnel with fresh and nurtured cells, the initial
pipeline, a retention program (per customer or per period), initial customers and value curves by
tenure, cash flows booked at the end or at the start of a period (simulation.booking), a finite
market for the business or per segment ([market]) and every metric of docs/model.md §5 (finance
and growth metrics and acquisition cohorts included), with normal, lognormal, beta, uniform and
triangular parameter uncertainty. Anything else is refused.

Its Monte Carlo uses NumPy's generator (PCG64), not clvsim's Philox streams: only statistical
agreement with clvsim is expected. Its expected-value mode (--expected) is exact and must match
clvsim's to rounding.

Usage: numpy_peer.py [scenario.toml] [-r R] [--seed S] [--expected] [-o out.npz] [--chunk N]
"""

import argparse
import sys
import tomllib
import warnings

import numpy as np

PERIODS_PER_YEAR = {"day": 365, "week": 52, "month": 12, "quarter": 4, "year": 1}


# ---------------------------------------------------------------------------------------------
# Parameters: every number may be a distribution, drawn once per replication (docs/model.md §3).


def _lognormal(mean, sd):
    s2 = np.log1p(sd * sd / (mean * mean))
    return np.log(mean) - s2 / 2, np.sqrt(s2)


def _law(d, rng, n):
    if "dist" not in d:
        raise NotImplementedError(f"a value that is not a distribution: {d}")
    kind = d["dist"]
    if kind == "normal":
        return rng.normal(d["mean"], d["sd"], n)
    if kind == "lognormal":
        mu, sigma = _lognormal(d["mean"], d["sd"])
        return rng.lognormal(mu, sigma, n)
    if kind == "beta":
        return rng.beta(d["alpha"], d["beta"], n)
    if kind == "uniform":
        return rng.uniform(d["min"], d["max"], n)
    if kind == "triangular":
        return rng.triangular(d["min"], d["mode"], d["max"], n)
    raise NotImplementedError(f"distribution {kind}")


def _law_mean(d):
    if "dist" not in d:
        raise NotImplementedError(f"a value that is not a distribution: {d}")
    kind = d["dist"]
    if kind in ("normal", "lognormal"):
        return d["mean"]
    if kind == "beta":
        return d["alpha"] / (d["alpha"] + d["beta"])
    if kind == "uniform":
        return (d["min"] + d["max"]) / 2
    if kind == "triangular":
        return (d["min"] + d["mode"] + d["max"]) / 3
    raise NotImplementedError(f"distribution {kind}")


class Reader:
    """Reads parameters as arrays over replications: drawn (rng given) or point values."""

    def __init__(self, R, rng):
        self.R, self.rng = R, rng

    def __call__(self, x, lo=-np.inf, hi=np.inf, count=False):
        if isinstance(x, dict):
            if self.rng is None:
                # The point value is the law's mean; the supported laws used here lie inside
                # the parameter's domain, so truncation does not move it.
                v = np.full(self.R, float(_law_mean(x)))
            else:
                v = _law(x, self.rng, self.R)
                bad = (v < lo) | (v > hi)
                while bad.any():  # truncation by rejection
                    v[bad] = _law(x, self.rng, int(bad.sum()))
                    bad = (v < lo) | (v > hi)
        else:
            v = np.full(self.R, float(x))
        # Counts are rounded to the nearest integer, halves away from zero.
        return np.sign(v) * np.floor(np.abs(v) + 0.5) if count else v

    def prob(self, x):
        return self(x, 0.0, 1.0)

    def money(self, x):
        return self(x, 0.0)

    def weights(self, table, names):
        w = np.stack([self(table.get(n, 0.0), 0.0) for n in names], axis=-1)
        return w / w.sum(axis=-1, keepdims=True)


MAX_COHORT_YEARS = 10  # acquisition cohorts: the first ten years (docs/model.md §5)

CURVE_KEYS = ["orders_per_period", "order_value", "gross_margin", "cost_to_serve",
              "referrals_per_customer"]


def curve_factors(spec, n, read):
    """A curve's factor f(n) at tenure steps n, [R, len(n)]: a table (the last factor holds), a
    geometric (1 + growth)^n or a linear max(0, 1 + slope n), optionally stopped at a limit."""
    if isinstance(spec, list):
        table = np.stack([read.money(x) for x in spec], axis=-1)
        return table[:, np.minimum(n, len(spec) - 1)]
    if "growth" in spec:
        rate = read(spec["growth"])[:, None]
        f = (1.0 + rate) ** n[None, :]
    else:
        rate = read(spec["slope"])[:, None]
        f = np.maximum(0.0, 1.0 + rate * n[None, :])
    if "limit" in spec:
        limit = read.money(spec["limit"])[:, None]
        f = np.where(rate >= 0, np.minimum(f, limit), np.maximum(f, limit))
    return f


def _saturating(x, top, half):
    return np.where(x > 0, top * x / (x + half), 0.0)


class Params:
    """The resolved model for R replications (arrays with the replication first)."""

    def __init__(self, sc, R, rng):
        read = Reader(R, rng)
        sim = sc["simulation"]
        self.R = R
        self.T = T = int(sim["horizon"])
        P = PERIODS_PER_YEAR[sim.get("period", "month")]
        self.discount = (1.0 + read(sim.get("annual_discount_rate", 0.0))) ** (1.0 / P) - 1.0
        self.P = P
        # Booking (docs/model.md §5): "start" books a period's flows at its start, and new
        # customers pay one period's contribution at sign-up.
        self.book_at_start = sim.get("booking", "end") == "start"

        funnel = sc["funnel"]
        self.stage_names = list(funnel["stages"])
        S = self.S = len(self.stage_names)
        # rates[r, s, age, (advance, drop)] with age 0 fresh, 1 nurtured.
        self.rates = np.zeros((R, S, 2, 2))
        self.nurture_cost = np.zeros((R, S))
        for s, name in enumerate(self.stage_names):
            st = funnel.get(name, {})
            self.rates[:, s, 0, 0] = read.prob(st.get("advance", 0.0))
            self.rates[:, s, 0, 1] = read.prob(st.get("drop", 0.0))
            self.rates[:, s, 1, 0] = read.prob(st.get("nurtured_advance", 0.0))
            self.rates[:, s, 1, 1] = read.prob(st.get("nurtured_drop", 0.0))
            self.nurture_cost[:, s] = read.money(st.get("nurture_cost", 0.0))

        segs = sc["segments"]
        self.segment_names = list(segs)
        K = self.K = len(self.segment_names)
        chans = sc.get("channels", {})
        self.channel_names = list(chans)
        C = self.C = len(self.channel_names)
        self.channel_spend = np.zeros((R, C, T))
        self.channel_leads = np.zeros((R, C, T))
        self.channel_slope = np.zeros((R, C, T))  # d leads / d spend at the period's spend
        self.channel_entry = []
        mixes = []
        for c, name in enumerate(self.channel_names):
            ch = chans[name]
            spend = ch["spend"]
            spends = spend if isinstance(spend, list) else [spend] * T
            for t in range(T):
                self.channel_spend[:, c, t] = read.money(spends[t])
            if ch.get("response", "linear") == "linear":
                cpl = read.money(ch["cost_per_lead"])[:, None]
                self.channel_leads[:, c, :] = self.channel_spend[:, c, :] / cpl
                self.channel_slope[:, c, :] = 1.0 / cpl
            else:
                top = read.money(ch["max_leads"])[:, None]
                half = read.money(ch["half_saturation_spend"])[:, None]
                self.channel_leads[:, c, :] = _saturating(self.channel_spend[:, c, :], top, half)
                self.channel_slope[:, c, :] = top * half / (self.channel_spend[:, c, :] + half) ** 2
            self.channel_entry.append(self.stage_names.index(ch.get("entry_stage", self.stage_names[0])))
            # Default with one segment: { <the segment> = 1 } (docs/scenario.md).
            mixes.append(read.weights(ch.get("segment_mix", {self.segment_names[0]: 1.0}), self.segment_names))
        ref = sc.get("referral", {})
        self.referral_entry = self.stage_names.index(ref.get("entry_stage", self.stage_names[0]))
        self.referral_reward = read.money(ref.get("reward", 0.0))
        for k in range(K):
            if "segment_mix" in ref:
                mixes.append(read.weights(ref["segment_mix"], self.segment_names))
            else:
                mixes.append(np.repeat(np.eye(K)[k][None, :], R, axis=0))
        pipe = sc.get("pipeline", {})
        prospects = pipe.get("prospects", {})
        self.initial_prospects = np.stack(
            [read(prospects.get(n, 0.0), 0.0, count=True) for n in self.stage_names], axis=-1)
        if "segment_mix" in pipe and (self.initial_prospects > 0).any():
            mixes.append(read.weights(pipe["segment_mix"], self.segment_names))
        else:
            mixes.append(np.repeat(np.eye(K)[0][None, :], R, axis=0))
        self.mix = np.stack(mixes, axis=1)  # [R, sources, K]
        self.NS = C + K + 1

        # Finite market (docs/model.md §2, "Finite market"): one pool for the business, or one per
        # segment (potential = { <segment> = count }), whose prospects keep their segment in the
        # funnel: KP lanes per source.
        mk = sc.get("market")
        self.market = mk is not None
        self.market_by_segment = False
        self.KP = 1
        if self.market:
            pot = mk["potential"]
            if isinstance(pot, dict) and not isinstance(pot.get("dist"), str):
                self.market_by_segment = True
                self.KP = K
                self.potential = np.stack([read(pot[n], 0.0, count=True) for n in self.segment_names], axis=-1)
                if K == 1:
                    self.KP = 1
            else:
                self.potential = read(pot, 0.0, count=True)[:, None]  # [R, pools]

        ret = sc.get("retention", {})
        self.retention_per_customer = np.zeros(R)
        self.retention_fixed = np.zeros(R)
        factor = np.ones(R)
        for key in ("spend_per_customer", "spend_fixed"):
            if key not in ret:
                continue
            # The same reduction of churn from the spend x, per customer at risk or per period (§4).
            x = read.money(ret[key])
            rmax = read.prob(ret.get("max_churn_reduction", 0.0))
            half = read.money(ret.get("half_saturation", 0.0))
            factor = 1.0 - np.where(half > 0, _saturating(x, rmax, np.where(half > 0, half, 1.0)),
                                    np.where(x > 0, rmax, 0.0))
            if key == "spend_per_customer":
                self.retention_per_customer = x
            else:
                self.retention_fixed = x  # not part of a customer's value (§6)

        def seg_arr(key, default, fn=read):
            return np.stack([fn(segs[n].get(key, default)) for n in self.segment_names], axis=-1)

        any_sbg = any("churn_sbg" in segs[n] for n in self.segment_names)
        # Value curves by tenure (docs/model.md §2, "Value by tenure") need tenure, as sBG does.
        self.any_curve = any("by_tenure" in segs[n] for n in self.segment_names)
        tracked = any_sbg or self.any_curve
        # Initial tenure: initial_tenure, or the last index of an array of counts by tenure.
        tenures0 = [len(segs[n]["initial_customers"]) - 1 if isinstance(segs[n].get("initial_customers"), list)
                    else int(segs[n].get("initial_tenure", 0)) for n in self.segment_names]
        self.L = L = max(tenures0) + T + 1 if tracked else 1
        cap = int(sim.get("ltv_tenure_cap", 20 * P))  # default: 20 years of periods (§6)
        self.ltv_cap = Lc = max(1, cap) if tracked else 1
        horizon = int(sim.get("ltv_horizon", 0))
        self.N = horizon if horizon > 0 else max(min(cap, 20 * P), T)
        self.orders_per_period = seg_arr("orders_per_period", 1.0, read.money)
        self.order_model = [segs[n].get("order_model", "poisson") for n in self.segment_names]
        self.order_value = seg_arr("order_value", 0.0, read.money)
        self.order_value_cv = seg_arr("order_value_cv", 0.0, read.money)
        self.gross_margin = seg_arr("gross_margin", 1.0, read.prob)
        self.cost_to_serve = seg_arr("cost_to_serve", 0.0, read.money)
        self.referral_rate = seg_arr("referrals_per_customer", 0.0, read.money)
        self.migration = np.zeros((R, K, K))
        for k, n in enumerate(self.segment_names):
            leave = np.zeros(R)
            for j, m in enumerate(self.segment_names):
                if j != k and m in segs[n].get("migration", {}):
                    self.migration[:, k, j] = read.prob(segs[n]["migration"][m])
                    leave += self.migration[:, k, j]
            self.migration[:, k, k] = np.maximum(0.0, 1.0 - leave)
        self.any_migration = bool((self.migration[:, ~np.eye(K, dtype=bool)] > 0).any())
        self.initial_customers = np.zeros((R, K, L))
        for k, n in enumerate(self.segment_names):
            init = segs[n].get("initial_customers", 0.0)
            for tau, x in (enumerate(init) if isinstance(init, list) else [(tenures0[k], init)]):
                self.initial_customers[:, k, min(tau, L - 1)] += read(x, 0.0, count=True)

        # Rates by tenure tau = 0 .. max(L, Lc) - 1: the constant rate times the curve's factor
        # at the tenure step n = floor(tau / U), U = 1 or P (§2, "Value by tenure"); factor 1
        # without a curve. Only with curves: the peer's cost elsewhere stays as it was.
        taus = np.arange(max(L, Lc) if self.any_curve else 1)
        by = {key: np.ones((R, K, taus.size)) for key in CURVE_KEYS}
        for k, n in enumerate(self.segment_names):
            bt = segs[n].get("by_tenure")
            if bt is None:
                continue
            step = taus // (P if bt.get("unit", "period") == "year" else 1)
            for key in CURVE_KEYS:
                if key in bt:
                    by[key][:, k, :] = curve_factors(bt[key], step, read)
        self.orders_t = self.orders_per_period[:, :, None] * by["orders_per_period"]
        self.value_t = self.order_value[:, :, None] * by["order_value"]
        self.margin_t = np.minimum(1.0, self.gross_margin[:, :, None] * by["gross_margin"])
        self.cost_t = self.cost_to_serve[:, :, None] * by["cost_to_serve"]
        self.referral_t = self.referral_rate[:, :, None] * by["referrals_per_customer"]

        # Hazards h_k(tau) for tau up to max(L, Lc) (docs/model.md §2 step 2).
        mult = seg_arr("churn_multiplier", 1.0, read.money)
        taus = np.arange(max(L, Lc), dtype=float)
        h = np.zeros((R, K, taus.size))
        for k, n in enumerate(self.segment_names):
            seg = segs[n]
            if "churn_sbg" in seg:
                a = read.money(seg["churn_sbg"]["alpha"])[:, None]
                b = read.money(seg["churn_sbg"]["beta"])[:, None]
                base = a / (a + b + taus[None, :])
            else:
                base = np.repeat(read.prob(seg.get("churn", 0.0))[:, None], taus.size, axis=1)
            h[:, k, :] = np.minimum(1.0, base * mult[:, k, None] * factor[:, None])
        self.hazard_all = h
        self.hazard = h[:, :, :L]

        wb = sc.get("winback")
        self.W = int(wb.get("window", 1)) if wb is not None else 0
        self.winback_cost = read.money(wb.get("attempt_cost", 0.0)) if wb else np.zeros(R)
        # Success probability by periods since lapse, [R, W] (Pfeifer & Carraway 2000): one
        # value (one draw) for every recency, or one per recency.
        sp = wb.get("success_probability", 0.0) if wb else 0.0
        if isinstance(sp, list):
            self.winback_success = np.stack([read.prob(x) for x in sp], axis=-1)
        else:
            self.winback_success = np.repeat(read.prob(sp)[:, None], max(self.W, 1), axis=1)
        returning = wb.get("returning_churn", "same_period") if wb else "same_period"
        if returning not in ("same_period", "next_period"):
            raise NotImplementedError(f"winback.returning_churn = {returning}")
        # next_period: the won back skip the churn test of the period they return in.
        self.next_period = returning == "next_period"

        self.ltv, self.payback_curve, self.u_active, self.u_lapsed, self.payback_start = customer_value(self)


# ---------------------------------------------------------------------------------------------
# Customer value (docs/model.md §6), for all replications at once.


def customer_value(p):
    """V_k and the cumulative contribution C_k(n), n = 1..N, of the one-customer Markov chain.

    The chain is triangular in tenure apart from the cap level and the return of won-back
    customers to tenure 0 through the lapsed states. The value is therefore affine in the K values
    y_k of the states lapsed (k, 1): a backward pass over tenure carries u(tau) = a + B y, and one
    K x K solve gives y. The payback curve iterates w_i = P w_(i-1) from w_0 = r, on the tenures
    that can still reach tenure 0 within N steps.
    """
    R, K, Lc, W = p.R, p.K, p.ltv_cap, p.W
    gamma = 1.0 / (1.0 + p.discount)
    h = p.hazard_all[:, :, :Lc]
    s = 1.0 - h
    M = p.migration
    q = p.winback_success  # [R, W]
    e = p.orders_per_period * p.order_value * p.gross_margin - p.cost_to_serve  # [R, K]
    xc = p.retention_per_customer[:, None]
    if p.any_curve:
        # e_j(tau) at the rates of tenure tau; a customer at (k, tau) earns sum_j M[k][j] e_j(tau).
        e_t = (p.orders_t * p.value_t * p.margin_t - p.cost_t)[:, :, :Lc]
        rA = s * np.einsum("rkj,rjt->rkt", M, e_t) - xc[:, :, None]  # [R, K, Lc]
    else:
        earn = np.einsum("rkj,rj->rk", M, e)
        rA = s * earn[:, :, None] - xc[:, :, None]  # [R, K, Lc]
    # Rewards of lapsed (k, d): the attempt, and the return's period: as active (k, 0) with
    # same_period; the segment's contribution at tenure 0, without churn or migration, with
    # next_period.
    e0 = (p.orders_t * p.value_t * p.margin_t - p.cost_t)[:, :, 0] if p.any_curve else e
    earn_back = e0 if p.next_period else rA[:, :, 0]  # [R, K]
    rL = -p.winback_cost[:, None, None] + q[:, None, :] * earn_back[:, :, None]  # [R, K, W]
    g = gamma[:, None, None]
    eye = np.eye(K)[None]
    hw = h if W > 0 else np.zeros_like(h)

    # Cap level: (I - gamma diag(s) M) u = r + gamma diag(h) y.
    G = eye - g * s[:, :, Lc - 1, None] * M
    a = np.linalg.solve(G, rA[:, :, Lc - 1, None])[..., 0]
    B = np.linalg.solve(G, g * (hw[:, :, Lc - 1, None] * eye))
    for tau in range(Lc - 2, -1, -1):
        sm = s[:, :, tau, None] * M
        a = rA[:, :, tau] + gamma[:, None] * np.einsum("rkj,rj->rk", sm, a)
        B = g * (sm @ B) + g * (hw[:, :, tau, None] * eye)
    # u(k, 0) = a + B y. A won-back customer is worth w_d u(k, 0): q_d (same_period, it moves as
    # active (k, 0) this period) or gamma q_d (next_period, active a period later, after earning
    # e0_k in the period of its return).
    w = q * (gamma[:, None] if p.next_period else 1.0)  # [R, W]
    if W > 0:
        # y = u(lapsed 1) = sum_d pi_d (w_d u(k, 0) [+ q_d e0_k] - cost),
        # pi_d = prod_(e<d) gamma (1 - q_e).
        pi = np.cumprod(np.concatenate([np.ones((R, 1)), gamma[:, None] * (1.0 - q[:, :-1])], axis=1), axis=1)
        gain = (pi * w).sum(axis=1)[:, None, None]
        tries = pi.sum(axis=1)[:, None]
        back = (pi * q).sum(axis=1)[:, None] * (e0 if p.next_period else 0.0)
        y = np.linalg.solve(eye - gain * B,
                            (gain[:, :, 0] * a - tries * p.winback_cost[:, None] + back)[..., None])[..., 0]
        u0 = a + np.einsum("rkj,rj->rk", B, y)
    else:
        u0 = a
    ltv = gamma[:, None] * u0
    # Start booking (§6): the sign-up payment e' = e comes first, undiscounted, and every later
    # payment one period after its end-booking counterpart's start, so V = e' + gamma u(k, 0).
    signup = e if p.book_at_start else np.zeros((R, K))
    ltv = ltv + signup
    # Every state's value (§6, customer equity): the cap level, then down in tenure, given y.
    yv = y if W > 0 else np.zeros((R, K))
    uA = np.empty((R, K, Lc))
    uA[:, :, Lc - 1] = np.linalg.solve(G, (rA[:, :, Lc - 1] + gamma[:, None] * hw[:, :, Lc - 1] * yv)[..., None])[..., 0]
    for tau in range(Lc - 2, -1, -1):
        uA[:, :, tau] = (rA[:, :, tau] + gamma[:, None] * np.einsum("rkj,rj->rk", s[:, :, tau, None] * M, uA[:, :, tau + 1])
                         + gamma[:, None] * hw[:, :, tau] * yv)
    uL = np.zeros((R, K, max(W, 1)))
    after = np.zeros((R, K))
    for d in range(W - 1, -1, -1):
        after = (-p.winback_cost[:, None] + w[:, d, None] * uA[:, :, 0]
                 + (gamma * (1.0 - q[:, d]))[:, None] * after)
        if p.next_period:
            after = after + q[:, d, None] * e0
        uL[:, :, d] = after

    # Payback curve: C_k(n) = sum_{i < n} (P^i r)(k, 0).
    N = p.N
    wA = rA.copy()
    wL = rL.copy() if W > 0 else np.zeros((R, K, 1))
    curve = np.zeros((R, K, N))
    total = np.zeros((R, K))
    one = min(1, Lc - 1)
    for i in range(N):
        total += wA[:, :, 0]
        curve[:, :, i] = total
        if i + 1 == N:
            break
        hi = min(Lc, N - i - 1)
        shifted = wA[:, :, 1:hi + 1] if hi + 1 <= Lc else np.concatenate(
            [wA[:, :, 1:Lc], wA[:, :, Lc - 1:Lc]], axis=2)
        nA = s[:, :, :hi] * (M @ shifted)
        if W > 0:
            nA += h[:, :, :hi] * wL[:, :, 0:1]
            # (P w)(lapsed d) = q_d (P w)(active 0) (same_period) or q_d w(active 0), plus
            # (1 - q_d) w(lapsed d + 1).
            if p.next_period:
                first = wA[:, :, 0]
            else:
                first = s[:, :, 0] * np.einsum("rkj,rj->rk", M, wA[:, :, one]) + h[:, :, 0] * wL[:, :, 0]
            nL = q[:, None, :] * first[:, :, None]
            nL[:, :, :-1] += (1.0 - q[:, None, :-1]) * wL[:, :, 1:]
            wL = nL
        wA[:, :, :hi] = nA
    # The payback curve adds the sign-up payment to every C_k(n) and starts from C_k(0) = e'.
    curve = curve + signup[:, :, None]
    return ltv, curve, uA, uL, signup


# ---------------------------------------------------------------------------------------------
# The dynamics (docs/model.md §2), for all replications at once.


class Sample:
    """Monte Carlo draws on counts."""

    def __init__(self, rng):
        self.rng = rng
        self.dtype = np.int64

    def binomial(self, n, p):
        return self.rng.binomial(n, np.clip(p, 0.0, 1.0))

    def poisson(self, mean):
        return self.rng.poisson(mean)

    def multinomial(self, n, probs):
        """Conditional binomials along the last axis of probs."""
        out = np.empty(np.broadcast_shapes(n.shape + (1,), probs.shape), dtype=np.int64)
        left = n.copy()
        mass = np.ones(np.shape(probs[..., 0]))
        for j in range(probs.shape[-1] - 1):
            pj = np.where(mass > 0, np.fmin(1.0, probs[..., j] / np.where(mass > 0, mass, 1.0)), 1.0)
            x = self.rng.binomial(left, np.clip(pj, 0.0, 1.0))
            out[..., j] = x
            left = left - x
            mass = mass - probs[..., j]
        out[..., -1] = left
        return out

    def revenue(self, orders, mean, cv):
        if not (cv > 0).any():
            return orders * mean
        shape = orders / np.where(cv > 0, cv * cv, 1.0)
        drawn = self.rng.gamma(np.where(orders > 0, shape, 1.0), mean * cv * cv)
        return np.where((cv > 0) & (orders > 0) & (mean > 0), drawn, orders * mean)


class Mean:
    """Every draw replaced by its expectation (expected-value mode)."""

    dtype = np.float64

    def binomial(self, n, p):
        return n * p

    def poisson(self, mean):
        return mean

    def multinomial(self, n, probs):
        out = np.empty(np.broadcast_shapes(n.shape + (1,), probs.shape))
        out[..., :-1] = n[..., None] * probs[..., :-1]
        out[..., -1] = n - out[..., :-1].sum(axis=-1)
        return out

    def revenue(self, orders, mean, cv):
        return orders * mean


def payback(p, new_by_segment, cac):
    """Periods until the cumulative contribution covers cac (docs/model.md §6); [R]."""
    n = new_by_segment.sum(axis=1)
    safe = np.where(n > 0, n, 1.0)
    w = new_by_segment / safe[:, None]
    c = np.einsum("rk,rkn->rn", w, p.payback_curve)
    c0 = np.einsum("rk,rk->r", w, p.payback_start)  # c(0): the sign-up payment, or 0
    reached = c >= np.where(np.isnan(cac), np.inf, cac)[:, None]
    step = reached.argmax(axis=1)
    rows = np.arange(p.R)
    ok = reached[rows, step]
    cur = c[rows, step]
    prev = np.where(step > 0, c[rows, np.maximum(step - 1, 0)], c0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(ok, step + (cac - prev) / (cur - prev), np.inf)
    out = np.where((cac <= 0) | (c0 >= cac), 0.0, out)
    return np.where((n > 0) & ~np.isnan(cac), out, np.nan)


def ratios(p, new_by_segment, spend):
    customers = new_by_segment.sum(axis=1)
    value = (new_by_segment * p.ltv).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cac = np.where(customers > 0, spend / customers, np.nan)
        ltv = np.where(customers > 0, value / customers, np.nan)
        ltv_cac = np.where(spend > 0, value / spend, np.nan)
    return cac, ltv, ltv_cac, payback(p, new_by_segment, cac)


FIXED = ["revenue", "gross_margin", "cost_to_serve", "acquisition_spend", "retention_spend",
         "winback_spend", "referral_rewards", "profit", "cumulative_profit", "discounted_profit",
         "npv", "active_customers", "new_customers", "churned_customers", "won_back_customers",
         "retention_rate", "orders", "leads", "referred_prospects", "new_customers_referral",
         "new_customers_pipeline", "cac", "ltv", "ltv_cac", "payback_periods"]
TOTALS = ["npv", "revenue", "gross_margin", "profit", "acquisition_spend", "retention_spend",
          "new_customers", "churned_customers", "won_back_customers", "active_customers", "cac",
          "ltv", "ltv_cac", "payback_periods", "customer_equity", "payback_never", "arr",
          "attributed_cac"]


def metric_names(p):
    market = (["market_unreached"] if p.market else []) + (
        [f"market_unreached_{k}" for k in p.segment_names] if p.market_by_segment else [])
    return (FIXED + [f"new_customers_{c}" for c in p.channel_names] +
            [f"active_{k}" for k in p.segment_names] + [f"entered_{s}" for s in p.stage_names] +
            [f"cost_per_entered_{s}" for s in p.stage_names] + ["customer_equity"] +
            ["mrr", "arr", "lead_velocity", "payback_never", "nrr", "grr"] +
            ["attributed_cac"] + [f"cac_{c}" for c in p.channel_names] +
            [f"attributed_cac_{c}" for c in p.channel_names] +
            [f"marginal_cac_{c}" for c in p.channel_names] +
            [f"ltv_cac_{c}" for c in p.channel_names] + [f"ltv_{k}" for k in p.segment_names] +
            [f"churn_rate_{k}" for k in p.segment_names] +
            [f"cohort_{y}_{x}" for y in range(1, min((p.T + p.P - 1) // p.P, MAX_COHORT_YEARS) + 1)
             for x in ("customers", "revenue", "cash", "ltv_cac", "payback")] + market)


def reach(p, draw, U, N, referral_contacts, channel_contacts):
    """The people each source reaches in a finite market (docs/model.md §2, "Finite market" and
    "Finite market by segment"): per pool j, the sources' contacts c_i w_ij (w the source's segment
    mix, or 1 with one pool) with pi_i = c_i w_ij / max(M_j, sum_i c_i w_ij) split the pool's
    unreached people Multinomial(U_j; pi_1, ..., rest) by conditional binomials, referrals by
    segment first, then channels. Updates U and N; returns referred [R, K] and leads [R, C]."""
    R, K, C, KP = p.R, p.K, p.C, p.KP
    ref = np.zeros((R, K), dtype=draw.dtype)
    leads = np.zeros((R, C), dtype=draw.dtype)
    for j in range(KP):
        w = p.mix[:, :, j] if KP > 1 else np.ones((R, p.NS))
        contacts = np.concatenate([referral_contacts * w[:, C:C + K], channel_contacts * w[:, :C]], axis=1)
        M = p.potential[:, j]
        scale = np.where(M > 0, 1.0 / np.maximum(np.maximum(M, contacts.sum(axis=1)), 1e-300), 0.0)
        mass = np.ones(R)
        for i in range(K + C):
            pi = contacts[:, i] * scale
            prob = np.where(pi <= 0, 0.0, np.where(mass > pi, pi / np.where(mass > pi, mass, 1.0), 1.0))
            mass = mass - pi
            x = draw.binomial(U[:, j], prob)
            U[:, j] -= x
            if i < K:
                N[:, C + i, j, p.referral_entry, 0] += x
                ref[:, i] += x
            else:
                c = i - K
                N[:, c, j, p.channel_entry[c], 0] += x
                leads[:, c] += x
    return ref, leads


def funnel_yield(p, entry):
    """A fresh prospect at stage `entry`: the probability pi that it becomes a customer and the
    nurturing cost nu it causes over its stay (§5, "Funnel yield"); [R] each."""
    a, d = p.rates[:, :, 0, 0], p.rates[:, :, 0, 1]
    an, dn = p.rates[:, :, 1, 0], p.rates[:, :, 1, 1]
    stay = 1.0 - a - d
    leave = an + dn
    with np.errstate(divide="ignore", invalid="ignore"):
        advance = a + np.where(leave > 0, stay * an / leave, 0.0)
        cost = np.where(leave > 0, stay * p.nurture_cost / leave,
                        np.where((stay > 0) & (p.nurture_cost > 0), np.inf, 0.0))
    pi = np.ones(p.R)
    nu = np.zeros(p.R)
    for s in range(entry, p.S):
        nu = nu + pi * cost[:, s]
        pi = pi * advance[:, s]
    return pi, nu


def follow(fA, fL, back_frac, lost_frac, move_frac, L, W, next_period=False):
    """One period of groups of customers followed in proportion (§5, "Revenue retention"): the
    members of each cell are won back, churn and move to each segment in the fractions the cell's
    counts did. fA [R, G, K, L] active and fL [R, G, K, W] lapsed members of group g. Returns
    them a period later, with the members at risk of churn and the lapsed members approached.
    With next_period the won back skip churn and moves, at tenure 0 after the period."""
    attempts = fL.sum(axis=(2, 3)) if W > 0 else np.zeros(fA.shape[:2])
    if W > 0:
        b = fL * back_frac[:, None]
        if not next_period:
            fA = fA.copy()
            fA[..., 0] += b.sum(axis=3)
        rest = fL - b
    at_risk = fA.sum(axis=(2, 3))
    lost = (fA * lost_frac[:, None]).sum(axis=3)  # [R, G, K]
    moved = np.einsum("rgkl,rklj->rgjl", fA, move_frac)
    if L == 1:
        nA = moved
    else:
        nA = np.zeros_like(fA)
        nA[..., 1:] = moved[..., :-1]
        nA[..., L - 1] += moved[..., L - 1]
    nL = np.zeros_like(fL)
    if W > 0:
        nL[..., 1:] = rest[..., :-1]
        nL[..., 0] = lost
        if next_period:
            nA = nA.copy()
            nA[..., 0] += b.sum(axis=3)
    return nA, nL, at_risk, attempts


def draw_orders(p, draw, k, n, rate):
    """Orders of n customers of segment k at `rate` (§2 step 4): exactly n rate ("fixed"),
    Poisson(n rate), or Binomial(n, rate) ("bernoulli": at most one order each)."""
    model = p.order_model[k]
    if model == "fixed":
        return n * rate
    if model == "bernoulli":
        return draw.binomial(n.astype(draw.dtype), rate).astype(float)
    return draw.poisson(n * rate).astype(float)


def simulate(p, draw):
    """Returns metrics {name: [R, T]} and totals {name: [R]}."""
    R, T, K, S, L, W, C, NS = p.R, p.T, p.K, p.S, p.L, p.W, p.C, p.NS
    out = {name: np.zeros((R, T)) for name in metric_names(p)}
    A = p.initial_customers.astype(draw.dtype)
    lapsed = np.zeros((R, K, max(W, 1)), dtype=draw.dtype)
    KP = p.KP
    N = np.zeros((R, NS, KP, S, 2), dtype=draw.dtype)  # [source, lane, stage, fresh/nurtured]
    if KP == 1:
        N[:, NS - 1, 0, :, 1] = p.initial_prospects
    else:
        # A market per segment: the pipeline's prospects of each stage are split by its mix.
        pipe = draw.multinomial(p.initial_prospects.astype(draw.dtype), p.mix[:, None, NS - 1, :])
        N[:, NS - 1, :, :, 1] = pipe.transpose(0, 2, 1)
    if p.market:
        # People not reached yet, by pool: the initial customers and prospects are reached.
        reached = np.zeros((R, KP))
        for j in range(KP):
            own = A[:, j, :] if KP > 1 else A
            reached[:, j] = own.reshape(R, -1).sum(axis=1) + N[:, NS - 1, j, :, 1].sum(axis=1)
        U = np.maximum(0.0, p.potential - reached).astype(draw.dtype)
    new_by_segment = np.zeros((R, T, K))
    funnel_p = np.empty((R, 1, 1, S, 2, 3))
    funnel_p[..., 0] = p.rates[:, None, None, :, :, 0]
    funnel_p[..., 1] = p.rates[:, None, None, :, :, 1]
    funnel_p[..., 2] = np.maximum(0.0, 1.0 - p.rates[:, None, None, :, :, 0] - p.rates[:, None, None, :, :, 1])
    mig = p.migration[:, :, None, :]  # [R, K, 1, K]
    cumulative = np.zeros(R)
    npv = np.zeros(R)
    yields = [funnel_yield(p, p.channel_entry[c]) for c in range(C)]
    P = p.P
    fA = fL = year_start = None
    # Acquisition cohorts: the new customers of each of the first MAX_COHORT_YEARS years.
    Y = min((T + P - 1) // P, MAX_COHORT_YEARS)
    cA = np.zeros((R, Y, K, L))
    cL = np.zeros((R, Y, K, max(W, 1)))
    cohort_any = np.zeros((R, Y), dtype=bool)
    cohort_cash = np.zeros((R, Y))
    cohort_cost = np.zeros((R, Y))
    cohort_value = np.zeros((R, Y))
    cohort_payback = np.full((R, Y), np.nan)
    recurring = p.orders_per_period * p.order_value  # rho_k, [R, K]
    attributed_cost_total = np.zeros(R)
    attributed_customers_total = np.zeros(R)
    discount = np.ones(R)
    for t in range(T):
        discount = discount / (1.0 + p.discount)
        # Revenue retention follows, over each whole year, the customers active at its start.
        if P <= T and t % P == 0 and t + P <= T:
            fA = np.zeros((R, K, K, L))
            for k in range(K):
                fA[:, k, k, :] = A[:, k, :]
            fL = np.zeros((R, K, K, max(W, 1)))
            year_start = A.sum(axis=2).astype(float)  # [R, G]
        # 1. Win-back.
        attempts = np.zeros(R)
        won = np.zeros(R)
        back_frac = np.zeros((R, K, max(W, 1)))
        if W > 0:
            lapsed_before = lapsed.astype(float)
            back = draw.binomial(lapsed, p.winback_success[:, None, :])  # by recency
            with np.errstate(divide="ignore", invalid="ignore"):
                back_frac = np.where(lapsed_before > 0, back / lapsed_before, 0.0)
            attempts = lapsed.sum(axis=(1, 2)).astype(float)
            won = back.sum(axis=(1, 2)).astype(float)
            if not p.next_period:
                A[:, :, 0] += back.sum(axis=2)  # before churn
            rest = lapsed - back
        # 2. Churn and 3. migration; tenure advances by one.
        at_risk = A.sum(axis=(1, 2)).astype(float)
        at_risk_k = A.sum(axis=2).astype(float)
        lost = draw.binomial(A, p.hazard)
        churned_by = lost.sum(axis=2)
        stay = A - lost
        if p.any_migration:
            split = draw.multinomial(stay, mig)  # [R, K, L, K]
            moved = split.sum(axis=1).transpose(0, 2, 1)  # [R, K(to), L]
        else:
            moved = stay
        n = A.astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            lost_frac = np.where(n > 0, lost / n, 0.0)
            if p.any_migration:
                move_frac = np.where(n[..., None] > 0, split / n[..., None], 0.0)
            else:
                move_frac = np.where(n > 0, stay / n, 0.0)[..., None] * np.eye(K)[None, :, None, :]
        if fA is not None:
            fA, fL, _, _ = follow(fA, fL, back_frac, lost_frac, move_frac, L, W, p.next_period)
        cA, cL, c_at_risk, c_attempts = follow(cA, cL, back_frac, lost_frac, move_frac, L, W,
                                               p.next_period)
        nxt = np.zeros_like(A)
        nxt[:, :, 1:] = moved[:, :, :-1]
        nxt[:, :, L - 1] += moved[:, :, L - 1] if L > 1 else 0
        if L == 1:
            nxt = moved.copy()
        if W > 0 and p.next_period:
            nxt[:, :, 0] += back.sum(axis=2)  # no churn test this period; tenure 0 at its end
        churned = churned_by.sum(axis=1).astype(float)
        if W > 0:
            lapsed = np.zeros_like(lapsed)
            lapsed[:, :, 1:] = rest[:, :, :-1]
            lapsed[:, :, 0] = churned_by
        # 4. Repurchase.
        active_k = nxt.sum(axis=2).astype(float)
        if p.any_curve:
            # By tenure cell: the customers in cell tau + 1 started the period at tau (§2).
            started = np.maximum(np.arange(L) - 1, 0)
            a = nxt.astype(float)
            orders_kt = np.stack([draw_orders(p, draw, k, a[:, k], p.orders_t[:, k, started])
                                  for k in range(K)], axis=1)
            value_kt = draw.revenue(orders_kt, p.value_t[:, :, started], p.order_value_cv[:, :, None])
            orders_k = orders_kt.sum(axis=2)
            revenue_k = value_kt.sum(axis=2)
            margin_k = (value_kt * p.margin_t[:, :, started]).sum(axis=2)
            revenue = value_kt.sum(axis=(1, 2))
            margin = (value_kt * p.margin_t[:, :, started]).sum(axis=(1, 2))
            serve = (a * p.cost_t[:, :, started]).sum(axis=(1, 2))
            referral_contacts = (a * p.referral_t[:, :, started]).sum(axis=2)
        else:
            orders_k = np.stack([draw_orders(p, draw, k, active_k[:, k], p.orders_per_period[:, k])
                                 for k in range(K)], axis=1)
            value_k = draw.revenue(orders_k, p.order_value, p.order_value_cv)
            revenue_k = value_k
            margin_k = value_k * p.gross_margin
            revenue = value_k.sum(axis=1)
            margin = (value_k * p.gross_margin).sum(axis=1)
            serve = (active_k * p.cost_to_serve).sum(axis=1)
            referral_contacts = active_k * p.referral_rate
        # The acquisition cohorts' share of the period's revenue and contribution (§5): members in
        # segment k earn their share of the segment's revenue and margin.
        members = cA.sum(axis=3)  # [R, Y, K]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(active_k[:, None, :] > 0, members / active_k[:, None, :], 0.0)
        cohort_revenue = (share * revenue_k[:, None, :]).sum(axis=2)
        cohort_cash = cohort_cash + np.where(cohort_any, (share * margin_k[:, None, :]).sum(axis=2)
                                             - (members * p.cost_to_serve[:, None, :]).sum(axis=2)
                                             - c_at_risk * p.retention_per_customer[:, None]
                                             - c_attempts * p.winback_cost[:, None], 0.0)
        # 5. Referral and 6. acquisition.
        if p.market:
            ref, leads_c = reach(p, draw, U, N, referral_contacts, p.channel_leads[:, :, t])
        else:
            ref = draw.poisson(referral_contacts)
            N[:, C:C + K, 0, p.referral_entry, 0] += ref
            leads_c = draw.poisson(p.channel_leads[:, :, t])
            for c in range(C):
                N[:, c, 0, p.channel_entry[c], 0] += leads_c[:, c]
        referred = ref.sum(axis=1).astype(float)
        out[f"entered_{p.stage_names[p.referral_entry]}"][:, t] += referred
        for c in range(C):
            out[f"entered_{p.stage_names[p.channel_entry[c]]}"][:, t] += leads_c[:, c]
        leads = leads_c.sum(axis=1).astype(float)
        channel_spend = p.channel_spend[:, :, t].sum(axis=1)
        # 7. Funnel.
        nurture_by_stage = N[..., 1].sum(axis=(1, 2)) * p.nurture_cost  # [R, S]
        nurture_by_source = (N[..., 1].sum(axis=2) * p.nurture_cost[:, None, :]).sum(axis=2)  # [R, NS]
        nurture = nurture_by_stage.sum(axis=1)
        f = draw.multinomial(N, funnel_p)  # [R, NS, KP, S, 2, 3]
        adv = f[..., 0].sum(axis=4)  # [R, NS, KP, S]
        N = np.zeros_like(N)
        N[..., 1:, 0] = adv[..., :-1]
        N[..., 1] = f[..., 2].sum(axis=4)
        for s in range(1, S):
            out[f"entered_{p.stage_names[s]}"][:, t] += adv[..., s - 1].sum(axis=(1, 2))
        # 8. Conversion: split by the source's mix, or (a market per segment) in the lane's segment.
        if KP == 1:
            converted = adv[:, :, 0, S - 1]  # [R, NS]
            split = draw.multinomial(converted, p.mix)  # [R, NS, K]
        else:
            split = adv[..., S - 1]  # [R, NS, K]
            converted = split.sum(axis=2)
        by_segment = split.sum(axis=1)
        nxt[:, :, 0] += by_segment
        cohort_now = t // P
        if cohort_now < Y:
            cA[:, cohort_now, :, 0] += by_segment
            cohort_any[:, cohort_now] |= by_segment.sum(axis=1) > 0
        new_by_segment[:, t, :] = by_segment
        conv = converted.astype(float)
        for c in range(C):
            out[f"new_customers_{p.channel_names[c]}"][:, t] = conv[:, c]
        from_referral = conv[:, C:C + K].sum(axis=1)
        from_pipeline = conv[:, NS - 1]
        new_total = conv.sum(axis=1)
        A = nxt
        if p.book_at_start:
            # Sign-up: the period's new customers pay one period's orders and cost to serve in
            # the segment they join (§5, "Booking").
            nb = by_segment.astype(float)
            signup_k = np.stack([draw_orders(p, draw, k, nb[:, k], p.orders_per_period[:, k])
                                 for k in range(K)], axis=1)
            signup_value = draw.revenue(signup_k, p.order_value, p.order_value_cv)
            orders_k = orders_k + signup_k
            revenue = revenue + signup_value.sum(axis=1)
            margin = margin + (signup_value * p.gross_margin).sum(axis=1)
            serve = serve + (nb * p.cost_to_serve).sum(axis=1)
        # Accounting.
        acquisition = channel_spend + nurture
        retention = at_risk * p.retention_per_customer + p.retention_fixed
        winback = attempts * p.winback_cost
        rewards = from_referral * p.referral_reward
        profit = margin - serve - acquisition - retention - winback - rewards
        cumulative = cumulative + profit
        # Flows at the end of period t, or at its start: (1 + d)^-t or (1 + d)^-(t-1).
        booked = discount * (1.0 + p.discount) if p.book_at_start else discount
        npv = npv + profit * booked
        act = A.sum(axis=2).astype(float)
        for k in range(K):
            out[f"active_{p.segment_names[k]}"][:, t] = act[:, k]
        cac, ltv, ltv_cac, pb = ratios(p, new_by_segment[:, t, :], acquisition + rewards)
        with np.errstate(divide="ignore", invalid="ignore"):
            rr = np.where(at_risk > 0, (at_risk - churned) / np.where(at_risk > 0, at_risk, 1), np.nan)
        for name, v in [("revenue", revenue), ("gross_margin", margin), ("cost_to_serve", serve),
                        ("acquisition_spend", acquisition), ("retention_spend", retention),
                        ("winback_spend", winback), ("referral_rewards", rewards), ("profit", profit),
                        ("cumulative_profit", cumulative), ("discounted_profit", profit * booked),
                        ("npv", npv), ("active_customers", act.sum(axis=1)),
                        ("new_customers", new_total), ("churned_customers", churned),
                        ("won_back_customers", won), ("retention_rate", rr),
                        ("orders", orders_k.sum(axis=1)), ("leads", leads),
                        ("referred_prospects", referred), ("new_customers_referral", from_referral),
                        ("new_customers_pipeline", from_pipeline), ("cac", cac), ("ltv", ltv),
                        ("ltv_cac", ltv_cac), ("payback_periods", pb)]:
            out[name][:, t] = v
        # Cost per entry: spend of the channels entering at or before the stage, plus nurturing
        # paid in the stages before it, over the stage's entries.
        upstream = np.zeros(R)
        for s in range(S):
            for c in range(C):
                if p.channel_entry[c] == s:
                    upstream = upstream + p.channel_spend[:, c, t]
            e = out[f"entered_{p.stage_names[s]}"][:, t]
            with np.errstate(divide="ignore", invalid="ignore"):
                out[f"cost_per_entered_{p.stage_names[s]}"][:, t] = np.where(e > 0, upstream / e, np.nan)
            upstream = upstream + nurture_by_stage[:, s]
        # Customer equity: the customers held, valued by the chain at their state.
        Lc = p.ltv_cap
        tau = np.minimum(np.arange(L), Lc - 1)
        held = (A.astype(float) * p.u_active[:, :, tau]).sum(axis=(1, 2))
        if W > 0:
            held = held + (lapsed.astype(float) * p.u_lapsed).sum(axis=(1, 2))
        # Held customers are worth gamma u at the end of the period, or u when they renew (and
        # pay) at that instant (start booking).
        held_at = discount if p.book_at_start else discount / (1.0 + p.discount)
        out["customer_equity"][:, t] = npv + held_at * held
        # Finance and growth metrics (§5, "Finance and growth metrics"), those without funnel
        # yields or followed cohorts.
        run_rate = (act * p.orders_per_period * p.order_value).sum(axis=1)
        out["mrr"][:, t] = run_rate * p.P / 12.0
        out["arr"][:, t] = run_rate * p.P
        q = out[f"entered_{p.stage_names[1 if S > 1 else 0]}"]
        with np.errstate(divide="ignore", invalid="ignore"):
            out["lead_velocity"][:, t] = (np.where(q[:, t - 1] > 0, (q[:, t] - q[:, t - 1]) / q[:, t - 1], np.nan)
                                          if t > 0 else np.nan)
            for c in range(C):
                n = conv[:, c]
                out[f"cac_{p.channel_names[c]}"][:, t] = np.where(
                    n > 0, (p.channel_spend[:, c, t] + nurture_by_source[:, c]) / n, np.nan)
            for k in range(K):
                out[f"churn_rate_{p.segment_names[k]}"][:, t] = np.where(
                    at_risk_k[:, k] > 0, churned_by[:, k] / at_risk_k[:, k], np.nan)
        out["payback_never"][:, t] = np.where(np.isnan(pb), np.nan, np.isinf(pb).astype(float))
        # Acquisition cohorts (§5): the year's acquisition cost and value go to its cohort.
        if cohort_now < Y:
            cohort_cost[:, cohort_now] += acquisition + rewards
            cohort_value[:, cohort_now] += (new_by_segment[:, t, :] * p.ltv).sum(axis=1)
            cohort_cash[:, cohort_now] -= acquisition + rewards
        for y in range(Y):
            name = f"cohort_{y + 1}_"
            if y > cohort_now:
                for x in ("customers", "revenue", "cash", "ltv_cac", "payback"):
                    out[name + x][:, t] = np.nan
                continue
            out[name + "customers"][:, t] = cA[:, y].sum(axis=(1, 2))
            out[name + "revenue"][:, t] = np.where(cohort_any[:, y], cohort_revenue[:, y], 0.0)
            out[name + "cash"][:, t] = cohort_cash[:, y]
            with np.errstate(divide="ignore", invalid="ignore"):
                out[name + "ltv_cac"][:, t] = np.where(cohort_cost[:, y] > 0,
                                                       cohort_value[:, y] / cohort_cost[:, y], np.nan)
            paid = cohort_any[:, y] & np.isnan(cohort_payback[:, y]) & (cohort_cash[:, y] >= 0)
            cohort_payback[:, y] = np.where(paid, t - y * P + 1, cohort_payback[:, y])
            out[name + "payback"][:, t] = np.where(~cohort_any[:, y], np.nan,
                                                   np.where(np.isnan(cohort_payback[:, y]), np.inf,
                                                            cohort_payback[:, y]))
        out["nrr"][:, t] = np.nan
        out["grr"][:, t] = np.nan
        if fA is not None and (t + 1) % P == 0:
            # N_gj: members of group g (segment at the year's start) active in segment j now.
            members = fA.sum(axis=3)  # [R, G, K]
            start = (year_start * recurring).sum(axis=1)
            net = (members * recurring[:, None, :]).sum(axis=(1, 2))
            gross = (members * np.minimum(recurring[:, None, :], recurring[:, :, None])).sum(axis=(1, 2))
            with np.errstate(divide="ignore", invalid="ignore"):
                out["nrr"][:, t] = np.where(start > 0, net / start, np.nan)
                out["grr"][:, t] = np.where(start > 0, gross / start, np.nan)
        # Attributed CAC: the cost of the period's leads over the customers they are expected to
        # yield; marginal CAC: the cost of one more customer at the period's spend (§5).
        cost_all = np.zeros(R)
        customers_all = np.zeros(R)
        with np.errstate(divide="ignore", invalid="ignore"):
            for c in range(C):
                pi, nu = yields[c]
                ld = leads_c[:, c].astype(float)
                cost = p.channel_spend[:, c, t] + np.where(ld > 0, ld * nu, 0.0)
                customers = ld * pi
                name = p.channel_names[c]
                out[f"attributed_cac_{name}"][:, t] = np.where(customers > 0, cost / customers, np.nan)
                slope = p.channel_slope[:, c, t]
                out[f"marginal_cac_{name}"][:, t] = np.where(slope * pi > 0, (1.0 + slope * nu) / (slope * pi), np.inf)
                out[f"ltv_cac_{name}"][:, t] = (p.mix[:, c, :] * p.ltv).sum(axis=1) / out[f"attributed_cac_{name}"][:, t]
                cost_all = cost_all + cost
                customers_all = customers_all + customers
            out["attributed_cac"][:, t] = np.where(customers_all > 0, cost_all / customers_all, np.nan)
        attributed_cost_total = attributed_cost_total + cost_all
        attributed_customers_total = attributed_customers_total + customers_all
        for k in range(K):
            out[f"ltv_{p.segment_names[k]}"][:, t] = p.ltv[:, k]
        if p.market:
            out["market_unreached"][:, t] = U.sum(axis=1)
            if p.market_by_segment:
                for k in range(K):
                    out[f"market_unreached_{p.segment_names[k]}"][:, t] = U[:, k if KP > 1 else 0]
    tot = {}
    for name in ["revenue", "gross_margin", "profit", "acquisition_spend", "retention_spend",
                 "new_customers", "churned_customers", "won_back_customers"]:
        tot[name] = out[name].sum(axis=1)
    tot["npv"] = npv
    tot["active_customers"] = out["active_customers"][:, T - 1]
    cac, ltv, ltv_cac, pb = ratios(p, new_by_segment.sum(axis=1),
                                   tot["acquisition_spend"] + out["referral_rewards"].sum(axis=1))
    tot.update(cac=cac, ltv=ltv, ltv_cac=ltv_cac, payback_periods=pb)
    tot["customer_equity"] = out["customer_equity"][:, T - 1]
    tot["payback_never"] = np.where(np.isnan(pb), np.nan, np.isinf(pb).astype(float))
    tot["arr"] = out["arr"][:, T - 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        tot["attributed_cac"] = np.where(attributed_customers_total > 0,
                                         attributed_cost_total / attributed_customers_total, np.nan)
    return out, tot


# ---------------------------------------------------------------------------------------------
# Statistics over replications (NaN = undefined, left out), as clvsim reports them.

QUANTILES = [0.05, 0.25, 0.50, 0.75, 0.95]


def summarise(values):
    """values [R, ...] -> dict of mean, sd, std_error, n, quantiles over replications."""
    n = np.sum(~np.isnan(values), axis=0)
    # A metric undefined in every replication (cac without new customers) summarises to NaN.
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(values, axis=0) if values.size else values
        sd = np.nanstd(values, axis=0, ddof=1)
        q = np.nanquantile(values, QUANTILES, axis=0)
    return {"mean": mean, "sd": sd, "std_error": sd / np.sqrt(n), "n": n, "quantiles": q}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=None)
    ap.add_argument("-r", "--replications", type=int, default=None)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--expected", action="store_true", help="exact expectations at the point values")
    ap.add_argument("--chunk", type=int, default=1000, help="replications per vectorised block")
    ap.add_argument("-o", "--output", default=None, help="write the statistics to this .npz file")
    args = ap.parse_args(argv)
    path = args.scenario
    if path is None:
        import os
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scenarios", "saas.toml")
    with open(path, "rb") as fh:
        sc = tomllib.load(fh)
    if any(key in sc for key in ("extends", "variants", "sweep", "parameter_draws")):
        raise NotImplementedError("extends, variants, sweeps and parameter_draws tables")
    for name, seg in sc["segments"].items():
        if seg.get("order_model", "poisson") not in ("poisson", "fixed", "bernoulli"):
            raise NotImplementedError(f"segments.{name}.order_model = {seg['order_model']}")

    result = {}
    if args.expected:
        p = Params(sc, 1, None)
        metrics, totals = simulate(p, Mean())
        for name, v in metrics.items():
            result[f"expected/{name}"] = v[0]
        for name, v in totals.items():
            result[f"expected_total/{name}"] = np.array(v[0])
        result["ltv"] = p.ltv[0]
    else:
        R = args.replications or int(sc["simulation"].get("replications", 1000))
        seed = args.seed if args.seed is not None else int(sc["simulation"].get("seed", 0))
        rng = np.random.default_rng(seed)
        chunks_m, chunks_t = [], []
        for start in range(0, R, args.chunk):
            n = min(args.chunk, R - start)
            p = Params(sc, n, rng)
            m, t = simulate(p, Sample(rng))
            chunks_m.append(m)
            chunks_t.append(t)
        names = list(chunks_m[0])
        for name in names:
            st = summarise(np.concatenate([c[name] for c in chunks_m]))
            for k, v in st.items():
                result[f"{k}/{name}"] = v
        for name in TOTALS:
            st = summarise(np.concatenate([c[name] for c in chunks_t]))
            for k, v in st.items():
                result[f"total_{k}/{name}"] = v
    if args.output:
        np.savez(args.output, **result)
    else:
        key = "expected/npv" if args.expected else "mean/npv"
        print(f"npv at the horizon: {result[key][-1]:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

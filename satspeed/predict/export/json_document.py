"""The JSON document of `satspeed predict` (`--json`, `-o FILE`).

Schema (version 6), one object:
  schema: 6, satspeed_version, csv, measure, cores: [n...],
  groups: [{instance, instance_sha256, solver, params, restart, runs, solved, timeouts, errors,
            method, chosen, splice, restricted_to, restarts,
            fits: [{model, params: {name: value}, loglik, aic, gof_pvalue}],
            predictions: [{cores, predicted_time, predicted_speedup, speedup_low, speedup_high,
                           observed_speedup, observed_is_bound, race_speedup, race_runs,
                           race_timeouts, extrapolated, RESTRICTED, relative_error}]}],
  skipped: [{instance, instance_sha256, solver, params, reason}],
  portfolio_races: [{instance, instance_sha256, solver, params, walkers, runs, mean_time}],
  portfolios: [{label, counts: {solver: k}, cores,
                instances: [{instance, instance_sha256, baseline_solver,
                             baseline_predicted_time, baseline_observed_time, restricted_to,
                             configurations: [{label, counts, cores, predicted_time,
                                 predicted_speedup, observed_time, observed_speedup,
                                 observed_is_bound, race_time, race_speedup, race_runs,
                                 RESTRICTED, relative_error}]}],
                missing: [{instance, instance_sha256, reason}]}],
  allocation: null or {cores, objective, note,
                       instances: [ALLOCATION], overall: ALLOCATION or null}
    ALLOCATION = {instance, instance_sha256, instances: [sha256...], solvers: [...], search,
                  cutoffs: [...], best: {label, counts, predicted_time, objective},
                  best_pure: {solver, predicted_time, objective}, gain}
    RESTRICTED = predicted_restricted_speedup, observed_restricted_speedup,
                 race_restricted_speedup
    SPLICE = {cut, below, tails: [{model, params, loglik, weight}],
              beyond: [{model, weight}]}
    restarts: null, or with --restarts {runs: RESTART, fit: RESTART,
                                        walkers: [{cores, time, speedup}],
                                        strategies: [STRATEGY]}
    RESTART = {source, mean, cutoff, time, gain, valid_to, luby_unit, luby_time}
      (cutoff null: no cutoff beats running on; walkers: n walkers each restarting at the
      runs' cutoff, speedup over one walker without restarts)
    STRATEGY = {strategy, predicted, predicted_low, predicted_high, fitted, beyond,
                solved_by, few_solved, runs, timeouts, observed, observed_low,
                observed_high, observed_is_bound, relative_error}
      (a restart strategy, 'fixed:T' or 'luby:U', of the CSV's restarted runs of this
      group, or Luby's with --luby-unit: its expected time from the runs without restarts,
      exactly, with a 95% bootstrap interval, and from the chosen fit; beyond: the chance
      of a try past the last run, where the runs cannot speak; solved_by: the runs solved
      within the first try's cutoff, few_solved when under 10 (the runs can hardly say
      how often a try succeeds: the prediction is mostly noise); the restarted runs' mean
      with a 95% t interval, a lower bound where some timed out; null without such runs)
  A group's `restart` is its runs' strategy ('' without restarts); a restarted group is
  predicted like any other (n walkers that each restart so), has no restarts block, and is
  not a member of portfolios.
Numbers that do not exist (an observed speedup beyond the number of runs, no races) are null.

Censoring: where runs timed out, `restricted_to` is tau, the smallest value at which a run or
race was censored, and the RESTRICTED speedups are E[min(Y, tau)] / E[min(Z_n, tau)]:
predicted from the fit, observed from the runs and from the races, all exact under censoring
(null when nothing timed out). `relative_error` then compares the restricted predicted speedup
with the restricted race speedup (or, without races, the restricted observed one); otherwise
the unrestricted ones. `observed_is_bound` is true when the unrestricted observed speedup is
not exact (a censored run counts in E[Y], or can be the minimum of n runs). `extrapolated`: n
exceeds the number of runs, so nothing but the fitted model speaks for that n.

Prediction: `method` is "splice" (`--dist auto`) or "model" (`--dist NAME`). With "splice",
predicted_time is E[Z_n] = int_0^inf S(t)^n dt for S the Kaplan-Meier estimate of the runs
above `cut` (the 0.3 quantile of the solved runs, at least 10 of them), and below it
1 - below * F(t) / F(cut), one integral per tail in `tails` (models fitted to the runs
censored at `cut`), averaged with their Akaike `weight`s; past the last run, if it timed out,
S(T) S_f(t) / S_f(T) for each full fit f in `beyond`, averaged likewise (`beyond` is empty
when the last run was solved). With "model", `splice` is null and everything comes from
`chosen`. `chosen` is the fitted model (among shifted-exp, lognormal, shifted-lognormal the
most general within 10 AIC units of the best); portfolios and allocation use it for every
member.

Schema 6 added a group's restart and the restarts' strategies, and Luby's best unit from a fit
(null before). Schema 5 added restarts. Schema 4 added method and splice (the default
prediction became the splice) and the shifted-weibull fit. Schema 3 added restricted_to,
extrapolated and the RESTRICTED speedups, made relative_error compare restricted means under
censoring, and made observed_is_bound exact for any mix of cutoffs (schema 2: n <= timeouts).
Schema 2 added portfolio_races, portfolios, allocation and race_timeouts to schema 1.
"""

from __future__ import annotations

import json
import math

import numpy as np

from satspeed import __version__
from satspeed.labels import portfolio_label
from satspeed.predict.allocate import AllocationReport, AllocationResult
from satspeed.predict.outcome import Outcome
from satspeed.predict.portfolio import Configuration, PortfolioPrediction
from satspeed.predict.prediction import CoreRow
from satspeed.predict.restarts import RestartReport, Restarts, StrategyPrediction
from satspeed.predict.splice import Splice

SCHEMA_VERSION = 6


def _clean(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def render(outcome: Outcome) -> str:
    """The outcome as the JSON document of the schema above."""
    o = outcome
    groups = []
    for p in o.predictions:
        g = p.group
        groups.append({
            "instance": g.instance, "instance_sha256": g.sha256, "solver": g.solver,
            "params": g.params, "restart": g.restart, "runs": len(p.sample.values),
            "solved": int(np.sum(~p.sample.censored)),
            "timeouts": int(np.sum(p.sample.censored)), "errors": g.errors,
            "method": "model" if p.spliced is None else "splice",
            "chosen": p.chosen.model, "splice": _splice_json(p.spliced),
            "restricted_to": p.restricted_to,
            "restarts": None if p.restarts is None else _restarts_json(p.restarts),
            "fits": [{"model": f.model, "params": f.params, "loglik": _clean(f.loglik),
                      "aic": _clean(f.aic), "gof_pvalue": _clean(f.gof_pvalue)}
                     for f in p.fits],
            "predictions": [{
                "cores": r.cores, "predicted_time": _clean(r.predicted_time),
                "predicted_speedup": _clean(r.predicted_speedup),
                "speedup_low": _clean(r.speedup_low), "speedup_high": _clean(r.speedup_high),
                "observed_speedup": _clean(r.observed_speedup),
                "observed_is_bound": r.observed_is_bound,
                "race_speedup": _clean(r.race_speedup), "race_runs": r.race_runs,
                "race_timeouts": r.race_timeouts, "extrapolated": r.extrapolated,
                **_restricted_json(r), "relative_error": _clean(r.relative_error)}
                for r in p.rows],
        })
    document = {
        "schema": SCHEMA_VERSION, "satspeed_version": __version__, "csv": o.csv,
        "measure": o.measure, "cores": list(o.cores), "groups": groups,
        "skipped": [{"instance": g.instance, "instance_sha256": g.sha256, "solver": g.solver,
                     "params": g.params, "reason": reason} for g, reason in o.skipped],
        "portfolio_races": [
            {"instance": g.instance, "instance_sha256": g.sha256, "solver": g.solver,
             "params": g.params, "walkers": walkers, "runs": len(rows),
             "mean_time": _clean(float(np.mean([v for v, _ in rows])))}
            for g in o.races for walkers, rows in sorted(g.races.items())],
        "portfolios": [_portfolio_json(pf) for pf in o.portfolios],
        "allocation": None if o.allocation is None else _allocation_json(o.allocation),
    }
    return json.dumps(document, indent=2)


def _restarts_json(r: RestartReport) -> dict:
    def one(x: Restarts) -> dict:
        return {"source": x.source, "mean": _clean(x.mean), "cutoff": _clean(x.cutoff),
                "time": _clean(x.time), "gain": _clean(x.gain), "valid_to": _clean(x.valid_to),
                "luby_unit": _clean(x.luby_unit), "luby_time": _clean(x.luby_time)}

    def strategy(x: StrategyPrediction) -> dict:
        seen = x.runs > 0
        return {"strategy": x.strategy, "predicted": _clean(x.predicted),
                "predicted_low": _clean(x.predicted_low),
                "predicted_high": _clean(x.predicted_high), "fitted": _clean(x.fitted),
                "beyond": _clean(x.beyond), "solved_by": x.solved_by,
                "few_solved": x.few_solved, "runs": x.runs, "timeouts": x.timeouts,
                "observed": _clean(x.observed) if seen else None,
                "observed_low": _clean(x.observed_low) if seen else None,
                "observed_high": _clean(x.observed_high) if seen else None,
                "observed_is_bound": x.observed_is_bound if seen else None,
                "relative_error": _clean(x.relative_error) if seen else None}

    return {"runs": one(r.runs), "fit": one(r.fit),
            "walkers": [{"cores": n, "time": _clean(t), "speedup": _clean(r.runs.mean / t)}
                        for n, t in zip(r.cores, r.walkers, strict=True)],
            "strategies": [strategy(x) for x in r.strategies]}


def _splice_json(s: Splice | None) -> dict | None:
    if s is None:
        return None
    return {"cut": s.cut, "below": s.below,
            "tails": [{"model": t.model, "params": t.params, "loglik": _clean(t.loglik),
                       "weight": float(w)} for t, w in zip(s.tails, s.weights, strict=True)],
            "beyond": [{"model": f.model, "weight": float(w)}
                       for f, w in zip(s.beyond, s.beyond_weights, strict=True)]}


def _portfolio_json(pf: PortfolioPrediction) -> dict:
    return {"label": pf.label, "counts": pf.counts, "cores": pf.cores, "instances": [
        {"instance": item.instance, "instance_sha256": item.sha256,
         "baseline_solver": item.baseline,
         "baseline_predicted_time": _clean(item.baseline_time),
         "baseline_observed_time": _clean(item.baseline_observed),
         "restricted_to": item.restricted_to,
         "configurations": [_configuration_json(r) for r in item.rows]}
        for item in pf.instances],
        "missing": [{"instance": instance, "instance_sha256": sha, "reason": reason}
                    for instance, sha, reason in pf.missing]}


def _configuration_json(r: Configuration) -> dict:
    return {"label": r.label, "counts": r.counts, "cores": sum(r.counts.values()),
            "predicted_time": _clean(r.predicted_time),
            "predicted_speedup": _clean(r.predicted_speedup),
            "observed_time": _clean(r.observed_time),
            "observed_speedup": _clean(r.observed_speedup),
            "observed_is_bound": r.observed_is_bound, "race_time": _clean(r.race_time),
            "race_speedup": _clean(r.race_speedup), "race_runs": r.race_runs,
            **_restricted_json(r), "relative_error": _clean(r.relative_error)}


def _restricted_json(r: CoreRow | Configuration) -> dict:
    return {"predicted_restricted_speedup": _clean(r.predicted_restricted_speedup),
            "observed_restricted_speedup": _clean(r.observed_restricted_speedup),
            "race_restricted_speedup": _clean(r.race_restricted_speedup)}


def _allocation_json(report: AllocationReport) -> dict:
    def one(r: AllocationResult) -> dict:
        a = r.allocation
        return {"instance": r.instance, "instance_sha256": r.sha256,
                "instances": list(r.instances), "solvers": list(r.solvers),
                "search": a.search, "cutoffs": list(r.cutoffs),
                "best": {"label": portfolio_label(r.best_counts), "counts": r.best_counts,
                         "predicted_time": _clean(r.best_time), "objective": _clean(a.value)},
                "best_pure": {"solver": r.pure_solver, "predicted_time": _clean(r.pure_time),
                              "objective": _clean(a.pure_value)},
                "gain": _clean(a.gain)}

    return {"cores": report.cores, "objective": report.objective, "note": report.note,
            "instances": [one(r) for r in report.instances],
            "overall": one(report.overall) if report.overall else None}

#!/usr/bin/env python3
"""Writes Tests/StudyStatsTests/Fixtures/binomial-intervals.json: Wilson and Clopper-Pearson intervals
from statsmodels' proportion_confint, the reference StudyStats' BinomialIntervals must match to 1e-9.

Run in a throwaway venv (statsmodels is not a project dependency):
    python3 -m venv /tmp/smenv && /tmp/smenv/bin/pip install statsmodels
    /tmp/smenv/bin/python tools/make_ci_fixtures.py
"""
import json
import pathlib

import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/StudyStatsTests/Fixtures/binomial-intervals.json"

CASES = [
    (0, 1), (1, 1), (0, 10), (1, 10), (5, 10), (9, 10), (10, 10),
    (3, 17), (0, 50), (1, 50), (23, 50), (49, 50), (50, 50),
    (7, 100), (47, 100), (88, 100), (1, 250), (125, 250),
    (412, 1000), (999, 1000), (1000, 1000), (1180, 2500), (3, 2500), (2497, 2500),
]
LEVELS = [0.95, 0.9, 0.99, 0.8]


def main():
    rows = []
    for level in LEVELS:
        alpha = 1 - level
        for count, nobs in CASES:
            w_low, w_high = proportion_confint(count, nobs, alpha=alpha, method="wilson")
            cp_low, cp_high = proportion_confint(count, nobs, alpha=alpha, method="beta")
            rows.append({
                "successes": count, "trials": nobs, "level": level,
                "wilson": [float(w_low), float(w_high)],
                "clopper_pearson": [float(cp_low), float(cp_high)],
            })
    quantiles = [{"p": p, "z": float(stats.norm.ppf(p))}
                 for p in [1e-12, 1e-6, 0.001, 0.025, 0.05, 0.3, 0.5, 0.7, 0.975, 0.995, 1 - 1e-9]]
    t_quantiles = [{"p": p, "df": df, "t": float(stats.t.ppf(p, df))}
                   for df in [1, 2, 5, 19, 29, 49, 99] for p in [0.9, 0.975, 0.995, 0.025]]
    incomplete_beta = [{"x": x, "a": a, "b": b, "value": float(scipy.special.betainc(a, b, x))}
                       for (a, b) in [(0.5, 0.5), (1, 1), (2.5, 7), (30, 20), (200, 800), (1180, 1321)]
                       for x in [0.001, 0.1, 0.3, 0.47, 0.5, 0.9, 0.999]]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "generator": "tools/make_ci_fixtures.py",
        "statsmodels": statsmodels.__version__,
        "scipy": scipy.__version__,
        "intervals": rows,
        "normal_quantiles": quantiles,
        "t_quantiles": t_quantiles,
        "incomplete_beta": incomplete_beta,
    }, indent=1) + "\n")
    print(f"wrote {len(rows)} intervals to {OUT}")


if __name__ == "__main__":
    main()

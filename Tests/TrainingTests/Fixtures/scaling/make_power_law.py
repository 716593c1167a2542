"""scipy reference for PowerLawFit: writes power_law.json.

Synthetic losses from a known law L = 2·N^-0.5 + 0.05 with 3% multiplicative noise (seeded), and
the fit scipy.optimize.curve_fit finds with sigma = L (the relative squared error PowerLawFit
minimizes) and the same bounds (a, c ≥ 0; α in [0.001, 5]). Run: python3 make_power_law.py
"""
import json
import pathlib

import numpy as np
from scipy.optimize import curve_fit

HERE = pathlib.Path(__file__).parent


def law(n, a, alpha, c):
    return a * n ** -alpha + c


def main():
    rng = np.random.default_rng(7)
    sizes = np.array([10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0, 10000.0])
    losses = law(sizes, 2.0, 0.5, 0.05) * (1 + 0.03 * rng.standard_normal(sizes.size))
    params, _ = curve_fit(law, sizes, losses, p0=(1.0, 0.4, 0.01), sigma=losses,
                          bounds=([0, 0.001, 0], [np.inf, 5, np.inf]), xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=100000)
    expected = {
        "sizes": sizes.tolist(),
        "losses": losses.tolist(),
        "true": {"a": 2.0, "alpha": 0.5, "c": 0.05},
        "scipy": dict(zip(("a", "alpha", "c"), params.tolist())),
    }
    (HERE / "power_law.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    main()

"""Maximum-likelihood fitting on log-parameters, with diagnostics and refusals.

Every model parameter is positive, so it is optimised as its logarithm. After the
optimiser stops, the fit is *finished* at that point:

- the Hessian of the negative log-likelihood in log-parameters ``H`` is taken by finite
  differences (of the analytic gradient when there is one: forward differences, one
  gradient per parameter; else central second differences of the function);
- the fit must be *identified*: ``H`` positive definite, not numerically singular
  (condition number below ``MAX_CONDITION``) and no log-parameter with a standard error
  above ``MAX_LOG_SE``; otherwise the likelihood is flat in some direction (often the
  estimate drifting to a boundary, such as a Poisson limit), the data cannot pin those
  parameters down, and the fit is refused, naming them;
- the fit must have *converged*: Newton steps ``-H^-1 g`` are taken while they improve
  the likelihood, until the Newton decrement ``g' H^-1 g / 2`` (how far, in
  log-likelihood, the quadratic model puts the optimum) is below ``DECREMENT_TARGET``;
  a fit whose decrement stays above ``DECREMENT_TOLERANCE`` (the parameters are then
  more than 0.0014 standard errors from the optimum), or that never moved from its start
  values, is refused;
- standard errors on the natural scale come from the inverse Hessian by the delta method:
  ``se(θ_i) = θ_i sqrt((H^-1)_ii)`` (exact at the optimum, where the gradient is zero).

Example
-------
>>> import numpy as np
>>> draws = np.array([0.5, 1.5, 2.0, 0.7, 1.1])  # exponential lifetimes, rate λ
>>> def objective(log_rate):
...     rate = np.exp(log_rate[0])
...     value = -(len(draws) * np.log(rate) - rate * draws.sum())
...     return value, np.array([-(len(draws) - rate * draws.sum())])
>>> (rate,), fit = fit_log_params(objective, np.array([1.0]), ("rate",), ValueError, 5)
>>> round(float(rate), 4), round(fit.standard_errors["rate"], 4), fit.converged
(0.8621, 0.3855, True)
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

MAX_CONDITION = 1e12  # largest acceptable ratio of the Hessian's extreme eigenvalues
MAX_LOG_SE = 10.0  # a log-parameter this uncertain spans 17 orders of magnitude (95%)
DECREMENT_TOLERANCE = 1e-6  # log-likelihood units: converged when the optimum is closer
DECREMENT_TARGET = 1e-12  # Newton steps continue while they improve on this
GRADIENT_TOLERANCE = 1e-5  # BFGS stops at this gradient per customer
MAX_NEWTON_STEPS = 30
GRADIENT_STEP = 1e-5  # forward-difference step of the gradient, in log-parameters
FUNCTION_STEP = 1e-4  # central-difference step of the function, in log-parameters


@dataclass(frozen=True)
class FitDiagnostics:
    """How a maximum-likelihood fit went.

    ``log_likelihood`` at the optimum; ``converged`` (always True for a fit that was
    returned: one that does not converge is refused); ``iterations`` of the optimiser plus
    the Newton steps that finished it; ``standard_errors`` of each parameter on its
    natural scale (delta method from the log-parameters' inverse Hessian); ``customers``,
    the number of observations (the total weight) the fit used; ``method`` how the
    optimum was reached.
    """

    log_likelihood: float
    converged: bool
    iterations: int
    standard_errors: dict[str, float]
    customers: float
    method: str


def minimise(objective: Callable, log_start: np.ndarray, jac: bool, customers: float):
    """BFGS on the negative log-likelihood from ``log_start``, stopped once the gradient is
    small for the data's size (Newton steps finish the fit). BFGS rather than L-BFGS-B:
    L-BFGS-B calls LAPACK on its tiny matrices, and OpenBLAS's threads then cost more
    than the fit on a busy machine; SciPy's BFGS is plain NumPy."""
    return minimize(
        objective,
        log_start,
        jac=jac,
        method="BFGS",
        options={"gtol": GRADIENT_TOLERANCE * max(customers, 1.0), "maxiter": 1000},
    )


def value_and_gradient(objective: Callable, point: np.ndarray, jac: bool):
    """The objective and its gradient (central differences when it has none)."""
    if jac:
        value, gradient = objective(point)
        return float(value), np.asarray(gradient, dtype=np.float64)
    value = float(objective(point))
    gradient = np.empty(len(point))
    for j in range(len(point)):
        shift = np.zeros(len(point))
        shift[j] = GRADIENT_STEP
        gradient[j] = (objective(point + shift) - objective(point - shift)) / (2 * GRADIENT_STEP)
    return value, gradient


def hessian(objective: Callable, point: np.ndarray, jac: bool, gradient=None) -> np.ndarray:
    """Finite-difference Hessian at ``point``, symmetrised: forward differences of the
    analytic gradient (given ``gradient`` at ``point``), else central second differences
    of the function."""
    size = len(point)
    result = np.empty((size, size))
    if jac:
        base = objective(point)[1] if gradient is None else gradient
        for j in range(size):
            shift = np.zeros(size)
            shift[j] = GRADIENT_STEP
            result[:, j] = (objective(point + shift)[1] - base) / GRADIENT_STEP
        return (result + result.T) / 2
    h = FUNCTION_STEP
    centre = objective(point)
    for i in range(size):
        for j in range(i, size):
            ei, ej = np.eye(size)[i] * h, np.eye(size)[j] * h
            if i == j:
                value = (objective(point + ei) - 2 * centre + objective(point - ei)) / h**2
            else:
                value = (
                    objective(point + ei + ej)
                    - objective(point + ei - ej)
                    - objective(point - ei + ej)
                    + objective(point - ei - ej)
                ) / (4 * h**2)
            result[i, j] = result[j, i] = value
    return result


def newton(
    objective: Callable, point: np.ndarray, curvature: np.ndarray, tolerance: float = 1e-7
) -> tuple[np.ndarray, int, bool]:
    """Minimise from ``point`` by steps ``-H^-1 g`` with a fixed ``H = curvature`` (halving
    a step that does not lower the objective). Returns the point, the steps taken, and
    whether the last step was below ``tolerance`` in every log-parameter."""
    try:
        inverse = np.linalg.inv(curvature)
    except np.linalg.LinAlgError:
        return point, 0, False
    value, grad = objective(point)
    for steps in range(1, MAX_NEWTON_STEPS + 1):
        step = -inverse @ grad
        if not np.all(np.isfinite(step)) or grad @ step > 0:
            return point, steps - 1, False  # not a descent direction
        if np.max(np.abs(step)) < tolerance:
            return point + step, steps, True
        for _ in range(20):
            new_value, new_grad = objective(point + step)
            if np.isfinite(new_value) and new_value <= value + 1e-12 * abs(value):
                break
            step = step / 2
        else:
            return point, steps - 1, False
        point, value, grad = point + step, new_value, new_grad
    return point, MAX_NEWTON_STEPS, False


def finish(
    objective: Callable,
    point: np.ndarray,
    names: tuple[str, ...],
    error: type[ValueError],
    customers: float,
    *,
    jac: bool,
    iterations: int,
    method: str,
) -> tuple[np.ndarray, FitDiagnostics]:
    """Check identification and convergence at ``point`` (log-parameters), polishing with
    Newton steps, and return the parameters with their diagnostics; refuse with ``error``
    when the data cannot identify the model or the fit does not converge."""
    value, gradient = value_and_gradient(objective, point, jac)
    if not (np.isfinite(value) and np.all(np.isfinite(gradient))):
        raise error("fit: the likelihood is not finite at the optimum; check the data")
    curvature = _identified(hessian(objective, point, jac, gradient), names, error)
    inverse = np.linalg.inv(curvature)

    def decrement_at(gradient):
        with np.errstate(all="ignore"):
            return float(gradient @ inverse @ gradient / 2)

    for _ in range(MAX_NEWTON_STEPS):
        if decrement_at(gradient) <= DECREMENT_TARGET:
            break
        step = -inverse @ gradient
        for _ in range(20):
            new_value, new_gradient = value_and_gradient(objective, point + step, jac)
            if np.isfinite(new_value) and new_value <= value + 1e-12 * abs(value):
                break
            step = step / 2
        else:
            break
        point, value, gradient = point + step, new_value, new_gradient
        iterations += 1
    decrement = decrement_at(gradient)
    if not np.isfinite(decrement):
        raise error(
            "fit: did not converge (no finite Newton step); the data may not identify the model"
        )
    if decrement > DECREMENT_TOLERANCE:
        raise error(
            f"fit: did not converge (the log-likelihood is still {decrement:.2g} from its "
            "local optimum); the data may not identify the model"
        )
    params = np.exp(point)
    if not np.all(np.isfinite(params)):
        raise error("fit: a parameter is too large to represent; the data cannot identify it")
    standard_errors = params * np.sqrt(np.diag(inverse))
    diagnostics = FitDiagnostics(
        log_likelihood=-value,
        converged=True,
        iterations=iterations,
        standard_errors={n: float(s) for n, s in zip(names, standard_errors, strict=True)},
        customers=float(customers),
        method=method,
    )
    return params, diagnostics


def _identified(curvature: np.ndarray, names: tuple[str, ...], error) -> np.ndarray:
    if not np.all(np.isfinite(curvature)):
        raise error("fit: the likelihood's curvature is not finite at the optimum")
    eigenvalues, vectors = np.linalg.eigh(curvature)
    if eigenvalues[0] <= eigenvalues[-1] / MAX_CONDITION:
        weakest = vectors[:, 0] ** 2
        flat = [n for n, share in zip(names, weakest, strict=True) if share >= 0.2]
        raise error(
            f"fit: the data cannot identify {', '.join(flat)}: the likelihood is flat in "
            "that direction (singular Hessian at the optimum); more customers, or more "
            "varied ones, are needed"
        )
    log_se = np.sqrt(np.diag(np.linalg.inv(curvature)))
    if (log_se > MAX_LOG_SE).any():
        flat = [n for n, se in zip(names, log_se, strict=True) if se > MAX_LOG_SE]
        raise error(
            f"fit: the data cannot identify {', '.join(flat)}: the likelihood is nearly flat "
            f"(the log of each has a standard error above {MAX_LOG_SE:g}, its estimate is "
            "drifting to a boundary); more customers, or more varied ones, are needed"
        )
    return curvature


def fit_log_params(
    objective: Callable,
    start: np.ndarray,
    names: tuple[str, ...],
    error: type[ValueError],
    customers: float,
    *,
    jac: bool = True,
) -> tuple[np.ndarray, FitDiagnostics]:
    """Maximise the likelihood from ``start`` (natural scale) and finish the fit (see the
    module docstring). ``objective(log_params)`` returns the negative log-likelihood and,
    when ``jac``, its gradient in log-parameters."""
    result = minimise(objective, np.log(start), jac, customers)
    if not np.isfinite(result.fun):
        raise error("fit: the likelihood is not finite at the optimum; check the data")
    if result.nit == 0 or np.array_equal(result.x, np.log(start)):
        raise error("fit: the optimiser did not move from its start values")
    return finish(
        objective,
        result.x,
        names,
        error,
        customers,
        jac=jac,
        iterations=int(result.nit),
        method="BFGS",
    )

"""Log-likelihoods of the CLV purchase models, written for speed and numerical safety.

``BGLikelihood`` holds one customer summary, prepared once (customers grouped by
purchase count; those with the "dropped out after the last purchase" term stored
contiguously), and evaluates the BG/NBD or MBG/NBD log-likelihood and its analytic
gradient in fixed-size chunks of ``CHUNK`` customers. Chunks keep every temporary array
small: no BLAS call (whose threads, on a busy machine, cost more than the arithmetic)
and no large allocation (which the memory allocator would map fresh, page by page, on
every evaluation). So the time per evaluation is linear in the number of customers and
independent of the machine's BLAS threading.

Example
-------
>>> import numpy as np
>>> likelihood = BGLikelihood(np.array([2.0]), np.array([30.43]), np.array([38.86]),
...                           np.ones(1), modified=False)
>>> round(likelihood.log_likelihood(np.array([0.243, 4.414, 0.793, 2.426]))[0], 4)
-9.4586
"""

import numpy as np
from scipy.special import gammaln, hyp2f1, psi

CHUNK = 32_768


def _sum(a: np.ndarray, b: np.ndarray) -> float:
    """Dot product without BLAS."""
    return float(np.einsum("i,i->", a, b))


def _group_counts(x: np.ndarray, w: np.ndarray):
    """Distinct purchase counts, each customer's index into them, and their total weight
    (by counting when the counts are small whole numbers, else by sorting)."""
    top = float(x.max())
    if top <= 4 * len(x) + 1024:
        counts = x.astype(np.int64)
        present = np.bincount(counts) > 0
        ux = np.flatnonzero(present).astype(np.float64)
        inv = (np.cumsum(present) - 1)[counts]
    else:
        ux, inv = np.unique(x, return_inverse=True)
    return ux, inv, np.bincount(inv, weights=w, minlength=len(ux))


class BGLikelihood:
    """The BG/NBD (``modified=False``) or MBG/NBD log-likelihood of one summary."""

    def __init__(self, x, t_x, T, w, modified: bool) -> None:
        self.modified = modified
        self.shift = 1.0 if modified else 0.0
        self.ux, inv, self.wx = _group_counts(x, w)
        self.has = np.ones(len(self.ux), dtype=bool) if modified else self.ux > 0
        second = self.has[inv]
        # customers without the second term (BG/NBD, x = 0): only T and the weight matter
        self.T0, self.w0 = T[~second], w[~second]
        self.x1, self.t_x1, self.T1 = x[second], t_x[second], T[second]
        self.w1, self.inv1 = w[second], inv[second]

    def objective(self, log_params: np.ndarray):
        """Negative log-likelihood and its gradient in log-parameters (for the optimiser)."""
        params = np.exp(log_params)
        with np.errstate(all="ignore"):
            ll, grad = self.log_likelihood(params)
        return -ll, -grad * params

    def log_likelihood(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        """Log-likelihood and its gradient in (r, alpha, a, b).

        Terms that depend on ``x`` alone (the gamma and digamma functions) are evaluated
        once per distinct purchase count; the second term (death after the last purchase)
        only for the customers who have it, as ``z = c2 - c1`` so that one ``exp`` and one
        ``log1p`` per customer give the log-sum and both weights.
        """
        r, alpha, a, b = (np.float64(p) for p in params)
        ux, wx, shift = self.ux, self.wx, self.shift
        psi_ab, psi_abx = psi(a + b), psi(a + b + ux + shift)
        ll = _sum(
            wx,
            gammaln(r + ux)
            - gammaln(r)
            + r * np.log(alpha)
            + gammaln(a + b)
            + gammaln(b + ux + shift)
            - gammaln(b)
            - gammaln(a + b + ux + shift),
        )
        g_r = _sum(wx, psi(r + ux) - psi(r) + np.log(alpha))
        g_alpha = r / alpha * wx.sum()
        g_a = _sum(wx, psi_ab - psi_abx)
        g_b = _sum(wx, psi_ab + psi(b + ux + shift) - psi(b) - psi_abx)
        denom = np.where(self.has, b + ux - 1 + shift, 1.0)
        log_ratio, inv_denom = np.log(a) - np.log(denom), 1.0 / denom
        for start in range(0, len(self.T0), CHUNK):
            T, w = self.T0[start : start + CHUNK], self.w0[start : start + CHUNK]
            log_t = np.log(alpha + T)
            ll -= r * _sum(w, log_t)
            g_r -= _sum(w, log_t)
            g_alpha -= r * _sum(w, 1.0 / (alpha + T))
        sum_w2 = 0.0
        for start in range(0, len(self.T1), CHUNK):
            part = slice(start, start + CHUNK)
            x, w, inv = self.x1[part], self.w1[part], self.inv1[part]
            log_t, log_tx = np.log(alpha + self.T1[part]), np.log(alpha + self.t_x1[part])
            d = log_t - log_tx
            rx = r + x
            z = log_ratio[inv] + rx * d
            e = np.exp(-np.abs(z))
            soft = np.maximum(z, 0.0) + np.log1p(e)  # log(1 + exp(z))
            share = 1.0 / (1.0 + e)
            w2 = w * np.where(z > 0, share, e * share)  # weight times sigmoid(z)
            ll += _sum(w, soft - rx * log_t)
            g_r += _sum(w2, d) - _sum(w, log_t)
            i_t, i_tx = 1.0 / (alpha + self.T1[part]), 1.0 / (alpha + self.t_x1[part])
            g_alpha += _sum(rx, (w2 - w) * i_t - w2 * i_tx)
            sum_w2 += float(w2.sum())
            g_b -= _sum(w2, inv_denom[inv])
        g_a += sum_w2 / a
        return ll, np.array([g_r, g_alpha, g_a, g_b])


def pareto_log_terms(params, x, t_x, T) -> tuple[np.ndarray, np.ndarray]:
    """The Pareto/NBD likelihood of each customer is ``C · (exp(first) + exp(second))``:
    ``first`` for "still alive at T", ``second`` for "died between t_x and T"; both in
    logs so that large counts and ages neither overflow nor underflow.

    Example
    -------
    >>> first, second = pareto_log_terms((0.553, 10.578, 0.606, 11.669), np.array([0.0]),
    ...                                  np.array([0.0]), np.array([38.86]))
    >>> round(float(1 / (1 + np.exp(second[0] - first[0]))), 3)  # P(alive)
    0.295
    """
    r, alpha, s, beta = (float(p) for p in params)
    rsx = r + s + x
    if alpha >= beta:
        big, param_b, low = alpha, s + 1, beta
    else:
        big, param_b, low = beta, r + x, alpha

    def log_term(u):
        return np.log(hyp2f1(rsx, param_b, rsx + 1, (big - low) / (big + u))) - rsx * np.log(
            big + u
        )

    with np.errstate(all="ignore"):
        at_tx, at_t = log_term(t_x), log_term(T)
        log_a0 = at_tx + np.log(-np.expm1(np.minimum(at_t - at_tx, 0.0)))
        first = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        second = np.log(s) - np.log(rsx) + log_a0
    return first, second

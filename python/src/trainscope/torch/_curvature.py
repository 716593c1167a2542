"""Hessian curvature of a PyTorch loss: top-k eigenpairs, trace, per-group traces, spectral density.

``loss`` is a zero-argument callable returning the scalar loss computed from ``params``, a list of
tensors that require grad (e.g. ``lambda: F.cross_entropy(model(x), y)`` and
``list(model.parameters())``). Vectors are flat ``[n]`` tensors in the params' dtype and device,
the params' elements concatenated in ``params`` order (``torch.cat([p.reshape(-1) ...])``); dot
products accumulate in float64. The algorithms are :mod:`trainscope.curvature`'s.

Hessian-vector products (``hvp=``), all exact:

* ``"torch.func"``: reverse-over-reverse in :mod:`torch.func`: ``vjp`` of ``grad`` of the loss as
  a function of the flat parameters, linearized once per call so each product is one backward
  pass through the saved graph (H is symmetric, so ``vjp`` = H·v).
* ``"torch.func-jvp"``: forward-over-reverse, ``jvp`` of ``grad``; nothing is kept between
  products (least memory), but each product reruns forward and backward with tangents: about
  4.5–5× a gradient on the grokking MLP on CPU with torch 2.13, against about 2× for the other two
  (Benchmarks/python_curvature.py), which is why it is not the default.
* ``"double-backward"``: ``torch.autograd.grad(create_graph=True)`` once, then one
  ``torch.autograd.grad`` per product through that graph. Runs any loss autograd can differentiate twice.
* ``"auto"`` (default): ``"torch.func"``, checked once against autograd's gradient; where
  torch.func cannot run the loss (an ``autograd.Function`` without ``setup_context``, a module
  that updates buffers in place such as BatchNorm in train mode) or disagrees,
  ``"double-backward"``. The choice is remembered per ``loss`` callable.

The loss is made a function of the flat vector by a :class:`~torch.overrides.TorchFunctionMode`
that hands each torch function the matching slice wherever it receives one of ``params``, so
any ``loss`` closure works, with no ``functional_call``. Every evaluation of ``loss`` runs with
the global RNG forked and seeded from ``seed``: dropout draws the same masks in every product
(one Hessian, not a different one per product) and the caller's generator is left as it was.
"""

from __future__ import annotations

import contextlib
import weakref
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, MutableMapping, Optional, Sequence, Tuple, Union

import torch
from torch.overrides import TorchFunctionMode

from ..curvature import TraceEstimate, hutch_plus_plus_trace, hutchinson_block_traces, hutchinson_trace, spectral_density, top_eigenpairs

__all__ = ["hessian_density", "hessian_top_k", "hessian_trace", "hessian_trace_by_group"]

Tensor = torch.Tensor
HVP_MODES = ("auto", "torch.func", "torch.func-jvp", "double-backward")
Groups = Union[Mapping[str, Sequence[Tensor]], torch.nn.Module, Iterable[Tuple[str, Tensor]]]

#: The mode "auto" settled on for a loss callable, so repeated calls skip the check.
_DECIDED: "MutableMapping[Callable[[], Tensor], str]" = weakref.WeakKeyDictionary()


#: The most bytes TorchSpace spends on a float64 copy of a growing basis (see ``TorchSpace.dots``).
BASIS_CACHE_BYTES = 256 << 20


class TorchSpace:
    """:class:`~trainscope.curvature.VectorSpace` of flat ``[n]`` tensors; random vectors from its own seeded generator."""

    def __init__(self, dimension: int, dtype: torch.dtype, device: torch.device, seed: int) -> None:
        self.dimension = dimension
        self._dtype = dtype
        self._device = device
        self._generator = torch.Generator(device=device)
        self._generator.manual_seed(int(seed))
        self._held: List[Tensor] = []
        self._rows = torch.empty(0, dimension, dtype=torch.float64, device=device)

    def dot(self, a: Tensor, b: Tensor) -> float:
        """aᵀb in float64."""
        return float(torch.dot(a.to(torch.float64), b.to(torch.float64)))

    def _matrix(self, vectors: Sequence[Tensor]) -> Optional[Tensor]:
        """The float64 rows ``[m, n]`` of ``vectors`` when they extend the ones seen last, else None.

        Lanczos and Gram–Schmidt pass the same growing basis on every step; keeping its float64
        copy turns each pass into one matrix-vector product instead of m conversions. The
        tensors are held, so an id cannot be reused while it stands for a row.
        """
        held = len(self._held)
        if len(vectors) < held or any(v is not h for v, h in zip(vectors, self._held)):
            self._held, held = [], 0
        if len(vectors) * self.dimension * 8 > BASIS_CACHE_BYTES:
            self._held = []
            self._rows = self._rows[:0]
            return None
        if len(vectors) > self._rows.shape[0]:
            grown = torch.empty(max(2 * self._rows.shape[0], len(vectors), 8), self.dimension, dtype=torch.float64,
                                device=self._device)
            grown[:held] = self._rows[:held]
            self._rows = grown
        for index in range(held, len(vectors)):
            self._rows[index] = vectors[index]
            self._held.append(vectors[index])
        return self._rows[: len(vectors)]

    def dots(self, vectors: Sequence[Tensor], w: Tensor) -> List[float]:
        """[vᵀw for v in vectors] in float64."""
        if not vectors:
            return []
        matrix = self._matrix(vectors)
        w64 = w.to(torch.float64)
        if matrix is None:
            return [float(torch.dot(v.to(torch.float64), w64)) for v in vectors]
        result: List[float] = torch.mv(matrix, w64).tolist()
        return result

    def combine(self, coefficients: Sequence[float], vectors: Sequence[Tensor]) -> Tensor:
        """Σ cᵢ vᵢ."""
        if len(vectors) == len(self._held) and vectors and all(v is h for v, h in zip(vectors, self._held)):
            weights = torch.tensor(list(coefficients), dtype=torch.float64, device=self._device)
            return torch.mv(self._rows[: len(vectors)].t(), weights).to(self._dtype)
        out = torch.zeros(self.dimension, dtype=self._dtype, device=self._device)
        for c, v in zip(coefficients, vectors):
            out.add_(v, alpha=float(c))
        return out

    def axpy(self, alpha: float, x: Tensor, y: Tensor) -> Tensor:
        """y + αx."""
        return torch.add(y, x, alpha=float(alpha))

    def scale(self, alpha: float, x: Tensor) -> Tensor:
        """αx."""
        return x * float(alpha)

    def rademacher(self) -> Tensor:
        """Independent ±1 entries."""
        bits = torch.randint(0, 2, (self.dimension,), generator=self._generator, device=self._device)
        return bits.to(self._dtype).mul_(2).sub_(1)

    def gaussian(self) -> Tensor:
        """Independent standard normal entries."""
        return torch.randn(self.dimension, generator=self._generator, device=self._device, dtype=self._dtype)


class _Substitution(TorchFunctionMode):
    """Replaces each of a set of tensors, wherever a torch function receives it, by a stand-in."""

    def __init__(self, stand_ins: Dict[int, Tensor]) -> None:
        super().__init__()
        self._stand_ins = stand_ins

    def _swap(self, value: Any) -> Any:
        if isinstance(value, Tensor):
            return self._stand_ins.get(id(value), value)
        if isinstance(value, (list, tuple)):
            return type(value)(self._swap(v) for v in value)
        if isinstance(value, dict):
            return {k: self._swap(v) for k, v in value.items()}
        return value

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        return func(*self._swap(args), **self._swap(kwargs or {}))


class HessianOperator:
    """The Hessian of ``loss()`` with respect to ``params`` as a symmetric operator on flat vectors ``[n]``."""

    def __init__(self, loss: Callable[[], Tensor], params: Sequence[Tensor], hvp: str = "auto", seed: int = 0) -> None:
        if hvp not in HVP_MODES:
            raise ValueError(f"hvp must be one of {', '.join(HVP_MODES)}; got {hvp!r}")
        self.params = list(params)
        if not self.params:
            raise ValueError("params is empty: the Hessian needs at least one tensor")
        for p in self.params:
            if not isinstance(p, Tensor) or not p.requires_grad:
                raise ValueError("every entry of params must be a tensor that requires grad")
        self.loss = loss
        self.seed = int(seed)
        self.dtype = self.params[0].dtype
        self.device = self.params[0].device
        self.shapes = [p.shape for p in self.params]
        self.sizes = [p.numel() for p in self.params]
        self.dimension = sum(self.sizes)
        self.flat = torch.cat([p.detach().reshape(-1).to(self.dtype) for p in self.params])
        self.requested = hvp
        #: The product actually used ("torch.func", "torch.func-jvp" or "double-backward"), set by the first product.
        self.mode: Optional[str] = None
        #: Products computed.
        self.products = 0
        self._cuda = sorted({p.device.index or 0 for p in self.params if p.device.type == "cuda"})
        self._vjp: Optional[Callable[[Tensor], Tuple[Tensor, ...]]] = None
        self._grads: Optional[List[Tensor]] = None

    def views(self, flat: Tensor) -> List[Tensor]:
        """``flat`` ``[n]`` as tensors shaped (and typed) like ``params``."""
        return [t.view(shape).to(p.dtype) for t, shape, p in zip(torch.split(flat, self.sizes), self.shapes, self.params)]

    @contextlib.contextmanager
    def _seeded(self) -> Iterator[None]:
        with torch.random.fork_rng(devices=self._cuda):
            torch.default_generator.manual_seed(self.seed)
            for index in self._cuda:
                torch.cuda.default_generators[index].manual_seed(self.seed)
            yield

    def _functional(self, flat: Tensor) -> Tensor:
        stand_ins = {id(p): view for p, view in zip(self.params, self.views(flat))}
        with self._seeded(), _Substitution(stand_ins):
            return self.loss()

    def __call__(self, v: Tensor) -> Tensor:
        """H·v for a flat ``[n]`` vector."""
        if self.mode is None:
            self._prepare()
        self.products += 1
        if self.mode == "torch.func":
            assert self._vjp is not None
            return self._vjp(v)[0].detach()
        if self.mode == "torch.func-jvp":
            tangent: Tensor = torch.func.jvp(torch.func.grad(self._functional), (self.flat,), (v,))[1]
            return tangent.detach()
        return self._double_backward(v)

    def _prepare(self) -> None:
        """Settles the product: torch.func where asked and able (checked against autograd under "auto")."""
        automatic = self.requested == "auto"
        requested = self._recalled() if automatic else self.requested
        if requested in ("torch.func-jvp", "double-backward"):
            self.mode = requested
            return
        try:
            with torch.enable_grad():
                linearized = torch.func.vjp(torch.func.grad(self._functional), self.flat)
            gradient: Tensor = linearized[0]
            self._vjp = linearized[1]
        except Exception:
            if not automatic:
                raise
            self._use_double_backward()
            return
        if requested == "auto":
            reference = torch.cat([g.detach().reshape(-1).to(self.dtype) for g in self._gradient_graph()])
            tolerance = 1e-5 * float(reference.abs().max()) + 1e-30
            if not torch.allclose(gradient.detach(), reference.detach(), rtol=1e-3, atol=tolerance):
                self._use_double_backward()
                return
            self._grads = None
            self._remember("torch.func")
        self.mode = "torch.func"

    def _use_double_backward(self) -> None:
        self._vjp = None
        self.mode = "double-backward"
        self._remember("double-backward")

    def _recalled(self) -> str:
        try:
            return _DECIDED.get(self.loss, "auto")
        except TypeError:  # not weakly referenceable
            return "auto"

    def _remember(self, mode: str) -> None:
        try:
            _DECIDED[self.loss] = mode
        except TypeError:  # not weakly referenceable
            pass

    def _gradient_graph(self) -> List[Tensor]:
        """∂loss/∂params with their graph kept (computed once); zeros for params the loss ignores."""
        if self._grads is None:
            with torch.enable_grad(), self._seeded():
                value = self.loss()
                grads = torch.autograd.grad(value, self.params, create_graph=True, allow_unused=True)
            self._grads = [torch.zeros_like(p) if g is None else g for g, p in zip(grads, self.params)]
        return self._grads

    def _double_backward(self, v: Tensor) -> Tensor:
        grads = self._gradient_graph()
        pairs = [(g, p, t) for g, p, t in zip(grads, self.params, self.views(v)) if g.requires_grad]
        out = [torch.zeros(n, dtype=self.dtype, device=self.device) for n in self.sizes]
        if pairs:
            with torch.enable_grad():
                products = torch.autograd.grad([g for g, _, _ in pairs], [p for _, p, _ in pairs],
                                               grad_outputs=[t for _, _, t in pairs], retain_graph=True, allow_unused=True)
            where = {id(p): i for i, p in enumerate(self.params)}
            for (_, p, _), hv in zip(pairs, products):
                if hv is not None:
                    out[where[id(p)]] = hv.detach().reshape(-1).to(self.dtype)
        return torch.cat(out)

    def flatten(self, vector: Union[Tensor, Sequence[Tensor]]) -> Tensor:
        """A flat ``[n]`` vector from a flat tensor or from tensors shaped like ``params``."""
        if isinstance(vector, Tensor):
            flat = vector.detach().reshape(-1)
        else:
            flat = torch.cat([t.detach().reshape(-1) for t in vector])
        if flat.numel() != self.dimension:
            raise ValueError(f"a vector of {flat.numel()} elements for {self.dimension} parameters")
        return flat.to(dtype=self.dtype, device=self.device)

    def space(self, seed: int) -> TorchSpace:
        """The vector space of this operator's vectors, drawing from a generator seeded with ``seed``."""
        return TorchSpace(self.dimension, self.dtype, self.device, seed)


def hessian_top_k(loss: Callable[[], Tensor], params: Sequence[Tensor], k: int = 3, tol: float = 1e-3,
                  init: Optional[Sequence[Union[Tensor, Sequence[Tensor]]]] = None, max_iterations: int = 100,
                  seed: int = 0, *, hvp: str = "auto") -> Tuple[List[float], List[Tensor]]:
    """The ``k`` largest Hessian eigenvalues (descending) and unit eigenvectors (flat ``[n]`` tensors).

    Lanczos to ‖Hv − λv‖ ≤ tol·|λ| (see :func:`trainscope.curvature.top_eigenpairs`), warm-started
    from ``init`` (previous eigenvectors, flat or shaped like ``params``) when given; at most
    ``max_iterations`` Hessian-vector products.
    """
    operator = HessianOperator(loss, params, hvp, seed)
    start = [operator.flatten(v) for v in init] if init else None
    found = top_eigenpairs(operator.space(seed), operator, k, tol, start, max_iterations)
    return found.values, found.vectors


def hessian_trace(loss: Callable[[], Tensor], params: Sequence[Tensor], probes: int = 30, method: str = "hutch++",
                  seed: int = 0, *, hvp: str = "auto") -> Tuple[float, float]:
    """(estimate, standard error) of tr(H) from ``probes`` Hessian-vector products, by ``"hutch++"`` or ``"hutchinson"``."""
    operator = HessianOperator(loss, params, hvp, seed)
    estimate = _trace(operator, probes, method, seed)
    return estimate.value, estimate.stderr


def _trace(operator: HessianOperator, probes: int, method: str, seed: int) -> TraceEstimate:
    if method == "hutch++":
        return hutch_plus_plus_trace(operator.space(seed), operator, probes)
    if method == "hutchinson":
        return hutchinson_trace(operator.space(seed), operator, probes)
    raise ValueError(f"method must be 'hutch++' or 'hutchinson', got {method!r}")


def named_groups(groups: Groups) -> Dict[str, List[Tensor]]:
    """Parameter groups by name: a mapping as given; a module or ``named_parameters()`` pairs by layer
    (the name without its last component: ``blocks.0.attn.weight`` → ``blocks.0.attn``), trainable only."""
    if isinstance(groups, Mapping):
        return {str(name): list(tensors) for name, tensors in groups.items()}
    pairs = groups.named_parameters() if isinstance(groups, torch.nn.Module) else groups
    out: Dict[str, List[Tensor]] = {}
    for name, tensor in pairs:
        if tensor.requires_grad:
            out.setdefault(name.rsplit(".", 1)[0], []).append(tensor)
    return out


def hessian_trace_by_group(loss: Callable[[], Tensor], groups: Groups, probes: int = 30, method: str = "hutchinson",
                           seed: int = 0, *, hvp: str = "auto") -> Dict[str, Tuple[float, float]]:
    """(estimate, standard error) of tr(H_gg), the trace of each group's diagonal block of the Hessian.

    ``groups``: ``{name: [tensors]}``, a module, or ``named_parameters()`` pairs (grouped by layer,
    see :func:`named_groups`). ``"hutchinson"``: ``probes`` products shared by every group (each
    group's estimate uses its part of the same probes, so they add up to a trace estimate; see
    :func:`trainscope.curvature.hutchinson_block_traces`). ``"hutch++"``: Hutch++ on each block on
    its own, ``probes`` products per group.
    """
    named = named_groups(groups)
    params = [p for tensors in named.values() for p in tensors]
    if len({id(p) for p in params}) != len(params):
        raise ValueError("a tensor belongs to more than one group")
    operator = HessianOperator(loss, params, hvp, seed)
    bounds, start = [], 0
    for tensors in named.values():
        size = sum(p.numel() for p in tensors)
        bounds.append((start, start + size))
        start += size
    if method == "hutchinson":
        def parts(z: Tensor, hz: Tensor) -> List[float]:
            products = (z.to(torch.float64) * hz.to(torch.float64))
            return [float(products[lo:hi].sum()) for lo, hi in bounds]
        estimates = hutchinson_block_traces(operator.space(seed), operator, probes, parts, list(named))
        return {name: (e.value, e.stderr) for name, e in estimates.items()}
    if method != "hutch++":
        raise ValueError(f"method must be 'hutch++' or 'hutchinson', got {method!r}")
    out = {}
    for index, (name, (lo, hi)) in enumerate(zip(named, bounds)):
        def block(v: Tensor, lo: int = lo, hi: int = hi) -> Tensor:
            full = torch.zeros(operator.dimension, dtype=operator.dtype, device=operator.device)
            full[lo:hi] = v
            return operator(full)[lo:hi]
        space = TorchSpace(hi - lo, operator.dtype, operator.device, seed + index)
        estimate = hutch_plus_plus_trace(space, block, probes)
        out[name] = (estimate.value, estimate.stderr)
    return out


def hessian_density(loss: Callable[[], Tensor], params: Sequence[Tensor], probes: int = 10, steps: int = 80,
                    grid: Union[int, Sequence[float]] = 200, width: Optional[float] = None, seed: int = 0, *,
                    hvp: str = "auto") -> Tuple[List[float], List[float]]:
    """(grid, density) of the Hessian's eigenvalues by stochastic Lanczos quadrature, ``probes`` × ``steps`` products.

    ``grid``: a point count (spanning the Ritz values ± 3σ) or the points; ``width``: the Gaussian σ
    (default 1% of the Ritz value range). See :func:`trainscope.curvature.spectral_density`.
    """
    operator = HessianOperator(loss, params, hvp, seed)
    density = spectral_density(operator.space(seed), operator, probes, steps, grid, width)
    return density.grid, density.values

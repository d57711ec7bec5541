"""The contrastive loss of KaLM-Embedding-style training (docs/decoder_embeddings.md):
InfoNCE over in-batch and hard negatives with a temperature, optional focal reweighting of
hard examples and optional online hard-negative mixing.

- **InfoNCE**: query *i* against the positives of the whole batch plus every mined hard
  negative; the target is its own positive. Candidates of the query's own ``group`` (other
  sentences with the same label, say) are masked out: they are not negatives.
- **Focal reweighting** (``focal_gamma`` = γ > 0): each query's loss is multiplied by
  ``(1 - p_i)^γ`` with ``p_i`` the softmax probability of its positive, weight detached, so
  examples the model already gets right count less.
- **Hard-negative mixing** (``mix_negatives`` = K > 0): per query, the K highest-scoring
  negatives are mixed pairwise, ``normalise(α n_a + (1 - α) n_b)`` with ``α ~ U(0, 1)``, and the
  synthetic vectors (no gradient) are appended as extra negatives.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def info_nce(queries: torch.Tensor, positives: torch.Tensor,
             negatives: torch.Tensor | None = None, *, temperature: float = 0.05,
             focal_gamma: float = 0.0, mix_negatives: int = 0,
             groups: torch.Tensor | None = None,
             generator: torch.Generator | None = None) -> torch.Tensor:
    """Mean loss over the batch. ``queries``/``positives``: ``(B, D)``; ``negatives``:
    ``(B, K, D)`` hard negatives per query (all of them are candidates for every query);
    ``groups``: ``(B,)`` ints, same group = not a negative of each other. Vectors are
    L2-normalised here."""
    q = F.normalize(queries.float(), dim=-1)
    candidates = [F.normalize(positives.float(), dim=-1)]
    batch = q.shape[0]
    candidate_groups = [groups] if groups is not None else []
    if negatives is not None and negatives.numel():
        candidates.append(F.normalize(negatives.float(), dim=-1).reshape(-1, q.shape[1]))
        if groups is not None:  # a mined negative belongs to no query's group
            candidate_groups.append(torch.full((candidates[-1].shape[0],), -1,
                                               dtype=groups.dtype, device=groups.device))
    pool = torch.cat(candidates)
    logits = q @ pool.T / temperature
    target = torch.arange(batch, device=q.device)
    not_negative = torch.zeros_like(logits, dtype=torch.bool)
    if groups is not None:
        pool_groups = torch.cat(candidate_groups)
        not_negative = (groups[:, None] == pool_groups[None, :]) & (groups[:, None] >= 0)
        not_negative[target, target] = False
    logits = logits.masked_fill(not_negative, float("-inf"))
    if mix_negatives > 0:
        logits = torch.cat([logits, _mixed_negative_logits(q, pool, logits, not_negative,
                                                           mix_negatives, temperature,
                                                           generator)], dim=1)
    log_p = torch.log_softmax(logits, dim=1)[target, target]
    if focal_gamma > 0:
        weight = (1 - log_p.exp()).pow(focal_gamma).detach()
        return -(weight * log_p).mean()
    return -log_p.mean()


def _mixed_negative_logits(q: torch.Tensor, pool: torch.Tensor, logits: torch.Tensor,
                           not_negative: torch.Tensor, k: int, temperature: float,
                           generator: torch.Generator | None) -> torch.Tensor:
    """``(B, k)`` logits of synthetic negatives mixed from each query's k hardest ones."""
    batch = q.shape[0]
    scores = logits.detach().clone()
    scores[torch.arange(batch), torch.arange(batch)] = float("-inf")  # the positive
    scores = scores.masked_fill(not_negative, float("-inf"))
    k_eff = min(k, int(torch.isfinite(scores).sum(dim=1).min().item()))
    if k_eff < 2:
        return logits.new_zeros((batch, 0))
    hardest = scores.topk(k_eff, dim=1).indices  # (B, k_eff)
    first = torch.randint(0, k_eff, (batch, k), generator=generator)
    second = (first + torch.randint(1, k_eff, (batch, k), generator=generator)) % k_eff
    alpha = torch.rand((batch, k, 1), generator=generator)
    with torch.no_grad():
        a = pool[hardest.gather(1, first.to(hardest.device))]
        b = pool[hardest.gather(1, second.to(hardest.device))]
        mixed = F.normalize(alpha.to(a) * a + (1 - alpha.to(a)) * b, dim=-1)
    return torch.einsum("bd,bkd->bk", q, mixed) / temperature

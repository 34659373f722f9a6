"""Real extraction attacks against the digits API, each recorded query by query.

* Knockoff Nets (Orekondy et al. 2019), random and adaptive sampling, and
  CopycatCNN (Correia-Silva et al. 2018): IBM's Adversarial Robustness
  Toolbox runs them; the victim is wrapped as an ART ``BlackBoxClassifier``
  whose prediction function is the KServe endpoint, so every query the
  attack sends is logged for its client. The thief is a small PyTorch CNN
  (ART trains it; a scikit-learn model cannot be the thief).
* JbDA, Jacobian-based dataset augmentation (Papernot et al., "Practical
  Black-Box Attacks against Machine Learning", AsiaCCS 2017), written from the
  paper: start from a few real digits, label them through the API, train a
  substitute, then add x + lambda * sign(dF_{O(x)}(x)/dx) for every x in the
  set, with the step sign flipped every tau rounds (periodic step size), and
  repeat; each round doubles the set and queries the new points.
* T-RND (Juuti et al., PRADA, EuroS&P 2019), the randomised variant of the
  same loop: the perturbation of a random subset of features has random
  signs instead of the substitute's gradient signs, so it needs no model.

Every attack returns the list of its clients' names; the queries and answers
are in ``api.log``. :func:`agreement_after` trains a fresh copy of the
thief on the first k exchanges to tell how much of the victim an attacker
had stolen after k queries.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from prediction.clients import transfer_pool
from prediction.victim import N_CLASSES, N_FEATURES, PIXEL_MAX, DigitsAPI


def thief_network(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Unflatten(1, (1, 8, 8)),
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, N_CLASSES),
    )


def _art_thief(seed: int):
    from art.estimators.classification import PyTorchClassifier

    net = thief_network(seed)
    return PyTorchClassifier(model=net, loss=nn.CrossEntropyLoss(), optimizer=torch.optim.Adam(net.parameters(), lr=1e-3),
                             input_shape=(N_FEATURES,), nb_classes=N_CLASSES, clip_values=(0.0, PIXEL_MAX),
                             preprocessing=(0.0, PIXEL_MAX))


def _art_victim(api: DigitsAPI, client: str):
    from art.estimators.classification import BlackBoxClassifier

    # The API already answers probabilities (a softmax), which is what use_probability expects.
    return BlackBoxClassifier(lambda x: api.probabilities(client, x), input_shape=(N_FEATURES,),
                              nb_classes=N_CLASSES, clip_values=(0.0, PIXEL_MAX))


def knockoff(api: DigitsAPI, client: str, budget: int, seed: int, strategy: str) -> list[str]:
    from art.attacks.extraction import KnockoffNets

    rng = np.random.default_rng(seed)
    np.random.seed(seed)  # ART samples with the global numpy generator
    pool, kinds = transfer_pool(max(4 * budget, 2000), rng)
    attack = KnockoffNets(classifier=_art_victim(api, client), batch_size_fit=32, batch_size_query=32 if strategy == "random" else 1,
                          nb_epochs=10, nb_stolen=budget, sampling_strategy=strategy, reward="all", verbose=False,
                          use_probability=strategy == "random")
    # The adaptive strategy's actions are the attacker's own coarse labels of its pool.
    attack.extract(pool.astype(np.float32), y=kinds if strategy == "adaptive" else None, thieved_classifier=_art_thief(seed))
    return [client]


def copycat(api: DigitsAPI, client: str, budget: int, seed: int) -> list[str]:
    from art.attacks.extraction import CopycatCNN

    rng = np.random.default_rng(seed)
    np.random.seed(seed)
    pool, _ = transfer_pool(max(2 * budget, 2000), rng)
    attack = CopycatCNN(classifier=_art_victim(api, client), batch_size_fit=32, batch_size_query=32, nb_epochs=10,
                        nb_stolen=budget, use_probability=False)
    attack.extract(pool.astype(np.float32), thieved_classifier=_art_thief(seed))
    return [client]


def _train(net: nn.Module, x: np.ndarray, y: np.ndarray, epochs: int, seed: int) -> nn.Module:
    """Cross-entropy training on hard labels (y: int) or soft labels (y: probabilities)."""
    torch.manual_seed(seed)
    xt = torch.tensor(x / PIXEL_MAX, dtype=torch.float32)
    yt = torch.tensor(y, dtype=torch.long if y.ndim == 1 else torch.float32)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        for idx in torch.randperm(len(xt)).split(32):
            opt.zero_grad()
            loss_fn(net(xt[idx]), yt[idx]).backward()
            opt.step()
    return net


def _augmentation_attack(api: DigitsAPI, client: str, budget: int, seed: int, seeds: np.ndarray, *, jacobian: bool,
                         step: float = 0.1 * PIXEL_MAX, tau: int = 3, n_seed: int = 10) -> list[str]:
    """Papernot's augmentation loop; ``jacobian=False`` makes it T-RND."""
    rng = np.random.default_rng(seed)
    data = seeds[rng.choice(len(seeds), size=n_seed, replace=False)]
    labels = api.probabilities(client, data).argmax(axis=1)
    sent, rnd = len(data), 0
    while sent < budget:
        lam = step * (-1) ** (rnd // tau)  # periodic step size
        if jacobian:
            net = _train(thief_network(seed), data, labels, epochs=10, seed=seed + rnd)
            xt = torch.tensor(data / PIXEL_MAX, dtype=torch.float32, requires_grad=True)
            out = net(xt)
            out.gather(1, torch.tensor(labels).view(-1, 1)).sum().backward()
            direction = np.sign(xt.grad.numpy())
        else:
            mask = rng.random(data.shape) < 0.5
            direction = np.where(mask, rng.choice([-1.0, 1.0], size=data.shape), 0.0)
        new = np.clip(data + lam * direction, 0.0, PIXEL_MAX)[: budget - sent]
        new_labels = api.probabilities(client, new).argmax(axis=1)
        data, labels = np.vstack([data, new]), np.concatenate([labels, new_labels])
        sent += len(new)
        rnd += 1
    return [client]


def jbda(api: DigitsAPI, client: str, budget: int, seed: int, seeds: np.ndarray) -> list[str]:
    return _augmentation_attack(api, client, budget, seed, seeds, jacobian=True)


def t_rnd(api: DigitsAPI, client: str, budget: int, seed: int, seeds: np.ndarray) -> list[str]:
    return _augmentation_attack(api, client, budget, seed, seeds, jacobian=False)


def split_knockoff(api: DigitsAPI, client: str, budget: int, seed: int, accounts: int = 5) -> list[str]:
    """One Knockoff (random) attack whose queries are dealt round-robin over several accounts."""
    knockoff(api, client, budget, seed, "random")
    rows = api.log.pop(client)
    members = [f"{client}-{i}" for i in range(accounts)]
    for i, row in enumerate(rows):
        api.log.setdefault(members[i % accounts], []).append(row)
    return members


#: How each attack's thief learns from the answers: Knockoff random uses the
#: probabilities; the others train on labels.
USES_PROBABILITIES = {"knockoff-random": True, "split-knockoff": True}


def agreement_after(x: np.ndarray, answers: np.ndarray, k: int, api: DigitsAPI, test: np.ndarray, *,
                    soft: bool, seed: int = 0) -> float:
    """Share of test digits on which a copy trained on the first k exchanges agrees with the victim."""
    if k <= 0:
        return 1.0 / N_CLASSES
    y = answers[:k] if soft else answers[:k].argmax(axis=1)
    epochs = int(np.clip(4000 // max(k, 1), 10, 60))  # small sets get more passes, as a thief would
    net = _train(thief_network(seed), x[:k], y, epochs=epochs, seed=seed)
    with torch.no_grad():
        copy = net(torch.tensor(test / PIXEL_MAX, dtype=torch.float32)).argmax(axis=1).numpy()
    return float(np.mean(copy == api.labels_unlogged(test)))

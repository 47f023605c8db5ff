import numpy as np
from sklearn.linear_model import LogisticRegression

from medguide import bootstrap_auroc, load_splits, memoize

splits = load_splits("breastmnist")
train, test = splits["train"], splits["test"]
x_train = train.images.reshape(len(train), -1) / 255.0
x_test = test.images.reshape(len(test), -1) / 255.0
flip_rates = [0.0, 0.1, 0.2, 0.3]
n_draws = 5


@memoize
def malignancy_scores(x_train, y_train, x_test):
    model = LogisticRegression(solver="liblinear").fit(x_train, y_train)
    return model.predict_proba(x_test)[:, list(model.classes_).index(0)]


def flip_labels(labels, rate, seed):
    noisy = labels.copy()
    flipped = np.random.default_rng(seed).choice(
        labels.size, size=round(rate * labels.size), replace=False)
    noisy[flipped] = 1 - noisy[flipped]
    return noisy


print(f"{'flipped':>7} {'labels':>6} {'test AUROC, draw 0 (95% CI)':>29} "
      f"{'mean of draws':>13}")
results = {}
for rate in flip_rates:
    draws = []
    for seed in range(n_draws if rate else 1):
        noisy = flip_labels(train.labels, rate, seed)
        score = malignancy_scores(x_train, noisy, x_test)
        draws.append(bootstrap_auroc(test.labels, score, positive_label=0))
    results[rate] = draws
    first = draws[0]
    n_flipped = round(rate * len(train))
    print(f"{rate:>7.0%} {n_flipped:>6} {first.estimate:>11.3f} "
          f"({first.low:.3f}-{first.high:.3f}) "
          f"{np.mean([d.estimate for d in draws]):>13.3f}")

import numpy as np
from sklearn.linear_model import LogisticRegression

from medguide import adjust_for_prevalence, load_splits, memoize


@memoize
def fit_model(x, y):
    return LogisticRegression(C=0.1, max_iter=5000).fit(x, y)


splits = load_splits("breastmnist")
train, test = splits["train"], splits["test"]
model = fit_model(train.images.reshape(len(train), -1) / 255.0, train.labels)
risk = model.predict_proba(test.images.reshape(len(test), -1) / 255.0)[:, 0]

train_prevalence = float(np.mean(train.labels == 0))
target_prevalence = 0.05
adjusted = adjust_for_prevalence(risk, train_prevalence=train_prevalence,
                                 target_prevalence=target_prevalence)

rng = np.random.default_rng(0)
malignant = np.flatnonzero(test.labels == 0)
benign = np.flatnonzero(test.labels == 1)
mean_raw, mean_adjusted = [], []
for _ in range(500):
    keep = np.concatenate([rng.choice(malignant, 6, replace=False), benign])
    mean_raw.append(risk[keep].mean())
    mean_adjusted.append(adjusted[keep].mean())

print(f"training prevalence {train_prevalence:.3f}, deployment prevalence "
      f"{6 / (6 + benign.size):.3f} (6 malignant + {benign.size} benign)")
print(f"{'':<32}{'mean':>6}  2.5-97.5 percentile over 500 subsets")
for name, values in [("mean predicted risk, raw", mean_raw),
                     ("mean predicted risk, adjusted", mean_adjusted)]:
    low, high = np.percentile(values, [2.5, 97.5])
    print(f"{name:<32}{np.mean(values):6.3f}  {low:.3f} to {high:.3f}")
print(f"benign images given a risk of 30% or more: raw "
      f"{np.sum(risk[benign] >= 0.3)}, adjusted "
      f"{np.sum(adjusted[benign] >= 0.3)} of {benign.size}")

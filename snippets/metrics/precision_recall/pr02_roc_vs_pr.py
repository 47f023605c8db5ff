import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression

from medguide import (binary_auprc, binary_auroc, bootstrap_auprc,
                      bootstrap_auroc, load_splits, memoize,
                      plot_precision_recall, plot_roc)


@memoize
def fit_model(x, y):
    return LogisticRegression(C=0.1, max_iter=5000).fit(x, y)


splits = load_splits("breastmnist")
train, test = splits["train"], splits["test"]
model = fit_model(train.images.reshape(len(train), -1) / 255.0, train.labels)
score = model.predict_proba(test.images.reshape(len(test), -1) / 255.0)[:, 0]

malignant = np.flatnonzero(test.labels == 0)
benign = np.flatnonzero(test.labels == 1)
full_auroc = bootstrap_auroc(test.labels, score, positive_label=0)
full_auprc = bootstrap_auprc(test.labels, score, positive_label=0)

rng = np.random.default_rng(0)
rare_auroc, rare_auprc = [], []
for _ in range(200):
    keep = np.concatenate([rng.choice(malignant, 6, replace=False), benign])
    rare_auroc.append(binary_auroc(test.labels[keep], score[keep],
                                   positive_label=0))
    rare_auprc.append(binary_auprc(test.labels[keep], score[keep],
                                   positive_label=0))

rows = [("all 156 images", malignant.size / test.labels.size,
         full_auroc.estimate, full_auroc.low, full_auroc.high,
         full_auprc.estimate, full_auprc.low, full_auprc.high),
        ("6 malignant + 114 benign", 6 / (6 + benign.size),
         np.mean(rare_auroc), *np.percentile(rare_auroc, [2.5, 97.5]),
         np.mean(rare_auprc), *np.percentile(rare_auprc, [2.5, 97.5]))]
print(f"{'test set':<25}{'prevalence':>10}  {'AUROC':<17} AUPRC")
for name, prevalence, *values in rows:
    print(f"{name:<25}{prevalence:10.3f}  "
          f"{values[0]:.2f} ({values[1]:.2f}-{values[2]:.2f})  "
          f"{values[3]:.2f} ({values[4]:.2f}-{values[5]:.2f})")
print("first row: estimate and bootstrap 95% CI")
print("second row: mean and 2.5-97.5 percentiles over "
      f"{len(rare_auroc)} random draws")

keep = np.concatenate([malignant[:6], benign])
fig, axes = plt.subplots(2, 2, figsize=(9, 9), layout="constrained")
for row, (name, rows) in enumerate([("all 156 images", slice(None)),
                                    ("6 malignant + 114 benign", keep)]):
    plot_roc(test.labels[rows], score[rows], positive_label=0, name=name,
             ax=axes[row, 0])
    plot_precision_recall(test.labels[rows], score[rows], positive_label=0,
                          name=name, ax=axes[row, 1])

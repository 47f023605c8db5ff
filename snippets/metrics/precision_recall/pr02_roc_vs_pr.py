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

print("test set            prevalence  AUROC                AUPRC")
print(f"all 156 images      {malignant.size / test.labels.size:10.3f}  "
      f"{full_auroc.estimate:.2f} ({full_auroc.low:.2f}-{full_auroc.high:.2f})"
      f"     {full_auprc.estimate:.2f} ({full_auprc.low:.2f}-"
      f"{full_auprc.high:.2f})")
for name, values in [("AUROC", rare_auroc), ("AUPRC", rare_auprc)]:
    low, high = np.percentile(values, [2.5, 97.5])
    print(f"6 malignant + 114 benign, 200 draws: {name} mean "
          f"{np.mean(values):.2f} (2.5-97.5 percentile {low:.2f}-{high:.2f})")

keep = np.concatenate([malignant[:6], benign])
fig, axes = plt.subplots(2, 2, figsize=(9, 9), layout="constrained")
for row, (name, rows) in enumerate([("all 156 images", slice(None)),
                                    ("6 malignant + 114 benign", keep)]):
    plot_roc(test.labels[rows], score[rows], positive_label=0, name=name,
             ax=axes[row, 0])
    plot_precision_recall(test.labels[rows], score[rows], positive_label=0,
                          name=name, ax=axes[row, 1])

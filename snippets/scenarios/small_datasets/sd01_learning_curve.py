import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from medguide import bootstrap_auroc, load_splits, memoize

MALIGNANT = 0


@memoize
def subset_test_auroc(size, seed, train, test):
    images, labels = train
    if size < len(labels):
        images, _, labels, _ = train_test_split(
            images, labels, train_size=size, stratify=labels,
            random_state=seed)
    model = LogisticRegression(C=0.1, max_iter=2000)
    model.fit(images.reshape(len(images), -1) / 255, labels)
    scores = model.predict_proba(test[0].reshape(len(test[0]), -1) / 255)
    return bootstrap_auroc(test[1], scores[:, MALIGNANT],
                           positive_label=MALIGNANT)


splits = load_splits("breastmnist")
train = (splits["train"].images, splits["train"].labels)
test = (splits["test"].images, splits["test"].labels)

sizes = [30, 60, 120, 240, 546]
seeds = range(5)
print(f"{'training images':<16}{'test AUROC, draw 0':>22}"
      f"{'range over 5 draws':>21}")
curve = []
for size in sizes:
    results = [subset_test_auroc(size, seed, train, test)
               for seed in (seeds if size < 546 else [0])]
    first = results[0]
    values = [result.estimate for result in results]
    curve.append(first)
    spread = (f"{min(values):.2f} - {max(values):.2f}" if len(values) > 1
              else "all images")
    interval = f"({first.low:.2f}-{first.high:.2f})"
    print(f"{size:<16}{first.estimate:>10.2f} {interval}{spread:>21}")

fig, ax = plt.subplots(figsize=(5.5, 3.2), layout="constrained")
estimates = np.array([result.estimate for result in curve])
errors = np.array([[r.estimate - r.low, r.high - r.estimate]
                   for r in curve]).T
ax.errorbar(sizes, estimates, yerr=errors, marker="o", capsize=4)
ax.set_xscale("log")
ax.set_xticks(sizes, [str(size) for size in sizes])
ax.set_xlabel("training images (log scale)")
ax.set_ylabel("test AUROC, malignant")
ax.set_ylim(0.5, 1.0)
ax.grid(alpha=0.3)

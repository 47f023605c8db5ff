import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (RepeatedStratifiedKFold,
                                     StratifiedShuffleSplit)

from medguide import binary_auroc, load_splits, memoize

MALIGNANT = 0


@memoize
def fold_aurocs(splitter, images, labels):
    pixels = images.reshape(len(images), -1) / 255
    aurocs = []
    for train, test in splitter.split(pixels, labels):
        model = LogisticRegression(C=0.1, max_iter=2000)
        model.fit(pixels[train], labels[train])
        scores = model.predict_proba(pixels[test])[:, MALIGNANT]
        aurocs.append(binary_auroc(labels[test], scores,
                                   positive_label=MALIGNANT))
    return np.array(aurocs)


splits = load_splits("breastmnist")
images = np.concatenate([splits["train"].images, splits["val"].images])
labels = np.concatenate([splits["train"].labels, splits["val"].labels])

single = fold_aurocs(
    StratifiedShuffleSplit(n_splits=20, test_size=0.2, random_state=0),
    images, labels)
repeated = fold_aurocs(
    RepeatedStratifiedKFold(n_splits=5, n_repeats=4, random_state=0),
    images, labels).reshape(4, 5)
repeat_means = repeated.mean(axis=1)

print(f"{len(labels)} images, 20% held out each time\n")
print("20 single 80/20 splits, one AUROC each:")
print(f"  lowest {single.min():.2f}, highest {single.max():.2f}, "
      f"standard deviation {single.std(ddof=1):.3f}")
print("5-fold cross-validation repeated 4 times:")
print(f"  mean of all 20 folds {repeated.mean():.2f}, "
      f"standard deviation of folds {repeated.std(ddof=1):.3f}")
print(f"  the 4 repeat means range from {repeat_means.min():.2f} to "
      f"{repeat_means.max():.2f}")

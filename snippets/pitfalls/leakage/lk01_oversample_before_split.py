import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils import resample

from medguide import bootstrap_auroc, load_splits

splits = load_splits("breastmnist")
x = np.concatenate([s.images for s in splits.values()])
x = x.reshape(len(x), -1) / 255.0
y = np.concatenate([s.labels for s in splits.values()])


def oversample_malignant(indices):
    malignant, benign = indices[y[indices] == 0], indices[y[indices] == 1]
    extra = resample(malignant, n_samples=benign.size - malignant.size,
                     random_state=0)
    return np.concatenate([indices, extra])


balanced = oversample_malignant(np.arange(len(y)))
wrong_train, wrong_test = train_test_split(
    balanced, test_size=0.3, stratify=y[balanced], random_state=0)

right_train, right_test = train_test_split(
    np.arange(len(y)), test_size=0.3, stratify=y, random_state=0)
right_train = oversample_malignant(right_train)

print(f"{'order':<26} {'test images':>11} {'also in training':>17} "
      f"{'AUROC (95% CI)':>22}")
for name, train, test in [("oversample, then split", wrong_train, wrong_test),
                          ("split, then oversample", right_train, right_test)]:
    model = KNeighborsClassifier(n_neighbors=5).fit(x[train], y[train])
    malignancy = model.predict_proba(x[test])[:, list(model.classes_).index(0)]
    auc = bootstrap_auroc(y[test], malignancy, positive_label=0)
    seen = np.isin(test, train).sum()
    print(f"{name:<26} {test.size:>11} {seen:>17} "
          f"{auc.estimate:>8.3f} ({auc.low:.3f}-{auc.high:.3f})")

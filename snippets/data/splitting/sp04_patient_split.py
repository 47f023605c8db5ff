import numpy as np
from scipy import ndimage
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from medguide import bootstrap_auroc, load_splits, memoize, patient_split

splits = load_splits("breastmnist")
sources = np.concatenate([s.images for s in splits.values()])
source_labels = np.concatenate([s.labels for s in splits.values()])
views_per_patient = 3


@memoize
def make_views(images, n_views, seed):
    rng = np.random.default_rng(seed)
    views = []
    for image in images.astype(np.float32):
        for _ in range(n_views):
            view = ndimage.rotate(image, rng.uniform(-10, 10), reshape=False,
                                  mode="nearest")
            view = ndimage.shift(view, rng.uniform(-2, 2, size=2),
                                 mode="nearest")
            views.append(np.clip(view + rng.normal(0, 5, view.shape), 0, 255))
    return np.stack(views).reshape(len(views), -1) / 255.0


x = make_views(sources, views_per_patient, seed=0)
y = np.repeat(source_labels, views_per_patient)
patient = np.repeat(np.arange(len(sources)), views_per_patient)

by_image = train_test_split(np.arange(len(y)), test_size=0.25, stratify=y,
                            random_state=0)
by_patient = patient_split(y, patient, val_size=0, test_size=0.25,
                           random_state=0)

print(f"{len(sources)} patients, {len(y)} images, "
      "positive class 0 (malignant)")
print(f"{'split':<14} {'test images':>11} {'shared patients':>16} "
      f"{'AUROC (95% CI)':>22}")
patient_level = (by_patient.train, by_patient.test)
for name, (train, test) in [("image-level", by_image),
                            ("patient-level", patient_level)]:
    model = KNeighborsClassifier(n_neighbors=5).fit(x[train], y[train])
    malignancy = model.predict_proba(x[test])[:, list(model.classes_).index(0)]
    auc = bootstrap_auroc(y[test], malignancy, positive_label=0)
    shared = np.intersect1d(patient[train], patient[test]).size
    print(f"{name:<14} {test.size:>11} {shared:>16} "
          f"{auc.estimate:>8.3f} ({auc.low:.3f}-{auc.high:.3f})")

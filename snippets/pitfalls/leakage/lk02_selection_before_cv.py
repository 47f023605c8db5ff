import numpy as np
from scipy.stats import bootstrap
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline

from medguide import load_splits, memoize

splits = load_splits("breastmnist")
x = np.concatenate([s.images for s in splits.values()])
x = x.reshape(len(x), -1) / 255.0
y = np.concatenate([s.labels for s in splits.values()])
n_studies, n_images, n_pixels = 20, 60, 10


@memoize
def shuffled_label_auroc(x, y, n_studies, n_images, n_pixels):
    leaky, honest = [], []
    for seed in range(n_studies):
        rng = np.random.default_rng(seed)
        chosen = rng.choice(len(y), size=n_images, replace=False)
        x_study, y_study = x[chosen], rng.permutation(y[chosen])
        folds = StratifiedKFold(5, shuffle=True, random_state=seed)

        selector = SelectKBest(f_classif, k=n_pixels)
        selected = selector.fit_transform(x_study, y_study)
        leaky.append(cross_val_score(LogisticRegression(solver="liblinear"),
                                     selected, y_study, cv=folds,
                                     scoring="roc_auc").mean())

        pipeline = make_pipeline(SelectKBest(f_classif, k=n_pixels),
                                 LogisticRegression(solver="liblinear"))
        honest.append(cross_val_score(pipeline, x_study, y_study,
                                      cv=folds, scoring="roc_auc").mean())
    return np.array(leaky), np.array(honest)


leaky, honest = shuffled_label_auroc(x, y, n_studies, n_images, n_pixels)

print(f"{n_studies} studies of {n_images} images with shuffled labels; "
      f"{n_pixels} of 784 pixels selected")
print(f"{'feature selection':<34} {'mean 5-fold AUROC (95% CI)':>28}")
for name, values in [("on all images, then CV (leaky)", leaky),
                     ("inside each CV fold (Pipeline)", honest)]:
    ci = bootstrap((values,), np.mean, random_state=0).confidence_interval
    print(f"{name:<34} {values.mean():>10.3f} ({ci.low:.3f}-{ci.high:.3f})")

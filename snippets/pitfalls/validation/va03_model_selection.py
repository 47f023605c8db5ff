import numpy as np
from sklearn.linear_model import LogisticRegression

from medguide import binary_auroc, bootstrap_auroc, load_splits, memoize


@memoize
def fit_models(x, y, pixel_sets):
    return [LogisticRegression(C=0.1, max_iter=5000).fit(x[:, pixels], y)
            for pixels in pixel_sets]


splits = load_splits("breastmnist")
x = {name: split.images.reshape(len(split), -1) / 255.0
     for name, split in splits.items()}
y = {name: split.labels for name, split in splits.items()}

rng = np.random.default_rng(0)
pixel_sets = [np.sort(rng.choice(784, 10, replace=False)) for _ in range(40)]
models = fit_models(x["train"], y["train"], pixel_sets)


def auroc_on(split, index):
    score = models[index].predict_proba(x[split][:, pixel_sets[index]])[:, 0]
    return binary_auroc(y[split], score, positive_label=0)


val_auroc = [auroc_on("val", i) for i in range(len(models))]
test_auroc = [auroc_on("test", i) for i in range(len(models))]
picked_on_test = int(np.argmax(test_auroc))
picked_on_val = int(np.argmax(val_auroc))

print(f"{len(models)} configurations, each a logistic regression on 10 "
      "random pixels")
print(f"test AUROC over all configurations: mean {np.mean(test_auroc):.3f}, "
      f"range {min(test_auroc):.3f} to {max(test_auroc):.3f}")
for name, index in [("best on test, reported on test", picked_on_test),
                    ("best on validation, reported on test", picked_on_val)]:
    score = models[index].predict_proba(x["test"][:, pixel_sets[index]])[:, 0]
    result = bootstrap_auroc(y["test"], score, positive_label=0)
    print(f"{name:<37} (#{index:>2}): AUROC {result.estimate:.3f} "
          f"(95% CI {result.low:.3f} to {result.high:.3f})")

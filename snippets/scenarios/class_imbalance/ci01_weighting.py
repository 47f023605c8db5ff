import numpy as np
from sklearn.utils.class_weight import compute_sample_weight
from torch import nn

from medguide import (bootstrap_auroc, clinical_report, fit,
                      fit_threshold, load_splits, memoize, predict,
                      set_seed, weighted_sampler)

MALIGNANT = 0


@memoize
def malignancy_scores(strategy, train, val, test):
    set_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 2))
    options = {}
    if strategy == "class-weighted loss":
        options["class_weight"] = "balanced"
    if strategy == "weighted sampler":
        weights = compute_sample_weight("balanced", train[1])
        options["sampler"] = weighted_sampler(weights, seed=0)
    fit(model, train, val, epochs=40, lr=3e-3, patience=10, seed=0,
        **options)
    return (predict(model, val[0])[:, MALIGNANT],
            predict(model, test[0])[:, MALIGNANT])


splits = load_splits("breastmnist")
data = {name: (split.images, split.labels) for name, split in splits.items()}
y_val, y_test = data["val"][1], data["test"][1]
print(f"training set: {np.mean(data['train'][1] == MALIGNANT):.0%} malignant")

results = {}
for strategy in ["unweighted", "class-weighted loss", "weighted sampler"]:
    val_scores, test_scores = malignancy_scores(
        strategy, data["train"], data["val"], data["test"])
    point = fit_threshold(y_val, val_scores, positive_label=MALIGNANT,
                          method="sensitivity", target=0.9)
    results[strategy] = {
        "auroc": bootstrap_auroc(y_test, test_scores,
                                 positive_label=MALIGNANT),
        "default 0.5": clinical_report(y_test, test_scores, threshold=0.5,
                                       positive_label=MALIGNANT),
        "fitted": point.evaluate(y_test, test_scores),
    }


def ci(m):
    return f"{m.estimate:.2f} ({m.low:.2f}-{m.high:.2f})"


print(f"\n{'test set (156 images)':<22}{'AUROC':>17}")
for strategy, result in results.items():
    print(f"{strategy:<22}{ci(result['auroc']):>17}")
for operating_point in ["default 0.5", "fitted"]:
    title = ("threshold 0.5" if operating_point == "default 0.5"
             else "threshold for 90% validation sensitivity")
    print(f"\n{title}")
    print(f"{'':<22}{'sensitivity':>17}{'specificity':>18}")
    for strategy, result in results.items():
        report = result[operating_point]
        print(f"{strategy:<22}{ci(report.sensitivity):>17}"
              f"{ci(report.specificity):>18}")

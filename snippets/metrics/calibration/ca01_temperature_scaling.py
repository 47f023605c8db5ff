import numpy as np
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from medguide import (TemperatureScaler, brier_score,
                      expected_calibration_error, load_splits, memoize,
                      plot_reliability, stratified_resample_indices)


@memoize
def fit_model(x, y):
    return LogisticRegression(C=100.0, max_iter=20000).fit(x, y)


def ece(is_malignant, probability):
    return expected_calibration_error(is_malignant, probability,
                                      positive_label=1).value


splits = load_splits("breastmnist")
pixels = {name: split.images.reshape(len(split), -1) / 255.0
          for name, split in splits.items()}
is_malignant = {name: (split.labels == 0).astype(int)
                for name, split in splits.items()}
model = fit_model(pixels["train"], splits["train"].labels)
logit = {name: -model.decision_function(x) for name, x in pixels.items()}

scaler = TemperatureScaler().fit(logit["val"], is_malignant["val"])
y_test = is_malignant["test"]
before = expit(logit["test"])
after = scaler.transform(logit["test"])

resamples = stratified_resample_indices(y_test, positive_label=1,
                                        n_resamples=300, seed=0)
gains = [ece(y_test[i], before[i]) - ece(y_test[i], after[i])
         for i in resamples]
low, high = np.percentile(gains, [2.5, 97.5])

print(f"temperature fitted on {len(is_malignant['val'])} validation images: "
      f"T = {scaler.temperature:.2f}")
print(f"{'':<28}{'raw':>8}{'scaled':>8}")
print(f"{'ECE (10 bins)':<28}{ece(y_test, before):8.3f}"
      f"{ece(y_test, after):8.3f}")
print(f"{'Brier score':<28}"
      f"{brier_score(y_test, before, positive_label=1):8.3f}"
      f"{brier_score(y_test, after, positive_label=1):8.3f}")
print(f"ECE reduction {ece(y_test, before) - ece(y_test, after):.3f} "
      f"(95% CI {low:.3f} to {high:.3f}, paired stratified bootstrap, "
      f"{len(resamples)} resamples)")

fig = plot_reliability(y_test, before, positive_label=1, name="raw")
plot_reliability(y_test, after, positive_label=1, name="temperature-scaled",
                 axes=tuple(fig.axes[:2]))

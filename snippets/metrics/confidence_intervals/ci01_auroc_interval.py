import matplotlib.pyplot as plt
from sklearn.linear_model import LogisticRegression

from medguide import bootstrap_auroc, fit_threshold, load_splits, memoize


@memoize
def fit_model(x, y):
    return LogisticRegression(C=0.1, max_iter=5000).fit(x, y)


splits = load_splits("breastmnist")
train, val, test = splits["train"], splits["val"], splits["test"]
model = fit_model(train.images.reshape(len(train), -1) / 255.0, train.labels)
x_val = val.images.reshape(len(val), -1) / 255.0
x_test = test.images.reshape(len(test), -1) / 255.0
val_score = model.predict_proba(x_val)[:, 0]
test_score = model.predict_proba(x_test)[:, 0]

auroc = bootstrap_auroc(test.labels, test_score, positive_label=0, seed=0)
report = fit_threshold(val.labels, val_score, positive_label=0).evaluate(
    test.labels, test_score)

print(f"without an interval: AUROC {auroc.estimate:.2f}, "
      f"sensitivity {report.sensitivity.estimate:.2f}")
print(f"with 95% intervals:  AUROC {auroc.estimate:.2f} "
      f"({auroc.low:.2f} to {auroc.high:.2f}), sensitivity "
      f"{report.sensitivity.estimate:.2f} ({report.sensitivity.low:.2f} to "
      f"{report.sensitivity.high:.2f})")
print(f"interval widths: AUROC {auroc.high - auroc.low:.2f} from "
      f"{len(test)} images, sensitivity "
      f"{report.sensitivity.high - report.sensitivity.low:.2f} from "
      f"{report.tp + report.fn} malignant images")

fig, ax = plt.subplots(figsize=(6, 3.2), layout="constrained")
ax.hist(auroc.distribution, bins=40, color="#0072B2")
for value in (auroc.low, auroc.high):
    ax.axvline(value, color="black", linestyle="--")
ax.axvline(auroc.estimate, color="#D55E00")
ax.set_xlabel("AUROC on a bootstrap resample of the 156 test images")
ax.set_ylabel("resamples")

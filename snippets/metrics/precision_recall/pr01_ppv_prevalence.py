import numpy as np
from sklearn.linear_model import LogisticRegression

from medguide import fit_threshold, load_splits, memoize


@memoize
def fit_model(x, y):
    return LogisticRegression(C=0.1, max_iter=5000).fit(x, y)


def ppv(sensitivity, specificity, prevalence):
    true_positive = sensitivity * prevalence
    false_positive = (1 - specificity) * (1 - prevalence)
    return true_positive / (true_positive + false_positive)


splits = load_splits("breastmnist")
train, val, test = splits["train"], splits["val"], splits["test"]
model = fit_model(train.images.reshape(len(train), -1) / 255.0, train.labels)
x_val = val.images.reshape(len(val), -1) / 255.0
x_test = test.images.reshape(len(test), -1) / 255.0
val_score = model.predict_proba(x_val)[:, 0]
test_score = model.predict_proba(x_test)[:, 0]

point = fit_threshold(val.labels, val_score, positive_label=0)
report = point.evaluate(test.labels, test_score)
print(f"threshold {point.threshold:.3f}, fitted on validation data")
print(report.sensitivity)
print(report.specificity)
print(f"test set, prevalence {(test.labels == 0).mean():.3f}: {report.ppv}")
print()

rng = np.random.default_rng(0)
is_malignant = test.labels == 0
flagged = point.apply(test_score)
benign = np.flatnonzero(~is_malignant)
print("prevalence  PPV by formula (range)  PPV measured, mean of 500 subsets")
for n_malignant in (13, 6):
    prevalence = n_malignant / (n_malignant + benign.size)
    measured = []
    for _ in range(500):
        chosen = rng.choice(np.flatnonzero(is_malignant), n_malignant, False)
        keep = np.concatenate([chosen, benign])
        hits = np.sum(is_malignant[keep] & flagged[keep])
        measured.append(hits / np.sum(flagged[keep]))
    ends = [ppv(getattr(report.sensitivity, end),
                getattr(report.specificity, end), prevalence)
            for end in ("estimate", "low", "high")]
    print(f"{prevalence:10.3f}  {ends[0]:.2f} ({ends[1]:.2f} to {ends[2]:.2f})"
          f"{np.mean(measured):21.2f}")

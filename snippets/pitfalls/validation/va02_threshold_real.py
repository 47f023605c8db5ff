from sklearn.linear_model import LogisticRegression

from medguide import fit_threshold, load_splits, memoize


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

honest = fit_threshold(val.labels, val_score, positive_label=0)
optimistic = fit_threshold(test.labels, test_score, positive_label=0)

for name, point in [("re-tuned on test", optimistic),
                    ("fitted on validation", honest)]:
    report = point.evaluate(test.labels, test_score)
    youden = report.sensitivity.estimate + report.specificity.estimate - 1
    print(f"{name} (threshold {point.threshold:.3f}), Youden J {youden:.2f}")
    print(f"  {report.sensitivity}")
    print(f"  {report.specificity}")

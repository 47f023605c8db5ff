from sklearn.linear_model import LogisticRegression

from medguide import clinical_report, fit_threshold, load_splits, memoize


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

points = {
    "default 0.5": None,
    "screening": fit_threshold(val.labels, val_score, positive_label=0,
                               method="sensitivity", target=0.9),
    "confirmation": fit_threshold(val.labels, val_score, positive_label=0,
                                  method="specificity", target=0.95),
}
for name, point in points.items():
    if point is None:
        report = clinical_report(test.labels, test_score, positive_label=0,
                                 threshold=0.5)
    else:
        report = point.evaluate(test.labels, test_score)
    print(f"{name} (threshold {report.threshold:.3f}): missed cancers "
          f"{report.fn}/{report.tp + report.fn}, false alarms "
          f"{report.fp}/{report.fp + report.tn}")
    for metric in (report.sensitivity, report.specificity, report.ppv):
        print(f"  {metric}")

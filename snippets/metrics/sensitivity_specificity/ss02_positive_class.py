from sklearn.linear_model import LogisticRegression

from medguide import clinical_report, load_splits, memoize


@memoize
def fit_model(x, y):
    return LogisticRegression(C=0.1, max_iter=5000).fit(x, y)


splits = load_splits("breastmnist")
train, test = splits["train"], splits["test"]
x_train = train.images.reshape(len(train), -1) / 255.0
x_test = test.images.reshape(len(test), -1) / 255.0

model = fit_model(x_train, train.labels)
probability = model.predict_proba(x_test)

default = clinical_report(test.labels, probability[:, 1], positive_label=1,
                          threshold=0.5)
malignant = clinical_report(test.labels, probability[:, 0], positive_label=0,
                            threshold=0.5)

print(f"{'metric':<12} {'positive = 1 (benign)':<24} "
      f"{'positive = 0 (malignant)':<24}")
for name in ("sensitivity", "specificity", "ppv", "npv"):
    cells = []
    for report in (default, malignant):
        metric = getattr(report, name)
        cells.append(f"{metric.estimate:.2f} "
                     f"({metric.low:.2f}-{metric.high:.2f})")
    print(f"{name:<12} {cells[0]:<24} {cells[1]:<24}")
print(f"malignant tumours missed: {malignant.fn} of "
      f"{malignant.tp + malignant.fn}")

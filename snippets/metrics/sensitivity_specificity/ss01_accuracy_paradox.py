from scipy.stats import binomtest
from sklearn.dummy import DummyClassifier

from medguide import clinical_report, load_splits

print(f"{'dataset':<15} {'accuracy (95% CI)':<22} {'sensitivity':<22} "
      f"{'specificity':<22}")
for name, positive in [("breastmnist", 0), ("pneumoniamnist", 1)]:
    splits = load_splits(name)
    train, test = splits["train"], splits["test"]
    x_train = train.images.reshape(len(train), -1)
    x_test = test.images.reshape(len(test), -1)

    majority = DummyClassifier(strategy="prior").fit(x_train, train.labels)
    predicted = majority.predict(x_test)
    score = majority.predict_proba(x_test)[:, positive]

    correct = int((predicted == test.labels).sum())
    accuracy = binomtest(correct, len(test)).proportion_ci(method="wilson")
    report = clinical_report(test.labels, score, positive_label=positive,
                             threshold=0.5)

    cells = [f"{correct / len(test):.2f} "
             f"({accuracy.low:.2f}-{accuracy.high:.2f})"]
    for metric in (report.sensitivity, report.specificity):
        cells.append(f"{metric.estimate:.2f} "
                     f"({metric.low:.2f}-{metric.high:.2f})")
    print(f"{name:<15} " + " ".join(f"{cell:<22}" for cell in cells))
    print(f"{'':<15} predicts {train.info.label_names[predicted[0]]!r} "
          f"for all {len(test)} test images")

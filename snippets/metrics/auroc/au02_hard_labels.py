import warnings

from sklearn.linear_model import LogisticRegression

from medguide import ScoreWarning, bootstrap_auroc, load_splits, memoize


@memoize
def fit_model(x, y):
    return LogisticRegression(C=0.1, max_iter=5000).fit(x, y)


splits = load_splits("breastmnist")
train, test = splits["train"], splits["test"]
x_train = train.images.reshape(len(train), -1) / 255.0
x_test = test.images.reshape(len(test), -1) / 255.0

model = fit_model(x_train, train.labels)
malignancy = model.predict_proba(x_test)[:, 0]
predicted_malignant = (model.predict(x_test) == 0).astype(float)

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", ScoreWarning)
    from_labels = bootstrap_auroc(test.labels, predicted_malignant,
                                  positive_label=0)
from_scores = bootstrap_auroc(test.labels, malignancy, positive_label=0)

for name, result in [("hard labels", from_labels), ("scores", from_scores)]:
    print(f"AUROC from {name:<11}: {result.estimate:.3f} "
          f"(95% CI {result.low:.3f} to {result.high:.3f})")
print(f"distinct values: {len(set(predicted_malignant))} hard labels, "
      f"{len(set(malignancy))} scores")
print("medguide warned:", str(caught[0].message).split(". ")[0] + ".")

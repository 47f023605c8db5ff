from scipy.stats import binomtest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix

from medguide import load_splits

splits = load_splits("breastmnist")
train, test = splits["train"], splits["test"]
x_train = train.images.reshape(len(train), -1) / 255.0
x_test = test.images.reshape(len(test), -1) / 255.0

model = LogisticRegression(max_iter=5000).fit(x_train, train.labels)
predicted = model.predict(x_test)


def sensitivity(positive):
    hits = int(((predicted == positive) & (test.labels == positive)).sum())
    cases = int((test.labels == positive).sum())
    ci = binomtest(hits, cases).proportion_ci(0.95, method="wilson")
    return hits, cases, hits / cases, ci


print("Confusion matrix (rows: true 0 malignant, 1 benign; columns: predicted):")
print(confusion_matrix(test.labels, predicted, labels=[0, 1]))
for positive, meaning in [(1, "label 1 (normal or benign)"), (0, "label 0 (malignant)")]:
    hits, cases, value, ci = sensitivity(positive)
    print(f"sensitivity with positive = {meaning}: {hits}/{cases} = {value:.2f}"
          f" (95% CI {ci.low:.2f} to {ci.high:.2f})")

from sklearn.linear_model import LogisticRegression

from medguide import bootstrap_auroc, compare_auroc, load_splits, memoize


@memoize
def fit_model(x, y, strength):
    return LogisticRegression(C=strength, max_iter=5000).fit(x, y)


splits = load_splits("breastmnist")
train, test = splits["train"], splits["test"]
x_train = train.images.reshape(len(train), -1) / 255.0
x_test = test.images.reshape(len(test), -1) / 255.0

scores = {}
for strength in (0.01, 0.1, 1.0):
    model = fit_model(x_train, train.labels, strength)
    scores[strength] = model.predict_proba(x_test)[:, 0]
    auroc = bootstrap_auroc(test.labels, scores[strength], positive_label=0)
    print(f"model C={strength:<4}: AUROC {auroc.estimate:.3f} "
          f"(95% CI {auroc.low:.3f} to {auroc.high:.3f})")
print()

for a, b in [(0.1, 0.01), (1.0, 0.1)]:
    result = compare_auroc(test.labels, scores[a], scores[b], positive_label=0)
    difference = result.difference
    print(f"C={a} minus C={b}: {difference.estimate:+.3f} (95% CI "
          f"{difference.low:+.3f} to {difference.high:+.3f}), "
          f"DeLong p = {result.p_value:.3f}")

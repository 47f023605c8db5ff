from sklearn.linear_model import LogisticRegression

from medguide import bootstrap_auroc, load_splits, memoize, plot_roc


@memoize
def fit_model(x, y):
    return LogisticRegression(C=0.1, max_iter=5000).fit(x, y)


splits = load_splits("breastmnist")
train, test = splits["train"], splits["test"]
x_train = train.images.reshape(len(train), -1) / 255.0
x_test = test.images.reshape(len(test), -1) / 255.0

model = fit_model(x_train, train.labels)
malignancy = model.predict_proba(x_test)[:, 0]

auroc = bootstrap_auroc(test.labels, malignancy, positive_label=0, seed=0)
print(f"test images: {len(test)}, malignant: {int((test.labels == 0).sum())}")
print(f"AUROC {auroc.estimate:.3f} (95% CI {auroc.low:.3f} to "
      f"{auroc.high:.3f}, {auroc.n_resamples} stratified bootstrap resamples)")

fig = plot_roc(test.labels, malignancy, positive_label=0,
               name="logistic regression on pixels")

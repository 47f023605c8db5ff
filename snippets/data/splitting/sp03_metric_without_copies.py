import numpy as np
from scipy.stats import binomtest
from sklearn.linear_model import LogisticRegression

from medguide import audit_splits, bootstrap_auroc, load_splits, memoize

splits = load_splits("breastmnist")
train, test = splits["train"], splits["test"]
report = audit_splits({"train": train.images, "test": test.images})

copied = {pair.index_b for pair in report.near_duplicates}
for group in report.exact_duplicates_across:
    copied |= {index for split, index in group.members if split == "test"}
copied = np.array(sorted(copied))
unseen = np.setdiff1d(np.arange(len(test)), copied)


@memoize
def malignancy_scores(x_train, y_train, x_test):
    model = LogisticRegression(max_iter=5000).fit(x_train, y_train)
    return model.predict_proba(x_test)[:, list(model.classes_).index(0)]


score = malignancy_scores(
    train.images.reshape(len(train), -1) / 255.0,
    train.labels,
    test.images.reshape(len(test), -1) / 255.0,
)
correct = (score >= 0.5) == (test.labels == 0)

print(f"test images with a copy in training: {copied.size} of {len(test)}")
print(f"{'test images':<24} {'n':>4} {'AUROC (95% CI)':>22} "
      f"{'accuracy (95% CI)':>22}")
for name, rows in [("all", np.arange(len(test))), ("without copies", unseen),
                   ("copies only", copied)]:
    hits = int(correct[rows].sum())
    ci = binomtest(hits, rows.size).proportion_ci(0.95, method="wilson")
    accuracy = f"{hits / rows.size:.3f} ({ci.low:.3f}-{ci.high:.3f})"
    if np.unique(test.labels[rows]).size == 2:
        auc = bootstrap_auroc(test.labels[rows], score[rows], positive_label=0)
        auroc = f"{auc.estimate:.3f} ({auc.low:.3f}-{auc.high:.3f})"
    else:
        auroc = "undefined"
    print(f"{name:<24} {rows.size:>4} {auroc:>22} {accuracy:>22}")
print("malignant among the copies:", int((test.labels[copied] == 0).sum()))

from sklearn.linear_model import LogisticRegression

from medguide import bootstrap_auroc, fit_threshold, load_splits

MALIGNANT = 0

splits = load_splits("breastmnist")
train, val, test = splits["train"], splits["val"], splits["test"]


def pixels(split):
    return split.images.reshape(len(split), -1) / 255


model = LogisticRegression(C=0.1, max_iter=2000)
model.fit(pixels(train), train.labels)
val_scores = model.predict_proba(pixels(val))[:, MALIGNANT]
test_scores = model.predict_proba(pixels(test))[:, MALIGNANT]

auroc = bootstrap_auroc(test.labels, test_scores, positive_label=MALIGNANT)
print(f"What a paper often reports: AUROC {auroc.estimate:.2f} "
      f"(95% CI {auroc.low:.2f} to {auroc.high:.2f})\n")

point = fit_threshold(val.labels, val_scores, positive_label=MALIGNANT,
                      method="sensitivity", target=0.9)
report = point.evaluate(test.labels, test_scores)
print(f"What a clinician needs: the test set at threshold "
      f"{point.threshold:.3f}, fitted on validation for 90% sensitivity")
for metric in [report.sensitivity, report.specificity, report.ppv,
               report.npv, report.lr_positive, report.lr_negative]:
    print(f"  {metric}")

n_malignant, n_benign = report.tp + report.fn, report.tn + report.fp
print(f"\nOf the {n_malignant} malignant tumours the model flags "
      f"{report.tp} and misses {report.fn}.")
print(f"Of the {n_benign} benign or normal scans it flags {report.fp} "
      "for a biopsy that finds nothing.")
for prevalence in [0.27, 0.01]:
    pre_odds = prevalence / (1 - prevalence)
    post_odds = pre_odds * report.lr_positive.estimate
    print(f"Pre-test probability {prevalence:.0%}: a positive result raises "
          f"it to {post_odds / (1 + post_odds):.1%}.")

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

from medguide import (bootstrap_auroc, brier_score, fit_threshold,
                      load_splits)

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
point = fit_threshold(val.labels, val_scores, positive_label=MALIGNANT,
                      method="sensitivity", target=0.9)
report = point.evaluate(test.labels, test_scores)
brier = brier_score(test.labels, test_scores, positive_label=MALIGNANT)


def ci(metric):
    interval = f"95% CI {metric.low:.2f} to {metric.high:.2f}"
    return f"{metric.estimate:.2f} ({interval})"


def counts(split):
    malignant = int(np.sum(split.labels == MALIGNANT))
    return f"{len(split)} images, {malignant} malignant"


card = {
    "Model details": "Logistic regression (scikit-learn "
    f"{sklearn.__version__}, C = 0.1) on the 784 raw pixels, scaled to "
    "[0, 1]. Output: probability of malignancy.",
    "Intended use": "Teaching only. Not for use on patients.",
    "Out of scope": "Any clinical decision; images other than 28 x 28 "
    "breast ultrasound from the source hospital.",
    "Training data": f"BreastMNIST official training split: {counts(train)}.",
    "Evaluation data": f"Official validation split ({counts(val)}) for the "
    f"threshold; official test split ({counts(test)}) for every number below.",
    "Positive class": "Label 0, malignant.",
    "Discrimination": f"AUROC {ci(auroc)}, stratified bootstrap.",
    "Operating point": f"Threshold {point.threshold:.3f}, chosen on "
    "validation data for 90% sensitivity.",
    "Sensitivity": ci(report.sensitivity) + ", Wilson score.",
    "Specificity": ci(report.specificity) + ", Wilson score.",
    "PPV": ci(report.ppv) + f", at the test prevalence of "
    f"{np.mean(test.labels == MALIGNANT):.0%}.",
    "Calibration": f"Brier score {brier:.3f}.",
    "Factors not evaluated": "Patient age, scanner, operator, lesion size; "
    "the dataset does not record them.",
    "Caveats": "One hospital, 780 images, no external validation.",
}
print("| Section | Content |\n| --- | --- |")
for section, content in card.items():
    print(f"| {section} | {content} |")

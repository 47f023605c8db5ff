import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from medguide import (bootstrap_auprc, bootstrap_auroc, clinical_report,
                      fit_threshold, load_splits, memoize)

PNEUMONIA = 1


@memoize
def out_of_fold_scores(images, labels):
    model = LogisticRegression(max_iter=2000)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    return cross_val_predict(model, images.reshape(len(images), -1) / 255,
                             labels, cv=folds, method="predict_proba")[:, 1]


splits = load_splits("pneumoniamnist")
images = np.concatenate([split.images for split in splits.values()])
labels = np.concatenate([split.labels for split in splits.values()])
scores = out_of_fold_scores(images, labels)
point = fit_threshold(labels, scores, positive_label=PNEUMONIA,
                      method="sensitivity", target=0.9)

negatives = np.flatnonzero(labels != PNEUMONIA)
positives = np.flatnonzero(labels == PNEUMONIA)
rng = np.random.default_rng(0)
print(f"{len(negatives)} normal images, {len(positives)} with pneumonia; "
      f"threshold {point.threshold:.3f} (sensitivity 0.9)")
print(f"\n{'prevalence':<11}{'pos.':>6}{'AUROC':>19}{'AUPRC':>19}"
      f"{'PPV':>19}")
for prevalence in [None, 0.10, 0.02, 0.005]:
    if prevalence is None:
        chosen = positives
    else:
        count = round(prevalence * len(negatives) / (1 - prevalence))
        chosen = rng.choice(positives, size=count, replace=False)
    keep = np.concatenate([negatives, chosen])
    y, s = labels[keep], scores[keep]
    auroc = bootstrap_auroc(y, s, positive_label=PNEUMONIA)
    auprc = bootstrap_auprc(y, s, positive_label=PNEUMONIA)
    ppv = clinical_report(y, s, positive_label=PNEUMONIA,
                          threshold=point.threshold).ppv
    row = [f"{len(chosen) / len(keep):.1%}", f"{len(chosen)}"]
    row += [f"{metric.estimate:.2f} ({metric.low:.2f}-{metric.high:.2f})"
            for metric in (auroc, auprc, ppv)]
    print(f"{row[0]:<11}{row[1]:>6}{row[2]:>19}{row[3]:>19}{row[4]:>19}")
